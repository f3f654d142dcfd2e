// announcer version [--json]: what is running, for bug reports: the package version, Node's, and
// the git commit: the checkout's, or the one an image recorded at build time (else "unknown").

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { json } from './format.js';

export interface VersionInfo {
  readonly version: string;
  readonly node: string;
  /** The full commit id, or "unknown" (an installed copy without .git). */
  readonly commit: string;
}

// package.json and .git sit two levels up from both src/cli and dist/cli.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function packageVersion(root = ROOT): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** HEAD's commit, read from the files (no git binary needed): a loose ref, packed-refs, or a detached HEAD. */
export function gitCommit(root = ROOT): string | undefined {
  let gitDir = join(root, '.git');
  // A worktree or submodule: .git is a file saying where the directory is.
  const pointer = read(gitDir);
  if (pointer?.startsWith('gitdir: ')) gitDir = resolve(root, pointer.slice('gitdir: '.length));
  const head = read(join(gitDir, 'HEAD'));
  if (head === undefined) return undefined;
  if (/^[0-9a-f]{40,64}$/.test(head)) return head;
  const ref = /^ref: (\S+)$/.exec(head)?.[1];
  if (ref === undefined) return undefined;
  // A worktree keeps its HEAD apart but shares refs with the main directory (its commondir).
  const common = read(join(gitDir, 'commondir'));
  const dirs = common === undefined ? [gitDir] : [gitDir, join(gitDir, common)];
  for (const dir of dirs) {
    const loose = read(join(dir, ref));
    if (loose && /^[0-9a-f]{40,64}$/.test(loose)) return loose;
    const packed = read(join(dir, 'packed-refs'))
      ?.split('\n')
      .find((l) => l.endsWith(` ${ref}`));
    if (packed) return packed.split(' ')[0];
  }
  return undefined;
}

/**
 * The commit recorded when an image was built from a copy without .git (the Dockerfile writes it
 * to COMMIT from `--build-arg COMMIT=...`), else the checkout's HEAD.
 */
export function commitOf(root = ROOT): string | undefined {
  const recorded = read(join(root, 'COMMIT'));
  if (recorded !== undefined && /^[0-9a-f]{7,64}$/.test(recorded)) return recorded;
  return gitCommit(root);
}

function versionInfo(root = ROOT): VersionInfo {
  return { version: packageVersion(root), node: process.version, commit: commitOf(root) ?? 'unknown' };
}

export function registerVersion(program: Command, ctx: CommandContext): void {
  program
    .command('version')
    .description("print the announcer's version, the Node.js version and the git commit (when known)")
    .option('--json', 'print one JSON document')
    .action((o: { json?: boolean }) => {
      const v = versionInfo();
      ctx.io.stdout.write(o.json ? json(v) : `announcer ${v.version}\nnode ${v.node}\ncommit ${v.commit}\n`);
    });
}
