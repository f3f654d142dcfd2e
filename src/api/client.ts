// A typed, promise-based client for the Announcer API: domain types in and out, failures as
// ApiError carrying the gRPC status and the server's message.

import { createRequire } from 'node:module';
import { credentials, makeGenericClientConstructor, Metadata, status, type ChannelCredentials, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import { attributeTable, fieldOf } from '../attributes/table.js';
import { systemClock } from '../clock.js';
import { PathSet, ReplaceParts } from './replace-parts.js';
import { AnnouncerClient, type Event, type ListPathsResponse, type ReplacePathsRequest, type ReplacePathsResponse } from '../gen/announcer/v1/announcer.js';
import type {
  AddedPaths,
  AddOptions,
  DrainStatus,
  AnnouncedPath,
  HealthCheckDetail,
  PathFilter,
  PathInput,
  PathSelector,
  PeerShutdownOutcome,
  PeerStatus,
  PrefixReach,
  ReplaceOptions,
  ReplaceResult,
  SpeakerEvent,
} from '../speaker/api.js';
import { CHANNEL_OPTIONS } from './channel-options.js';
import {
  addPathResponseFromPb,
  announcedPathFromPb,
  eventFromPb,
  filterToPb,
  healthChecksFromPb,
  pathInputToPb,
  peerFromPb,
  replaceResultFromPb,
  listPartFromPb,
  addPathReachFromPb,
  selectorToPb,
  shutdownFromPb,
  drainStatusFromPb,
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
  /**
   * Announce (or update) paths; returns them as the speaker holds them, and in `alsoUpdated` the
   * other paths of their prefixes whose attributes the call changed. Attributes the request does
   * not state are kept, unless `replaceAttributes`; attributes another owner set are that owner's
   * to change (FAILED_PRECONDITION).
   */
  addPaths(paths: readonly PathInput[], options?: AddOptions): Promise<AddedPaths>;
  /** The same, with what every peer is sent of each prefix. */
  addPathsReach(paths: readonly PathInput[], options?: AddOptions): Promise<{ paths: AddedPaths; reach: PrefixReach[] }>;
  /** Withdraw paths of one prefix; NOT_FOUND when none match. Returns those removed. */
  deletePaths(selector: PathSelector): Promise<AnnouncedPath[]>;
  /**
   * Make `owner`'s paths exactly `paths` in one step (a restarting controller's re-sync): returns
   * what was added, removed and updated, and how many were unchanged (nothing sent for those).
   * An empty list withdraws all of the owner's paths. A PathSet is a set packed as it was read
   * (a million-path file without an object per path); an array is packed here.
   */
  replacePaths(owner: string, paths: readonly PathInput[] | PathSet, options?: ReplaceOptions): Promise<ReplaceResult>;
  listPaths(filter?: PathFilter): Promise<AnnouncedPath[]>;
  /** The same as it arrives: parts in prefix order, a prefix's paths in one part (a table is never held whole). */
  listPathParts(filter?: PathFilter): AsyncIterable<AnnouncedPath[]>;
  /**
   * Stop the daemon: withdraw every path, or (`restart`) leave them with graceful-restart routers.
   * Says per peer whether its router keeps the paths, for how long, or why not.
   */
  shutdown(options?: { readonly restart?: boolean }): Promise<PeerShutdownOutcome[]>;
  /**
   * Drain (RFC 8326 GRACEFUL_SHUTDOWN on every path; every path withdrawn after
   * `withdrawAfterMs` when given), end a drain (`undrain`), or only ask (`status`).
   */
  drain(options?: { readonly withdrawAfterMs?: number; readonly undrain?: boolean; readonly status?: boolean }): Promise<DrainStatus>;
  /** Every configured health check with each of its targets (state, since, last error, paths, effect). */
  listHealthChecks(): Promise<HealthCheckDetail[]>;
  /** listPeers, with whether the daemon is draining (absent from a daemon older than drains). */
  peersStatus(filter?: { readonly peer?: string }): Promise<{ peers: PeerStatus[]; drain?: DrainStatus }>;
  /** Every peer, or only `filter.peer` (INVALID_ARGUMENT when it is not configured). */
  listPeers(filter?: { readonly peer?: string }): Promise<PeerStatus[]>;
  /**
   * Streams events (peer state changes, desired-path changes, what each peer was sent, health
   * check targets going down or up) to `onEvent` until cancel() or the stream fails; `onError`
   * hears a failure (the daemon went away: UNAVAILABLE). Events of kinds this version does not
   * know are skipped.
   */
  watch(onEvent: (event: SpeakerEvent) => void, onError?: (err: ApiError) => void, options?: { readonly paths?: boolean }): EventWatch;
  /**
   * The standard health check (grpc.health.v1.Health/Check) of `service` ("" = the whole server,
   * "announcer.v1.Announcer" = the API): its serving status; NOT_FOUND for a service it does not know.
   */
  checkHealth(service?: string, options?: { readonly timeoutMs?: number }): Promise<HealthStatus>;
  /**
   * Starts connecting now instead of at the first call: a caller with work of its own first (a
   * large file to read) overlaps the two. A failure to connect is still the first call's.
   */
  connect(): void;
  /** Closes the channel; calls in flight fail with CANCELLED. */
  close(): void;
}

/** grpc.health.v1's ServingStatus, by name. */
export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/**
 * The health service as grpc-health-check defines it (the same definition the server serves),
 * loaded on first use: the package parses its .proto when imported, ~90 ms of every CLI command.
 */
type HealthClientType = ReturnType<typeof makeGenericClientConstructor>;
let healthClient: Promise<HealthClientType> | undefined;
function healthClientClass(): Promise<HealthClientType> {
  // Required, not imported: the CLI's bundle runs as a script, which has no import() (cli/code-cache.ts).
  return (healthClient ??= Promise.resolve().then(() => {
    const { service } = createRequire(import.meta.url)('grpc-health-check') as typeof import('grpc-health-check');
    return makeGenericClientConstructor(service as unknown as ServiceDefinition, 'grpc.health.v1.Health');
  }));
}
const HEALTH_STATUS: readonly HealthStatus[] = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

export interface EventWatch {
  /** Resolves once the daemon has subscribed (every later event will arrive); rejects if the stream fails first. */
  readonly started: Promise<void>;
  /** Resolves when the stream is over: undefined after cancel() or a clean end, else the error. */
  readonly ended: Promise<ApiError | undefined>;
  /** Ends the stream (the daemon unsubscribes); `ended` then resolves to undefined. */
  cancel(): void;
}

/** PEM contents (not file names) for a TCP target served with TLS. */
export interface ClientTlsOptions {
  /** CA bundle to verify the daemon's certificate with; omitted: the system's roots. */
  readonly ca?: Buffer | string;
  /** Our certificate chain, for a daemon that requires client certificates (mutual TLS); with `key`. */
  readonly cert?: Buffer | string;
  /** Our private key; with `cert`. */
  readonly key?: Buffer | string;
  /** The name to expect in the daemon's certificate when it differs from the target's host. */
  readonly serverName?: string;
}

export interface ClientOptions {
  /** Deadline for each call (default 30 s): an unresponsive daemon fails with DEADLINE_EXCEEDED. Not for watch(). */
  readonly timeoutMs?: number;
  /** Connect with TLS (HOST:PORT targets only). */
  readonly tls?: ClientTlsOptions;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The error with every `paths[k]` in its field and message turned into the caller's index. */
function callerIndexes(e: ApiError, index: (k: number) => number): ApiError {
  const map = (t: string): string => t.replace(/paths\[(\d+)\]/g, (_, k: string) => `paths[${index(Number(k))}]`);
  return new ApiError(e.code, map(e.message), e.target, e.field === undefined ? undefined : map(e.field));
}

function isServiceError(e: unknown): e is ServiceError {
  return e instanceof Error && typeof (e as Partial<ServiceError>).code === 'number' && 'metadata' in e;
}

/** Accepts "unix:/path" (or unix:relative/path) and "host:port" / "[v6]:port". */
function checkTarget(target: string): void {
  if (/^unix:.+/.test(target)) return;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(target);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 65535) return;
  if (m) throw new Error(`invalid API address ${JSON.stringify(target)}: port ${m[2]} is out of range 1-65535`);
  throw new Error(`invalid API address ${JSON.stringify(target)}: expected unix:PATH or HOST:PORT`);
}

function pem(v: Buffer | string | undefined): Buffer | null {
  return v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v);
}

