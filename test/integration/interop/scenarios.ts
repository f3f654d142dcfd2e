/**
 * The interop scenarios, one table for every receiver: interopSuite(receiver) defines a test per
 * scenario the receiver can take part in, each in a lab of its own (the receiver in the router's
 * namespace, daemons on the nodes). A failure names the receiver and the scenario and carries what
 * the receiver held; every result is recorded (results.ts) for the interop table (docs/interop.md).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLab, established, NODE_ASN, ok, peerOf, peersOf, ROUTER_ASN, startDaemon, type Daemon } from '../daemon-harness.js';
import { waitFor, type Lab, type LabNode } from '../lab.js';
import type { HeldPath, Receiver, ReceiverSession, RunningReceiver } from './receiver.js';
import { recordResults, type ScenarioResult } from './results.js';

export interface Scenario {
  readonly id: string;
  /** What a user reads in the interop table. */
  readonly title: string;
  /** Why the receiver cannot take part, or undefined when it can. */
  readonly notFor?: (r: Receiver) => string | undefined;
  readonly run: (t: ScenarioContext) => Promise<void>;
}

export interface ScenarioContext {
  readonly lab: Lab;
  readonly receiver: Receiver;
  /** Starts the receiver with one session per entry. */
  startReceiver(sessions: readonly ReceiverSession[]): Promise<RunningReceiver>;
  /** Starts a daemon on the node with these peers (the router by default) and waits for Established. */
  daemon(node: LabNode, peers?: object[], extra?: object): Promise<Daemon>;
  /** Waits until the receiver holds exactly these next hops for the prefix (any order). */
  holds(prefix: string, nextHops: readonly string[], timeoutMs?: number): Promise<HeldPath[]>;
}

const EIP = '203.0.113.10';
const EIP6 = '2001:db8:200::20';
const FOUR_OCTET_AS = 4_200_000_001;

/** A peer entry for the daemon: the lab router over IPv4, both families unless told. */
function routerPeer(lab: Lab, receiver: Receiver, over: object = {}): object {
  return peerOf(lab, { holdTime: 9, families: ['ipv4-unicast', 'ipv6-unicast'], ...receiver.daemonPeerOptions, ...over });
}

function session(node: LabNode, over: Partial<ReceiverSession> = {}): ReceiverSession {
  return { name: `node${node.index}`, address: node.ipv4, asn: NODE_ASN, ...over };
}

/** The router's kernel route for `prefix` as "next hop=weight", sorted (iproute2 prints weight N per next hop). */
async function routeWeights(t: ScenarioContext, prefix: string): Promise<string[]> {
  const text = (await t.lab.exec(t.lab.router.ns, 'ip', ['route', 'show', prefix])).stdout;
  return [...text.matchAll(/nexthop via (\S+) dev \S+ weight (\d+)/g)].map((m) => `${m[1]}=${m[2]}`).sort();
}

/** Waits until the kernel route's next-hop weights are exactly these. */
async function kernelWeights(t: ScenarioContext, expected: readonly string[]): Promise<void> {
  const want = [...expected].sort();
  await waitFor(() => routeWeights(t, EIP), { what: `next-hop weights ${want.join(' ')}`, until: (w) => w.join(' ') === want.join(' '), timeoutMs: 15_000, intervalMs: 100 });
}

/**
 * Waits until the receiver holds these next hops for the prefix and, when it installs routes in
 * the router's kernel, until the kernel has them too.
 */
