/**
 * The demo's lab as the integration tests run it (BIRD 2 router, three nodes with a web server
 * and an announcer each, or one central announcer, a client behind the router): the built demo
 * helpers, a lab brought up to Established sessions, and the teardown for a test hook. The same lab
 * with FRR (zebra, bfdd, bgpd) as the router instead is FrrDemoLab.
 * The health check and graceful restart tests share these, so they differ only in what they do next.
 */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import type * as LabSetup from '../../src/demo/lab-setup.js';
import type * as Traffic from '../../src/demo/traffic.js';
import { frrConfig, startFrr, type Frr } from './frr.js';
import { birdc } from './lab.js';

// The built demo helpers (npm test builds first): they start their own scripts (HTTP server,
// client) from next to themselves, which only exist as .js in dist/.
export const { DemoLab, EIP, HEALTH, DEMOTE, NODE_ASN, ROUTER_ASN } = (await import(new URL('../../dist/demo/lab-setup.js', import.meta.url).href)) as typeof LabSetup;
export const { sendTraffic } = (await import(new URL('../../dist/demo/traffic.js', import.meta.url).href)) as typeof Traffic;

const BUILT = fileURLToPath(new URL('../../dist/demo/traffic-client.js', import.meta.url));

export type Demo = LabSetup.DemoLab;

/** The router the demo lab runs: the demo's own BIRD 2, or FRR 8.4 in its place. */
export type DemoRouterKind = 'bird' | 'frr';

/** What a router's BFD says of one neighbor. */
export interface RouterBfdSession {
  readonly address: string;
  /** Up, Down, Init, AdminDown (BIRD's words; FRR's lower-case ones are capitalised to match). */
  readonly state: string;
  /** How often the router's session went down since it started; FRR counts, BIRD does not (undefined). */
  readonly downs?: number;
}

/** `show bfd peers json` and `show bfd peers counters json` of FRR 8.4, the fields read here. */
interface FrrBfdPeer {
  peer: string;
  status: string;
  'session-down'?: number;
}

/**
 * The demo lab with FRR 8.4 as the router (frr.ts: zebra, bfdd and bgpd in the router's namespace),
 * per-node shape: one eBGP session per node, BFD (`neighbor ADDRESS bfd`) and graceful restart
 * (`bgp graceful-restart`) as the options say, up to 8 equal paths in one ECMP kernel route.
 */
export class FrrDemoLab extends DemoLab {
  #frr: Frr | undefined;

  get frr(): Frr {
    if (this.#frr === undefined) throw new Error('FRR is not started');
    return this.#frr;
  }

  override async startRouter(): Promise<void> {
    if (this.shape !== 'per-node') throw new Error('FrrDemoLab: per-node shape only');
    const bfd = this.options.bfd;
    const config = frrConfig({
      asn: ROUTER_ASN,
      routerId: this.lab.router.ipv4,
      holdTime: this.holdTime,
      ...(bfd === undefined ? {} : { bfd }),
      gracefulRestart: this.options.gracefulRestart !== undefined && this.options.gracefulRestart !== false,
      peers: this.nodes.map((n) => ({ address: n.ipv4, asn: NODE_ASN, bfd: bfd !== undefined })),
    });
    this.#frr = await startFrr(this.lab, this.lab.router.ns, config, { name: 'router' });
    for (const p of this.#frr.processes) this.watchRouter(p, `the router's ${p.name}`);
  }

  protected override async establishedSessions(): Promise<string[]> {
    const summary = JSON.parse(await this.frr.vtysh('show bgp ipv4 unicast summary json')) as { peers?: Record<string, { state?: string }> };
    return this.nodes.filter((n) => summary.peers?.[n.ipv4]?.state === 'Established').map((n) => this.nodeName(n));
  }

  async bfdSessions(): Promise<RouterBfdSession[]> {
    const [peers, counters] = await Promise.all(
      ['show bfd peers json', 'show bfd peers counters json'].map(async (c) => JSON.parse(await this.frr.vtysh(c)) as FrrBfdPeer[]),
    );
    return peers!.map((p) => ({
      address: p.peer,
      state: p.status === 'up' ? 'Up' : p.status === 'down' ? 'Down' : p.status === 'init' ? 'Init' : p.status,
      downs: counters!.find((c) => c.peer === p.peer)?.['session-down'] ?? 0,
    }));
  }
}

/** The router's BFD sessions: BIRD's `show bfd sessions`, or FRR's `show bfd peers`. */
export async function routerBfd(d: Demo): Promise<RouterBfdSession[]> {
  if (d instanceof FrrDemoLab) return d.bfdSessions();
  // IP address  Interface  State  Since  Interval  Timeout, under a line naming the protocol.
  const text = await birdc(d.router.socket, 'show bfd sessions');
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((w) => w.length >= 3 && isIP(w[0]!) !== 0)
    .map((w) => ({ address: w[0]!, state: w[2]! }));
}

/** Every demo lab startDemoLab() made that destroyDemoLabs() has not destroyed yet, even one that failed to start. */
const labs = new Set<Demo>();

/**
 * A demo lab of `shape` with `options`, up to the router's BGP sessions Established: namespaces,
 * the EIP on every node, the router (BIRD 2, or FRR), the web servers, the daemons. Nothing is
 * announced yet.
 */
export async function startDemoLab(shape: LabSetup.Shape, options: LabSetup.DemoLabOptions, router: DemoRouterKind = 'bird'): Promise<Demo> {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` first (npm test does)`);
  const d = router === 'frr' ? new FrrDemoLab(shape, options) : new DemoLab(shape, options);
  labs.add(d); // before create(): a lab that fails halfway is still torn down
  await d.create();
  await d.configureNodes();
  await d.startRouter();
  await d.startWebServers();
  await d.startDaemons();
  await d.waitForSessions();
  return d;
}

/** Tears down every lab startDemoLab() made: for afterEach or afterAll, so a failed test leaves nothing behind. */
export async function destroyDemoLabs(): Promise<void> {
  for (const d of [...labs]) {
    labs.delete(d);
    await d.destroy();
  }
}
