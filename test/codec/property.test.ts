// Properties over random messages: every valid message survives encode -> decode -> encode
// unchanged, and no input, however broken, makes the decoder or the Framer throw anything but a
// BgpError (which becomes the NOTIFICATION) — never a RangeError or TypeError that would take the
// session's owner down with it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BgpEncodeError,
  BgpError,
  decodeMessage,
  encodeMessage,
  encodeShutdownMessage,
  formatIPv4,
  Framer,
  IpAddress,
  packAnnouncements,
  packWithdrawals,
  Prefix,
  toHex,
  type AsPathSegment,
  type BgpMessage,
  type Capability,
  type CodecContext,
  type Family,
  type KeepaliveMessage,
  type Nlri,
  type NotificationMessage,
  type OpenMessage,
  type PathAttribute,
  type RouteRefreshMessage,
  type UpdateMessage,
} from '../../src/codec/index.js';
import { ATTRIBUTES } from '../../src/codec/attributes.js';
import { decodeExtendedCommunity, decodeIpv6ExtendedCommunity } from '../../src/codec/ext-community.js';
import { A, MARKER, P } from './fixture.js';

// ---- contexts -------------------------------------------------------------------------------

const FAMS: readonly Family[] = ['ipv4-unicast', 'ipv6-unicast'];

/** A negotiated session; for round trips we receive exactly what we send (ADD-PATH both ways). */
const ctxArb: fc.Arbitrary<CodecContext> = fc
  .record({
    fourOctetAs: fc.boolean(),
    extendedMessage: fc.boolean(),
    addPath: fc.subarray([...FAMS]),
  })
  .map(({ fourOctetAs, extendedMessage, addPath }) => ({
    fourOctetAs,
    extendedMessage,
    addPathSend: addPath,
    addPathReceive: addPath,
  }));

/** Any context, the two ADD-PATH directions independent (for decoding junk). */
const anyCtxArb: fc.Arbitrary<CodecContext> = fc.record({
  fourOctetAs: fc.boolean(),
  extendedMessage: fc.boolean(),
  addPathSend: fc.subarray([...FAMS]),
  addPathReceive: fc.subarray([...FAMS]),
});

// ---- small values ---------------------------------------------------------------------------

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.nat({ max: 0xffffffff }), fc.constantFrom(0, 23456, 0xffffffff));
const octetsArb = (maxLength: number, minLength = 0): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength, maxLength });

const ipv4Arb = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => IpAddress.fromBytes('ipv4', b));
/** Biased towards zero groups so "::" lands in every position. */
const ipv6BytesArb = fc
  .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }))
  .map(([b, zero]) => {
    const out = Uint8Array.from(b);
    zero.forEach((z, i) => {
      if (z) out[i * 2] = out[i * 2 + 1] = 0;
    });
    return out;
  });
const ipv6Arb = ipv6BytesArb.map((b) => IpAddress.fromBytes('ipv6', b));

/** A prefix of any length over any octets (fromBytes clears the host bits, as decode does). */
function prefixArb(family: Family): fc.Arbitrary<Prefix> {
  const v4 = family === 'ipv4-unicast';
  const max = v4 ? 32 : 128;
  const addr = v4 ? fc.uint8Array({ minLength: 4, maxLength: 4 }) : ipv6BytesArb;
  const len = fc.oneof(fc.integer({ min: 0, max }), fc.constantFrom(0, 1, 7, 8, 9, max - 1, max));
  return fc.tuple(addr, len).map(([b, l]) => Prefix.fromBytes(family, b, l));
}

/** Path identifiers exactly when the context's ADD-PATH covers the family. */
function nlriArb(family: Family, ctx: CodecContext, maxLength = 12): fc.Arbitrary<Nlri[]> {
  const one: fc.Arbitrary<Nlri> = ctx.addPathSend.includes(family)
    ? fc.record({ prefix: prefixArb(family), pathId: u32 })
    : prefixArb(family).map((prefix) => ({ prefix }));
  return fc.array(one, { maxLength });
}

// ---- OPEN -----------------------------------------------------------------------------------

const KNOWN_CAPABILITIES = new Set([1, 2, 6, 64, 65, 69, 70, 73]);
const utf8 = new TextEncoder();
const shortText = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: 'grapheme', maxLength }).filter((s) => utf8.encode(s).length <= 100);

const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({ type: fc.constant('multiprotocol' as const), afi: u16, safi: u8 }),
  fc.constant({ type: 'route-refresh' as const }),
  fc.constant({ type: 'enhanced-route-refresh' as const }),
  fc.constant({ type: 'extended-message' as const }),
  fc.record({ type: fc.constant('four-octet-as' as const), asn: u32 }),
  fc.record({
    type: fc.constant('add-path' as const),
    families: fc.array(fc.record({ afi: u16, safi: u8, direction: fc.constantFrom('receive' as const, 'send' as const, 'both' as const) }), {
      maxLength: 6,
    }),
  }),
  fc.record({
    type: fc.constant('graceful-restart' as const),
    restarting: fc.boolean(),
    notification: fc.boolean(),
    restartTime: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(fc.record({ afi: u16, safi: u8, forwardingPreserved: fc.boolean() }), { maxLength: 6 }),
  }),
  fc.record({ type: fc.constant('fqdn' as const), hostname: shortText(30), domain: shortText(30) }),
  fc.record({
    type: fc.constant('unknown' as const),
    code: u8.filter((c) => !KNOWN_CAPABILITIES.has(c)),
    data: fc.oneof(octetsArb(16), octetsArb(255, 200)),
  }),
);

