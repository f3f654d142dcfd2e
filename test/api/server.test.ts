// The Announcer service over a real socket, in front of the real Speaker (no peers): what a
// controller sees, every refusal with its status, field and value, and state unchanged after it.

import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, type AnnouncedPath, type PathInput } from '../../src/client.js';
import { credentials, status } from '@grpc/grpc-js';
import { pathInputToPb } from '../../src/api/convert.js';
import { AnnouncerClient, type ReplacePathsRequest } from '../../src/gen/announcer/v1/announcer.js';
import { createLogger } from '../../src/log.js';
import type { SpeakerApi } from '../../src/speaker/api.js';
import type { PeerSessionConfig } from '../../src/session/peer-session.js';
import { silentLogger } from '../../src/log.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { peer } from '../speaker/loopback-speakers.js';
import { eventually, rejection, startFixture, type ApiFixture } from './fixture.js';
import { FakeProber, webCheck } from './health-fixture.js';

let f: ApiFixture;

beforeEach(async () => {
  f = await startFixture();
});

afterEach(async () => {
  await f?.close();
});

const LB_PATHS: PathInput[] = [
  { prefix: '203.0.113.10', nextHop: '198.51.100.11', communities: ['65000:100'], largeCommunities: ['65000:1:2'], extendedCommunities: [], localPref: 0, med: 7, owner: 'lb' },
  { prefix: '203.0.113.10', nextHop: '198.51.100.12', communities: ['65000:100'], largeCommunities: ['65000:1:2'], extendedCommunities: [], localPref: 0, med: 7, owner: 'lb' },
];

function path(prefix: string, nextHop: string, pathId: number, owners: string[], attributes: AnnouncedPath['attributes'] = { communities: [], largeCommunities: [], extendedCommunities: [] }): AnnouncedPath {
  return {
    prefix,
    family: prefix.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast',
    nextHop,
    attributes,
    owner: owners[0]!,
    pathId,
    owners,
  };
}

