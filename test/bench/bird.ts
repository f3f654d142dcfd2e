// Benchmark: announce 100,000 /32 paths to a real BIRD 2 router in a network namespace and measure
// how long BIRD takes to hold them all, from the moment the session is Established, and the
// daemon's resident memory then. Two runs: the table loaded before the session comes up (initial
// table), and the table added through the API on a live session.
//
//   npm run bench:bird            (root; needs bird2 and iproute2; builds first)
//   npm run bench:bird -- 1000000 (another table size)

import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { connectClient } from '../../src/client.js';
import { birdc, Lab, routerConfig, waitFor } from '../integration/lab.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const COUNT = Number(process.argv[2] ?? 100_000);

/** /32s of 198.18.0.0/15 (RFC 2544 benchmarking, 131,072 of them); larger tables: /128s of 2001:db8::/32. */
function prefixes(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(n <= 131_072 ? `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32` : `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/128`);
  }
  return out;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function routeCount(sock: string, v6: boolean): Promise<number> {
  const out = await birdc(sock, `show route count table ${v6 ? 'master6' : 'master4'}`);
  const m = /(\d+) of (\d+) routes/.exec(out);
  return m ? Number(m[1]) : 0;
}

async function main(): Promise<void> {
  const v6 = COUNT > 131_072;
  const lab = await new Lab({ nodes: 1, prefix: 'annb' }).create();
  try {
    const node = lab.node(1);
    const socket = join(lab.dir, 'announcer.sock');
    const config = {
      asn: 65000,
      routerId: node.ipv4,
      nextHop: v6 ? node.ipv6 : node.ipv4,
      api: { socket },
      logLevel: 'warn',
      peers: [{ address: lab.router.ipv4, asn: 65001, holdTime: 90, connectRetry: 1, families: [v6 ? 'ipv6-unicast' : 'ipv4-unicast'] }],
    };
    const file = join(lab.dir, 'announcer.yaml');
    await writeFile(file, stringify(config));
    const daemon = lab.spawn(node.ns, process.execPath, [MAIN, 'daemon', '--config', file], { name: 'announcer' });
    const client = connectClient(`unix:${socket}`, { timeoutMs: 120_000 });
    await waitFor(() => client.listPeers().then(() => true, () => false), { what: 'the API', until: (x) => x, timeoutMs: 10_000 });
    const table = prefixes(COUNT).map((prefix) => ({ prefix }));
    const routerText = routerConfig({
      routerId: lab.router.ipv4,
      asn: 65001,
      peers: [{ name: 'node1', address: node.ipv4, asn: 65000 }],
      holdTime: 90,
    });
    const count = (sock: string) => routeCount(sock, v6);

    // 1. Live session, empty table: one AddPath call with the whole table.
    let bird = await lab.startBird(lab.router.ns, routerText, { name: 'router' });
    await waitFor(() => client.listPeers(), { what: 'Established', until: (p) => p[0]?.state === 'Established', timeoutMs: 30_000, intervalMs: 10 });
    let t = performance.now();
    await client.addPaths(table);
    const apiMs = performance.now() - t;
    await waitFor(() => count(bird.socket), { what: `${COUNT} routes in BIRD`, until: (n) => n >= COUNT, timeoutMs: 600_000, intervalMs: 20 });
    const liveMs = performance.now() - t;
    const rssLive = rssMiB(daemon.pid);

    // 2. The router restarts: from Established until BIRD holds the whole table again.
    const updatesBefore = (await client.listPeers())[0]!.updatesSent;
    await lab.stopBird(bird);
    bird = await lab.startBird(lab.router.ns, routerText, { name: 'router' });
    await waitFor(() => client.listPeers(), { what: 'Established again', until: (p) => p[0]?.state === 'Established', timeoutMs: 60_000, intervalMs: 10 });
    const peer0 = (await client.listPeers())[0]!;
    await waitFor(() => count(bird.socket), { what: `${COUNT} routes in BIRD again`, until: (n) => n >= COUNT, timeoutMs: 600_000, intervalMs: 20 });
    const initialMs = Date.now() - peer0.since;
    const rssInitial = rssMiB(daemon.pid);
    const peer = (await client.listPeers())[0]!;

    console.log(`announcer -> BIRD 2 in a network namespace, ${COUNT} ${v6 ? 'IPv6 /128' : 'IPv4 /32'} paths (one per prefix)`);
    console.log(`  live session: AddPath call (whole table) returned   ${apiMs.toFixed(0)} ms`);
    console.log(`  live session: AddPath -> BIRD holds all              ${liveMs.toFixed(0)} ms`);
    console.log(`  initial table: Established -> BIRD holds all         ${initialMs} ms`);
    console.log(`  UPDATEs for the initial table (+ End-of-RIB)        ${peer.updatesSent - updatesBefore}`);
    console.log(`  daemon RSS with the table, after the live run        ${rssLive.toFixed(0)} MiB`);
    console.log(`  daemon RSS once BIRD holds the initial table         ${rssInitial.toFixed(0)} MiB`);
    client.close();
  } finally {
    await lab.destroy();
  }
}

await main();
