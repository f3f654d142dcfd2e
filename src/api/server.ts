// The gRPC server: each handler turns the request into domain types, asks the speaker, and turns
// the answer (or its RequestError) back into protobuf. It never reaches past SpeakerApi. Beside
// the Announcer service it serves grpc.health.v1.Health and server reflection.

import {
  Metadata,
  Server,
  status,
  type handleClientStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServerErrorResponse,
  type ServerWritableStream,
} from '@grpc/grpc-js';
import { Slices, systemClock, type Clock } from '../clock.js';
import {
  AnnouncerService,
  type AnnouncerServer,
  type Event,
  type ListPathsRequest,
  type ListPathsResponse,
  type ReplacePathsRequest,
  type ReplacePathsResponse,
  type WatchEventsRequest,
} from '../gen/announcer/v1/announcer.js';
import { silentLogger, type Logger } from '../log.js';
import { RequestError, type ReplaceTransaction, type SpeakerApi } from '../speaker/api.js';
import { CHANNEL_OPTIONS } from './channel-options.js';
import { NEXT_HOP_TABLE } from './replace-parts.js';
import {
  addPathResponseToPb,
  announcedPathToPb,
  listedBlockToPb,
  drainStatusToPb,
  blockFamilyFromPb,
  filterFromPb,
  healthChecksToPb,
  packedPieces,
  pathInputFromPb,
  peerToPb,
  replaceResultToPb,
  selectorFromPb,
  shutdownToPb,
} from './convert.js';
import { addHealthService } from './health.js';
import {
  bindTarget,
  boundAddress,
  prepareSocket,
  removeSocket,
  serverCredentials,
  setSocketMode,
  type ApiListen,
  type ApiTlsFiles,
} from './listen.js';
import { addReflectionService } from './reflection.js';
import { toStatus } from './status.js';
import { WatchQueue } from './watch-queue.js';

export { listenFromConfig } from './listen.js';
export type { ApiListen, ApiTlsFiles };

export interface ApiServer {
  /** Where clients connect: "unix:/abs/path" or "host:port" (the real port when 0 was asked for). */
  readonly address: string;
  /**
   * Health: false reports NOT_SERVING from now on (call it first thing at shutdown, so load
   * balancers and probes stop sending work); true follows the speaker's `ready` again.
   */
  setServing(serving: boolean): void;
  /**
   * Reports NOT_SERVING, ends every WatchEvents stream (UNAVAILABLE), stops accepting calls, lets
   * running ones finish (for up to 5 s), and removes the socket.
   */
  close(): Promise<void>;
}

export interface ApiServerOptions {
  /** Told about every finished Announcer call, with its gRPC status name ("OK", "INVALID_ARGUMENT"...). */
  readonly onCall?: (method: string, code: string) => void;
  /** How often the health service reads `speaker.ready` (default 1000 ms). */
  readonly healthPollMs?: number;
  /** Events a watcher may fall behind by before it is cut off with RESOURCE_EXHAUSTED (default 10,000). */
  readonly maxWatchBacklog?: number;
  /** Paths of rib events a watcher may fall behind by before it is cut off (default 1,048,576). */
  readonly maxWatchBacklogPaths?: number;
  readonly clock?: Clock;
}

/** How long close() lets running calls finish before cutting them off. */
const SHUTDOWN_GRACE_MS = 5_000;
const DEFAULT_HEALTH_POLL_MS = 1_000;
const DEFAULT_MAX_WATCH_BACKLOG = 10_000;
/** Paths of rib events a watcher may fall behind by: a million-path change fits (its views, a few hundred MiB while held). */
const MAX_WATCH_BACKLOG_PATHS = 1 << 20;

/**
 * Paths per ListPaths message: well under the message cap, and made, converted and serialized in
 * about a millisecond (8,192 took 15-25 ms of the event loop each, and the transport buffers 16).
 */
