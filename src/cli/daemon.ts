// `announcer daemon --config FILE`: load the config, start the speaker and the API, and run until
// SIGTERM or SIGINT, which send every peer Cease / Administrative Shutdown (RFC 8203) and exit 0.

import type { EventEmitter } from 'node:events';
import { listenFromConfig, startApiServer, type ApiServer } from '../api/server.js';
import { createMetrics, startMetricsServer, type MetricsServer } from '../metrics.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { systemClock } from '../clock.js';
import { createLogger } from '../log.js';
import { RequestError } from '../rib/types.js';
import { StateFileError, StateStore, type StoredPath } from '../store/state-store.js';
import { Speaker, type SpeakerOptions } from '../speaker/speaker.js';
import type { StopMode } from '../speaker/api.js';
import { EXIT, type CliIo } from './io.js';
import type { DaemonCommandOptions } from './program.js';

export function speakerOptions(c: Config): SpeakerOptions {
  return {
    asn: c.asn,
    routerId: c.routerId,
    nextHop: c.nextHop,
    ...(c.listen ? { listen: { address: c.listen.address, port: c.listen.port } } : {}),
    warmUp: true,
    peers: c.peers.map((p) => ({
      name: p.name,
      address: p.address,
      port: p.port,
      asn: p.asn,
      passive: p.passive,
      holdTime: p.holdTime,
      ...(p.sendHoldTime === undefined ? {} : { sendHoldTime: p.sendHoldTime }),
      ...(p.gracefulRestart === undefined ? {} : { gracefulRestart: p.gracefulRestart }),
      ...(p.bfd === undefined ? {} : { bfd: p.bfd }),
      ...(p.password === undefined ? {} : { password: p.password }),
      ...(p.ttlSecurity ? { ttlSecurity: true } : {}),
      ...(p.multihop === undefined ? {} : { multihop: p.multihop }),
      connectRetry: p.connectRetry,
      families: p.families,
      addPath: p.addPath,
      ...(p.localAddress ? { localAddress: p.localAddress } : {}),
    })),
  };
}

/** Runs until a signal arrives on `signals` (the process by default); resolves to the exit status. */
export async function runDaemon(
  options: DaemonCommandOptions,
  io: CliIo,
  signals: Pick<EventEmitter, 'once' | 'off'> = process,
): Promise<number> {
  let config: Config;
  try {
    config = await loadConfig(options.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return EXIT.usage;
  }
  const log = createLogger(config.logLevel, io.stdout as NodeJS.WritableStream);
  // The desired paths survive restarts: load them before anything else can change them.
  const store = config.stateFile ? new StateStore(config.stateFile, log.child({ component: 'store' })) : null;
  let stored: StoredPath[] = [];
  try {
    stored = (await store?.load()) ?? [];
  } catch (e) {
    if (!(e instanceof StateFileError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return EXIT.failed;
  }
  const speaker = new Speaker(speakerOptions(config), log, systemClock, store);
  try {
    const n = speaker.restore(stored);
    if (store) log.info({ paths: n, file: store.file }, 'restored paths from the state file');
  } catch (e) {
    if (!(e instanceof RequestError)) throw e;
    io.stderr.write(`${new StateFileError(config.stateFile!, `bad entry: ${e.message}`).message}\n`);
    return EXIT.failed;
  }
  const metrics = createMetrics(speaker);
  speaker.watch(
    (e) => {
      if (e.type === 'peer-state') metrics.peerStateChanged(e.peer, e.from, e.to);
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
    return EXIT.failed;
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
    return EXIT.failed;
  }
  log.info(
    { asn: config.asn, routerId: config.routerId, peers: config.peers.length, api: api.address, metrics: metricsServer?.address },
    'announcer started',
  );

  // A signal, or `announcer shutdown` through the API. SIGTERM does what gracefulRestart.onSigterm
  // says (a Kubernetes rolling update or `systemctl restart` can keep traffic flowing); SIGINT withdraws.
  const { why, mode } = await new Promise<{ why: string; mode: StopMode }>((resolve) => {
    const done = (v: { why: string; mode: StopMode }): void => {
      signals.off('SIGTERM', term);
      signals.off('SIGINT', int);
      resolve(v);
    };
    const term = (): void => done({ why: 'SIGTERM', mode: config.gracefulRestart.onSigterm });
    const int = (): void => done({ why: 'SIGINT', mode: 'withdraw' });
    signals.once('SIGTERM', term);
    signals.once('SIGINT', int);
    void speaker.shutdownRequested.then((m) => done({ why: 'announcer shutdown', mode: m }));
  });
  log.info({ why, mode }, mode === 'restart' ? 'stopping for a restart: routers keep our paths' : 'shutting down: withdrawing every path');
  api.setServing(false); // health probes see NOT_SERVING while the sessions close
  await speaker.stop(mode === 'restart' ? `announcer restarting (${why})` : `announcer shutting down (${why})`, mode);
  await api.close();
  await metricsServer?.close();
  log.info('stopped');
  return EXIT.ok;
}
