// Packing many prefixes into as few UPDATEs as the size limit allows: every message is valid, carries
// the shared attributes and next hop, the messages together carry exactly the prefixes in order, and
// no message leaves room another prefix would have fitted in.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BgpEncodeError,
  decodeMessage,
  encodeMessage,
  endOfRib,
  endOfRibFamily,
  packAnnouncementRows,
  packAnnouncements,
  packWithdrawalRows,
  packWithdrawals,
  Prefix,
  type Announcement,
  type CodecContext,
  type Family,
  type Nlri,
  type PathAttribute,
  type UpdateMessage,
} from '../../src/codec/index.js';
import { A, bytes, C, ctxWith, MARKER, P } from './fixture.js';

const N = 10_000;

/** 198.18.0.0/15 (RFC 2544 benchmarking space): N distinct /32s. */
function ipv4Hosts(n: number, addPath: boolean): Nlri[] {
  return Array.from({ length: n }, (_, i) => {
    const v = 0xc6120000 + i * 7; // spread over the /15, still distinct
    const prefix = Prefix.fromBytes('ipv4-unicast', Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff), 32);
    return addPath ? { prefix, pathId: (i % 5) + 1 + (i >> 12) * 1000 } : { prefix };
  });
}

/** 2001:db8::/32 (documentation): N distinct /128s. */
function ipv6Hosts(n: number, addPath: boolean): Nlri[] {
  return Array.from({ length: n }, (_, i) => {
    const b = new Uint8Array(16);
    b.set([0x20, 0x01, 0x0d, 0xb8]);
    b[5] = i % 3; // some with zero runs in different places
    b[9] = (i * 13) & 0xff;
    b[14] = i >> 8;
    b[15] = i & 0xff;
    const prefix = Prefix.fromBytes('ipv6-unicast', b, 128);
    return addPath ? { prefix, pathId: 0xffffffff - (i % 4) } : { prefix };
  });
}

function hosts(family: Family, n: number, addPath: boolean): Nlri[] {
  return family === 'ipv4-unicast' ? ipv4Hosts(n, addPath) : ipv6Hosts(n, addPath);
}

const SHARED: readonly PathAttribute[] = [
  { type: 'origin', origin: 'igp' },
  { type: 'as-path', segments: [{ kind: 'sequence', asns: [65000] }] },
  { type: 'med', med: 0 },
  { type: 'local-pref', localPref: 100 },
  { type: 'communities', communities: [C(65000, 100), C(65000, 200)] },
  { type: 'large-communities', communities: [[4200000000, 1, 2]] },
];

/** In type-code order, as the IPv4 packer writes them (RFC 4271 5: SHOULD). */
const CODE: Record<string, number> = { origin: 1, 'as-path': 2, 'next-hop': 3, med: 4, 'local-pref': 5, communities: 8, 'large-communities': 32 };

function ctxFor(addPath: boolean, extendedMessage: boolean, family: Family): CodecContext {
  const fams: Family[] = addPath ? [family] : [];
  return ctxWith({ fourOctetAs: true, extendedMessage, addPathSend: fams, addPathReceive: fams });
}

function prefixSize(family: Family, addPath: boolean, length: number): number {
  void family;
  return (addPath ? 4 : 0) + 1 + ((length + 7) >> 3);
}

function decodeAll(msgs: readonly Uint8Array[], ctx: CodecContext): UpdateMessage[] {
  return msgs.map((m) => {
    const d = decodeMessage(m, ctx);
    if (d.type !== 'update') throw new Error(`decoded a ${d.type}`);
    expect(d.errorHandling).toBeUndefined();
    return d;
  });
}

/**
 * Octets an UPDATE carrying these (shared) attributes takes with no prefix in it, as the encoder
 * writes it; +1 for the MP attribute, whose length needs two octets once prefixes fill it.
 */
function emptySize(u: UpdateMessage, ctx: CodecContext, mp: boolean): number {
  return encodeMessage(u, ctx).length + (mp ? 1 : 0);
}

/** Every message but the last is full: the next prefix would not have fitted. */
function expectTightlyPacked(perMessage: readonly Nlri[][], all: readonly Nlri[], room: number, size: (n: Nlri) => number): void {
  let at = 0;
  for (let i = 0; i < perMessage.length; i++) {
    const used = perMessage[i]!.reduce((s, n) => s + size(n), 0);
    expect(used).toBeLessThanOrEqual(room);
    at += perMessage[i]!.length;
    if (i < perMessage.length - 1) expect(used + size(all[at]!), `message ${i} has a gap`).toBeGreaterThan(room);
  }
}

