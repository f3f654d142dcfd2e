// A large ReplacePaths is applied in slices, with turns of the event loop between them (issue 21:
// BFD must never starve). Calls that arrive meanwhile are answered at once, and the table ends as
// if the replace had happened at one moment and the calls after it: other owners' paths are never
// lost, the owner ends with the set unless a later call changed it, and the state file restores
// exactly that table. Ordering is checked, never wall-clock time.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextTurn } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import type { AnnouncedPath, PathInput, PathSelector } from '../../src/speaker/api.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { StateStore } from '../../src/store/state-store.js';

/** Large enough that applying it takes many slices on any machine. */
const N = 200_000;
const NH1 = '198.51.100.11';
const NH2 = '198.51.100.12';
const OPTIONS = { asn: 65000, routerId: '192.0.2.1', nextHop: NH1, peers: [] };

/** The i-th prefix of a range of /32s. */
const pfx = (i: number) => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;
const range = (from: number, to: number, over: Partial<PathInput> = {}): PathInput[] => Array.from({ length: to - from }, (_, k) => ({ prefix: pfx(from + k), ...over }));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ann-slice-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** compactAt: journal bytes at which a snapshot is taken (none: the restart replays every record). */
async function withStore(compactAt?: number): Promise<{ speaker: Speaker; store: StateStore; file: string }> {
  const file = join(dir, 'state');
  const store = new StateStore(file, silentLogger, compactAt === undefined ? {} : { compactAt });
  await store.load();
  return { speaker: new Speaker(OPTIONS, silentLogger, undefined, store), store, file };
}

/** What a path is, but its path id (ids are handed out in the order paths are made). */
const shape = (p: AnnouncedPath) => JSON.stringify({ ...p, pathId: undefined });
const table = (s: Speaker) => s.listPaths().map(shape).sort();
/** The paths' owner sets only: "prefix via next hop: owners" (sorted). */
const owners = (s: Speaker) => s.listPaths().map((p) => `${p.prefix} via ${p.nextHop}: ${[...p.owners].sort().join(',')}`).sort();

/** The table a restart would put back from the state file. */
async function restarted(file: string): Promise<Speaker> {
  const again = new StateStore(file, silentLogger);
  const state = await again.load();
  await again.close();
  const s = new Speaker(OPTIONS, silentLogger);
  await s.restore(state);
  return s;
}

/** Turns of the event loop until `done` holds; fails if the work ends first. */
async function until(done: () => boolean, finished: () => boolean): Promise<void> {
  while (!done()) {
    if (finished()) throw new Error('the replace ended before the moment the test waits for');
    await nextTurn();
  }
}

/**
 * The table before: "bulk" owns P0 (the first row, which the replace withdraws in its first
 * slice: its linearization point has passed once P0 is gone) and pfx(0..N); "other" shares
 * pfx(0..10) and has pfx(N-10..N) via NH2.
 */
async function setUp(s: Speaker): Promise<void> {
  await s.addPaths([{ prefix: '203.0.113.1/32', owner: 'bulk' }]);
  await s.replacePaths('bulk', [{ prefix: '203.0.113.1/32' }, ...range(0, N)]);
  await s.addPaths([...range(0, 10, { owner: 'other' }), ...range(N - 10, N, { owner: 'other', nextHop: NH2 })]);
}

/** The new set: the second half of the old one and as many new; a prefix of it with a second next hop, and a path given twice. */
const SET: PathInput[] = [...range(N / 2, N + N / 2), { prefix: pfx(N / 2 + 3), nextHop: NH2 }, { prefix: pfx(N / 2 + 3) }];

