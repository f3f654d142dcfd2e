// WatchEvents: a live stream in front of the real Speaker; it ends cleanly on cancel, and with
// UNAVAILABLE when the daemon shuts down.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ApiError, type SpeakerEvent } from '../../src/client.js';
import { eventually, startFixture, type ApiFixture } from './fixture.js';

let f: ApiFixture;

beforeEach(async () => {
  f = await startFixture();
});

afterEach(async () => {
  await f?.close();
});

describe('WatchEvents', () => {
  it('delivers a rib event for AddPath and DeletePath, and ends cleanly on cancel', async () => {
    const events: SpeakerEvent[] = [];
    const errors: ApiError[] = [];
    const w = f.client.watch((e) => events.push(e), (e) => errors.push(e));
    await w.started;
    const before = Date.now();
    await f.client.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.11', owner: 'lb', communities: ['65000:100'] }]);
    await eventually(() => events.length === 1);
    const [e] = events;
    expect(e).toMatchObject({ type: 'rib', removed: [] });
    expect(e?.type === 'rib' && e.added).toEqual([
      {
        prefix: '203.0.113.10/32',
        family: 'ipv4-unicast',
        nextHop: '198.51.100.11',
        attributes: { communities: ['65000:100'], largeCommunities: [], extendedCommunities: [] },
        owner: 'lb',
        owners: ['lb'],
        pathId: 1,
      },
    ]);
    expect(e!.at).toBeGreaterThanOrEqual(before - 1000);
    expect(e!.at).toBeLessThanOrEqual(Date.now() + 1000);

    await f.client.deletePaths({ prefix: '203.0.113.10' });
    await eventually(() => events.length === 2);
    expect(events[1]).toMatchObject({ type: 'rib', added: [], removed: [{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11' }] });

    w.cancel();
    expect(await w.ended).toBeUndefined();
    expect(errors).toEqual([]);
    // Unsubscribed: later changes reach nobody, and the server goes on serving.
    await f.client.addPaths([{ prefix: '203.0.113.11' }]);
    expect(events).toHaveLength(2);
    expect(await f.client.listPaths()).toHaveLength(1);
  });

  it('reports a ReplacePaths as one event with what was added and removed', async () => {
    await f.client.replacePaths('lb', [{ prefix: '203.0.113.1', nextHop: '198.51.100.11' }]);
    const events: SpeakerEvent[] = [];
    const w = f.client.watch((e) => events.push(e));
    await w.started;
    await f.client.replacePaths('lb', [{ prefix: '203.0.113.2', nextHop: '198.51.100.11' }]);
    await eventually(() => events.length === 1);
    const e = events[0]!;
    expect(e.type).toBe('rib');
    if (e.type !== 'rib') return;
    expect(e.added.map((p) => p.prefix)).toEqual(['203.0.113.2/32']);
    expect(e.removed.map((p) => p.prefix)).toEqual(['203.0.113.1/32']);
    w.cancel();
    await w.ended;
  });

  it('serves several watchers at once, each unsubscribed on its own', async () => {
    const a: SpeakerEvent[] = [];
    const b: SpeakerEvent[] = [];
    const wa = f.client.watch((e) => a.push(e));
    const wb = f.client.watch((e) => b.push(e));
    await Promise.all([wa.started, wb.started]);
    await f.client.addPaths([{ prefix: '203.0.113.10' }]);
    await eventually(() => a.length === 1 && b.length === 1);
    wa.cancel();
    await wa.ended;
    await f.client.addPaths([{ prefix: '203.0.113.11' }]);
    await eventually(() => b.length === 2);
    expect(a).toHaveLength(1);
    wb.cancel();
    expect(await wb.ended).toBeUndefined();
  });

  it('ends the stream with UNAVAILABLE when the daemon shuts down, without holding shutdown up', async () => {
    // The server's clock stands still, so its 5 s grace timer (which would cut a stream left open)
    // never fires: close() resolving shows the stream ended on its own.
    await f.close();
    f = await startFixture({ server: { clock: new ManualClock() } });
    const errors: ApiError[] = [];
    const w = f.client.watch(() => {}, (e) => errors.push(e));
    await w.started;
    await f.server.close();
    const err = await w.ended;
    expect(err).toBeInstanceOf(ApiError);
    expect(err?.codeName).toBe('UNAVAILABLE');
    expect(err?.message).toBe('announcer daemon shutting down');
    expect(errors).toEqual([err]);
  });

  it('cuts off a watcher that falls too far behind (RESOURCE_EXHAUSTED) instead of buffering without bound', async () => {
    await f.close();
    f = await startFixture({ server: { maxWatchBacklog: 5 } });
    const w = f.client.watch(() => {});
    await w.started;
    // Emitted synchronously, far faster than the socket drains: the backlog passes 5 at once.
    for (let i = 0; i < 50; i++) await f.speaker.addPaths([{ prefix: `203.0.113.${i}`, owner: 'lb', communities: Array.from({ length: 200 }, (_, j) => `65000:${j}`) }]);
    const err = await w.ended;
    expect(err?.codeName).toBe('RESOURCE_EXHAUSTED');
    expect(err?.message).toContain('watch again');
    // The daemon is fine.
    expect(await f.client.listPaths()).toHaveLength(50);
  });

  it('fails to start with UNAVAILABLE when nothing listens', async () => {
    const { connectClient } = await import('../../src/client.js');
    const c = connectClient(`unix:${f.dir}/nobody.sock`);
    const w = c.watch(() => {});
    await expect(w.started).rejects.toBeInstanceOf(ApiError);
    expect((await w.ended)?.codeName).toBe('UNAVAILABLE');
    c.close();
  });
});
