// Extended communities (RFC 4360, RFC 5668, RFC 10005): each kind's octets annotated field by
// field, decoded to its typed value and its text, and back; anything else kept as octets; and for
// any eight octets and any text we write, decode -> encode and format -> parse give back the same.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareExtendedCommunities,
  decodeExtendedCommunity,
  decodeIpv6ExtendedCommunity,
  encodeExtendedCommunity,
  formatExtendedCommunity,
  parseExtendedCommunity,
  type ExtendedCommunity,
} from '../../src/codec/ext-community.js';

interface Fixture {
  readonly name: string;
  readonly octets: number[];
  readonly value: ExtendedCommunity;
  readonly text: string;
}

const FIXTURES: Fixture[] = [
  {
    name: 'route target, 2-octet AS (RFC 4360 4)',
    // type 0x00 (transitive two-octet AS specific), sub-type 0x02 (route target), AS 65000, local 100
    octets: [0x00, 0x02, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64],
    value: { kind: 'route-target', form: 'as2', global: 65000, local: 100 },
    text: 'rt:65000:100',
  },
  {
    name: 'route target, 2-octet AS, a 32-bit local part',
    // type 0x00, sub-type 0x02, AS 1, local 4294967295
    octets: [0x00, 0x02, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff],
    value: { kind: 'route-target', form: 'as2', global: 1, local: 0xffffffff },
    text: 'rt:1:4294967295',
  },
  {
    name: 'route target, IPv4 address (RFC 4360 4)',
    // type 0x01 (transitive IPv4 address specific), sub-type 0x02, 192.0.2.1, local 100
    octets: [0x01, 0x02, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x64],
    value: { kind: 'route-target', form: 'ipv4', global: 0xc0000201, local: 100 },
    text: 'rt:192.0.2.1:100',
  },
  {
    name: 'route target, 4-octet AS (RFC 5668 2)',
    // type 0x02 (transitive four-octet AS specific), sub-type 0x02, AS 4200000001, local 7
    octets: [0x02, 0x02, 0xfa, 0x56, 0xea, 0x01, 0x00, 0x07],
    value: { kind: 'route-target', form: 'as4', global: 4200000001, local: 7 },
    text: 'rt:4200000001:7',
  },
  {
    name: 'route target, 4-octet form of a small AS (written asdot, RFC 5396)',
    // type 0x02, sub-type 0x02, AS 100, local 7
    octets: [0x02, 0x02, 0x00, 0x00, 0x00, 0x64, 0x00, 0x07],
    value: { kind: 'route-target', form: 'as4', global: 100, local: 7 },
    text: 'rt:0.100:7',
  },
  {
    name: 'route origin (site of origin), 2-octet AS (RFC 4360 5)',
    // type 0x00, sub-type 0x03 (route origin), AS 65000, local 1
    octets: [0x00, 0x03, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x01],
    value: { kind: 'route-origin', form: 'as2', global: 65000, local: 1 },
    text: 'soo:65000:1',
  },
  {
    name: 'route origin, IPv4 address',
    // type 0x01, sub-type 0x03, 198.51.100.7, local 9
    octets: [0x01, 0x03, 0xc6, 0x33, 0x64, 0x07, 0x00, 0x09],
    value: { kind: 'route-origin', form: 'ipv4', global: 0xc6336407, local: 9 },
    text: 'soo:198.51.100.7:9',
  },
  {
    name: 'link bandwidth, transitive as FRR sends it (RFC 10005 2)',
    // type 0x00, sub-type 0x04 (link bandwidth), AS 65000, 125,000,000 bytes/s as IEEE 754 single: 0x4CEE6B28
    octets: [0x00, 0x04, 0xfd, 0xe8, 0x4c, 0xee, 0x6b, 0x28],
    value: { kind: 'link-bandwidth', transitive: true, asn: 65000, bandwidth: 125_000_000 },
    text: 'lb:65000:125000000',
  },
  {
    name: 'link bandwidth, non-transitive (RFC 10005 2)',
    // type 0x40 (non-transitive two-octet AS specific), sub-type 0x04, AS 65000, 1.5 bytes/s: 0x3FC00000
    octets: [0x40, 0x04, 0xfd, 0xe8, 0x3f, 0xc0, 0x00, 0x00],
    value: { kind: 'link-bandwidth', transitive: false, asn: 65000, bandwidth: 1.5 },
    text: 'lb-nt:65000:1.5',
  },
  {
    name: 'an opaque kind we do not type (RFC 4360 3.3, encapsulation sub-type 0x0c)',
    // type 0x03 (transitive opaque), sub-type 0x0c, six octets of value
    octets: [0x03, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08],
    value: { kind: 'raw', octets: Uint8Array.of(0x03, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08) },
    text: 'raw:030c000000000008',
  },
  {
    name: 'a link bandwidth that is not a bandwidth (negative): kept as octets',
    // type 0x00, sub-type 0x04, AS 1, -1.0: 0xBF800000
    octets: [0x00, 0x04, 0x00, 0x01, 0xbf, 0x80, 0x00, 0x00],
    value: { kind: 'raw', octets: Uint8Array.of(0x00, 0x04, 0x00, 0x01, 0xbf, 0x80, 0x00, 0x00) },
    text: 'raw:00040001bf800000',
  },
];