const COMBOS: { family: Family; addPath: boolean; ext: boolean }[] = [];
for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
  for (const addPath of [false, true]) for (const ext of [false, true]) COMBOS.push({ family, addPath, ext });
}

describe('packAnnouncements: 10,000 host routes', () => {
  for (const { family, addPath, ext } of COMBOS) {
    const name = `${family}, ADD-PATH ${addPath ? 'on' : 'off'}, ${ext ? 'Extended Message' : '4096-octet messages'}`;
    it(name, () => {
      const ctx = ctxFor(addPath, ext, family);
      const max = ext ? 65535 : 4096;
      const nlri = hosts(family, N, addPath);
      const v4 = family === 'ipv4-unicast';
      const nextHop = A(v4 ? '198.51.100.11' : '2001:db8:ffff::11');
      const a: Announcement = { family, nextHop, attributes: SHARED, nlri };
      const msgs = packAnnouncements(a, ctx);

      for (const m of msgs) {
        expect(m.length).toBeLessThanOrEqual(max);
        expect((m[16]! << 8) | m[17]!).toBe(m.length);
      }
      const decoded = decodeAll(msgs, ctx);

      const perMessage: Nlri[][] = [];
      for (const d of decoded) {
        expect(d.withdrawn).toEqual([]);
        if (v4) {
          const expected = [...SHARED, { type: 'next-hop', nextHop }].sort((x, y) => CODE[x.type]! - CODE[y.type]!);
          expect(d.attributes).toEqual(expected);
          perMessage.push([...d.nlri]);
        } else {
          expect(d.nlri).toEqual([]);
          // RFC 7606 5.1: MP_REACH_NLRI first, so a truncated message still tells us what it announced.
          const [mp, ...rest] = d.attributes;
          expect(mp?.type).toBe('mp-reach');
          if (mp?.type !== 'mp-reach') return;
          expect(mp.family).toBe(family);
          expect(mp.nextHop).toEqual(nextHop);
          expect(mp.linkLocalNextHop).toBeUndefined();
          expect(rest).toEqual(SHARED);
          perMessage.push([...mp.nlri]);
        }
      }
      expect(perMessage.flat()).toEqual(nlri);

      const empty: UpdateMessage = v4
        ? { type: 'update', withdrawn: [], attributes: [...SHARED, { type: 'next-hop', nextHop }], nlri: [] }
        : { type: 'update', withdrawn: [], attributes: [{ type: 'mp-reach', family, nextHop, nlri: [] }, ...SHARED], nlri: [] };
      const room = max - emptySize(empty, ctx, !v4);
      const size = prefixSize(family, addPath, v4 ? 32 : 128);
      const perMsg = Math.floor(room / size);
      expect(msgs.length).toBe(Math.ceil(N / perMsg));
      expectTightlyPacked(perMessage, nlri, room, () => size);
      // Each full message is exactly the fixed part plus its prefixes.
      for (let i = 0; i < msgs.length; i++) expect(msgs[i]!.length).toBe(max - room + perMessage[i]!.length * size);
    });
  }

  it('IPv6 with a link-local next hop (RFC 2545 3)', () => {
    const ctx = ctxFor(false, false, 'ipv6-unicast');
    const nlri = ipv6Hosts(1000, false);
    const msgs = packAnnouncements(
      { family: 'ipv6-unicast', nextHop: A('2001:db8::1'), linkLocalNextHop: A('fe80::1'), attributes: SHARED, nlri },
      ctx,
    );
    const out: Nlri[] = [];
    for (const d of decodeAll(msgs, ctx)) {
      const mp = d.attributes[0];
      expect(mp).toMatchObject({ type: 'mp-reach', nextHop: A('2001:db8::1'), linkLocalNextHop: A('fe80::1') });
      if (mp?.type === 'mp-reach') out.push(...mp.nlri);
    }
    expect(out).toEqual(nlri);
    const room = 4096 - emptySize({ type: 'update', withdrawn: [], nlri: [], attributes: [{ type: 'mp-reach', family: 'ipv6-unicast', nextHop: A('2001:db8::1'), linkLocalNextHop: A('fe80::1'), nlri: [] }, ...SHARED] }, ctx, true);
    expect(msgs.length).toBe(Math.ceil(1000 / Math.floor(room / 17)));
  });

  for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
    it(`${family}: prefixes of mixed lengths fill every message (no gaps)`, () => {
      const v4 = family === 'ipv4-unicast';
      const max = v4 ? 32 : 128;
      const ctx = ctxFor(true, false, family);
      // Lengths cycle through every value, so prefix sizes vary from 5 to 21 octets.
      const nlri: Nlri[] = Array.from({ length: 3000 }, (_, i) => {
        const len = i % (max + 1);
        const b = new Uint8Array(v4 ? 4 : 16).fill(0xff);
        b[0] = v4 ? 10 : 0x20;
        b[1] = i >> 4;
        for (let bit = len; bit < b.length * 8; bit++) b[bit >> 3]! &= ~(0x80 >> (bit & 7));
        return { prefix: Prefix.fromBytes(family, b, len), pathId: i };
      });
      const nextHop = A(v4 ? '192.0.2.1' : '2001:db8::1');
      const msgs = packAnnouncements({ family, nextHop, attributes: SHARED, nlri }, ctx);
      const perMessage = decodeAll(msgs, ctx).map((d) => {
        if (v4) return [...d.nlri];
        const mp = d.attributes[0];
        return mp?.type === 'mp-reach' ? [...mp.nlri] : [];
      });
      expect(perMessage.flat()).toEqual(nlri);
      const empty: UpdateMessage = v4
        ? { type: 'update', withdrawn: [], attributes: [...SHARED, { type: 'next-hop', nextHop }], nlri: [] }
        : { type: 'update', withdrawn: [], attributes: [{ type: 'mp-reach', family, nextHop, nlri: [] }, ...SHARED], nlri: [] };
      const room = 4096 - emptySize(empty, ctx, !v4);
      const sizeOf = (n: Nlri): number => prefixSize(family, true, n.prefix.length);
      expectTightlyPacked(perMessage, nlri, room, sizeOf);
      // Greedy filling in order is the minimum for an order-preserving split.
      let count = 0;
      let used = room;
      for (const n of nlri) {
        if (used + sizeOf(n) > room) {
          count++;
          used = 0;
        }
        used += sizeOf(n);
      }
      expect(msgs.length).toBe(count);
    });
  }

  it('attributes leaving room for exactly one prefix: one prefix per message, each exactly 4096 octets', () => {
    const ctx = ctxFor(false, false, 'ipv4-unicast');
    const withData = (n: number): PathAttribute[] => [...SHARED, { type: 'unknown', code: 99, flags: 0xc0, data: new Uint8Array(n).fill(0xab) }];
    const nextHop = A('192.0.2.1');
    const probe = 1000;
    const fixed = encodeMessage({ type: 'update', withdrawn: [], attributes: [...withData(probe), { type: 'next-hop', nextHop }], nlri: [] }, ctx).length - probe;
    const fill = 4096 - fixed - 5; // room for one /32 (5 octets)
    const nlri = ipv4Hosts(3, false);
    const msgs = packAnnouncements({ family: 'ipv4-unicast', nextHop, attributes: withData(fill), nlri }, ctx);
    expect(msgs.map((m) => m.length)).toEqual([4096, 4096, 4096]);
    expect(decodeAll(msgs, ctx).map((d) => d.nlri)).toEqual(nlri.map((n) => [n]));
    expect(() => packAnnouncements({ family: 'ipv4-unicast', nextHop, attributes: withData(fill + 1), nlri }, ctx)).toThrow(BgpEncodeError);
  });

  it('no prefixes: no messages', () => {
    expect(packAnnouncements({ family: 'ipv4-unicast', nextHop: A('192.0.2.1'), attributes: SHARED, nlri: [] }, ctxFor(false, false, 'ipv4-unicast'))).toEqual([]);
    expect(packWithdrawals('ipv6-unicast', [], ctxFor(false, false, 'ipv6-unicast'))).toEqual([]);
  });
});

