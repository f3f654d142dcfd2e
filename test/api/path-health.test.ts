// Health checks through the API (issue 10): a path's `check` on the way in (AddPath, ReplacePaths
// as Paths and as packed blocks), its check and health on the way out, health events in
// WatchEvents. First against a stand-in that wraps the speaker (what the API layer itself does),
// then against the real speaker with checks and a fake prober (the whole way, as a controller sees it).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, type AnnouncedPath, type PathInput, type SpeakerEvent } from '../../src/client.js';
import type { PathHealth } from '../../src/rib/types.js';
import type { Family } from '../../src/codec/types.js';
import type { ListedBlock, ReplaceTransaction, SpeakerApi } from '../../src/speaker/api.js';
import { Prefix } from '../../src/codec/values.js';
import type { Speaker } from '../../src/speaker/speaker.js';
import { eventually, rejection, startFixture, type ApiFixture } from './fixture.js';
import { FakeProber, webCheck } from './health-fixture.js';

let f: ApiFixture | undefined;

afterEach(async () => {
  await f?.close();
  f = undefined;
});

const AT = Date.UTC(2026, 10, 22, 3, 10, 0);

/** One path as a listing's block of one. */
function asBlock(p: AnnouncedPath): ListedBlock {
  const { prefix, pathId, ...template } = p;
  const parsed = Prefix.parse(prefix)!;
  const octets = (parsed.length + 7) >> 3;
  return { template, prefixes: Uint8Array.from([parsed.length, ...parsed.bytes.subarray(0, octets)]), pathIds: Uint32Array.of(pathId) };
}

/** What the stand-in saw of each call, in the speaker's terms. */
interface Seen {
  added: PathInput[];
  replaced: PathInput[];
  packed: { family: Family; count: number; nextHop: string | undefined; check: string | undefined }[];
}

/**
 * The real speaker behind a stand-in for its health side: requests are recorded and passed on
 * without their check (the speaker here has no checks configured), and listed paths come back
 * with the check and health that `health` gives them. Health events are emitted by hand.
 */
function standIn(seen: Seen, health: Map<string, { check: string; health?: PathHealth }>, listeners: Set<(e: SpeakerEvent) => void>) {
  const decorate = <P extends AnnouncedPath>(p: P): P => {
    const h = health.get(`${p.prefix} ${p.nextHop}`);
    return h ? { ...p, check: h.check, ...(h.health ? { health: h.health } : {}) } : p;
  };
  const strip = (p: PathInput): PathInput => {
    const { check: _check, ...rest } = p;
    return rest;
  };
  return (s: Speaker): SpeakerApi =>
    new Proxy(s as SpeakerApi, {
      get(target, key) {
        switch (key) {
          case 'addPaths':
            return async (paths: readonly PathInput[]) => {
              seen.added.push(...paths);
              return (await target.addPaths(paths.map(strip))).map(decorate);
            };
          case 'beginReplace':
            return (owner: string): ReplaceTransaction => {
              const txn = target.beginReplace(owner);
              return {
                add(paths) {
                  seen.replaced.push(...paths);
                  txn.add(paths.map(strip));
                },
                addPacked(family, prefixes, nextHop, check) {
                  let count = 0;
                  for (let i = 0; i < prefixes.length; i += 1 + ((prefixes[i]! + 7) >> 3)) count++;
                  seen.packed.push({ family, count, nextHop: typeof nextHop === 'object' ? nextHop.nextHops.join(',') : nextHop, check });
                  txn.addPacked(family, prefixes, nextHop);
                },
                reserve: (n) => txn.reserve(n),
                commit: (o) => txn.commit(o),
                get count() {
                  return txn.count;
                },
              };
            };
          case 'listPathChunks':
            return function* (filter: Parameters<SpeakerApi['listPathChunks']>[0], chunk: number) {
              for (const part of target.listPathChunks(filter, chunk)) yield part.map(decorate);
            };
          case 'listPathBlocks':
            // A block per path, each decorated: what the API does with a block's check and health.
            return function* (filter: Parameters<SpeakerApi['listPathBlocks']>[0], chunk: number) {
              for (const part of target.listPathChunks(filter, chunk)) yield part.map((p) => asBlock(decorate(p)));
            };
          case 'watch':
            return (listener: (e: SpeakerEvent) => void) => {
              listeners.add(listener);
              return () => void listeners.delete(listener);
            };
          default:
            return Reflect.get(target, key, target) as unknown;
        }
      },
    });
}

