// Address and prefix text: strict dotted quads, RFC 4291 2.2 IPv6 input, RFC 5952 4 canonical
// IPv6 output, prefixes with their host bits cleared.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6, IpAddress, parseIPv4, parseIPv6, Prefix } from '../../src/codec/index.js';

const parsePrefix = (text: string): Prefix | null => Prefix.parse(text);
const canonicalPrefix = (text: string): string | null => Prefix.parse(text)?.toString() ?? null;

const hex = (b: Uint8Array | null): string | null => (b ? Buffer.from(b).toString('hex') : null);

/** The WHATWG URL parser's canonical IPv6 text (same RFC 5952 rules), or null when it refuses it. */
function urlCanonical(text: string): string | null {
  try {
    const host = new URL(`http://[${text}]/`).hostname;
    return host.slice(1, -1);
  } catch {
    return null;
  }
}

function groupsToBytes(groups: readonly number[]): Uint8Array {
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

describe('parseIPv4', () => {
  it.each([
    ['0.0.0.0', [0, 0, 0, 0]],
    ['255.255.255.255', [255, 255, 255, 255]],
    ['203.0.113.10', [203, 0, 113, 10]],
    ['10.0.0.1', [10, 0, 0, 1]],
    ['1.20.199.250', [1, 20, 199, 250]],
  ])('%s', (text, octets) => {
    expect(Array.from(parseIPv4(text)!)).toEqual(octets);
  });

  it.each([
    ['leading zero', '01.2.3.4'],
    ['leading zero in the last part', '1.2.3.04'],
    ['leading zeros, octal-looking', '010.010.010.010'],
    ['00', '1.2.00.4'],
    ['256', '1.2.3.256'],
    ['999', '999.1.1.1'],
    ['four digits', '1.2.3.1000'],
    ['three parts', '1.2.3'],
    ['two parts', '10.1'],
    ['one number', '167772161'],
    ['five parts', '1.2.3.4.5'],
    ['empty part', '1..3.4'],
    ['trailing dot', '1.2.3.4.'],
    ['leading dot', '.1.2.3'],
    ['empty', ''],
    ['leading space', ' 1.2.3.4'],
    ['trailing space', '1.2.3.4 '],
    ['trailing newline', '1.2.3.4\n'],
    ['sign', '+1.2.3.4'],
    ['negative', '-1.2.3.4'],
    ['hex part', '0x7f.0.0.1'],
    ['with a prefix length', '1.2.3.4/32'],
    ['IPv6', '::1'],
    ['non-ASCII digits', '١.٢.٣.٤'],
  ])('rejects %s: %j', (_why, text) => {
    expect(parseIPv4(text)).toBeNull();
  });

  it('formatIPv4(parseIPv4(x)) == x for every canonical dotted quad', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
        const text = formatIPv4(b);
        expect(text).toBe(Array.from(b).join('.'));
        expect(Array.from(parseIPv4(text)!)).toEqual(Array.from(b));
      }),
      { numRuns: 500 },
    );
  });

  it('formatIPv4 reads at an offset', () => {
    expect(formatIPv4(Uint8Array.of(9, 9, 192, 0, 2, 1, 9), 2)).toBe('192.0.2.1');
  });
});