function channelCredentials(target: string, tls: ClientTlsOptions | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  if (target.startsWith('unix:')) throw new Error(`TLS applies to HOST:PORT targets only, not ${target}`);
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new Error('a client certificate and its key go together: give both or neither');
  return credentials.createSsl(pem(tls.ca), pem(tls.key), pem(tls.cert));
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
  const channelOptions = options.tls?.serverName
    ? { ...CHANNEL_OPTIONS, 'grpc.ssl_target_name_override': options.tls.serverName, 'grpc.default_authority': options.tls.serverName }
    : CHANNEL_OPTIONS;
  const channelCreds = channelCredentials(target, options.tls);
  const grpc = new AnnouncerClient(target, channelCreds, channelOptions);

  let health: InstanceType<HealthClientType> | undefined;

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

  /** What protobuf would wrap silently (uint32 fields): refused here, naming the caller's index. */
  function checkPath(p: PathInput, i: number): void {
    for (const e of attributeTable()) if (e.form === 'number') checkUint32(fieldOf(p, e) as number | undefined, `paths[${i}].${e.name}`, target);
    checkUint32(p.weight, `paths[${i}].weight`, target);
  }

  function checkPaths(paths: readonly PathInput[] | PathSet): void {
    if (paths instanceof PathSet) for (const [p, i] of paths.written()) checkPath(p, i);
    else paths.forEach(checkPath);
  }

  /** Packed parts (see ListedPaths), each turned into paths as it arrives. */
  async function* listPathParts(filter?: PathFilter): AsyncGenerator<AnnouncedPath[]> {
    const stream = grpc.listPaths(filterToPb(filter, true), { deadline: new Date(systemClock.now() + timeoutMs) });
    try {
      for await (const part of stream as AsyncIterable<ListPathsResponse>) {
        yield listPartFromPb(part);
      }
    } catch (e) {
      throw isServiceError(e) ? toApiError(e) : e;
    } finally {
      stream.cancel();
    }
  }

  function watch(onEvent: (event: SpeakerEvent) => void, onError?: (err: ApiError) => void, options: { paths?: boolean } = {}): EventWatch {
    const stream = grpc.watchEvents({ paths: options.paths ?? false }, new Metadata());
    let cancelled = false;
    let over = false;
    let markStarted!: () => void;
    let failStart!: (err: ApiError) => void;
    let markEnded!: (err: ApiError | undefined) => void;
    const started = new Promise<void>((done, fail) => {
      markStarted = done;
      failStart = fail;
    });
    // Whoever only awaits `ended` must not get an unhandled rejection from `started`.
    started.catch(() => {});
    const ended = new Promise<ApiError | undefined>((done) => (markEnded = done));
    const end = (err: ApiError | undefined): void => {
      if (over) return;
      over = true;
      if (err) {
        failStart(err);
        onError?.(err);
      } else markStarted();
      markEnded(err);
    };
    stream.on('metadata', () => markStarted());
    stream.on('data', (pb: Event) => {
      let event: SpeakerEvent | undefined;
      try {
        event = eventFromPb(pb);
      } catch (e) {
        end(new ApiError(status.UNKNOWN, `bad event from the daemon: ${e instanceof Error ? e.message : String(e)}`, target));
        cancelled = true;
        stream.cancel();
        return;
      }
      if (event && !over) onEvent(event);
    });
    stream.on('error', (err: ServiceError) => end(cancelled && err.code === status.CANCELLED ? undefined : toApiError(err)));
    stream.on('status', (st: { code: number }) => {
      if (st.code === status.OK) end(undefined);
    });
    return {
      started,
      ended,
      cancel() {
        if (over) return;
        cancelled = true;
        stream.cancel();
      },
    };
  }

  return {
    target,
    async addPaths(paths, options) {
      return (await this.addPathsReach(paths, options)).paths;
    },
    async addPathsReach(paths, options = {}) {
      checkPaths(paths);
      const res = await call(grpc.addPath, { paths: paths.map(pathInputToPb), replaceAttributes: options.replaceAttributes === true });
      return { paths: addPathResponseFromPb(res), reach: addPathReachFromPb(res) };
    },
    async deletePaths(selector) {
      const res = await call(grpc.deletePath, selectorToPb(selector));
      return res.removed.map(announcedPathFromPb);
    },
    async replacePaths(owner, paths, opts = {}) {
      // A set still being read is checked part by part as it goes (its later paths are not read yet).
      const reading = paths instanceof PathSet && paths.isReading;
      if (!reading) checkPaths(paths);
      const details = opts.details ?? false;
      const guard = {
        ...(opts.maxRemove !== undefined ? { maxRemove: opts.maxRemove } : {}),
        ...(opts.maxRemovePercent !== undefined ? { maxRemovePercent: opts.maxRemovePercent } : {}),
      };
      const packing = new ReplaceParts(owner, paths, details, guard, reading ? checkPath : undefined);
      const parts = packing.messages();
      // The first part before the call: a set being read whose reading fails at once (a file the
      // fast reader leaves to the parsers) fails here, and no call is made.
      let next: IteratorResult<ReplacePathsRequest> | null = parts.next();
      const streaming = packing.streaming;
      const res = await new Promise<ReplacePathsResponse>((done, fail) => {
        let answered = false;
        const stream = grpc.replacePaths(new Metadata(), { deadline: new Date(systemClock.now() + timeoutMs) }, (err, r) => {
          answered = true;
          // The daemon counts paths in the order it got them: name the caller's.
          if (err) fail(callerIndexes(toApiError(err), (k) => packing.callerIndex(k)));
          else done(r);
        });
        // In parts, so no message has to hold a table; the daemon applies them together at the end.
        // Each part is made only when the transport has taken the one before. A set still being
        // read yields the loop after each part, so the part goes out while the rest is read.
        const send = (): void => {
          for (;;) {
            if (answered) return; // refused (or cut) already: the rest would be dropped unread
            try {
              next ??= parts.next();
            } catch (err) {
              // The reading failed after parts went out: the call is cut, and the daemon applies nothing.
              stream.cancel();
              fail(err);
              return;
            }
            if (next.done) return void stream.end();
            const written = stream.write(next.value);
            next = null;
            if (!written) return void stream.once('drain', send);
            if (streaming) return void systemClock.soon(send);
          }
        };
        send();
      });
      return replaceResultFromPb(res, details);
    },
    async listPaths(filter) {
      const out: AnnouncedPath[] = [];
      for await (const part of listPathParts(filter)) for (const p of part) out.push(p);
      return out;
    },
    listPathParts,
    async shutdown(o = {}) {
      return shutdownFromPb(await call(grpc.shutdown, { restart: o.restart ?? false }));
    },
    async drain(o = {}) {
      return drainStatusFromPb(
        await call(grpc.drain, { ...(o.withdrawAfterMs !== undefined ? { withdrawAfterMs: o.withdrawAfterMs } : {}), undrain: o.undrain === true, statusOnly: o.status === true }),
      );
    },
    async listHealthChecks() {
      return healthChecksFromPb(await call(grpc.listHealthChecks, {}));
    },
    async listPeers(filter = {}) {
      return (await this.peersStatus(filter)).peers;
    },
    async peersStatus(filter = {}) {
      const res = await call(grpc.listPeers, { peer: filter.peer ?? '' });
      return { peers: res.peers.map(peerFromPb), ...(res.drain ? { drain: drainStatusFromPb(res.drain) } : {}) };
    },
    watch,
    async checkHealth(service = '', o = {}) {
      const deadline = new Date(systemClock.now() + (o.timeoutMs ?? timeoutMs));
      const HealthClient = await healthClientClass();
      // On the API's own channel: no second connection, and no credentials built again.
      const client = (health ??= new HealthClient(target, channelCreds, { ...channelOptions, channelOverride: grpc.getChannel() }));
      return new Promise((done, fail) => {
        client['check']!({ service }, new Metadata(), { deadline }, (err: ServiceError | null, res: { status?: number | string }) => {
          if (err) return fail(toApiError(err));
          const s = res.status;
          done(typeof s === 'string' ? ((HEALTH_STATUS as readonly string[]).includes(s) ? (s as HealthStatus) : 'UNKNOWN') : (HEALTH_STATUS[s ?? 0] ?? 'UNKNOWN'));
        });
      });
    },
    connect() {
      grpc.getChannel().getConnectivityState(true);
    },
    close() {
      grpc.close();
    },
  };
}
