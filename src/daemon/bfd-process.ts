// The BFD process seen from the daemon's side of the house: how the daemon starts one when none
// answers, and `announcer bfdd`, which runs one until it is told to stop (or, when a daemon
// started it, until nothing is left for it to do).

import { spawn } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { LevelWithSilent } from 'pino';
import { startBfdProcess } from '../bfd/process.js';
import { ConfigError, loadConfig } from '../config.js';

/**
 * Starts `announcer bfdd` for the daemon, in a session of its own so it outlives the daemon (a
 * restart keeps BFD Up) and ends by itself once no daemon and no session is left.
 */
export function spawnBfdProcess(socket: string, logLevel: LevelWithSilent): void {
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const child = spawn(process.execPath, [main, 'bfdd', '--socket', socket, '--exit-when-idle', '--log-level', logLevel], {
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', () => {}); // the daemon's connect says what went wrong
  child.unref();
}

export interface BfddOptions {
  readonly config?: string;
  readonly socket?: string;
  readonly exitWhenIdle?: boolean;
  readonly logLevel?: LevelWithSilent;
}

export interface BfddIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
}

/** Runs the BFD process until SIGTERM or SIGINT (its sessions go AdminDown), or until idle. */
export async function runBfdd(o: BfddOptions, io: BfddIo, signals: Pick<EventEmitter, 'on' | 'off'> = process): Promise<'stopped' | 'bad-config' | 'failed'> {
  let socket = o.socket;
  let logLevel = o.logLevel;
  if (o.config !== undefined) {
    try {
      const c = await loadConfig(o.config);
      socket ??= c.bfd.socket;
      logLevel ??= c.logLevel;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      io.stderr.write(`${e.message}\n`);
      return 'bad-config';
    }
  }
  if (socket === undefined) {
    io.stderr.write('bfdd: give --socket PATH or --config FILE\n');
    return 'bad-config';
  }
  let p;
  try {
    p = await startBfdProcess({ socket, exitWhenIdle: o.exitWhenIdle ?? false, logLevel: logLevel ?? 'info', stdout: io.stdout });
  } catch (e) {
    io.stderr.write(`bfdd: ${e instanceof Error ? e.message : String(e)}\n`);
    return 'failed';
  }
  const stop = (): void => void p.stop();
  // SIGHUP is not an end: a terminal that closes must not take BFD down with it.
  const hup = (): void => {};
  signals.on('SIGTERM', stop);
  signals.on('SIGINT', stop);
  signals.on('SIGHUP', hup);
  await p.done;
  signals.off('SIGTERM', stop);
  signals.off('SIGINT', stop);
  signals.off('SIGHUP', hup);
  return 'stopped';
}
