// The Framer cuts a TCP byte stream into whole messages: however the stream is split, the output
// is exactly the messages sent, and a bad header fails as soon as its 19 octets are there.

import { describe, expect, it } from 'vitest';
import {
  BgpError,
  cease,
  CeaseSubcode,
  DEFAULT_CONTEXT,
  encodeMessage,
  notification,
  Framer,
  type BgpMessage,
  type CodecContext,
} from '../../src/codec/index.js';
import { A, bytes, C, ctxWith, MARKER, P, u16 } from './fixture.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const MESSAGES: readonly BgpMessage[] = [
  {
    type: 'open',
    version: 4,
    myAs: 65001,
    holdTime: 90,
    bgpId: '198.51.100.1',
    capabilities: [
      { type: 'multiprotocol', afi: 1, safi: 1 },
      { type: 'multiprotocol', afi: 2, safi: 1 },
      { type: 'route-refresh' },
      { type: 'four-octet-as', asn: 4200000001 },
      { type: 'add-path', families: [{ afi: 1, safi: 1, direction: 'both' }] },
    ],
  },
  { type: 'keepalive' },
  {
    type: 'update',
    withdrawn: [{ prefix: P('192.0.2.0/24') }],
    attributes: [
      { type: 'origin', origin: 'igp' },
      { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001, 65002] }] },
      { type: 'next-hop', nextHop: A('198.51.100.11') },
      { type: 'local-pref', localPref: 100 },
      { type: 'communities', communities: [C(65001, 100), C(65001, 200)] },
    ],
    nlri: [{ prefix: P('203.0.113.10/32') }, { prefix: P('203.0.113.0/24') }],
  },
  {
    type: 'update',
    withdrawn: [],
    attributes: [
      {
        type: 'mp-reach',
        family: 'ipv6-unicast',
        nextHop: A('2001:db8::11'),
        linkLocalNextHop: A('fe80::11'),
        nlri: [{ prefix: P('2001:db8:1::/48') }, { prefix: P('2001:db8:2::10/128') }],
      },
      { type: 'origin', origin: 'igp' },
      { type: 'as-path', segments: [] },
    ],
    nlri: [],
  },
  { type: 'keepalive' },
  { type: 'route-refresh', afi: 2, safi: 1, subtype: 'normal' },
  { type: 'route-refresh', afi: 1, safi: 1, subtype: 'end-of-rib' },
  cease(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, 'maintenance, back at 14:00'),
  notification(3, 1, Uint8Array.of(0xc0, 0xff, 0xee)),
];

const ENCODED = MESSAGES.map((m) => encodeMessage(m, DEFAULT_CONTEXT));
const STREAM = concat(ENCODED);
const EXPECTED = ENCODED.map(hex);

/**
 * Push every chunk (each a private copy), snapshot the output at once, then scribble over the
 * chunk: a framer that kept a reference to a partial message instead of copying it would then
 * produce garbage later.
 */
function feed(framer: Framer, chunks: readonly Uint8Array[]): string[] {
  const out: string[] = [];
  for (const c of chunks) {
    const chunk = Uint8Array.from(c);
    for (const m of framer.push(chunk)) out.push(hex(m));
    chunk.fill(0x5a);
  }
  return out;
}

function expectBgpError(f: () => unknown, code: number, subcode: number): BgpError {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a BgpError').toBeInstanceOf(BgpError);
  const err = thrown as BgpError;
  expect([err.code, err.subcode]).toEqual([code, subcode]);
  return err;
}

/** A bare header: marker, length, type. */
function header(length: number, type: number, marker: readonly number[] = MARKER): Uint8Array {
  return bytes(marker, u16(length), type);
}

