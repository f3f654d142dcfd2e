// Graceful restart where users feel it: the demo's topology (router, three nodes each with its own
// announcer and a web server on the EIP, a client behind the router) with HTTP requests running the
// whole time. Each node's daemon in turn stops with `announcer shutdown --restart` and starts again:
// not one request may fail, and the router must keep all three next hops throughout.
// With BFD on as well (100 ms x 3, against BIRD 2 and against FRR 8.4), the restarts must leave the
// router's BFD sessions Up too (a BFD session that goes down takes the node's next hop with it, or
// would if the node then died), and a node whose link is then cut must leave the router's route
// within BFD's time, not graceful restart's.
// Runs the built CLI and demo helpers (dist/): `npm test` builds first.

import { afterAll, describe, expect, it } from 'vitest';
import { destroyDemoLabs, EIP, routerBfd, sendTraffic, startDemoLab, type Demo, type DemoRouterKind, type RouterBfdSession } from './demo-harness.js';
import { waitFor } from './lab.js';

afterAll(destroyDemoLabs, 30_000);

const BFD = { minRx: 100, minTx: 100, multiplier: 3 };
/** Seconds: what the daemons advertise, so how long a router keeps a silent node's paths without BFD. */
const RESTART_TIME = 60;
/** Seconds; the hold timer would drop a cut-off node in 6 to 9 s, BFD in about 0.3 s. */
const HOLD_TIME = 9;
/** A cut node's next hop must be gone within this: BFD, not the hold timer nor graceful restart's 60 s. */
const CUT_BOUND_MS = 5_000;

interface RestartRun {
  readonly requests: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  /** The fewest next hops the router's kernel route had at any sample. */
  readonly fewestHops: number;
  /** With BFD: the fewest of the router's BFD sessions that were Up at any sample. */
  readonly fewestBfdUp: number | undefined;
  /** With BFD: the router's BFD sessions before the first restart and after the last. */
  readonly bfdBefore: readonly RouterBfdSession[];
  readonly bfdAfter: readonly RouterBfdSession[];
}

/** Waits until the router has a BFD session Up with every node, and returns them. */
function routerBfdUp(d: Demo): Promise<RouterBfdSession[]> {
  const want = d.nodes.map((n) => n.ipv4);
  return waitFor(() => routerBfd(d), {
    what: `the router's BFD sessions with ${want.join(', ')} Up`,
    until: (s) => want.every((a) => s.some((x) => x.address === a && x.state === 'Up')),
    timeoutMs: 15_000,
    intervalMs: 100,
  });
}

/**
 * Restarts every node's daemon in turn (`shutdown --restart`, then start it again and wait for its
 * End-of-RIB to be in) while the client sends requests through the EIP, each on a new connection,
 * and the router's next hops (every 50 ms) and, with BFD, its BFD sessions (every 100 ms) are sampled.
 */
async function restartEveryDaemon(d: Demo, opts: { bfd: boolean }): Promise<RestartRun> {
  const all = d.nodes.map((n) => n.ipv4);
  const bfdBefore = opts.bfd ? await routerBfdUp(d) : [];
  let sampling = true;
  const fewestHops = (async () => {
    let min = all.length;
    while (sampling) {
      min = Math.min(min, (await d.lab.routeNextHops(d.lab.router.ns, EIP)).length);
      await new Promise((r) => setTimeout(r, 50));
    }
    return min;
  })();
  const fewestBfdUp = (async () => {
    if (!opts.bfd) return undefined;
    let min = all.length;
    while (sampling) {
      const up = (await routerBfd(d)).filter((s) => all.includes(s.address) && s.state === 'Up').length;
      min = Math.min(min, up);
      await new Promise((r) => setTimeout(r, 100));
    }
    return min;
  })();
  let restarting = true;
  const traffic = (async () => {
    let requests = 0;
    let errors = 0;
    let firstError: string | undefined;
    while (restarting) {
      const r = await sendTraffic(d.lab, { url: `http://${EIP}/`, requests: 200, concurrency: 10 });
      requests += Object.values(r.counts).reduce((a, b) => a + b, 0) + r.errors;
      errors += r.errors;
      firstError ??= r.firstError;
    }
    return { requests, errors, firstError };
  })();

  try {
    for (const n of d.nodes) {
      await d.announcer(d.daemon(n), ['shutdown', '--restart']);
      expect((await d.daemon(n).process.exited).code).toBe(0);
      await d.restartDaemon(n);
      await d.waitForSessions();
      // Its End-of-RIB is in: the router no longer holds anything stale from it.
      await d.waitForNextHops(all);
    }
  } finally {
    restarting = false;
    sampling = false;
  }
  const t = await traffic;
  return { ...t, fewestHops: await fewestHops, fewestBfdUp: await fewestBfdUp, bfdBefore, bfdAfter: opts.bfd ? await routerBfd(d) : [] };
}

