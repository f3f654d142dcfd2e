// The lab harness and the router configs, proven with real BIRD 2 in network namespaces:
// per-node ECMP over IPv4 and IPv6, central ADD-PATH, a cut link, restarts, and a clean teardown.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CENTRAL_EXAMPLE,
  Lab,
  PER_NODE_EXAMPLE,
  birdProtocols,
  birdc,
  checkBirdConfig,
  compareAddresses,
  routerConfig,
  run,
  speakerConfig,
  waitFor,
  waitForEstablished,
  type Bird,
} from './lab.js';

const CONFIG_DIR = fileURLToPath(new URL('../../bird-configs/', import.meta.url));

describe('router configs', () => {
  it('bird-configs/*.conf are routerConfig() of the examples, and BIRD 2 parses them', async () => {
    for (const [file, options] of [
      ['router.conf', PER_NODE_EXAMPLE],
      ['router-central.conf', CENTRAL_EXAMPLE],
    ] as const) {
      const committed = readFileSync(`${CONFIG_DIR}${file}`, 'utf8');
      expect(committed, `${file} differs from routerConfig(); regenerate it`).toBe(routerConfig(options));
      await checkBirdConfig(committed);
    }
  });

  it('rejects bad options naming the field', () => {
    expect(() => routerConfig({ ...PER_NODE_EXAMPLE, holdTime: 2 })).toThrow(/^holdTime:/);
    const peer = { name: 'node-1', address: '198.51.100.11', asn: 65000 };
    expect(() => routerConfig({ ...PER_NODE_EXAMPLE, peers: [peer] })).toThrow(/^peers\[0\]\.name:/);
    const badAddress = { ...peer, name: 'n1', address: '198.51.100.311' };
    expect(() => routerConfig({ ...PER_NODE_EXAMPLE, peers: [badAddress] })).toThrow(/^peers\[0\]\.address:/);
  });

  it('puts per-peer port, passive and ADD-PATH mode into the session, and BIRD accepts every option', async () => {
    const text = routerConfig({
      routerId: '198.51.100.1',
      asn: 65001,
      holdTime: 3,
      keepaliveTime: 1,
      localPort: 1179,
      families: ['ipv4'],
      debug: true,
      peers: [{ name: 'a', address: '198.51.100.2', asn: 4200000000, port: 17900, passive: true, addPaths: 'off' }],
    });
    expect(text).toContain('neighbor 198.51.100.2 port 17900 as 4200000000;');
    expect(text).toContain('passive on;');
    expect(text).toContain('ipv4 { add paths off; };');
    expect(text).toContain('local port 1179 as 65001;');
    expect(text).not.toContain('ipv6');
    await checkBirdConfig(text);
  });
});

describe('helpers', () => {
  it('compareAddresses sorts numerically, IPv4 before IPv6', () => {
    const sorted = ['2001:db8:100::a', '198.51.100.11', '2001:db8:100::9', '198.51.100.9'].sort(compareAddresses);
    expect(sorted).toEqual(['198.51.100.9', '198.51.100.11', '2001:db8:100::9', '2001:db8:100::a']);
  });

  it('says on timeout what it waited for and what it saw last', async () => {
    let n = 0;
    await expect(
      waitFor(() => ++n, { what: 'the counter to reach 1000', timeoutMs: 150, intervalMs: 10, until: (v) => v > 999 }),
    ).rejects.toThrow(/timed out after 150 ms waiting for the counter to reach 1000; last observed: \d+$/);
    await expect(
      waitFor(
        () => {
          throw new Error('no socket');
        },
        { what: 'a socket', timeoutMs: 50, intervalMs: 10 },
      ),
    ).rejects.toThrow(/waiting for a socket; last observed: error: no socket/);
  });
});

// Three nodes announce the same EIPs, each with its own address as next hop (per-node shape), and
// a fourth namespace runs a central speaker announcing one path per node over ADD-PATH.
const EIP4 = '203.0.113.10';
const EIP6 = '2001:db8:e1::10';
const CENTRAL_EIP4 = '203.0.113.20';
const CENTRAL_EIP6 = '2001:db8:e1::20';
const HOLD_TIME = 3;
const NODE_SESSIONS = ['node1', 'node1_v6', 'node2', 'node2_v6', 'node3', 'node3_v6'];

