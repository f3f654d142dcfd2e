// The API while a large call is under way (issue 21): a 200,000-path ReplacePaths being applied or
// a ListPaths of as many does not hold the daemon's event loop, so a second client's AddPath is
// answered first. Ordering of the answers is checked, not time.

import { afterEach, describe, expect, it } from 'vitest';
import { nextTurn } from '../../src/clock.js';
import { connectClient, type ApiClient } from '../../src/client.js';
import type { PathInput, SpeakerApi } from '../../src/speaker/api.js';
import type { Speaker } from '../../src/speaker/speaker.js';
import { startFixture, type ApiFixture } from './fixture.js';

const N = 200_000;
const table = (n: number): PathInput[] => Array.from({ length: n }, (_, i) => ({ prefix: `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32` }));

let f: ApiFixture | undefined;
/** Paths the speaker has handed to ListPaths so far. */
let listed = 0;
let second: ApiClient | undefined;
afterEach(async () => {
  second?.close();
  await f?.close();
  f = second = undefined;
});

/** The speaker, but `started` is told when a ReplacePaths begins to be applied, or a listing to be read. */
function watched(s: Speaker, call: 'commit' | 'list', started: () => void): SpeakerApi {
  return new Proxy(s, {
    get(target, prop) {
      if (prop === 'beginReplace' && call === 'commit') {
        return (owner: string) => {
          const t = target.beginReplace(owner);
          return {
            add: t.add.bind(t),
            addPacked: t.addPacked.bind(t),
            reserve: t.reserve.bind(t),
            get count() {
              return t.count;
            },
            commit: (options?: { details?: boolean }) => {
              const applied = t.commit(options); // runs until its first turn of the event loop
              started();
              return applied;
            },
          };
        };
      }
      if (prop === 'listPathBlocks' && call === 'list') {
        return (filter: object, chunk: number) => {
          const parts = target.listPathBlocks(filter, chunk);
          return (function* () {
            started();
            for (const part of parts) {
              for (const b of part) listed += b.pathIds.length;
              yield part;
            }
          })();
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function setUp(call: 'commit' | 'list'): Promise<{ f: ApiFixture; second: ApiClient; started: Promise<void> }> {
  let told = () => {};
  const started = new Promise<void>((resolve) => (told = resolve));
  f = await startFixture({ wrap: (s) => watched(s, call, told), client: { timeoutMs: 120_000 } });
  second = connectClient(f.server.address);
  await second.listPeers(); // connected before the race
  return { f, second, started };
}

describe('a second client while a large call is under way', () => {
  it('has its AddPath answered while a 200,000-path ReplacePaths is applied', async () => {
    const { f, second, started } = await setUp('commit');
    const order: string[] = [];
    const replace = f.client.replacePaths('bulk', table(N)).then(() => order.push('replace'));
    await started;
    await second.addPaths([{ prefix: '203.0.113.10', owner: 'cli' }]).then(() => order.push('add'));
    await replace;
    expect(order).toEqual(['add', 'replace']);
    expect(f.speaker.listPaths({ owner: 'bulk' })).toHaveLength(N);
  });

  it('has its AddPath answered while 200,000 paths are listed', async () => {
    const { f, second, started } = await setUp('list');
    await f.speaker.replacePaths('bulk', table(N));
    const order: string[] = [];
    const list = f.client.listPaths().then((l) => (order.push('list'), l));
    await started;
    // The loop turns before a slice's worth is listed (at most 65,536 paths, and a part), not after 16 parts of 8,192.
    await nextTurn();
    expect(listed).toBeLessThanOrEqual(65_536 + 8192);
    await second.addPaths([{ prefix: '203.0.113.10', owner: 'cli' }]).then(() => order.push('add'));
    expect((await list).length).toBeGreaterThanOrEqual(N);
    expect(order).toEqual(['add', 'list']);
  });
});