/** Encoded size of a capability (code, length, value). */
function capabilitySize(c: Capability): number {
  switch (c.type) {
    case 'multiprotocol':
    case 'four-octet-as':
      return 6;
    case 'route-refresh':
    case 'enhanced-route-refresh':
    case 'extended-message':
      return 2;
    case 'add-path':
      return 2 + 4 * c.families.length;
    case 'graceful-restart':
      return 4 + 4 * c.families.length;
    case 'fqdn':
      return 4 + utf8.encode(c.hostname).length + utf8.encode(c.domain).length;
    case 'unknown':
      return 2 + c.data.length;
  }
}

const openArb: fc.Arbitrary<OpenMessage> = fc
  .record({
    myAs: u16,
    holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
    bgpId: fc.uint8Array({ minLength: 4, maxLength: 4 }).filter((b) => b.some((x) => x !== 0)).map((b) => formatIPv4(b)),
    capabilities: fc.array(capabilityArb, { maxLength: 10 }),
    extendedParameters: fc.boolean(),
  })
  .map(({ extendedParameters, ...rest }) => {
    // RFC 9072: the extended encoding is used when asked for, and always when the parameters need it.
    const size = rest.capabilities.reduce((n, c) => n + capabilitySize(c), 0);
    const open: OpenMessage = { type: 'open', version: 4, ...rest };
    return extendedParameters || size + 2 > 255 ? { ...open, extendedParameters: true } : open;
  });

// ---- UPDATE ---------------------------------------------------------------------------------

/** The type code of the one attribute only an Extended Message can carry. */
const HUGE_CODE = 241;
/** The codes the codec decodes itself: random attributes of other codes stay raw. */
const KNOWN_ATTRIBUTES = new Set(ATTRIBUTES.flatMap((d, code) => (d ? [code] : [])));

const anySegmentKind = fc.constantFrom('sequence' as const, 'set' as const, 'confed-sequence' as const, 'confed-set' as const);

/** AS_PATH: any segments, possibly none (an iBGP route), up to 255 AS numbers in one. */
function asPathSegmentsArb(asn: fc.Arbitrary<number>): fc.Arbitrary<AsPathSegment[]> {
  const kind = anySegmentKind;
  const short = fc.array(fc.record({ kind, asns: fc.array(asn, { minLength: 1, maxLength: 12 }) }), { maxLength: 3 });
  // One segment of up to the 255 AS numbers a segment can hold.
  const long = fc.record({ kind, asns: fc.array(asn, { minLength: 200, maxLength: 255 }) }).map((s) => [s]);
  return fc.oneof({ arbitrary: short, weight: 9 }, { arbitrary: long, weight: 1 });
}

/**
 * AS4_PATH: at least one segment (RFC 6793 6: shorter than 6 octets is malformed), and no
 * confederation segments (RFC 6793 3: they MUST NOT be sent in AS4_PATH).
 */
const as4PathSegmentsArb: fc.Arbitrary<AsPathSegment[]> = fc.array(
  fc.record({ kind: fc.constantFrom('sequence' as const, 'set' as const), asns: fc.array(u32, { minLength: 1, maxLength: 12 }) }),
  { minLength: 1, maxLength: 3 },
);

interface AttrChoice {
  readonly attr: PathAttribute | undefined;
}

const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined, freq: 2 });

