// The per-peer send pipeline against an in-memory socket that the test drains by hand: what the
// peer receives (decoded from the real bytes), how much waits in user space, and what the
// counters say at each step. No sockets, no sleeps: time is a ManualClock.

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONTEXT,
  Framer,
  decodeMessage,
  encodeMessage,
  IpAddress,
  Prefix,
  type BgpMessage,
  type CodecContext,
  type Family,
} from '../../src/codec/index.js';
import { ManualClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import { Rib } from '../../src/rib/rib.js';
import type { Attributes, DesiredPath } from '../../src/rib/types.js';
import { NextHopResolver } from '../../src/speaker/export-policy.js';
import { SendPipeline, type PeerExport, type SentBatch, type UpdateSink } from '../../src/speaker/send-pipeline.js';
import { warmUpSendPath } from '../../src/speaker/warm-up.js';
import { HealthMonitor } from '../../src/health/monitor.js';
import type { HealthCheckSpec } from '../../src/health/spec.js';
import { EventHub } from '../../src/speaker/events.js';
import { HealthGate } from '../../src/speaker/path-health.js';
import type { SpeakerEvent } from '../../src/speaker/api.js';
import { FakeProber } from '../api/health-fixture.js';

const NONE = { communities: [], largeCommunities: [], extendedCommunities: [] };

function desired(prefix: string, nextHop: string, owner = 'cli'): DesiredPath {
  return { prefix: Prefix.parse(prefix)!, nextHop: nextHop === 'self' ? 'self' : IpAddress.parse(nextHop)!, attributes: NONE, owner };
}

/** A socket whose peer reads only when the test says so. */
class SlowSocket implements UpdateSink {
  private readonly waiting: Uint8Array[] = [];
  backlog = 0;
  written = 0;
  private readonly framer = new Framer();
  readonly received: BgpMessage[] = [];
  onDrain: () => void = () => {};

  constructor(private readonly ctx: CodecContext) {
    this.framer.setContext(ctx);
  }

  writeUpdates(bytes: Uint8Array): void {
    this.push(bytes);
  }

  send(msg: BgpMessage): void {
    this.push(encodeMessage(msg, this.ctx));
  }

  private push(b: Uint8Array): void {
    this.waiting.push(b.slice());
    this.backlog += b.length;
    this.written += b.length;
  }

  /** The peer reads up to `n` octets (all by default); like Node, 'drain' once nothing waits. */
  read(n = Infinity): void {
    while (n > 0 && this.waiting.length > 0) {
      const b = this.waiting[0]!;
      const take = Math.min(n, b.length);
      for (const m of this.framer.push(b.subarray(0, take))) this.received.push(decodeMessage(m, { ...this.ctx, addPathReceive: this.ctx.addPathSend }));
      if (take === b.length) this.waiting.shift();
      else this.waiting[0] = b.subarray(take);
      this.backlog -= take;
      n -= take;
    }
    if (this.backlog === 0) this.onDrain();
  }

  /** What the peer was told, as "prefix#id via next hop" and "-prefix#id", End-of-RIB as "EoR". */
  seen(): string[] {
    const out: string[] = [];
    for (const m of this.received.splice(0)) {
      if (m.type === 'route-refresh') {
        out.push(m.subtype);
        continue;
      }
      if (m.type !== 'update') continue;
      const id = (n: { pathId?: number }) => (n.pathId === undefined ? '' : `#${n.pathId}`);
      const nh = m.attributes.find((a) => a.type === 'next-hop');
      for (const w of m.withdrawn) out.push(`-${w.prefix}${id(w)}`);
      for (const n of m.nlri) out.push(`${n.prefix}${id(n)} via ${nh?.type === 'next-hop' ? nh.nextHop : '?'}`);
      for (const a of m.attributes) {
        if (a.type === 'mp-reach') for (const n of a.nlri) out.push(`${n.prefix}${id(n)} via ${a.nextHop}`);
        if (a.type === 'mp-unreach') for (const n of a.withdrawn) out.push(`-${n.prefix}${id(n)}`);
      }
      if (m.withdrawn.length + m.nlri.length === 0 && m.attributes.length === 0) out.push('EoR');
      if (m.attributes.length === 1 && m.attributes[0]!.type === 'mp-unreach' && m.attributes[0]!.withdrawn.length === 0) out.push('EoR');
    }
    return out;
  }
}

function setup(opts: { addPath?: boolean; families?: Family[]; highWater?: number; batchRows?: number; local?: string; gate?: (rib: Rib, clock: ManualClock, changed: (row: number) => void) => HealthGate } = {}) {
  const clock = new ManualClock();
  const rib = new Rib();
  const gate = opts.gate?.(rib, clock, (row) => pipeline.changed(row)) ?? null;
  const families = opts.families ?? ['ipv4-unicast'];
  const ctx: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true, addPathSend: opts.addPath ? families : [] };
  const sock = new SlowSocket(ctx);
  const batches: SentBatch[] = [];
  const pipeline: SendPipeline = new SendPipeline(
    rib,
    clock,
    silentLogger,
    { highWater: opts.highWater ?? 1 << 20, batchRows: opts.batchRows ?? 4096 },
    {
      wants: () => true,
      sent: (b) => batches.push(b),
    },
    gate,
  );
  sock.onDrain = () => pipeline.drained();
  const peer: PeerExport = {
    families,
    addPath: ctx.addPathSend,
    ctx,
    policy: { localAsn: 65000, ebgp: true },
    // "self" of the other family: as if the session's interface had 2001:db8:100::2 too.
    nextHops: new NextHopResolver(IpAddress.parse(opts.local ?? '198.51.100.2')!, () => {}, () => IpAddress.parse('2001:db8:100::2')),
  };
  const eor = families.map((f): BgpMessage => (f === 'ipv4-unicast' ? { type: 'update', withdrawn: [], attributes: [], nlri: [] } : { type: 'update', withdrawn: [], attributes: [{ type: 'mp-unreach', family: f, withdrawn: [] }], nlri: [] }));
  const add = (prefix: string, nh: string, owner?: string, check = 0, attributes: Attributes = NONE) => {
    const r = rib.upsert({ ...desired(prefix, nh, owner), check, attributes });
    gate?.bind(r.path);
    if (r.result === 'added' || r.result === 'updated') pipeline.changed(r.row);
  };
  const del = (prefix: string, nh: string) => {
    const p = rib.pathOf(Prefix.parse(prefix)!, nh === 'self' ? 'self' : IpAddress.parse(nh)!);
    const row = rib.rowOfPath(p);
    gate?.unbind(p);
    rib.releaseClaim(p);
    pipeline.changed(row);
  };
  return { clock, rib, sock, pipeline, peer, eor, add, del, batches, start: () => pipeline.start(peer, sock, eor) };
}

