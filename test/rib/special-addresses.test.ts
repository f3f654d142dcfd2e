// What can never work is refused up front, naming the field: next hops no router forwards to, a
// next hop that is the prefix itself, and prefixes beyond our own addresses unless the config
// (allowPrefixes) says so. Every refusal goes through validatePath and the ReplacePaths stage alike.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestError } from '../../src/rib/request-error.js';
import { PrefixPolicy } from '../../src/rib/special-addresses.js';
import { PathStage, validatePath } from '../../src/rib/validate.js';
import type { PathInput } from '../../src/rib/types.js';

/** The refusal of `input` by validatePath and by PathStage.add, which must agree. */
function refusal(input: PathInput, policy?: PrefixPolicy): RequestError {
  const errors = [() => validatePath(input, 'self', 'paths[0]', policy), () => new PathStage('self', policy).add(input, () => 'paths[0]')].map((f) => {
    try {
      f();
    } catch (e) {
      if (e instanceof RequestError) return e;
      throw e;
    }
    throw new Error(`${JSON.stringify(input)} was accepted`);
  });
  expect(errors[1]!.message).toBe(errors[0]!.message);
  expect(errors[0]!.kind).toBe('invalid-argument');
  return errors[0]!;
}

function accepted(input: PathInput, policy?: PrefixPolicy): void {
  expect(validatePath(input, 'self', 'paths[0]', policy).path.prefix.toString()).toBe(input.prefix);
  const stage = new PathStage('self', policy);
  stage.add(input, () => 'paths[0]');
  expect(stage.count).toBe(1);
}

describe('next hops no router forwards to', () => {
  it.each([
    ['0.0.0.0', '203.0.113.10/32', 'the unspecified address'],
    ['255.255.255.255', '203.0.113.10/32', 'the broadcast address'],
    ['0.1.2.3', '203.0.113.10/32', 'in 0.0.0.0/8 ("this network", RFC 6890)'],
    ['127.0.0.1', '203.0.113.10/32', 'a loopback address'],
    ['127.8.9.10', '203.0.113.10/32', 'a loopback address'],
    ['224.0.0.5', '203.0.113.10/32', 'a multicast address'],
    ['239.255.255.250', '203.0.113.10/32', 'a multicast address'],
    ['169.254.1.1', '203.0.113.10/32', 'a link-local address (169.254.0.0/16)'],
    ['240.0.0.1', '203.0.113.10/32', 'in 240.0.0.0/4 (reserved)'],
    ['::', '2001:db8:200::10/128', 'the unspecified address'],
    ['::1', '2001:db8:200::10/128', 'the loopback address'],
    ['ff02::5', '2001:db8:200::10/128', 'a multicast address'],
  ])('%s as the next hop of %s is %s', (nextHop, prefix, what) => {
    const err = refusal({ prefix, nextHop });
    expect(err.field).toBe('paths[0].nextHop');
    expect(err.message).toBe(`paths[0].nextHop: ${nextHop} is ${what}, which no router forwards to: give the address of a node that serves the prefix, or "self"`);
  });

  it('refuses an IPv6 link-local next hop: RFC 2545 carries one only beside a global address', () => {
    expect(refusal({ prefix: '2001:db8:200::10/128', nextHop: 'fe80::1' }).message).toBe(
      'paths[0].nextHop: fe80::1 is a link-local address, which a router takes only beside a global one (RFC 2545): give the node\'s global address, or "self"',
    );
  });

  it("refuses the prefix's own address as its next hop", () => {
    expect(refusal({ prefix: '203.0.113.10/32', nextHop: '203.0.113.10' }).message).toBe(
      'paths[0].nextHop: 203.0.113.10 is the address the prefix announces: the router would reach it through this very route; give the address of a node that serves the prefix, or "self"',
    );
    expect(refusal({ prefix: '2001:db8:200::/64', nextHop: '2001:db8:200::' }).message).toContain("2001:db8:200:: is the prefix's own (network) address");
  });

  it('takes the next hops the tests and a real network use', () => {
    for (const [prefix, nextHop] of [
      ['203.0.113.10/32', '198.51.100.11'],
      ['203.0.113.0/24', '203.0.113.1'], // inside the prefix, reachable over a connected route
      ['2001:db8:200::10/128', '2001:db8:100::11'],
      ['203.0.113.10/32', '10.0.0.1'],
      ['203.0.113.10/32', 'self'],
    ]) accepted({ prefix: prefix!, nextHop: nextHop! });
  });

  it('refuses them in packed ReplacePaths blocks too', () => {
    const stage = new PathStage('self');
    expect(() => stage.addPacked('ipv4-unicast', Uint8Array.of(32, 203, 0, 113, 10), '0.0.0.0', (k) => `paths[${k}]`)).toThrow(
      'paths[0].nextHop: 0.0.0.0 is the unspecified address',
    );
    expect(() => stage.addPacked('ipv4-unicast', Uint8Array.of(24, 203, 0, 113, 32, 203, 0, 113, 10), '203.0.113.10', (k) => `paths[${3 + k}]`)).toThrow(
      'paths[4].nextHop: 203.0.113.10 is the address the prefix announces',
    );
  });
});