describe('packWithdrawals: 10,000 host routes', () => {
  for (const { family, addPath, ext } of COMBOS) {
    const name = `${family}, ADD-PATH ${addPath ? 'on' : 'off'}, ${ext ? 'Extended Message' : '4096-octet messages'}`;
    it(name, () => {
      const ctx = ctxFor(addPath, ext, family);
      const max = ext ? 65535 : 4096;
      const nlri = hosts(family, N, addPath);
      const v4 = family === 'ipv4-unicast';
      const msgs = packWithdrawals(family, nlri, ctx);
      for (const m of msgs) expect(m.length).toBeLessThanOrEqual(max);
      const perMessage: Nlri[][] = [];
      for (const d of decodeAll(msgs, ctx)) {
        expect(d.nlri).toEqual([]);
        if (v4) {
          expect(d.attributes).toEqual([]);
          perMessage.push([...d.withdrawn]);
        } else {
          expect(d.withdrawn).toEqual([]);
          expect(d.attributes.length).toBe(1);
          const mp = d.attributes[0];
          expect(mp?.type).toBe('mp-unreach');
          if (mp?.type !== 'mp-unreach') return;
          expect(mp.family).toBe(family);
          perMessage.push([...mp.withdrawn]);
        }
      }
      expect(perMessage.flat()).toEqual(nlri);
      const room = max - emptySize(endOfRib(family), ctx, !v4);
      const size = prefixSize(family, addPath, v4 ? 32 : 128);
      expect(msgs.length).toBe(Math.ceil(N / Math.floor(room / size)));
      expectTightlyPacked(perMessage, nlri, room, () => size);
    });
  }
});