const name = (i: number) => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;

describe('SendPipeline', () => {
  it('sends the table and then End-of-RIB; afterwards only the difference', () => {
    const t = setup({ addPath: true });
    t.add('203.0.113.10/32', '198.51.100.11');
    t.add('203.0.113.10/32', '198.51.100.12');
    t.add('203.0.113.11/32', '198.51.100.11');
    t.start();
    t.clock.runSoon();
    t.sock.read();
    expect(t.sock.seen()).toEqual([
      '203.0.113.10/32#1 via 198.51.100.11',
      '203.0.113.11/32#3 via 198.51.100.11',
      '203.0.113.10/32#2 via 198.51.100.12',
      'EoR',
    ]);
    expect(t.pipeline.out.size).toBe(3);
    t.del('203.0.113.10/32', '198.51.100.11');
    t.add('203.0.113.12/32', 'self');
    t.clock.runSoon();
    t.sock.read();
    expect(t.sock.seen()).toEqual(['-203.0.113.10/32#1', '203.0.113.12/32#4 via 198.51.100.2']);
    expect(t.pipeline.out.size).toBe(3);
  });

  it('a prefix of many paths (the central shape) sends only its changes, though path numbers are reused', () => {
    const t = setup({ addPath: true });
    const node = (n: number) => `198.51.100.${10 + n}`;
    for (let n = 0; n < 30; n++) t.add('203.0.113.10/32', node(n));
    t.start();
    t.clock.runSoon();
    t.sock.read();
    const first = t.sock.seen();
    expect(first).toHaveLength(31);
    const idOf = new Map(first.slice(0, 30).map((line) => [line.split(' via ')[1]!, line.split(' ')[0]!]));
    // The peer's routes by hand: what it was told, applied in order.
    const held = new Map(first.slice(0, 30).map((line) => [line.split(' ')[0]!, line.split(' via ')[1]!]));
    const apply = (lines: string[]) => {
      for (const line of lines) {
        if (line.startsWith('-')) expect(held.delete(line.slice(1))).toBe(true);
        else held.set(line.split(' ')[0]!, line.split(' via ')[1]!);
      }
    };
    // One node out: one withdrawal, nothing else.
    t.del('203.0.113.10/32', node(7));
    t.clock.runSoon();
    t.sock.read();
    const out = t.sock.seen();
    expect(out).toEqual([`-${idOf.get(node(7))}`]);
    apply(out);
    // Two more out and three new nodes in one batch: the new paths take the freed path numbers
    // but new ids, so the old routes are withdrawn and the new ones announced, none twice.
    t.del('203.0.113.10/32', node(3));
    t.del('203.0.113.10/32', node(20));
    for (const n of [40, 41, 42]) t.add('203.0.113.10/32', node(n));
    t.clock.runSoon();
    t.sock.read();
    const churn = t.sock.seen();
    expect(churn.filter((l) => l.startsWith('-')).sort()).toEqual([`-${idOf.get(node(3))}`, `-${idOf.get(node(20))}`].sort());
    expect(churn.filter((l) => !l.startsWith('-')).map((l) => l.split(' via ')[1]).sort()).toEqual([node(40), node(41), node(42)].sort());
    apply(churn);
    // The node back: announced again, under a new id.
    t.add('203.0.113.10/32', node(7));
    t.clock.runSoon();
    t.sock.read();
    const back = t.sock.seen();
    expect(back).toHaveLength(1);
    expect(back[0]).toMatch(new RegExp(`via ${node(7).replace(/\./g, '\\.')}$`));
    expect(back[0]!.split(' ')[0]).not.toBe(idOf.get(node(7)));
    apply(back);
    const expected = [...Array(30).keys()].filter((n) => n !== 3 && n !== 20).concat([40, 41, 42]).map(node);
    expect([...held.values()].sort()).toEqual(expected.sort());
    expect(t.pipeline.out.size).toBe(31);
  });

  it('without ADD-PATH keeps the oldest path at the peer: adding or re-adding others never moves it', () => {
    const t = setup();
    t.add('203.0.113.10/32', '198.51.100.12');
    t.start();
    t.clock.runSoon();
    t.sock.read();
    expect(t.sock.seen()).toEqual(['203.0.113.10/32 via 198.51.100.12', 'EoR']);
    t.add('203.0.113.10/32', '198.51.100.11');
    t.add('203.0.113.10/32', '198.51.100.13');
    t.del('203.0.113.10/32', '198.51.100.13');
    t.add('203.0.113.10/32', '198.51.100.13');
    t.clock.runSoon();
    t.sock.read();
    expect(t.sock.seen()).toEqual([]);
    // Only when that path goes does the next oldest take its place, in place (no withdraw).
    t.del('203.0.113.10/32', '198.51.100.12');
    t.clock.runSoon();
    t.sock.read();
    expect(t.sock.seen()).toEqual(['203.0.113.10/32 via 198.51.100.11']);
  });

  it('builds UPDATEs only as the peer reads: the user-space backlog stays bounded', () => {
    const highWater = 64 * 1024;
    const t = setup({ highWater, batchRows: 1024 });
    for (let i = 0; i < 100_000; i++) t.add(name(i), '198.51.100.11');
    t.start();
    let maxBacklog = 0;
    let announced = 0;
    for (let round = 0; round < 10_000 && announced < 100_000; round++) {
      t.clock.runSoon();
      maxBacklog = Math.max(maxBacklog, t.sock.backlog);
      // The counter says what was handed to the socket, never more.
      expect(t.pipeline.out.size).toBeLessThanOrEqual(100_000);
      t.sock.read(16 * 1024);
      announced += t.sock.seen().filter((s) => s !== 'EoR').length;
    }
    expect(announced).toBe(100_000);
    // One batch may overshoot the mark, never more: 1024 /32s fit in well under 16 KiB.
    expect(maxBacklog).toBeLessThan(highWater + 16 * 1024);
    expect(t.sock.written).toBeLessThan(600_000); // ~5 octets per /32 plus headers: no duplicates
    expect(t.pipeline.out.size).toBe(100_000);
    expect(t.pipeline.queued).toBe(0);
  });

  it('a peer that never reads holds a queue of row numbers, not UPDATEs', () => {
    const t = setup({ highWater: 32 * 1024, batchRows: 512 });
    for (let i = 0; i < 50_000; i++) t.add(name(i), '198.51.100.11');
    t.start();
    for (let i = 0; i < 100; i++) t.clock.runSoon();
    expect(t.sock.backlog).toBeLessThan(32 * 1024 + 8 * 1024);
    expect(t.pipeline.out.size).toBeLessThan(50_000);
    expect(t.pipeline.out.size + t.pipeline.queued).toBe(50_000);
  });

  it('a path added and withdrawn while the peer is backed up costs nothing on the wire', () => {
    const t = setup({ highWater: 1024, batchRows: 64 });
    for (let i = 0; i < 1000; i++) t.add(name(i), '198.51.100.11');
    t.start();
    t.clock.runSoon();
    const backlogged = t.pipeline.queued;
    expect(backlogged).toBeGreaterThan(0);
    t.add('203.0.113.77/32', '198.51.100.11');
    t.del('203.0.113.77/32', '198.51.100.11');
    // A queued prefix changed twice is still queued once.
    t.add(name(999), '198.51.100.12');
    t.del(name(999), '198.51.100.12');
    for (let round = 0; round < 1000 && t.pipeline.queued > 0; round++) {
      t.sock.read();
      t.clock.runSoon();
    }
    t.sock.read();
    const seen = t.sock.seen();
    expect(seen.filter((s) => s.includes('203.0.113.77'))).toEqual([]);
    expect(seen.filter((s) => s.startsWith(name(999)))).toEqual([`${name(999)} via 198.51.100.11`]);
    expect(seen.filter((s) => s !== 'EoR')).toHaveLength(1000);
    expect(seen.at(-1)).toBe('EoR');
  });

  it('"self" is the session\'s address of each family: one RIB next hop, two UPDATEs', () => {
    const t = setup({ families: ['ipv4-unicast', 'ipv6-unicast'] });
    t.add('203.0.113.10/32', 'self');
    t.add('2001:db8::10/128', 'self');
    t.start();
    t.clock.runSoon();
    t.sock.read();
    expect(t.sock.seen()).toEqual(['203.0.113.10/32 via 198.51.100.2', '2001:db8::10/128 via 2001:db8:100::2', 'EoR', 'EoR']);
  });

  it('the initial sweep skips what was withdrawn before it got there and sends what was added meanwhile once', () => {
    const t = setup({ highWater: 1024, batchRows: 64 });
    for (let i = 0; i < 1000; i++) t.add(name(i), '198.51.100.11');
    t.start();
    t.clock.runSoon();
    expect(t.pipeline.queued).toBeGreaterThan(500); // blocked early in the sweep
    t.del(name(900), '198.51.100.11');
    t.add('203.0.113.5/32', '198.51.100.11');
    for (let round = 0; round < 1000 && t.pipeline.queued > 0; round++) {
      t.sock.read();
      t.clock.runSoon();
    }
    t.sock.read();
    const seen = t.sock.seen();
    expect(seen.filter((x) => x.startsWith(`${name(900)} `) || x.startsWith(`-${name(900)}`))).toEqual([]);
    expect(seen.filter((x) => x.startsWith('203.0.113.5/32'))).toEqual(['203.0.113.5/32 via 198.51.100.11']);
    expect(seen.filter((x) => x !== 'EoR')).toHaveLength(1000);
    expect(seen.filter((x) => x === 'EoR')).toHaveLength(1);
  });

  it('ROUTE-REFRESH sends every route of the family again, framed by BoRR and EoRR', () => {
    const t = setup({ families: ['ipv4-unicast', 'ipv6-unicast'] });
    t.add('203.0.113.10/32', '198.51.100.11');
    t.add('2001:db8::10/128', '2001:db8::11');
    t.start();
    t.clock.runSoon();
    t.sock.read();
    expect(t.sock.seen()).toEqual(['203.0.113.10/32 via 198.51.100.11', '2001:db8::10/128 via 2001:db8::11', 'EoR', 'EoR']);
    t.pipeline.resend(
      'ipv6-unicast',
      { type: 'route-refresh', afi: 2, safi: 1, subtype: 'begin-of-rib' },
      { type: 'route-refresh', afi: 2, safi: 1, subtype: 'end-of-rib' },
    );
    t.clock.runSoon();
    t.sock.read();
    expect(t.sock.seen()).toEqual(['begin-of-rib', '2001:db8::10/128 via 2001:db8::11', 'end-of-rib']);
  });

  it('tells watchers what went out, per written batch', () => {
    const t = setup({ addPath: true });
    t.add('203.0.113.10/32', '198.51.100.11');
    t.start();
    t.clock.runSoon();
    t.del('203.0.113.10/32', '198.51.100.11');
    t.clock.runSoon();
    expect(t.batches.map((b) => [b.announced.map((a) => [t.rib.prefixOf(a.row).toString(), a.pathId, a.nextHop.toString()]), b.withdrawn.map((w) => w.pathId)])).toEqual([
      [[['203.0.113.10/32', 1, '198.51.100.11']], []],
      [[], [1]],
    ]);
  });

  it('forgets everything when the session goes down, and frees the rows it held', () => {
    const t = setup();
    t.add('203.0.113.10/32', '198.51.100.11');
    t.start();
    t.clock.runSoon();
    t.del('203.0.113.10/32', '198.51.100.11');
    // Not sent yet: the row is held by the queue and by the Adj-RIB-Out.
    t.pipeline.reset();
    expect(t.pipeline.out.size).toBe(0);
    expect(t.pipeline.queued).toBe(0);
    // The row is free again: a new prefix takes it.
    expect(t.rib.upsert(desired('203.0.113.20/32', '198.51.100.11')).row).toBe(0);
  });
});

