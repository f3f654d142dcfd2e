import { describe, expect, it } from 'vitest';
import { IpAddress, Prefix } from '../../src/codec/index.js';
import { Rib } from '../../src/rib/rib.js';
import { RequestError } from '../../src/rib/request-error.js';
import type { DesiredPath } from '../../src/rib/types.js';
import { PathStage, validatePath } from '../../src/rib/validate.js';
import { PrefixPolicy } from '../../src/rib/special-addresses.js';

const NONE = { communities: [], largeCommunities: [], extendedCommunities: [] };

function path(prefix: string, nextHop: string, over: Partial<DesiredPath> = {}): DesiredPath {
  return { prefix: Prefix.parse(prefix)!, nextHop: nextHop === 'self' ? 'self' : IpAddress.parse(nextHop)!, attributes: NONE, owner: 'cli', ...over };
}

function paths(rib: Rib, prefix: string): [string, number, string[]][] {
  const row = rib.find(Prefix.parse(prefix)!);
  return row < 0 ? [] : rib.viewsOf(row).map((p) => [p.nextHop, p.pathId, [...p.owners]]);
}

function remove(rib: Rib, prefix: string, nextHop: string, owner?: string): { gone: boolean } | undefined {
  const p = rib.pathOf(Prefix.parse(prefix)!, nextHop === 'self' ? 'self' : IpAddress.parse(nextHop)!);
  return p < 0 ? undefined : rib.releaseClaim(p, owner);
}