type Op = { add: PathInput[] } | { del: PathSelector };
/** Calls made while the replace is applied: on rows it has settled and on rows it has not yet, new rows too. */
const OPS: Op[] = [
  // Only the owner's and not in the set (rows the replace has not reached yet): settling them first
  // empties and frees them.
  { del: { prefix: pfx(N / 2 - 2) } },
  { add: [{ prefix: pfx(N / 2 - 1), owner: 'other' }] },
  { add: [{ prefix: pfx(N + N / 2 - 1), nextHop: NH2, owner: 'other', communities: ['65000:9'] }] },
  { add: [{ prefix: pfx(5), owner: 'bulk' }] },
  { del: { prefix: pfx(N + N / 4), owner: 'bulk' } },
  { del: { prefix: pfx(N - 1) } },
  { add: [{ prefix: pfx(3 * N), owner: 'bulk' }] },
  { add: [{ prefix: pfx(N / 2 + 1), owner: 'other' }] },
  { del: { prefix: pfx(2), owner: 'other' } },
  { add: [{ prefix: pfx(7), nextHop: NH2, owner: 'bulk' }, { prefix: pfx(N + N / 2 - 2), owner: 'other' }] },
  { add: [{ prefix: pfx(N / 2 + 3), owner: 'other', med: 4 }] },
];
/** The call's answer, or its error's message (a delete of what the replace withdrew finds nothing). */
const run = (s: Speaker, op: Op): Promise<unknown> => ('add' in op ? s.addPaths(op.add) : s.deletePaths(op.del)).catch((e: Error) => e.message);