describe('warmUpSendPath', () => {
  it('runs the send path over a private table (both families, with and without ADD-PATH) and leaves nothing behind', () => {
    expect(warmUpSendPath(silentLogger)).toBeGreaterThan(0);
    // The real pipeline is untouched by it.
    const t = setup();
    t.add('203.0.113.10/32', '198.51.100.11');
    t.start();
    t.clock.runSoon();
    t.sock.read();
    expect(t.sock.seen()).toEqual(['203.0.113.10/32 via 198.51.100.11', 'EoR']);
  });
});

// ---- health checks ------------------------------------------------------------------------------

const check = (name: string, onFail: HealthCheckSpec['onFail'], initial: 'up' | 'down' = 'down'): HealthCheckSpec => ({
  name,
  probe: { kind: 'http', url: 'http://{nextHop}/healthz', method: 'GET', headers: {}, timeout: 500, insecureSkipVerify: false },
  interval: 1000,
  rise: 2,
  fall: 2,
  initial,
  onFail,
});

function healthSetup(opts: { addPath?: boolean; initial?: 'up' | 'down' } = {}) {
  const prober = new FakeProber();
  const events: SpeakerEvent[] = [];
  const checks = [check('web', { action: 'withdraw' }, opts.initial), check('soft', { action: 'demote', med: 1000, communities: [65000 * 65536 + 666] }, opts.initial)];
  let monitor: HealthMonitor | undefined;
  const t = setup({
    addPath: opts.addPath ?? false,
    gate: (rib, clock, changed) => {
      monitor = new HealthMonitor(checks, { clock, log: silentLogger, prober, random: () => 0.5 }); // first probes 50 ms after watch
      const hub = new EventHub(silentLogger);
      hub.watch((e) => events.push(e), ['health']);
      return new HealthGate({ rib, checks, monitor, selfAddress: '198.51.100.2', changed, events: hub, clock, log: silentLogger });
    },
  });
  /** One probe interval later, results in, and what the peer was sent since. */
  const tick = async (ms = 1000): Promise<string[]> => {
    t.clock.advance(ms);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    t.clock.runSoon();
    t.sock.read();
    return t.sock.seen();
  };
  return { ...t, prober, events, monitor: monitor!, tick };
}

