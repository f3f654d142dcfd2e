// Codec throughput on a 100,000-prefix table: pack (encode) every prefix into UPDATEs, then decode
// every UPDATE back, for IPv4 and IPv6, with and without ADD-PATH (and with Extended Message).
// Run with `npm run bench:codec`. It prints; it asserts nothing.

import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  decodeMessage,
  IpAddress,
  packAnnouncements,
  Prefix,
  type Announcement,
  type CodecContext,
  type Family,
  type Nlri,
  type PathAttribute,
} from '../../src/codec/index.js';

const TABLE_SIZE = 100_000;
const WARMUP = 2;
const RUNS = 5;

/** 198.18.0.0/15 (RFC 2544 benchmarking space) holds 131,072 addresses: room for 100,000 distinct /32s. */
function ipv4Table(n: number, addPath: boolean): Nlri[] {
  const base = (198 << 24) | (18 << 16);
  const out = new Array<Nlri>(n);
  for (let i = 0; i < n; i++) {
    const v = (base + i) >>> 0;
    const prefix = Prefix.fromBytes('ipv4-unicast', Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff), 32);
    // ADD-PATH: a few next hops per prefix in real life; here one path each, with its own id.
    out[i] = addPath ? { prefix, pathId: (i % 16) + 1 } : { prefix };
  }
  return out;
}

/** 2001:db8::/32 (documentation), /128s spread over several groups. */
function ipv6Table(n: number, addPath: boolean): Nlri[] {
  const out = new Array<Nlri>(n);
  const b = new Uint8Array(16);
  for (let i = 0; i < n; i++) {
    b.fill(0);
    b.set([0x20, 0x01, 0x0d, 0xb8]);
    b[5] = (i >> 16) & 0xff;
    b[7] = i % 7;
    b[14] = (i >> 8) & 0xff;
    b[15] = i & 0xff;
    const prefix = Prefix.fromBytes('ipv6-unicast', b, 128);
    out[i] = addPath ? { prefix, pathId: (i % 16) + 1 } : { prefix };
  }
  return out;
}

const ATTRIBUTES: readonly PathAttribute[] = [
  { type: 'origin', origin: 'igp' },
  { type: 'as-path', segments: [{ kind: 'sequence', asns: [65000] }] },
  { type: 'med', med: 0 },
  { type: 'communities', communities: [65000 * 0x10000 + 100] },
  { type: 'large-communities', communities: [[65000, 1, 2]] },
];

interface Scenario {
  readonly name: string;
  readonly family: Family;
  readonly addPath: boolean;
  readonly extendedMessage: boolean;
}

const SCENARIOS: Scenario[] = [];
for (const extendedMessage of [false, true]) {
  for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
    for (const addPath of [false, true]) {
      SCENARIOS.push({
        name: `${family === 'ipv4-unicast' ? 'IPv4' : 'IPv6'} ${addPath ? 'ADD-PATH' : 'plain'}${extendedMessage ? ' ext-msg' : ''}`,
        family,
        addPath,
        extendedMessage,
      });
    }
  }
}

interface Result {
  readonly scenario: Scenario;
  readonly messages: number;
  readonly bytes: number;
  readonly prefixesOut: number;
  readonly encodeMs: number[];
  readonly decodeMs: number[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Decode every message; returns the number of prefixes seen (so the work cannot be optimised away). */
function decodeAll(msgs: readonly Uint8Array[], ctx: CodecContext): number {
  let prefixes = 0;
  for (const m of msgs) {
    const d = decodeMessage(m, ctx);
    if (d.type !== 'update') continue;
    prefixes += d.nlri.length;
    for (const a of d.attributes) if (a.type === 'mp-reach') prefixes += a.nlri.length;
  }
  return prefixes;
}

function run(s: Scenario, table: readonly Nlri[]): Result {
  const fams: Family[] = s.addPath ? [s.family] : [];
  const ctx: CodecContext = { fourOctetAs: true, extendedMessage: s.extendedMessage, addPathSend: fams, addPathReceive: fams };
  const a: Announcement = {
    family: s.family,
    nextHop: IpAddress.parse(s.family === 'ipv4-unicast' ? '198.51.100.11' : '2001:db8:ffff::11')!,
    attributes: ATTRIBUTES,
    nlri: table,
  };
  let msgs: Uint8Array[] = [];
  let prefixesOut = 0;
  for (let i = 0; i < WARMUP; i++) {
    msgs = packAnnouncements(a, ctx);
    prefixesOut = decodeAll(msgs, ctx);
  }
  const encodeMs: number[] = [];
  const decodeMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    msgs = packAnnouncements(a, ctx);
    encodeMs.push(performance.now() - t);
    t = performance.now();
    prefixesOut = decodeAll(msgs, ctx);
    decodeMs.push(performance.now() - t);
  }
  return { scenario: s, messages: msgs.length, bytes: msgs.reduce((n, m) => n + m.length, 0), prefixesOut, encodeMs, decodeMs };
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => n.toFixed(1);
const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

function table(rows: readonly (readonly string[])[], header: readonly string[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function main(): void {
  const started = performance.now();
  console.log(`announcer codec benchmark: ${TABLE_SIZE.toLocaleString('en-US')} prefixes per table`);
  console.log(`node ${process.version} (V8 ${process.versions.v8}), ${process.platform}/${process.arch}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}`);
  console.log(`${WARMUP} warm-up runs, then ${RUNS} timed runs per scenario; times are the median (best in brackets)\n`);

  const tables = new Map<string, Nlri[]>();
  for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
    for (const addPath of [false, true]) {
      tables.set(`${family}/${addPath}`, family === 'ipv4-unicast' ? ipv4Table(TABLE_SIZE, addPath) : ipv6Table(TABLE_SIZE, addPath));
    }
  }
  console.log(`heap used after building the tables: ${mib(process.memoryUsage().heapUsed)}\n`);

  const results: Result[] = [];
  for (const s of SCENARIOS) results.push(run(s, tables.get(`${s.family}/${s.addPath}`)!));

  const header = ['scenario', 'messages', 'bytes', 'prefixes', 'encode ms', 'enc msg/s', 'enc prefix/s', 'decode ms', 'dec msg/s', 'dec prefix/s'];
  const rows = results.map((r) => {
    const enc = median(r.encodeMs);
    const dec = median(r.decodeMs);
    const encBest = Math.min(...r.encodeMs);
    const decBest = Math.min(...r.decodeMs);
    return [
      r.scenario.name,
      fmtInt(r.messages),
      fmtInt(r.bytes),
      r.prefixesOut === TABLE_SIZE ? fmtInt(r.prefixesOut) : `${fmtInt(r.prefixesOut)} (!)`,
      `${fmtMs(enc)} [${fmtMs(encBest)}]`,
      fmtInt((r.messages / enc) * 1000),
      fmtInt((TABLE_SIZE / enc) * 1000),
      `${fmtMs(dec)} [${fmtMs(decBest)}]`,
      fmtInt((r.messages / dec) * 1000),
      fmtInt((TABLE_SIZE / dec) * 1000),
    ];
  });
  console.log(table(rows, header));
  const mem = process.memoryUsage();
  console.log(`\nheap used at the end: ${mib(mem.heapUsed)} (heap total ${mib(mem.heapTotal)}, rss ${mib(mem.rss)})`);
  console.log(`total time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main();
