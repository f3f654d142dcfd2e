// The RIB's prefixes in order for listings, prepared in steps: the same order as a plain sort, with
// more prefixes than one sorted run holds, prefixes that go meanwhile skipped.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IpAddress, Prefix } from '../../src/codec/index.js';
import { Rib } from '../../src/rib/rib.js';
import { SortedPrefixes } from '../../src/rib/sorted-prefixes.js';

const NONE = { communities: [], largeCommunities: [], extendedCommunities: [] };
const NH4 = IpAddress.parse('198.51.100.11')!;
const NH6 = IpAddress.parse('2001:db8::11')!;

function add(rib: Rib, p: Prefix): void {
  rib.upsert({ prefix: p, nextHop: p.isV6 ? NH6 : NH4, attributes: NONE, owner: 'cli' });
}

/** The order a listing promises: IPv4 first, then by address octets, then by length. */
function reference(prefixes: readonly Prefix[]): string[] {
  return [...prefixes]
    .sort((x, y) => {
      if (x.isV6 !== y.isV6) return x.isV6 ? 1 : -1;
      for (let i = 0; i < x.bytes.length; i++) if (x.bytes[i] !== y.bytes[i]) return x.bytes[i]! - y.bytes[i]!;
      return x.length - y.length;
    })
    .map(String);
}

/** Prepares in its steps, counting them, then walks; each prefix is found again in the RIB. */
function walk(rib: Rib, meanwhile: () => void = () => {}): { order: string[]; steps: number } {
  const sorted = new SortedPrefixes(rib);
  let steps = 0;
  for (const _ of sorted.prepare()) steps++;
  meanwhile();
  const order: string[] = [];
  while (sorted.next()) {
    const row = sorted.row();
    if (row >= 0) order.push(rib.prefixOf(row).toString());
  }
  return { order, steps };
}

describe('SortedPrefixes', () => {
  it('walks 50,000 prefixes of both families in order, prepared in many steps', () => {
    const rib = new Rib();
    const all: Prefix[] = [];
    // A deterministic scramble: prefixes arrive far from their order, some sharing an address.
    for (let i = 0; i < 40_000; i++) {
      const x = (i * 2654435761) >>> 0;
      const len = 16 + (x % 17);
      all.push(Prefix.fromBytes('ipv4-unicast', Uint8Array.of(x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255), len));
    }
    for (let i = 0; i < 10_000; i++) {
      const x = (i * 40503) & 0xffff;
      all.push(Prefix.parse(`2001:db8:${x.toString(16)}:${(i & 7).toString(16)}::/${48 + (i % 81)}`)!);
    }
    const unique = [...new Map(all.map((p) => [p.toString(), p])).values()];
    for (const p of unique) add(rib, p);
    const { order, steps } = walk(rib);
    expect(order).toEqual(reference(unique));
    // Copy, three IPv4 runs and one IPv6 run at least: never one block for the whole table.
    expect(steps).toBeGreaterThanOrEqual(4);
  });

  it('skips a prefix that went after the order was made, and finds it again if it came back', () => {
    const rib = new Rib();
    const ps = ['203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/24', '2001:db8::/32'].map((t) => Prefix.parse(t)!);
    for (const p of ps) add(rib, p);
    const { order } = walk(rib, () => {
      rib.releaseClaim(rib.pathOf(ps[1]!, NH4));
      rib.releaseClaim(rib.pathOf(ps[2]!, NH4));
      add(rib, ps[2]!); // back, perhaps on another row
      add(rib, Prefix.parse('198.51.100.128/25')!); // new: not walked
    });
    expect(order).toEqual(['192.0.2.0/24', '203.0.113.0/24', '2001:db8::/32']);
  });

  it('walks nothing in an empty RIB', () => {
    expect(walk(new Rib()).order).toEqual([]);
  });

  it('agrees with a plain sort for any set of prefixes', () => {
    const prefix = fc.oneof(
      fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 })).map(([b, l]) => Prefix.fromBytes('ipv4-unicast', b, l)),
      fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 })).map(([b, l]) => Prefix.fromBytes('ipv6-unicast', b, l)),
    );
    fc.assert(
      fc.property(fc.array(prefix, { maxLength: 200 }), (ps) => {
        const unique = [...new Map(ps.map((p) => [p.toString(), p])).values()];
        const rib = new Rib();
        for (const p of unique) add(rib, p);
        expect(walk(rib).order).toEqual(reference(unique));
      }),
    );
  });
});
