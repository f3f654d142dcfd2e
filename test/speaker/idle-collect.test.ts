// Memory back after a large shrink (issue 30, item 2): when a collection is made, on the injected
// clock. What the collection itself gives back is measured by npm run bench:watch, not here.

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import { IdleCollector } from '../../src/speaker/idle-collect.js';
import { Speaker } from '../../src/speaker/speaker.js';

function collector(opts: { busy?: () => boolean } = {}) {
  const clock = new ManualClock();
  const made: { peak: number; size: number }[] = [];
  const c = new IdleCollector({ clock, collect: () => {}, busy: opts.busy ?? (() => false), collected: ({ peak, size }) => made.push({ peak, size }) });
  return { clock, c, made };
}

describe('the idle collection after a large shrink', () => {
  it('is made once, 5 s after a table of a million paths is emptied, and not before', () => {
    const { clock, c, made } = collector();
    expect(c.sized(1_000_000)).toBe('not');
    clock.advance(60_000);
    expect(made).toEqual([]); // growing the table is no reason
    expect(c.sized(0)).toBe('later');
    clock.advance(4_999);
    expect(made).toEqual([]);
    clock.advance(1);
    expect(made).toEqual([{ peak: 1_000_000, size: 0 }]);
    clock.advance(60_000);
    expect(made).toHaveLength(1);
  });

  it('is made for 100,000 paths gone from a large table, or half of a smaller one, and not for less', () => {
    const { clock, c, made } = collector();
    c.sized(1_000_000);
    expect(c.sized(950_000)).toBe('not'); // 50,000 of a million
    clock.advance(10_000);
    expect(made).toEqual([]);
    expect(c.sized(900_000)).toBe('later'); // 100,000 below the peak, in two calls
    clock.advance(5_000);
    expect(made).toEqual([{ peak: 1_000_000, size: 900_000 }]);

    const small = collector();
    small.c.sized(30_000);
    expect(small.c.sized(15_000)).toBe('later'); // half of it
    small.clock.advance(5_000);
    expect(small.made).toHaveLength(1);
    const tiny = collector();
    tiny.c.sized(8_000);
    expect(tiny.c.sized(0)).toBe('not'); // all of it, but too few paths to matter
    tiny.clock.advance(60_000);
    expect(tiny.made).toEqual([]);
  });

  it('waits while the daemon is busy (a replace applied, a peer being sent), and is made when it is not', () => {
    let busy = true;
    const { clock, c, made } = collector({ busy: () => busy });
    c.sized(500_000);
    c.sized(0);
    clock.advance(5_000);
    clock.advance(10_000);
    expect(made).toEqual([]);
    busy = false;
    clock.advance(1_000);
    expect(made).toHaveLength(1);
  });

  it('costs one collection for a burst of shrinks, 5 s after the last', () => {
    const { clock, c, made } = collector();
    c.sized(1_000_000);
    for (let n = 800_000; n >= 0; n -= 200_000) {
      c.sized(n);
      clock.advance(2_000);
    }
    expect(made).toEqual([]);
    clock.advance(3_000);
    expect(made).toEqual([{ peak: 1_000_000, size: 0 }]);
  });

  it('is counted from the size at the last collection', () => {
    const { clock, c, made } = collector();
    c.sized(300_000);
    c.sized(100_000);
    clock.advance(5_000);
    expect(made).toHaveLength(1);
    expect(c.sized(60_000)).toBe('not'); // 40,000 below what there was at the collection
    clock.advance(60_000);
    expect(made).toHaveLength(1);
  });
});

describe('a speaker given a full collection', () => {
  /** A speaker with no peers whose collections are counted, and a table of 20,000 paths. */
  function speakerCounting() {
    const clock = new ManualClock();
    const made = { collections: 0 };
    const speaker = new Speaker({ asn: 65000, routerId: '192.0.2.1', nextHop: '198.51.100.11', peers: [], collectGarbage: () => made.collections++ }, silentLogger, clock);
    const table = Array.from({ length: 20_000 }, (_, i) => ({ prefix: `2001:db8:1:${i.toString(16)}::/128`, nextHop: '2001:db8::11' }));
    return { clock, made, speaker, table };
  }

  it('makes one once a large table is replaced by an empty one, and none when nothing shrinks', async () => {
    const { clock, made, speaker, table } = speakerCounting();
    await speaker.replacePaths('lb', table);
    await speaker.replacePaths('lb', table);
    clock.advance(60_000);
    expect(made.collections).toBe(0);
    await speaker.replacePaths('lb', []);
    clock.advance(5_000);
    expect(made.collections).toBe(1);
    await speaker.stop();
  });

  it('waits while something holds it off (a watcher still sending the change), and collects once it lets go', async () => {
    const { clock, made, speaker, table } = speakerCounting();
    await speaker.replacePaths('lb', table);
    const release = speaker.deferCollection();
    await speaker.replacePaths('lb', []);
    clock.advance(30_000);
    expect(made.collections).toBe(0);
    release();
    release(); // once is enough
    clock.advance(1_000);
    expect(made.collections).toBe(1);
    await speaker.stop();
  });
});
