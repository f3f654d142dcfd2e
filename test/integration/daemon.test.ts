// The daemon against a real BIRD 2 router, in network namespaces: EIPs announced from the CLI
// become ECMP routes in the router's kernel table, in both deployment shapes.
// Runs the built CLI (dist/cli/main.js): `npm test` builds first.

import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { bfdCuts, createLab, established, NODE_ASN, ok, peerOf, peersOf, ROUTER_ASN, startDaemon, type Daemon } from './daemon-harness.js';
import { birdc, Lab, waitFor, type LabNode, type RouterConfigOptions, routerConfig } from './lab.js';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.destroy();
  lab = undefined;
});

async function newLab(nodes: number): Promise<Lab> {
  lab = await createLab({ nodes, prefix: 'annd' });
  return lab;
}

function routerPeer(node: LabNode, name: string, over: object = {}) {
  return { name, address: node.ipv4, asn: NODE_ASN, ...over };
}

async function router(l: Lab, opts: Omit<RouterConfigOptions, 'routerId' | 'asn'> & { asn?: number }) {
  return l.startBird(l.router.ns, routerConfig({ routerId: l.router.ipv4, asn: ROUTER_ASN, ...opts }), { name: 'router' });
}

describe('announcer daemon with a BIRD 2 router', () => {
  it('per-node: three nodes announce one EIP and the router installs three next hops; SIGTERM of one drops it at once', async () => {
    const l = await newLab(3);
    const bird = await router(l, { peers: l.nodes.map((n, i) => routerPeer(n, `node${i + 1}`)) });
    const daemons = await Promise.all(l.nodes.map((n) => startDaemon(l, n, [peerOf(l)], { metrics: { address: '127.0.0.1:9179' } })));
    await Promise.all(daemons.map((d) => established(d)));
    for (const d of daemons) await ok(d, ['add-eip', '203.0.113.10']); // next hop: the config's "self"
    await l.waitForNextHops(l.router.ns, '203.0.113.10', ['198.51.100.11', '198.51.100.12', '198.51.100.13']);
    // Each daemon's Prometheus endpoint (inside its node's namespace) tells the same story.
    const scrape = await l.exec(l.node(1).ns, process.execPath, ['-e', "fetch('http://127.0.0.1:9179/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))"]);
    // No name in the config: the peer's name is its address.
    expect(scrape.stdout).toContain('announcer_peer_up{peer="198.51.100.1",address="198.51.100.1"} 1');
    expect(scrape.stdout).toContain('announcer_peer_paths_announced{peer="198.51.100.1",address="198.51.100.1"} 1');
    expect(scrape.stdout).toContain('announcer_api_calls_total{method="AddPath",code="OK"} 1');
    expect(scrape.stdout).toMatch(/announcer_peer_state_changes_total\{peer="198.51.100.1",address="198.51.100.1",from="OpenConfirm",to="Established"\} 1/);
    expect(JSON.parse(await ok(daemons[0]!, ['list', '--json'])).paths).toMatchObject([
      { prefix: '203.0.113.10/32', nextHop: 'self', pathId: 1, owner: 'cli' },
    ]);

    // Dual stack over the one IPv4 session: "self" for an IPv6 EIP is the node's IPv6 address on
    // the session's interface.
    for (const d of daemons) await ok(d, ['add-eip', '2001:db8:200::20']);
    await l.waitForNextHops(l.router.ns, '2001:db8:200::20', l.nodes.map((n) => n.ipv6));

    const t0 = Date.now();
    const status = await daemons[1]!.process.stop({ signal: 'SIGTERM', graceMs: 5000 });
    // The bound; the Cease NOTIFICATION makes BIRD withdraw the path at once.
    await l.waitForNextHops(l.router.ns, '203.0.113.10', ['198.51.100.11', '198.51.100.13'], { timeoutMs: 3000 });
    console.log(`per-node: SIGTERM to next hop gone at the router: ${Date.now() - t0} ms`);
    expect(status.code).toBe(0);
    // BIRD logged our RFC 8203 shutdown communication.
    await waitFor(() => bird.process.output(), { what: 'BIRD to log the shutdown message', until: (o) => o.includes('announcer shutting down (SIGTERM)'), timeoutMs: 3000 });
  });

  it('without ADD-PATH the router gets one path of three, and add-eip and list --peer say so', async () => {
    const l = await newLab(3);
    const central = l.node(1);
    await router(l, { peers: [routerPeer(central, 'central')] });
    const d = await startDaemon(l, central, [peerOf(l, { addPath: 'off' })]);
    await established(d);
    const said = await ok(d, ['add-eip', '203.0.113.21', '--next-hop', '198.51.100.11', '--next-hop', '198.51.100.12', '--next-hop', '198.51.100.13']);
    expect(said).toMatch(/\n {2}to \S+: 1 of 3 paths, via 198\.51\.100\.11 \(no ADD-PATH: one path per prefix\)\n$/);
    await l.waitForNextHops(l.router.ns, '203.0.113.21', ['198.51.100.11']);
    const peer = (JSON.parse(await ok(d, ['peers', '--json'])) as { peers: { name: string }[] }).peers[0]!.name;
    const sent = (JSON.parse(await ok(d, ['list', '--peer', peer, '--json'])) as { paths: { nextHop: string }[] }).paths;
    expect(sent.map((p) => p.nextHop)).toEqual(['198.51.100.11']);
  });

  it('central: one daemon announces an EIP with three next hops over ADD-PATH; deleting them shrinks and removes the route', async () => {
    const l = await newLab(3);
    const central = l.node(1);
    await router(l, { peers: [routerPeer(central, 'central')] });
    const d = await startDaemon(l, central, [peerOf(l, { addPath: 'send' })]);
    await established(d);
    const said = await ok(d, ['add-eip', '203.0.113.20', '--next-hop', '198.51.100.11', '--next-hop', '198.51.100.12', '--next-hop', '198.51.100.13']);
    expect(said).toMatch(/\n {2}to \S+: 3 of 3 paths, via 198\.51\.100\.11, 198\.51\.100\.12, 198\.51\.100\.13\n$/);
    await l.waitForNextHops(l.router.ns, '203.0.113.20', ['198.51.100.11', '198.51.100.12', '198.51.100.13']);
    const paths = (JSON.parse(await ok(d, ['list', '--json'])) as { paths: { nextHop: string; pathId: number }[] }).paths;
    expect(paths.map((p) => [p.nextHop, p.pathId])).toEqual([
      ['198.51.100.11', 1],
      ['198.51.100.12', 2],
      ['198.51.100.13', 3],
    ]);
    await ok(d, ['del-eip', '203.0.113.20', '--next-hop', '198.51.100.12']);
    await l.waitForNextHops(l.router.ns, '203.0.113.20', ['198.51.100.11', '198.51.100.13']);
    await ok(d, ['del-eip', '203.0.113.20']);
    await l.waitForNextHops(l.router.ns, '203.0.113.20', []);
  });

  it('IPv6: a /128 EIP over an IPv6 session forms ECMP the same way', async () => {
    const l = await newLab(3);
    const central = l.node(1);
    await router(l, { peers: [{ name: 'central6', address: central.ipv6, asn: NODE_ASN }] });
    const d = await startDaemon(l, central, [peerOf(l, { address: l.router.ipv6, addPath: 'send', families: ['ipv6-unicast'] })]);
    await established(d);
    await ok(d, ['add-eip', '2001:db8:200::10', ...l.nodes.flatMap((n) => ['--next-hop', n.ipv6])]);
    await l.waitForNextHops(l.router.ns, '2001:db8:200::10', l.nodes.map((n) => n.ipv6));
    await ok(d, ['del-eip', '2001:db8:200::10', '--next-hop', l.node(3).ipv6]);
    await l.waitForNextHops(l.router.ns, '2001:db8:200::10', [l.node(1).ipv6, l.node(2).ipv6]);
  });

  it('recovers: BIRD restarts and the routes come back; a cut link expires the session by hold timer and it recovers', async () => {
    const l = await newLab(1);
    const node = l.node(1);
    let bird = await router(l, { peers: [routerPeer(node, 'node1')], holdTime: 6 });
    const d = await startDaemon(l, node, [peerOf(l)]);
    await established(d);
    await ok(d, ['add-eip', '203.0.113.30']);
    await l.waitForNextHops(l.router.ns, '203.0.113.30', [node.ipv4]);

    bird = await l.restartBird(bird);
    await l.waitForNextHops(l.router.ns, '203.0.113.30', [node.ipv4], { timeoutMs: 20_000 });

    await l.linkDown(node);
    // Nothing tells either side the link is gone: each must give up when its hold timer (6 s) runs out.
    await waitFor(() => peersOf(d), { what: 'the session to expire', until: (ps) => ps[0]?.state !== 'Established', timeoutMs: 15_000 });
    const peer = (await peersOf(d))[0] as { lastError?: string };
    expect(peer.lastError).toMatch(/^hold timer expired: the peer sent nothing for 6 s/);
    await l.waitForNextHops(l.router.ns, '203.0.113.30', [], { timeoutMs: 15_000 });
    await l.linkUp(node);
    await established(d, { timeoutMs: 30_000 });
    await l.waitForNextHops(l.router.ns, '203.0.113.30', [node.ipv4], { timeoutMs: 15_000 });
  });

  it('a router that restarts again and again is not punished: each restart is back at once', async () => {
    const l = await newLab(1);
    const node = l.node(1);
    let bird = await router(l, { peers: [routerPeer(node, 'node1')] });
    const d = await startDaemon(l, node, [peerOf(l)]);
    await established(d);
    await ok(d, ['add-eip', '203.0.113.31']);
    await l.waitForNextHops(l.router.ns, '203.0.113.31', [node.ipv4]);
    const took: number[] = [];
    for (let i = 0; i < 8; i++) {
      // BIRD stops with Cease / Administrative Shutdown: a deliberate close, not an error to damp.
      const t0 = Date.now();
      bird = await l.restartBird(bird);
      // Doubling damping would have waited 1, 2, 4, 8, 16, 32 s before reconnecting: 10 s tells them apart.
      await l.waitForNextHops(l.router.ns, '203.0.113.31', [node.ipv4], { timeoutMs: 10_000 });
      took.push(Date.now() - t0);
    }
    console.log(`router restarts: the EIP was back after ${took.join(', ')} ms`);
    const peer = (await peersOf(d))[0] as { lastError?: string; state: string };
    expect(peer.state).toBe('Established');
  });

  it('graceful restart: `shutdown --restart` leaves the route with the router until the daemon is back; `shutdown` withdraws at once', async () => {
    const l = await newLab(1);
    const node = l.node(1);
    const bird = await router(l, { peers: [routerPeer(node, 'node1')] });
    const extra = { stateFile: join(l.dir, 'state.json'), gracefulRestart: { restartTime: 30 } };
    let d = await startDaemon(l, node, [peerOf(l)], extra);
    await established(d);
    // A first start is no restart: no R bit.
    expect(await birdc(bird.socket, 'show protocols all node1')).not.toContain('Restart recovery');
    await ok(d, ['add-eip', '203.0.113.40']);
    await l.waitForNextHops(l.router.ns, '203.0.113.40', [node.ipv4]);

    expect(await ok(d, ['shutdown', '--restart'])).toContain('restart');
    expect((await d.process.exited).code).toBe(0);
    // The daemon is gone; BIRD keeps the path as stale and the kernel keeps the next hop.
    const down = await waitFor(() => birdc(bird.socket, 'show protocols all node1'), {
      what: 'BIRD to see the session gone and keep our paths (graceful restart)',
      until: (t) => t.includes('Neighbor graceful restart active'),
      timeoutMs: 10_000,
    });
    expect(down).toMatch(/Routes:\s+1 imported/);
    expect(await birdc(bird.socket, 'show route 203.0.113.40/32')).toContain('198.51.100.11');
    expect(await l.routeNextHops(l.router.ns, '203.0.113.40')).toEqual([node.ipv4]);

    d = await startDaemon(l, node, [peerOf(l)], extra);
    await established(d);
    // RFC 4724 3: back within the restart time, our OPEN says so (the R bit), and BIRD shows it.
    expect(await birdc(bird.socket, 'show protocols all node1')).toMatch(/Neighbor capabilities[\s\S]*Graceful restart\n\s+Restart time: 30\n\s+Restart recovery/);
    expect(await l.routeNextHops(l.router.ns, '203.0.113.40')).toEqual([node.ipv4]);
    // After our End-of-RIB the path is fresh again, with the same path id.
    await waitFor(() => birdc(bird.socket, 'show route 203.0.113.40/32 all'), { what: 'the path to be fresh', until: (t) => t.includes('198.51.100.11') && !/stale/i.test(t), timeoutMs: 10_000 });
    expect(JSON.parse(await ok(d, ['list', '--json'])).paths).toMatchObject([{ prefix: '203.0.113.40/32', pathId: 1 }]);

    // A withdrawing stop empties the router at once, graceful restart or not (RFC 8538 Hard Reset where negotiated).
    await ok(d, ['shutdown']);
    await l.waitForNextHops(l.router.ns, '203.0.113.40', [], { timeoutMs: 3_000 });
    // And the start after it is a fresh one again: no R bit.
    d = await startDaemon(l, node, [peerOf(l)], extra);
    await established(d);
    expect(await birdc(bird.socket, 'show protocols all node1')).not.toContain('Restart recovery');
  });

  it('graceful restart: SIGTERM with onSigterm restart and SIGKILL keep the route; the router drops it once restartTime runs out', async () => {
    const l = await newLab(1);
    const node = l.node(1);
    const bird = await router(l, { peers: [routerPeer(node, 'node1')] });
    const extra = { stateFile: join(l.dir, 'state.json'), gracefulRestart: { restartTime: 3, onSigterm: 'restart' } };
    const keeping = () =>
      waitFor(() => birdc(bird.socket, 'show protocols all node1'), {
        what: 'BIRD to keep our paths (graceful restart)',
        until: (t) => t.includes('Neighbor graceful restart active'),
        timeoutMs: 10_000,
      });
    let d = await startDaemon(l, node, [peerOf(l)], extra);
    await established(d);
    await ok(d, ['add-eip', '203.0.113.41']);
    await l.waitForNextHops(l.router.ns, '203.0.113.41', [node.ipv4]);

    expect((await d.process.stop({ signal: 'SIGTERM', graceMs: 5000 })).code).toBe(0);
    await keeping();
    expect(await l.routeNextHops(l.router.ns, '203.0.113.41')).toEqual([node.ipv4]);
    // Not back within the 3 s restart time: the router gives up and removes the path.
    await l.waitForNextHops(l.router.ns, '203.0.113.41', [], { timeoutMs: 10_000 });

    d = await startDaemon(l, node, [peerOf(l)], extra);
    await l.waitForNextHops(l.router.ns, '203.0.113.41', [node.ipv4]);
    await d.process.stop({ signal: 'SIGKILL' });
    await keeping();
    expect(await l.routeNextHops(l.router.ns, '203.0.113.41')).toEqual([node.ipv4]);
    d = await startDaemon(l, node, [peerOf(l)], extra);
    await established(d);
    await waitFor(() => birdc(bird.socket, 'show protocols all node1'), { what: 'the restart to be over', until: (t) => !t.includes('graceful restart active'), timeoutMs: 10_000 });
    expect(await l.routeNextHops(l.router.ns, '203.0.113.41')).toEqual([node.ipv4]);
  });

  it('graceful restart with BFD on: a restart keeps BFD Up and the route; the node dying drops it in BFD time, not restart time', async () => {
    const l = await newLab(2);
    const node = l.node(1);
    const bfd = { minRx: 100, minTx: 100, multiplier: 3 };
    // BIRD's plain `bfd on`: BFD down ends the session and its paths, graceful restart or not.
    const bird = await router(l, { peers: [routerPeer(node, 'node1')], bfd });
    const extra = { stateFile: join(l.dir, 'state.json'), gracefulRestart: { restartTime: 60 } };
    let d = await startDaemon(l, node, [peerOf(l, { bfd })], extra);
    await established(d);
    await ok(d, ['add-eip', '203.0.113.43']);
    await l.waitForNextHops(l.router.ns, '203.0.113.43', [node.ipv4]);
    const birdBfdUp = (): Promise<string> =>
      waitFor(() => birdc(bird.socket, 'show bfd sessions'), { what: "BIRD's BFD session Up", until: (t) => /\sUp\s/.test(t), timeoutMs: 10_000 });
    await birdBfdUp();
    await waitFor(() => peersOf(d), { what: 'our BFD session Up', until: (ps) => ps[0]?.bfd?.state === 'Up', timeoutMs: 10_000 });

    // The restart: BIRD keeps our paths (graceful restart), and its BFD session never leaves Up.
    await ok(d, ['shutdown', '--restart']);
    expect((await d.process.exited).code).toBe(0);
    await waitFor(() => birdc(bird.socket, 'show protocols all node1'), {
      what: 'BIRD to keep our paths (graceful restart)',
      until: (t) => t.includes('Neighbor graceful restart active'),
      timeoutMs: 10_000,
    });
    await new Promise((r) => setTimeout(r, 1_000)); // three times BFD's detection time
    expect(await birdc(bird.socket, 'show bfd sessions')).toMatch(/\sUp\s/);
    expect(await l.routeNextHops(l.router.ns, '203.0.113.43')).toEqual([node.ipv4]);
    d = await startDaemon(l, node, [peerOf(l, { bfd })], extra);
    await established(d);
    await waitFor(() => birdc(bird.socket, 'show protocols all node1'), { what: 'the restart to be over', until: (t) => !t.includes('graceful restart active'), timeoutMs: 10_000 });
    // Our new daemon took over the running BFD session: Up, and no flap counted.
    expect((await peersOf(d))[0]?.bfd).toEqual({ state: 'Up', flaps: 0 });
    expect(bird.process.output()).not.toMatch(/BFD session down/);

    // The node dies (daemon and BFD process at once): BFD tells the router, which drops the
    // stale-to-be paths at once instead of keeping them for the 60 s restart time.
    await birdBfdUp();
    const t0 = Date.now();
    for (const pid of execFileSync('ip', ['netns', 'pids', node.ns], { encoding: 'utf8' }).split('\n').filter((x) => /^\d+$/.test(x))) process.kill(Number(pid), 'SIGKILL');
    await l.waitForNextHops(l.router.ns, '203.0.113.43', [], { timeoutMs: 5_000 });
    console.log(`graceful restart + BFD 100 ms x 3: the dead node's next hop left the router's kernel ${Date.now() - t0} ms after the kill`);
  });

  it('BFD: a blackholed node loses its next hop at the router in well under the 9 s hold time', async () => {
    // Two nodes, so the router's bridge keeps its carrier when node1's port goes down: only BFD
    // (or the hold timer) can tell the router that node1 is gone, not an interface event.
    const l = await newLab(2);
    const node = l.node(1);
    const bfd = { minRx: 100, minTx: 100, multiplier: 3 };
    const bird = await router(l, { peers: [routerPeer(node, 'node1')], holdTime: 9, bfd });
    const d = await startDaemon(l, node, [peerOf(l, { holdTime: 9, bfd })]);
    await established(d);
    await ok(d, ['add-eip', '203.0.113.42']);
    await l.waitForNextHops(l.router.ns, '203.0.113.42', [node.ipv4]);
    // Both ends agree the link is watched before each cut.
    const routerUp = async (): Promise<void> => {
      await waitFor(() => birdc(bird.socket, 'show bfd sessions'), { what: "BIRD's BFD session Up", until: (t) => /\sUp\s/.test(t), timeoutMs: 10_000 });
    };
    const took = await bfdCuts(l, d, node, '203.0.113.42', routerUp);
    const sorted = [...took].sort((a, b) => a - b);
    console.log(`BFD 100 ms x 3: next hop gone from the router's kernel ${took.join(', ')} ms after the cut (median ${sorted[1]} ms)`);
    expect((await peersOf(d))[0]?.bfd?.flaps).toBe(3);
  });

  it('TCP-MD5 and TTL security: the right key establishes (actively and passively), a wrong key never does and says why', async () => {
    const l = await newLab(4);
    const [n1, n2, n3, n4] = [l.node(1), l.node(2), l.node(3), l.node(4)];
    await router(l, {
      peers: [
        routerPeer(n1, 'node1', { password: 's3cret', ttlSecurity: true }),
        routerPeer(n2, 'node2', { password: 's3cret' }),
        // BIRD connects to node3, whose announcer only listens: the key sits on its listener.
        routerPeer(n3, 'node3', { password: 's3cret' }),
        // No TTL security at the router: it sends TTL 1 (eBGP), which node4's announcer refuses.
        routerPeer(n4, 'node4'),
      ],
    });
    // Every BGP segment between the router and node1, seen on the wire by the router.
    const capture = l.spawn(l.router.ns, 'tcpdump', ['-i', n1.routerPort, '-nn', '-v', '-l', '-c', '12', 'tcp port 179'], { name: 'tcpdump' });
    await waitFor(() => capture.output(), { what: 'tcpdump to listen', until: (o) => /listening on/.test(o), timeoutMs: 10_000 });
    const d1 = await startDaemon(l, n1, [peerOf(l, { password: 's3cret', ttlSecurity: true })]);
    const d2 = await startDaemon(l, n2, [peerOf(l, { password: 'wrong' })]);
    const d3 = await startDaemon(l, n3, [peerOf(l, { password: 's3cret', passive: true })], { listen: { address: n3.ipv4, port: 179 } });
    const d4 = await startDaemon(l, n4, [peerOf(l, { ttlSecurity: true })]);
    await established(d1);
    await established(d3);
    await ok(d1, ['add-eip', '203.0.113.43']);
    await l.waitForNextHops(l.router.ns, '203.0.113.43', [n1.ipv4]);
    // RFC 2385: the MD5 option on every segment, both ways, the handshake included.
    const segments = (await waitFor(() => capture.output(), { what: '12 captured segments', until: (o) => /12 packets captured/.test(o), timeoutMs: 15_000 }))
      .split('\n')
      // The TCP line of each packet: "198.51.100.11.40123 > 198.51.100.1.179: Flags [S], ..., options [...md5...]".
      .filter((line) => /\.\d+ > [\d.]+\.\d+: Flags \[/.test(line));
    expect(segments.length).toBeGreaterThanOrEqual(12);
    for (const s of segments) expect(s, s).toMatch(/md5/);
    expect(segments.some((s) => /Flags \[S\]/.test(s))).toBe(true);
    // The wrong key: the router's kernel drops every segment, so the connection just times out.
    const stuck = await waitFor(() => peersOf(d2), {
      what: 'node2 to say TCP-MD5 may be the reason',
      until: (ps) => /TCP-MD5 is configured/.test(ps[0]?.lastError ?? ''),
      timeoutMs: 20_000,
    });
    expect(stuck[0]?.state).not.toBe('Established');
    // By then node4 had as long as node1 and node3 needed many times over: its minimum TTL of 254
    // drops the router's TTL-1 packets, so it never gets an OPEN.
    expect((await peersOf(d4))[0]?.state).not.toBe('Established');
  });

  it('multihop: an eBGP session with TTL security crosses a routed hop only when told how far the peer is', async () => {
    // The client namespace reaches node1 through the router: two hops. BIRD runs on node1.
    const l = (lab = await createLab({ nodes: 1, prefix: 'annd', client: true }));
    const node = l.node(1);
    const client = l.client!;
    await l.exec(node.ns, 'ip', ['route', 'add', '192.0.2.0/24', 'via', l.router.ipv4]);
    await l.startBird(
      node.ns,
      routerConfig({ routerId: node.ipv4, asn: ROUTER_ASN, peers: [{ name: 'far', address: client.ipv4, asn: NODE_ASN, ttlSecurity: true, multihop: 2 }] }),
      { name: 'far-router' },
    );
    const start = async (over: object): Promise<Daemon> => {
      const d = await startDaemon(l, { ...node, ns: client.ns, ipv4: client.ipv4 } as LabNode, [{ address: node.ipv4, asn: ROUTER_ASN, connectRetry: 1, ...over }]);
      return d;
    };
    // TTL security alone expects the peer one hop away (minimum TTL 255): the router's packets
    // arrive with 254, so the kernel drops its answers, and the peer says what that may mean.
    const near = await start({ ttlSecurity: true });
    const [stuck] = await waitFor(() => peersOf(near), {
      what: 'the connect to go unanswered',
      until: (ps) => /no answer to connect .*ttlSecurity is on: a peer more than 1 hop away/.test(ps[0]?.lastError ?? ''),
      timeoutMs: 15_000,
    });
    expect(stuck?.state).not.toBe('Established');
    await near.process.stop({ signal: 'SIGTERM', graceMs: 5_000 });
    // Told the peer is two hops away, it accepts TTL 254 and sends 255: the session comes up.
    const far = await start({ ttlSecurity: true, multihop: 2 });
    await established(far);
  });

  it('a peer\'s defaults reach BIRD over eBGP: its prepend where a path sets none, its communities added to a path\'s', async () => {
    const l = await newLab(2);
    const node = l.node(1);
    const bird = await router(l, { peers: [routerPeer(node, 'node1', { gatewayDirect: true })] });
    const d = await startDaemon(l, node, [peerOf(l, { defaults: { prepend: 2, communities: ['65000:1'] } })]);
    await established(d);
    const asPath = async (): Promise<string | undefined> => /BGP\.as_path: ([\d ]*)\n/.exec(await birdc(bird.socket, 'show route 203.0.113.41/32 all'))?.[1]?.trim();
    const ours = (n: number): string => Array.from({ length: n }, () => String(NODE_ASN)).join(' ');
    await ok(d, ['add-eip', '203.0.113.41', '--next-hop', l.node(2).ipv4, '--community', '65000:7']);
    await l.waitForNextHops(l.router.ns, '203.0.113.41', [l.node(2).ipv4]);
    expect(await asPath()).toBe(ours(3)); // the peer's defaults.prepend: 2
    expect(await birdc(bird.socket, 'show route 203.0.113.41/32 all')).toMatch(/BGP\.community: \(65000,1\) \(65000,7\)/);
    await ok(d, ['add-eip', '203.0.113.41', '--next-hop', l.node(2).ipv4, '--prepend', '0']);
    await waitFor(asPath, { what: 'BIRD to hold the path with our AS once', until: (p) => p === ours(1), timeoutMs: 10_000, intervalMs: 50 });
  });

  it('communities, large and extended communities, MED and local-pref reach BIRD as sent (iBGP)', async () => {
    const l = await newLab(2);
    const node = l.node(1);
    // iBGP (the router in our AS), the only kind of session that may carry LOCAL_PREF (RFC 4271 5.1.5).
    const bird = await router(l, { asn: NODE_ASN, peers: [routerPeer(node, 'node1', { gatewayDirect: true })] });
    const d = await startDaemon(l, node, [peerOf(l, { asn: NODE_ASN })]);
    await established(d);
    await ok(d, [
      'add-eip', '203.0.113.40',
      '--next-hop', l.node(2).ipv4,
      '--community', '65000:100', '--community', '65000:7',
      '--large-community', '65000:1:2',
      '--ext-community', 'rt:65000:100', '--ext-community', 'soo:192.0.2.1:5', '--ext-community', 'lb-nt:65000:1000', '--ext-community', 'rt:2001:db8::1:100',
      '--med', '50',
      '--local-pref', '200',
    ]);
    await l.waitForNextHops(l.router.ns, '203.0.113.40', [l.node(2).ipv4]);
    const route = await birdc(bird.socket, 'show route 203.0.113.40/32 all');
    expect(route).toMatch(/BGP\.origin: IGP/);
    expect(route).toMatch(/BGP\.as_path: *\n/); // iBGP: an empty AS path
    expect(route).toMatch(/BGP\.next_hop: 198\.51\.100\.12/);
    expect(route).toMatch(/BGP\.med: 50/);
    expect(route).toMatch(/BGP\.local_pref: 200/);
    expect(route).toMatch(/BGP\.community: \(65000,7\) \(65000,100\)/);
    expect(route).toMatch(/BGP\.large_community: \(65000, 1, 2\)/);
    // In the order of their octets; the link bandwidth (0x4004, 1000 bytes/s as a float: 0x447a0000)
    // is a kind BIRD names by its type; iBGP: a non-transitive one is sent too.
    expect(route).toMatch(/BGP\.ext_community: \(rt, 65000, 100\) \(ro, 192\.0\.2\.1, 5\) \([^,]*4004[^,]*, 65000, 1148846080\)/);
    // BIRD 2.0.12 keeps IPV6_EXTENDED_COMMUNITIES (type 25 = 0x19, RFC 5701) as a transitive attribute it does not read: its octets as sent.
    expect(route).toMatch(/BGP\.19 \[t\]: 00 02 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 00 64/);
  });
});