describe('Rib', () => {
  it('never reuses a path id, and keeps paths in insertion order', () => {
    const rib = new Rib();
    rib.upsert(path('203.0.113.10/32', '198.51.100.11'));
    rib.upsert(path('203.0.113.10/32', '198.51.100.12'));
    rib.upsert(path('203.0.113.10/32', '198.51.100.13'));
    remove(rib, '203.0.113.10/32', '198.51.100.12');
    // Re-added: a new id, at the end (a router without ADD-PATH keeps the oldest, 198.51.100.11).
    rib.upsert(path('203.0.113.10/32', '198.51.100.12'));
    expect(paths(rib, '203.0.113.10/32')).toEqual([
      ['198.51.100.11', 1, ['cli']],
      ['198.51.100.13', 3, ['cli']],
      ['198.51.100.12', 4, ['cli']],
    ]);
    expect(rib.size).toBe(3);
    expect(rib.prefixCount).toBe(1);
  });

  it('re-adding the same path changes nothing; new attributes apply to every path of the prefix', () => {
    const rib = new Rib();
    expect(rib.upsert(path('203.0.113.10/32', '198.51.100.11')).result).toBe('added');
    expect(rib.upsert(path('203.0.113.10/32', '198.51.100.12')).result).toBe('added');
    expect(rib.upsert(path('203.0.113.10/32', '198.51.100.11')).result).toBe('unchanged');
    const withCommunity = { communities: [65000 * 65536 + 1], largeCommunities: [], extendedCommunities: [] };
    expect(rib.upsert(path('203.0.113.10/32', '198.51.100.11', { attributes: withCommunity })).result).toBe('updated');
    const row = rib.find(Prefix.parse('203.0.113.10/32')!);
    expect(rib.viewsOf(row).map((p) => p.attributes.communities)).toEqual([['65000:1'], ['65000:1']]);
  });

  it('a path lives while any owner wants it', () => {
    const rib = new Rib();
    expect(rib.upsert(path('203.0.113.10/32', '198.51.100.11', { owner: 'controller' })).result).toBe('added');
    expect(rib.upsert(path('203.0.113.10/32', '198.51.100.11', { owner: 'cli' })).result).toBe('owner-added');
    expect(paths(rib, '203.0.113.10/32')).toEqual([['198.51.100.11', 1, ['controller', 'cli']]]);
    expect(remove(rib, '203.0.113.10/32', '198.51.100.11', 'controller')).toEqual({ gone: false });
    expect(paths(rib, '203.0.113.10/32')).toEqual([['198.51.100.11', 1, ['cli']]]);
    expect(remove(rib, '203.0.113.10/32', '198.51.100.11', 'nobody')).toBeUndefined();
    expect(remove(rib, '203.0.113.10/32', '198.51.100.11', 'cli')).toEqual({ gone: true });
    expect(rib.size).toBe(0);
    expect(rib.prefixCount).toBe(0);
  });

  it('keeps a held prefix row (a peer still has its route) until it is released', () => {
    const rib = new Rib();
    const { row } = rib.upsert(path('203.0.113.10/32', '198.51.100.11'));
    rib.hold(row);
    remove(rib, '203.0.113.10/32', '198.51.100.11');
    // Gone from the table, but its octets stay readable so its withdrawal can be sent.
    expect(rib.prefixCount).toBe(0);
    expect([...rib.rows()]).toEqual([]);
    expect(rib.prefixOf(row).toString()).toBe('203.0.113.10/32');
    expect(rib.upsert(path('203.0.113.99/32', '198.51.100.11')).row).not.toBe(row);
    rib.release(row);
    // Now free: the next new prefix may take the row.
    expect(rib.upsert(path('203.0.113.98/32', '198.51.100.11')).row).toBe(row);
  });

  it("writes a row's prefix text as Prefix does, for IPv4 (from the octets) and IPv6", () => {
    const rib = new Rib();
    for (const text of ['0.0.0.0/0', '203.0.113.10/32', '198.18.0.0/15', '10.255.255.0/24', '2001:db8:200::20/128', '::/0']) {
      const { row } = rib.upsert(path(text, text.includes(':') ? '2001:db8:100::11' : '198.51.100.11'));
      expect(rib.prefixText(row)).toBe(Prefix.parse(text)!.toString());
      expect(rib.prefixText(row)).toBe(rib.prefixOf(row).toString());
    }
  });

  it('holds IPv4 and IPv6 prefixes of equal octets apart, and finds each', () => {
    const rib = new Rib();
    rib.upsert(path('0.0.0.0/0', '198.51.100.11'));
    rib.upsert(path('::/0', '2001:db8::11'));
    rib.upsert(path('10.0.0.0/8', '198.51.100.11'));
    rib.upsert(path('10.0.0.0/16', '198.51.100.11'));
    expect(paths(rib, '0.0.0.0/0')).toEqual([['198.51.100.11', 1, ['cli']]]);
    expect(paths(rib, '::/0')).toEqual([['2001:db8::11', 2, ['cli']]]);
    expect(rib.prefixCount).toBe(4);
    expect([...rib.views()].map((p) => p.prefix)).toEqual(['0.0.0.0/0', '::/0', '10.0.0.0/8', '10.0.0.0/16']);
  });

  it('stays consistent through churn of 50,000 prefixes (index growth, deletes, reuse)', () => {
    const rib = new Rib();
    const name = (i: number) => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;
    for (let i = 0; i < 50_000; i++) rib.upsert(path(name(i), '198.51.100.11'));
    for (let i = 0; i < 50_000; i += 2) remove(rib, name(i), '198.51.100.11');
    for (let i = 0; i < 50_000; i += 4) rib.upsert(path(name(i), '198.51.100.12'));
    expect(rib.prefixCount).toBe(37_500);
    expect(rib.size).toBe(37_500);
    for (let i = 0; i < 50_000; i++) {
      const want = i % 2 === 1 ? '198.51.100.11' : i % 4 === 0 ? '198.51.100.12' : null;
      const got = paths(rib, name(i));
      expect(got.map((p) => p[0])).toEqual(want ? [want] : []);
    }
  });
});