const LIST_CHUNK = 1024;
/** AddPath answers say what each peer is sent for requests of at most this many prefixes. */
const REACH_PREFIXES = 64;
/** Paths per packed ListPaths message: a path costs its prefix and id there (about 9 octets), no object. */
const LIST_BLOCK_CHUNK = 8192;
/** The work a step of ordering the table counts for in a slice (about a run's sort). */
const ORDER_STEP = 16_384;
/** ListPaths parts handed to the transport and not yet sent, at most. */
const LIST_IN_FLIGHT = 4;
/** Paths of a ReplacePaths part validated at once, between checks of the time (see Slices). */
const STAGE_PIECE = 1024;

function* mapIterator<T, U>(from: Iterable<T>, f: (t: T) => U): Iterator<U> {
  for (const t of from) yield f(t);
}

function statusName(code: number): string {
  return (status[code] as string | undefined) ?? String(code);
}

interface Watchers {
  /** Ends every open stream with `err`. */
  endAll(err: ServerErrorResponse): void;
}

function handlers(speaker: SpeakerApi, log: Logger, options: ApiServerOptions): { impl: AnnouncerServer; watchers: Watchers } {
  const clock = options.clock ?? systemClock;
  const onCall = options.onCall ?? (() => {});
  const maxBacklog = options.maxWatchBacklog ?? DEFAULT_MAX_WATCH_BACKLOG;
  const maxBacklogPaths = options.maxWatchBacklogPaths ?? MAX_WATCH_BACKLOG_PATHS;
  const open = new Set<(err: ServerErrorResponse) => void>();

  function unary<Req, Res>(method: string, fn: (req: Req) => Res | Promise<Res>): handleUnaryCall<Req, Res> {
    return (call, callback) => {
      Promise.resolve()
        .then(() => fn(call.request))
        .then(
          (res) => {
            onCall(method, 'OK');
            callback(null, res);
          },
          (err: unknown) => {
            const st = toStatus(err, log, method);
            onCall(method, statusName(st.code ?? status.UNKNOWN));
            callback(st);
          },
        );
    };
  }

  const watchEvents: handleServerStreamingCall<WatchEventsRequest, Event> = (call: ServerWritableStream<WatchEventsRequest, Event>) => {
    let done = false;
    let unsubscribe: () => void = () => {};
    // The replace never waits for a watcher: what it has not taken waits in its queue, bounded.
    const queue = new WatchQueue((m, sent) => call.write(m, sent), { events: maxBacklog, paths: maxBacklogPaths }, () => speaker.deferCollection?.() ?? (() => {}));
    const finish = (code: string, err?: ServerErrorResponse): void => {
      if (done) return;
      done = true;
      unsubscribe();
      queue.close();
      open.delete(fail);
      onCall('WatchEvents', code);
      // The stream's 'error' handler turns this into the call's status and ends it.
      if (err) call.emit('error', err);
    };
    const fail = (err: ServerErrorResponse): void => finish(statusName(err.code ?? status.UNKNOWN), err);
    call.on('cancelled', () => finish('CANCELLED'));
    call.on('close', () => finish('OK'));
    open.add(fail);
    try {
      unsubscribe = speaker.watch(
        (e) => {
          if (done || queue.push(e)) return;
          // A watcher that stopped reading must not make the daemon hold without bound: in
          // events, and in paths (an event of a large change holds thousands).
          const { events, paths } = queue;
          log.warn({ backlog: events, paths }, 'watcher too slow: ending its stream');
          fail({ name: 'WatchOverrun', message: 'watcher too slow', code: status.RESOURCE_EXHAUSTED, details: `watcher fell ${events} events (${paths} paths) behind and was cut off; watch again (and read faster)` });
        },
        undefined,
        { paths: call.request.paths },
      );
    } catch (err) {
      fail(toStatus(err, log, 'WatchEvents'));
      return;
    }
    // Headers now: the client knows it is subscribed before the first event (its `started`).
    call.sendMetadata(new Metadata());
  };

  /** Streamed in parts, each made only when the client has taken the one before. */
  const listPaths: handleServerStreamingCall<ListPathsRequest, ListPathsResponse> = (call) => {
    let parts: Iterator<ListPathsResponse>;
    let done = false;
    const finish = (err?: unknown): void => {
      if (done) return;
      done = true;
      if (err === undefined) {
        onCall('ListPaths', 'OK');
        call.end();
        return;
      }
      const st = toStatus(err, log, 'ListPaths');
      onCall('ListPaths', statusName(st.code ?? status.UNKNOWN));
      call.emit('error', st);
    };
    call.on('cancelled', () => {
      if (!done) onCall('ListPaths', 'CANCELLED');
      done = true;
    });
    // A turn of the event loop after each slice of parts, whatever the transport takes: a table
    // listed at once held the loop (BFD, keepalives, other calls) for as long as it took. And only
    // a few parts are handed to the transport before it has sent them (grpc-js would take 16 before
    // saying wait): fewer objects live across collections of the young heap.
    const slices = new Slices();
    let sending = 0;
    let waiting = false;
    const sent = (): void => {
      sending--;
      if (!waiting) return;
      waiting = false;
      slices.restart();
      pump();
    };
    const pump = (): void => {
      try {
        for (;;) {
          if (done) return;
          if (sending >= LIST_IN_FLIGHT) return void (waiting = true);
          const next = parts.next();
          if (next.done) return finish();
          const { value } = next;
          // An empty part is a step of ordering the table (see SortedPrefixes): nothing to send.
          const size = value.paths.length + value.blocks.reduce((n, b) => n + b.pathIds.length / 4, 0);
          if (size > 0) {
            sending++;
            call.write(value, sent);
          }
          if (slices.spent(size > 0 ? size : ORDER_STEP)) return void slices.next().then(pump);
        }
      } catch (err) {
        finish(err);
      }
    };
    try {
      const filter = filterFromPb(call.request);
      parts = call.request.packed
        ? mapIterator(speaker.listPathBlocks(filter, LIST_BLOCK_CHUNK), (blocks) => ({ paths: [], blocks: blocks.map(listedBlockToPb) }))
        : mapIterator(speaker.listPathChunks(filter, LIST_CHUNK), (paths) => ({ paths: paths.map(announcedPathToPb), blocks: [] }));
    } catch (err) {
      finish(err);
      return;
    }
    pump();
  };

  /** The parts are validated as they arrive; the whole set is applied when the client closes its side. */
  const replacePaths: handleClientStreamingCall<ReplacePathsRequest, ReplacePathsResponse> = (call, callback) => {
    let txn: ReplaceTransaction | null = null;
    let owner = '';
    let details = false;
    let failed = false;
    let total: number | undefined;
    let totalLast = false;
    let guard: { maxRemove?: number; maxRemovePercent?: number } = {};
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      const st = toStatus(err, log, 'ReplacePaths');
      onCall('ReplacePaths', statusName(st.code ?? status.UNKNOWN));
      callback(st);
    };
    // A part is validated in pieces, with a turn of the event loop between slices of them (a part
    // of 65,536 packed prefixes took up to 50 ms); the stream is paused meanwhile, so parts stay in
    // order and the client's writes wait (flow control).
    const slices = new Slices();
    const stage = async (req: ReplacePathsRequest): Promise<void> => {
      slices.restart(); // the loop has turned while the part was on its way
      if (!txn) {
        owner = req.owner;
        const pct = req.maxRemovePercent;
        if (pct !== undefined && !(pct >= 0 && pct <= 100)) throw new RequestError('invalid-argument', 'maxRemovePercent', `maxRemovePercent: ${pct} is not a percentage from 0 to 100`);
        guard = { ...(req.maxRemove !== undefined ? { maxRemove: req.maxRemove } : {}), ...(pct !== undefined ? { maxRemovePercent: pct } : {}) };
        txn = speaker.beginReplace(owner);
        totalLast = req.totalLast;
        total = req.totalLast ? undefined : req.total;
        if (total !== undefined) txn.reserve(total); // the columns are sized once, not doubled on the way
      } else if (req.owner !== '' && req.owner !== owner) {
        throw new RequestError('invalid-argument', 'owner', `owner: every part names the same owner (${owner}), not ${JSON.stringify(req.owner)}`);
      }
      const t = txn;
      if (totalLast) {
        // The set was sent as it was read: its size closes it.
        if (total !== undefined) throw new RequestError('invalid-argument', 'total', `total: a part came after the total (${total}); nothing changed`);
        total = req.total;
      }
      details ||= req.details;
      if (req.block) {
        if (req.paths.length > 0) throw new RequestError('invalid-argument', 'block', 'block: a message carries paths or a block, not both');
        const family = blockFamilyFromPb(req.block.family);
        if (!family) throw new RequestError('invalid-argument', 'block.family', `block.family: ${req.block.family} is not IPv4 or IPv6 unicast`);
        const { nextHop, check, nextHops, nextHopIndexes } = req.block;
        if (nextHops.length > 0 && nextHop !== NEXT_HOP_TABLE) throw new RequestError('invalid-argument', 'block.nextHop', `block.nextHop: a block with next_hops says ${JSON.stringify(NEXT_HOP_TABLE)} here`);
        const all = req.block.prefixes;
        let piece = 0;
        for (const prefixes of packedPieces(all, STAGE_PIECE)) {
          if (failed) return;
          // Pieces hold STAGE_PIECE prefixes each but the last, which takes the rest of the indexes.
          const last = prefixes.byteOffset + prefixes.byteLength === all.byteOffset + all.byteLength;
          const via = nextHops.length > 0 ? { nextHops, indexes: nextHopIndexes.subarray(piece * STAGE_PIECE * 2, last ? undefined : (piece + 1) * STAGE_PIECE * 2) } : nextHop || undefined;
          t.addPacked(family, prefixes, via, check || undefined);
          piece++;
          if (slices.spent(STAGE_PIECE)) await slices.next();
        }
      } else {
        for (let at = 0; at < req.paths.length; at += STAGE_PIECE) {
          if (failed) return;
          t.add(req.paths.slice(at, at + STAGE_PIECE).map(pathInputFromPb));
          if (slices.spent(STAGE_PIECE)) await slices.next();
        }
      }
    };
    // Every part received is staged (or has failed) once this resolves.
    let staged = Promise.resolve();
    call.on('data', (req: ReplacePathsRequest) => {
      if (failed) return; // the answer is given; the rest of the stream is read and dropped
      call.pause();
      staged = stage(req).then(
        () => void call.resume(),
        (err: unknown) => {
          fail(err);
          call.resume();
        },
      );
    });
    // A client that goes away mid-stream has not sent its whole set: applying the part that came
    // would withdraw the rest. grpc-js may report a cancelled stream as ended, before (sometimes
    // long before) it flags the cancel: `total` is what tells a whole set from a part.
    let cancelled = false;
    call.on('cancelled', () => {
      cancelled = true;
      if (!failed) onCall('ReplacePaths', 'CANCELLED');
      failed = true;
    });
    const commit = (): void => {
      if (failed || cancelled || call.cancelled) return;
      Promise.resolve()
        .then(() => {
          const t = txn ?? speaker.beginReplace('');
          if (totalLast && total === undefined) {
            throw new RequestError('invalid-argument', 'total', `total: the stream ended before its total (${t.count} paths had arrived); nothing changed`);
          }
          if (total !== undefined && t.count !== total) {
            throw new RequestError('invalid-argument', 'total', `total: the set was announced as ${total} paths but ${t.count} arrived; nothing changed`);
          }
          return t.commit({ details, ...guard });
        })
        .then((r) => {
          onCall('ReplacePaths', 'OK');
          callback(null, replaceResultToPb(r));
        }, fail);
    };
    call.on('end', () => {
      if (failed) return;
      // 'end' may come while the last part is still being staged.
      void staged.then(() => clock.soon(commit));
    });

  };

  const impl: AnnouncerServer = {
    addPath: unary('AddPath', async (req) => {
      if (req.paths.length === 0) throw new RequestError('invalid-argument', 'paths', 'paths: at least one path is required');
      const added = await speaker.addPaths(req.paths.map(pathInputFromPb), { replaceAttributes: req.replaceAttributes });
      // What each peer is sent, for a request of a few prefixes (an operator's, a controller's
      // change); a bulk load of thousands would get an answer as large as its request.
      const prefixes = [...new Set(added.map((p) => p.prefix))];
      return addPathResponseToPb(added, prefixes.length <= REACH_PREFIXES ? speaker.reach(prefixes) : [], added.alsoUpdated);
    }),
    deletePath: unary('DeletePath', async (req) => {
      const removed = await speaker.deletePaths(selectorFromPb(req));
      return { removed: removed.map(announcedPathToPb) };
    }),
    listPaths,
    listPeers: unary('ListPeers', async (req) => {
      const peers = await speaker.listPeers(req.peer === '' ? {} : { peer: req.peer });
      return { peers: peers.map(peerToPb), drain: drainStatusToPb(speaker.drainStatus()) };
    }),
    drain: unary('Drain', (req) => {
      if (req.statusOnly) return drainStatusToPb(speaker.drainStatus());
      if (req.undrain) {
        if (req.withdrawAfterMs !== undefined) throw new RequestError('invalid-argument', 'withdrawAfterMs', 'withdrawAfterMs: not with undrain (an undrain announces every path again)');
        return drainStatusToPb(speaker.undrain());
      }
      return drainStatusToPb(speaker.drain(req.withdrawAfterMs));
    }),
    replacePaths,
    watchEvents,
    shutdown: unary('Shutdown', (req) => shutdownToPb(speaker.shutdown(req.restart ? 'restart' : 'withdraw'))),
    listHealthChecks: unary('ListHealthChecks', () => healthChecksToPb(speaker.listHealthChecks())),
  };
  return {
    impl,
    watchers: {
      endAll(err) {
        for (const fail of [...open]) fail(err);
      },
    },
  };
}

