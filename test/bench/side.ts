// Side-by-side benchmark: three BGP speakers announce the same N /32 IPv4 paths to the same BIRD 2
// router over the same veth link, one after another, each to a freshly started BIRD (empty table):
//
//   raw socket  a minimal sender writing pre-encoded UPDATEs as fast as the socket takes them:
//               BIRD's own intake limit (test/bench/side/raw-sender.ts)
//   gobgpd      GoBGP, the table injected from an MRT dump before the session comes up
//   announcer   this daemon, the table loaded with `announcer replace` before the session comes up
//
// Measured per speaker and N: BIRD's Established -> BIRD has imported all N (ratios to the raw
// limit and to gobgpd), the speaker's RSS at that moment, and its ingest time.
//
// The /32s come from 198.18.0.0/15, or 100.64.0.0/10 above 131,072 of them: route entries inside
// BIRD only, never traffic. Everything runs in the lab's namespaces (src/lab/lab.ts) and is removed
// at the end, on failure and on Ctrl-C.
//
//   npm run bench:side                        (root; N = 100,000 and 1,000,000; builds first)
//   npm run bench:side -- 10000 50000         (other sizes)
//   npm run bench:side -- 10000 --json out.json --speakers raw,announcer
//   npm run bench:side -- --svg docs/bench-side.svg   (the chart in docs/performance.md)

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findOnPath, withSbin } from '../../src/demo/preflight.js';
import { Lab, run, type Bird } from '../../src/lab/index.js';
import { sideChart } from './side/chart.js';
import { benchBirdConfig, BirdControl, measureSession, type SessionTiming } from './side/bird.js';
import { rssMiB } from './side/prefixes.js';
import { ROUTER_ASN, SPEAKER_ASN, SPEAKERS, type RunningSpeaker, type Speaker } from './side/speakers.js';

interface Row {
  readonly n: number;
  readonly speaker: string;
  /** BIRD's Established -> BIRD holds all N. */
  readonly ms?: number;
  /** Where the Established time came from: BIRD's own `Since` (ms), or our 5 ms poll. */
  readonly establishedFrom?: 'bird' | 'poll';
  readonly vsRaw?: number;
  readonly vsGobgpd?: number;
  readonly rssMiB?: number;
  readonly ingestMs?: number;
  readonly reReplaceMs?: number;
  readonly error?: string;
}