describe('validatePath', () => {
  it('parses prefixes, next hops and communities once, into typed values', () => {
    const { path: p } = validatePath(
      { prefix: '2001:DB8:0::10', nextHop: '2001:db8:100:0:0:0:0:11', communities: ['65000:2', '65000:1', '65000:2'], largeCommunities: ['65000:1:2'], extendedCommunities: [] },
      'self',
      'paths[0]',
    );
    expect(p.prefix.toString()).toBe('2001:db8::10/128');
    expect(p.prefix.family).toBe('ipv6-unicast');
    expect(p.nextHop.toString()).toBe('2001:db8:100::11');
    expect(p.owner).toBe('cli');
    expect(p.attributes).toEqual({ communities: [65000 * 65536 + 1, 65000 * 65536 + 2], largeCommunities: [[65000, 1, 2]] });
  });

  it.each([
    [{ prefix: '203.0.113.300' }, 'paths[0].prefix'],
    [{ prefix: '203.0.113.10/33' }, 'paths[0].prefix'],
    [{ prefix: '203.0.113.10', nextHop: '2001:db8::1' }, 'paths[0].nextHop'],
    [{ prefix: '203.0.113.10', nextHop: 'router' }, 'paths[0].nextHop'],
    [{ prefix: '203.0.113.10', communities: ['65536:1'] }, 'paths[0].communities[0]'],
    [{ prefix: '203.0.113.10', largeCommunities: ['1:2'], extendedCommunities: [] }, 'paths[0].largeCommunities[0]'],
    [{ prefix: '203.0.113.10', localPref: -1 }, 'paths[0].localPref'],
    [{ prefix: '203.0.113.10', med: 2 ** 32 }, 'paths[0].med'],
    [{ prefix: '203.0.113.10', owner: ' ' }, 'paths[0].owner'],
  ])('rejects %j naming %s', (input, field) => {
    let err: unknown;
    try {
      validatePath(input, 'self', 'paths[0]');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RequestError);
    expect((err as RequestError).field).toBe(field);
    expect((err as RequestError).message.startsWith(`${field}: `)).toBe(true);
  });
});

describe('PathStage.addPacked', () => {
  const field = (k: number) => `paths[${7 + k}]`;

  it('reads prefixes packed as BGP NLRI, clearing host bits', () => {
    // The default route among them: allowed explicitly.
    const stage = new PathStage('self', new PrefixPolicy(['0.0.0.0/0', '::/0']));
    stage.addPacked('ipv4-unicast', Uint8Array.of(32, 203, 0, 113, 10, 24, 203, 0, 113, 0), '198.51.100.11', field);
    stage.addPacked('ipv6-unicast', Uint8Array.of(33, 0x20, 0x01, 0x0d, 0xb8, 0xff), undefined, field);
    expect(stage.count).toBe(4);
    const text = (i: number) => Prefix.fromBytes(stage.v6[i] ? 'ipv6-unicast' : 'ipv4-unicast', stage.addr, stage.len[i]!, i * 16).toString();
    expect([0, 1, 2, 3].map(text)).toEqual(['203.0.113.10/32', '203.0.113.0/24', '0.0.0.0/0', '2001:db8:8000::/33']);
    expect(stage.nextHops[stage.nh[0]!]!.toString()).toBe('198.51.100.11');
    expect(stage.nextHops[stage.nh[3]!]).toBe('self');
  });

  it.each([
    ['a length beyond the family', 'ipv4-unicast', Uint8Array.of(32, 1, 2, 3, 4, 33, 1, 2, 3, 4, 5), undefined, 'paths[8].prefix'],
    ['octets that end early', 'ipv4-unicast', Uint8Array.of(24, 1, 2), undefined, 'paths[7].prefix'],
    ['a next hop of the other family', 'ipv6-unicast', Uint8Array.of(0), '198.51.100.1', 'paths[7].nextHop'],
  ] as const)('refuses %s, naming %s', (_why, family, bytes, nextHop, name) => {
    let err: unknown;
    try {
      new PathStage('self').addPacked(family, bytes, nextHop, field);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RequestError);
    expect((err as RequestError).field).toBe(name);
  });
});

