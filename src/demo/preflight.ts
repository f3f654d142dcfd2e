// Before the lab: the demo must run as root (namespaces), and needs ip, bird, birdc and sysctl.
// On Debian it installs what is missing with apt-get (update first), showing apt's output.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { run } from '../lab/index.js';
import { type Progress, seconds } from './progress.js';

/** A failure with a message meant for the person running the demo, as it stands. */
export class DemoError extends Error {
  override readonly name = 'DemoError';
}

export interface Tool {
  readonly command: string;
  /** The Debian package that brings it. */
  readonly pkg: string;
}

export const TOOLS: readonly Tool[] = [
  { command: 'ip', pkg: 'iproute2' },
  { command: 'bird', pkg: 'bird2' },
  { command: 'birdc', pkg: 'bird2' },
  { command: 'sysctl', pkg: 'procps' },
];

/** root's tools live in sbin, which a non-login shell's PATH (sudo, su) may lack. */
export function withSbin(path: string | undefined): string {
  const dirs = (path ?? '').split(delimiter).filter((d) => d !== '');
  for (const d of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(delimiter);
}

export function findOnPath(command: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The tools `find` does not find, and the packages (each once) that would bring them. */
export function missingTools(find: (command: string) => string | undefined): { tools: Tool[]; packages: string[] } {
  const tools = TOOLS.filter((t) => find(t.command) === undefined);
  return { tools, packages: [...new Set(tools.map((t) => t.pkg))] };
}

export function checkRoot(uid: number | undefined = process.getuid?.()): void {
  if (uid !== 0) {
    throw new DemoError(
      'the demo must run as root: it creates network namespaces and runs BIRD and the daemons inside them.\n' +
        'Run it as root, e.g. `sudo npm run demo` (add `-E` or a PATH with node if sudo does not find npm).',
    );
  }
}

/** Streams a command's output, indented, and fails with a clear message when it fails. */
function stream(progress: Progress, cmd: string, args: readonly string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    const onAbort = (): void => {
      child.kill('SIGTERM');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let partial = '';
    const print = (chunk: Buffer): void => {
      const lines = (partial + chunk.toString('utf8')).split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') progress.line(`      | ${line}`);
    };
    child.stdout.on('data', print);
    child.stderr.on('data', print);
    child.on('error', (e) => reject(new DemoError(`${cmd}: ${e.message}`)));
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (partial.trim() !== '') progress.line(`      | ${partial}`);
      if (signal?.aborted === true) reject(signal.reason);
      else if (code === 0) resolve();
      else reject(new DemoError(`\`${[cmd, ...args].join(' ')}\` failed (${sig ?? `exit code ${code}`}); see its output above`));
    });
  });
}

/**
 * Makes sure every tool is there, installing the missing packages with apt-get (after apt-get
 * update), and that `bird` is BIRD 2.
 */
export async function ensureTools(progress: Progress, signal?: AbortSignal): Promise<void> {
  const find = (c: string): string | undefined => findOnPath(c, process.env['PATH']);
  const missing = await progress.step(
    `looking for ${TOOLS.map((t) => t.command).join(', ')}`,
    async () => missingTools(find),
    { detail: (m) => (m.tools.length === 0 ? 'all there' : `missing: ${m.tools.map((t) => t.command).join(', ')}`) },
  );
  if (missing.packages.length > 0) {
    if (find('apt-get') === undefined) {
      throw new DemoError(
        `missing ${missing.tools.map((t) => t.command).join(', ')} and there is no apt-get to install them: ` +
          `install ${missing.packages.join(' ')} (Debian names) with your package manager and run the demo again`,
      );
    }
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing.packages]]) {
      signal?.throwIfAborted();
      const start = Date.now();
      progress.line(`  ${progress.stamp()} $ apt-get ${args.join(' ')}`);
      await stream(progress, 'apt-get', args, signal);
      progress.line(`  ${progress.stamp()} apt-get ${args[0]}: ok (${seconds(Date.now() - start)})`);
    }
    const still = missingTools(find);
    if (still.tools.length > 0) {
      throw new DemoError(`still missing after apt-get install: ${still.tools.map((t) => t.command).join(', ')}`);
    }
  }
  await progress.step(
    'checking that bird is BIRD 2',
    async () => {
      const r = await run('bird', ['--version'], { allowFail: true });
      const version = /BIRD version (\S+)/.exec(r.stderr + r.stdout)?.[1];
      if (version === undefined || !version.startsWith('2.')) {
        throw new DemoError(
          `\`bird --version\` says ${JSON.stringify((r.stderr + r.stdout).trim())}: the demo needs BIRD 2 ` +
            "(Debian's bird2 package, which replaces the old `bird` 1.6 package: apt-get install bird2)",
        );
      }
      return version;
    },
    { detail: (v) => `BIRD ${v}` },
  );
}