describe('Framer: splitting a stream of real messages', () => {
  it('the stream is several kinds of message, as encoded', () => {
    expect(new Set(MESSAGES.map((m) => m.type))).toEqual(
      new Set(['open', 'update', 'keepalive', 'notification', 'route-refresh']),
    );
    expect(STREAM.length).toBeGreaterThan(200);
  });

  it('all messages in one chunk come out whole, in order', () => {
    const f = new Framer();
    expect(feed(f, [STREAM])).toEqual(EXPECTED);
    expect(f.buffered).toBe(0);
  });

  it('split into two chunks at every byte offset', () => {
    for (let k = 0; k <= STREAM.length; k++) {
      const f = new Framer();
      const out = feed(f, [STREAM.subarray(0, k), STREAM.subarray(k)]);
      expect(out, `split at ${k}`).toEqual(EXPECTED);
      expect(f.buffered, `split at ${k}`).toBe(0);
    }
  });

  it('split into three chunks at every pair of offsets inside the first messages', () => {
    const limit = ENCODED[0]!.length + ENCODED[1]!.length + ENCODED[2]!.length + 5;
    for (let i = 0; i <= limit; i++) {
      for (let j = i; j <= limit; j++) {
        const f = new Framer();
        const out = feed(f, [STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)]);
        expect(out, `split at ${i}, ${j}`).toEqual(EXPECTED);
      }
    }
  });

  it('1-byte chunks', () => {
    const f = new Framer();
    const chunks = Array.from(STREAM, (b) => Uint8Array.of(b));
    expect(feed(f, chunks)).toEqual(EXPECTED);
    expect(f.buffered).toBe(0);
  });

  it('a message is emitted by the very push that completes it, not earlier or later', () => {
    const f = new Framer();
    let sent = 0;
    let boundary = ENCODED[0]!.length;
    for (let i = 0; i < STREAM.length; i++) {
      const out = f.push(STREAM.subarray(i, i + 1));
      if (i + 1 === boundary) {
        expect(out.map(hex)).toEqual([EXPECTED[sent]]);
        sent++;
        boundary += ENCODED[sent]?.length ?? 0;
        expect(f.buffered).toBe(0);
      } else {
        expect(out).toEqual([]);
        expect(f.buffered).toBe(i + 1 - (boundary - ENCODED[sent]!.length));
      }
    }
    expect(sent).toBe(ENCODED.length);
  });

  it('several whole messages plus a partial one in each chunk', () => {
    // Chunks of 7 octets more than the longest message: every chunk holds a tail, whole messages and a head.
    const size = Math.max(...ENCODED.map((m) => m.length)) + 7;
    const chunks: Uint8Array[] = [];
    const stream = concat([STREAM, STREAM, STREAM]);
    for (let at = 0; at < stream.length; at += size) chunks.push(stream.subarray(at, at + size));
    const f = new Framer();
    expect(feed(f, chunks)).toEqual([...EXPECTED, ...EXPECTED, ...EXPECTED]);
    expect(f.buffered).toBe(0);
  });

  it('empty chunks change nothing', () => {
    const f = new Framer();
    const mid = 30;
    const out = feed(f, [new Uint8Array(0), STREAM.subarray(0, mid), new Uint8Array(0), new Uint8Array(0), STREAM.subarray(mid)]);
    expect(out).toEqual(EXPECTED);
  });

  it('messages wholly inside a chunk are exactly their octets (no trailing or leading bytes)', () => {
    const f = new Framer();
    const out = f.push(STREAM);
    expect(out.map((m) => m.length)).toEqual(ENCODED.map((m) => m.length));
    for (const m of out) expect((m[16]! << 8) | m[17]!).toBe(m.length);
  });
});

describe('Framer: the caller may reuse its chunk after push', () => {
  it('a message begun in one chunk survives the chunk being overwritten, at every split', () => {
    // feed() already scribbles over every chunk; this checks the same for a fresh, reused buffer,
    // as a socket reading into one fixed buffer would do.
    for (let k = 1; k < STREAM.length; k++) {
      const f = new Framer();
      const buf = new Uint8Array(STREAM.length);
      const out: string[] = [];
      buf.set(STREAM.subarray(0, k));
      for (const m of f.push(buf.subarray(0, k))) out.push(hex(m));
      buf.fill(0); // the socket reuses its buffer
      buf.set(STREAM.subarray(k));
      for (const m of f.push(buf.subarray(0, STREAM.length - k))) out.push(hex(m));
      expect(out, `split at ${k}`).toEqual(EXPECTED);
    }
  });

  it('a header held back across pushes is a copy as well', () => {
    const f = new Framer();
    const update = ENCODED[2]!;
    const chunk = Uint8Array.from(update.subarray(0, 10));
    expect(f.push(chunk)).toEqual([]);
    chunk.fill(0);
    const chunk2 = Uint8Array.from(update.subarray(10, 25));
    expect(f.push(chunk2)).toEqual([]);
    chunk2.fill(0x13);
    const out = f.push(Uint8Array.from(update.subarray(25)));
    expect(out.map(hex)).toEqual([hex(update)]);
  });
});