async function installed(t: ScenarioContext, prefix: string, nextHops: readonly string[]): Promise<void> {
  await t.holds(prefix, nextHops);
  if (t.receiver.kernel) await t.lab.waitForNextHops(t.lab.router.ns, prefix, nextHops);
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'per-node-ecmp',
    title: 'per-node ECMP: three nodes, one EIP, three next hops',
    async run(t) {
      const nodes = t.lab.nodes.slice(0, 3);
      await t.startReceiver(nodes.map((n) => session(n)));
      const daemons = await Promise.all(nodes.map((n) => t.daemon(n)));
      for (const d of daemons) await ok(d, ['add-eip', EIP]);
      await installed(t, EIP, nodes.map((n) => n.ipv4));
    },
  },
  {
    id: 'graceful-stop',
    title: "graceful stop: a node's SIGTERM (Cease) withdraws its path at once",
    async run(t) {
      const [a, b] = [t.lab.node(1), t.lab.node(2)];
      await t.startReceiver([session(a), session(b)]);
      const [da, db] = [await t.daemon(a), await t.daemon(b)];
      await ok(da, ['add-eip', EIP]);
      await ok(db, ['add-eip', EIP]);
      await t.holds(EIP, [a.ipv4, b.ipv4]);
      const status = await db.process.stop({ signal: 'SIGTERM', graceMs: 5_000 });
      expect(status.code).toBe(0);
      // At once: well inside the 9 s hold time, so only the Cease can have done it.
      await t.holds(EIP, [a.ipv4], 3_000);
    },
  },
  {
    id: 'central-add-path',
    title: 'central ADD-PATH: one session, three paths; partial and full withdraw',
    async run(t) {
      const central = t.lab.node(1);
      await t.startReceiver([session(central)]);
      const d = await t.daemon(central, [routerPeer(t.lab, t.receiver, { addPath: 'send' })]);
      const hops = t.lab.nodes.slice(0, 3).map((n) => n.ipv4);
      await ok(d, ['add-eip', EIP, ...hops.flatMap((h) => ['--next-hop', h])]);
      await installed(t, EIP, hops);
      await ok(d, ['del-eip', EIP, '--next-hop', hops[1]!]);
      await t.holds(EIP, [hops[0]!, hops[2]!]);
      await ok(d, ['del-eip', EIP]);
      await t.holds(EIP, []);
    },
  },
  {
    id: 'ipv6-session',
    title: 'IPv6 on an IPv6 session',
    async run(t) {
      const node = t.lab.node(1);
      await t.startReceiver([session(node, { name: 'node1v6', address: node.ipv6 })]);
      const d = await t.daemon(node, [routerPeer(t.lab, t.receiver, { address: t.lab.router.ipv6, families: ['ipv6-unicast'] })]);
      await ok(d, ['add-eip', EIP6]);
      await installed(t, EIP6, [node.ipv6]);
    },
  },
  {
    id: 'ipv6-over-ipv4',
    title: 'IPv6 over an IPv4 session (MP-BGP, IPv6 next hop)',
    notFor: (r) => (r.ipv6OverIpv4 ? undefined : 'it carries IPv6 routes on IPv6 sessions only'),
    async run(t) {
      const node = t.lab.node(1);
      await t.startReceiver([session(node)]);
      const d = await t.daemon(node);
      await ok(d, ['add-eip', EIP6]);
      await installed(t, EIP6, [node.ipv6]);
    },
  },
  {
    id: 'route-refresh',
    title: 'route refresh: the receiver asks, the table is sent again',
    notFor: (r) => (r.routeRefresh ? undefined : 'it cannot be told to send a ROUTE-REFRESH'),
    async run(t) {
      const node = t.lab.node(1);
      const s = session(node);
      const receiver = await t.startReceiver([s]);
      const d = await t.daemon(node);
      await ok(d, ['add-eip', EIP]);
      await t.holds(EIP, [node.ipv4]);
      const before = (await peersOf(d))[0]!.updatesSent;
      if (!receiver.refreshIn) throw new Error(`${t.receiver.name} says it can send ROUTE-REFRESH but has no refreshIn`);
      await receiver.refreshIn(s);
      await waitFor(() => peersOf(d), {
        what: 'the daemon to send its table again',
        until: (ps) => ps[0]!.updatesSent > before,
        timeoutMs: 10_000,
      });
      expect((await peersOf(d))[0]!.state).toBe('Established');
      await t.holds(EIP, [node.ipv4]);
    },
  },
  {
    id: 'receiver-restart',
    title: 'receiver restart: the session and the path come back',
    async run(t) {
      const node = t.lab.node(1);
      const receiver = await t.startReceiver([session(node)]);
      const d = await t.daemon(node);
      await ok(d, ['add-eip', EIP]);
      await t.holds(EIP, [node.ipv4]);
      await receiver.restart();
      await t.holds(EIP, [node.ipv4], 30_000);
      await established(d);
    },
  },
  {
    id: 'four-octet-as',
    title: `4-octet local AS (${FOUR_OCTET_AS})`,
    async run(t) {
      const node = t.lab.node(1);
      await t.startReceiver([session(node, { asn: FOUR_OCTET_AS })]);
      const d = await t.daemon(node, undefined, { asn: FOUR_OCTET_AS });
      await ok(d, ['add-eip', EIP]);
      const [path] = await t.holds(EIP, [node.ipv4]);
      expect(path!.asPath).toEqual([FOUR_OCTET_AS]);
    },
  },
  {
    id: 'prepend',
    title: 'AS-path prepending: a standby node sends our AS 3 more times, its peer default 1 more',
    async run(t) {
      const [active, standby, other] = [t.lab.node(1), t.lab.node(2), t.lab.node(3)];
      await t.startReceiver([session(active), session(standby), session(other)]);
      const da = await t.daemon(active);
      const ds = await t.daemon(standby);
      const dother = await t.daemon(other, [routerPeer(t.lab, t.receiver, { defaults: { prepend: 1 } })]);
      await ok(da, ['add-eip', EIP]);
      await ok(ds, ['add-eip', EIP, '--prepend', '3']);
      await ok(dother, ['add-eip', EIP]);
      // The receiver holds all three (it installs the shortest): sorted by next hop.
      const held = await t.holds(EIP, [active.ipv4, standby.ipv4, other.ipv4]);
      const ours = (n: number): number[] => new Array<number>(n).fill(NODE_ASN);
      expect(held.map((p) => p.asPath)).toEqual([ours(1), ours(4), ours(2)]);
    },
  },
  {
    id: 'extended-communities',
    title: 'extended communities: a route target and a route origin arrive as sent',
    async run(t) {
      const node = t.lab.node(1);
      await t.startReceiver([session(node)]);
      const d = await t.daemon(node);
      await ok(d, ['add-eip', EIP, '--ext-community', 'soo:65000:7', '--ext-community', 'rt:65000:100']);
      const [path] = await t.holds(EIP, [node.ipv4]);
      expect(path!.extended).toEqual(['rt:65000:100', 'soo:65000:7']);
    },
  },
  {
    id: 'extended-message',
    title: 'a path over 4,096 octets: sent with Extended Message, held back without',
    async run(t) {
      const node = t.lab.node(1);
      await t.startReceiver([session(node)]);
      const d = await t.daemon(node);
      // 400 large communities: 4,800 octets of attribute, more than a 4,096-octet UPDATE holds.
      const large = Array.from({ length: 400 }, (_, i) => ['--large-community', `65000:1:${i}`]).flat();
      await ok(d, ['add-eip', EIP, ...large]);
      await ok(d, ['add-eip', '203.0.113.11']); // a small one after it, on the same session
      await t.holds('203.0.113.11', [node.ipv4]);
      const [peer] = await peersOf(d);
      if (t.receiver.extendedMessage) {
        await t.holds(EIP, [node.ipv4]);
      } else {
        // Without RFC 8654 the path cannot be sent; the session stays up and carries the rest.
        expect(await t.holds(EIP, [])).toEqual([]);
        expect(peer!.state).toBe('Established');
      }
    },
  },
  {
    id: 'drain',
    title: 'drain: GRACEFUL_SHUTDOWN, then withdrawn, then back; a kernel router moves traffic off the node before the withdraw',
    async run(t) {
      const [a, b] = [t.lab.node(1), t.lab.node(2)];
      await t.startReceiver([session(a), session(b)]);
      const [da, db] = [await t.daemon(a), await t.daemon(b)];
      await ok(da, ['add-eip', EIP]);
      await ok(db, ['add-eip', EIP]);
      await installed(t, EIP, [a.ipv4, b.ipv4]);
      expect(await ok(db, ['drain', '--for', '6s'])).toMatch(/^draining since /);
      if (t.receiver.kernel) {
        // The router still holds b's path, but its kernel route forwards via a alone: traffic has
        // moved before anything is withdrawn (FRR on its own for eBGP; BIRD by its import filter).
        await t.lab.waitForNextHops(t.lab.router.ns, EIP, [a.ipv4]);
        expect((await t.holds(EIP, [a.ipv4, b.ipv4])).map((p) => p.nextHop)).toEqual([a.ipv4, b.ipv4]);
      }
      await t.holds(EIP, [a.ipv4], 15_000);
      expect(await ok(db, ['drain', '--status'])).toMatch(/^drained since /);
      expect(await ok(db, ['undrain'])).toBe('announcing: not draining\n');
      await installed(t, EIP, [a.ipv4, b.ipv4]);
    },
  },
  {
    id: 'weighted-ecmp',
    title: 'weighted ECMP: nodes weighted 1, 2, 1 (link bandwidth); the kernel route: FRR weight 25/50/25 (33 each after a change, no reset), BIRD equal',
    notFor: (r) => (r.kernel ? undefined : 'installs no routes (it decodes link bandwidth and shows it)'),
    async run(t) {
      const nodes = t.lab.nodes.slice(0, 3);
      await t.startReceiver(nodes.map((n) => session(n)));
      const daemons = await Promise.all(nodes.map((n) => t.daemon(n)));
      const weights = [1, 2, 1];
      for (const [i, d] of daemons.entries()) await ok(d, ['add-eip', EIP, '--weight', String(weights[i])]);
      await installed(t, EIP, nodes.map((n) => n.ipv4));
      if (t.receiver.id !== 'frr') {
        // BIRD keeps the community opaque: the kernel route's next hops stay equal.
        await kernelWeights(t, nodes.map((n) => `${n.ipv4}=1`));
        return;
      }
      // FRR 8.4: 100 x a path's bandwidth over the sum, rounded down.
      await kernelWeights(t, nodes.map((n, i) => `${n.ipv4}=${[25, 50, 25][i]}`));
      const before = (await peersOf(daemons[1]!))[0]!;
      await ok(daemons[1]!, ['add-eip', EIP, '--weight', '1']);
      await kernelWeights(t, nodes.map((n) => `${n.ipv4}=33`));
      // No session was reset for it: still Established since the same moment.
      expect((await peersOf(daemons[1]!))[0]).toMatchObject({ state: 'Established', since: before.since });
    },
  },
  {
    id: 'weighted-ecmp-central',
    title: 'weighted ECMP, central: one ADD-PATH session, next hops weighted 1, 2, 1',
    notFor: (r) => (r.id === 'frr' ? undefined : 'weighs no next hops by link bandwidth (see the per-node row)'),
    async run(t) {
      const central = t.lab.node(1);
      await t.startReceiver([session(central)]);
      const d = await t.daemon(central, [routerPeer(t.lab, t.receiver, { addPath: 'send' })]);
      const hops = t.lab.nodes.slice(0, 3).map((n) => n.ipv4);
      await ok(d, ['add-eip', EIP, ...hops.flatMap((h, i) => ['--next-hop', `${h}=${[1, 2, 1][i]}`])]);
      await installed(t, EIP, hops);
      await kernelWeights(t, hops.map((h, i) => `${h}=${[25, 50, 25][i]}`));
    },
  },
  {
    id: 'no-add-path-receive',
    title: "central shape to a router without ADD-PATH: its one path moves only when that path goes",
    async run(t) {
      const central = t.lab.node(1);
      await t.startReceiver([session(central, { addPath: false })]);
      const d = await t.daemon(central, [routerPeer(t.lab, t.receiver, { addPath: 'send' })]);
      const [h1, h2, h3] = t.lab.nodes.slice(0, 3).map((n) => n.ipv4) as [string, string, string];
      await ok(d, ['add-eip', EIP, '--next-hop', h1]);
      await t.holds(EIP, [h1]);
      await ok(d, ['add-eip', EIP, '--next-hop', h2]);
      await ok(d, ['add-eip', EIP, '--next-hop', h3]);
      await ok(d, ['add-eip', EIP, '--next-hop', h2, '--med', '5']); // re-add with new attributes
      await ok(d, ['del-eip', EIP, '--next-hop', h3]);
      // A marker on the same session after all of that: once it is held, so is their effect.
      await ok(d, ['add-eip', '203.0.113.11']);
      await t.holds('203.0.113.11', [central.ipv4]);
      expect((await t.holds(EIP, [h1])).map((p) => p.nextHop)).toEqual([h1]);
      await ok(d, ['del-eip', EIP, '--next-hop', h1]);
      await t.holds(EIP, [h2]);
    },
  },
];