function updateArb(ctx: CodecContext): fc.Arbitrary<UpdateMessage> {
  // In a 2-octet AS session, AS numbers above 65535 go out as AS_TRANS (RFC 6793 4.2.2), so stay below.
  const asn = ctx.fourOctetAs ? u32 : u16;
  const family = fc.constantFrom<Family>(...FAMS);
  const mpReach = family.chain((f) =>
    fc
      .record({
        nextHop: f === 'ipv4-unicast' ? ipv4Arb : ipv6Arb,
        linkLocal: f === 'ipv4-unicast' ? fc.constant(undefined) : opt(ipv6Arb),
        nlri: nlriArb(f, ctx),
      })
      .map(({ nextHop, linkLocal, nlri }): PathAttribute =>
        linkLocal === undefined
          ? { type: 'mp-reach', family: f, nextHop, nlri }
          : { type: 'mp-reach', family: f, nextHop, linkLocalNextHop: linkLocal, nlri },
      ),
  );
  const mpUnreach = family.chain((f) => nlriArb(f, ctx).map((withdrawn): PathAttribute => ({ type: 'mp-unreach', family: f, withdrawn })));
  const unknownAttr = fc.record({
    type: fc.constant('unknown' as const),
    code: u8.filter((c) => !KNOWN_ATTRIBUTES.has(c) && c !== HUGE_CODE),
    // Optional (an unknown well-known attribute is an error), with any Transitive / Partial bits.
    flags: fc.constantFrom(0x80, 0xc0, 0xa0, 0xe0),
    data: fc.oneof({ arbitrary: octetsArb(40), weight: 4 }, { arbitrary: octetsArb(300, 250), weight: 1 }),
  });
  const unknowns = fc.uniqueArray(unknownAttr, { selector: (a) => a.code, maxLength: 2 });
  // With Extended Message, sometimes an attribute only a large message can carry.
  const huge = ctx.extendedMessage
    ? opt(fc.integer({ min: 4100, max: 6000 }).map((n): PathAttribute => ({ type: 'unknown', code: HUGE_CODE, flags: 0xc0, data: new Uint8Array(n).fill(0xa5) })))
    : fc.constant(undefined);
  const communityArb = fc.oneof(u32, fc.tuple(u16, u16).map(([a, b]) => a * 0x10000 + b));
  const largeArb = fc.tuple(u32, u32, u32);

  return fc
    .record({
      withdrawn: nlriArb('ipv4-unicast', ctx),
      nlri: nlriArb('ipv4-unicast', ctx),
      origin: opt(fc.constantFrom('igp' as const, 'egp' as const, 'incomplete' as const)),
      asPath: opt(asPathSegmentsArb(asn)),
      nextHop: opt(ipv4Arb),
      med: opt(u32),
      localPref: opt(u32),
      atomic: fc.boolean(),
      aggregator: opt(fc.record({ asn, address: ipv4Arb })),
      communities: opt(fc.array(communityArb, { minLength: 1, maxLength: 12 })),
      // Any eight octets, as the decoder reads them: typed where it knows the kind.
      extCommunities: opt(fc.array(octetsArb(8, 8).map((b) => decodeExtendedCommunity(b)), { minLength: 1, maxLength: 12 })),
      ipv6ExtCommunities: opt(fc.array(octetsArb(20, 20).map((b) => decodeIpv6ExtendedCommunity(b)), { minLength: 1, maxLength: 4 })),
      largeCommunities: opt(fc.array(largeArb, { minLength: 1, maxLength: 12 })),
      as4Path: opt(as4PathSegmentsArb),
      as4Aggregator: opt(fc.record({ asn: u32, address: ipv4Arb })),
      mpReach: opt(mpReach),
      mpUnreach: opt(mpUnreach),
      unknowns,
      huge,
      order: fc.array(fc.nat(), { minLength: 21, maxLength: 21 }),
    })
    .map((g): UpdateMessage => {
      const mpNlri = g.mpReach?.type === 'mp-reach' ? g.mpReach.nlri.length : 0;
      const reachable = g.nlri.length > 0 || mpNlri > 0;
      // RFC 4271 5 / RFC 7606 3(d): a message announcing routes must carry ORIGIN and AS_PATH, and
      // NEXT_HOP for IPv4 NLRI; otherwise decode would (rightly) treat it as withdraw.
      const choices: AttrChoice[] = [
        { attr: (g.origin ?? (reachable ? 'igp' : undefined)) && { type: 'origin', origin: g.origin ?? 'igp' } },
        { attr: g.asPath || reachable ? { type: 'as-path', segments: g.asPath ?? [] } : undefined },
        { attr: g.nextHop || g.nlri.length > 0 ? { type: 'next-hop', nextHop: g.nextHop ?? A('192.0.2.1') } : undefined },
        { attr: g.med === undefined ? undefined : { type: 'med', med: g.med } },
        { attr: g.localPref === undefined ? undefined : { type: 'local-pref', localPref: g.localPref } },
        { attr: g.atomic ? { type: 'atomic-aggregate' } : undefined },
        { attr: g.aggregator && { type: 'aggregator', ...g.aggregator } },
        { attr: g.communities && { type: 'communities', communities: g.communities } },
        { attr: g.extCommunities && { type: 'extended-communities', communities: g.extCommunities } },
        { attr: g.ipv6ExtCommunities && { type: 'ipv6-extended-communities', communities: g.ipv6ExtCommunities } },
        { attr: g.largeCommunities && { type: 'large-communities', communities: g.largeCommunities } },
        { attr: g.as4Path && { type: 'as4-path', segments: g.as4Path } },
        { attr: g.as4Aggregator && { type: 'as4-aggregator', ...g.as4Aggregator } },
        { attr: g.mpReach },
        { attr: g.mpUnreach },
        { attr: g.huge },
        ...g.unknowns.map((attr) => ({ attr })),
      ];
      // Any order: the decoder keeps the order of the wire.
      const attributes = choices
        .map((c, i) => ({ attr: c.attr, key: g.order[i] ?? i }))
        .filter((x): x is { attr: PathAttribute; key: number } => x.attr !== undefined)
        .sort((a, b) => a.key - b.key)
        .map((x) => x.attr);
      return { type: 'update', withdrawn: g.withdrawn, attributes, nlri: g.nlri };
    });
}