/**
 * Serves the Announcer API (plus health and reflection) for `speaker`:
 * - on a unix socket, created with `socketMode` (default 0660) in a directory made when missing
 *   (0755); a stale socket from a dead daemon is replaced, a live one is refused ("already running");
 * - or on TCP ("127.0.0.1:50051", "[::1]:0"): plain on loopback, else only with `tls` (mutual
 *   when `clientCa` is given) or `insecure: true`.
 */
export async function startApiServer(
  speaker: SpeakerApi,
  listen: ApiListen,
  log: Logger = silentLogger,
  options: ApiServerOptions = {},
): Promise<ApiServer> {
  const clock = options.clock ?? systemClock;
  const credentials = await serverCredentials(listen);
  if ('socket' in listen) await prepareSocket(listen.socket);
  const server = new Server(CHANNEL_OPTIONS);
  // First: it reads the API's descriptor set from disk, and may fail before anything runs (the
  // health service's poll timer would otherwise keep a daemon that failed to start alive).
  addReflectionService(server);
  const { impl, watchers } = handlers(speaker, log, options);
  server.addService(AnnouncerService, impl);
  const health = addHealthService(server, () => speaker.ready, clock, options.healthPollMs ?? DEFAULT_HEALTH_POLL_MS);

  let port: number;
  try {
    port = await new Promise<number>((done, fail) => {
      server.bindAsync(bindTarget(listen), credentials, (err, p) => {
        if (err) fail(new Error(`${'socket' in listen ? 'api.socket' : 'api.address'}: cannot listen on ${bindTarget(listen)}: ${err.message}`));
        else done(p);
      });
    });
    await setSocketMode(listen);
  } catch (e) {
    health.stop();
    server.forceShutdown();
    if ('socket' in listen) await removeSocket(listen).catch(() => {});
    throw e;
  }
  const address = boundAddress(listen, port);
  log.info({ address, tls: 'tls' in listen && listen.tls !== undefined }, 'api listening');

  let closing: Promise<void> | undefined;
  return {
    address,
    setServing(serving) {
      health.setServing(serving);
    },
    close() {
      closing ??= new Promise<void>((done) => {
        health.stop();
        watchers.endAll({ name: 'ShuttingDown', message: 'shutting down', code: status.UNAVAILABLE, details: 'announcer daemon shutting down' });
        const force = clock.after(SHUTDOWN_GRACE_MS, () => server.forceShutdown());
        server.tryShutdown(() => {
          force.cancel();
          done();
        });
      }).then(() => removeSocket(listen));
      return closing;
    },
  };
}
