// Benchmark: the central (Porter-style) shape at scale. One announcer daemon (the built CLI) in a
// node namespace announces E EIPs x K backend nodes over one ADD-PATH session to BIRD 2 (`add paths
// rx`, no kernel protocol: BIRD's table is what is measured), and a controller re-syncs it with
// `announcer replace --owner lb --file F`. Wall times run from the CLI's start (process start
// included) to the CLI's exit and to BIRD holding exactly the expected number of routes:
//
//   a) the whole set (E x K paths), from an empty table
//   b) the set without one node (a replace): until BIRD has dropped that node's E paths
//   c) the whole set again: until BIRD has them back
//   d) the same node's TCP health check failing: from the check's verdict (the daemon's
//      "health check target down" log line, its own timestamp) until BIRD has dropped the E paths;
//      and passing again: from the "up" verdict until BIRD has them back
//
// with the daemon's CPU time over each step and its RSS, and for scale the wall time of a CLI call
// that changes nothing (process start, the client's modules, one round trip). It prints a table and asserts nothing.
// Steps a-c repeat --runs times (a after a replace with an empty file), d too; medians and ranges.
//
//   npm run bench:central                                   (root; needs bird2 and iproute2; builds first)
//   npm run bench:central -- --eips 10000 --nodes 100      (1,000,000 paths)
//   npm run bench:central -- --distinct                    (the same number of paths, one prefix each)
//   npm run bench:central -- --profile /tmp/prof           (CPU profiles of the daemon and each CLI call)
//
// The EIPs are /32s of 198.18.0.0/15 (100.64.0.0/10 above 131,072): route entries inside BIRD only,
// never traffic. The K next hops are 198.51.100.100 and up on the router's subnet, extra addresses
// of a second lab namespace where one small process listens on each (test/integration/backends.ts):
// what the `tcp` check of `{nextHop}:7000` probes. Closing one address's listener makes its check
// fail with "connection refused". Everything runs in the lab's namespaces (src/lab/lab.ts) and is
// removed at the end, on failure and on Ctrl-C.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectClient, type ApiClient } from '../../src/client.js';
import { Lab, run, sleep, waitFor, type LabProcess } from '../../src/lab/index.js';
import { Backends } from '../integration/backends.js';
import { BirdControl } from './side/bird.js';
import { formatIPv4, hostAddress, rssMiB } from './side/prefixes.js';
import { removeLabOnSignal } from './teardown.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const ROUTER_ASN = 65001;
const NODE_ASN = 65000;
const PROTOCOL = 'central';
const CHECK_PORT = 7000;
const OWNER = 'lb';