/** Defines the receiver's tests: one per scenario it can take part in, in SCENARIOS order. */
export function interopSuite(receiver: Receiver): void {
  const results: ScenarioResult[] = [];
  let lab: Lab | undefined;
  let running: RunningReceiver | undefined;
  const daemons: Daemon[] = [];

  afterEach(async () => {
    daemons.length = 0;
    running = undefined;
    await lab?.destroy();
    lab = undefined;
  });
  afterAll(async () => {
    const order = (r: ScenarioResult): number => SCENARIOS.findIndex((sc) => sc.id === r.id);
    const version = await receiver.version().catch((e: unknown) => `unknown (${String(e)})`);
    recordResults(receiver, version, [...results].sort((a, b) => order(a) - order(b)));
  });

  describe(`interop with ${receiver.name}`, () => {
    for (const scenario of SCENARIOS) {
      const why = scenario.notFor?.(receiver);
      if (why !== undefined) {
        results.push({ id: scenario.id, title: scenario.title, outcome: 'not applicable', why });
        continue;
      }
      it(`${receiver.name}: ${scenario.title}`, async () => {
        lab = await createLab({ nodes: 3, prefix: `ann${receiver.id.slice(0, 7)}` });
        const l = lab;
        const t: ScenarioContext = {
          lab: l,
          receiver,
          async startReceiver(sessions) {
            running = await receiver.start(l, { asn: ROUTER_ASN, routerId: l.router.ipv4, sessions });
            return running;
          },
          async daemon(node, peers, extra) {
            const d = await startDaemon(l, node, peers ?? [routerPeer(l, receiver)], extra);
            daemons.push(d);
            await established(d, { timeoutMs: 20_000 });
            return d;
          },
          async holds(prefix, nextHops, timeoutMs = 15_000) {
            const want = [...nextHops].sort().join(',');
            return waitFor(() => running!.paths(prefix), {
              what: `${receiver.name} to hold ${prefix} via [${want}]`,
              until: (ps) => ps.map((p) => p.nextHop).sort().join(',') === want,
              timeoutMs,
              intervalMs: 100,
            });
          },
        };
        try {
          await scenario.run(t);
          results.push({ id: scenario.id, title: scenario.title, outcome: 'passed' });
        } catch (e) {
          results.push({ id: scenario.id, title: scenario.title, outcome: 'failed' });
          const held = running ? await running.dump().catch((x: unknown) => `(could not ask: ${String(x)})`) : '(not started)';
          const said = daemons.map((d) => `${d.node.ns}:\n${d.process.tail(15)}`).join('\n');
          const message = e instanceof Error ? e.message : String(e);
          throw new Error(`${receiver.name}, scenario "${scenario.title}": ${message}\n--- ${receiver.name} held:\n${held}\n--- the daemons said:\n${said}`, { cause: e });
        }
      }, 90_000);
    }
  });
}