// ---- NOTIFICATION, KEEPALIVE, ROUTE-REFRESH -------------------------------------------------

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Would RFC 8203 read these data octets as a shutdown communication? */
function looksLikeShutdownMessage(d: Uint8Array): boolean {
  if (d.length === 0 || d[0] === 0 || d[0]! + 1 !== d.length) return false;
  try {
    strictUtf8.decode(d.subarray(1));
    return true;
  } catch {
    return false;
  }
}

const notificationArb: fc.Arbitrary<NotificationMessage> = fc.oneof(
  fc
    .record({ code: u8, subcode: u8, data: fc.oneof(octetsArb(32), octetsArb(3000, 1000)) })
    .filter((n) => !(n.code === 6 && (n.subcode === 2 || n.subcode === 4) && looksLikeShutdownMessage(n.data)))
    .map((n) => ({ type: 'notification' as const, code: n.code, subcode: n.subcode, data: n.data })),
  // RFC 8203: Cease / Administrative Shutdown or Reset with an operator's message.
  fc
    .record({
      subcode: fc.constantFrom(2, 4),
      text: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }).filter((s) => {
        const n = utf8.encode(s).length;
        return n > 0 && n <= 255;
      }),
    })
    .map(({ subcode, text }) => ({
      type: 'notification' as const,
      code: 6,
      subcode,
      data: encodeShutdownMessage(text),
      shutdownMessage: text,
    })),
);

const keepaliveArb: fc.Arbitrary<KeepaliveMessage> = fc.constant({ type: 'keepalive' as const });

const routeRefreshArb: fc.Arbitrary<RouteRefreshMessage> = fc.oneof(
  fc.record({
    type: fc.constant('route-refresh' as const),
    afi: u16,
    safi: u8,
    subtype: fc.constantFrom('normal' as const, 'begin-of-rib' as const, 'end-of-rib' as const),
  }),
  fc.record({
    type: fc.constant('route-refresh' as const),
    afi: u16,
    safi: u8,
    subtype: fc.constant('reserved' as const),
    reservedSubtype: fc.integer({ min: 3, max: 255 }),
  }),
);

function messageArb(ctx: CodecContext): fc.Arbitrary<BgpMessage> {
  return fc.oneof(
    { arbitrary: openArb, weight: 2 },
    { arbitrary: updateArb(ctx), weight: 5 },
    { arbitrary: notificationArb, weight: 2 },
    { arbitrary: keepaliveArb, weight: 1 },
    { arbitrary: routeRefreshArb, weight: 1 },
  );
}

const ctxAndMessage = (m: (ctx: CodecContext) => fc.Arbitrary<BgpMessage>): fc.Arbitrary<{ ctx: CodecContext; msg: BgpMessage }> =>
  ctxArb.chain((ctx) => m(ctx).map((msg) => ({ ctx, msg })));

// ---- round trip -----------------------------------------------------------------------------

/**
 * JSON with sorted keys, a key holding undefined made visible (a decoder must not add one), and
 * typed values named with their class, so text where a Prefix or IpAddress belongs does not pass.
 */
function canonical(v: unknown): string {
  return JSON.stringify(v, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    if (raw instanceof Prefix) return `Prefix ${raw.toString()}`;
    if (raw instanceof IpAddress) return `IpAddress ${raw.toString()}`;
    // Named by class too: a decoded message holds plain Uint8Arrays, never a Buffer aliasing the frame.
    if (raw instanceof Uint8Array) return `${raw.constructor.name} ${toHex(raw)}`;
    if (value === undefined) return '<undefined>';
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) sorted[k] = (value as Record<string, unknown>)[k];
    return sorted;
  });
}

/** Deep equality, cheaply; on a mismatch vitest's diff says where. */
function expectSameData(actual: unknown, expected: unknown): void {
  const a = canonical(actual);
  const e = canonical(expected);
  if (a !== e) expect(JSON.parse(a)).toStrictEqual(JSON.parse(e));
}

function roundTrip({ ctx, msg }: { ctx: CodecContext; msg: BgpMessage }): void {
  const wire = encodeMessage(msg, ctx);
  const decoded = decodeMessage(wire, ctx);
  expectSameData(decoded, msg);
  const again = encodeMessage(decoded, ctx);
  expect(Buffer.compare(again, wire)).toBe(0);
}

