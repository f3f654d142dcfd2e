// The daemon: load the config, restore the desired paths, start the speaker, the API and the
// metrics endpoint, and run until a stop is requested (see stop-request.ts); then send every peer
// Cease / Administrative Shutdown (RFC 8203), or leave the paths for a graceful restart, and stop.

import type { EventEmitter } from 'node:events';
import { listenFromConfig, startApiServer, type ApiServer } from '../api/server.js';
import { createMetrics, startMetricsServer, type MetricsServer } from '../metrics.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { systemClock } from '../clock.js';
import { createLogger } from '../log.js';
import { StateFileError, StateStore, StoredState } from '../store/state-store.js';
import { RequestError } from '../speaker/api.js';
import { Speaker } from '../speaker/speaker.js';
import { fullGarbageCollection } from './full-gc.js';
import { speakerOptions } from './speaker-options.js';
import { BfdProcessClient } from '../bfd/client.js';
import { spawnBfdProcess } from './bfd-process.js';
import { RestartMarker } from '../store/restart-marker.js';
import { stopRequested } from './stop-request.js';

/** Where the daemon writes: its log (JSON lines, or readable ones: logFormat) to stdout, a startup failure in words to stderr. */
export interface DaemonIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
}

/**
 * How the run ended: stopped as asked, the config was refused (its error already written), or
 * startup failed (the state file, a listen address; also written). The CLI maps these to exit statuses.
 */
export type DaemonOutcome = 'stopped' | 'bad-config' | 'failed';

/** Runs until a stop is requested through `signals` (the process by default) or the API. */
export async function runDaemon(
  configFile: string,
  io: DaemonIo,
  signals: Pick<EventEmitter, 'on' | 'once' | 'off'> = process,
): Promise<DaemonOutcome> {
  let config: Config;
  try {
    config = await loadConfig(configFile);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return 'bad-config';
  }
  const log = createLogger(config.logLevel, io.stdout, config.logFormat);
  // The desired paths survive restarts: load them before anything else can change them.
  const store = config.stateFile ? new StateStore(config.stateFile, log.child({ component: 'store' })) : null;
  let stored = new StoredState([]);
  try {
    stored = (await store?.load()) ?? stored;
  } catch (e) {
    if (!(e instanceof StateFileError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return 'failed';
  }
  // BFD runs in a process of its own (src/bfd/process.ts): started on the first peer that needs it.
  const bfd = config.peers.some((p) => p.bfd)
    ? new BfdProcessClient({
        socket: config.bfd.socket,
        start: config.bfd.spawn ? () => spawnBfdProcess(config.bfd.socket, config.logLevel) : () => {},
        clock: systemClock,
        log: log.child({ component: 'bfd' }),
        // A BFD process a service manager runs may still be starting with us.
        startTimeoutMs: config.bfd.spawn ? 5_000 : 30_000,
      })
    : undefined;
  // Back from a restart or a crash within the peers' restart time: routers are told (the R bit).
  const marker = config.stateFile ? new RestartMarker(config.stateFile, systemClock) : null;
  const downForMs = marker?.downFor();
  if (downForMs !== undefined) log.info({ downForSeconds: Math.round(downForMs / 1000) }, 'started again after a restart or a crash');
  // Memory back after a large shrink (a table replaced by an empty one), once idle.
  const collectGarbage = fullGarbageCollection();
  if (!collectGarbage) log.warn('no full garbage collection on demand in this runtime: memory freed by a large shrink returns only when the heap is next under pressure');
  const speaker = new Speaker(
    { ...speakerOptions(config), ...(bfd ? { bfd } : {}), ...(downForMs !== undefined ? { downForMs } : {}), ...(collectGarbage ? { collectGarbage } : {}) },
    log,
    systemClock,
    store,
  );
  try {
    const n = await speaker.restore(stored);
    if (store) log.info({ paths: n, file: store.file }, 'restored paths from the state file');
  } catch (e) {
    if (!(e instanceof RequestError)) throw e;
    io.stderr.write(`${new StateFileError(config.stateFile!, `bad entry: ${e.message}`).message}\n`);
    return 'failed';
  }
  const metrics = createMetrics(speaker);
  speaker.watch(
    (e) => {
      if (e.type === 'peer-state') metrics.peerStateChanged(e.peer, e.address, e.from, e.to);
    },
    ['peer-state'],
  );
  let api: ApiServer;
  try {
    api = await startApiServer(speaker, listenFromConfig(config.api), log.child({ component: 'api' }), {
      onCall: (method, code) => metrics.apiCall(method, code),
    });
  } catch (e) {
    io.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 'failed';
  }
  let metricsServer: MetricsServer | null = null;
  try {
    if (config.metrics) metricsServer = await startMetricsServer(metrics, config.metrics.address);
    await speaker.start();
    api.setServing(true); // SERVING now, not at the health service's next poll
  } catch (e) {
    io.stderr.write(`${metricsServer || !config.metrics ? 'listen' : 'metrics.address'}: ${e instanceof Error ? e.message : String(e)}\n`);
    await metricsServer?.close();
    await api.close();
    return 'failed';
  }
  marker?.start();
  log.info(
    { asn: config.asn, routerId: config.routerId, peers: config.peers.length, api: api.address, metrics: metricsServer?.address },
    'announcer started',
  );

  // SIGHUP's default would end the daemon without a Cease and leave the API socket behind.
  const hup = (): void => log.warn('SIGHUP: reloading the configuration is not supported yet, ignored (restart the daemon to apply a changed config)');
  signals.on('SIGHUP', hup);
  const { why, mode } = await stopRequested(signals, config.gracefulRestart.onSigterm, speaker.shutdownRequested);
  signals.off('SIGHUP', hup);
  log.info({ why, mode }, mode === 'restart' ? 'stopping for a restart: routers keep our paths' : 'shutting down: withdrawing every path');
  api.setServing(false); // health probes see NOT_SERVING while the sessions close
  await speaker.stop(mode === 'restart' ? `announcer restarting (${why})` : `announcer shutting down (${why})`, mode);
  await api.close();
  await metricsServer?.close();
  await store?.close(); // a snapshot under way finishes; every journaled call is on disk already
  marker?.stop(mode === 'restart');
  log.info('stopped');
  return 'stopped';
}
