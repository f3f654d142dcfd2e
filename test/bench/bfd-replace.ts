// Benchmark: does a big `announcer replace` hold up BFD, the BGP session or other API calls?
// One announcer daemon (the built CLI) in a node namespace, one BIRD 2 router with BFD on the
// session (`bfd on`, 100 ms x 3 unless told) and `add paths rx`. While `announcer replace --file`
// loads a large table (by default the central shape: 20,000 EIPs x 50 next hops = 1,000,000
// paths over one ADD-PATH session), a second client calls AddPath with one path every ~100 ms and
// records each call's latency. It prints, and asserts nothing:
//
//   replace time (the CLI's wall time; when the CLI's 30 s deadline cuts it short, the same
//   ReplacePaths call again through the client with a 15-minute deadline) and replace -> BIRD
//   holds every path
//   BFD flaps at the router (BIRD's log: "BFD session down", BFD Up -> Down) and on our side
//   whether the BGP session was reset (BIRD's Established time, our peer's `since`), why
//   how many paths BIRD holds at the end (`show route count`)
//   AddPath latency p50 / p99 / max during the replace
//   the daemon's announcer_event_loop_delay_seconds from /metrics when it has that metric ("n/a"
//   otherwise), and prom-client's own event-loop lag figures for the same window
//
//   npm run bench:bfd                                   (root; needs bird2 and iproute2; builds first)
//   npm run bench:bfd -- --paths 1000000 --next-hops 1  (1,000,000 /32s, one next hop each)
//   npm run bench:bfd -- --paths 200000 --bfd 300x3 --interval 50
//
// The table's /32s come from 198.18.0.0/15, or 100.64.0.0/10 above 131,072 EIPs: route entries
// inside BIRD only (no kernel protocol), never traffic. Next hops are 198.51.100.100 and up on the
// router's subnet (BIRD needs them directly connected, not alive). Everything runs in the lab's
// namespaces (src/lab/lab.ts) and is removed at the end, on failure and on Ctrl-C.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectClient, type ApiClient } from '../../src/client.js';
import { birdc, Lab, run, waitFor, type Bird } from '../../src/lab/index.js';
import { formatIPv4, hostAddress, rssMiB } from './side/prefixes.js';
import { removeLabOnSignal } from './teardown.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const CLIENT = new URL('../../dist/client.js', import.meta.url).href;
const ROUTER_ASN = 65001;
const NODE_ASN = 65000;
const METRICS = '127.0.0.1:9179';
/** The event-loop metric the daemon may export (a histogram); read when /metrics has it. */
const LOOP_METRIC = 'announcer_event_loop_delay_seconds';