describe('round trip: decode(encode(m)) == m and encode(decode(encode(m))) is the same octets', () => {
  it('OPEN with random capabilities', () => {
    fc.assert(fc.property(ctxAndMessage(() => openArb), roundTrip), { numRuns: 1500 });
  });

  it('UPDATE with random attributes, MP_REACH / MP_UNREACH, ADD-PATH on and off, 2- and 4-octet AS', () => {
    fc.assert(fc.property(ctxAndMessage(updateArb), roundTrip), { numRuns: 2000 });
  });

  it('NOTIFICATION, with and without an RFC 8203 shutdown communication', () => {
    fc.assert(fc.property(ctxAndMessage(() => notificationArb), roundTrip), { numRuns: 1000 });
  });

  it('KEEPALIVE and ROUTE-REFRESH', () => {
    fc.assert(fc.property(ctxAndMessage(() => fc.oneof(keepaliveArb, routeRefreshArb)), roundTrip), { numRuns: 500 });
  });

  it('a stream of random messages through the Framer comes out as the same messages', () => {
    fc.assert(
      fc.property(
        ctxArb.chain((ctx) => fc.tuple(fc.constant(ctx), fc.array(messageArb(ctx), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }))),
        ([ctx, msgs, cuts]) => {
          const wire = msgs.map((m) => encodeMessage(m, ctx));
          const stream = Buffer.concat(wire);
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const framer = new Framer(ctx);
          const out: Uint8Array[] = [];
          let from = 0;
          for (const p of [...points, stream.length]) {
            for (const m of framer.push(stream.subarray(from, p))) out.push(Uint8Array.from(m));
            from = p;
          }
          expect(out.map((m) => toHex(m))).toEqual(wire.map((m) => toHex(m)));
          expectSameData(out.map((m) => decodeMessage(m, ctx)), msgs);
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---- junk never throws anything but BgpError ------------------------------------------------

/** The error codes a decoder may answer with: header, OPEN, UPDATE, ROUTE-REFRESH errors. */
const DECODE_ERROR_CODES = new Set([1, 2, 3, 7]);

function expectOnlyBgpError(f: () => void, what: string, input: Uint8Array): void {
  try {
    f();
  } catch (e) {
    if (e instanceof BgpError) {
      expect(DECODE_ERROR_CODES.has(e.code), `${what}: error code ${e.code}`).toBe(true);
      expect(e.data).toBeInstanceOf(Uint8Array);
      return;
    }
    throw new Error(`${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} for ${toHex(input)}`, { cause: e });
  }
}

/** Decode; on success the result re-encodes, or fails only with BgpEncodeError. */
function decodeOnlyBgpError(b: Uint8Array, ctx: CodecContext): void {
  let decoded: BgpMessage | undefined;
  expectOnlyBgpError(() => void (decoded = decodeMessage(b, ctx)), 'decodeMessage', b);
  if (decoded === undefined) return;
  const d = decoded;
  try {
    encodeMessage(d, ctx);
  } catch (e) {
    if (!(e instanceof BgpEncodeError)) throw new Error(`re-encoding ${JSON.stringify(d)} threw ${String(e)}`, { cause: e });
  }
}

/** Frame `b` in the given chunks, then decode whatever comes out. */
function frameOnlyBgpError(b: Uint8Array, cuts: readonly number[], ctx: CodecContext): void {
  const framer = new Framer(ctx);
  const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  expectOnlyBgpError(
    () => {
      let from = 0;
      for (const p of [...points, b.length]) {
        const chunk = Uint8Array.from(b.subarray(from, p));
        for (const m of framer.push(chunk)) out.push(Uint8Array.from(m));
        chunk.fill(0xee); // the framer must not have kept it
        from = p;
      }
    },
    'Framer.push',
    b,
  );
  for (const m of out) {
    // What the framer emits is one whole message, as its header says.
    expect((m[16]! << 8) | m[17]!).toBe(m.length);
    decodeOnlyBgpError(m, ctx);
  }
}

type Mutation =
  | { op: 'flip'; at: number; xor: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'u16'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; data: Uint8Array }
  | { op: 'delete'; at: number; n: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x10, 0x20, 0x40) }),
  // Length fields are 2 octets: make them a little off, or wildly off.
  fc.record({ op: fc.constant('u16' as const), at: fc.nat(), value: fc.oneof(fc.integer({ min: 0, max: 40 }), u16, fc.constantFrom(0xffff, 0x1000, 0x0fff)) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), data: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
);

function mutate(input: Uint8Array, mutations: readonly Mutation[], fixLength: boolean): Uint8Array {
  let b = Uint8Array.from(input);
  for (const m of mutations) {
    // Mutate the body more often than the header: the header is checked first and hides the rest.
    const at = b.length === 0 ? 0 : m.at % b.length;
    switch (m.op) {
      case 'flip':
        if (b.length) b[at]! ^= m.xor;
        break;
      case 'set':
        if (b.length) b[at] = m.value;
        break;
      case 'u16':
        if (b.length >= 2) {
          const i = Math.min(at, b.length - 2);
          b[i] = m.value >> 8;
          b[i + 1] = m.value & 0xff;
        }
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'insert': {
        const out = new Uint8Array(b.length + m.data.length);
        out.set(b.subarray(0, at));
        out.set(m.data, at);
        out.set(b.subarray(at), at + m.data.length);
        b = out;
        break;
      }
      case 'delete': {
        const n = Math.min(m.n, b.length - at);
        const out = new Uint8Array(b.length - n);
        out.set(b.subarray(0, at));
        out.set(b.subarray(at + n), at);
        b = out;
        break;
      }
    }
  }
  // Often keep the header consistent so the body decoders see the damage.
  if (fixLength && b.length >= 19) {
    for (let i = 0; i < 16; i++) b[i] = 0xff;
    b[16] = (b.length >> 8) & 0xff;
    b[17] = b.length & 0xff;
  }
  return b;
}

/** A valid header of a known type over a random body: the body decoders see pure noise. */
const headerAndNoiseArb = fc
  .tuple(
    fc.constantFrom(1, 2, 3, 4, 5),
    fc.uint8Array({ maxLength: 120 }),
    fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: u16, weight: 1 }),
  )
  .map(([type, body, length]) => {
    const b = new Uint8Array(19 + body.length);
    b.set(MARKER);
    const len = length ?? b.length;
    b[16] = len >> 8;
    b[17] = len & 0xff;
    b[18] = type;
    b.set(body, 19);
    return b;
  });

/**
 * An OPEN with sound fixed fields and optional parameters that are well framed (type, length) but
 * hold capabilities of known and unknown codes with random contents, so every capability decoder
 * sees junk; sometimes in the RFC 9072 extended encoding.
 */
const openNoiseArb = fc
  .tuple(
    fc.array(
      fc.tuple(fc.constantFrom(1, 2, 6, 64, 65, 69, 70, 73, 0, 128, 255), fc.uint8Array({ maxLength: 14 })),
      { maxLength: 5 },
    ),
    fc.boolean(),
    fc.constantFrom(2, 2, 2, 1, 255),
  )
  .map(([caps, extended, paramType]) => {
    const capBytes: number[] = [];
    for (const [code, value] of caps) capBytes.push(code, value.length, ...value);
    const params = extended
      ? [255, 255, (capBytes.length + 3) >> 8, (capBytes.length + 3) & 0xff, paramType, capBytes.length >> 8, capBytes.length & 0xff, ...capBytes]
      : [capBytes.length + 2, paramType, capBytes.length, ...capBytes];
    const body = [4, 0xfd, 0xe8, 0, 90, 192, 0, 2, 1, ...params];
    const len = 19 + body.length;
    return Uint8Array.from([...MARKER, len >> 8, len & 0xff, 1, ...body]);
  });

/** A valid UPDATE whose attribute area is noise, with consistent lengths: every attribute decoder sees junk. */
const updateNoiseArb = fc
  .tuple(fc.uint8Array({ maxLength: 10 }), fc.uint8Array({ maxLength: 160 }), fc.uint8Array({ maxLength: 10 }))
  .map(([withdrawn, attrs, nlri]) => {
    const len = 19 + 2 + withdrawn.length + 2 + attrs.length + nlri.length;
    const b = new Uint8Array(len);
    b.set(MARKER);
    b[16] = len >> 8;
    b[17] = len & 0xff;
    b[18] = 2;
    let at = 19;
    b[at++] = withdrawn.length >> 8;
    b[at++] = withdrawn.length & 0xff;
    b.set(withdrawn, at);
    at += withdrawn.length;
    b[at++] = attrs.length >> 8;
    b[at++] = attrs.length & 0xff;
    b.set(attrs, at);
    at += attrs.length;
    b.set(nlri, at);
    return b;
  });

/** Attributes made of well-formed headers (flags, known type code, consistent length) over noise. */
const attributeNoiseArb = fc
  .array(
    fc.tuple(
      fc.constantFrom(0x40, 0x80, 0xc0, 0xe0, 0x50, 0x90, 0xd0, 0x00, 0x20),
      fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 17, 18, 32, 9, 99),
      fc.uint8Array({ maxLength: 40 }),
    ),
    { maxLength: 6 },
  )
  .map((attrs) => {
    const parts: number[] = [];
    for (const [flags, code, value] of attrs) {
      parts.push(flags, code);
      if (flags & 0x10) parts.push(value.length >> 8, value.length & 0xff);
      else parts.push(value.length);
      parts.push(...value);
    }
    const len = 19 + 4 + parts.length;
    return Uint8Array.from([...MARKER, len >> 8, len & 0xff, 2, 0, 0, parts.length >> 8, parts.length & 0xff, ...parts]);
  });

describe('junk in: only BgpError out', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), anyCtxArb, fc.array(fc.nat(), { maxLength: 4 }), (b, ctx, cuts) => {
        decodeOnlyBgpError(b, ctx);
        frameOnlyBgpError(b, cuts, ctx);
      }),
      { numRuns: 2000 },
    );
  });

  it('a valid header of every type over random bodies; OPENs with random capabilities', () => {
    fc.assert(
      fc.property(fc.oneof(headerAndNoiseArb, openNoiseArb), anyCtxArb, fc.array(fc.nat(), { maxLength: 4 }), (b, ctx, cuts) => {
        decodeOnlyBgpError(b, ctx);
        frameOnlyBgpError(b, cuts, ctx);
      }),
      { numRuns: 4000 },
    );
  });

  it('UPDATEs with random withdrawn routes, attributes and NLRI', () => {
    fc.assert(
      fc.property(fc.oneof(updateNoiseArb, attributeNoiseArb), anyCtxArb, (b, ctx) => {
        decodeOnlyBgpError(b, ctx);
      }),
      { numRuns: 4000 },
    );
  });

  it('valid messages with random mutations (flipped octets, truncation, length fields, inserted and deleted octets)', () => {
    fc.assert(
      fc.property(
        ctxAndMessage(messageArb),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        anyCtxArb,
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 4 }),
        ({ ctx, msg }, mutations, fixLength, otherCtx, useOther, cuts) => {
          const b = mutate(encodeMessage(msg, ctx), mutations, fixLength);
          const decodeCtx = useOther ? otherCtx : ctx;
          decodeOnlyBgpError(b, decodeCtx);
          frameOnlyBgpError(b, cuts, decodeCtx);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a stream of valid messages with one damaged, through the Framer in random chunks', () => {
    fc.assert(
      fc.property(
        ctxArb.chain((ctx) => fc.tuple(fc.constant(ctx), fc.array(messageArb(ctx), { minLength: 1, maxLength: 4 }))),
        fc.nat(),
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        ([ctx, msgs], which, mutations, cuts) => {
          const wire = msgs.map((m) => encodeMessage(m, ctx));
          const i = which % wire.length;
          wire[i] = mutate(wire[i]!, mutations, false);
          frameOnlyBgpError(Buffer.concat(wire), cuts, ctx);
        },
      ),
      { numRuns: 600 },
    );
  });
});

