// Benchmark (issue 31): do health checks keep their promise during an outage? One central announcer
// daemon (the built CLI) in a node namespace announces one EIP with K next hops, all checked by
// `http://{nextHop}:8080/healthz` (interval 1 s, timeout 500 ms, fall 2, rise 2). K-1 next hops are
// dead in the worst way: addresses on the node's own link that nobody owns, so neighbour discovery
// gets no answer and every probe hangs until its timeout. One answers: a web server in the second
// node's namespace. Once every target has its verdict, that web server is killed and the bench times
// how long until the daemon marks it down (the `at` of its health event in WatchEvents, against the
// moment of the kill), several times per row. The bound is fall x interval + timeout + 0.3 s.
//
// Then the cost: 1,000 targets probed every second, 500 answering (the second node's web server on
// 500 addresses) and 500 timing out; the daemon's CPU (from /proc/PID/stat) and memory over a window,
// against the same daemon idle, with its event-loop delay and probe lag from /metrics.
//
//   npm run bench:health                           (root; rows K = 10, 200, 1000, 5 runs each, then the cost)
//   npm run bench:health -- --rows 1000 --runs 10 --no-cost
//   npm run bench:health -- --cli /tmp/old/dist/cli/main.js   (another build, e.g. to compare with a release)
//   npm run bench:health -- --ipv4 --rows 10,200               (IPv4 next hops: at most 405 dead; no cost run)
//
// Addresses: IPv6 by default, since 999 dead IPv4 next hops do not fit in the documentation ranges
// (three /24s): the EIP 2001:db8:203::10/128, the nodes 2001:db8:100::11 and ::12 (the lab's), dead
// next hops 2001:db8:100::d:0 and up, live extra addresses 2001:db8:100::a:0 and up. With --ipv4:
// the EIP 192.0.2.10/32, dead next hops 198.51.100.100-254, then 203.0.113.1-250 (node1 gets
// 203.0.113.254/24 so they are on its link), and no cost run. Everything runs in the lab's namespaces (src/lab/lab.ts)
// and is removed at the end, on failure and on Ctrl-C. Prints; exits 1 when a row misses the bound.

import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { connectClient, type ApiClient, type HealthCheckDetail, type SpeakerEvent } from '../../src/client.js';
import { Lab, sleep, waitFor, type LabNode, type LabProcess } from '../../src/lab/index.js';
import { removeLabOnSignal } from './teardown.js';

const HTTP_SERVER = fileURLToPath(new URL('../../dist/demo/http-server.js', import.meta.url));
const PORT = 8080;
const INTERVAL_MS = 1000;
const TIMEOUT_MS = 500;
const FALL = 2;
const RISE = 2;
const BOUND_MS = FALL * INTERVAL_MS + TIMEOUT_MS + 300;
const METRICS = '127.0.0.1:9179';
const CLK_TCK = 100;

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10,200,1000' },
    runs: { type: 'string', default: '5' },
    'cost-targets': { type: 'string', default: '1000' },
    'cost-seconds': { type: 'string', default: '30' },
    'no-cost': { type: 'boolean', default: false },
    ipv4: { type: 'boolean', default: false },
    cli: { type: 'string', default: fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)) },
    'node-arg': { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`npm run bench:health -- [--rows K,K,...] [--runs N] [--cost-targets N] [--cost-seconds S] [--no-cost] [--ipv4] [--cli MAIN.JS]
  --rows           next hops of the EIP per row, one of them alive (default 10,200,1000)
  --runs           times the live web server is killed per row (default 5)
  --cost-targets   targets in the cost run, half answering and half timing out (default 1000)
  --cost-seconds   the cost run's measuring window (default 30)
  --ipv4           IPv4 next hops (at most 405 dead; no cost run) instead of IPv6
  --cli            the announcer CLI to run (default: this checkout's dist/cli/main.js)
  --node-arg ARG   an option for the daemon's node, e.g. --node-arg=--cpu-prof (repeatable)`);
  process.exit(0);
}
const ROWS = (values.rows ?? '').split(',').map(Number);
const RUNS = Number(values.runs);
const COST_TARGETS = Number(values['cost-targets']);
const COST_SECONDS = Number(values['cost-seconds']);
const IPV4 = values.ipv4 === true;
const MAIN = values.cli!;
const MAX_DEAD = IPV4 ? 155 + 250 : 0xffff;
if (ROWS.some((k) => !Number.isInteger(k) || k < 1 || k - 1 > MAX_DEAD)) throw new Error(`--rows: integers 1..${MAX_DEAD + 1}: ${values.rows}`);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs: a positive integer: ${values.runs}`);
if (!Number.isInteger(COST_TARGETS) || COST_TARGETS < 2 || COST_TARGETS % 2 !== 0 || COST_TARGETS / 2 > 0xffff) throw new Error(`--cost-targets: an even number, 2..${2 * 0xffff}: ${values['cost-targets']}`);
if (!Number.isFinite(COST_SECONDS) || COST_SECONDS < 1) throw new Error(`--cost-seconds: seconds: ${values['cost-seconds']}`);

const EIP = IPV4 ? '192.0.2.10' : '2001:db8:203::10';
const PREFIX_LEN = IPV4 ? 24 : 64;

/** The i-th dead next hop: on node1's link, owned by nobody. */
function deadHop(i: number): string {
  if (!IPV4) return `2001:db8:100::d:${i.toString(16)}`;
  return i < 155 ? `198.51.100.${100 + i}` : `203.0.113.${i - 155 + 1}`;
}

/** The live node's own address (i = 0), or its i-th extra one (the cost run's answering targets; IPv6 only). */
function liveHop(node: LabNode, i: number): string {
  if (i === 0) return IPV4 ? node.ipv4 : node.ipv6;
  return `2001:db8:100::a:${i.toString(16)}`;
}

function url(hop: string): string {
  return `http://${hop.includes(':') ? `[${hop}]` : hop}:${PORT}/healthz`;
}

