import { describe, expect, it } from 'vitest';
import { AdjRibOut, type PeerView } from '../../src/rib/adj-rib-out.js';
import { Rib } from '../../src/rib/rib.js';
import type { Path } from '../../src/rib/types.js';
import { validatePath } from '../../src/rib/validate.js';
import { RequestError } from '../../src/rib/types.js';

const attrs = { communities: [], largeCommunities: [] };
function path(prefix: string, nextHop: string, over: Partial<Path> = {}): Path {
  return { prefix, family: prefix.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast', nextHop, attributes: attrs, owner: 'cli', ...over };
}

const addPathView: PeerView = {
  families: new Set(['ipv4-unicast', 'ipv6-unicast']),
  addPath: new Set(['ipv4-unicast', 'ipv6-unicast']),
  resolveNextHop: (nh) => (nh === 'self' ? '198.51.100.2' : nh),
};
const plainView: PeerView = { ...addPathView, addPath: new Set() };

describe('Rib', () => {
  it('gives each path of a prefix the lowest free path id and keeps it while the path lives', () => {
    const rib = new Rib();
    rib.upsert(path('203.0.113.10/32', '198.51.100.11'));
    rib.upsert(path('203.0.113.10/32', '198.51.100.12'));
    rib.upsert(path('203.0.113.10/32', '198.51.100.13'));
    rib.remove('203.0.113.10/32', '198.51.100.12');
    rib.upsert(path('203.0.113.10/32', '198.51.100.14'));
    expect(rib.pathsOf('203.0.113.10/32').map((p) => [p.nextHop, p.pathId])).toEqual([
      ['198.51.100.11', 1],
      ['198.51.100.13', 3],
      ['198.51.100.14', 2],
    ]);
    expect(rib.size).toBe(3);
  });

  it('re-adding the same path changes nothing; new attributes apply to every path of the prefix', () => {
    const rib = new Rib();
    expect(rib.upsert(path('203.0.113.10/32', '198.51.100.11'))).toBe('added');
    expect(rib.upsert(path('203.0.113.10/32', '198.51.100.12'))).toBe('added');
    expect(rib.upsert(path('203.0.113.10/32', '198.51.100.11'))).toBe('unchanged');
    const withCommunity = { communities: ['65000:1'], largeCommunities: [] };
    expect(rib.upsert(path('203.0.113.10/32', '198.51.100.11', { attributes: withCommunity }))).toBe('updated');
    expect(rib.pathsOf('203.0.113.10/32').map((p) => p.attributes)).toEqual([withCommunity, withCommunity]);
  });

  it('a path lives while any owner wants it', () => {
    const rib = new Rib();
    expect(rib.upsert(path('203.0.113.10/32', '198.51.100.11', { owner: 'controller' }))).toBe('added');
    expect(rib.upsert(path('203.0.113.10/32', '198.51.100.11', { owner: 'cli' }))).toBe('owner-added');
    expect(rib.getPath('203.0.113.10/32', '198.51.100.11')).toMatchObject({ owner: 'controller', owners: ['controller', 'cli'] });
    expect(rib.release('203.0.113.10/32', '198.51.100.11', 'controller')).toMatchObject({ gone: false });
    expect(rib.getPath('203.0.113.10/32', '198.51.100.11')).toMatchObject({ owner: 'cli', owners: ['cli'] });
    expect(rib.release('203.0.113.10/32', '198.51.100.11', 'nobody')).toBeUndefined();
    expect(rib.release('203.0.113.10/32', '198.51.100.11', 'cli')).toMatchObject({ gone: true });
    expect(rib.size).toBe(0);
  });
});

describe('AdjRibOut', () => {
  it('sends every path with ADD-PATH, grouped by next hop, and only the difference afterwards', () => {
    const rib = new Rib();
    const out = new AdjRibOut();
    for (const nh of ['198.51.100.11', '198.51.100.12']) {
      rib.upsert(path('203.0.113.10/32', nh));
      rib.upsert(path('203.0.113.11/32', nh));
    }
    const first = out.update(rib, ['203.0.113.10/32', '203.0.113.11/32'], addPathView);
    expect(first.announce.map((g) => [g.nextHop, g.nlri])).toEqual([
      ['198.51.100.11', [{ prefix: '203.0.113.10/32', pathId: 1 }, { prefix: '203.0.113.11/32', pathId: 1 }]],
      ['198.51.100.12', [{ prefix: '203.0.113.10/32', pathId: 2 }, { prefix: '203.0.113.11/32', pathId: 2 }]],
    ]);
    expect(out.size).toBe(4);
    // Nothing changed: nothing to send.
    expect(out.update(rib, ['203.0.113.10/32'], addPathView).count).toBe(0);
    rib.remove('203.0.113.10/32', '198.51.100.11');
    const second = out.update(rib, ['203.0.113.10/32'], addPathView);
    expect(second.announce).toEqual([]);
    expect(second.withdraw.get('ipv4-unicast')).toEqual([{ prefix: '203.0.113.10/32', pathId: 1 }]);
    expect(out.size).toBe(3);
  });

  it('without ADD-PATH sends the oldest path and replaces it in place when it goes', () => {
    const rib = new Rib();
    const out = new AdjRibOut();
    rib.upsert(path('203.0.113.10/32', '198.51.100.12'));
    rib.upsert(path('203.0.113.10/32', '198.51.100.11'));
    expect(out.update(rib, ['203.0.113.10/32'], plainView).announce[0]).toMatchObject({
      nextHop: '198.51.100.12',
      nlri: [{ prefix: '203.0.113.10/32' }],
    });
    rib.remove('203.0.113.10/32', '198.51.100.12');
    const c = out.update(rib, ['203.0.113.10/32'], plainView);
    expect(c.withdraw.size).toBe(0);
    expect(c.announce[0]).toMatchObject({ nextHop: '198.51.100.11', nlri: [{ prefix: '203.0.113.10/32' }] });
    rib.remove('203.0.113.10/32', '198.51.100.11');
    expect(out.update(rib, ['203.0.113.10/32'], plainView).withdraw.get('ipv4-unicast')).toEqual([{ prefix: '203.0.113.10/32' }]);
    expect(out.size).toBe(0);
  });

  it('resolves "self" per peer and skips families the peer did not negotiate', () => {
    const rib = new Rib();
    const out = new AdjRibOut();
    rib.upsert(path('203.0.113.10/32', 'self'));
    rib.upsert(path('2001:db8::10/128', '2001:db8:100::11'));
    const v4only: PeerView = { ...addPathView, families: new Set(['ipv4-unicast']) };
    const c = out.update(rib, ['203.0.113.10/32', '2001:db8::10/128'], v4only);
    expect(c.announce).toEqual([{ family: 'ipv4-unicast', nextHop: '198.51.100.2', attributes: attrs, nlri: [{ prefix: '203.0.113.10/32', pathId: 1 }] }]);
  });

  it('a 100,000-path table is grouped, not split per path', () => {
    const rib = new Rib();
    const out = new AdjRibOut();
    const prefixes: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const p = `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;
      prefixes.push(p);
      rib.upsert(path(p, '198.51.100.11'));
    }
    const c = out.update(rib, prefixes, plainView);
    expect(c.announce).toHaveLength(1);
    expect(c.announce[0]!.nlri).toHaveLength(100_000);
  });
});

describe('validatePath', () => {
  it('canonicalises prefixes, next hops and communities', () => {
    expect(
      validatePath(
        { prefix: '2001:DB8:0::10', nextHop: '2001:db8:100:0:0:0:0:11', communities: ['65000:2', '65000:1', '65000:2'], largeCommunities: ['65000:1:2'] },
        'self',
        'paths[0]',
      ),
    ).toEqual({
      prefix: '2001:db8::10/128',
      family: 'ipv6-unicast',
      nextHop: '2001:db8:100::11',
      owner: 'cli',
      attributes: { communities: ['65000:1', '65000:2'], largeCommunities: ['65000:1:2'] },
    });
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