describe('Framer: a header arriving in pieces', () => {
  it('is held until whole, and the body after it', () => {
    const f = new Framer();
    const update = ENCODED[2]!;
    expect(f.push(update.subarray(0, 5))).toEqual([]);
    expect(f.buffered).toBe(5);
    expect(f.push(update.subarray(5, 17))).toEqual([]);
    expect(f.buffered).toBe(17);
    expect(f.push(update.subarray(17, 19))).toEqual([]);
    expect(f.buffered).toBe(19);
    expect(f.push(update.subarray(19, 30))).toEqual([]);
    expect(f.buffered).toBe(30);
    const out = f.push(concat([update.subarray(30), ENCODED[1]!, ENCODED[0]!.subarray(0, 3)]));
    expect(out.map(hex)).toEqual([hex(update), hex(ENCODED[1]!)]);
    expect(f.buffered).toBe(3);
  });

  it('a KEEPALIVE whose last header octet completes it', () => {
    const f = new Framer();
    const ka = ENCODED[1]!;
    expect(f.push(ka.subarray(0, 18))).toEqual([]);
    expect(f.buffered).toBe(18);
    expect(f.push(ka.subarray(18)).map(hex)).toEqual([hex(ka)]);
    expect(f.buffered).toBe(0);
  });
});

describe('Framer: buffered', () => {
  it('counts the octets held back, and only those', () => {
    const f = new Framer();
    expect(f.buffered).toBe(0);
    const a = ENCODED[0]!;
    const b = ENCODED[2]!;
    f.push(concat([a, b.subarray(0, 40)]));
    expect(f.buffered).toBe(40);
    f.push(b.subarray(40, 41));
    expect(f.buffered).toBe(41);
    f.push(concat([b.subarray(41), ENCODED[1]!]));
    expect(f.buffered).toBe(0);
  });

  it('after a chunk ending in a partial header', () => {
    const f = new Framer();
    f.push(concat([ENCODED[1]!, ENCODED[1]!, Uint8Array.from(MARKER.slice(0, 7))]));
    expect(f.buffered).toBe(7);
  });
});

describe('Framer: a bad header fails as soon as its 19 octets are there', () => {
  const badMarker = [...MARKER.slice(0, 15), 0xfe];
  const cases: { name: string; header: Uint8Array; code: number; subcode: number; data?: string; ctx?: CodecContext }[] = [
    { name: 'marker not all ones (last octet)', header: header(19, 4, badMarker), code: 1, subcode: 1 },
    { name: 'marker of zeros', header: header(29, 1, new Array(16).fill(0)), code: 1, subcode: 1 },
    { name: 'length 0', header: header(0, 2), code: 1, subcode: 2, data: '0000' },
    { name: 'length 18, below the header', header: header(18, 4), code: 1, subcode: 2, data: '0012' },
    { name: 'OPEN of length 28 (< 29)', header: header(28, 1), code: 1, subcode: 2, data: '001c' },
    { name: 'UPDATE of length 22 (< 23)', header: header(22, 2), code: 1, subcode: 2, data: '0016' },
    { name: 'NOTIFICATION of length 20 (< 21)', header: header(20, 3), code: 1, subcode: 2, data: '0014' },
    { name: 'ROUTE-REFRESH of length 22 (< 23)', header: header(22, 5), code: 1, subcode: 2, data: '0016' },
    { name: 'KEEPALIVE of length 20', header: header(20, 4), code: 1, subcode: 2, data: '0014' },
    { name: 'UPDATE of 4097 octets without Extended Message', header: header(4097, 2), code: 1, subcode: 2, data: '1001' },
    { name: 'UPDATE of 65535 octets without Extended Message', header: header(65535, 2), code: 1, subcode: 2, data: 'ffff' },
    {
      name: 'OPEN of 4097 octets even with Extended Message (RFC 8654 4)',
      header: header(4097, 1),
      code: 1,
      subcode: 2,
      data: '1001',
      ctx: ctxWith({ extendedMessage: true }),
    },
    {
      name: 'KEEPALIVE of 4097 octets even with Extended Message',
      header: header(4097, 4),
      code: 1,
      subcode: 2,
      ctx: ctxWith({ extendedMessage: true }),
    },
    { name: 'type 0', header: header(19, 0), code: 1, subcode: 3, data: '00' },
    { name: 'type 6', header: header(100, 6), code: 1, subcode: 3, data: '06' },
    { name: 'type 255', header: header(4096, 255), code: 1, subcode: 3, data: 'ff' },
  ];

  for (const c of cases) {
    const make = (): Framer => new Framer(c.ctx ?? { extendedMessage: false });

    it(`${c.name}: (${c.code},${c.subcode}) from the header alone, in one chunk`, () => {
      const err = expectBgpError(() => make().push(c.header), c.code, c.subcode);
      if (c.data !== undefined) expect(hex(err.data)).toBe(c.data);
    });

    it(`${c.name}: (${c.code},${c.subcode}) when the header arrives in two pieces`, () => {
      for (let k = 1; k < 19; k++) {
        const f = make();
        f.push(c.header.subarray(0, k));
        expectBgpError(() => f.push(c.header.subarray(k)), c.code, c.subcode);
      }
    });

    it(`${c.name}: (${c.code},${c.subcode}) when the header arrives one octet at a time`, () => {
      const f = make();
      for (let i = 0; i < 18; i++) f.push(c.header.subarray(i, i + 1));
      expectBgpError(() => f.push(c.header.subarray(18)), c.code, c.subcode);
    });

    it(`${c.name}: (${c.code},${c.subcode}) after good messages, header completed with no body`, () => {
      // The header follows a buffered partial message, and arrives behind whole ones in one chunk.
      const f = make();
      const good = concat([ENCODED[0]!, ENCODED[1]!]);
      f.push(good.subarray(0, 11));
      expectBgpError(() => f.push(concat([good.subarray(11), c.header])), c.code, c.subcode);
      const g = make();
      expectBgpError(() => g.push(concat([good, c.header])), c.code, c.subcode);
    });
  }

  it('the header of the next message is checked while the previous one completes in the same chunk', () => {
    const f = new Framer();
    const update = ENCODED[2]!;
    f.push(update.subarray(0, 30));
    expectBgpError(() => f.push(concat([update.subarray(30), header(19, 9)])), 1, 3);
  });
});

