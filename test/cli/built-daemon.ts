// The built daemon (dist/cli/main.js; `npm test` builds first) as the CLI tests run it: a child
// process started from a config file, what it writes handed to the test for its error messages,
// and stopped with SIGTERM when the tests are done.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Starts `announcer daemon --config configFile`; everything it writes goes to `output`. */
export function spawnDaemon(configFile: string, output: (text: string) => void): ChildProcess {
  const daemon = spawn(process.execPath, [MAIN, 'daemon', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  daemon.stdout!.on('data', (b: Buffer) => output(b.toString()));
  daemon.stderr!.on('data', (b: Buffer) => output(b.toString()));
  return daemon;
}

/** Stops the daemon with SIGTERM and waits until it has exited (nothing to do if it never ran or is gone). */
export async function stopDaemon(daemon: ChildProcess | undefined): Promise<void> {
  if (daemon && daemon.exitCode === null) {
    const exited = new Promise((done) => daemon.once('exit', done));
    daemon.kill('SIGTERM');
    await exited;
  }
}
