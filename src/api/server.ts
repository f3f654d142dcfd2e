// The gRPC server: each handler turns the request into domain types, asks the speaker, and turns
// the answer (or its RequestError) back into protobuf. It never reaches past SpeakerApi.

import { Server, ServerCredentials, type handleUnaryCall } from '@grpc/grpc-js';
import { systemClock } from '../clock.js';
import { AnnouncerService, type AnnouncerServer } from '../gen/announcer/v1/announcer.js';
import { silentLogger, type Logger } from '../log.js';
import { RequestError } from '../rib/types.js';
import type { SpeakerApi } from '../speaker-api.js';
import { CHANNEL_OPTIONS } from './channel-options.js';
import {
  announcedPathToPb,
  filterFromPb,
  pathInputFromPb,
  peerToPb,
  selectorFromPb,
} from './convert.js';
import { bindTarget, boundAddress, prepareSocket, removeSocket, type ApiListen } from './listen.js';
import { toStatus } from './status.js';

export type { ApiListen };

export interface ApiServer {
  /** Where clients connect: "unix:/abs/path" or "host:port" (the real port when 0 was asked for). */
  readonly address: string;
  /** Stops accepting calls, lets running ones finish (for up to 5 s), removes the socket. */
  close(): Promise<void>;
}

/** How long close() lets running calls finish before cutting them off. */
const SHUTDOWN_GRACE_MS = 5_000;

function handlers(speaker: SpeakerApi, log: Logger): AnnouncerServer {
  function unary<Req, Res>(method: string, fn: (req: Req) => Res | Promise<Res>): handleUnaryCall<Req, Res> {
    return (call, callback) => {
      Promise.resolve()
        .then(() => fn(call.request))
        .then(
          (res) => callback(null, res),
          (err: unknown) => callback(toStatus(err, log, method)),
        );
    };
  }

  return {
    addPath: unary('AddPath', async (req) => {
      if (req.paths.length === 0) throw new RequestError('invalid-argument', 'paths', 'paths: at least one path is required');
      const paths = await speaker.addPaths(req.paths.map(pathInputFromPb));
      return { paths: paths.map(announcedPathToPb) };
    }),
    deletePath: unary('DeletePath', async (req) => {
      const removed = await speaker.deletePaths(selectorFromPb(req));
      return { removed: removed.map(announcedPathToPb) };
    }),
    listPaths: unary('ListPaths', async (req) => {
      const paths = await speaker.listPaths(filterFromPb(req));
      return { paths: paths.map(announcedPathToPb) };
    }),
    listPeers: unary('ListPeers', async () => {
      const peers = await speaker.listPeers();
      return { peers: peers.map(peerToPb) };
    }),
  };
}

/**
 * Serves the Announcer API for `speaker` on a unix socket (its directory is created; a stale
 * socket from a dead daemon is replaced) or a TCP address ("127.0.0.1:50051", "[::1]:0").
 */
export async function startApiServer(speaker: SpeakerApi, listen: ApiListen, log: Logger = silentLogger): Promise<ApiServer> {
  if ('socket' in listen) await prepareSocket(listen.socket);
  const server = new Server(CHANNEL_OPTIONS);
  server.addService(AnnouncerService, handlers(speaker, log));
  const port = await new Promise<number>((done, fail) => {
    server.bindAsync(bindTarget(listen), ServerCredentials.createInsecure(), (err, p) => {
      if (err) {
        server.forceShutdown();
        fail(new Error(`${'socket' in listen ? 'api.socket' : 'api.address'}: cannot listen on ${bindTarget(listen)}: ${err.message}`));
      } else done(p);
    });
  });
  const address = boundAddress(listen, port);
  log.info({ address }, 'api listening');

  let closing: Promise<void> | undefined;
  return {
    address,
    close() {
      closing ??= new Promise<void>((done) => {
        const force = systemClock.after(SHUTDOWN_GRACE_MS, () => server.forceShutdown());
        server.tryShutdown(() => {
          force.cancel();
          done();
        });
      }).then(() => removeSocket(listen));
      return closing;
    },
  };
}
