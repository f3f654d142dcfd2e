// A typed, promise-based client for the Announcer API: domain types in and out, failures as
// ApiError carrying the gRPC status and the server's message.

import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { systemClock } from '../clock.js';
import { AnnouncerClient } from '../gen/announcer/v1/announcer.js';
import type { AnnouncedPath, PeerStatus } from '../rib/types.js';
import type { PathFilter, PathInput, PathSelector } from '../speaker-api.js';
import { CHANNEL_OPTIONS } from './channel-options.js';
import {
  announcedPathFromPb,
  filterToPb,
  pathInputToPb,
  peerFromPb,
  selectorToPb,
} from './convert.js';
import { FIELD_METADATA_KEY } from './status.js';

/** gRPC status names: 'INVALID_ARGUMENT', 'NOT_FOUND', 'UNAVAILABLE', ... */
export type ApiErrorCode = keyof typeof status;

/** A failed call: `message` is the server's message (or grpc's, when the server was not reached). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** The gRPC status code (3 = INVALID_ARGUMENT, 5 = NOT_FOUND, 14 = UNAVAILABLE, ...). */
    readonly code: number,
    message: string,
    /** The target the client was talking to, e.g. "unix:/run/announcer/announcer.sock". */
    readonly target: string,
    /** For a refused request: the field it got wrong, e.g. "paths[0].nextHop". */
    readonly field?: string,
  ) {
    super(message);
  }

  /** The status by name, e.g. 'INVALID_ARGUMENT'. */
  get codeName(): ApiErrorCode {
    return (status[this.code] as ApiErrorCode | undefined) ?? 'UNKNOWN';
  }
}

export interface ApiClient {
  /** The target as given to connectClient. */
  readonly target: string;
  /** Announce (or update) paths; returns them as the speaker holds them. */
  addPaths(paths: readonly PathInput[]): Promise<AnnouncedPath[]>;
  /** Withdraw paths of one prefix; NOT_FOUND when none match. Returns those removed. */
  deletePaths(selector: PathSelector): Promise<AnnouncedPath[]>;
  listPaths(filter?: PathFilter): Promise<AnnouncedPath[]>;
  listPeers(): Promise<PeerStatus[]>;
  /** Closes the channel; calls in flight fail with CANCELLED. */
  close(): void;
}

export interface ClientOptions {
  /** Deadline for each call (default 30 s): an unresponsive daemon fails with DEADLINE_EXCEEDED. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Accepts "unix:/path" (or unix:relative/path) and "host:port" / "[v6]:port". */
function checkTarget(target: string): void {
  if (/^unix:.+/.test(target)) return;
  if (/^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(target)) return;
  throw new Error(`invalid API address ${JSON.stringify(target)}: expected unix:PATH or HOST:PORT`);
}

/** The wire carries uint32; refuse what it would silently wrap, the way the speaker words it. */
function checkUint32(value: number | undefined, field: string, target: string): void {
  if (value === undefined || (Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) return;
  throw new ApiError(status.INVALID_ARGUMENT, `${field}: ${value} is not an integer in 0..4294967295`, target, field);
}

/**
 * A client for the daemon at `target` ("unix:/run/announcer/announcer.sock", "127.0.0.1:50051").
 * Connects lazily: an unreachable daemon shows as ApiError UNAVAILABLE on the first call.
 */
export function connectClient(target: string, options: ClientOptions = {}): ApiClient {
  checkTarget(target);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const grpc = new AnnouncerClient(target, credentials.createInsecure(), CHANNEL_OPTIONS);

  function toApiError(err: ServiceError): ApiError {
    const field = err.metadata?.get(FIELD_METADATA_KEY)[0];
    return new ApiError(err.code, err.details || err.message, target, typeof field === 'string' ? field : undefined);
  }

  function call<Req, Res>(
    method: (req: Req, md: Metadata, opts: { deadline: Date }, cb: (err: ServiceError | null, res: Res) => void) => unknown,
    req: Req,
  ): Promise<Res> {
    return new Promise((done, fail) => {
      method.call(grpc, req, new Metadata(), { deadline: new Date(systemClock.now() + timeoutMs) }, (err, res) => {
        if (err) fail(toApiError(err));
        else done(res);
      });
    });
  }

  return {
    target,
    async addPaths(paths) {
      paths.forEach((p, i) => {
        checkUint32(p.localPref, `paths[${i}].localPref`, target);
        checkUint32(p.med, `paths[${i}].med`, target);
      });
      const res = await call(grpc.addPath, { paths: paths.map(pathInputToPb) });
      return res.paths.map(announcedPathFromPb);
    },
    async deletePaths(selector) {
      const res = await call(grpc.deletePath, selectorToPb(selector));
      return res.removed.map(announcedPathFromPb);
    },
    async listPaths(filter) {
      const res = await call(grpc.listPaths, filterToPb(filter));
      return res.paths.map(announcedPathFromPb);
    },
    async listPeers() {
      const res = await call(grpc.listPeers, {});
      return res.peers.map(peerFromPb);
    },
    close() {
      grpc.close();
    },
  };
}
