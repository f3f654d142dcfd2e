// `announcer daemon --config FILE`: load the config, start the speaker and the API, and run until
// SIGTERM or SIGINT, which send every peer Cease / Administrative Shutdown (RFC 8203) and exit 0.

import type { EventEmitter } from 'node:events';
import { startApiServer, type ApiServer } from '../api/server.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createLogger } from '../log.js';
import { Speaker, type SpeakerOptions } from '../speaker.js';
import { EXIT, type CliIo } from './io.js';
import type { DaemonCommandOptions } from './program.js';

export function speakerOptions(c: Config): SpeakerOptions {
  return {
    asn: c.asn,
    routerId: c.routerId,
    nextHop: c.nextHop,
    ...(c.listen ? { listen: { address: c.listen.address, port: c.listen.port } } : {}),
    peers: c.peers.map((p) => ({
      name: p.name,
      address: p.address,
      port: p.port,
      asn: p.asn,
      passive: p.passive,
      holdTime: p.holdTime,
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
  const speaker = new Speaker(speakerOptions(config), log);
  let api: ApiServer;
  try {
    api = await startApiServer(speaker, config.api.kind === 'unix' ? { socket: config.api.socket } : { address: config.api.address }, log.child({ component: 'api' }));
  } catch (e) {
    io.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.failed;
  }
  try {
    await speaker.start();
  } catch (e) {
    io.stderr.write(`listen: cannot listen for BGP: ${e instanceof Error ? e.message : String(e)}\n`);
    await api.close();
    return EXIT.failed;
  }
  log.info({ asn: config.asn, routerId: config.routerId, peers: config.peers.length, api: api.address }, 'announcer started');

  const signal = await new Promise<string>((resolve) => {
    const on = (name: string) => () => {
      signals.off('SIGTERM', term);
      signals.off('SIGINT', int);
      resolve(name);
    };
    const term = on('SIGTERM');
    const int = on('SIGINT');
    signals.once('SIGTERM', term);
    signals.once('SIGINT', int);
  });
  log.info({ signal }, 'shutting down: telling every peer');
  await speaker.stop(`announcer shutting down (${signal})`);
  await api.close();
  log.info('stopped');
  return EXIT.ok;
}