describe('SendPipeline with health checks', () => {
  it('withdraws a path whose target fails `fall` times and announces it again after `rise` passes (ADD-PATH)', async () => {
    const t = healthSetup({ addPath: true });
    t.add('203.0.113.10/32', '198.51.100.11', 'lb', 1);
    t.add('203.0.113.10/32', '198.51.100.12', 'lb', 1);
    t.add('203.0.113.11/32', '198.51.100.11', 'lb', 1);
    t.start();
    // Pending with initial down: nothing is announced before the first pass.
    expect(await t.tick(0)).toEqual(['EoR']);
    // Two targets for three paths: each probed once.
    expect((await t.tick(60)).sort()).toEqual(['203.0.113.10/32#1 via 198.51.100.11', '203.0.113.10/32#2 via 198.51.100.12', '203.0.113.11/32#3 via 198.51.100.11']);
    expect(t.prober.probed.sort()).toEqual(['http://198.51.100.11/healthz', 'http://198.51.100.12/healthz']);
    t.prober.down.add('198.51.100.12');
    expect(await t.tick()).toEqual([]); // one failure of two
    expect(await t.tick()).toEqual(['-203.0.113.10/32#2']);
    t.prober.down.clear();
    expect(await t.tick()).toEqual([]); // one pass of two
    expect(await t.tick()).toEqual(['203.0.113.10/32#2 via 198.51.100.12']);
    expect(t.events.map((e) => (e.type === 'health' ? `${e.target} ${e.from}->${e.to} ${e.effect} ${e.paths} (${e.reason})` : e.type))).toEqual([
      'http://198.51.100.11/healthz pending->up announced 2 (HTTP 200)',
      'http://198.51.100.12/healthz pending->up announced 1 (HTTP 200)',
      'http://198.51.100.12/healthz up->down withdrawn 1 (HTTP 503)',
      'http://198.51.100.12/healthz down->up announced 1 (HTTP 200)',
    ]);
  });

  it('a path whose target goes is no longer probed; paths without a check are untouched', async () => {
    const t = healthSetup({ addPath: true, initial: 'up' });
    t.add('203.0.113.10/32', '198.51.100.11', 'lb', 1);
    t.add('203.0.113.20/32', '198.51.100.13', 'lb', 0);
    t.start();
    // initial up: announced before any probe.
    expect(await t.tick(0)).toEqual(['203.0.113.10/32#1 via 198.51.100.11', '203.0.113.20/32#2 via 198.51.100.13', 'EoR']);
    t.del('203.0.113.10/32', '198.51.100.11');
    await t.tick();
    t.prober.probed.length = 0;
    await t.tick();
    await t.tick();
    expect(t.prober.probed).toEqual([]);
  });

  it('demote: without ADD-PATH the router gets a healthy path while there is one, then the demoted one with worse attributes', async () => {
    const t = healthSetup();
    t.add('203.0.113.10/32', '198.51.100.11', 'lb', 2);
    t.add('203.0.113.10/32', '198.51.100.12', 'lb', 2);
    t.start();
    await t.tick(0);
    expect(await t.tick(60)).toEqual(['203.0.113.10/32 via 198.51.100.11']);
    t.prober.down.add('198.51.100.11');
    await t.tick();
    expect(await t.tick()).toEqual(['203.0.113.10/32 via 198.51.100.12']);
    t.prober.down.add('198.51.100.12');
    await t.tick();
    t.clock.advance(1000);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    t.clock.runSoon();
    t.sock.read();
    const update = t.sock.received.find((m) => m.type === 'update' && m.nlri.length > 0);
    expect(t.sock.seen()).toEqual(['203.0.113.10/32 via 198.51.100.11']);
    // The demoted path: MED 1000 and the extra community, so it is used only when nothing else is left.
    expect(update?.type === 'update' && update.attributes.filter((a) => a.type === 'med' || a.type === 'communities')).toEqual([
      { type: 'med', med: 1000 },
      { type: 'communities', communities: [65000 * 65536 + 666] },
    ]);
  });

  it('demote keeps what the path carries besides (extended communities, prepending) and adds its community to the path\'s', async () => {
    const t = healthSetup();
    const rt = { kind: 'route-target', form: 'as2', global: 65000, local: 100 } as const;
    const attributes: Attributes = { communities: [65000 * 65536 + 1], extendedCommunities: [rt], prepend: 2 };
    t.add('203.0.113.10/32', '198.51.100.11', 'lb', 2, attributes);
    t.start();
    await t.tick(0);
    expect(await t.tick(60)).toEqual(['203.0.113.10/32 via 198.51.100.11']);
    t.prober.down.add('198.51.100.11');
    // Two failed probes (fall 2); what the peer is sent meanwhile is kept, not read through seen().
    const sent: BgpMessage[] = [];
    for (let k = 0; k < 3; k++) {
      t.clock.advance(1000);
      for (let i = 0; i < 5; i++) await Promise.resolve();
      t.clock.runSoon();
      t.sock.read();
      sent.push(...t.sock.received.splice(0));
    }
    const updates = sent.filter((m) => m.type === 'update' && m.nlri.length > 0);
    expect(updates).toHaveLength(1); // the path again, demoted
    const demoted = updates[updates.length - 1];
    expect(demoted?.type === 'update' && demoted.attributes.filter((a) => a.type !== 'origin' && a.type !== 'next-hop')).toEqual([
      { type: 'as-path', segments: [{ kind: 'sequence', asns: [65000, 65000, 65000] }] },
      { type: 'med', med: 1000 },
      { type: 'communities', communities: [65000 * 65536 + 1, 65000 * 65536 + 666] },
      { type: 'extended-communities', communities: [rt] },
    ]);
  });
});