const { values } = parseArgs({
  options: {
    paths: { type: 'string', default: '1000000' },
    'next-hops': { type: 'string', default: '50' },
    bfd: { type: 'string', default: '100x3' },
    interval: { type: 'string', default: '100' },
    'hold-time': { type: 'string', default: '90' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`npm run bench:bfd -- [--paths N] [--next-hops K] [--bfd MSxMULT] [--interval MS] [--hold-time S]
  --paths N        paths the replace loads (default 1,000,000)
  --next-hops K    next hops per EIP, 1..150 (default 50: central shape over ADD-PATH; 1: N /32s)
  --bfd MSxMULT    BFD interval (min rx = min tx) and multiplier on both sides (default 100x3)
  --interval MS    the AddPath prober's pace (default 100)
  --hold-time S    BGP hold time, both sides (default 90, so only BFD or the send hold timer can drop the session)`);
  process.exit(0);
}
const PATHS = Number(values.paths);
const NEXT_HOPS = Number(values['next-hops']);
const [BFD_MS, BFD_MULT] = (values.bfd ?? '').split('x').map(Number) as [number, number];
const INTERVAL_MS = Number(values.interval);
const HOLD_TIME = Number(values['hold-time']);
if (!Number.isInteger(PATHS) || PATHS < 1) throw new Error(`--paths: a positive integer: ${values.paths}`);
if (!Number.isInteger(NEXT_HOPS) || NEXT_HOPS < 1 || NEXT_HOPS > 150) throw new Error(`--next-hops: 1..150: ${values['next-hops']}`);
if (!Number.isInteger(BFD_MS) || BFD_MS < 10 || !Number.isInteger(BFD_MULT) || BFD_MULT < 1) throw new Error(`--bfd: like 100x3: ${values.bfd}`);
if (!Number.isFinite(INTERVAL_MS) || INTERVAL_MS < 1) throw new Error(`--interval: milliseconds: ${values.interval}`);
if (!Number.isInteger(HOLD_TIME) || HOLD_TIME < 3) throw new Error(`--hold-time: seconds, >= 3: ${values['hold-time']}`);
const EIPS = Math.ceil(PATHS / NEXT_HOPS);

/** BIRD 2 with one eBGP session to the node: BFD, ADD-PATH receive, import all, no kernel protocol. */
function birdConfig(routerId: string, neighbor: string): string {
  return `# BIRD 2 for test/bench/bfd-replace.ts: one eBGP session with BFD, import all, export none, no kernel.
log stderr all;
router id ${routerId};
timeformat protocol iso long ms;
timeformat base iso long ms;
timeformat log iso long ms;

protocol device {
}

# Logs each BFD session state change (Session to ... changed state from Up to Down).
protocol bfd {
  debug { events };
  interface "*" {
    min rx interval ${BFD_MS} ms;
    min tx interval ${BFD_MS} ms;
    multiplier ${BFD_MULT};
  };
}

protocol bgp node1 {
  # States and events: "BFD session down", each state change; never one line per route.
  debug { states, events };
  local ${routerId} as ${ROUTER_ASN};
  neighbor ${neighbor} as ${NODE_ASN};
  bfd on;
  hold time ${HOLD_TIME};
  connect delay time 1;
  connect retry time 1;
  error wait time 1, 5;
  ipv4 {
    import all;
    export none;
    add paths rx;
  };
}
`;
}

/** The table as `announcer replace --file` takes it (JSON is YAML): EIP-major, K next hops each. */
function pathFile(file: string, nodeIp: string): void {
  const hop = (j: number): string => (NEXT_HOPS === 1 ? nodeIp : `198.51.100.${100 + j}`);
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; i < EIPS && n < PATHS; i++) {
    const prefix = `${formatIPv4(hostAddress(i, EIPS))}/32`;
    for (let j = 0; j < NEXT_HOPS && n < PATHS; j++, n++) parts.push(`{"prefix":"${prefix}","nextHop":"${hop(j)}"}`);
  }
  writeFileSync(file, `[${parts.join(',\n')}]\n`);
}

/** The prober's prefixes: 203.0.113.0-15, one after another (few, so BIRD's count stays readable). */
const PROBES = 16;

/**
 * Routes BIRD holds (best or not: ADD-PATH keeps one per path), from `N of M routes for K networks
 * in table master4`: M for all of them, or N for those `where` selects (a filter walks the table).
 */
async function routeCount(bird: Bird, where = ''): Promise<number> {
  const out = await birdc(bird.socket, `show route count table master4 ${where}`, { timeoutMs: 30_000 });
  const m = /(\d+) of (\d+) routes/.exec(out);
  return m ? Number(where === '' ? m[2] : m[1]) : 0;
}

/** BIRD's `Since` for the session (when it last changed state) and its Info column. */
async function birdSession(bird: Bird): Promise<{ since: string; info: string }> {
  const line = (await birdc(bird.socket, 'show protocols node1')).split('\n').find((l) => l.startsWith('node1')) ?? '';
  // Name Proto Table State Since(date time.ms) Info
  const [, , , , date = '', time = '', ...info] = line.trim().split(/\s+/);
  return { since: `${date} ${time}`, info: info.join(' ') };
}

/**
 * The same ReplacePaths call as `announcer replace --file`, through the same client, but with a
 * deadline of 15 minutes instead of the CLI's 30 s: for when the CLI gives up first.
 */
function replaceThroughClient(socket: string, file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = [
    `import { readFileSync } from 'node:fs';`,
    `import { connectClient } from ${JSON.stringify(CLIENT)};`,
    `const c = connectClient(${JSON.stringify(`unix:${socket}`)}, { timeoutMs: 900000 });`,
    `const r = await c.replacePaths('bench', JSON.parse(readFileSync(${JSON.stringify(file)}, 'utf8')));`,
    `console.log(JSON.stringify({ added: r.added, removed: r.removed, updated: r.updated, unchanged: r.unchanged }));`,
    `c.close();`,
  ].join('\n');
  return run(process.execPath, ['--input-type=module', '-e', script], { timeoutMs: 900_000, allowFail: true });
}

/** The daemon's /metrics, fetched from inside its namespace. */
async function scrape(lab: Lab, ns: string): Promise<string> {
  const script = `fetch('http://${METRICS}/metrics').then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { console.error(String(e)); process.exit(1); })`;
  return (await lab.exec(ns, process.execPath, ['-e', script], { timeoutMs: 30_000 })).stdout;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** What /metrics says of the event loop: our own histogram if the daemon has it, and prom-client's lag gauges. */
function loopFigures(text: string): string[] {
  const lines = text.split('\n');
  const own = lines.filter((l) => l.startsWith(LOOP_METRIC));
  const out: string[] = [];
  if (own.length === 0) {
    out.push(`  ${LOOP_METRIC}                  n/a (not in /metrics)`);
  } else {
    const value = (suffix: string): number | undefined => {
      const l = own.find((x) => x.startsWith(`${LOOP_METRIC}${suffix} `) || x.startsWith(`${LOOP_METRIC}${suffix}{`));
      return l === undefined ? undefined : Number(l.trim().split(/\s+/).pop());
    };
    const count = value('_count');
    const sum = value('_sum');
    const max = value('_max');
    out.push(`  ${LOOP_METRIC}: count ${count ?? '?'}, mean ${count && sum !== undefined ? ((sum / count) * 1000).toFixed(1) : '?'} ms${max === undefined ? '' : `, max ${(max * 1000).toFixed(1)} ms`}`);
    // The histogram's buckets, cumulative, where they change.
    let last = -1;
    const buckets: string[] = [];
    for (const l of own.filter((x) => x.startsWith(`${LOOP_METRIC}_bucket`))) {
      const le = /le="([^"]+)"/.exec(l)?.[1];
      const n = Number(l.trim().split(/\s+/).pop());
      if (le !== undefined && n !== last) buckets.push(`<=${le}s: ${n}`);
      last = n;
    }
    if (buckets.length > 0) out.push(`    buckets (cumulative): ${buckets.join(', ')}`);
  }
  const lag = (name: string): string => {
    const l = lines.find((x) => x.startsWith(`announcer_nodejs_eventloop_lag_${name}_seconds `));
    return l === undefined ? '?' : `${(Number(l.trim().split(/\s+/).pop()) * 1000).toFixed(1)} ms`;
  };
  out.push(`  prom-client event-loop lag over the replace: p50 ${lag('p50')}, p99 ${lag('p99')}, max ${lag('max')}`);
  return out;
}