describe('parseIPv6', () => {
  it.each([
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['1::', '00010000000000000000000000000000'],
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['2001:DB8::A', '20010db800000000000000000000000a'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '20010db8000000000000000000000001'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
    ['::2:3:4:5:6:7:8', '00000002000300040005000600070008'],
    ['1::8', '00010000000000000000000000000008'],
    ['fe80::1:2', 'fe800000000000000000000000010002'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['::192.0.2.1', '000000000000000000000000c0000201'],
    ['64:ff9b::198.51.100.7', '0064ff9b0000000000000000c6336407'],
    ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
    ['1:2:3:4:5::1.2.3.4', '00010002000300040005000001020304'],
    ['0000:0000:0000:0000:0000:ffff:255.255.255.255', '00000000000000000000ffffffffffff'],
  ])('%s', (text, expected) => {
    expect(hex(parseIPv6(text))).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['one colon', ':'],
    ['three colons', ':::'],
    ['two "::"', '1::2::3'],
    ['":::"', '1:::2'],
    ['leading single colon', ':1:2:3:4:5:6:7'],
    ['trailing single colon', '1:2:3:4:5:6:7:'],
    ['nine groups', '1:2:3:4:5:6:7:8:9'],
    ['seven groups, no "::"', '1:2:3:4:5:6:7'],
    ['"::" standing for no group', '1::2:3:4:5:6:7:8'],
    ['"::" standing for no group, at the end', '1:2:3:4:5:6:7:8::'],
    ['five hex digits', '12345::'],
    ['non-hex digit', 'g::1'],
    ['IPv4 with too many groups', '1:2:3:4:5:6:7:1.2.3.4'],
    ['IPv4 with "::" standing for no group', '1:2:3:4:5:6::1.2.3.4'],
    ['IPv4 with a leading zero', '::ffff:192.0.02.1'],
    ['IPv4 octet > 255', '::ffff:192.0.2.256'],
    ['three-part IPv4', '::1.2.3'],
    ['IPv4 not last', '::1.2.3.4:1'],
    ['IPv4 first', '1.2.3.4::'],
    ['a dotted quad alone', '1.2.3.4'],
    ['zone index', 'fe80::1%eth0'],
    ['brackets', '[::1]'],
    ['prefix length', '2001:db8::/32'],
    ['space', ' ::1'],
    ['trailing newline', '::1\n'],
    ['a sign', '::+1'],
    ['too long', '0000:0000:0000:0000:0000:0000:0000:0000:0'],
  ])('rejects %s: %j', (_why, text) => {
    expect(parseIPv6(text)).toBeNull();
  });
});

describe('formatIPv6: RFC 5952 4 canonical text', () => {
  it.each([
    // 4.1: no leading zeros
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:00aa:0bbb:0000:0000:0000:0001', '2001:db8:aa:bbb::1'],
    // 4.2.1: shorten as much as possible
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    // 4.2.2: "::" never stands for a single 16-bit 0 field
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'],
    // 4.2.3: the longest run is compressed; on a tie, the first
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
    ['0:0:1:0:0:1:0:0', '::1:0:0:1:0:0'],
    // 4.3: lowercase
    ['2001:DB8:ABCD:EF::1', '2001:db8:abcd:ef::1'],
    // the ends
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['1:2:3:4:5:6:0:0', '1:2:3:4:5:6::'],
    ['0:0:3:4:5:6:7:8', '::3:4:5:6:7:8'],
    ['0:2:3:4:5:6:7:0', '0:2:3:4:5:6:7:0'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    // input compressed in the wrong place comes out canonical
    ['1:0::0:2', '1::2'],
    ['1:0:0:2::', '1:0:0:2::'],
    ['1::2:0:0:0:0', '1:0:0:2::'],
    // Embedded IPv4 is parsed; the output is all hexadecimal, as WHATWG URL writes it (RFC 5952 5 only
    // RECOMMENDS the mixed form for well-known prefixes).
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['::192.0.2.1', '::c000:201'],
  ])('%s -> %s', (input, canonical) => {
    const b = parseIPv6(input);
    expect(b).not.toBeNull();
    expect(formatIPv6(b!)).toBe(canonical);
    expect(urlCanonical(input)).toBe(canonical);
  });

  it('reads at an offset', () => {
    const buf = new Uint8Array(20);
    buf.set(parseIPv6('2001:db8::7')!, 3);
    expect(formatIPv6(buf, 3)).toBe('2001:db8::7');
  });
});

/** 8 groups biased towards zero runs, the interesting case for "::". */
const groupsArb = fc.array(
  fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 2 }, { arbitrary: fc.integer({ min: 1, max: 0xf }), weight: 1 }),
  { minLength: 8, maxLength: 8 },
);

/**
 * Any valid RFC 4291 2.2 spelling of the groups: random case, random leading zeros, "::" over any
 * run of zero groups (even one), a dotted quad for the last 32 bits.
 */
const ipv6TextArb = fc
  .record({
    groups: groupsArb,
    upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    pad: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
    compress: fc.option(fc.record({ start: fc.nat(7), len: fc.integer({ min: 1, max: 8 }) }), { nil: undefined }),
    dotted: fc.boolean(),
  })
  .map(({ groups, upper, pad, compress, dotted }) => {
    const text = groups.map((g, i) => {
      let s = g.toString(16);
      s = '0'.repeat(Math.min(pad[i]!, 4 - s.length)) + s;
      return upper[i] ? s.toUpperCase() : s;
    });
    const useDotted = dotted;
    const last = useDotted ? 6 : 8; // groups written in hex
    if (useDotted) text.splice(6, 2, `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`);
    let out = text.join(':');
    if (compress) {
      // Shrink the run to zero groups that exist, within the hex part.
      let { start, len } = compress;
      if (start >= last) start = 0;
      len = Math.min(len, last - start);
      let zeros = 0;
      while (zeros < len && groups[start + zeros] === 0) zeros++;
      if (zeros > 0) {
        const head = text.slice(0, start).join(':');
        const tail = text.slice(start + zeros).join(':');
        out = `${head}::${tail}`;
      }
    }
    return { groups, text: out };
  });

describe('IPv6 text, properties', () => {
  it('parses every valid spelling to the right octets', () => {
    fc.assert(
      fc.property(ipv6TextArb, ({ groups, text }) => {
        expect(hex(parseIPv6(text)), text).toBe(hex(groupsToBytes(groups)));
      }),
      { numRuns: 3000 },
    );
  });

  it('formatIPv6(parseIPv6(x)) is a fixpoint and agrees with WHATWG URL canonicalisation', () => {
    fc.assert(
      fc.property(ipv6TextArb, ({ text }) => {
        const canonical = formatIPv6(parseIPv6(text)!);
        expect(formatIPv6(parseIPv6(canonical)!)).toBe(canonical);
        expect(urlCanonical(text), text).toBe(canonical);
        expect(urlCanonical(canonical)).toBe(canonical);
      }),
      { numRuns: 3000 },
    );
  });

  it('the canonical text follows RFC 5952 4 (checked independently)', () => {
    fc.assert(
      fc.property(groupsArb, (groups) => {
        const s = formatIPv6(groupsToBytes(groups));
        expect(s).toBe(s.toLowerCase());
        expect(s).not.toMatch(/(^|:)0[0-9a-f]/); // no leading zeros
        expect(s.split('::').length).toBeLessThanOrEqual(2);
        // The longest zero run of 2+ groups (the first on a tie) is the one replaced.
        let best = -1;
        let bestLen = 1;
        for (let i = 0; i < 8; ) {
          let j = i;
          while (j < 8 && groups[j] === 0) j++;
          if (j - i > bestLen) [best, bestLen] = [i, j - i];
          i = j === i ? i + 1 : j;
        }
        const hexg = groups.map((g) => g.toString(16));
        const expected = best < 0 ? hexg.join(':') : `${hexg.slice(0, best).join(':')}::${hexg.slice(best + bestLen).join(':')}`;
        expect(s).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('where the codec accepts a string, WHATWG URL accepts it and means the same address', () => {
    // Near-miss strings: valid spellings with one character changed, dropped or doubled.
    const mangled = fc
      .tuple(ipv6TextArb, fc.nat(), fc.constantFrom(':', '.', '0', 'f', 'G', '', '::', '1.2'), fc.constantFrom('replace', 'insert', 'delete'))
      .map(([{ text }, at, ch, op]) => {
        const i = at % (text.length + 1);
        if (op === 'insert') return text.slice(0, i) + ch + text.slice(i);
        if (op === 'delete') return text.slice(0, i) + text.slice(i + 1);
        return text.slice(0, i) + ch + text.slice(i + 1);
      });
    fc.assert(
      fc.property(mangled, (text) => {
        const b = parseIPv6(text);
        if (b === null) return;
        expect(urlCanonical(text), text).toBe(formatIPv6(b));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('IpAddress.parse', () => {
  it('tells the families apart', () => {
    expect(IpAddress.parse('192.0.2.1')).toMatchObject({ af: 'ipv4', bytes: Uint8Array.of(192, 0, 2, 1) });
    expect(IpAddress.parse('2001:db8::1')?.af).toBe('ipv6');
    expect(IpAddress.parse('::ffff:192.0.2.1')?.af).toBe('ipv6');
    expect(IpAddress.parse('192.0.2')).toBeNull();
    expect(IpAddress.parse('example.com')).toBeNull();
    expect(IpAddress.parse('')).toBeNull();
  });
});

describe('Prefix.parse: the one prefix scanner', () => {
  it.each([
    ['203.0.113.10/32', '203.0.113.10/32'],
    ['203.0.113.10', '203.0.113.10/32'], // a bare address is a host route
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['10.255.255.255/9', '10.128.0.0/9'],
    ['255.255.255.255/13', '255.248.0.0/13'],
    ['255.255.255.255/31', '255.255.255.254/31'],
    ['192.0.2.77/0', '0.0.0.0/0'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:db8::1/64', '2001:db8::/64'],
    ['2001:db8::1', '2001:db8::1/128'],
    ['2001:DB8:0:0:0:0:0:1/128', '2001:db8::1/128'],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/33', '2001:db8:8000::/33'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/1', '8000::/1'],
    ['::ffff:192.0.2.1/120', '::ffff:c000:200/120'],
    ['::/0', '::/0'],
  ])('%s -> %s', (input, canonical) => {
    expect(canonicalPrefix(input)).toBe(canonical);
  });

  it('reports the family, the length and the masked octets', () => {
    const p = parsePrefix('10.1.2.3/12')!;
    expect(p.family).toBe('ipv4-unicast');
    expect(p.length).toBe(12);
    expect(Array.from(p.bytes)).toEqual([10, 0, 0, 0]);
    const q = parsePrefix('2001:db8:abcd::1/36')!;
    expect(q.family).toBe('ipv6-unicast');
    expect(q.length).toBe(36);
    expect(hex(q.bytes)).toBe('20010db8a00000000000000000000000');
  });

  it.each([
    ['IPv4 length 33', '10.0.0.0/33'],
    ['IPv4 length 100', '10.0.0.0/100'],
    ['IPv6 length 129', '2001:db8::/129'],
    ['IPv6 length 1000', '::/1000'],
    ['negative length', '10.0.0.0/-1'],
    ['empty length', '10.0.0.0/'],
    ['two slashes', '10.0.0.0/8/8'],
    ['space in the length', '10.0.0.0/ 8'],
    ['hex length', '10.0.0.0/0x8'],
    ['fractional length', '10.0.0.0/8.0'],
    ['no address', '/8'],
    ['bad address', '10.0.0/8'],
    ['leading zero in the address', '010.0.0.0/8'],
    ['empty', ''],
    ['text', 'default'],
  ])('rejects %s: %j', (_why, text) => {
    expect(parsePrefix(text)).toBeNull();
    expect(canonicalPrefix(text)).toBeNull();
  });

  it('property: host bits beyond the length are cleared, the network bits kept, and the text is a fixpoint', () => {
    const arb = fc.oneof(
      fc.tuple(fc.constant(4), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 })),
      fc.tuple(fc.constant(16), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 })),
    );
    fc.assert(
      fc.property(arb, ([size, b, len]) => {
        const text = `${size === 4 ? formatIPv4(b) : formatIPv6(b)}/${len}`;
        const p = parsePrefix(text)!;
        expect(p.length).toBe(len);
        // Reference mask with BigInt.
        const bits = BigInt(size * 8);
        const value = BigInt(`0x${hex(b)}`);
        const mask = len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << (bits - BigInt(len));
        expect(hex(p.bytes)).toBe((value & mask).toString(16).padStart(size * 2, '0'));
        const canonical = canonicalPrefix(text)!;
        expect(canonicalPrefix(canonical)).toBe(canonical);
      }),
      { numRuns: 2000 },
    );
  });
});
