// Benchmark: what watchers cost a re-sync at table scale (issue 30). One announcer daemon (the built
// CLI) with no peers in a namespace of its own; a controller loads N paths with `announcer replace
// --file` and empties the table again with an empty list, each a CLI process of its own, with:
//
//   none      no watcher
//   summary   `announcer watch --json` in another process (a controller waiting for health events)
//   paths     `announcer watch --paths --json` (every path of the change, in bounded messages)
//
// For each: the replace's wall time (CLI start to exit, file parsing included) and its ratio to the
// time with no watcher (the issue asks at most 1.3x), whether the watcher stayed connected, got the
// summary event of each replace and (paths) every path, the largest event message, when the watcher
// had the summary, and the daemon's RSS before the load, at its peak and some seconds after the
// table was emptied (the daemon gives memory back after a large shrink). Prints; asserts nothing.
//
//   npm run bench:watch                               (root; 1,000,000 paths, 3 runs; builds first)
//   npm run bench:watch -- --paths 100000 --runs 5 --settle 10
//   npm run bench:watch -- --node-arg=--cpu-prof --node-arg=--cpu-prof-dir=/tmp/prof   (daemon profile)
//
// The paths are /128s of 2001:db8::/32 (RFC 3849), next hop self: table entries of a daemon with no
// peer, announced to nobody. Everything runs in the lab's namespaces (src/lab/lab.ts) and is removed
// at the end, on failure and on Ctrl-C.

import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { eventToPb } from '../../src/api/convert.js';
import { Event } from '../../src/gen/announcer/v1/announcer.js';
import { Lab, run, sleep, waitFor, type LabProcess } from '../../src/lab/index.js';
import type { SpeakerEvent } from '../../src/speaker/api.js';
import { rssMiB } from './side/prefixes.js';
import { removeLabOnSignal } from './teardown.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const OWNER = 'controller';
const MODES = ['none', 'summary', 'paths'] as const;
type Mode = (typeof MODES)[number];