describe('the API layer, in front of a stand-in for the speaker\'s health side', () => {
  let seen: Seen;
  let health: Map<string, { check: string; health?: PathHealth }>;
  let listeners: Set<(e: SpeakerEvent) => void>;
  let api: ApiFixture;

  beforeEach(async () => {
    seen = { added: [], replaced: [], packed: [] };
    health = new Map();
    listeners = new Set();
    f = api = await startFixture({ wrap: standIn(seen, health, listeners) });
  });

  it("AddPath hands each path's check to the speaker, an empty one as none", async () => {
    await api.client.addPaths([
      { prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' },
      { prefix: '203.0.113.10', nextHop: '198.51.100.12', check: '' },
      { prefix: '203.0.113.11', nextHop: '198.51.100.12' },
    ]);
    expect(seen.added).toStrictEqual([
      { prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' },
      { prefix: '203.0.113.10', nextHop: '198.51.100.12' },
      { prefix: '203.0.113.11', nextHop: '198.51.100.12' },
    ]);
  });

  it("AddPath answers with the paths' check and health", async () => {
    const pending: PathHealth = { state: 'pending', effect: 'withdrawn', target: 'http://198.51.100.11:80/healthz', since: AT };
    health.set('203.0.113.10/32 198.51.100.11', { check: 'web', health: pending });
    const [added] = await api.client.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' }]);
    expect(added).toMatchObject({ prefix: '203.0.113.10/32', check: 'web', health: pending, outcome: 'added' });
  });

  it('ReplacePaths packs plain paths by next hop and check, and hands the block\'s check to the speaker', async () => {
    const set: PathInput[] = [
      { prefix: '203.0.113.1', nextHop: '198.51.100.11', check: 'web' },
      { prefix: '203.0.113.2', nextHop: '198.51.100.11', check: 'web' },
      { prefix: '203.0.113.3', nextHop: '198.51.100.11' },
      { prefix: '203.0.113.4', nextHop: '198.51.100.11', check: 'dns' },
      // With an attribute it travels as a Path, its check beside it.
      { prefix: '203.0.113.5', nextHop: '198.51.100.11', check: 'web', med: 10 },
      { prefix: '2001:db8::1', nextHop: '2001:db8::11', check: 'web' },
    ];
    expect(await api.client.replacePaths('lb', set)).toMatchObject({ added: 6 });
    expect(seen.packed).toStrictEqual([
      { family: 'ipv4-unicast', count: 2, nextHop: '198.51.100.11', check: 'web' },
      { family: 'ipv4-unicast', count: 1, nextHop: '198.51.100.11', check: undefined },
      { family: 'ipv4-unicast', count: 1, nextHop: '198.51.100.11', check: 'dns' },
      { family: 'ipv6-unicast', count: 1, nextHop: '2001:db8::11', check: 'web' },
    ]);
    expect(seen.replaced).toStrictEqual([{ prefix: '203.0.113.5', nextHop: '198.51.100.11', med: 10, check: 'web' }]);
  });

  it('ListPaths carries every path\'s check and health; a path without a check has neither', async () => {
    await api.client.addPaths([
      { prefix: '203.0.113.10', nextHop: '198.51.100.11' },
      { prefix: '203.0.113.10', nextHop: '198.51.100.12' },
      { prefix: '203.0.113.11', nextHop: '198.51.100.11' },
    ]);
    const down: PathHealth = { state: 'down', effect: 'demoted', target: 'http://198.51.100.12:80/healthz', since: AT, lastError: 'HTTP 503', lastErrorAt: AT + 500 };
    const up: PathHealth = { state: 'up', effect: 'announced', target: 'http://198.51.100.11:80/healthz', since: AT };
    health.set('203.0.113.10/32 198.51.100.11', { check: 'web', health: up });
    health.set('203.0.113.10/32 198.51.100.12', { check: 'web', health: down });
    const listed = await api.client.listPaths();
    const byNextHop = (prefix: string, nh: string) => listed.find((p) => p.prefix === prefix && p.nextHop === nh);
    expect(byNextHop('203.0.113.10/32', '198.51.100.11')).toMatchObject({ check: 'web', health: up });
    expect(byNextHop('203.0.113.10/32', '198.51.100.12')?.health).toStrictEqual(down);
    const plain = byNextHop('203.0.113.11/32', '198.51.100.11')!;
    expect('check' in plain || 'health' in plain).toBe(false);
  });

  it('WatchEvents delivers health events as the speaker emits them', async () => {
    const events: SpeakerEvent[] = [];
    const w = api.client.watch((e) => events.push(e));
    await w.started;
    const e: SpeakerEvent = { type: 'health', at: AT, check: 'web', target: 'http://198.51.100.12:80/healthz', from: 'up', to: 'down', reason: 'HTTP 503', effect: 'withdrawn', paths: 3 };
    for (const l of listeners) l(e);
    await eventually(() => events.length === 1);
    expect(events).toStrictEqual([e]);
    w.cancel();
    await w.ended;
  });
});

// ---- the real speaker with checks (its health wiring, issue 10) ----

describe('the real speaker with health checks', () => {
  let prober: FakeProber;
  let api: ApiFixture;

  beforeEach(async () => {
    prober = new FakeProber();
    f = api = await startFixture({ speaker: { healthChecks: [webCheck()], prober } });
  });

  it('refuses a check it does not know with INVALID_ARGUMENT naming paths[i].check, and changes nothing', async () => {
    await api.client.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' }]);
    const before = await api.client.listPaths();
    const add = await rejection(api.client.addPaths([{ prefix: '203.0.113.11', check: 'web' }, { prefix: '203.0.113.12', check: 'nope' }]), ApiError);
    expect(add.codeName).toBe('INVALID_ARGUMENT');
    expect(add.field).toBe('paths[1].check');
    expect(add.message).toMatch(/^paths\[1\]\.check: unknown health check "nope"/);
    expect(add.message).toContain('web');
    // A packed block names its first path, as if the paths had been sent one by one.
    const replace = await rejection(
      api.client.replacePaths('lb', [{ prefix: '203.0.113.20', check: 'web' }, { prefix: '203.0.113.21', med: 1 }, { prefix: '203.0.113.22', check: 'nope' }, { prefix: '203.0.113.23', check: 'nope' }]),
      ApiError,
    );
    expect(replace.codeName).toBe('INVALID_ARGUMENT');
    expect(replace.field).toBe('paths[2].check');
    expect(await api.client.listPaths()).toEqual(before);
  });

  it('lists a checked path pending, then up once its target passes, then down with the error, and says so in WatchEvents', async () => {
    const bad = { ok: false, detail: 'HTTP 503' };
    prober.results.set('http://198.51.100.12:80/healthz', bad);
    const events: SpeakerEvent[] = [];
    const w = api.client.watch((e) => events.push(e));
    await w.started;
    const [added] = await api.client.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' }]);
    expect(added).toMatchObject({ check: 'web', health: { state: 'pending', effect: 'withdrawn', target: 'http://198.51.100.11:80/healthz' } });
    await api.client.replacePaths('lb', [
      { prefix: '203.0.113.20', nextHop: '198.51.100.12', check: 'web' },
      { prefix: '203.0.113.21', nextHop: '198.51.100.12', check: 'web' },
      { prefix: '203.0.113.22', nextHop: '198.51.100.12' },
    ]);

    const health = async (prefix: string) => (await api.client.listPaths({ prefix })).map((p) => p.health)[0];
    await eventually(async () => (await health('203.0.113.10'))?.state === 'up');
    expect(await health('203.0.113.10')).toMatchObject({ state: 'up', effect: 'announced', target: 'http://198.51.100.11:80/healthz' });
    await eventually(async () => (await health('203.0.113.20'))?.state === 'down');
    const down = (await api.client.listPaths({ prefix: '203.0.113.21' }))[0]!;
    expect(down).toMatchObject({ check: 'web', health: { state: 'down', effect: 'withdrawn', target: 'http://198.51.100.12:80/healthz', lastError: 'HTTP 503' } });
    expect(down.health!.since).toBeGreaterThan(AT);
    expect(down.health!.lastErrorAt).toBeGreaterThanOrEqual(down.health!.since);
    // The unchecked path has neither field.
    const plain = (await api.client.listPaths({ prefix: '203.0.113.22' }))[0]!;
    expect('check' in plain || 'health' in plain).toBe(false);

    // One event for the target, however many paths share it.
    await eventually(() => events.some((e) => e.type === 'health' && e.target.includes('198.51.100.12')));
    expect(events.filter((e) => e.type === 'health' && e.target === 'http://198.51.100.12:80/healthz')).toMatchObject([
      { check: 'web', from: 'pending', to: 'down', reason: 'HTTP 503', effect: 'withdrawn', paths: 2 },
    ]);

    // Back up: announced again, one more event.
    prober.results.delete('http://198.51.100.12:80/healthz');
    await eventually(async () => (await health('203.0.113.20'))?.state === 'up');
    await eventually(() => events.filter((e) => e.type === 'health' && e.target === 'http://198.51.100.12:80/healthz').length === 2);
    expect(events.filter((e) => e.type === 'health' && e.target === 'http://198.51.100.12:80/healthz')[1]).toMatchObject({ from: 'down', to: 'up', effect: 'announced', paths: 2 });
    expect(api.speaker.healthChecks()).toMatchObject([{ name: 'web', up: 2, down: 0, pending: 0, transitions: 1 }]);
    w.cancel();
    await w.ended;
  });
});