const V6: Fixture[] = [
  {
    name: 'IPv6-address-specific route target (RFC 5701 2)',
    // type 0x00 (transitive), sub-type 0x02 (route target), 2001:db8::1, local 100
    octets: [0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x64],
    value: { kind: 'route-target', form: 'ipv6', address: Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01), local: 100 },
    text: 'rt:2001:db8::1:100',
  },
  {
    name: 'IPv6-address-specific route origin',
    // type 0x00, sub-type 0x03 (route origin), 2001:db8:100::, local 7
    octets: [0x00, 0x03, 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x07],
    value: { kind: 'route-origin', form: 'ipv6', address: Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), local: 7 },
    text: 'soo:2001:db8:100:::7',
  },
  {
    name: 'a non-transitive IPv6-address-specific route target: kept as octets',
    // type 0x40 (non-transitive), sub-type 0x02, ::1, local 1
    octets: [0x40, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x01],
    value: { kind: 'raw', octets: Uint8Array.of(0x40, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x01) },
    text: 'raw:4002000000000000000000000000000000010001',
  },
];

describe('IPv6-address-specific extended communities', () => {
  describe.each(V6)('$name', (f) => {
    it('decodes', () => expect(decodeIpv6ExtendedCommunity(Uint8Array.from(f.octets))).toEqual(f.value));
    it('encodes to the same octets', () => expect([...encodeExtendedCommunity(f.value)]).toEqual(f.octets));
    it('reads and writes its text', () => {
      expect(formatExtendedCommunity(f.value)).toBe(f.text);
      expect(parseExtendedCommunity(f.text)).toEqual(f.value);
    });
  });

  it('takes the address in brackets too, and refuses a local part past 16 bits', () => {
    expect(formatExtendedCommunity(parseExtendedCommunity('RT:[2001:DB8::1]:100')!)).toBe('rt:2001:db8::1:100');
    expect(parseExtendedCommunity('rt:2001:db8::1:65536')).toBeNull();
    expect(parseExtendedCommunity('rt:2001:db8::g:1')).toBeNull();
  });

  it('gives back any twenty octets it decodes, and reads back any text it writes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (octets) => {
        const ec = decodeIpv6ExtendedCommunity(octets);
        expect(encodeExtendedCommunity(ec)).toEqual(octets);
        const back = parseExtendedCommunity(formatExtendedCommunity(ec));
        expect(back && encodeExtendedCommunity(back)).toEqual(octets);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('extended communities', () => {
  describe.each(FIXTURES)('$name', (f) => {
    it('decodes', () => expect(decodeExtendedCommunity(Uint8Array.from(f.octets))).toEqual(f.value));
    it('encodes to the same octets', () => expect([...encodeExtendedCommunity(f.value)]).toEqual(f.octets));
    it('reads and writes its text', () => {
      expect(formatExtendedCommunity(f.value)).toBe(f.text);
      expect(parseExtendedCommunity(f.text)).toEqual(f.value);
    });
  });

  it('reads at an offset, and a raw value is a copy, not a view of the buffer (a Buffer\'s slice would be one)', () => {
    for (const buf of [Uint8Array.of(0xff, 0x03, 0x0c, 0, 0, 0, 0, 0, 8, 0xff), Buffer.from([0xff, 0x03, 0x0c, 0, 0, 0, 0, 0, 8, 0xff])]) {
      const ec = decodeExtendedCommunity(buf, 1);
      buf[1] = 0;
      expect(ec).toStrictEqual({ kind: 'raw', octets: Uint8Array.of(0x03, 0x0c, 0, 0, 0, 0, 0, 8) });
    }
    const six = Buffer.alloc(20, 0x40);
    const v6 = decodeIpv6ExtendedCommunity(six);
    six.fill(0);
    expect(v6).toStrictEqual({ kind: 'raw', octets: new Uint8Array(20).fill(0x40) });
  });

  it.each([
    ['RT:65000:100', 'rt:65000:100'],
    [' rt:65536:1 ', 'rt:65536:1'], // past 65535: the 4-octet form
    ['ro:65000:1', 'soo:65000:1'], // BIRD's word for a route origin
    ['RAW:0002FDE800000064', 'rt:65000:100'], // octets of a kind we type are typed
    ['lb:65000:1e6', 'lb:65000:1000000'],
  ])('takes %j as %s', (text, canonical) => {
    const ec = parseExtendedCommunity(text);
    expect(ec).not.toBeNull();
    expect(formatExtendedCommunity(ec!)).toBe(canonical);
  });

  it.each([
    'rt:65000', // no local part
    'rt:65536:65536', // a 4-octet AS leaves 2 octets for the local part
    'rt:192.0.2.1:65536', // so does an address
    'rt:4294967296:1', // past 32 bits
    'rt:70000.1:1', // asdot halves are 16 bits
    'rt:-1:1',
    'xx:65000:1',
    'raw:0002fde8000000', // seven octets
    'raw:0002fde80000006g',
    'lb:65536:1000', // link bandwidth has a 2-octet AS
    'lb:65000:-5',
    'lb:65000:1e39', // past single precision
    '65000:100', // a plain community
    '',
  ])('refuses %j', (text) => expect(parseExtendedCommunity(text)).toBeNull());

  it('gives back any eight octets it decodes, and reads back any text it writes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (octets) => {
        const ec = decodeExtendedCommunity(octets);
        expect(encodeExtendedCommunity(ec)).toEqual(octets);
        const back = parseExtendedCommunity(formatExtendedCommunity(ec));
        expect(back && encodeExtendedCommunity(back)).toEqual(octets);
      }),
      { numRuns: 2000 },
    );
  });

  it('orders a set by octets, the IPv6-address-specific ones last', () => {
    const texts = ['rt:2001:db8::1:1', 'soo:65000:1', 'rt:192.0.2.1:1', 'rt:65000:100', 'raw:030c000000000008'];
    const sorted = texts.map((t) => parseExtendedCommunity(t)!).sort(compareExtendedCommunities).map(formatExtendedCommunity);
    expect(sorted).toEqual(['rt:65000:100', 'soo:65000:1', 'rt:192.0.2.1:1', 'raw:030c000000000008', 'rt:2001:db8::1:1']);
  });
});