const { values } = parseArgs({
  options: {
    paths: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    settle: { type: 'string', default: '10' },
    cases: { type: 'string', default: MODES.join(',') },
    'node-arg': { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`npm run bench:watch -- [--paths N] [--runs N] [--settle S] [--node-arg ARG]...
  --paths N       paths in the table (default 1,000,000)
  --runs N        how many times each case is measured (default 3); medians and ranges
  --settle S      seconds after the empty replace before the daemon's RSS is read (default 10)
  --cases LIST    which of none,summary,paths to run (default all three; the ratio needs none)
  --node-arg ARG  an option for the daemon's node, e.g. --node-arg=--cpu-prof (repeatable)`);
  process.exit(0);
}
const PATHS = Number(values.paths);
const RUNS = Number(values.runs);
const SETTLE_S = Number(values.settle);
if (!Number.isInteger(PATHS) || PATHS < 1 || PATHS > 1 << 26) throw new Error(`--paths: 1..${1 << 26}: ${values.paths}`);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs: a positive integer: ${values.runs}`);
if (!(SETTLE_S >= 0)) throw new Error(`--settle: seconds: ${values.settle}`);
const CASES = values.cases.split(',').map((c) => c.trim()) as Mode[];
for (const c of CASES) if (!MODES.includes(c)) throw new Error(`--cases: a list of ${MODES.join(', ')}: ${values.cases}`);

/** The i-th path's prefix: a /128 of 2001:db8::/32. */
const prefixOf = (i: number): string => `2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::/128`;

/** A path file of the shape the CLI reads fastest (`- PREFIX` lines). */
function pathFile(file: string, n: number): void {
  const lines = new Array<string>(n);
  for (let i = 0; i < n; i++) lines[i] = `- ${prefixOf(i)}`;
  writeFileSync(file, lines.join('\n') + '\n');
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** "3,012 ms (2,950-3,100)": the median of the runs and their range. */
function figure(xs: readonly number[], unit = 'ms', digits = 0): string {
  const ok = xs.filter((x) => !Number.isNaN(x));
  if (ok.length === 0) return '-';
  const f = (x: number): string => x.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (ok.length === 1) return `${f(ok[0]!)} ${unit}`;
  return `${f(median(ok))} ${unit} (${f(Math.min(...ok))}-${f(Math.max(...ok))})`;
}

/** Counts `needle` in `s` from `from` to `to`. */
function count(s: string, needle: string, from: number, to: number): number {
  let n = 0;
  for (let at = s.indexOf(needle, from); at >= 0 && at < to; at = s.indexOf(needle, at + needle.length)) n++;
  return n;
}

interface Summary {
  readonly added: number;
  readonly removed: number;
  readonly updated: number;
}

/**
 * A `watch --json` process, its output read as it comes: rib events' paths counted (without
 * parsing the lines that carry them), summaries kept, the longest line kept for its size.
 */
class Watcher {
  readonly summaries: { summary: Summary; at: number }[] = [];
  added = 0;
  removed = 0;
  events = 0;
  longest = '';
  stderr = '';
  private carry = '';

  constructor(readonly proc: LabProcess) {
    proc.child.stdout!.setEncoding('utf8');
    proc.child.stdout!.on('data', (chunk: string) => {
      const text = this.carry + chunk;
      let start = 0;
      for (let end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
        this.line(text, start, end);
        start = end + 1;
      }
      this.carry = text.slice(start);
    });
    proc.child.stderr!.setEncoding('utf8');
    proc.child.stderr!.on('data', (chunk: string) => (this.stderr += chunk));
  }

  private line(text: string, start: number, end: number): void {
    this.events++;
    if (end - start > this.longest.length) this.longest = text.slice(start, end);
    if (!text.startsWith('"type":"rib"', text.indexOf(',', start) + 1)) return;
    const added = text.indexOf('"added":[', start);
    const removed = text.indexOf('"removed":[', added);
    if (added < 0 || removed < 0 || removed > end) return;
    this.added += count(text, '{"prefix":"', added, removed);
    this.removed += count(text, '{"prefix":"', removed, end);
    const s = text.indexOf('"summary":', removed);
    if (s >= 0 && s < end) {
      const e = JSON.parse(text.slice(start, end)) as { summary: Summary };
      this.summaries.push({ summary: e.summary, at: performance.now() });
    }
  }

  /** The longest line re-encoded as the daemon sends it: the size of the largest event message. */
  largestMessage(): number {
    if (this.longest === '') return 0;
    const e = JSON.parse(this.longest) as SpeakerEvent;
    return Event.encode(eventToPb(e)).finish().length;
  }
}

interface Case {
  readonly loadMs: number;
  readonly emptyMs: number;
  /** From the load's start to the watcher holding its summary event. */
  readonly toldMs: number;
  readonly connected: boolean;
  readonly gotSummaries: boolean;
  readonly allPaths: boolean;
  readonly largest: number;
  readonly rssBefore: number;
  readonly rssPeak: number;
  readonly rssAfter: number;
  readonly daemonCpuMs: number;
}

/** CPU time of a process so far (user + system), ms, from /proc/PID/stat (10 ms ticks). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields 14 and 15 of stat(5), utime and stime; `fields` starts at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function main(): Promise<void> {
  const lab = new Lab({ nodes: 1, prefix: 'annwatch' });
  removeLabOnSignal(lab);
  try {
    await lab.create();
    const node = lab.node(1);
    const socket = join(lab.dir, 'announcer.sock');
    const api = `unix:${socket}`;
    const config = { asn: 65000, routerId: node.ipv4, api: { socket }, logLevel: 'warn', bfd: { spawn: false }, peers: [] };
    const configFile = join(lab.dir, 'announcer.yaml');
    writeFileSync(configFile, JSON.stringify(config));
    const files = { all: join(lab.dir, 'all.yaml'), empty: join(lab.dir, 'empty.json') };
    pathFile(files.all, PATHS);
    writeFileSync(files.empty, '[]\n');

    const daemon = lab.spawn(node.ns, process.execPath, [...(values['node-arg'] ?? []), MAIN, 'daemon', '--config', configFile], { name: 'announcer' });
    await waitFor(() => run(process.execPath, [MAIN, '--api', api, 'peers'], { allowFail: true, timeoutMs: 10_000 }), {
      what: `the daemon's API (daemon: ${daemon.tail(5)})`,
      until: (r) => r.code === 0,
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    await sleep(1000);
    const rssStart = rssMiB(daemon.pid);

    /** One `announcer replace`; its wall time, ms. */
    async function replace(file: string): Promise<number> {
      const t0 = performance.now();
      const r = await run(process.execPath, [MAIN, '--api', api, 'replace', '--owner', OWNER, '--file', file], { timeoutMs: 600_000, allowFail: true });
      if (r.code !== 0) throw new Error(`announcer replace failed (${r.code}): ${r.stderr}${r.stdout}\ndaemon: ${daemon.tail(10)}`);
      return performance.now() - t0;
    }

    async function measure(mode: Mode): Promise<Case> {
      const rssBefore = rssMiB(daemon.pid);
      let watcher: Watcher | undefined;
      if (mode !== 'none') {
        const args = [MAIN, '--api', api, 'watch', '--json', ...(mode === 'paths' ? ['--paths'] : [])];
        watcher = new Watcher(lab.spawn(node.ns, process.execPath, args, { name: `watch-${mode}` }));
        const w = watcher;
        await waitFor(() => w.stderr, { what: `the ${mode} watcher to start (${w.stderr})`, until: (s) => s.includes('watching'), timeoutMs: 10_000, intervalMs: 20 });
      }
      let rssPeak = rssBefore;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(daemon.pid))), 100);
      const cpu0 = cpuMs(daemon.pid);
      const t0 = performance.now();
      try {
        const loadMs = await replace(files.all);
        let toldMs = NaN;
        if (watcher) {
          const w = watcher;
          await waitFor(() => w.summaries.length, { what: `the ${mode} watcher's summary of the load`, until: (n) => n >= 1 || !w.proc.running, timeoutMs: 120_000, intervalMs: 10 });
          toldMs = (w.summaries[0]?.at ?? NaN) - t0;
        }
        const emptyMs = await replace(files.empty);
        if (watcher) {
          const w = watcher;
          await waitFor(() => w.summaries.length, { what: `the ${mode} watcher's summary of the emptying`, until: (n) => n >= 2 || !w.proc.running, timeoutMs: 120_000, intervalMs: 10 });
        }
        const daemonCpuMs = cpuMs(daemon.pid) - cpu0;
        clearInterval(sampler);
        let connected = true;
        let gotSummaries = true;
        let allPaths = true;
        let largest = NaN;
        if (watcher) {
          connected = watcher.proc.running;
          const [load, empty] = watcher.summaries.map((s) => s.summary);
          gotSummaries = load?.added === PATHS && empty?.removed === PATHS;
          allPaths = mode === 'summary' || (watcher.added === PATHS && watcher.removed === PATHS);
          largest = watcher.largestMessage();
          // Ctrl-C: `watch` ends with 0 when it was still connected.
          const status = await watcher.proc.stop({ signal: 'SIGINT', graceMs: 5_000 });
          connected &&= status.code === 0;
          if (!connected || !gotSummaries || !allPaths) {
            console.log(`  ${mode} watcher: exit ${status.code}, summaries ${JSON.stringify(watcher.summaries.map((s) => s.summary))}, paths +${watcher.added} -${watcher.removed}; ${watcher.stderr.trim()}`);
          }
        }
        await sleep(SETTLE_S * 1000);
        return { loadMs, emptyMs, toldMs, connected, gotSummaries, allPaths, largest, rssBefore, rssPeak, rssAfter: rssMiB(daemon.pid), daemonCpuMs };
      } finally {
        clearInterval(sampler);
        if (watcher?.proc.running) await watcher.proc.stop();
      }
    }

    console.log(`watchers during a replace of ${PATHS.toLocaleString('en')} paths (/128s, no peers), ${RUNS} run(s); daemon RSS at start ${rssStart.toFixed(0)} MiB; node ${process.version}`);
    const cases: Record<Mode, Case[]> = { none: [], summary: [], paths: [] };
    for (let r = 0; r < RUNS; r++) {
      for (const mode of CASES) {
        const c = await measure(mode);
        cases[mode].push(c);
        console.log(
          `  run ${r + 1} ${mode}: load ${c.loadMs.toFixed(0)} ms, empty ${c.emptyMs.toFixed(0)} ms, told ${c.toldMs.toFixed(0)} ms, ` +
            `RSS ${c.rssBefore.toFixed(0)} -> ${c.rssPeak.toFixed(0)} -> ${c.rssAfter.toFixed(0)} MiB (load ${loadavg()[0]!.toFixed(2)})`,
        );
      }
    }
    const base = median(cases.none.map((c) => c.loadMs));
    const yes = (cs: Case[], f: (c: Case) => boolean): string => `${cs.filter(f).length}/${cs.length}`;
    console.log('');
    console.log(`| ${PATHS.toLocaleString('en')} paths | replace (load) | x no watcher | replace (empty) | watcher has the summary | connected | summaries | every path | largest message | daemon CPU | RSS before | peak | ${SETTLE_S} s after emptying |`);
    console.log('|---|---:|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|');
    for (const mode of CASES) {
      const cs = cases[mode];
      const w = mode !== 'none';
      console.log(
        `| ${mode === 'none' ? 'no watcher' : mode === 'summary' ? '`watch --json`' : '`watch --paths --json`'} | ${figure(cs.map((c) => c.loadMs))} | ${(median(cs.map((c) => c.loadMs)) / base).toFixed(2)}x | ` +
          `${figure(cs.map((c) => c.emptyMs))} | ${w ? figure(cs.map((c) => c.toldMs)) : '-'} | ${w ? yes(cs, (c) => c.connected) : '-'} | ${w ? yes(cs, (c) => c.gotSummaries) : '-'} | ` +
          `${mode === 'paths' ? yes(cs, (c) => c.allPaths) : '-'} | ${w ? figure(cs.map((c) => c.largest / 1024), 'KiB', 1) : '-'} | ${figure(cs.map((c) => c.daemonCpuMs))} | ` +
          `${figure(cs.map((c) => c.rssBefore), 'MiB')} | ${figure(cs.map((c) => c.rssPeak), 'MiB')} | ${figure(cs.map((c) => c.rssAfter), 'MiB')} |`,
      );
    }
    console.log('');
    console.log(`  daemon RSS at start ${rssStart.toFixed(0)} MiB; medians of ${RUNS} run(s), range in brackets; wall times from the CLI's start to its exit (file parsing included)`);
    console.log(`  load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; command: npm run bench:watch -- --paths ${PATHS} --runs ${RUNS} --settle ${SETTLE_S}${CASES.length < MODES.length ? ` --cases ${CASES.join(',')}` : ''}${(values['node-arg'] ?? []).map((a) => ` --node-arg=${a}`).join('')}`);
    // A daemon run with --cpu-prof writes its profile when it exits.
    await daemon.stop({ graceMs: 30_000 });
  } finally {
    await lab.destroy();
  }
}

await main();