describe('a ReplacePaths applied in slices', () => {
  it('answers an AddPath that arrives while it is applied before it is done itself', async () => {
    const s = new Speaker(OPTIONS, silentLogger);
    const order: string[] = [];
    let finished = false;
    const replace = s.replacePaths('bulk', range(0, N)).then((r) => {
      finished = true;
      order.push('replace');
      return r;
    });
    // One AddPath on each turn of the event loop until the replace is done.
    const adds: Promise<unknown>[] = [];
    for (let i = 0; !finished; i++) {
      adds.push(s.addPaths([{ prefix: `203.0.113.${i % 250}`, owner: 'cli' }]).then(() => order.push(`add ${i}`)));
      await nextTurn();
    }
    await Promise.all([replace, ...adds]);
    expect(await replace).toMatchObject({ added: N, removed: 0, updated: 0, unchanged: 0 });
    // Several turns passed while it was applied, and every AddPath made then was answered first.
    expect(order.length).toBeGreaterThan(3);
    expect(order.at(-1)).toBe('replace');
    expect(s.listPaths({ owner: 'bulk' })).toHaveLength(N);
  });

  it('ends as if it happened at one moment and the calls that came meanwhile after it; the state file says the same', async () => {
    const { speaker: s, store, file } = await withStore(Infinity); // the journal's records alone say it
    await setUp(s);
    let finished = false;
    const replace = s.replacePaths('bulk', SET, { details: true }).then((r) => ((finished = true), r));
    await until(() => s.listPaths({ prefix: '203.0.113.1/32' }).length === 0, () => finished);
    // One call a turn (each changes the table when made; its answer waits for its journal write).
    const calls = [];
    for (const op of OPS) {
      calls.push(run(s, op));
      await nextTurn();
    }
    expect(finished).toBe(false);
    const results = await Promise.all(calls);
    const r = await replace;

    // The same calls one after the other, the replace first.
    const model = new Speaker(OPTIONS, silentLogger);
    await setUp(model);
    const expected = await model.replacePaths('bulk', SET, { details: true });
    const modelResults = [];
    for (const op of OPS) modelResults.push(await run(model, op));
    expect(table(s)).toEqual(table(model));
    expect({ ...r, details: undefined }).toEqual({ ...expected, details: undefined });
    expect(r.details!.removed.map(shape).sort()).toEqual(expected.details!.removed.map(shape).sort());
    expect(r.details!.added.map((p) => p.prefix)).toEqual(expected.details!.added.map((p) => p.prefix));
    const answers = (l: unknown[]) => l.map((x) => (typeof x === 'string' ? x : (x as AnnouncedPath[]).map(shape)));
    expect(answers(results)).toEqual(answers(modelResults));
    expect(results[0]).toBe(`prefix: no path ${pfx(N / 2 - 2)} is announced`);

    // A few of the things this means, said plainly.
    const paths = s.listPaths();
    const at = (prefix: string, nextHop = NH1) => paths.find((p) => p.prefix === prefix && p.nextHop === nextHop);
    expect(at(pfx(5))?.owners).toEqual(['other', 'bulk']); // added by the owner after the replace: kept
    expect(at(pfx(3 * N))?.owners).toEqual(['bulk']);
    expect(at(pfx(N + N / 4))).toBeUndefined(); // the replace's path, deleted after it
    expect(at(pfx(N - 1))).toBeUndefined();
    expect(at(pfx(N - 1), NH2)).toBeUndefined();
    expect(at(pfx(N - 2), NH2)?.owners).toEqual(['other']); // other owners' paths are never lost
    expect(at(pfx(0))?.owners).toEqual(['other']);
    expect(at(pfx(2))).toBeUndefined();
    expect(at(pfx(N + N / 2 - 1), NH2)?.attributes.communities).toEqual(['65000:9']); // the later call's attributes
    expect(at(pfx(N + N / 2 - 1))?.attributes.communities).toEqual(['65000:9']);
    expect(at(pfx(N / 2 + 3), NH2)?.attributes).toEqual({ communities: [], largeCommunities: [], extendedCommunities: [], med: 4 });
    expect(at(pfx(N / 2 - 1))?.owners).toEqual(['other']);

    await store.close();
    const back = await restarted(file);
    expect(back.listPaths().map((p) => JSON.stringify(p)).sort()).toEqual(s.listPaths().map((p) => JSON.stringify(p)).sort());
  });

  it('overlaps with ReplacePaths of another owner and of the same owner: the later set of an owner wins, nobody else loses a path, a restart agrees', async () => {
    // A snapshot is taken meanwhile (the big records start one), and the records after it say the rest.
    const { speaker: s, store, file } = await withStore();
    await setUp(s);
    let finished = false;
    const first = s.replacePaths('bulk', SET).then((r) => ((finished = true), r));
    await until(() => s.listPaths({ prefix: '203.0.113.1/32' }).length === 0, () => finished);
    // Another owner's set, overlapping the bulk one, and a third owner's calls on both.
    const OTHER = [...range(N - 20, N + 20), ...range(N + N / 2 - 5, N + N / 2 + 5, { nextHop: NH2 })];
    const other = s.replacePaths('other', OTHER);
    const cli: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      cli.push(s.addPaths([{ prefix: pfx(N + N / 2 - 1 - i) }, { prefix: pfx(N - 15 + i), nextHop: NH2 }, { prefix: pfx(10 * N + i) }]));
      await nextTurn();
    }
    cli.push(s.deletePaths({ prefix: pfx(10 * N + 1) }), s.deletePaths({ prefix: pfx(N + N / 2 - 2), owner: 'cli' }));
    // The same owner again, before the first is done: its set is the one that stays.
    const LAST = [...range(N - 5, N + 5), { prefix: pfx(N + N / 2 - 1) }];
    const last = s.replacePaths('bulk', LAST);
    await Promise.all([first, other, last, ...cli]);
    expect(finished).toBe(true);

    const expected = new Map<string, Set<string>>();
    const own = (owner: string, paths: readonly PathInput[]) => {
      for (const p of paths) {
        const k = `${p.prefix} via ${p.nextHop ?? NH1}`;
        if (!expected.has(k)) expected.set(k, new Set());
        expected.get(k)!.add(owner);
      }
    };
    own('bulk', LAST);
    own('other', OTHER);
    own('cli', [
      ...[0, 2, 3, 4, 5].map((i) => ({ prefix: pfx(N + N / 2 - 1 - i) })),
      ...[0, 1, 2, 3, 4, 5].map((i) => ({ prefix: pfx(N - 15 + i), nextHop: NH2 })),
      ...[0, 2, 3, 4, 5].map((i) => ({ prefix: pfx(10 * N + i) })),
    ]);
    expect(owners(s)).toEqual([...expected].map(([k, o]) => `${k}: ${[...o].sort().join(',')}`).sort());

    await store.close();
    expect(store.snapshots).toBeGreaterThan(0);
    const back = await restarted(file);
    expect(back.listPaths().map((p) => JSON.stringify(p)).sort()).toEqual(s.listPaths().map((p) => JSON.stringify(p)).sort());
  });
});