/** CPU seconds (user + system) and memory of a process, from /proc. */
function usage(pid: number): { cpu: number; rssMiB: number; peakMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (f: string): number => Number(new RegExp(`${f}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  // Fields 14 and 15 of stat (utime, stime), counted from after the command name's parenthesis.
  return { cpu: (Number(fields[11]) + Number(fields[12])) / CLK_TCK, rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** The daemon's CPU use (% of one core) and memory over `seconds`. */
async function measure(pid: number, seconds: number): Promise<{ cpuPercent: number; rssMiB: number; peakMiB: number }> {
  const a = usage(pid);
  const t = performance.now();
  await sleep(seconds * 1000);
  const b = usage(pid);
  return { cpuPercent: (100 * (b.cpu - a.cpu)) / ((performance.now() - t) / 1000), rssMiB: b.rssMiB, peakMiB: b.peakMiB };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface Daemon {
  readonly proc: LabProcess;
  readonly client: ApiClient;
}

class Bench {
  private web: LabProcess | null = null;
  private daemons = 0;

  constructor(private readonly lab: Lab) {}

  get node1(): LabNode {
    return this.lab.node(1);
  }

  get node2(): LabNode {
    return this.lab.node(2);
  }

  async setUp(): Promise<void> {
    if (IPV4) await this.lab.exec(this.node1.ns, 'ip', ['addr', 'add', '203.0.113.254/24', 'dev', this.node1.ifname]);
  }

  /** Gives node2 the cost run's extra addresses (one `ip -batch` for all). */
  async addLiveAddresses(n: number): Promise<void> {
    const file = join(this.lab.dir, 'live-addresses.batch');
    const lines = Array.from({ length: n }, (_, i) => `addr add ${liveHop(this.node2, i + 1)}/${PREFIX_LEN} dev ${this.node2.ifname}${IPV4 ? '' : ' nodad'}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    await this.lab.exec(this.node2.ns, 'ip', ['-batch', file]);
  }

  async startWeb(): Promise<void> {
    const proc = this.lab.spawn(this.node2.ns, process.execPath, [HTTP_SERVER, '--name', 'web', '--address', '::', '--port', String(PORT), '--lab', this.lab.id], { name: 'web' });
    this.web = proc;
    await waitFor(() => (proc.running ? proc.output() : Promise.reject(new Error(`web server exited: ${proc.tail(5)}`))), {
      what: 'the web server to listen',
      until: (out) => out.includes('listening on'),
      timeoutMs: 10_000,
      intervalMs: 20,
    });
  }

  /** Kills the web server at once (the kernel refuses its port from then on); returns when. */
  async killWeb(): Promise<number> {
    const proc = this.web!;
    const at = Date.now();
    proc.child.kill('SIGKILL');
    await proc.exited;
    this.web = null;
    return at;
  }

  async startDaemon(): Promise<Daemon> {
    const n = ++this.daemons;
    const socket = join(this.lab.dir, `announcer-${n}.sock`);
    const config = {
      asn: 65000,
      routerId: this.node1.ipv4,
      nextHop: 'self',
      api: { socket },
      metrics: { address: METRICS },
      logLevel: 'warn',
      peers: [],
      healthChecks: [{ name: 'web', http: { url: `http://{nextHop}:${PORT}/healthz`, timeout: `${TIMEOUT_MS}ms` }, interval: `${INTERVAL_MS}ms`, fall: FALL, rise: RISE }],
    };
    const file = join(this.lab.dir, `announcer-${n}.yaml`);
    writeFileSync(file, stringify(config));
    const proc = this.lab.spawn(this.node1.ns, process.execPath, [...(values['node-arg'] ?? []), MAIN, 'daemon', '--config', file], { name: `announcer-${n}` });
    const client = connectClient(`unix:${socket}`, { timeoutMs: 60_000 });
    await waitFor(() => (proc.running ? client.checkHealth('', { timeoutMs: 1_000 }).catch(() => 'down') : Promise.reject(new Error(`daemon exited: ${proc.tail(10)}`))), {
      what: 'the daemon to serve its API',
      until: (s) => s === 'SERVING',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    return { proc, client };
  }

  async stopDaemon(d: Daemon): Promise<void> {
    d.client.close();
    await d.proc.stop({ graceMs: 5_000 });
  }

  /** The daemon's /metrics, read from inside its namespace. */
  async metrics(): Promise<string> {
    const script = `fetch('http://${METRICS}/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))`;
    return (await this.lab.exec(this.node1.ns, process.execPath, ['-e', script], { timeoutMs: 10_000 })).stdout;
  }
}

async function checks(client: ApiClient): Promise<HealthCheckDetail> {
  return (await client.listHealthChecks())[0]!;
}

/** Every target has its verdict, and `live` is up. */
async function settled(client: ApiClient, live: string, timeoutMs: number): Promise<HealthCheckDetail> {
  return waitFor(() => checks(client), {
    what: 'every target to have its verdict and the live one to be up',
    until: (c) => c.pending === 0 && c.targets.find((t) => t.target === live)?.state === 'up',
    timeoutMs,
    intervalMs: 100,
  });
}

interface Row {
  readonly k: number;
  readonly downMs: number[];
  readonly cpuPercent: number;
  readonly rssMiB: number;
  readonly lagMaxMs: number;
  readonly lagP99Ms: number;
  readonly warnings: number;
  readonly load: number;
}

async function row(bench: Bench, k: number): Promise<Row> {
  const live = liveHop(bench.node2, 0);
  const hops = [live, ...Array.from({ length: k - 1 }, (_, i) => deadHop(i))];
  const d = await bench.startDaemon();
  try {
    const events: SpeakerEvent[] = [];
    const watch = d.client.watch((e) => events.push(e));
    await watch.started;
    await d.client.addPaths(hops.map((nextHop) => ({ prefix: EIP, nextHop, check: 'web' })));
    await settled(d.client, url(live), 120_000);
    // Steady state: every dead target has timed out a few times.
    const steady = await measure(d.proc.pid, 5);
    const downMs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      // A random phase against the probes' grid: the wait for the next probe is part of the promise.
      await sleep(Math.floor(Math.random() * INTERVAL_MS));
      const from = events.length;
      const killedAt = await bench.killWeb();
      const down = await waitFor(() => events.slice(from).find((e) => e.type === 'health' && e.target === url(live) && e.to === 'down'), {
        what: `${url(live)} to be marked down`,
        until: (e) => e !== undefined,
        timeoutMs: 60_000,
        intervalMs: 10,
      });
      downMs.push(down!.at - killedAt);
      await bench.startWeb();
      await settled(d.client, url(live), 120_000);
    }
    const c = await checks(d.client);
    const lags = c.targets.flatMap((t) => (t.lag === undefined ? [] : [t.lag])).sort((a, b) => a - b);
    watch.cancel();
    const warnings = d.proc.output().split('\n').filter((l) => l.includes('probes start late')).length;
    return { k, downMs, cpuPercent: steady.cpuPercent, rssMiB: steady.rssMiB, lagMaxMs: lags.at(-1) ?? NaN, lagP99Ms: quantile(lags, 0.99), warnings, load: loadavg()[0]! };
  } finally {
    await bench.stopDaemon(d);
  }
}

interface Cost {
  readonly idle: { cpuPercent: number; rssMiB: number };
  readonly loaded: { cpuPercent: number; rssMiB: number; peakMiB: number };
  readonly up: number;
  readonly down: number;
  readonly lagBuckets: string;
  readonly loopBuckets: string;
  readonly load: string;
  /** V8's heap in use (MiB), idle and at the end of the window: live data, against RSS that includes the collector's headroom. */
  readonly heapIdleMiB: number;
  readonly heapMiB: number;
}

/** A gauge's value in /metrics text, in MiB. */
function gaugeMiB(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 1024 / 1024;
}
const HEAP = 'announcer_nodejs_heap_size_used_bytes';

/** Cumulative bucket counts of a histogram in /metrics text: le -> count. */
function buckets(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"[^}]*\\} (\\d+)$`, 'gm'))) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
  return out;
}

async function cost(bench: Bench): Promise<Cost> {
  const live = COST_TARGETS / 2;
  await bench.addLiveAddresses(live - 1);
  const hops = [...Array.from({ length: live }, (_, i) => liveHop(bench.node2, i)), ...Array.from({ length: COST_TARGETS - live }, (_, i) => deadHop(i))];
  const d = await bench.startDaemon();
  try {
    await sleep(5_000);
    const idle = await measure(d.proc.pid, Math.min(10, COST_SECONDS));
    const heapIdleMiB = gaugeMiB(await bench.metrics(), HEAP);
    await d.client.addPaths(hops.map((nextHop) => ({ prefix: EIP, nextHop, check: 'web' })));
    await settled(d.client, url(hops[0]!), 120_000);
    await sleep(5_000);
    const LAG = 'announcer_health_probe_lag_seconds';
    const LOOP = 'announcer_event_loop_delay_seconds';
    const text0 = await bench.metrics();
    const loaded = await measure(d.proc.pid, COST_SECONDS);
    const text1 = await bench.metrics();
    const c = await checks(d.client);
    /** How the window's observations of a histogram fall: "N samples: x% <= 5 ms, ...". */
    const shares = (name: string, what: string, les: readonly string[]): string => {
      const before = buckets(text0, name);
      const after = buckets(text1, name);
      const total = (after.get('+Inf') ?? 0) - (before.get('+Inf') ?? 0);
      if (total === 0) return 'n/a (not in /metrics: an older build?)';
      const share = (le: string): string => `${((100 * ((after.get(le) ?? 0) - (before.get(le) ?? 0))) / total).toFixed(1)}% <= ${Number(le) * 1000} ms`;
      return `${total} ${what}: ${les.map(share).join(', ')}`;
    };
    return {
      idle: { cpuPercent: idle.cpuPercent, rssMiB: idle.rssMiB },
      loaded,
      up: c.up,
      down: c.down,
      lagBuckets: shares(LAG, 'probes', ['0.005', '0.025', '0.1', '0.25']),
      loopBuckets: shares(LOOP, 'samples', ['0.005', '0.025', '0.1', '0.25']),
      load: loadavg().map((l) => l.toFixed(2)).join(' '),
      heapIdleMiB,
      heapMiB: gaugeMiB(text1, HEAP),
    };
  } finally {
    await bench.stopDaemon(d);
  }
}

/**
 * The kernel keeps one neighbour table for every namespace, of at most gc_thresh3 entries (1,024 by
 * default), and each dead next hop holds an unresolved entry: near the limit, other work on the
 * machine (a test that opens a session) could find the table full. Raised for the run when the dead
 * next hops leave less than 512 free, and set back after; returns what sets it back.
 */
function roomForNeighbours(dead: number): () => void {
  const file = `/proc/sys/net/${IPV4 ? 'ipv4' : 'ipv6'}/neigh/default/gc_thresh3`;
  const old = Number(readFileSync(file, 'utf8'));
  if (dead + 512 <= old) return () => {};
  writeFileSync(file, String(dead + 1024));
  console.log(`${file}: ${old} -> ${dead + 1024} for the run`);
  return () => {
    writeFileSync(file, String(old));
    console.log(`${file}: back to ${old}`);
  };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root: the bench creates network namespaces');
  const restoreNeighbours = roomForNeighbours(Math.max(...ROWS.map((k) => k - 1), values['no-cost'] || IPV4 ? 0 : COST_TARGETS / 2));
  const lab = await new Lab({ nodes: 2, prefix: 'annhc' }).create().catch((e: unknown) => {
    restoreNeighbours();
    throw e;
  });
  const offSignals = removeLabOnSignal(lab, () => {}, restoreNeighbours);
  try {
    const bench = new Bench(lab);
    await bench.setUp();
    await bench.startWeb();
    const rows: Row[] = [];
    for (const k of ROWS) {
      const r = await row(bench, k);
      rows.push(r);
      console.log(`K=${k}: marked down after ${r.downMs.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')} (bound ${BOUND_MS / 1000} s); daemon ${r.cpuPercent.toFixed(0)}% CPU, ${r.rssMiB.toFixed(0)} MiB; probe lag max ${r.lagMaxMs} ms; ${r.warnings} lag warnings; load ${r.load.toFixed(2)}`);
    }
    console.log(`\n${MAIN}: interval ${INTERVAL_MS} ms, timeout ${TIMEOUT_MS} ms, fall ${FALL}; ${IPV4 ? 'IPv4' : 'IPv6'} next hops; ${RUNS} kills per row`);
    console.log('\n| K next hops (K-1 dead) | live target marked down after (min-max) | bound | daemon CPU | daemon RSS | probe lag (p99 / max) |');
    console.log('|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      const min = Math.min(...r.downMs) / 1000;
      const max = Math.max(...r.downMs) / 1000;
      const lag = Number.isNaN(r.lagMaxMs) ? 'n/a' : `${r.lagP99Ms} / ${r.lagMaxMs} ms`;
      console.log(`| ${r.k.toLocaleString('en-US')} | ${min.toFixed(2)}-${max.toFixed(2)} s | ${BOUND_MS / 1000} s | ${r.cpuPercent.toFixed(0)}% | ${r.rssMiB.toFixed(0)} MiB | ${lag} |`);
    }
    const missed = rows.filter((r) => Math.max(...r.downMs) > BOUND_MS);
    if (missed.length > 0) {
      console.log(`\nMISSED the bound in rows K = ${missed.map((r) => r.k).join(', ')}`);
      process.exitCode = 1;
    }
    if (!values['no-cost'] && !IPV4) {
      const c = await cost(bench);
      console.log(`\nCost: ${COST_TARGETS} targets every ${INTERVAL_MS} ms, ${COST_TARGETS / 2} answering and ${COST_TARGETS / 2} timing out (${c.up} up, ${c.down} down), over ${COST_SECONDS} s:`);
      console.log(`| | daemon CPU (one core = 100%) | RSS | V8 heap in use |`);
      console.log(`|---|---:|---:|---:|`);
      console.log(`| idle, no paths | ${c.idle.cpuPercent.toFixed(1)}% | ${c.idle.rssMiB.toFixed(0)} MiB | ${c.heapIdleMiB.toFixed(0)} MiB |`);
      console.log(`| ${COST_TARGETS} targets | ${c.loaded.cpuPercent.toFixed(1)}% | ${c.loaded.rssMiB.toFixed(0)} MiB (peak ${c.loaded.peakMiB.toFixed(0)} MiB) | ${c.heapMiB.toFixed(0)} MiB |`);
      console.log(`probe lag (how late probes started): ${c.lagBuckets}`);
      console.log(`event loop delay (a 10 ms timer's): ${c.loopBuckets}`);
      console.log(`load average at the end: ${c.load} (${cpus().length} cores, shared with whatever else runs)`);
    }
  } finally {
    offSignals();
    await lab.destroy();
    restoreNeighbours();
  }
}

await main();
