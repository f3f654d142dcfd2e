// Before any test: the system packages the tests run (routers, promtool, zsh, tcpdump...) are on
// this machine, or this installs them, the way `npm run demo` installs what it needs. So
// `npm ci && npm test` passes on a fresh Debian machine as root, not only after `.ci/run`.
//
// vitest runs it as a global setup (vitest.config.ts), and `.ci/run` through `npm test` too; by
// hand: `npx tsx test/preflight.ts`. It says what it installs. Routers' services must never start
// in the machine's own network namespace: a policy-rc.d that refuses every start guards the
// installation. BIRD 1.6 (Debian's `bird`, which conflicts with bird2) is fetched and unpacked by
// its own test (test/integration/bird16.ts) with `apt-get download`, which needs the package lists:
// this makes sure they are there.

import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { bird16CacheDir } from './integration/bird16.js';

interface Need {
  /** A command on the PATH (with sbin) or an absolute file. */
  readonly file: string;
  /** The Debian package that brings it. */
  readonly pkg: string;
  /** What needs it, said when it is installed. */
  readonly why: string;
}

export const NEEDS: readonly Need[] = [
  { file: 'ip', pkg: 'iproute2', why: 'network namespaces for every integration test' },
  { file: 'bird', pkg: 'bird2', why: 'the BIRD 2 router' },
  { file: 'sysctl', pkg: 'procps', why: 'the lab sets forwarding per namespace' },
  { file: 'openssl', pkg: 'openssl', why: "the API's TLS tests" },
  { file: 'tcpdump', pkg: 'tcpdump', why: 'the TCP-MD5 test looks at the wire' },
  { file: '/usr/lib/frr/bgpd', pkg: 'frr', why: 'the FRR router' },
  { file: 'gobgpd', pkg: 'gobgpd', why: 'the GoBGP router' },
  { file: '/usr/sbin/exabgp', pkg: 'exabgp', why: 'the ExaBGP router' },
  { file: 'promtool', pkg: 'prometheus', why: 'checks the alerting rules' },
  { file: 'zsh', pkg: 'zsh', why: 'checks the zsh completion script' },
];

function withSbin(path: string | undefined): string {
  const dirs = (path ?? '').split(delimiter).filter((d) => d !== '');
  for (const d of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(delimiter);
}

function found(file: string): boolean {
  const candidates = file.startsWith('/') ? [file] : withSbin(process.env.PATH).split(delimiter).map((d) => join(d, file));
  return candidates.some((f) => {
    try {
      accessSync(f, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function missing(): Need[] {
  return NEEDS.filter((n) => !found(n.file));
}

/** BIRD 1.6 is unpacked, or its .deb fetched, or apt-get can fetch it (the package lists are there). */
function bird16Present(): boolean {
  const dir = bird16CacheDir();
  if (existsSync(join(dir, 'root/usr/sbin/bird'))) return true;
  if (existsSync(dir) && readdirSync(dir).some((f) => /^bird_.*\.deb$/.test(f))) return true;
  return existsSync('/var/lib/apt/lists') && readdirSync('/var/lib/apt/lists').some((f) => f.endsWith('_Packages') || f.endsWith('_Packages.lz4'));
}

function say(line: string): void {
  process.stderr.write(`preflight: ${line}\n`);
}

function apt(args: string[]): void {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (status ${r.status ?? r.signal})`);
}

/** Installs what is missing; throws with what to do when it cannot (not root, no apt-get). */
export function preflight(): void {
  const lacking = missing();
  const needBird16 = !bird16Present();
  if (lacking.length === 0 && !needBird16) return;
  const what = [...lacking.map((n) => `${n.pkg} (${n.why})`), ...(needBird16 ? ["the package lists (BIRD 1.6's test downloads Debian's bird)"] : [])];
  if (process.getuid?.() !== 0 || !found('apt-get')) {
    throw new Error(`the tests need ${what.join(', ')}: run as root on Debian (this installs them with apt-get), or run bash .ci/run`);
  }
  say(`installing ${what.join(', ')} with apt-get`);
  apt(['update', '-qq']);
  const packages = [...new Set(lacking.map((n) => n.pkg))];
  if (packages.length > 0) {
    // No router's service may start in the machine's own namespace while it installs.
    const policy = '/usr/sbin/policy-rc.d';
    const ours = !existsSync(policy);
    if (ours) {
      writeFileSync(policy, '#!/bin/sh\nexit 101\n');
      chmodSync(policy, 0o755);
    }
    try {
      apt(['install', '-y', '-qq', '--no-install-recommends', ...packages]);
    } finally {
      if (ours) rmSync(policy, { force: true });
    }
  }
  const still = missing();
  if (still.length > 0) throw new Error(`still missing after apt-get: ${still.map((n) => n.file).join(', ')}`);
  say('done');
}

/** vitest's global setup. */
export default function setup(): void {
  preflight();
}

if (process.argv[1]?.endsWith('preflight.ts')) preflight();
