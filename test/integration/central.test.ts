// The central (Porter-style) shape against a real BIRD 2 router: one daemon announces 100 EIPs x 20
// backend nodes over ADD-PATH, re-synced by `announcer replace` as a controller does, with every path
// naming a TCP health check of its node. One node leaves by replace, another by its check failing;
// the router ends with exactly the other 18 next hops for every EIP, in BIRD's table and in the
// kernel's ECMP routes, and both come back. The 20 backends are addresses on one lab namespace's
// link with a listener each (backends.ts). Runs the built CLI (dist/): `npm test` builds first.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Backends } from './backends.js';
import { createLab, established, NODE_ASN, ok, peerOf, ROUTER_ASN, startDaemon, type Daemon } from './daemon-harness.js';
import { birdc, routerConfig, waitFor, type Bird, type Lab } from './lab.js';

const EIPS = Array.from({ length: 100 }, (_, i) => `203.0.113.${i}`);
const NODES = Array.from({ length: 20 }, (_, j) => `198.51.100.${100 + j}`);
const BY_REPLACE = NODES[5]!;
const BY_CHECK = NODES[12]!;
const PORT = 7000;
const CHECK = { name: 'node', tcp: { address: `{nextHop}:${PORT}`, timeout: '200ms' }, interval: '300ms', fall: 2, rise: 2 };

let lab: Lab | undefined;
afterAll(async () => {
  await lab?.destroy();
  lab = undefined;
}, 30_000);

/** The owner's path file: every EIP via each of `nodes`, every path naming the check. */
async function pathFile(l: Lab, name: string, nodes: readonly string[]): Promise<string> {
  const file = join(l.dir, `${name}.json`);
  await writeFile(file, JSON.stringify(EIPS.flatMap((eip) => nodes.map((nextHop) => ({ prefix: `${eip}/32`, nextHop, check: CHECK.name })))));
  return file;
}

/** Every route in BIRD's IPv4 table, as EIP -> its next hops (sorted), from `show route`. */
async function birdRoutes(bird: Bird): Promise<Map<string, string[]>> {
  const text = await birdc(bird.socket, 'show route table master4', { timeoutMs: 15_000 });
  const routes = new Map<string, string[]>();
  let net = '';
  for (const line of text.split('\n')) {
    const head = /^(\d+\.\d+\.\d+\.\d+)\/32\s/.exec(line);
    if (head) net = head[1]!;
    const via = /^\s+via (\S+) on /.exec(line);
    if (via && net !== '') routes.set(net, [...(routes.get(net) ?? []), via[1]!]);
  }
  for (const hops of routes.values()) hops.sort(byAddress);
  return routes;
}

function byAddress(a: string, b: string): number {
  return Number(a.split('.')[3]) - Number(b.split('.')[3]);
}

/** Routes BIRD holds from the session (one per path with ADD-PATH). */
async function routeCount(bird: Bird): Promise<number> {
  const out = await birdc(bird.socket, 'show route count table master4');
  return Number(/(\d+) of (\d+) routes/.exec(out)?.[2] ?? -1);
}

describe('the central shape against BIRD 2', () => {
  let bird: Bird;
  let d: Daemon;
  let backends: Backends;

  beforeAll(async () => {
    lab = await createLab({ nodes: 2, prefix: 'anncent' });
    const l = lab;
    const central = l.node(1);
    // Kernel routes with up to 32 next hops: all 20 nodes in one ECMP route.
    bird = await l.startBird(
      l.router.ns,
      routerConfig({ routerId: l.router.ipv4, asn: ROUTER_ASN, peers: [{ name: 'central', address: central.ipv4, asn: NODE_ASN }], mergePathsLimit: 32, families: ['ipv4'] }),
      { name: 'router' },
    );
    backends = await Backends.start(l, l.node(2), NODES, PORT);
    d = await startDaemon(l, central, [peerOf(l, { addPath: 'send', families: ['ipv4-unicast'] })], { logLevel: 'info', healthChecks: [CHECK] });
    await established(d, { router: () => bird.process.tail(20) });
  }, 60_000);

  it('100 EIPs x 20 nodes: one node out by replace, one by its failing check; the router keeps exactly the other 18 for every EIP, and both come back', async () => {
    const l = lab!;
    const expectAt = async (nodes: readonly string[], what: string): Promise<void> => {
      await waitFor(() => routeCount(bird), { what: `${EIPS.length * nodes.length} routes at the router (${what})`, until: (n) => n === EIPS.length * nodes.length, timeoutMs: 20_000, intervalMs: 50 });
      const routes = await birdRoutes(bird);
      expect([...routes.keys()].sort(byAddress), what).toEqual(EIPS);
      for (const eip of EIPS) expect(routes.get(eip), `${eip}: ${what}`).toEqual(nodes);
      // What the router forwards with: one ECMP route per EIP in its kernel, a few looked at.
      for (const eip of [EIPS[0]!, EIPS[42]!, EIPS[99]!]) await l.waitForNextHops(l.router.ns, eip, nodes, { timeoutMs: 5_000 });
    };

    // The controller's whole set; each path is announced once its node's first probe passed.
    await ok(d, ['replace', '--owner', 'lb', '--file', await pathFile(l, 'all', NODES)]);
    await expectAt(NODES, 'the whole set');

    // One node leaves the controller's set.
    const withoutOne = NODES.filter((n) => n !== BY_REPLACE);
    const said = await ok(d, ['replace', '--owner', 'lb', '--file', await pathFile(l, 'without', withoutOne)]);
    expect(said).toMatch(/^added 0, removed 100, updated 0, unchanged 1900\n/);
    await expectAt(withoutOne, `without ${BY_REPLACE} (replace)`);

    // Another node stops answering its check: its paths stay desired but leave the router.
    await backends.down(BY_CHECK);
    const both = withoutOne.filter((n) => n !== BY_CHECK);
    await expectAt(both, `without ${BY_REPLACE} (replace) and ${BY_CHECK} (health check)`);
    const listed = (JSON.parse(await ok(d, ['list', '--json'])) as { paths: { prefix: string; nextHop: string; health?: { state: string } }[] }).paths;
    expect(listed).toHaveLength(EIPS.length * withoutOne.length);
    expect(listed.filter((p) => p.health?.state === 'down').map((p) => p.nextHop)).toEqual(EIPS.map(() => BY_CHECK));

    // The check passes again, and the controller takes the first node back.
    await backends.up(BY_CHECK);
    await expectAt(withoutOne, `${BY_CHECK} up again`);
    await ok(d, ['replace', '--owner', 'lb', '--file', join(l.dir, 'all.json')]);
    await expectAt(NODES, 'the whole set again');
  }, 120_000);
});