describe('Rib index growth', () => {
  // /32s numbered i: 10.0.0.0 + i (the RIB does not check which prefixes may be announced).
  const octets = (i: number) => Uint8Array.of(10 + (i >>> 24), (i >>> 16) & 255, (i >>> 8) & 255, i & 255);
  const add = (rib: Rib, i: number) => rib.upsertOctets(octets(i), 0, 32, false, { nextHop: 'self', attributes: NONE, attrKey: 'k', owner: 'o' });
  const drop = (rib: Rib, i: number) => rib.releaseClaim(rib.firstPath(rib.findOctets(octets(i), 0, 32, false)));
  /** Every prefix the model holds is found, on a row naming it; a sample of the others is not. */
  function check(rib: Rib, live: Set<number>, gone: number[]): void {
    for (const i of live) {
      const row = rib.findOctets(octets(i), 0, 32, false);
      if (row < 0 || rib.prefixText(row) !== `${10 + (i >>> 24)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}/32`) throw new Error(`prefix ${i}: row ${row}`);
    }
    for (const i of gone.slice(-1000)) if (!live.has(i) && rib.findOctets(octets(i), 0, 32, false) >= 0) throw new Error(`prefix ${i} is gone but found`);
    expect(rib.prefixCount).toBe(live.size);
  }

  it('is rebuilt a few rows at a time while rows are made and freed, and every prefix is found throughout', () => {
    const rib = new Rib();
    const live = new Set<number>();
    const gone: number[] = [];
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let op = 0, next = 0; op < 400_000; op++) {
      // Mostly new prefixes, a fifth freed (their rows are reused), some freed prefixes back.
      const r = random();
      if (r < 0.2 && live.size > 0) {
        const i = next - 1 - Math.floor(random() * Math.min(next, 5000));
        if (live.delete(i)) {
          drop(rib, i);
          gone.push(i);
        }
      } else if (r < 0.25 && gone.length > 0) {
        const i = gone[Math.floor(random() * gone.length)]!;
        if (!live.has(i)) {
          add(rib, i);
          live.add(i);
        }
      } else {
        add(rib, next);
        live.add(next++);
      }
      if (op % 40_000 === 39_999) check(rib, live, gone); // checkpoints fall during rebuilds too
    }
    check(rib, live, gone);
  });

  it('is made room for in steps by reserving(), with rows made and freed between the steps', () => {
    const rib = new Rib();
    const live = new Set<number>();
    const gone: number[] = [];
    for (let i = 0; i < 300_000; i++) {
      add(rib, i);
      live.add(i);
    }
    const steps = rib.reserving(1_000_000);
    let n = 0;
    while (!steps.next().done) {
      n++;
      // Between two steps: new rows first (none is free yet), then rows freed, moved or not yet
      // moved to the index being built, and left free (a stale entry would find them).
      if (n === 1) {
        for (let i = 300_000; i < 303_000; i++) {
          add(rib, i);
          live.add(i);
        }
      }
      for (const j of [n * 1000, n * 1000 + 1, 150_000 + n, 302_999 - n]) {
        if (live.delete(j)) {
          drop(rib, j);
          gone.push(j);
        }
      }
      check(rib, live, gone);
    }
    expect(n).toBeGreaterThanOrEqual(4); // the index in several steps, the rows, the paths
    check(rib, live, gone);
    // The freed rows are made again, for new prefixes.
    for (let i = 400_000; i < 400_100; i++) {
      add(rib, i);
      live.add(i);
    }
    check(rib, live, gone);
  });
});

describe('Rib, emptied', () => {
  it('gives its columns back when the last path goes and nobody holds a row, and path ids go on', () => {
    const rib = new Rib();
    for (let i = 0; i < 5000; i++) rib.upsert(path(`198.18.${i >> 8}.${i & 255}/32`, '198.51.100.11'));
    expect(rib.rowLimit).toBe(5000);
    const held = rib.find(Prefix.parse('198.18.0.7/32')!);
    rib.hold(held);
    for (let i = 0; i < 5000; i++) remove(rib, `198.18.${i >> 8}.${i & 255}/32`, '198.51.100.11');
    expect(rib.size).toBe(0);
    expect(rib.rowLimit).toBe(5000); // a peer still holds a row
    rib.release(held);
    expect([rib.rowLimit, rib.pathLimit, rib.prefixCount]).toEqual([0, 0, 0]);
    const again = rib.upsert(path('203.0.113.10/32', '198.51.100.12'));
    expect(again.row).toBe(0);
    expect(paths(rib, '203.0.113.10/32')).toEqual([['198.51.100.12', 5001, ['cli']]]);
    expect(rib.find(Prefix.parse('198.18.0.7/32')!)).toBe(-1);
  });
});
