// The daemon against a real BIRD 1.6 router (Debian's `bird` 1.6.8, unpacked by bird16.ts), in
// network namespaces: ADD-PATH ECMP forms with the 1.6 config too (central shape, IPv4 and IPv6),
// and so does per-node ECMP; then the interop scenarios (interop/scenarios.ts) every receiver
// takes. Runs the built CLI (dist/cli/main.js): `npm test` builds first.
// BIRD 1.6 missing is a failure, not a skip: CI fetches it with `apt-get download bird`.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BIRD16_EXAMPLE,
  BIRD16_V6_EXAMPLE,
  checkBird16Config,
  locateBird16,
  routerConfig16,
  startBird16,
  waitForEstablished16,
  type Bird16,
  type RouterConfig16Options,
} from './bird16.js';
import { createLab, established, NODE_ASN, ok, peerOf, peersOf, ROUTER_ASN, startDaemon } from './daemon-harness.js';
import { bird16Receiver } from './interop/bird16.js';
import { interopSuite } from './interop/scenarios.js';
import { waitFor, type IpVersion, type Lab } from './lab.js';

const CONFIG_DIR = fileURLToPath(new URL('../../bird-configs/', import.meta.url));

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.destroy();
  lab = undefined;
});

async function newLab(nodes: number): Promise<Lab> {
  lab = await createLab({ nodes, prefix: 'ann16' });
  return lab;
}

/** BIRD 1.6 as the router of the lab, for one family, with the sessions the test needs. */
async function router16(
  l: Lab,
  family: IpVersion,
  opts: Omit<RouterConfig16Options, 'family' | 'routerId' | 'asn'>,
): Promise<Bird16> {
  const bins = await locateBird16();
  const text = routerConfig16({ family, routerId: l.router.ipv4, asn: ROUTER_ASN, debug: true, ...opts });
  return startBird16(l, bins, l.router.ns, family, text, `router-${family}`);
}

function routerPeer(l: Lab, over: object = {}) {
  return peerOf(l, { families: ['ipv4-unicast'], ...over });
}

const ms = (t0: number): number => Date.now() - t0;
// Each test starts Node daemons and CLIs; on a loaded 2-core CI machine that alone takes seconds.
// Every wait inside has its own, shorter, timeout that says what it waited for.
const SLOW = 60_000;

describe('BIRD 1.6 router configs', () => {
  it('bird-configs/bird16*.conf are routerConfig16() of the examples, and BIRD 1.6 parses them', async () => {
    const bins = await locateBird16();
    expect(bins.version).toMatch(/^1\.6\./);
    for (const [file, options] of [
      ['bird16.conf', BIRD16_EXAMPLE],
      ['bird16-v6.conf', BIRD16_V6_EXAMPLE],
    ] as const) {
      const committed = readFileSync(`${CONFIG_DIR}${file}`, 'utf8');
      expect(committed, `${file} differs from routerConfig16(); regenerate it (bird-configs/README.md)`).toBe(
        routerConfig16(options),
      );
      await checkBird16Config(bins, options.family, committed);
    }
  });

  it('rejects bad options naming the field, and BIRD 1.6 accepts every option it writes', async () => {
    const peer = { name: 'n1', address: '198.51.100.11', asn: 65000 };
    const base = { family: 'ipv4', routerId: '198.51.100.1', asn: 65001, peers: [peer] } as const;
    expect(() => routerConfig16({ ...base, holdTime: 2 })).toThrow(/^holdTime:/);
    expect(() => routerConfig16({ ...base, mergePathsLimit: 256 })).toThrow(/^mergePathsLimit:/);
    expect(() => routerConfig16({ ...base, peers: [{ ...peer, name: 'node-1' }] })).toThrow(/^peers\[0\]\.name:/);
    expect(() => routerConfig16({ ...base, peers: [{ ...peer, address: '2001:db8:100::11' }] })).toThrow(
      /^peers\[0\]\.address: .*bird speaks IPv4 only/,
    );
    expect(() => routerConfig16({ ...base, family: 'ipv6', routerId: '2001:db8::1' })).toThrow(/^routerId:/);

    const text = routerConfig16({
      ...base,
      holdTime: 3,
      keepaliveTime: 1,
      localPort: 1179,
      routeRefresh: true,
      debug: true,
      peers: [{ name: 'a', address: '198.51.100.2', asn: 4200000000, port: 17900, passive: true, addPaths: 'off' }],
    });
    expect(text).toContain('neighbor 198.51.100.2 port 17900 as 4200000000;');
    expect(text).toContain('listen bgp port 1179;');
    expect(text).toContain('  passive on;');
    expect(text).toContain('  add paths off;');
    expect(text).toContain('enable route refresh on;');
    await checkBird16Config(await locateBird16(), 'ipv4', text);
  });
});