describe('pack: bad input is a BgpEncodeError', () => {
  const v4ctx = ctxFor(false, false, 'ipv4-unicast');
  const v6ctx = ctxFor(false, false, 'ipv6-unicast');

  it('an IPv6 prefix in an IPv4 announcement, and the reverse', () => {
    expect(() => packAnnouncements({ family: 'ipv4-unicast', nextHop: A('192.0.2.1'), attributes: SHARED, nlri: [{ prefix: P('10.0.0.0/8') }, { prefix: P('2001:db8::/32') }] }, v4ctx)).toThrow(BgpEncodeError);
    expect(() => packAnnouncements({ family: 'ipv6-unicast', nextHop: A('2001:db8::1'), attributes: SHARED, nlri: [{ prefix: P('192.0.2.0/24') }] }, v6ctx)).toThrow(BgpEncodeError);
  });

  it('a wrong-family withdrawal', () => {
    expect(() => packWithdrawals('ipv4-unicast', [{ prefix: P('2001:db8::1/128') }], v4ctx)).toThrow(BgpEncodeError);
    expect(() => packWithdrawals('ipv6-unicast', [{ prefix: P('192.0.2.1/32') }], v6ctx)).toThrow(BgpEncodeError);
  });

  it('a path identifier that is not a 32-bit unsigned integer, with ADD-PATH', () => {
    const ctx = ctxFor(true, false, 'ipv4-unicast');
    for (const pathId of [-1, 2 ** 32, 1.5, NaN]) {
      expect(() => packWithdrawals('ipv4-unicast', [{ prefix: P('10.0.0.0/8'), pathId }], ctx), String(pathId)).toThrow(BgpEncodeError);
      expect(() => packAnnouncements({ family: 'ipv4-unicast', nextHop: A('192.0.2.1'), attributes: SHARED, nlri: [{ prefix: P('10.0.0.0/8'), pathId }] }, ctx)).toThrow(BgpEncodeError);
    }
    // Without ADD-PATH the identifier is not sent, so it does not matter.
    expect(packWithdrawals('ipv4-unicast', [{ prefix: P('10.0.0.0/8'), pathId: -1 }], v4ctx)).toHaveLength(1);
  });

  it('a next hop of the wrong family', () => {
    expect(() => packAnnouncements({ family: 'ipv4-unicast', nextHop: A('2001:db8::1'), attributes: SHARED, nlri: [{ prefix: P('10.0.0.0/8') }] }, v4ctx)).toThrow(BgpEncodeError);
    expect(() => packAnnouncements({ family: 'ipv6-unicast', nextHop: A('192.0.2.1'), attributes: SHARED, nlri: [{ prefix: P('2001:db8::/32') }] }, v6ctx)).toThrow(BgpEncodeError);
    expect(() => packAnnouncements({ family: 'ipv6-unicast', nextHop: A('2001:db8::1'), linkLocalNextHop: A('192.0.2.1'), attributes: SHARED, nlri: [{ prefix: P('2001:db8::/32') }] }, v6ctx)).toThrow(BgpEncodeError);
  });

  it('NEXT_HOP or MP attributes among the shared attributes', () => {
    for (const extra of [
      { type: 'next-hop', nextHop: A('192.0.2.1') },
      { type: 'mp-reach', family: 'ipv6-unicast', nextHop: A('2001:db8::1'), nlri: [] },
      { type: 'mp-unreach', family: 'ipv6-unicast', withdrawn: [] },
    ] as const) {
      expect(() => packAnnouncements({ family: 'ipv4-unicast', nextHop: A('192.0.2.1'), attributes: [...SHARED, extra], nlri: [{ prefix: P('10.0.0.0/8') }] }, v4ctx)).toThrow(BgpEncodeError);
    }
  });

  for (const [family, nextHop, prefix] of [
    ['ipv4-unicast', A('192.0.2.1'), P('10.0.0.0/8')],
    ['ipv6-unicast', A('2001:db8::1'), P('2001:db8::/32')],
  ] as const) {
    it(`${family}: attributes that leave no room for one prefix`, () => {
      const ctx = ctxFor(false, false, family);
      const big = (n: number): PathAttribute[] => [...SHARED, { type: 'unknown', code: 200, flags: 0xc0, data: new Uint8Array(n) }];
      // Nearly a whole message of attributes; exactly a whole one; larger than a message; larger than
      // an attribute can be. With one prefix and with many: the error must not depend on how many.
      const many = hosts(family, 1000, false);
      for (const n of [4040, 4055, 4060, 4062, 4064, 4090, 5000, 70000]) {
        for (const nlri of [[{ prefix }], many]) {
          let thrown: unknown;
          try {
            packAnnouncements({ family, nextHop, attributes: big(n), nlri }, ctx);
          } catch (e) {
            thrown = e;
          }
          expect(thrown, `${n} octets of attribute, ${nlri.length} prefixes: ${String(thrown)}`).toBeInstanceOf(BgpEncodeError);
        }
      }
      // With Extended Message the 5000-octet attribute fits.
      const ext = ctxFor(false, true, family);
      const msgs = packAnnouncements({ family, nextHop, attributes: big(5000), nlri: [{ prefix }] }, ext);
      expect(msgs.length).toBe(1);
      expect(decodeAll(msgs, ext)[0]!.attributes).toContainEqual({ type: 'unknown', code: 200, flags: 0xc0, data: new Uint8Array(5000) });
    });
  }
});

