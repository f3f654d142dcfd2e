// Benchmark: a router that stops reading, next to one that reads, at table scale. One announcer
// daemon in a namespace has two peers: BIRD 2 (import all, no kernel) and the stuck router of
// test/integration/stuck-peer-helper.ts (completes OPEN, then never reads). The table goes in with
// `announcer replace --file` once the stuck session is up. Reported: how long until BIRD holds
// everything, the daemon's RSS while the stuck peer holds its session, what the stuck peer was
// written, and when the send hold timer drops it. Only prints; asserts nothing.
//
//   npm run bench:stuck                 (root; 1,000,000 paths, send hold time 30 s)
//   npm run bench:stuck -- 200000 10    (N, send hold time in seconds)

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { connectClient, type PeerStatus } from '../../src/client.js';
import { Lab, run, waitFor } from '../../src/lab/index.js';
import { benchBirdConfig, BirdControl, PROTOCOL } from './side/bird.js';
import { prefixes } from './side/prefixes.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const HELPER = fileURLToPath(new URL('../integration/stuck-peer-helper.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx');
const N = Number(process.argv[2] ?? 1_000_000);
const SEND_HOLD = Number(process.argv[3] ?? 30);

async function imported(ctl: BirdControl): Promise<number> {
  return Number(/Routes:\s+(\d+) imported/.exec(await ctl.command(`show protocols all ${PROTOCOL}`))?.[1] ?? 0);
}

function memory(pid: number): { rss: number; peak: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (f: string): number => Number(new RegExp(`${f}:\\s+(\\d+) kB`).exec(s)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root: the bench creates network namespaces');
  const lab = await new Lab({ nodes: 2, prefix: 'annstk' }).create();
  try {
    const node = lab.node(1);
    const stuckNode = lab.node(2);
    const bird = await lab.startBird(
      lab.router.ns,
      benchBirdConfig({ routerId: lab.router.ipv4, routerAsn: 65001, neighbor: node.ipv4, neighborAsn: 65000 }),
      { name: 'router' },
    );
    const ctl = await BirdControl.connect(bird.socket);
    const socket = join(lab.dir, 'announcer.sock');
    const config = {
      asn: 65000,
      routerId: node.ipv4,
      nextHop: 'self',
      api: { socket },
      logLevel: 'warn',
      listen: { address: node.ipv4, port: 179 },
      peers: [
        { name: 'bird', address: lab.router.ipv4, asn: 65001, passive: true, families: ['ipv4-unicast'] },
        { name: 'stuck', address: stuckNode.ipv4, asn: 65002, holdTime: 0, sendHoldTime: SEND_HOLD, connectRetry: 1, families: ['ipv4-unicast'] },
      ],
    };
    const file = join(lab.dir, 'announcer.yaml');
    writeFileSync(file, stringify(config));
    const daemon = lab.spawn(node.ns, process.execPath, [MAIN, 'daemon', '--config', file], { name: 'announcer' });
    const client = connectClient(`unix:${socket}`, { timeoutMs: 600_000 });
    const peers = async (): Promise<Record<'bird' | 'stuck', PeerStatus>> => {
      const all = await client.listPeers();
      return { bird: all.find((p) => p.address === lab.router.ipv4)!, stuck: all.find((p) => p.address === stuckNode.ipv4)! };
    };
    const helper = lab.spawn(stuckNode.ns, process.execPath, ['--import', TSX_LOADER, HELPER, stuckNode.ipv4, '65002'], { name: 'stuck-peer' });
    await waitFor(() => peers(), { what: 'both sessions Established', until: (p) => p.bird.state === 'Established' && p.stuck.state === 'Established', timeoutMs: 30_000 });
    const stuckSince = Date.now();
    const idle = memory(daemon.pid);

    const json = join(lab.dir, 'paths.json');
    writeFileSync(json, JSON.stringify(prefixes(N).map((prefix) => ({ prefix }))));
    const t0 = performance.now();
    const r = await run(process.execPath, [MAIN, '--api', `unix:${socket}`, 'replace', '--owner', 'bench', '--file', json], { timeoutMs: 600_000 });
    const replaceMs = performance.now() - t0;
    await waitFor(() => imported(ctl), { what: `${N} routes in BIRD`, until: (n) => n >= N, timeoutMs: 600_000, intervalMs: 20 });
    const birdMs = performance.now() - t0;
    const p = await peers();
    const loaded = memory(daemon.pid);
    console.log(`announcer replace: ${r.stdout.trim()} in ${replaceMs.toFixed(0)} ms; BIRD holds all ${N} after ${birdMs.toFixed(0)} ms`);
    console.log(`stuck peer ${p.stuck.state}, written ${p.stuck.prefixesSent} of ${N} paths; BIRD peer written ${p.bird.prefixesSent}`);
    console.log(`daemon RSS idle ${idle.rss.toFixed(0)} MiB, with the table and the stuck peer ${loaded.rss.toFixed(0)} MiB (peak ${loaded.peak.toFixed(0)} MiB)`);

    const dropped = await waitFor(() => peers(), {
      what: 'the send hold timer to drop the stuck peer',
      until: (x) => x.stuck.state !== 'Established',
      timeoutMs: (SEND_HOLD + 60) * 1000,
      intervalMs: 200,
    });
    const after = memory(daemon.pid);
    console.log(`stuck peer dropped ${((Date.now() - stuckSince) / 1000).toFixed(1)} s after it came up: ${dropped.stuck.lastError}`);
    console.log(`BIRD peer ${dropped.bird.state}, ${dropped.bird.prefixesSent} paths; BIRD imported ${await imported(ctl)}; daemon RSS ${after.rss.toFixed(0)} MiB`);
    console.log(`\n| N | replace --file | BIRD holds all | stuck peer written | RSS idle | RSS loaded, stuck | RSS peak | dropped after |`);
    console.log(`|---:|---:|---:|---:|---:|---:|---:|---:|`);
    console.log(
      `| ${N.toLocaleString('en-US')} | ${(replaceMs / 1000).toFixed(2)} s | ${(birdMs / 1000).toFixed(2)} s | ${p.stuck.prefixesSent.toLocaleString('en-US')} | ` +
        `${idle.rss.toFixed(0)} MiB | ${loaded.rss.toFixed(0)} MiB | ${loaded.peak.toFixed(0)} MiB | ${((Date.now() - stuckSince) / 1000).toFixed(0)} s (send hold ${SEND_HOLD} s) |`,
    );
    ctl.close();
    client.close();
    helper.child.kill('SIGKILL');
  } finally {
    await lab.destroy();
  }
}

await main();