/** The paths came back from each state file: still exactly one per node, each with its old id. */
async function expectPathsKept(d: Demo): Promise<void> {
  for (const n of d.nodes) {
    expect(JSON.parse(await d.announcer(d.daemon(n), ['list', '--json'])).paths).toMatchObject([{ prefix: `${EIP}/32`, nextHop: 'self', pathId: 1 }]);
  }
}

/**
 * The whole story with BFD against one router: announce, restart every daemon under traffic, then
 * cut one node's link and time how long its next hop stays in the router's kernel route.
 */
async function restartsThenCut(router: DemoRouterKind, label: string): Promise<void> {
  const d = await startDemoLab('per-node', { gracefulRestart: { restartTime: RESTART_TIME }, bfd: BFD, holdTime: HOLD_TIME }, router);
  for (const n of d.nodes) await d.announcer(d.daemon(n), d.addEipArgs());
  const all = d.nodes.map((n) => n.ipv4);
  await d.waitForNextHops(all);

  const run = await restartEveryDaemon(d, { bfd: true });
  const show = (s: readonly RouterBfdSession[]): string => s.map((x) => `${x.address} ${x.state}${x.downs === undefined ? '' : ` (down ${x.downs} times)`}`).join(', ');
  console.log(
    `${label}, BFD ${BFD.minTx} ms x ${BFD.multiplier}, graceful restart ${RESTART_TIME} s: restarting 3 daemons: ${run.requests} requests, ` +
      `${run.errors} failed${run.firstError ? ` (${run.firstError})` : ''}; fewest next hops ${run.fewestHops}, fewest BFD sessions Up ${run.fewestBfdUp}; ` +
      `router's BFD before: ${show(run.bfdBefore)}; after: ${show(run.bfdAfter)}`,
  );
  expect(run.requests).toBeGreaterThan(0);
  expect(run.errors).toBe(0);
  expect(run.fewestHops).toBe(all.length);
  // BFD stays Up while each daemon restarts: the router saw no failure (FRR also counts the downs).
  expect(run.fewestBfdUp).toBe(all.length);
  for (const s of run.bfdAfter) expect(s.downs).toBe(run.bfdBefore.find((b) => b.address === s.address)?.downs);
  await expectPathsKept(d);

  // A node that really goes away (its link cut, the router's bridge keeping its carrier through the
  // other two ports) leaves the route within BFD's detection time, long before graceful restart's.
  const cut = d.lab.node(2);
  const left = all.filter((a) => a !== cut.ipv4);
  await routerBfdUp(d);
  const t0 = Date.now();
  await d.lab.linkDown(cut);
  let took: number | undefined;
  try {
    await d.lab.waitForNextHops(d.lab.router.ns, EIP, left, { timeoutMs: 15_000 });
    took = Date.now() - t0;
  } finally {
    const bfd = await routerBfd(d).catch(() => [] as RouterBfdSession[]);
    console.log(
      `${label}: node2's link cut: its next hop ${took === undefined ? 'was still in the route after 15 s' : `left the router's route after ${took} ms`} ` +
        `(BFD ${BFD.multiplier} x ${BFD.minRx} ms, hold time ${HOLD_TIME} s, restart time ${RESTART_TIME} s); router's BFD: ${show(bfd)}`,
    );
  }
  expect(took).toBeLessThan(CUT_BOUND_MS);
}

describe('graceful restart with traffic flowing', () => {
  it('restarting every node\'s daemon in turn with shutdown --restart loses no request and no next hop', async () => {
    const d = await startDemoLab('per-node', { gracefulRestart: true });
    for (const n of d.nodes) await d.announcer(d.daemon(n), d.addEipArgs());
    await d.waitForNextHops(d.nodes.map((n) => n.ipv4));
    const run = await restartEveryDaemon(d, { bfd: false });
    console.log(`graceful restart of 3 daemons: ${run.requests} requests, ${run.errors} failed${run.firstError ? ` (${run.firstError})` : ''}`);
    expect(run.requests).toBeGreaterThan(0);
    expect(run.errors).toBe(0);
    expect(run.fewestHops).toBe(d.nodes.length);
    await expectPathsKept(d);
  }, 120_000);

  it('with BFD, BIRD 2 (bfd on; graceful restart on): restarts keep every next hop and BFD Up; a cut node leaves within BFD time', async () => {
    await restartsThenCut('bird', 'BIRD 2');
  }, 180_000);

  it('with BFD, FRR 8.4 (bgp graceful-restart; neighbor bfd): restarts keep every next hop and BFD Up; a cut node leaves within BFD time', async () => {
    await restartsThenCut('frr', 'FRR 8.4');
  }, 180_000);
});
