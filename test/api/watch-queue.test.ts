// One watcher's queue: messages made only as the transport takes them, a change's parts held
// until its summary (so a replace does not share its thread with them), the backlog bounded.

import { describe, expect, it } from 'vitest';
import { nextTurn } from '../../src/clock.js';
import { EVENT_PATHS } from '../../src/api/convert.js';
import { WatchQueue } from '../../src/api/watch-queue.js';
import type { Event } from '../../src/gen/announcer/v1/announcer.js';
import type { AnnouncedPath, SpeakerEvent } from '../../src/speaker/api.js';

const p: AnnouncedPath = { prefix: '203.0.113.1/32', family: 'ipv4-unicast', nextHop: '198.51.100.11', attributes: { communities: [], largeCommunities: [], extendedCommunities: [] }, owner: 'lb', owners: ['lb'], pathId: 1 };
const part = (n: number): SpeakerEvent => ({ type: 'rib', at: 0, owner: 'lb', added: Array<AnnouncedPath>(n).fill(p), removed: [], more: true });
const summary: SpeakerEvent = { type: 'rib', at: 0, owner: 'lb', added: [], removed: [], summary: { added: 2 * EVENT_PATHS, removed: 0, updated: 0 } };
const turns = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await nextTurn();
};

function sink() {
  const sent: Event[] = [];
  const pending: (() => void)[] = [];
  const write = (m: Event, done: () => void): void => {
    sent.push(m);
    pending.push(done);
  };
  /** The transport sends everything handed to it. */
  const drain = async (): Promise<void> => {
    for (let i = 0; i < 100 && pending.length > 0; i++) {
      pending.splice(0).forEach((d) => d());
      await turns(1);
    }
  };
  return { sent, pending, write, drain };
}

describe('a watcher queue', () => {
  it('holds a change told in parts until its summary, then sends it in messages of at most EVENT_PATHS, two at a time', async () => {
    const s = sink();
    const q = new WatchQueue(s.write, { events: 100, paths: 1 << 20 });
    expect(q.push(part(EVENT_PATHS + 1))).toBe(true);
    expect(q.push(part(EVENT_PATHS - 1))).toBe(true);
    await turns();
    expect(s.sent).toEqual([]); // the replace is still being applied
    q.push(summary);
    await turns();
    expect(s.sent).toHaveLength(2); // no more before the transport has sent them
    await s.drain();
    const sizes = s.sent.map((m) => (m.event?.$case === 'rib' ? [m.event.value.added.length, m.event.value.more, m.event.value.summary !== undefined] : null));
    expect(sizes).toEqual([
      [EVENT_PATHS, true, false],
      [1, true, false],
      [EVENT_PATHS - 1, true, false],
      [0, false, true],
    ]);
    expect(q.paths).toBe(0);
  });

  it('sends a change held past half its bound of paths, so a watcher that keeps up is not cut off', async () => {
    const s = sink();
    const q = new WatchQueue(s.write, { events: 100, paths: 4 * EVENT_PATHS });
    q.push(part(EVENT_PATHS));
    await turns();
    expect(s.sent).toHaveLength(0);
    q.push(part(EVENT_PATHS));
    await turns();
    expect(s.sent).toHaveLength(2);
  });

  it('refuses an event once it is a bound behind, in events or in paths', () => {
    const q = new WatchQueue(() => {}, { events: 3, paths: 1 << 20 });
    const peer: SpeakerEvent = { type: 'peer-state', at: 0, peer: 'r1', address: '198.51.100.1', from: 'OpenConfirm', to: 'Established' };
    expect([q.push(peer), q.push(peer), q.push(peer), q.push(peer)]).toEqual([true, true, true, false]);
    const byPaths = new WatchQueue(() => {}, { events: 100, paths: 10 });
    expect([byPaths.push(part(10)), byPaths.push(part(1))]).toEqual([true, false]);
  });

  it('holds off the memory collection while anything waits or is in flight, and lets go once all is sent', async () => {
    const s = sink();
    let holds = 0;
    const q = new WatchQueue(s.write, { events: 100, paths: 1 << 20 }, () => {
      holds++;
      return () => holds--;
    });
    expect(holds).toBe(0);
    q.push(part(EVENT_PATHS + 1));
    q.push(summary);
    expect(holds).toBe(1);
    await turns();
    expect(s.sent).toHaveLength(2);
    expect(holds).toBe(1); // two messages in flight, one still to make
    await s.drain();
    expect(s.sent).toHaveLength(3);
    expect(holds).toBe(0);
    q.push(summary);
    expect(holds).toBe(1);
    q.close(); // the stream ended: what waits is dropped, the hold goes
    expect(holds).toBe(0);
  });
});