// ---- text fields keep every character -------------------------------------------------------

describe('text survives the round trip exactly', () => {
  // A UTF-8 decoder strips a leading U+FEFF unless told not to; the operator's text must not change.
  const text = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => utf8.encode(s).length <= 200);

  it('an RFC 8203 shutdown communication beginning with U+FEFF', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(2, 4), (s, subcode) => {
        const shutdownMessage = `\uFEFF${s}`;
        const msg: NotificationMessage = {
          type: 'notification',
          code: 6,
          subcode,
          data: encodeShutdownMessage(shutdownMessage),
          shutdownMessage,
        };
        roundTrip({ ctx: { fourOctetAs: true, extendedMessage: false, addPathSend: [], addPathReceive: [] }, msg });
      }),
      { numRuns: 50 },
    );
  });

  it('an FQDN capability hostname beginning with U+FEFF', () => {
    fc.assert(
      fc.property(text, (s) => {
        const msg: OpenMessage = {
          type: 'open',
          version: 4,
          myAs: 65000,
          holdTime: 90,
          bgpId: '192.0.2.1',
          capabilities: [{ type: 'fqdn', hostname: `\uFEFF${s}`, domain: 'example.net' }],
        };
        roundTrip({ ctx: { fourOctetAs: true, extendedMessage: false, addPathSend: [], addPathReceive: [] }, msg });
      }),
      { numRuns: 50 },
    );
  });
});

