/**
 * The announcer daemon as the integration tests run it: the built CLI (dist/cli/main.js) started
 * in a lab node's namespace with a generated config, and the CLI calls that drive and read it.
 * Every receiver's tests (BIRD 2, BIRD 1.6, FRR) share these, so they differ only in the router.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { Lab, run, waitFor, type ExecResult, type LabNode, type LabProcess, type LabOptions } from './lab.js';

export const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const ROUTER_ASN = 65001;
export const NODE_ASN = 65000;

/** A lab, after checking that the CLI has been built. */
export async function createLab(opts: LabOptions): Promise<Lab> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  return new Lab(opts).create();
}

export interface Daemon {
  readonly node: LabNode;
  readonly process: LabProcess;
  readonly api: string;
}

/**
 * Starts a daemon in the node's namespace (next hop "self", debug log, the API on a unix socket
 * in the lab dir) and waits until its API answers. `extra` adds or overrides top-level config keys.
 */
export async function startDaemon(l: Lab, node: LabNode, peers: object[], extra: object = {}): Promise<Daemon> {
  const socket = join(l.dir, `${node.ns}.sock`);
  const config = { asn: NODE_ASN, routerId: node.ipv4, nextHop: 'self', api: { socket }, logLevel: 'debug', peers, ...extra };
  const file = join(l.dir, `${node.ns}.yaml`);
  await writeFile(file, stringify(config));
  const proc = l.spawn(node.ns, process.execPath, [MAIN, 'daemon', '--config', file], { name: `announcer@${node.ns}` });
  const d = { node, process: proc, api: `unix:${socket}` };
  await waitFor(async () => (await cli(d, ['peers', '--json'])).code, {
    what: `the API of ${node.ns}'s daemon (output: ${proc.tail(5)})`,
    until: (c) => c === 0,
    timeoutMs: 10_000,
  });
  return d;
}

/** The lab router as the daemon's peer. */
export function peerOf(l: Lab, over: object = {}): object {
  return { address: l.router.ipv4, asn: ROUTER_ASN, holdTime: 6, connectRetry: 1, ...over };
}

/** Runs the CLI against the daemon; never throws on a non-zero exit. */
export function cli(d: Pick<Daemon, 'api'>, args: string[]): Promise<ExecResult> {
  return run(process.execPath, [MAIN, '--api', d.api, ...args], { allowFail: true });
}

/** Runs the CLI and returns its stdout; throws with the daemon's last words when it fails. */
export async function ok(d: Daemon, args: string[]): Promise<string> {
  const r = await cli(d, args);
  if (r.code !== 0) throw new Error(`announcer ${args.join(' ')} failed (${r.code}): ${r.stderr}\ndaemon: ${d.process.tail(10)}`);
  return r.stdout;
}

/** What `announcer peers --json` says of a peer (the fields the tests read). */
export interface PeerJson {
  address: string;
  state: string;
  /** When it entered its state (ms since the epoch). */
  since: number;
  lastError?: string;
  prefixesSent: number;
  updatesSent: number;
  families: { family: string; addPathSend: boolean; addPathReceive: boolean }[];
  bfd?: { state: string; flaps: number };
}

export async function peersOf(d: Daemon): Promise<PeerJson[]> {
  return (JSON.parse(await ok(d, ['peers', '--json'])) as { peers: PeerJson[] }).peers;
}

/**
 * Waits until every session of the daemon is Established. On timeout the error carries what the
 * daemon and `router()` (the router's own log, where a refused OPEN shows) said.
 */
export async function established(d: Daemon, opts: { timeoutMs?: number; router?: () => string } = {}): Promise<PeerJson[]> {
  try {
    return await waitFor(() => peersOf(d), {
      what: `${d.node.ns}'s sessions Established`,
      until: (ps) => ps.length > 0 && ps.every((p) => p.state === 'Established'),
      timeoutMs: opts.timeoutMs ?? 15_000,
    });
  } catch (e) {
    const router = opts.router === undefined ? '' : `\nthe router said:\n${opts.router()}`;
    throw new Error(`${e instanceof Error ? e.message : String(e)}${router}\ndaemon said:\n${d.process.tail(20)}`);
  }
}

/**
 * Blackholes `node` three times (the router's end of its link goes down; no TCP connection closes)
 * with an EIP announced, and returns how long each cut took to empty the router's kernel route.
 * Before each cut `routerUp` waits for the router's side of BFD; after it, our side must say BFD
 * took the session down, and everything comes back with the link. The 5 s bound tells BFD from
 * the 9 s hold timer.
 */
export async function bfdCuts(l: Lab, d: Daemon, node: LabNode, eip: string, routerUp: () => Promise<void>): Promise<number[]> {
  const took: number[] = [];
  for (let i = 0; i < 3; i++) {
    await routerUp();
    await waitFor(() => peersOf(d), { what: 'our BFD session Up', until: (ps) => ps[0]?.bfd?.state === 'Up', timeoutMs: 10_000 });
    const t0 = Date.now();
    await l.linkDown(node);
    await l.waitForNextHops(l.router.ns, eip, [], { timeoutMs: 5_000 });
    took.push(Date.now() - t0);
    await waitFor(() => peersOf(d), {
      what: 'our session dropped by BFD',
      until: (ps) => ps[0]?.state !== 'Established' && /BFD session down/.test(ps[0]?.lastError ?? ''),
      timeoutMs: 5_000,
    });
    await l.linkUp(node);
    await established(d, { timeoutMs: 30_000 });
    await l.waitForNextHops(l.router.ns, eip, [node.ipv4], { timeoutMs: 15_000 });
  }
  return took;
}
