import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { StateFileError, StateStore, type StoredPath } from '../../src/store/state-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ann-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const path = (i: number): StoredPath => ({ prefix: `203.0.113.${i}/32`, nextHop: '198.51.100.11', owners: ['cli'] });

describe('StateStore', () => {
  it('a missing file is an empty state; what is saved loads back', async () => {
    const store = new StateStore(join(dir, 'sub', 'state.json'), silentLogger);
    expect(await store.load()).toEqual([]);
    await store.save(() => [path(1), { ...path(2), communities: ['65000:1'], med: 5 }]);
    expect(await store.load()).toEqual([path(1), { ...path(2), communities: ['65000:1'], med: 5 }]);
    // Nothing but the state file is left in the directory (no temp files).
    expect(await readdir(join(dir, 'sub'))).toEqual(['state.json']);
  });

  it('coalesces: a burst of changes costs at most two writes, and each caller sees its change on disk', async () => {
    const store = new StateStore(join(dir, 'state.json'), silentLogger);
    let state: StoredPath[] = [];
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      state = [...state, path(i)];
      const snapshot = state;
      waits.push(store.save(() => snapshot));
    }
    await Promise.all(waits);
    expect(store.writes).toBeLessThanOrEqual(2);
    expect(await store.load()).toHaveLength(100);
  });

  it.each([
    ['not JSON', '{"version": 1, "paths": [', /not valid JSON/],
    ['another format', '{"hello": "world"}', /not an announcer state file \(version/],
    ['a bad entry', '{"version": 1, "paths": [{"prefix": "203.0.113.1/32"}]}', /not an announcer state file \(paths\.0\.nextHop/],
  ])('a state file that is %s is refused, named, and left untouched', async (_what, text, why) => {
    const file = join(dir, 'state.json');
    await writeFile(file, text);
    const store = new StateStore(file, silentLogger);
    const err = await store.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateFileError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).toContain('refusing to start');
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});

describe('Speaker with a state file', () => {
  it('every change is on disk when the call returns, and a new speaker restores it', async () => {
    const file = join(dir, 'state.json');
    const opts = { asn: 65000, routerId: '192.0.2.1', nextHop: 'self', peers: [] };
    const a = new Speaker(opts, silentLogger, undefined, new StateStore(file, silentLogger));
    await a.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.11', communities: ['65000:1'] }]);
    await a.replacePaths('controller', [
      { prefix: '203.0.113.10', nextHop: '198.51.100.11', communities: ['65000:1'] },
      { prefix: '203.0.113.20', nextHop: '198.51.100.12' },
    ]);
    await a.deletePaths({ prefix: '203.0.113.20' });
    const onDisk = JSON.parse(await readFile(file, 'utf8')) as { paths: StoredPath[] };
    expect(onDisk.paths).toEqual([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owners: ['cli', 'controller'], pathId: 1, communities: ['65000:1'] }]);

    // Path ids too survive the restart (an ADD-PATH router that kept the path sees the same one),
    // and ids handed out afterwards stay above them.
    const b = new Speaker(opts, silentLogger, undefined, new StateStore(file, silentLogger));
    b.restore(await new StateStore(file, silentLogger).load());
    expect(b.listPaths()).toEqual(a.listPaths());
    expect((await b.addPaths([{ prefix: '203.0.113.30', nextHop: '198.51.100.11' }]))[0]?.pathId).toBe(2);
  });
});