describe('End-of-RIB (RFC 4724 2)', () => {
  it('IPv4 unicast: the UPDATE of 23 octets', () => {
    const b = encodeMessage(endOfRib('ipv4-unicast'), ctxFor(true, true, 'ipv4-unicast'));
    expect(Buffer.from(b).toString('hex')).toBe(
      Buffer.from(
        bytes(
          MARKER,
          0x00, 0x17, // length 23
          0x02, // UPDATE
          0x00, 0x00, // withdrawn routes length 0
          0x00, 0x00, // total path attribute length 0
        ),
      ).toString('hex'),
    );
    const d = decodeMessage(b, ctxFor(true, true, 'ipv4-unicast'));
    expect(d.type === 'update' && endOfRibFamily(d)).toBe('ipv4-unicast');
  });

  it('IPv6 unicast: only an empty MP_UNREACH_NLRI', () => {
    const b = encodeMessage(endOfRib('ipv6-unicast'), ctxFor(true, false, 'ipv6-unicast'));
    expect(Buffer.from(b).toString('hex')).toBe(
      Buffer.from(
        bytes(
          MARKER,
          0x00, 0x1d, // length 29
          0x02, // UPDATE
          0x00, 0x00, // withdrawn routes length 0
          0x00, 0x06, // total path attribute length 6
          0x80, 0x0f, 0x03, // optional, MP_UNREACH_NLRI, length 3
          0x00, 0x02, 0x01, // AFI 2 (IPv6), SAFI 1 (unicast), no withdrawn routes
        ),
      ).toString('hex'),
    );
    const d = decodeMessage(b, ctxFor(true, false, 'ipv6-unicast'));
    expect(d.type === 'update' && endOfRibFamily(d)).toBe('ipv6-unicast');
  });

  it('ordinary UPDATEs are not End-of-RIB markers', () => {
    const ctx = ctxFor(false, false, 'ipv6-unicast');
    const [announce] = decodeAll(packAnnouncements({ family: 'ipv6-unicast', nextHop: A('2001:db8::1'), attributes: SHARED, nlri: [{ prefix: P('2001:db8::/48') }] }, ctx), ctx);
    const [withdraw] = decodeAll(packWithdrawals('ipv6-unicast', [{ prefix: P('2001:db8::/48') }], ctx), ctx);
    const [withdraw4] = decodeAll(packWithdrawals('ipv4-unicast', [{ prefix: P('10.0.0.0/8') }], ctx), ctx);
    expect(endOfRibFamily(announce!)).toBeNull();
    expect(endOfRibFamily(withdraw!)).toBeNull();
    expect(endOfRibFamily(withdraw4!)).toBeNull();
    expect(endOfRibFamily({ type: 'update', withdrawn: [], attributes: [{ type: 'origin', origin: 'igp' }], nlri: [] })).toBeNull();
  });
});

