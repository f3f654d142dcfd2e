// Graceful restart where users feel it: the demo's topology (BIRD 2 router, three nodes each with
// its own announcer and a web server on the EIP, a client behind the router) with HTTP requests
// running the whole time. Each node's daemon in turn stops with `announcer shutdown --restart` and
// starts again: not one request may fail, and the router must keep all three next hops throughout.
// Runs the built CLI and demo helpers (dist/): `npm test` builds first.

import { afterAll, describe, expect, it } from 'vitest';
import { destroyDemoLabs, EIP, sendTraffic, startDemoLab } from './demo-harness.js';

afterAll(destroyDemoLabs, 30_000);

describe('graceful restart with traffic flowing', () => {
  it('restarting every node\'s daemon in turn with shutdown --restart loses no request and no next hop', async () => {
    const d = await startDemoLab('per-node', { gracefulRestart: true });
    for (const n of d.nodes) await d.announcer(d.daemon(n), d.addEipArgs());
    const all = d.nodes.map((n) => n.ipv4);
    await d.waitForNextHops(all);

    // The router's next hops, sampled every 50 ms while the daemons restart.
    let sampling = true;
    const fewest = (async () => {
      let min = all.length;
      while (sampling) {
        min = Math.min(min, (await d.lab.routeNextHops(d.lab.router.ns, EIP)).length);
        await new Promise((r) => setTimeout(r, 50));
      }
      return min;
    })();
    // Requests in rounds for as long as the restarts take, each on a new connection.
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
    console.log(`graceful restart of 3 daemons: ${t.requests} requests, ${t.errors} failed${t.firstError ? ` (${t.firstError})` : ''}`);
    expect(t.requests).toBeGreaterThan(0);
    expect(t.errors).toBe(0);
    expect(await fewest).toBe(all.length);
    // The paths came back from each state file: still exactly one per node, each with its old id.
    for (const n of d.nodes) {
      expect(JSON.parse(await d.announcer(d.daemon(n), ['list', '--json'])).paths).toMatchObject([{ prefix: `${EIP}/32`, nextHop: 'self', pathId: 1 }]);
    }
  }, 120_000);
});