describe('announcer daemon with a BIRD 1.6 router', () => {
  it.each(['rx', 'on'] as const)(
    'central, add paths %s: one daemon announces an EIP with three next hops over ADD-PATH; BIRD 1.6 installs ECMP',
    async (addPaths) => {
      const l = await newLab(3);
      const central = l.node(1);
      const hops = l.nodes.map((n) => n.ipv4);
      const t0 = Date.now();
      const bird = await router16(l, 'ipv4', { addPaths, peers: [{ name: 'central', address: central.ipv4, asn: NODE_ASN }] });
      const d = await startDaemon(l, central, [routerPeer(l, { addPath: 'send' })]);
      const [peer] = await established(d, { router: () => bird.process.tail(20) });
      await waitForEstablished16(bird, ['central']);
      const tUp = ms(t0);
      // ADD-PATH was negotiated: BIRD said receive, so the daemon sends path identifiers.
      expect(peer?.families).toEqual([{ family: 'ipv4-unicast', addPathSend: true, addPathReceive: false }]);
      const info = await bird.birdc('show protocols all central');
      // What BIRD understood of our OPEN; the capabilities it does not know it passed over in silence.
      expect(info).toMatch(/Neighbor caps: +refresh enhanced-refresh AS4 add-path-tx\n/);
      expect(info).toMatch(/Session: +external AS4 add-path-rx\n/);

      const t1 = Date.now();
      await ok(d, ['add-eip', '203.0.113.50', ...hops.flatMap((h) => ['--next-hop', h])]);
      await l.waitForNextHops(l.router.ns, '203.0.113.50', hops);
      const tEcmp = ms(t1);
      const paths = (JSON.parse(await ok(d, ['list', '--json'])) as { paths: { nextHop: string; pathId: number }[] }).paths;
      expect(paths.map((p) => [p.nextHop, p.pathId])).toEqual(hops.map((h, i) => [h, i + 1]));
      // BIRD 1.6 holds three paths of one prefix from one session, and the kernel route merges them.
      const route = await bird.birdc('show route 203.0.113.50/32');
      expect(route.match(/via 198\.51\.100\.1[123] on br0/g)).toHaveLength(3);

      // `enable route refresh off` only stops BIRD offering Route Refresh: `birdc reload in` still
      // asks the daemon (which offers it) for its table, and the route stays as it was.
      const updatesBefore = (await peersOf(d))[0]!.updatesSent;
      expect(await bird.birdc('reload in central')).toContain('reloading');
      await waitFor(() => peersOf(d), {
        what: "the daemon to answer BIRD's ROUTE-REFRESH with its table",
        until: (ps) => (ps[0]?.updatesSent ?? 0) > updatesBefore,
      });
      expect(await l.routeNextHops(l.router.ns, '203.0.113.50')).toEqual(hops);

      // A BIRD 1.6 quirk a user would notice: a next hop off the connected subnet is not dropped
      // (BIRD 2 drops it) but replaced, without a word in the log, by the neighbor's own address.
      await ok(d, ['add-eip', '203.0.113.59', '--next-hop', '192.0.2.7']);
      await l.waitForNextHops(l.router.ns, '203.0.113.59', [central.ipv4]);

      const t2 = Date.now();
      await ok(d, ['del-eip', '203.0.113.50', '--next-hop', hops[1]!]);
      await l.waitForNextHops(l.router.ns, '203.0.113.50', [hops[0]!, hops[2]!]);
      const tShrink = ms(t2);
      await ok(d, ['del-eip', '203.0.113.50']);
      await l.waitForNextHops(l.router.ns, '203.0.113.50', []);
      console.log(
        `BIRD 1.6 central (add paths ${addPaths}): Established ${tUp} ms after BIRD start; ` +
          `add-eip -> 3 next hops ${tEcmp} ms; del one -> 2 next hops ${tShrink} ms`,
      );
      // Nothing went wrong on either side on the way.
      expect(bird.process.output()).not.toMatch(/Error|NOTIFICATION|Invalid/i);
    },
    SLOW,
  );

  it('per-node: three daemons announce one EIP with next hop self; BIRD 1.6 merges the three sessions; SIGTERM drops one', async () => {
    const l = await newLab(3);
    const t0 = Date.now();
    const bird = await router16(l, 'ipv4', { peers: l.nodes.map((n) => ({ name: `node${n.index}`, address: n.ipv4, asn: NODE_ASN })) });
    const daemons = await Promise.all(l.nodes.map((n) => startDaemon(l, n, [routerPeer(l)])));
    await Promise.all(daemons.map((d) => established(d, { router: () => bird.process.tail(20) })));
    const tUp = ms(t0);
    const t1 = Date.now();
    for (const d of daemons) await ok(d, ['add-eip', '203.0.113.51']); // next hop: the config's "self"
    await l.waitForNextHops(l.router.ns, '203.0.113.51', l.nodes.map((n) => n.ipv4));
    const tEcmp = ms(t1);

    const t2 = Date.now();
    expect((await daemons[1]!.process.stop({ signal: 'SIGTERM', graceMs: 5000 })).code).toBe(0);
    // The Cease NOTIFICATION makes BIRD 1.6 withdraw that node's path at once.
    await l.waitForNextHops(l.router.ns, '203.0.113.51', [l.node(1).ipv4, l.node(3).ipv4], { timeoutMs: 3000 });
    const tDrop = ms(t2);
    // BIRD 1.6 logs the RFC 8203 shutdown communication too.
    await waitFor(() => bird.process.output(), {
      what: 'BIRD 1.6 to log the Cease from node2 with its message',
      until: (o) => o.includes('node2: Received: Administrative shutdown: "announcer shutting down (SIGTERM)"'),
      timeoutMs: 3000,
    });
    console.log(
      `BIRD 1.6 per-node: 3 sessions Established ${tUp} ms after BIRD start; 3 next hops ${tEcmp} ms after add-eip; ` +
        `SIGTERM -> 2 next hops ${tDrop} ms`,
    );
  }, SLOW);

  it('IPv6 (bird6): a /128 EIP with three next hops over ADD-PATH forms ECMP the same way', async () => {
    const l = await newLab(3);
    const central = l.node(1);
    const hops = l.nodes.map((n) => n.ipv6);
    const bird = await router16(l, 'ipv6', { peers: [{ name: 'central6', address: central.ipv6, asn: NODE_ASN }] });
    const d = await startDaemon(l, central, [
      routerPeer(l, { address: l.router.ipv6, addPath: 'send', families: ['ipv6-unicast'] }),
    ]);
    const [peer] = await established(d, { router: () => bird.process.tail(20) });
    expect(peer?.families).toEqual([{ family: 'ipv6-unicast', addPathSend: true, addPathReceive: false }]);
    const t1 = Date.now();
    await ok(d, ['add-eip', '2001:db8:200::50', ...hops.flatMap((h) => ['--next-hop', h])]);
    await l.waitForNextHops(l.router.ns, '2001:db8:200::50', hops);
    const tEcmp = ms(t1);
    await ok(d, ['del-eip', '2001:db8:200::50', '--next-hop', hops[2]!]);
    await l.waitForNextHops(l.router.ns, '2001:db8:200::50', hops.slice(0, 2));
    console.log(`BIRD 1.6 IPv6 central: add-eip -> 3 next hops ${tEcmp} ms`);
    expect(bird.process.output()).not.toMatch(/Error|NOTIFICATION|Invalid/i);
  }, SLOW);
});

// The interop scenarios every receiver takes, with BIRD 1.6 (bird and bird6) as the router.
interopSuite(bird16Receiver);