describe('Framer: Extended Message (RFC 8654)', () => {
  const ext = ctxWith({ extendedMessage: true });
  // An UPDATE only Extended Message can carry: many prefixes.
  const nlri = Array.from({ length: 1500 }, (_, i) => ({ prefix: P(`198.18.${i >> 8}.${i & 0xff}/32`) }));
  const big = encodeMessage(
    {
      type: 'update',
      withdrawn: [],
      attributes: [
        { type: 'origin', origin: 'igp' },
        { type: 'as-path', segments: [] },
        { type: 'next-hop', nextHop: A('198.51.100.1') },
      ],
      nlri,
    },
    ext,
  );
  const stream = concat([ENCODED[1]!, big, ENCODED[1]!]);

  it('the test message needs it', () => {
    expect(big.length).toBeGreaterThan(4096);
  });

  it('without it the header of a longer UPDATE is refused: (1,2)', () => {
    const f = new Framer();
    expect(f.push(ENCODED[1]!).length).toBe(1);
    expectBgpError(() => f.push(big.subarray(0, 19)), 1, 2);
  });

  it('once setContext turns it on, a longer UPDATE is framed, split anywhere', () => {
    for (const k of [1, 18, 19, 20, 23, 2000, 4096, 4097, big.length - 1, big.length, big.length + 18]) {
      const f = new Framer();
      f.setContext(ext);
      const out = feed(f, [stream.subarray(0, k), stream.subarray(k)]);
      expect(out, `split at ${k}`).toEqual([hex(ENCODED[1]!), hex(big), hex(ENCODED[1]!)]);
    }
  });

  it('setContext mid-stream applies to the next header', () => {
    const f = new Framer(DEFAULT_CONTEXT);
    expect(feed(f, [concat([ENCODED[0]!, ENCODED[1]!])]).length).toBe(2);
    f.setContext(ext);
    expect(feed(f, [big.subarray(0, 100), big.subarray(100)])).toEqual([hex(big)]);
    f.setContext({ extendedMessage: false });
    expectBgpError(() => f.push(big), 1, 2);
  });

  it('a 65535-octet UPDATE is accepted; its header alone is buffered', () => {
    const f = new Framer(ext);
    expect(f.push(header(65535, 2))).toEqual([]);
    expect(f.buffered).toBe(19);
    const body = new Uint8Array(65535 - 19);
    const out = f.push(body);
    expect(out.length).toBe(1);
    expect(out[0]!.length).toBe(65535);
    expect(f.buffered).toBe(0);
  });

  it('1-byte chunks of an extended stream', () => {
    const f = new Framer(ext);
    const out: string[] = [];
    for (let i = 0; i < stream.length; i++) for (const m of f.push(stream.subarray(i, i + 1))) out.push(hex(m));
    expect(out).toEqual([hex(ENCODED[1]!), hex(big), hex(ENCODED[1]!)]);
  });
});