async function main(): Promise<void> {
  const lab = new Lab({ nodes: 1, prefix: 'annbfd' });
  let client: ApiClient | undefined;
  removeLabOnSignal(lab, () => client?.close());
  try {
    await lab.create();
    const node = lab.node(1);
    const socket = join(lab.dir, 'announcer.sock');
    const config = {
      asn: NODE_ASN,
      routerId: node.ipv4,
      nextHop: node.ipv4,
      api: { socket },
      logLevel: 'warn',
      metrics: { address: METRICS },
      peers: [
        {
          address: lab.router.ipv4,
          asn: ROUTER_ASN,
          holdTime: HOLD_TIME,
          connectRetry: 1,
          families: ['ipv4-unicast'],
          addPath: NEXT_HOPS > 1 ? 'send' : 'off',
          bfd: { minRx: BFD_MS, minTx: BFD_MS, multiplier: BFD_MULT },
        },
      ],
    };
    const configFile = join(lab.dir, 'announcer.yaml');
    writeFileSync(configFile, JSON.stringify(config));
    const daemon = lab.spawn(node.ns, process.execPath, [MAIN, 'daemon', '--config', configFile], { name: 'announcer' });
    const bird = await lab.startBird(lab.router.ns, birdConfig(lab.router.ipv4, node.ipv4), { name: 'router' });
    client = connectClient(`unix:${socket}`, { timeoutMs: 60_000 });
    const c = client;
    await waitFor(() => c.listPeers().catch(() => []), {
      what: `the session Established and BFD Up (daemon: ${daemon.tail(5)})`,
      until: (ps) => ps[0]?.state === 'Established' && ps[0].bfd?.state === 'Up',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await waitFor(() => birdc(bird.socket, 'show bfd sessions'), { what: "BIRD's BFD session Up", until: (t) => /\sUp\s/.test(t), timeoutMs: 15_000 });

    const file = join(lab.dir, 'paths.json');
    let t = performance.now();
    pathFile(file, node.ipv4);
    const fileMs = performance.now() - t;
    const shape = NEXT_HOPS === 1 ? `${PATHS.toLocaleString('en')} /32s, one next hop each` : `${EIPS.toLocaleString('en')} EIPs x ${NEXT_HOPS} next hops over ADD-PATH`;
    console.log(`announcer replace of ${PATHS.toLocaleString('en')} paths (${shape}) to BIRD 2, BFD ${BFD_MS} ms x ${BFD_MULT}, hold time ${HOLD_TIME} s`);
    console.log(`  (path file written in ${fileMs.toFixed(0)} ms)`);

    const peerBefore = (await c.listPeers())[0]!;
    const birdBefore = await birdSession(bird);
    const logFrom = bird.process.output().length;
    await scrape(lab, node.ns); // prom-client's lag figures start afresh at each scrape

    // The prober: one AddPath every INTERVAL_MS (sequential: a slow call delays the next one).
    const latencies: number[] = [];
    let failures = 0;
    let firstFailure: string | undefined;
    let probing = true;
    const prober = (async () => {
      for (let i = 0; probing; i++) {
        const start = performance.now();
        try {
          await c.addPaths([{ prefix: `203.0.113.${i % PROBES}/32`, nextHop: node.ipv4, owner: 'probe' }]);
          latencies.push(performance.now() - start);
        } catch (e) {
          failures++;
          firstFailure ??= e instanceof Error ? e.message : String(e);
        }
        const left = INTERVAL_MS - (performance.now() - start);
        if (left > 0) await new Promise((r) => setTimeout(r, left));
      }
    })();

    const clock = (): string => new Date().toISOString().slice(11, 23);
    const phases: string[] = [`replace started ${clock()}`];
    const daemonLogFrom = daemon.output().length;
    t = performance.now();
    const replace = await run(process.execPath, [MAIN, '--api', `unix:${socket}`, 'replace', '--owner', 'bench', '--file', file], { timeoutMs: 600_000, allowFail: true });
    const replaceMs = performance.now() - t;
    // The CLI's deadline is 30 s: past it the call is cancelled and nothing is applied (all or nothing).
    let fallback: { ms: number; code: number | null; out: string } | undefined;
    phases.push(`the CLI returned ${clock()}`);
    if (replace.code !== 0 && /did not answer in time/.test(replace.stderr)) {
      const t1 = performance.now();
      const r = await replaceThroughClient(socket, file);
      fallback = { ms: performance.now() - t1, code: r.code, out: (r.code === 0 ? r.stdout : r.stderr).trim().split('\n')[0] ?? '' };
      phases.push(`the client's call returned ${clock()}`);
    }
    let heldMs: number | undefined;
    try {
      // Unfiltered and every 500 ms: counting costs BIRD a walk of its table, which must not be what delays its BFD.
      await waitFor(() => routeCount(bird), {
        what: 'BIRD to hold every path',
        until: (n) => n >= PATHS + Math.min(latencies.length + failures, PROBES),
        timeoutMs: 600_000,
        intervalMs: 500,
      });
      heldMs = performance.now() - t;
      phases.push(`BIRD held every path ${clock()}`);
    } catch (e) {
      console.log(`  BIRD did not get every path: ${e instanceof Error ? e.message : String(e)}`);
    }
    // A little longer, so a flap that comes late (the daemon catching up) is seen too.
    await new Promise((r) => setTimeout(r, 2_000));
    probing = false;
    await prober;

    const metricsText = await scrape(lab, node.ns).catch((e: unknown) => `scrape failed: ${String(e)}`);
    const peerAfter = (await c.listPeers())[0]!;
    const birdAfter = await birdSession(bird);
    const held = await routeCount(bird, 'where net !~ 203.0.113.0/24');
    const log = bird.process.output().slice(logFrom);
    const bfdDownLines = log.split('\n').filter((l) => /BFD session down|changed state from Up to Down/.test(l));
    const bgpDown = log.split('\n').filter((l) => /node1: State changed to stop/.test(l));
    const daemonBfd = daemon
      .output()
      .slice(daemonLogFrom)
      .split('\n')
      .filter((l) => /BFD|send hold|hold timer/i.test(l));
    const bfdNow = (await birdc(bird.socket, 'show bfd sessions')).split('\n').filter((l) => /^\s*\d/.test(l)).map((l) => l.trim().replace(/\s+/g, ' '));

    const sorted = [...latencies].sort((a, b) => a - b);
    const ms = (x: number): string => `${x.toFixed(1)} ms`;
    console.log(`  replace (CLI wall time)                     ${(replaceMs / 1000).toFixed(2)} s  (exit ${replace.code}${replace.code === 0 ? '' : `: ${(replace.stderr || replace.stdout).trim().split('\n')[0]}`})`);
    if (fallback !== undefined) {
      console.log(`  replace again through the client, 15 min deadline  ${(fallback.ms / 1000).toFixed(2)} s  (exit ${fallback.code}: ${fallback.out})`);
    }
    console.log(`  replace -> BIRD holds every path            ${heldMs === undefined ? 'never' : `${(heldMs / 1000).toFixed(2)} s`} (from the CLI's start)`);
    console.log(`  paths BIRD holds at the end                 ${held.toLocaleString('en')} of ${PATHS.toLocaleString('en')} (and the prober's)`);
    console.log(`  BFD flaps at the router (BIRD's log)        ${bfdDownLines.length === 0 ? 0 : `${bfdDownLines.length}:`}`);
    for (const l of bfdDownLines.slice(0, 6)) console.log(`    ${l.trim()}`);
    console.log(`  BFD at the router now                       ${bfdNow.join('; ') || '(no session)'}`);
    console.log(`  BFD flaps on our side                       ${(peerAfter.bfd?.flaps ?? 0) - (peerBefore.bfd?.flaps ?? 0)} (now ${peerAfter.bfd?.state ?? '?'})`);
    for (const l of daemonBfd.slice(0, 4)) console.log(`    daemon: ${l.trim().slice(0, 220)}`);
    console.log(`  when                                        ${phases.join('; ')}`);
    const reset = birdAfter.since !== birdBefore.since || peerAfter.since !== peerBefore.since || bgpDown.length > 0;
    console.log(`  BGP session reset                           ${reset ? `yes (BIRD: ${bgpDown.length} session stops; now ${birdAfter.info || '?'}; our last error: ${peerAfter.lastError ?? 'none'})` : 'no'}`);
    console.log(`  AddPath every ${INTERVAL_MS} ms during the replace     ${latencies.length} calls${failures > 0 ? `, ${failures} failed (${firstFailure})` : ''}`);
    console.log(`    latency p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted.at(-1) ?? NaN)}`);
    for (const l of loopFigures(metricsText)) console.log(l);
    console.log(`  daemon RSS at the end                       ${rssMiB(daemon.pid).toFixed(0)} MiB`);
  } finally {
    client?.close();
    await lab.destroy();
  }
}

await main();