describe('lab with real BIRD 2', () => {
  const lab = new Lab({ nodes: 4 });
  const [n1, n2, n3, central] = [lab.node(1), lab.node(2), lab.node(3), lab.node(4)];
  const R = lab.router.ns;
  const v4 = [n1.ipv4, n2.ipv4, n3.ipv4];
  const v6 = [n1.ipv6, n2.ipv6, n3.ipv6];
  let router: Bird;
  let speakers: Bird[] = [];

  beforeAll(async () => {
    await lab.create();
    const routerText = routerConfig({
      ...PER_NODE_EXAMPLE, // the committed router.conf's sessions: the lab's nodes 1-3 have its addresses
      header: 'lab router: router.conf with a short hold time and a central announcer session',
      holdTime: HOLD_TIME,
      peers: [...PER_NODE_EXAMPLE.peers, { ...CENTRAL_EXAMPLE.peers[0]!, address: central.ipv4 }],
    });
    const nodeText = (routerId: string): string =>
      speakerConfig({
        routerId,
        asn: 65000,
        holdTime: HOLD_TIME,
        peers: [
          { name: 'up4', address: lab.router.ipv4, asn: 65001 },
          { name: 'up6', address: lab.router.ipv6, asn: 65001 },
        ],
        routes: [{ prefix: EIP4 }, { prefix: EIP6 }],
      });
    const centralText = speakerConfig({
      routerId: central.ipv4,
      asn: 65000,
      holdTime: HOLD_TIME,
      addPathsTx: true,
      nextHopKeep: true,
      // Passive on 17900: the session comes up only if the router dials the configured port.
      peers: [
        { name: 'up', address: lab.router.ipv4, asn: 65001, localPort: 17900, passive: true, families: ['ipv4', 'ipv6'] },
      ],
      routes: [
        ...v4.map((via) => ({ prefix: CENTRAL_EIP4, via })),
        ...v6.map((via) => ({ prefix: CENTRAL_EIP6, via })),
      ],
    });
    [router, ...speakers] = await Promise.all([
      lab.startBird(R, routerText, { name: 'router' }),
      lab.startBird(n1.ns, nodeText(n1.ipv4)),
      lab.startBird(n2.ns, nodeText(n2.ipv4)),
      lab.startBird(n3.ns, nodeText(n3.ipv4)),
      lab.startBird(central.ns, centralText, { name: 'central' }),
    ]);
  }, 30_000);

  afterAll(async () => {
    await lab.destroy();
  }, 20_000);

  /** The router's BIRD output, appended to failures that involve the router. */
  const routerLog = (): string => `\nrouter bird output:\n${router.process.tail()}`;

  it('builds a router and nodes on one L2 segment', async () => {
    expect([...v4, n1.ipv6]).toEqual(['198.51.100.11', '198.51.100.12', '198.51.100.13', '2001:db8:100::11']);
    const { stdout: list } = await run('ip', ['netns', 'list']);
    for (const ns of [R, n1.ns, n2.ns, n3.ns, central.ns]) expect(list).toContain(ns);

    const addrs = async (ns: string, dev: string): Promise<string[]> => {
      const { stdout } = await lab.exec(ns, 'ip', ['-j', 'addr', 'show', 'dev', dev]);
      const [link] = JSON.parse(stdout) as { addr_info: { local: string; prefixlen: number; scope: string }[] }[];
      return (link?.addr_info ?? []).filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`);
    };
    expect(await addrs(R, 'br0')).toEqual(['198.51.100.1/24', '2001:db8:100::1/64']);
    expect(await addrs(n2.ns, 'eth0')).toEqual(['198.51.100.12/24', '2001:db8:100::12/64']);
    for (const ns of [R, n1.ns]) {
      const { stdout } = await lab.exec(ns, 'ip', ['-j', 'link', 'show', 'lo']);
      expect((JSON.parse(stdout) as { flags: string[] }[])[0]?.flags).toContain('UP');
    }
    const { stdout: hash } = await lab.exec(R, 'sysctl', ['-n', 'net.ipv4.fib_multipath_hash_policy']);
    expect(hash.trim()).toBe('1');
    expect(await lab.routeNextHops(R, '203.0.113.99')).toEqual([]);
    expect(await lab.routeNextHops(R, '2001:db8:e1::99')).toEqual([]);
    // Commands only run in the lab's own namespaces.
    expect(() => lab.spawn('some-other-ns', 'true')).toThrow(/not a namespace of lab/);
  });

  it("startBird fails with BIRD's own message when the config is bad", async () => {
    const broken = lab.startBird(n1.ns, 'protocol bgp {\n', { name: 'broken' });
    await expect(broken).rejects.toThrow(/exited.*\n.*syntax error/s);
  });

  it('per-node: one eBGP session per node and family, merged into one IPv4 ECMP route', async () => {
    await waitForEstablished(router.socket, NODE_SESSIONS).catch((e: Error) => {
      throw new Error(e.message + routerLog());
    });
    expect(await lab.waitForNextHops(R, EIP4, v4)).toEqual(v4);
    // BIRD holds three paths, one per session; the kernel protocol merged them.
    const table = await birdc(router.socket, `show route ${EIP4}/32`);
    expect(table.match(/unicast \[node\d /g)).toHaveLength(3);
    // The nodes import nothing.
    expect(await lab.routeNextHops(n1.ns, EIP4)).toEqual([]);
  });

  it('per-node: the same for an IPv6 /128 over IPv6 sessions', async () => {
    expect(await lab.waitForNextHops(R, EIP6, v6)).toEqual(v6);
    const table = await birdc(router.socket, `show route ${EIP6}/128`);
    expect(table.match(/unicast \[node\d_v6 /g)).toHaveLength(3);
  });

  it('central: one ADD-PATH session carries a path per node for IPv4 and IPv6, merged into ECMP', async () => {
    await waitForEstablished(router.socket, ['announcer']);
    expect(await lab.waitForNextHops(R, CENTRAL_EIP4, v4)).toEqual(v4);
    expect(await lab.waitForNextHops(R, CENTRAL_EIP6, v6)).toEqual(v6);
    const table = await birdc(router.socket, `show route ${CENTRAL_EIP4}/32`);
    expect(table.match(/unicast \[announcer /g)).toHaveLength(3);
  });

  it("a cut link drops the node's paths when the hold timer expires, and they return with the link", async () => {
    const started = Date.now();
    await lab.linkDown(n3);
    await lab.waitForNextHops(R, EIP4, [n1.ipv4, n2.ipv4], { timeoutMs: (HOLD_TIME + 3) * 1000 });
    await lab.waitForNextHops(R, EIP6, [n1.ipv6, n2.ipv6], { timeoutMs: 3000 });
    expect(Date.now() - started).toBeLessThan((HOLD_TIME + 2) * 1000);
    const node3 = (await birdProtocols(router.socket)).find((p) => p.name === 'node3');
    expect(node3?.info).toMatch(/Hold timer expired/);
    // The central speaker's paths stay: the router only checks that 198.51.100.13 is on a
    // connected subnet. Withdrawing a dead node's path is the central announcer's job.
    expect(await lab.routeNextHops(R, CENTRAL_EIP4)).toEqual(v4);

    await lab.linkUp(n3);
    await lab.waitForNextHops(R, EIP4, v4, { timeoutMs: 15_000 });
    await lab.waitForNextHops(R, EIP6, v6, { timeoutMs: 5_000 });
  }, 30_000);

  it('a node BIRD that shuts down is withdrawn at once (Cease), and is back after restartBird', async () => {
    const node2 = speakers[1]!;
    const started = Date.now();
    await lab.stopBird(node2);
    await lab.waitForNextHops(R, EIP4, [n1.ipv4, n3.ipv4], { timeoutMs: 2000 });
    expect(Date.now() - started).toBeLessThan(HOLD_TIME * 1000); // not the hold timer
    const info = (await birdProtocols(router.socket)).find((p) => p.name === 'node2')?.info;
    expect(info).toMatch(/Administrative shutdown/);

    await lab.restartBird(node2);
    await lab.waitForNextHops(R, EIP4, v4);
    await lab.waitForNextHops(R, EIP6, v6);
  });

  it('the router BIRD removes its kernel routes when it stops, and restartBird brings them back', async () => {
    const firstPid = router.process.pid;
    await lab.stopBird(router);
    expect(await lab.routeNextHops(R, EIP4)).toEqual([]);
    expect(await lab.routeNextHops(R, CENTRAL_EIP6)).toEqual([]);
    await lab.restartBird(router);
    expect(router.process.pid).not.toBe(firstPid);
    await lab.waitForNextHops(R, EIP4, v4);
    await lab.waitForNextHops(R, CENTRAL_EIP6, v6);
  });

  it('destroy() removes every namespace, process and file, and a second call is harmless', async () => {
    const namespaces = lab.namespaces;
    const processes = lab.processes;
    expect(namespaces).toHaveLength(5);
    expect(processes.filter((p) => p.running)).toHaveLength(5);
    await lab.destroy();
    await lab.destroy();

    const { stdout: list } = await run('ip', ['netns', 'list']);
    for (const ns of namespaces) expect(list).not.toContain(ns);
    expect(lab.namespaces).toEqual([]);
    for (const p of processes) {
      expect(p.running).toBe(false);
      expect(() => process.kill(p.pid, 0), `pid ${p.pid} (${p.name}) still exists`).toThrow(/ESRCH/);
    }
    expect(existsSync(lab.dir)).toBe(false);
  });
});
