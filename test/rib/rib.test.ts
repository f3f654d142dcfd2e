import { describe, expect, it } from 'vitest';
import { IpAddress, Prefix } from '../../src/codec/index.js';
import { Rib } from '../../src/rib/rib.js';
import { RequestError } from '../../src/rib/request-error.js';
import type { DesiredPath } from '../../src/rib/types.js';
import { PathStage, validatePath } from '../../src/rib/validate.js';
import { PrefixPolicy } from '../../src/rib/special-addresses.js';

const NONE = { communities: [], largeCommunities: [] };

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
    const withCommunity = { communities: [65000 * 65536 + 1], largeCommunities: [] };
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
      { prefix: '2001:DB8:0::10', nextHop: '2001:db8:100:0:0:0:0:11', communities: ['65000:2', '65000:1', '65000:2'], largeCommunities: ['65000:1:2'] },
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
    [{ prefix: '203.0.113.10', largeCommunities: ['1:2'] }, 'paths[0].largeCommunities[0]'],
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