describe('AddPath, ListPaths, DeletePath', () => {
  it('answers what every peer is sent of each prefix, for a request of at most 64 prefixes', async () => {
    const some = Array.from({ length: 64 }, (_, i) => ({ prefix: `198.18.0.${i}` }));
    const r = await f.client.addPathsReach(some);
    expect(r.reach.map((x) => x.prefix)).toEqual(some.map((p) => `${p.prefix}/32`));
    expect(r.reach[0]).toEqual({ prefix: '198.18.0.0/32', peers: [] }); // the fixture has no peers
    // A bulk load: no reach, the answer stays the size of its paths.
    expect((await f.client.addPathsReach(Array.from({ length: 65 }, (_, i) => ({ prefix: `198.18.1.${i}` })))).reach).toEqual([]);
  });

  it('adds, lists and deletes paths, round-tripping every field', async () => {
    const lbAttributes = { communities: ['65000:100'], largeCommunities: ['65000:1:2'], extendedCommunities: [], localPref: 0, med: 7 };
    const answer = await f.client.addPaths([...LB_PATHS, { prefix: '2001:db8::10/128', nextHop: '2001:db8::11' }, { prefix: '203.0.113.20/32' }]);
    expect(answer.map((p) => p.outcome)).toEqual(['added', 'added', 'added', 'added']);
    const added = answer.map(({ outcome: _outcome, ...p }) => p);
    expect(added).toStrictEqual([
      path('203.0.113.10/32', '198.51.100.11', 1, ['lb'], lbAttributes),
      path('203.0.113.10/32', '198.51.100.12', 2, ['lb'], lbAttributes),
      // Unset optional attributes stay absent (not 0); no owner means "cli", no next hop the default.
      path('2001:db8::10/128', '2001:db8::11', 3, ['cli']), // path ids count up across the table, never reused
      path('203.0.113.20/32', 'self', 4, ['cli']),
    ]);
    const all = await f.client.listPaths();
    expect(all).toHaveLength(4);
    expect(all).toEqual(expect.arrayContaining(added));
    expect(await f.client.listPaths({ owner: 'lb' })).toEqual(added.slice(0, 2));
    expect(await f.client.listPaths({ prefix: '2001:db8::10' })).toEqual([added[2]]);

    expect(await f.client.deletePaths({ prefix: '203.0.113.10/32', nextHops: ['198.51.100.12'] })).toEqual([added[1]]);
    expect(await f.client.deletePaths({ prefix: '203.0.113.10', owner: 'lb' })).toEqual([added[0]]);
    expect((await f.client.listPaths()).map((p) => p.prefix).sort()).toEqual(['2001:db8::10/128', '203.0.113.20/32']);
  });

  it('lists every owner of a path that several want', async () => {
    await f.client.addPaths([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owner: 'lb' }]);
    await f.client.addPaths([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owner: 'ops' }]);
    const [p] = await f.client.listPaths();
    expect(p?.owners).toEqual(['lb', 'ops']);
    expect(p?.owner).toBe('lb');
    expect(await f.client.listPaths({ owner: 'ops' })).toHaveLength(1);
  });

  it('says for each path whether it was added, joined by an owner, updated (with what it had before) or unchanged', async () => {
    const first = await f.client.addPaths([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11', localPref: 200 }]);
    expect(first.map((p) => p.outcome)).toEqual(['added']);
    const again = await f.client.addPaths([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11', localPref: 200 }]);
    expect(again.map((p) => p.outcome)).toEqual(['unchanged']);
    expect(again[0]!.before).toBeUndefined();
    // Both paths of the prefix take the new attributes: both are updated, from the same old ones.
    const changed = await f.client.addPaths([
      { prefix: '203.0.113.10/32', nextHop: '198.51.100.11', communities: ['65000:1'] },
      { prefix: '203.0.113.10/32', nextHop: '198.51.100.12', communities: ['65000:1'] },
    ]);
    expect(changed.map((p) => p.outcome)).toEqual(['updated', 'added']);
    expect(changed[0]!.before).toEqual({ communities: [], largeCommunities: [], extendedCommunities: [], localPref: 200 });
    const shared = await f.client.addPaths([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.12', communities: ['65000:1'], owner: 'lb' }]);
    expect(shared.map((p) => p.outcome)).toEqual(['owner-added']);
  });

  it('refuses an AddPath without paths', async () => {
    const err = await rejection(f.client.addPaths([]), ApiError);
    expect(err.codeName).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe('paths: at least one path is required');
    expect(err.field).toBe('paths');
  });

  it('answers NOT_FOUND when a delete matches nothing, and changes nothing', async () => {
    await f.client.addPaths([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11' }]);
    const before = await f.client.listPaths();
    const err = await rejection(f.client.deletePaths({ prefix: '203.0.113.99' }), ApiError);
    expect(err.code).toBe(5);
    expect(err.codeName).toBe('NOT_FOUND');
    expect(err.field).toBe('prefix');
    expect(err.message).toContain('203.0.113.99/32');
    const other = await rejection(f.client.deletePaths({ prefix: '203.0.113.10/32', nextHops: ['198.51.100.12'] }), ApiError);
    expect(other.codeName).toBe('NOT_FOUND');
    const owner = await rejection(f.client.deletePaths({ prefix: '203.0.113.10/32', owner: 'someone-else' }), ApiError);
    expect(owner.codeName).toBe('NOT_FOUND');
    expect(await f.client.listPaths()).toEqual(before);
  });
});

describe('ReplacePaths', () => {
  const A11 = { prefix: '203.0.113.1/32', nextHop: '198.51.100.11' };
  const A12 = { prefix: '203.0.113.1/32', nextHop: '198.51.100.12' };
  const B11 = { prefix: '203.0.113.2/32', nextHop: '198.51.100.11' };

  it('reports added, removed, updated and unchanged, and touches only that owner', async () => {
    await f.client.addPaths([{ prefix: '198.51.100.0/24', nextHop: '192.0.2.254', owner: 'ops' }]);

    const first = await f.client.replacePaths('lb', [A11, A12], { details: true });
    expect(first.details!.added.map((p) => [p.prefix, p.nextHop, p.owners])).toEqual([
      ['203.0.113.1/32', '198.51.100.11', ['lb']],
      ['203.0.113.1/32', '198.51.100.12', ['lb']],
    ]);
    expect(first).toMatchObject({ added: 2, removed: 0, updated: 0, unchanged: 0, details: { removed: [], updated: [] } });

    // Without details, the counts alone: a large set's answer does not echo it.
    const same = await f.client.replacePaths('lb', [A12, A11]);
    expect(same).toStrictEqual({ added: 0, removed: 0, updated: 0, unchanged: 2, size: [{ family: 'ipv4-unicast', paths: 2, prefixes: 1 }], reach: [] });

    const changed = await f.client.replacePaths('lb', [A11, B11], { details: true });
    expect(changed.details!.added.map((p) => `${p.prefix} via ${p.nextHop}`)).toEqual(['203.0.113.2/32 via 198.51.100.11']);
    expect(changed.details!.removed.map((p) => `${p.prefix} via ${p.nextHop}`)).toEqual(['203.0.113.1/32 via 198.51.100.12']);
    expect(changed.details!.updated).toEqual([]);
    expect(changed).toMatchObject({ added: 1, removed: 1, updated: 0, unchanged: 1 });

    const med = await f.client.replacePaths('lb', [{ ...A11, med: 10 }, B11], { details: true });
    expect(med.details!.updated.map((p) => [p.prefix, p.attributes.med])).toEqual([['203.0.113.1/32', 10]]);
    expect(med.unchanged).toBe(1);

    const lb = await f.client.listPaths({ owner: 'lb' });
    expect(lb.map((p) => `${p.prefix} via ${p.nextHop}`).sort()).toEqual(['203.0.113.1/32 via 198.51.100.11', '203.0.113.2/32 via 198.51.100.11']);
    expect(await f.client.listPaths({ owner: 'ops' })).toHaveLength(1);

    // An empty set withdraws all of the owner's paths, and only its.
    const none = await f.client.replacePaths('lb', []);
    expect(none.removed).toBe(2);
    expect((await f.client.listPaths()).map((p) => p.owners)).toEqual([['ops']]);
  });

  it('a request that gives one prefix two attribute sets is refused, naming the path and the attribute; nothing changes', async () => {
    await f.client.replacePaths('lb', [A11, A12]);
    const before = await f.client.listPaths();
    // Before, the set's last path of the prefix won and the other's communities were lost without a word.
    const set = [{ ...A11, communities: ['65000:1'] }, B11, A12];
    const err = await rejection(f.client.replacePaths('lb', set), ApiError);
    expect(err.codeName).toBe('INVALID_ARGUMENT');
    expect(err.field).toBe('paths[2].communities');
    expect(err.message).toContain('is given other attributes here than by an earlier path of the same request');
    const add = await rejection(f.client.addPaths([{ ...A11, med: 5 }, { ...A12, med: 6 }]), ApiError);
    expect(add.codeName).toBe('INVALID_ARGUMENT');
    expect(add.field).toBe('paths[1].med');
    expect(await f.client.listPaths()).toEqual(before);
    // The same attributes on each path, or a path given twice, are one set.
    await f.client.replacePaths('lb', [{ ...A11, med: 5 }, { ...A12, med: 5 }, { ...A12, med: 5 }]);
    expect((await f.client.listPaths()).map((p) => p.attributes.med)).toEqual([5, 5]);
  });

  it('is atomic: one bad path out of many changes nothing', async () => {
    await f.client.replacePaths('lb', [A11, A12]);
    const before = await f.client.listPaths();
    const err = await rejection(f.client.replacePaths('lb', [A11, B11, { prefix: '203.0.113.3/32', nextHop: '2001:db8::1' }, A12]), ApiError);
    expect(err.codeName).toBe('INVALID_ARGUMENT');
    expect(err.field).toBe('paths[2].nextHop');
    expect(await f.client.listPaths()).toEqual(before);
  });
});

describe('tables travel in parts', () => {
  const table = (n: number, nextHop = '198.51.100.11'): PathInput[] =>
    Array.from({ length: n }, (_, i) => ({ prefix: `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`, nextHop }));

  it('a ReplacePaths of 25,000 paths arrives in parts and applies at once; ListPaths streams them back', async () => {
    expect(await f.client.replacePaths('lb', table(25_000))).toStrictEqual({ added: 25_000, removed: 0, updated: 0, unchanged: 0, size: [{ family: 'ipv4-unicast', paths: 25000, prefixes: 25000 }], reach: [] });
    const listed = await f.client.listPaths();
    expect(listed).toHaveLength(25_000);
    expect(new Set(listed.map((p) => p.prefix)).size).toBe(25_000);
    expect(await f.client.replacePaths('lb', table(25_000))).toMatchObject({ added: 0, removed: 0, updated: 0, unchanged: 25_000 });
    // Half the set via another next hop: every path is replaced, in one step.
    expect(await f.client.replacePaths('lb', table(12_500, '198.51.100.12'))).toMatchObject({ added: 12_500, removed: 25_000, updated: 0, unchanged: 0, size: [{ family: 'ipv4-unicast', paths: 12_500, prefixes: 12_500 }] });
    expect(await f.client.listPaths({ owner: 'lb' })).toHaveLength(12_500);
  });

  it('mixes packed blocks and paths in the caller\'s order: both families, several next hops, attributes', async () => {
    const set: PathInput[] = [
      ...table(3, '198.51.100.11'),
      { prefix: '203.0.113.7/32', nextHop: '198.51.100.12', communities: ['65000:7'] },
      { prefix: '2001:db8::7', nextHop: '2001:db8::11' },
      { prefix: '2001:db8::8/127', nextHop: '2001:db8::11' },
      ...table(2, '198.51.100.12'),
      { prefix: '203.0.113.0/24' }, // the configured next hop
    ];
    expect(await f.client.replacePaths('lb', set)).toStrictEqual({
      added: 9,
      removed: 0,
      updated: 0,
      unchanged: 0,
      size: [{ family: 'ipv4-unicast', paths: 7, prefixes: 5 }, { family: 'ipv6-unicast', paths: 2, prefixes: 2 }],
      reach: [],
    });
    const got = (await f.client.listPaths({ owner: 'lb' })).map((p) => `${p.prefix} via ${p.nextHop} ${p.attributes.communities.join(',')}`.trim());
    expect(got.sort()).toEqual(
      [
        '198.18.0.0/32 via 198.51.100.11',
        '198.18.0.1/32 via 198.51.100.11',
        '198.18.0.2/32 via 198.51.100.11',
        '203.0.113.7/32 via 198.51.100.12 65000:7',
        '2001:db8::7/128 via 2001:db8::11',
        '2001:db8::8/127 via 2001:db8::11',
        '198.18.0.0/32 via 198.51.100.12',
        '198.18.0.1/32 via 198.51.100.12',
        '203.0.113.0/24 via self',
      ].sort(),
    );
    // A bad next hop in a packed run is named at the run's first path, as if sent one by one.
    const bad = [...table(2), { prefix: '203.0.113.1', nextHop: '2001:db8::1' }, { prefix: '203.0.113.2', nextHop: '2001:db8::1' }];
    const err = await rejection(f.client.replacePaths('lb', bad), ApiError);
    expect(err.field).toBe('paths[2].nextHop');
  });

  it('a client that goes away in the middle of its stream changes nothing', async () => {
    await f.client.replacePaths('lb', table(10));
    const before = await f.client.listPaths();
    const raw = new AnnouncerClient(f.server.address, credentials.createInsecure());
    const outcome = new Promise<string>((done) => {
      const call = raw.replacePaths((err) => done(err ? status[err.code] ?? String(err.code) : 'OK'));
      // The first part of a new set (it would withdraw the other 9 paths)...
      call.write({ owner: 'lb', paths: [pathInputToPb({ prefix: '203.0.113.99/32' })], details: false, block: undefined, total: 20_000, totalLast: false });
      // ... then the client dies before closing its side.
      setTimeout(() => call.cancel(), 50);
    });
    expect(await outcome).toBe('CANCELLED');
    // Any part of the call still in flight in the daemon has run by the time this answers.
    expect(await f.client.listPaths()).toEqual(before);
    raw.close();
  });

  it('a stream that ends short of the total it announced changes nothing and says so', async () => {
    await f.client.replacePaths('lb', table(10));
    const before = await f.client.listPaths();
    const raw = new AnnouncerClient(f.server.address, credentials.createInsecure());
    const err = await new Promise<{ code?: number; details?: string } | null>((done) => {
      const call = raw.replacePaths((e) => done(e));
      call.write({ owner: 'lb', paths: [pathInputToPb({ prefix: '203.0.113.99/32' })], details: false, block: undefined, total: 5, totalLast: false });
      call.end();
    });
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toBe('total: the set was announced as 5 paths but 1 arrived; nothing changed');
    expect(await f.client.listPaths()).toEqual(before);
    raw.close();
  });

  it('total_last: a set sent as it is read is applied with its total in the last message, and changes nothing without it', async () => {
    await f.client.replacePaths('lb', table(10));
    const before = await f.client.listPaths();
    const raw = new AnnouncerClient(f.server.address, credentials.createInsecure());
    const send = (parts: Partial<ReplacePathsRequest>[]): Promise<{ code?: number; details?: string } | null> =>
      new Promise((done) => {
        const call = raw.replacePaths((e) => done(e));
        for (const p of parts) call.write({ owner: '', paths: [], details: false, block: undefined, total: undefined, totalLast: false, ...p });
        call.end();
      });
    const part = (prefix: string): Partial<ReplacePathsRequest> => ({ paths: [pathInputToPb({ prefix })] });
    // Cut before its total: nothing changes, and the answer says why.
    let err = await send([{ owner: 'lb', totalLast: true, ...part('203.0.113.98/32') }, part('203.0.113.99/32')]);
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toBe('total: the stream ended before its total (2 paths had arrived); nothing changed');
    // A part after the total is refused.
    err = await send([{ owner: 'lb', totalLast: true, ...part('203.0.113.98/32') }, { total: 1 }, part('203.0.113.99/32')]);
    expect(err?.details).toBe('total: a part came after the total (1); nothing changed');
    // With total_last, a total closes the set in whichever message it comes, the first too.
    err = await send([{ owner: 'lb', totalLast: true, total: 1, ...part('203.0.113.98/32') }, part('203.0.113.99/32')]);
    expect(err?.details).toBe('total: a part came after the total (1); nothing changed');
    // A wrong total in the last message is the usual refusal.
    err = await send([{ owner: 'lb', totalLast: true, ...part('203.0.113.98/32') }, { ...part('203.0.113.99/32'), total: 3 }]);
    expect(err?.details).toBe('total: the set was announced as 3 paths but 2 arrived; nothing changed');
    expect(await f.client.listPaths()).toEqual(before);
    // With its total (here in a message of its own) the set is applied.
    err = await send([{ owner: 'lb', totalLast: true, ...part('203.0.113.98/32') }, part('203.0.113.99/32'), { total: 2 }]);
    expect(err).toBeNull();
    expect((await f.client.listPaths()).map((p) => p.prefix)).toEqual(['203.0.113.98/32', '203.0.113.99/32']);
    raw.close();
  });

  it('a bad path in a later part names its index across parts, and nothing changes', async () => {
    await f.client.replacePaths('lb', table(10));
    const before = await f.client.listPaths();
    const bad = table(25_000);
    bad[24_001] = { prefix: '198.18.300.1' };
    const err = await rejection(f.client.replacePaths('lb', bad), ApiError);
    expect(err.codeName).toBe('INVALID_ARGUMENT');
    expect(err.field).toBe('paths[24001].prefix');
    expect(await f.client.listPaths()).toEqual(before);
  });

  it('a refused prefix deep in a packed block (validated in pieces) is named by its index in the set', async () => {
    const bad = table(5_000);
    bad[3_333] = { prefix: '127.0.0.1' }; // packed with the rest, refused by the daemon's policy
    const err = await rejection(f.client.replacePaths('lb', bad), ApiError);
    expect(err.field).toBe('paths[3333].prefix');
    expect(await f.client.listPaths()).toEqual([]);
  });
});

describe('bad requests: INVALID_ARGUMENT naming the field and the value, nothing changed', () => {
  const cases: { name: string; call: (f: ApiFixture) => Promise<unknown>; field: string; value?: string }[] = [
    { name: 'a prefix that is not one', call: (f) => f.client.addPaths([{ prefix: '203.0.113.300' }]), field: 'paths[0].prefix', value: '203.0.113.300' },
    { name: 'an IPv4 prefix length over 32', call: (f) => f.client.addPaths([{ prefix: '203.0.113.0/33' }]), field: 'paths[0].prefix', value: '203.0.113.0/33' },
    { name: 'an IPv6 prefix length over 128', call: (f) => f.client.addPaths([{ prefix: '2001:db8::/129' }]), field: 'paths[0].prefix', value: '2001:db8::/129' },
    // Host bits set: refused with both readings offered, never announced as the network silently.
    { name: 'an IPv4 prefix with host bits set', call: (f) => f.client.addPaths([{ prefix: '203.0.113.11/24' }]), field: 'paths[0].prefix', value: 'did you mean 203.0.113.0/24 (the network) or 203.0.113.11 (the address alone, /32)?' },
    { name: 'an IPv6 prefix with host bits set', call: (f) => f.client.addPaths([{ prefix: '2001:db8::1/64' }]), field: 'paths[0].prefix', value: 'did you mean 2001:db8::/64' },
    { name: 'host bits set in a ReplacePaths set', call: (f) => f.client.replacePaths('lb', [{ prefix: '203.0.113.10' }, { prefix: '203.0.113.130/25' }]), field: 'paths[1].prefix', value: '203.0.113.128/25' },
    { name: 'host bits set in DeletePath', call: (f) => f.client.deletePaths({ prefix: '203.0.113.10/24' }), field: 'prefix', value: 'host bits set' },
    {
      name: 'a next hop of the other family (second path)',
      call: (f) => f.client.addPaths([{ prefix: '203.0.113.30/32', nextHop: '198.51.100.11' }, { prefix: '203.0.113.31/32', nextHop: '2001:db8::1' }]),
      field: 'paths[1].nextHop',
      value: '2001:db8::1',
    },
    { name: 'an IPv4 next hop for an IPv6 prefix', call: (f) => f.client.addPaths([{ prefix: '2001:db8::10/128', nextHop: '198.51.100.11' }]), field: 'paths[0].nextHop', value: '198.51.100.11' },
    { name: 'a next hop that is not an address', call: (f) => f.client.addPaths([{ prefix: '203.0.113.10', nextHop: 'router' }]), field: 'paths[0].nextHop', value: 'router' },
    { name: 'a community out of range', call: (f) => f.client.addPaths([{ prefix: '203.0.113.10', communities: ['65000:1', '65536:1'] }]), field: 'paths[0].communities[1]', value: '65536:1' },
    { name: 'a malformed large community', call: (f) => f.client.addPaths([{ prefix: '203.0.113.10', largeCommunities: ['65000:1'], extendedCommunities: [] }]), field: 'paths[0].largeCommunities[0]', value: '65000:1' },
    { name: 'a large community part over 32 bits', call: (f) => f.client.addPaths([{ prefix: '203.0.113.10', largeCommunities: ['1:2:4294967296'], extendedCommunities: [] }]), field: 'paths[0].largeCommunities[0]', value: '1:2:4294967296' },
    // The wire carries uint32: the client refuses what it would wrap, worded as the speaker words it.
    { name: 'a MED out of range', call: (f) => f.client.addPaths([{ prefix: '203.0.113.10', med: 2 ** 32 }]), field: 'paths[0].med', value: '4294967296' },
    { name: 'a negative LOCAL_PREF', call: (f) => f.client.addPaths([{ prefix: '203.0.113.10', localPref: -1 }]), field: 'paths[0].localPref', value: '-1' },
    { name: 'an empty owner in ReplacePaths', call: (f) => f.client.replacePaths('', [{ prefix: '203.0.113.10' }]), field: 'owner' },
    { name: 'a blank owner in ReplacePaths', call: (f) => f.client.replacePaths('   ', []), field: 'owner' },
    { name: 'a bad path in ReplacePaths', call: (f) => f.client.replacePaths('lb', [{ prefix: '203.0.113.10' }, { prefix: 'nope' }]), field: 'paths[1].prefix', value: 'nope' },
    { name: 'a bad MED in ReplacePaths', call: (f) => f.client.replacePaths('lb', [{ prefix: '203.0.113.10', med: 1.5 }]), field: 'paths[0].med', value: '1.5' },
    { name: 'an over-long owner in AddPath', call: (f) => f.client.addPaths([{ prefix: '203.0.113.10', owner: 'x'.repeat(129) }]), field: 'paths[0].owner' },
    { name: 'a bad prefix in DeletePath', call: (f) => f.client.deletePaths({ prefix: '203.0.113.0/40' }), field: 'prefix', value: '203.0.113.0/40' },
    { name: 'a next hop of the other family in DeletePath', call: (f) => f.client.deletePaths({ prefix: '203.0.113.10/32', nextHops: ['2001:db8::1'] }), field: 'nextHops[0]', value: '2001:db8::1' },
    { name: 'a bad prefix filter in ListPaths', call: (f) => f.client.listPaths({ prefix: '2001:db8::zz' }), field: 'prefix', value: '2001:db8::zz' },
    { name: 'an unknown peer in ListPeers', call: (f) => f.client.listPeers({ peer: '198.51.100.99' }), field: 'peer', value: '198.51.100.99' },
  ];

  it.each(cases)('$name -> $field', async ({ call, field, value }) => {
    await f.client.addPaths([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owner: 'lb' }]);
    await f.client.replacePaths('lb', [{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11' }, { prefix: '2001:db8::10/128', nextHop: '2001:db8::11' }]);
    const before = await f.client.listPaths();
    const err = await rejection(call(f), ApiError);
    expect(err.code).toBe(3);
    expect(err.codeName).toBe('INVALID_ARGUMENT');
    expect(err.field).toBe(field);
    expect(err.message.startsWith(`${field}: `)).toBe(true);
    if (value !== undefined) expect(err.message).toContain(value);
    expect(await f.client.listPaths()).toEqual(before);
  });
});

describe('failures that are not the caller\'s', () => {
  it('reports a speaker bug as INTERNAL and logs it', async () => {
    await f.close();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    // The real speaker, with one method that blows up.
    const broken = (s: SpeakerApi): SpeakerApi =>
      new Proxy(s, {
        get: (target, key) =>
          key === 'listPathBlocks'
            ? () => {
                throw new Error('rib exploded');
              }
            : (Reflect.get(target, key, target) as unknown),
      });
    f = await startFixture({ wrap: broken, log: createLogger('info', sink) });
    const err = await rejection(f.client.listPaths(), ApiError);
    expect(err.codeName).toBe('INTERNAL');
    expect(err.message).toBe('internal error: rib exploded');
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; method?: string; err?: { message: string } }).find((l) => l.msg === 'api request failed');
    expect(logged?.method).toBe('ListPaths');
    expect(logged?.err?.message).toBe('rib exploded');
  });
});

describe('ListPeers', () => {
  it('lists a configured peer with its session state, optional fields absent until known', async () => {
    await f.close();
    f = await startFixture({
      speaker: {
        peers: [{ name: 'r1', address: '192.0.2.9', port: 17900, asn: 65001, passive: true, holdTime: 90, connectRetry: 5, families: ['ipv4-unicast'], addPath: 'send' }],
      },
    });
    const [peer, ...rest] = await f.client.listPeers();
    expect(rest).toEqual([]);
    expect(peer).toMatchObject({ address: '192.0.2.9', port: 17900, asn: 65001, families: [], prefixesSent: 0, messagesSent: 0 });
    expect(['Idle', 'Active']).toContain(peer?.state);
    expect(peer?.since).toBeGreaterThan(0);
    expect(peer).not.toHaveProperty('remoteRouterId');
    expect(peer).not.toHaveProperty('holdTime');
  });
});

describe('Shutdown and graceful restart, against routers on loopback', () => {
  const routers: Speaker[] = [];
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.stop('test over')));
  });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const session = (over: Partial<PeerSessionConfig> & Pick<PeerSessionConfig, 'name' | 'address' | 'asn'>): PeerSessionConfig => peer({ port, ...over });
  /** A router (another speaker) at `address` that takes our session, with or without graceful restart. */
  async function router(address: string, gracefulRestart?: { restartTime: number }): Promise<void> {
    const r = new Speaker(
      {
        asn: 65001,
        routerId: address,
        nextHop: 'self',
        listen: { address, port },
        peers: [session({ name: 'us', address: '127.0.0.1', asn: 65000, passive: true, ...(gracefulRestart ? { gracefulRestart } : {}) })],
      },
      silentLogger,
    );
    routers.push(r);
    await r.start();
  }

  it('says per peer whether its router keeps the paths, for how long, or why not; ListPeers shows both sides', async () => {
    await router('127.0.0.2', { restartTime: 90 }); // offers graceful restart
    await router('127.0.0.3'); // does not
    await router('127.0.0.4', { restartTime: 90 }); // offers it, but we do not configure it for this one
    await f.close();
    const gr = { restartTime: 120 };
    f = await startFixture({
      speaker: {
        peers: [
          session({ name: 'router1', address: '127.0.0.2', asn: 65001, localAddress: '127.0.0.1', gracefulRestart: gr }),
          session({ name: 'router2', address: '127.0.0.3', asn: 65001, localAddress: '127.0.0.1', gracefulRestart: gr }),
          session({ name: 'router3', address: '127.0.0.4', asn: 65001, localAddress: '127.0.0.1' }),
          session({ name: 'router4', address: '192.0.2.99', asn: 65001, passive: true, gracefulRestart: gr }), // never comes up
        ],
      },
    });
    await eventually(async () => (await f.client.listPeers()).filter((p) => p.state === 'Established').length === 3, 10_000);

    const peers = await f.client.listPeers();
    expect(peers.map((p) => [p.name, p.gracefulRestart])).toEqual([
      ['router1', { ours: gr, theirs: { advertised: true, restartTime: 90, forwardingPreserved: ['ipv4-unicast', 'ipv6-unicast'], notification: true }, negotiated: true }],
      ['router2', { ours: gr, theirs: { advertised: false, forwardingPreserved: [], notification: false }, negotiated: false }],
      ['router3', { theirs: { advertised: true, restartTime: 90, forwardingPreserved: ['ipv4-unicast', 'ipv6-unicast'], notification: true }, negotiated: false }],
      ['router4', { ours: gr, negotiated: false }],
    ]);

    expect(await f.client.shutdown({ restart: true })).toEqual([
      { name: 'router1', address: '127.0.0.2', kept: true, restartTime: 120 },
      { name: 'router2', address: '127.0.0.3', kept: false, reason: 'graceful restart not negotiated (the router did not offer it)' },
      { name: 'router3', address: '127.0.0.4', kept: false, reason: 'graceful restart not configured for this peer' },
      { name: 'router4', address: '192.0.2.99', kept: false, reason: 'session not established: the router holds nothing from us' },
    ]);
    expect(await f.speaker.shutdownRequested).toBe('restart');
  }, 20_000);

  it('a shutdown without restart withdraws everywhere, saying only where there was nothing to withdraw', async () => {
    await f.close();
    f = await startFixture({ speaker: { peers: [session({ name: 'router4', address: '192.0.2.99', asn: 65001, passive: true })] } });
    expect(await f.client.shutdown()).toEqual([{ name: 'router4', address: '192.0.2.99', kept: false, reason: 'session not established: the router holds nothing from us' }]);
    expect(await f.speaker.shutdownRequested).toBe('withdraw');
  });
});

describe('ListHealthChecks, and ListPaths by check', () => {
  beforeEach(async () => {
    const prober = new FakeProber();
    prober.down.add('198.51.100.12');
    await f.close();
    f = await startFixture({ speaker: { healthChecks: [webCheck(), webCheck({ name: 'spare' })], prober } });
    await f.client.addPaths([
      { prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' },
      { prefix: '203.0.113.10', nextHop: '198.51.100.12', check: 'web' },
      { prefix: '203.0.113.11', nextHop: '198.51.100.11', check: 'web', owner: 'lb' },
      { prefix: '203.0.113.20', nextHop: '198.51.100.13' },
    ]);
    await eventually(async () => (await f.client.listHealthChecks())[0]!.targets.every((t) => t.state !== 'pending'));
  });

  it('lists every configured check with each target once: its state, since when, the last error, how many paths use it, what they get, how late its probe started', async () => {
    const [web, spare, ...rest] = await f.client.listHealthChecks();
    expect(rest).toEqual([]);
    expect(web).toMatchObject({ name: 'web', up: 1, down: 1, pending: 0, lag: expect.any(Number) });
    expect(web!.targets).toEqual([
      { target: 'http://198.51.100.11:80/healthz', state: 'up', since: expect.any(Number), paths: 2, effect: 'announced', lag: expect.any(Number) },
      { target: 'http://198.51.100.12:80/healthz', state: 'down', since: expect.any(Number), lastError: 'HTTP 503', lastErrorAt: expect.any(Number), paths: 1, effect: 'withdrawn', lag: expect.any(Number) },
    ]);
    expect(spare).toEqual({ name: 'spare', up: 0, down: 0, pending: 0, transitions: 0, targets: [] });
  });

  it('an empty list from a daemon without health checks', async () => {
    await f.close();
    f = await startFixture();
    expect(await f.client.listHealthChecks()).toEqual([]);
  });

  it('ListPaths with a check lists only the paths that name it, with the other filters too', async () => {
    const of = (ps: AnnouncedPath[]) => ps.map((p) => `${p.prefix} via ${p.nextHop}`).sort();
    expect(of(await f.client.listPaths({ check: 'web' }))).toEqual(['203.0.113.10/32 via 198.51.100.11', '203.0.113.10/32 via 198.51.100.12', '203.0.113.11/32 via 198.51.100.11']);
    expect(of(await f.client.listPaths({ check: 'web', owner: 'lb' }))).toEqual(['203.0.113.11/32 via 198.51.100.11']);
    expect(of(await f.client.listPaths({ check: 'web', prefix: '203.0.113.20' }))).toEqual([]);
    expect(await f.client.listPaths({ check: 'spare' })).toEqual([]);
  });

  it('refuses a check the daemon does not know, naming `check` and the ones it has', async () => {
    const err = await rejection(f.client.listPaths({ check: 'nope' }), ApiError);
    expect(err).toMatchObject({ codeName: 'INVALID_ARGUMENT', field: 'check', message: 'check: unknown health check "nope" (configured: web, spare)' });
  });
});