describe('prefixes beyond our own addresses', () => {
  it.each([
    ['0.0.0.0/0', 'the default route', 'list 0.0.0.0/0 in allowPrefixes'],
    ['::/0', 'the default route', 'list ::/0 in allowPrefixes'],
    ['224.0.0.0/24', 'multicast (224.0.0.0/4)', 'list it, or a range inside 224.0.0.0/4, in allowPrefixes'],
    ['ff0e::1/128', 'multicast (ff00::/8)', 'a range inside ff00::/8'],
    ['127.0.0.1/32', 'loopback (127.0.0.0/8)', 'a range inside 127.0.0.0/8'],
    ['::1/128', 'loopback (::1/128)', 'a range inside ::1/128'],
    ['169.254.0.0/16', 'link-local (169.254.0.0/16)', 'allowPrefixes'],
    ['fe80::/64', 'link-local (fe80::/10)', 'allowPrefixes'],
  ])('refuses %s (%s) unless allowPrefixes names it', (prefix, what, how) => {
    const nextHop = prefix.includes(':') ? '2001:db8:100::11' : '198.51.100.11';
    const err = refusal({ prefix, nextHop });
    expect(err.field).toBe('paths[0].prefix');
    expect(err.message).toMatch(new RegExp(`^paths\\[0\\]\\.prefix: ${prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is `));
    expect(err.message).toContain(what);
    expect(err.message).toContain(how);
    accepted({ prefix, nextHop }, new PrefixPolicy([prefix]));
  });

  it('with allowPrefixes, refuses what lies outside, naming the ranges', () => {
    const pool = new PrefixPolicy(['203.0.113.0/24', '2001:db8:200::/64']);
    accepted({ prefix: '203.0.113.10/32', nextHop: '198.51.100.11' }, pool);
    accepted({ prefix: '203.0.113.0/24', nextHop: '198.51.100.11' }, pool);
    accepted({ prefix: '2001:db8:200::10/128', nextHop: '2001:db8:100::11' }, pool);
    expect(refusal({ prefix: '203.0.112.10/32', nextHop: '198.51.100.11' }, pool).message).toBe(
      'paths[0].prefix: 203.0.112.10/32 is outside allowPrefixes (203.0.113.0/24, 2001:db8:200::/64)',
    );
    // Wider than the pool is outside it too.
    expect(refusal({ prefix: '203.0.112.0/23', nextHop: '198.51.100.11' }, pool).field).toBe('paths[0].prefix');
    expect(refusal({ prefix: '2001:db8:201::/64', nextHop: '2001:db8:100::11' }, pool).field).toBe('paths[0].prefix');
  });

  it('admits a special prefix only through a range inside its own: 0.0.0.0/0 admits the default route, not multicast', () => {
    const any = new PrefixPolicy(['0.0.0.0/0']);
    accepted({ prefix: '0.0.0.0/0', nextHop: '198.51.100.11' }, any);
    accepted({ prefix: '192.0.2.0/24', nextHop: '198.51.100.11' }, any);
    expect(refusal({ prefix: '224.0.0.0/4', nextHop: '198.51.100.11' }, any).message).toContain('224.0.0.0/4 is multicast');
    expect(refusal({ prefix: '2001:db8:200::/64', nextHop: '2001:db8:100::11' }, any).message).toContain('is outside allowPrefixes (0.0.0.0/0)');
    accepted({ prefix: '239.1.2.0/24', nextHop: '198.51.100.11' }, new PrefixPolicy(['239.0.0.0/8']));
  });

  it('refuses them in packed ReplacePaths blocks too, naming the path', () => {
    const stage = new PathStage('self', new PrefixPolicy(['203.0.113.0/24']));
    expect(() => stage.addPacked('ipv4-unicast', Uint8Array.of(32, 203, 0, 113, 10, 0), '198.51.100.11', (k) => `paths[${k}]`)).toThrow(
      'paths[1].prefix: 0.0.0.0/0 is the default route',
    );
  });
});

describe('the special ranges, looked up by first octet', () => {
  // The ranges written out again here, independently of the table in special-addresses.ts.
  const special: [boolean, number[], number][] = [
    [false, [0], 8],
    [false, [127], 8],
    [false, [169, 254], 16],
    [false, [224], 4],
    [false, [240], 4],
    [true, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 128],
    [true, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128],
    [true, [0xfe, 0x80], 10],
    [true, [0xff], 8],
  ];
  const bit = (b: Uint8Array | number[], i: number) => ((b[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
  const within = (v6: boolean, bytes: Uint8Array, length: number) =>
    (length === 0) ||
    special.some(([sv6, octets, len]) => sv6 === v6 && length >= len && Array.from({ length: len }, (_, i) => i).every((i) => bit(bytes, i) === bit(octets, i)));

  it('refuses a prefix exactly when it lies in a special range (or is the default route)', () => {
    const policy = new PrefixPolicy();
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(128), fc.constantFrom(0, 127, 169, 224, 239, 240, 255, 254, 0xfe, 0xff), fc.boolean(), (v6, octets, len, first, pin) => {
        const length = v6 ? len : len % 33;
        const bytes = octets.slice();
        if (pin) bytes[0] = first; // often near a special range
        for (let b = length; b < 128; b++) bytes[b >> 3]! &= ~(0x80 >> (b & 7));
        expect(policy.refusal(v6, bytes, 0, length) !== undefined).toBe(within(v6, bytes, length));
      }),
      { numRuns: 5000 },
    );
  });
});