describe('the packers and encodeMessage write the same octets', () => {
  // The packers write prefixes by hand for speed (from Prefix values, and from rows of columns);
  // they must write exactly what the general encoder writes.
  const nlriArb = (family: Family) =>
    fc.record({
      bytes: fc.uint8Array({ minLength: family === 'ipv4-unicast' ? 4 : 16, maxLength: family === 'ipv4-unicast' ? 4 : 16 }),
      length: fc.integer({ min: 0, max: family === 'ipv4-unicast' ? 32 : 128 }),
      pathId: fc.nat({ max: 0xffffffff }),
    });

  function rowsOf(family: Family, list: readonly { bytes: Uint8Array; length: number; pathId: number }[]) {
    const addr = new Uint8Array(list.length * 16);
    const len = new Uint8Array(list.length);
    list.forEach((n, i) => {
      const p = Prefix.fromBytes(family, n.bytes, n.length);
      addr.set(p.bytes, i * 16);
      len[i] = p.length;
    });
    // Rows in reverse order, to show `rows` picks them.
    const rows = Int32Array.from(list.map((_, i) => list.length - 1 - i));
    const pathIds = Uint32Array.from([...list].reverse().map((n) => n.pathId));
    return { family, cols: { addr, len }, rows, pathIds, count: list.length };
  }

  const hex = (msgs: readonly Uint8Array[]): string => msgs.map((m) => Buffer.from(m).toString('hex')).join(' ');
  const whole = (b: Uint8Array): string => Buffer.from(b).toString('hex');

  for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
    for (const addPath of [false, true]) {
      it(`${family}, ADD-PATH ${addPath ? 'on' : 'off'}: withdrawals and announcements`, () => {
        const ctx = ctxFor(addPath, false, family);
        const nextHop = A(family === 'ipv4-unicast' ? '192.0.2.1' : '2001:db8::1');
        fc.assert(
          fc.property(fc.array(nlriArb(family), { minLength: 1, maxLength: 40 }), (list) => {
            const nlri: Nlri[] = list.map((n) => ({ prefix: Prefix.fromBytes(family, n.bytes, n.length), pathId: n.pathId }));
            const rows = rowsOf(family, list);
            const reversed = [...nlri].reverse();

            const withdrawal: UpdateMessage =
              family === 'ipv4-unicast'
                ? { type: 'update', withdrawn: reversed, attributes: [], nlri: [] }
                : { type: 'update', withdrawn: [], attributes: [{ type: 'mp-unreach', family, withdrawn: reversed }], nlri: [] };
            const withdrawn = packWithdrawals(family, reversed, ctx);
            expect(withdrawn).toHaveLength(1);
            expect(decodeMessage(withdrawn[0]!, ctx)).toEqual(decodeMessage(encodeMessage(withdrawal, ctx), ctx));
            // IPv4 withdrawals have no attribute whose length encoding could differ: the same octets.
            if (family === 'ipv4-unicast') expect(hex(withdrawn)).toBe(whole(encodeMessage(withdrawal, ctx)));
            expect(whole(packWithdrawalRows(rows, ctx).bytes)).toBe(hex(withdrawn));

            const announcement: UpdateMessage =
              family === 'ipv4-unicast'
                ? { type: 'update', withdrawn: [], attributes: [...SHARED, { type: 'next-hop', nextHop } as const].sort((x, y) => CODE[x.type]! - CODE[y.type]!), nlri: reversed }
                : { type: 'update', withdrawn: [], attributes: [{ type: 'mp-reach', family, nextHop, nlri: reversed }, ...SHARED], nlri: [] };
            // The packer gives MP attributes the extended length always (their NLRI make them large).
            const expected = decodeMessage(encodeMessage(announcement, ctx), ctx);
            const packed = packAnnouncements({ family, nextHop, attributes: SHARED, nlri: reversed }, ctx);
            expect(packed).toHaveLength(1);
            expect(decodeMessage(packed[0]!, ctx)).toEqual(expected);
            expect(whole(packAnnouncementRows({ nextHop, attributes: SHARED }, rows, ctx).bytes)).toBe(hex(packed));
          }),
          { numRuns: 200 },
        );
      });
    }
  }
});