/** A row before the ratios, which need the other speakers' rows. */
type Measured = Omit<Row, 'vsRaw' | 'vsGobgpd'>;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'string' },
    svg: { type: 'string' },
    speakers: { type: 'string' },
  },
});
const COUNTS = positionals.length > 0 ? positionals.map(Number) : [100_000, 1_000_000];
for (const n of COUNTS) {
  if (!Number.isInteger(n) || n < 1 || n > 4_194_304) throw new Error(`N must be 1..4194304: ${n}`);
}
const KEYS: Record<string, string> = { raw: 'raw socket', gobgpd: 'gobgpd', announcer: 'announcer' };
const CHOSEN = values.speakers?.split(',').map((s) => KEYS[s] ?? s);
const speakers = SPEAKERS.filter((s) => CHOSEN === undefined || CHOSEN.includes(s.name));
if (speakers.length === 0) throw new Error(`--speakers: a comma list of ${Object.keys(KEYS).join(', ')}`);

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Root tools may sit in sbin; the rest arrive with apt-get, as the demo does for bird2. */
function ensureTools(): void {
  process.env['PATH'] = withSbin(process.env['PATH']);
  const needs: Record<string, string> = { ip: 'iproute2', bird: 'bird2', birdc: 'bird2', gobgpd: 'gobgpd', gobgp: 'gobgpd' };
  const missing = [...new Set(Object.keys(needs).filter((c) => findOnPath(c, process.env['PATH']) === undefined).map((c) => needs[c]!))];
  if (missing.length === 0) return;
  console.log(`installing ${missing.join(' ')} with apt-get`);
  const apt = (args: string[]): void => {
    execFileSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', ...missing]);
}

async function versions(): Promise<Record<string, string>> {
  const first = async (cmd: string, args: string[]): Promise<string> => {
    const r = await run(cmd, args, { allowFail: true }).catch(() => undefined);
    return `${r?.stdout ?? ''}${r?.stderr ?? ''}`.split('\n')[0]?.trim() || '?';
  };
  return { bird: await first('bird', ['--version']), gobgpd: await first('gobgpd', ['--version']), node: process.version };
}

/** One speaker, one N: start it, load the table, start a fresh BIRD, measure, stop both. */
async function measure(lab: Lab, speaker: Speaker, n: number): Promise<Measured> {
  const node = lab.node(1);
  const dir = join(lab.dir, `${speaker.name.replace(/\W+/g, '-')}-${n}`);
  mkdirSync(dir);
  // Generous and bounded: ~0.5 ms a path on top of a minute covers gobgpd at 1,000,000.
  const timeoutMs = 60_000 + n / 2;
  let running: RunningSpeaker | undefined;
  let ctl: BirdControl | undefined;
  let bird: Bird | undefined;
  try {
    running = await speaker.start({ lab, node, router: lab.router.ipv4, n, dir, timeoutMs });
    const config = benchBirdConfig({ routerId: lab.router.ipv4, routerAsn: ROUTER_ASN, neighbor: node.ipv4, neighborAsn: SPEAKER_ASN });
    bird = await lab.startBird(lab.router.ns, config, { name: `router-${n}-${speaker.name.replace(/\W+/g, '-')}` });
    ctl = await BirdControl.connect(bird.socket);
    const proc = running.process;
    const birdProc = bird.process;
    const timing: SessionTiming = await measureSession(ctl, n, {
      timeoutMs,
      died: () =>
        !proc.running ? `${proc.name} exited:\n${proc.tail()}` : !birdProc.running ? `BIRD exited:\n${birdProc.tail()}` : undefined,
    });
    return {
      n,
      speaker: speaker.name,
      ms: timing.ms,
      establishedFrom: timing.fromBird ? 'bird' : 'poll',
      rssMiB: rssMiB(proc.pid),
      ingestMs: running.ingestMs,
      ...(running.reReplaceMs === undefined ? {} : { reReplaceMs: running.reReplaceMs }),
    };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return { n, speaker: speaker.name, error, ...(running ? { ingestMs: running.ingestMs } : {}) };
  } finally {
    ctl?.close();
    if (bird) await lab.stopBird(bird);
    await running?.process.stop();
  }
}

function withRatios(rows: readonly Measured[]): Row[] {
  return rows.map((r) => {
    const of = (name: string): number | undefined => rows.find((o) => o.n === r.n && o.speaker === name)?.ms;
    const raw = of('raw socket');
    const gobgp = of('gobgpd');
    return {
      ...r,
      ...(r.ms !== undefined && raw ? { vsRaw: r.ms / raw } : {}),
      ...(r.ms !== undefined && gobgp ? { vsGobgpd: r.ms / gobgp } : {}),
    };
  });
}

function markdown(rows: readonly Row[]): string {
  const ms = (v: number | undefined): string => (v === undefined ? '–' : `${Math.round(v).toLocaleString('en-US')} ms`);
  const x = (v: number | undefined): string => (v === undefined ? '–' : `${v.toFixed(2)}×`);
  const lines = [
    '| N | speaker | Established → BIRD holds all | × raw | × gobgpd | speaker RSS | ingest | re-replace |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const time = r.error !== undefined ? `failed: ${r.error.split('\n')[0]}` : `${ms(r.ms)}${r.establishedFrom === 'poll' ? '*' : ''}`;
    const rss = r.rssMiB === undefined ? '–' : `${r.rssMiB.toFixed(0)} MiB`;
    const ingest = r.speaker === 'raw socket' && r.ingestMs !== undefined ? `${ms(r.ingestMs)} (encode)` : ms(r.ingestMs);
    lines.push(`| ${r.n.toLocaleString('en-US')} | ${r.speaker} | ${time} | ${x(r.vsRaw)} | ${x(r.vsGobgpd)} | ${rss} | ${ingest} | ${ms(r.reReplaceMs)} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root: the bench creates network namespaces');
  ensureTools();
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` (npm run bench:side does)`);
  const info = await versions();
  console.log(`${info['bird']}; ${info['gobgpd']}; node ${info['node']}; N = ${COUNTS.join(', ')}`);

  const lab = new Lab({ nodes: 1, prefix: 'annside' });
  // A signal would end node without 'exit' hooks: tear the lab down first.
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: removing the lab`);
    void lab
      .destroy({ graceMs: 500 })
      .catch(() => undefined)
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const rows: Measured[] = [];
  try {
    await lab.create();
    for (const n of COUNTS) {
      for (const speaker of speakers) {
        console.log(`N = ${n.toLocaleString('en-US')}: ${speaker.name} ...`);
        const row = await measure(lab, speaker, n);
        rows.push(row);
        console.log(
          row.error !== undefined
            ? `  failed: ${row.error}`
            : `  ${row.ms} ms Established -> all in BIRD, RSS ${row.rssMiB?.toFixed(0)} MiB, ingest ${row.ingestMs?.toFixed(0)} ms` +
                (row.reReplaceMs === undefined ? '' : `, re-replace ${row.reReplaceMs.toFixed(0)} ms`),
        );
      }
    }
  } finally {
    await lab.destroy();
  }

  const table = withRatios(rows);
  console.log(`\n${markdown(table)}`);
  if (table.some((r) => r.establishedFrom === 'poll')) console.log('\n* Established taken from the 5 ms poll, not BIRD\'s own timestamp.');
  if (values.json !== undefined) {
    writeFileSync(values.json, `${JSON.stringify({ date: new Date().toISOString(), versions: info, rows: table }, null, 2)}\n`);
    console.log(`\nwrote ${values.json}`);
  }
  if (values.svg !== undefined) {
    writeFileSync(values.svg, sideChart(table, `${info['bird']}; ${info['gobgpd']}; node ${info['node']}; ${new Date().toISOString().slice(0, 10)}`));
    console.log(`wrote ${values.svg}`);
  }
  if (table.some((r) => r.error !== undefined)) process.exitCode = 1;
}

await main();