// ---- the encoder refuses what the wire cannot carry -----------------------------------------

/**
 * BgpEncodeError's contract: a value the wire cannot carry is refused, never silently wrapped
 * into another value (a path identifier of 2^32 written as 0 would collide with path 0).
 */
describe('out-of-range numbers are a BgpEncodeError, not silently truncated', () => {
  const badFor = (max: number): fc.Arbitrary<number> =>
    fc.oneof(
      fc.integer({ min: max + 1, max: max + 1 + 0xffff }),
      fc.constantFrom(max + 1, 2 ** 32, 2 ** 53, -1, -(2 ** 31), 0.5, max - 0.5, Number.NaN, Infinity),
      fc.integer({ min: -0xffff, max: -1 }),
    );
  const ap: CodecContext = { fourOctetAs: true, extendedMessage: false, addPathSend: ['ipv4-unicast', 'ipv6-unicast'], addPathReceive: [] };
  const open = (over: Partial<OpenMessage>): OpenMessage => ({
    type: 'open',
    version: 4,
    myAs: 65000,
    holdTime: 90,
    bgpId: '192.0.2.1',
    capabilities: [],
    ...over,
  });

  const cases: { field: string; max: number; already?: boolean; make: (v: number) => () => unknown }[] = [
    {
      field: 'ADD-PATH path identifier (UPDATE NLRI)',
      max: 0xffffffff,
      make: (v) => () =>
        encodeMessage(
          {
            type: 'update',
            withdrawn: [],
            attributes: [
              { type: 'origin', origin: 'igp' },
              { type: 'as-path', segments: [] },
              { type: 'next-hop', nextHop: A('192.0.2.1') },
            ],
            nlri: [{ prefix: P('203.0.113.10/32'), pathId: v }],
          },
          ap,
        ),
    },
    {
      field: 'ADD-PATH path identifier (MP_REACH_NLRI)',
      max: 0xffffffff,
      make: (v) => () =>
        encodeMessage(
          {
            type: 'update',
            withdrawn: [],
            attributes: [{ type: 'mp-reach', family: 'ipv6-unicast', nextHop: A('2001:db8::1'), nlri: [{ prefix: P('2001:db8::10/128'), pathId: v }] }],
            nlri: [],
          },
          ap,
        ),
    },
    {
      field: 'ADD-PATH path identifier (packAnnouncements)',
      max: 0xffffffff,
      make: (v) => () =>
        packAnnouncements({ family: 'ipv4-unicast', nextHop: A('192.0.2.1'), attributes: [], nlri: [{ prefix: P('203.0.113.10/32'), pathId: v }] }, ap),
    },
    {
      field: 'ADD-PATH path identifier (packWithdrawals)',
      max: 0xffffffff,
      make: (v) => () => packWithdrawals('ipv6-unicast', [{ prefix: P('2001:db8::10/128'), pathId: v }], ap),
    },
    { field: 'OPEN My AS', max: 0xffff, make: (v) => () => encodeMessage(open({ myAs: v }), ap) },
    { field: 'OPEN Hold Time', max: 0xffff, make: (v) => () => encodeMessage(open({ holdTime: v }), ap) },
    { field: 'OPEN version', max: 0xff, make: (v) => () => encodeMessage(open({ version: v }), ap) },
    {
      field: 'multiprotocol capability AFI',
      max: 0xffff,
      make: (v) => () => encodeMessage(open({ capabilities: [{ type: 'multiprotocol', afi: v, safi: 1 }] }), ap),
    },
    {
      field: '4-octet AS capability AS number',
      max: 0xffffffff,
      make: (v) => () => encodeMessage(open({ capabilities: [{ type: 'four-octet-as', asn: v }] }), ap),
    },
    {
      field: 'graceful restart time (12 bits)',
      max: 4095,
      make: (v) => () =>
        encodeMessage(open({ capabilities: [{ type: 'graceful-restart', restarting: false, notification: false, restartTime: v, families: [] }] }), ap),
    },
    {
      field: 'unknown capability code',
      max: 0xff,
      make: (v) => () => encodeMessage(open({ capabilities: [{ type: 'unknown', code: v, data: new Uint8Array(0) }] }), ap),
    },
    { field: 'NOTIFICATION error code', max: 0xff, make: (v) => () => encodeMessage({ type: 'notification', code: v, subcode: 0, data: new Uint8Array(0) }, ap) },
    { field: 'NOTIFICATION error subcode', max: 0xff, make: (v) => () => encodeMessage({ type: 'notification', code: 6, subcode: v, data: new Uint8Array(0) }, ap) },
    {
      field: 'ROUTE-REFRESH AFI',
      max: 0xffff,
      make: (v) => () => encodeMessage({ type: 'route-refresh', afi: v, safi: 1, subtype: 'normal' }, ap),
    },
    {
      field: 'ROUTE-REFRESH SAFI',
      max: 0xff,
      make: (v) => () => encodeMessage({ type: 'route-refresh', afi: 1, safi: v, subtype: 'normal' }, ap),
    },
    {
      field: 'unknown attribute type code',
      max: 0xff,
      make: (v) => () => encodeMessage({ type: 'update', withdrawn: [], attributes: [{ type: 'unknown', code: v, flags: 0xc0, data: new Uint8Array(0) }], nlri: [] }, ap),
    },
    {
      field: 'MULTI_EXIT_DISC',
      max: 0xffffffff,
      already: true,
      make: (v) => () => encodeMessage({ type: 'update', withdrawn: [], attributes: [{ type: 'med', med: v }], nlri: [] }, ap),
    },
    {
      field: 'AS_PATH AS number',
      max: 0xffffffff,
      already: true,
      make: (v) => () =>
        encodeMessage({ type: 'update', withdrawn: [], attributes: [{ type: 'as-path', segments: [{ kind: 'sequence', asns: [v] }] }], nlri: [] }, ap),
    },
  ];

  /** Every field of `group` that lets an out-of-range value through, with the first such value. */
  function silentlyWrapped(group: readonly (typeof cases)[number][]): string[] {
    const wrapped: string[] = [];
    for (const c of group) {
      // The largest valid value is accepted.
      expect(c.make(c.max), c.field).not.toThrow();
      for (const v of fc.sample(badFor(c.max), 40)) {
        try {
          c.make(v)();
        } catch (e) {
          if (e instanceof BgpEncodeError) continue;
          throw e;
        }
        wrapped.push(`${c.field} = ${v}`);
        break;
      }
    }
    return wrapped;
  }

  it('ADD-PATH path identifiers: a value outside 0..2^32-1 or not an integer is refused', () => {
    expect(silentlyWrapped(cases.filter((c) => c.field.startsWith('ADD-PATH')))).toEqual([]);
  });

  it('OPEN, capability, NOTIFICATION, ROUTE-REFRESH and attribute-code fields: a value that does not fit is refused', () => {
    expect(silentlyWrapped(cases.filter((c) => !c.field.startsWith('ADD-PATH') && !c.already))).toEqual([]);
  });

  it('MED and AS numbers: already refused (the contract the others should follow)', () => {
    expect(silentlyWrapped(cases.filter((c) => c.already))).toEqual([]);
  });
});
