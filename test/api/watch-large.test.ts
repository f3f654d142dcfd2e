// Watchers and re-syncs at table scale (issue 30): a large change of the desired set is one
// summary event for a watcher that did not ask for paths, and its every path in bounded messages
// (then the summary) for one that did; nobody is cut off, and no message is near the cap.

import { credentials } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_PATHS, eventMessages } from '../../src/api/convert.js';
import { AnnouncerClient, Event as PbEvent } from '../../src/gen/announcer/v1/announcer.js';
import type { PathInput, SpeakerEvent } from '../../src/client.js';
import { eventually, startFixture, type ApiFixture } from './fixture.js';

const N = 200_000;
const table = (n: number, nextHop = '198.51.100.11'): PathInput[] => Array.from({ length: n }, (_, i) => ({ prefix: `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`, nextHop }));

let f: ApiFixture;
beforeEach(async () => {
  f = await startFixture({ client: { timeoutMs: 120_000 } });
});
afterEach(async () => {
  await f.close();
});

type RibEvent = Extract<SpeakerEvent, { type: 'rib' }>;

describe('a large change, watched', () => {
  it('is one summary for a watcher of summaries, and every path in parts of at most 4,096 then the summary for a watcher of paths', async () => {
    await f.speaker.replacePaths('lb', table(1000, '198.51.100.12'));
    const summaries: RibEvent[] = [];
    const paths: RibEvent[] = [];
    const ws = f.client.watch((e) => e.type === 'rib' && summaries.push(e));
    const wp = f.client.watch((e) => e.type === 'rib' && paths.push(e), undefined, { paths: true });
    // And the raw stream, to weigh each message.
    const raw = new AnnouncerClient(f.server.address, credentials.createInsecure());
    const sizes: number[] = [];
    const stream = raw.watchEvents({ paths: true });
    stream.on('data', (e: PbEvent) => sizes.push(PbEvent.encode(e).finish().length));
    stream.on('error', () => {});
    await Promise.all([ws.started, wp.started, new Promise((r) => stream.once('metadata', r))]);

    const r = await f.client.replacePaths('lb', table(N));
    expect(r).toMatchObject({ added: N, removed: 1000 });
    await eventually(() => summaries.length === 1 && paths.at(-1)?.summary !== undefined, 20_000);

    expect(summaries).toEqual([{ type: 'rib', at: expect.any(Number), owner: 'lb', added: [], removed: [], summary: { added: N, removed: 1000, updated: 0 } }]);
    const parts = paths.slice(0, -1);
    expect(parts.every((e) => e.more === true && e.owner === 'lb' && e.added.length + e.removed.length <= EVENT_PATHS)).toBe(true);
    expect(parts.reduce((n, e) => n + e.added.length, 0)).toBe(N);
    expect(parts.reduce((n, e) => n + e.removed.length, 0)).toBe(1000);
    expect(new Set(parts.flatMap((e) => e.added.map((p) => p.prefix))).size).toBe(N);
    expect(paths.at(-1)).toMatchObject({ owner: 'lb', added: [], removed: [], summary: { added: N, removed: 1000, updated: 0 } });
    // No message near the 1 MiB bound, let alone the 8 MiB cap that cut watchers off.
    expect(Math.max(...sizes)).toBeLessThan(1 << 20);
    expect(sizes.length).toBe(paths.length);
    // Both still connected: a small change reaches them with its paths.
    await f.client.addPaths([{ prefix: '203.0.113.1', nextHop: '198.51.100.11' }]);
    await eventually(() => summaries.length === 2 && paths.length === parts.length + 2);
    expect(summaries[1]!.added.map((p) => p.prefix)).toEqual(['203.0.113.1/32']);
    ws.cancel();
    wp.cancel();
    stream.cancel();
    raw.close();
  });

  it('a small replace tells watchers of summaries its paths too', async () => {
    const events: RibEvent[] = [];
    const w = f.client.watch((e) => e.type === 'rib' && events.push(e));
    await w.started;
    await f.client.replacePaths('lb', table(3));
    await eventually(() => events.length === 1);
    expect(events[0]).toMatchObject({ owner: 'lb', summary: { added: 3, removed: 0, updated: 0 } });
    expect(events[0]!.added).toHaveLength(3);
    w.cancel();
  });

  it('an AddPath of more than 1,000 paths is a summary for a watcher of summaries, whole for a watcher of paths', async () => {
    const summaries: RibEvent[] = [];
    const paths: RibEvent[] = [];
    const ws = f.client.watch((e) => e.type === 'rib' && summaries.push(e));
    const wp = f.client.watch((e) => e.type === 'rib' && paths.push(e), undefined, { paths: true });
    await Promise.all([ws.started, wp.started]);
    await f.client.addPaths(table(5000));
    await eventually(() => summaries.length === 1 && paths.reduce((n, e) => n + e.added.length, 0) === 5000);
    expect(summaries[0]).toMatchObject({ added: [], removed: [], summary: { added: 5000, removed: 0, updated: 0 } });
    expect(paths.map((e) => [e.added.length, e.more === true])).toEqual([
      [4096, true],
      [904, false],
    ]);
    ws.cancel();
    wp.cancel();
  });
});

describe('a watcher of paths that does not read', () => {
  it('is cut off once it is a bounded number of paths behind; the replace goes on', async () => {
    await f.close();
    f = await startFixture({ server: { maxWatchBacklogPaths: 20_000 }, client: { timeoutMs: 120_000 } });
    const raw = new AnnouncerClient(f.server.address, credentials.createInsecure());
    const stream = raw.watchEvents({ paths: true });
    const ended = new Promise<{ code: number; details: string }>((done) => stream.on('error', (e: { code: number; details: string }) => done(e)));
    await new Promise((r) => stream.once('metadata', r));
    stream.pause(); // reads nothing from here on
    expect(await f.client.replacePaths('lb', table(N))).toMatchObject({ added: N });
    const err = await ended;
    expect(err.code).toBe(8); // RESOURCE_EXHAUSTED
    expect(err.details).toMatch(/^watcher fell \d+ events \(\d+ paths\) behind and was cut off; watch again \(and read faster\)$/);
    raw.close();
  });
});

describe('eventMessages', () => {
  it('cuts a rib event into parts of at most EVENT_PATHS paths, added first, the last part without more unless the event has it', () => {
    const p = { prefix: '203.0.113.1/32', family: 'ipv4-unicast' as const, nextHop: '198.51.100.11', attributes: { communities: [], largeCommunities: [], extendedCommunities: [] }, owner: 'lb', owners: ['lb'], pathId: 1 };
    const e: SpeakerEvent = { type: 'rib', at: 0, added: Array(EVENT_PATHS + 10).fill(p), removed: Array(EVENT_PATHS).fill(p) };
    const parts = [...eventMessages(e)].map((m) => (m.event?.$case === 'rib' ? [m.event.value.added.length, m.event.value.removed.length, m.event.value.more] : null));
    expect(parts).toEqual([
      [EVENT_PATHS, 0, true],
      [10, EVENT_PATHS - 10, true],
      [0, 10, false],
    ]);
    expect([...eventMessages({ ...e, more: true })].every((m) => m.event?.$case === 'rib' && m.event.value.more)).toBe(true);
    expect([...eventMessages({ type: 'rib', at: 0, added: [p], removed: [] })]).toHaveLength(1);
  });
});