const { values } = parseArgs({
  options: {
    eips: { type: 'string', default: '1000' },
    nodes: { type: 'string', default: '50' },
    runs: { type: 'string', default: '3' },
    distinct: { type: 'boolean', default: false },
    interval: { type: 'string', default: '500' },
    fall: { type: 'string', default: '2' },
    profile: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`npm run bench:central -- [--eips E] [--nodes K] [--runs N] [--distinct] [--interval MS] [--fall N] [--profile DIR]
  --eips E        EIPs (default 1,000)
  --nodes K       backend nodes, each a next hop of every EIP, 2..150 (default 50)
  --runs N        how many times each step is measured (default 3)
  --distinct      E x K prefixes with one next hop each (spread over the K nodes) instead of E x K paths
                  over E prefixes: the same table size without the central shape, for comparison
  --interval MS   the health check's interval (default 500; timeout 200 ms)
  --fall N        failures in a row that take a node down (default 2; rise is the same)
  --profile DIR   run the daemon and every CLI call with --cpu-prof, profiles in DIR`);
  process.exit(0);
}
const EIPS = Number(values.eips);
const NODES = Number(values.nodes);
const RUNS = Number(values.runs);
const DISTINCT = values.distinct === true;
const INTERVAL_MS = Number(values.interval);
const FALL = Number(values.fall);
if (!Number.isInteger(EIPS) || EIPS < 1) throw new Error(`--eips: a positive integer: ${values.eips}`);
if (!Number.isInteger(NODES) || NODES < 2 || NODES > 150) throw new Error(`--nodes: 2..150: ${values.nodes}`);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs: a positive integer: ${values.runs}`);
if (!Number.isInteger(INTERVAL_MS) || INTERVAL_MS < 250) throw new Error(`--interval: milliseconds, >= 250: ${values.interval}`);
if (!Number.isInteger(FALL) || FALL < 1 || FALL > 100) throw new Error(`--fall: 1..100: ${values.fall}`);
const PATHS = EIPS * NODES;
const PREFIXES = DISTINCT ? PATHS : EIPS;

const nextHop = (j: number): string => `198.51.100.${100 + j}`;
/** The node taken out in b) and d): one in the middle, so neither end of anything is favoured. */
const REMOVED = Math.floor(NODES / 2);

/** BIRD 2 with one eBGP session: ADD-PATH receive, import all, export none, no kernel protocol. */
function birdConfig(routerId: string, neighbor: string): string {
  return `# BIRD 2 for test/bench/central.ts: one eBGP session with ADD-PATH receive, import all, no kernel.
log stderr { warning, error, fatal };
router id ${routerId};

protocol device {
}

protocol bgp ${PROTOCOL} {
  local ${routerId} as ${ROUTER_ASN};
  neighbor ${neighbor} as ${NODE_ASN};
  hold time 90;
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

/**
 * A path file as `announcer replace --file` reads it (JSON): central, every EIP with a path via
 * each node but `without`; distinct, prefix i via node i mod K, those of `without` left out.
 */
function pathFile(file: string, opts: { without?: number; check?: string } = {}): number {
  const check = opts.check === undefined ? '' : `,"check":"${opts.check}"`;
  const parts: string[] = [];
  for (let i = 0; i < PREFIXES; i++) {
    const prefix = `${formatIPv4(hostAddress(i, PREFIXES))}/32`;
    if (DISTINCT) {
      const j = i % NODES;
      if (j !== opts.without) parts.push(`{"prefix":"${prefix}","nextHop":"${nextHop(j)}"${check}}`);
      continue;
    }
    for (let j = 0; j < NODES; j++) {
      if (j !== opts.without) parts.push(`{"prefix":"${prefix}","nextHop":"${nextHop(j)}"${check}}`);
    }
  }
  writeFileSync(file, `[${parts.join(',\n')}]\n`);
  return parts.length;
}

/** CPU time of a process so far (user + system), ms, from /proc/PID/stat (10 ms ticks). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5), utime and stime; `fields` starts at field 3.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Peak resident memory of a process (VmHWM), MiB. */
function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * Polls BIRD every 5 ms until the session's imported routes are exactly `n` and returns the
 * wall-clock time (epoch ms) of the answer that said so. `Routes: N imported` is a counter: cheap
 * for BIRD to print, so the polling does not slow its intake.
 */
async function whenImported(ctl: BirdControl, n: number, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<number> {
  const deadline = Date.now() + opts.timeoutMs;
  let imported = -1;
  for (;;) {
    opts.signal?.throwIfAborted();
    const text = await ctl.command(`show protocols all ${PROTOCOL}`);
    if (!/\sEstablished\b/.test(text)) throw new Error(`BIRD's session is not Established:\n${text}`);
    imported = Number(/Routes:\s+(\d+) imported/.exec(text)?.[1] ?? 0);
    if (imported === n) return Date.now();
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for BIRD to hold ${n} routes (it holds ${imported})`);
    await sleep(5);
  }
}

interface Step {
  /** The CLI's wall time, ms. */
  readonly cliMs: number;
  /** From the CLI's start (or the verdict) to BIRD holding the expected routes, ms. */
  readonly routerMs: number;
  /** The daemon's CPU over the step, ms. */
  readonly cpuMs: number;
}

/** The daemon's JSON log lines, parsed, those that are JSON. */
function logLines(daemon: LabProcess): { time: number; msg: string; target?: string; reason?: string }[] {
  return daemon
    .output()
    .split('\n')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as { time: number; msg: string; target?: string; reason?: string }];
      } catch {
        return [];
      }
    });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** "412 ms (398-530)": the median of the runs and their range. */
function figure(xs: readonly number[]): string {
  if (xs.length === 0) return '-';
  const f = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x).toLocaleString('en')} ms`);
  if (xs.length === 1) return f(xs[0]!);
  const [lo, hi] = [f(Math.min(...xs)), f(Math.max(...xs))];
  const unit = (x: string): string => x.replace(/^[\d.,]+ /, '');
  return `${f(median(xs))} (${unit(lo) === unit(hi) ? lo.replace(/ \S+$/, '') : lo}-${hi})`;
}

async function main(): Promise<void> {
  const lab = new Lab({ nodes: 2, prefix: 'anncen' });
  let client: ApiClient | undefined;
  let ctl: BirdControl | undefined;
  // A terminal's Ctrl-C reaches npm, tsx and this process, and tsx passes it on as well: the second
  // signal must not end the process half way through the teardown.
  removeLabOnSignal(lab, () => {
    client?.close();
    ctl?.close();
  });
  try {
    await lab.create();
    const node = lab.node(1);
    const socket = join(lab.dir, 'announcer.sock');
    const api = `unix:${socket}`;
    const hops = Array.from({ length: NODES }, (_, j) => nextHop(j));
    const backends = await Backends.start(lab, lab.node(2), hops, CHECK_PORT);
    const removed = hops[REMOVED]!;

    const config = {
      asn: NODE_ASN,
      routerId: node.ipv4,
      nextHop: node.ipv4,
      api: { socket },
      // info: the health check's verdicts, up and down, are what step d times from.
      logLevel: 'info',
      healthChecks: [
        { name: 'node', tcp: { address: `{nextHop}:${CHECK_PORT}`, timeout: '200ms' }, interval: INTERVAL_MS, fall: FALL, rise: FALL },
      ],
      peers: [{ address: lab.router.ipv4, asn: ROUTER_ASN, holdTime: 90, connectRetry: 1, families: ['ipv4-unicast'], addPath: 'send' }],
    };
    const configFile = join(lab.dir, 'announcer.yaml');
    writeFileSync(configFile, JSON.stringify(config));
    const profile = values.profile;
    if (profile !== undefined) mkdirSync(profile, { recursive: true });
    const prof = (name: string): string[] => (profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profile, '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`]);
    const daemon = lab.spawn(node.ns, process.execPath, [...prof('daemon'), MAIN, 'daemon', '--config', configFile], { name: 'announcer' });
    const bird = await lab.startBird(lab.router.ns, birdConfig(lab.router.ipv4, node.ipv4), { name: 'router' });
    client = connectClient(api, { timeoutMs: 60_000 });
    const c = client;
    await waitFor(() => c.listPeers().catch(() => []), {
      what: `the session Established (daemon: ${daemon.tail(5)})`,
      until: (ps) => ps[0]?.state === 'Established',
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    ctl = await BirdControl.connect(bird.socket);
    const router = ctl;

    const files = {
      all: join(lab.dir, 'all.json'),
      without: join(lab.dir, 'without.json'),
      checked: join(lab.dir, 'checked.json'),
      empty: join(lab.dir, 'empty.json'),
    };
    let t = performance.now();
    const all = pathFile(files.all);
    const without = pathFile(files.without, { without: REMOVED });
    pathFile(files.checked, { check: 'node' });
    writeFileSync(files.empty, '[]\n');
    const fileMs = performance.now() - t;
    const shape = DISTINCT
      ? `${PATHS.toLocaleString('en')} prefixes, one next hop each, spread over ${NODES} nodes`
      : `${EIPS.toLocaleString('en')} EIPs x ${NODES} nodes = ${PATHS.toLocaleString('en')} paths over ADD-PATH`;
    console.log(`central shape: ${shape}, to BIRD 2 (add paths rx, no kernel); ${RUNS} run(s) of each step`);
    console.log(`  (path files written in ${fileMs.toFixed(0)} ms; node ${removed} is the one taken out: ${(all - without).toLocaleString('en')} paths)`);
    const timeoutMs = Math.max(60_000, PATHS / 10);

    /** One `announcer replace`, timed to its exit and to BIRD holding `expect` routes. */
    async function replace(file: string, expect: number, name: string): Promise<Step> {
      const cpu0 = cpuMs(daemon.pid);
      const abort = new AbortController();
      const t0 = performance.now();
      const wall0 = Date.now();
      const cli = run(process.execPath, [...prof(`cli-${name}`), MAIN, '--api', api, 'replace', '--owner', OWNER, '--file', file], {
        timeoutMs: 120_000,
        allowFail: true,
      }).then((r) => {
        if (r.code !== 0) {
          abort.abort(new Error(`announcer replace (${name}) failed (${r.code}): ${r.stderr}${r.stdout}\ndaemon: ${daemon.tail(10)}`));
          throw abort.signal.reason;
        }
        return performance.now() - t0;
      });
      const [cliMs, routerAt] = await Promise.all([cli, whenImported(router, expect, { timeoutMs, signal: abort.signal })]);
      return { cliMs, routerMs: routerAt - wall0, cpuMs: cpuMs(daemon.pid) - cpu0 };
    }

    /** `announcer replace` of an owner that has no paths with an empty file: what any call costs, the floor. */
    async function idleCall(): Promise<Step> {
      const cpu0 = cpuMs(daemon.pid);
      const t0 = performance.now();
      const r = await run(process.execPath, [MAIN, '--api', api, 'replace', '--owner', 'idle', '--file', files.empty], { timeoutMs: 60_000, allowFail: true });
      if (r.code !== 0) throw new Error(`announcer replace (idle) failed (${r.code}): ${r.stderr}${r.stdout}`);
      return { cliMs: performance.now() - t0, routerMs: NaN, cpuMs: cpuMs(daemon.pid) - cpu0 };
    }

    /** A verdict of the check on the removed node (`down` or `up`), timed to BIRD holding `expect` routes. */
    async function health(to: 'down' | 'up', expect: number): Promise<Step & { verdictMs: number }> {
      const cpu0 = cpuMs(daemon.pid);
      const abort = new AbortController();
      const from = Date.now();
      const routerAt = whenImported(router, expect, { timeoutMs, signal: abort.signal });
      routerAt.catch(() => undefined);
      try {
        await (to === 'down' ? backends.down(removed) : backends.up(removed));
        const msg = `health check target ${to}`;
        const line = await waitFor(() => logLines(daemon).find((l) => l.msg === msg && l.target === `${removed}:${CHECK_PORT}` && l.time >= from), {
          what: `the daemon's "${msg}" for ${removed}`,
          timeoutMs: INTERVAL_MS * (FALL + 2) + 5_000,
          intervalMs: 20,
        });
        const at = await routerAt;
        if (line === undefined) throw new Error('unreachable: waitFor returned no line');
        return { verdictMs: line.time - from, cliMs: NaN, routerMs: at - line.time, cpuMs: cpuMs(daemon.pid) - cpu0 };
      } finally {
        abort.abort();
      }
    }

    const steps = { idle: [] as Step[], a: [] as Step[], b: [] as Step[], c: [] as Step[], empty: [] as Step[], same: [] as Step[], checked: [] as Step[], down: [] as Step[], up: [] as Step[] };
    const verdicts = { down: [] as number[], up: [] as number[] };
    let rssLoaded = NaN;
    for (let r = 0; r < RUNS; r++) {
      if (r > 0) steps.empty.push(await replace(files.empty, 0, `empty-${r}`));
      steps.idle.push(await idleCall());
      steps.a.push(await replace(files.all, all, `all-${r}`));
      rssLoaded = rssMiB(daemon.pid);
      steps.b.push(await replace(files.without, without, `without-${r}`));
      steps.c.push(await replace(files.all, all, `again-${r}`));
      steps.same.push({ ...(await replace(files.all, all, `same-${r}`)), routerMs: NaN }); // BIRD already holds them all
      console.log(`  run ${r + 1}: a ${steps.a[r]!.routerMs} ms, b ${steps.b[r]!.routerMs} ms, c ${steps.c[r]!.routerMs} ms at the router`);
    }
    // The same paths, now naming the check, from an empty table (so BIRD's count tells when it holds
    // them): announced once each node's first probe passed.
    steps.empty.push(await replace(files.empty, 0, 'empty-checked'));
    steps.checked.push(await replace(files.checked, all, 'checked'));
    for (let r = 0; r < RUNS; r++) {
      const down = await health('down', without);
      const up = await health('up', all);
      steps.down.push(down);
      steps.up.push(up);
      verdicts.down.push(down.verdictMs);
      verdicts.up.push(up.verdictMs);
      console.log(`  health run ${r + 1}: down ${down.routerMs} ms, up ${up.routerMs} ms at the router after the verdict`);
    }
    const rssEnd = rssMiB(daemon.pid);
    const peak = peakRssMiB(daemon.pid);

    const rows: [string, readonly Step[], string][] = [
      [`a) whole set, ${all.toLocaleString('en')} paths, from empty`, steps.a, 'the call'],
      [`b) replace without one node (-${(all - without).toLocaleString('en')} paths)`, steps.b, 'the call'],
      [`c) whole set again (+${(all - without).toLocaleString('en')} paths)`, steps.c, 'the call'],
      ['d) the node\'s check fails', steps.down, 'the verdict'],
      ['   the node\'s check passes again', steps.up, 'the verdict'],
      ['(whole set again, unchanged)', steps.same, '-'],
      ['(empty set: every path withdrawn)', steps.empty, 'the call'],
      ['(a call that changes nothing: another owner, empty file)', steps.idle, '-'],
      ['(whole set naming the check, first probes included)', steps.checked, 'the call'],
    ];
    console.log('');
    console.log(`| ${shape} | \`replace\` (CLI wall time) | at the router | from | daemon CPU |`);
    console.log('|---|---:|---:|---|---:|');
    for (const [name, s, from] of rows) {
      if (s.length === 0) continue;
      const cli = s.every((x) => Number.isNaN(x.cliMs)) ? '-' : figure(s.map((x) => x.cliMs));
      const at = s.every((x) => Number.isNaN(x.routerMs)) ? '-' : figure(s.map((x) => x.routerMs));
      console.log(`| ${name} | ${cli} | ${at} | ${from} | ${figure(s.map((x) => x.cpuMs))} |`);
    }
    console.log('');
    console.log(`  health check: tcp {nextHop}:${CHECK_PORT}, interval ${INTERVAL_MS} ms, timeout 200 ms, fall/rise ${FALL}; listener closed -> down verdict ${figure(verdicts.down)}, reopened -> up verdict ${figure(verdicts.up)}`);
    console.log(`  daemon RSS: ${rssLoaded.toFixed(0)} MiB with the whole set loaded, ${rssEnd.toFixed(0)} MiB at the end, peak ${peak.toFixed(0)} MiB`);
    console.log(`  medians of ${RUNS} run(s), range in brackets; "at the router": BIRD's imported route count exactly right, polled every 5 ms`);
    console.log(`  command: npm run bench:central -- --eips ${EIPS} --nodes ${NODES} --runs ${RUNS}${DISTINCT ? ' --distinct' : ''}`);
    if (profile !== undefined) {
      // The daemon writes its profile when it exits.
      await daemon.stop({ graceMs: 30_000 });
      console.log(`  CPU profiles in ${profile}`);
    }
  } finally {
    client?.close();
    ctl?.close();
    await lab.destroy();
  }
}

await main();
