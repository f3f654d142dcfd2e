import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCommunityValue, formatLargeCommunityValue, IpAddress, Prefix } from '../../src/codec/index.js';
import { parsePrefixInto, PREFIX_V6 } from '../../src/codec/ip.js';

describe('IpAddress', () => {
  it.each([
    ['198.51.100.1', 'ipv4', '198.51.100.1'],
    ['2001:DB8:0:0:0:0:0:1', 'ipv6', '2001:db8::1'],
    ['2001:db8::ffff:192.0.2.1', 'ipv6', '2001:db8::ffff:c000:201'],
    ['::', 'ipv6', '::'],
  ])('%s is %s, canonically %s', (text, af, canonical) => {
    const a = IpAddress.parse(text)!;
    expect(a.af).toBe(af);
    expect(a.toString()).toBe(canonical);
    expect(JSON.stringify({ a })).toBe(`{"a":"${canonical}"}`);
    expect(IpAddress.parse(canonical)!.equals(a)).toBe(true);
  });

  it.each(['', '198.51.100', '198.51.100.256', '198.51.100.01', '198.51.100.1.', ' 198.51.100.1', '2001:db8:::1', '2001:db8::g', '1:2:3:4:5:6:7:8:9', 'self'])(
    'refuses %j',
    (text) => {
      expect(IpAddress.parse(text)).toBeNull();
    },
  );

  it('knows IPv6 link-local addresses', () => {
    expect(IpAddress.parse('fe80::1')!.isLinkLocal).toBe(true);
    expect(IpAddress.parse('fec0::1')!.isLinkLocal).toBe(false);
    expect(IpAddress.parse('198.51.100.1')!.isLinkLocal).toBe(false);
  });

  it('fromBytes copies, even from a Buffer (whose slice() is a view): a next hop never aliases the receive buffer', () => {
    const frame = Buffer.from([0xff, 198, 51, 100, 1]);
    const a = IpAddress.fromBytes('ipv4', frame, 1);
    frame.fill(0);
    expect(a.toString()).toBe('198.51.100.1');
  });
});

describe('Prefix', () => {
  it.each([
    ['203.0.113.10', '203.0.113.10/32'],
    ['203.0.113.10/24', '203.0.113.0/24'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8::10', '2001:db8::10/128'],
    ['2001:db8:1:2::/33', '2001:db8::/33'],
    ['::/0', '::/0'],
  ])('%s is canonically %s (host bits cleared)', (text, canonical) => {
    const p = Prefix.parse(text)!;
    expect(p.toString()).toBe(canonical);
    expect(Prefix.parse(canonical)!.equals(p)).toBe(true);
  });

  it.each(['', '203.0.113.10/33', '203.0.113.10/', '203.0.113.10/08', '203.0.113.10/-1', '2001:db8::/129', '203.0.113.10/3 ', 'x/24'])('refuses %j', (text) => {
    expect(Prefix.parse(text)).toBeNull();
  });

  it('contains its own addresses only', () => {
    const p = Prefix.parse('198.51.100.0/23')!;
    expect(p.contains(IpAddress.parse('198.51.101.255')!)).toBe(true);
    expect(p.contains(IpAddress.parse('198.51.102.0')!)).toBe(false);
    expect(p.contains(IpAddress.parse('2001:db8::1')!)).toBe(false);
  });

  it('round-trips any IPv4 or IPv6 prefix through text and octets', () => {
    const v4 = fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 })).map(([b, l]) => Prefix.fromBytes('ipv4-unicast', b, l));
    const v6 = fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 })).map(([b, l]) => Prefix.fromBytes('ipv6-unicast', b, l));
    fc.assert(
      fc.property(fc.oneof(v4, v6), (p) => {
        const text = p.toString();
        const back = Prefix.parse(text)!;
        expect(back.equals(p)).toBe(true);
        expect(back.toString()).toBe(text);
        // The scanner writes the same octets in place, with the family flag.
        const out = new Uint8Array(20).fill(0xff);
        const r = parsePrefixInto(text, out, 2);
        expect(r & 0xff).toBe(p.length);
        expect((r & PREFIX_V6) !== 0).toBe(p.isV6);
        expect([...out.subarray(2, 2 + p.bytes.length)]).toEqual([...p.bytes]);
      }),
      { numRuns: 2000 },
    );
  });

  it('any text is a prefix or null, never an exception', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:./x ') , maxLength: 48 }), (text) => {
        const p = Prefix.parse(text);
        if (p) expect(Prefix.parse(p.toString())!.equals(p)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('communities', () => {
  it('format as the text they were parsed from', () => {
    expect(formatCommunityValue(65000 * 65536 + 100)).toBe('65000:100');
    expect(formatLargeCommunityValue([4200000000, 1, 2])).toBe('4200000000:1:2');
  });
});
