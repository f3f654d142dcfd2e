// The state store: a snapshot and a journal of one checksummed record per call. What is appended
// loads back; a torn record at the journal's end is dropped, any other damage is refused with the
// file and the offset; the version 1 file is migrated; snapshots are taken while calls go on.

import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { PathBlockWriter, StateFileError, StateStore, StoredState, writeOps, type StoredPath, type StoreOp } from '../../src/store/state-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ann-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const path = (i: number, over: Partial<StoredPath> = {}): StoredPath => ({ prefix: `203.0.113.${i}/32`, nextHop: '198.51.100.11', owners: ['cli'], ...over });
const put = (p: StoredPath): StoreOp => ({ put: p });
const del = (p: StoredPath): StoreOp => ({ del: { prefix: p.prefix, nextHop: p.nextHop } });

async function opened(file: string, options = {}): Promise<StateStore> {
  const s = new StateStore(file, silentLogger, options);
  await s.load();
  return s;
}

async function reload(file: string): Promise<StoredPath[]> {
  const s = new StateStore(file, silentLogger);
  const paths = (await s.load()).paths();
  await s.close();
  return paths;
}

describe('StateStore', () => {
  it('a missing file is an empty state; appended changes load back, in order, deletes too', async () => {
    const file = join(dir, 'sub', 'state');
    const store = await opened(file);
    expect(await reload(file)).toEqual([]);
    await store.append([put(path(1)), put(path(2, { communities: ['65000:1'], med: 5 }))]);
    await store.append([put(path(3))]);
    await store.append([del(path(1)), put(path(3, { owners: ['cli', 'controller'] }))]);
    await store.close();
    expect(await reload(file)).toEqual([path(2, { communities: ['65000:1'], med: 5 }), path(3, { owners: ['cli', 'controller'] })]);
    // The journal and nothing else: no snapshot until there is something to compact.
    expect((await readdir(join(dir, 'sub'))).sort()).toEqual(['state.journal']);
  });

  it('group commit: a burst of concurrent calls shares fsyncs, and every caller finds its change on disk', async () => {
    const file = join(dir, 'state');
    const store = await opened(file);
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.append([put(path(i))])));
    expect(store.writes).toBeLessThan(10);
    await store.close();
    expect(await reload(file)).toHaveLength(100);
  });

  it('small records are written on the event loop while the disk is fast; after a slow write they go through the thread pool for a while', async () => {
    const file = join(dir, 'state');
    // A clock that can make a write look slow (each reading 25 ms later than the one before) and jump ahead.
    let offset = 0;
    let slow = false;
    const clock = { ...systemClock, now: () => Date.now() + (slow ? (offset += 25) : offset) };
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    const store = new StateStore(file, log, {}, clock);
    await store.load();
    for (let i = 1; i <= 3; i++) await store.append([put(path(i))]);
    expect([store.writes, store.loopWrites]).toEqual([3, 3]);

    slow = true;
    await store.append([put(path(4))]);
    slow = false;
    expect(store.loopWrites).toBe(4);
    expect(warnings).toEqual([expect.stringContaining('journal writes go through the thread pool for a while')]);
    for (let i = 5; i <= 7; i++) await store.append([put(path(i))]);
    expect([store.writes, store.loopWrites]).toEqual([7, 4]);

    offset += 10_001; // the back-off (10 s) is over
    await store.append([put(path(8))]);
    expect([store.writes, store.loopWrites]).toEqual([8, 5]);
    // A record larger than 64 KiB always goes through the thread pool.
    await store.append(Array.from({ length: 6000 }, (_, i) => put(path(0, { prefix: `198.18.${i >> 8}.${i & 255}/32` }))));
    expect([store.writes, store.loopWrites]).toEqual([9, 5]);
    await store.close();
    expect(await reload(file)).toHaveLength(8 + 6000);
  });

  it('a record torn at the journal end (a crash mid-write) is dropped; the journal is cut there and goes on', async () => {
    const file = join(dir, 'state');
    const store = await opened(file);
    await store.append([put(path(1))]);
    await store.append([put(path(2))]);
    await store.append([put(path(3))]);
    await store.close();
    const journal = `${file}.journal`;
    const full = (await readFile(journal)).length;
    for (const cut of [3, 12, 40]) {
      // Each cut reaches into the last record: its head, its checksum, its body.
      const copy = join(dir, `cut${cut}`);
      await writeFile(`${copy}.journal`, (await readFile(journal)).subarray(0, full - cut));
      const s = new StateStore(copy, silentLogger);
      expect((await s.load()).paths()).toEqual([path(1), path(2)]);
      await s.append([put(path(4))]);
      await s.close();
      expect(await reload(copy)).toEqual([path(1), path(2), path(4)]);
    }
    // A last record whose checksum is wrong (its octets half written) is torn too.
    const bytes = await readFile(journal);
    bytes.writeUInt8(bytes[bytes.length - 2]! ^ 0xff, bytes.length - 2);
    await writeFile(journal, bytes);
    expect(await reload(file)).toEqual([path(1), path(2)]);
  });

  it('damage before the end stops the load with the file and the offset, and leaves the files untouched', async () => {
    const file = join(dir, 'state');
    const store = await opened(file);
    await store.append([put(path(1))]);
    await store.append([put(path(2))]);
    await store.close();
    const journal = `${file}.journal`;
    const bytes = await readFile(journal);
    bytes.writeUInt8(bytes[12]! ^ 0xff, 12); // inside the first record's body
    await writeFile(journal, bytes);
    const err = await new StateStore(file, silentLogger).load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateFileError);
    expect((err as Error).message).toContain(journal);
    expect((err as Error).message).toMatch(/damaged record at offset 0 \(checksum mismatch\)/);
    expect((err as Error).message).toContain('refusing to start');
    expect(Buffer.compare(await readFile(journal), bytes)).toBe(0);
  });

  it.each([
    ['not JSON', '{"version": 1, "paths": [', /not valid JSON/],
    ['another format', '{"hello": "world"}\n', /not an announcer state file/],
    ['a bad version 1 entry', '{"version": 1, "paths": [{"prefix": "203.0.113.1/32"}]}', /not an announcer state file \(paths\.0\.nextHop/],
    ['a snapshot of another version', '{"announcer":"state","version":2,"seq":0}\n{"prefix":"203.0.113.1/32"}\n', /version 2, but this announcer reads version 3/],
    ['a snapshot cut short', '{"announcer":"state","version":3,"seq":0}\n', /cut short at offset 42 \(no end frame\)/],
  ])('a state file that is %s is refused, named, and left untouched', async (_what, text, why) => {
    const file = join(dir, 'state');
    await writeFile(file, text);
    const err = await new StateStore(file, silentLogger).load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateFileError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(why);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('reads a version 1 state file once and rewrites it as a snapshot', async () => {
    const file = join(dir, 'state.json');
    const v1 = { version: 1, paths: [path(1, { pathId: 7 }), path(2, { owners: ['a', 'b'], localPref: 200 })] };
    await writeFile(file, JSON.stringify(v1));
    const store = new StateStore(file, silentLogger);
    expect((await store.load()).paths()).toEqual(v1.paths);
    await store.append([put(path(3))]);
    await store.close();
    expect((await readFile(file, 'utf8')).split('\n')[0]).toBe('{"announcer":"state","version":3,"seq":0}');
    expect(await reload(file)).toEqual([...v1.paths, path(3)]);
  });

  it('a snapshot damaged anywhere is refused with the offset of its frame, and left untouched', async () => {
    const file = join(dir, 'state');
    await writeFile(file, JSON.stringify({ version: 1, paths: [path(1), path(2)] }));
    await reload(file); // migrated: now a version 3 snapshot
    const good = await readFile(file);
    const head = good.indexOf(0x0a) + 1;
    const cases: [Buffer, RegExp][] = [
      [Buffer.concat([good.subarray(0, head + 20), Buffer.of(good[head + 20]! ^ 1), good.subarray(head + 21)]), new RegExp(`damaged frame at offset ${head} \\(checksum mismatch\\)`)],
      [good.subarray(0, good.length - 8), /no end frame/],
      [Buffer.concat([good, Buffer.of(1)]), /1 octets after the end frame/],
    ];
    for (const [bytes, why] of cases) {
      await writeFile(file, bytes);
      const err = await new StateStore(file, silentLogger).load().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StateFileError);
      expect((err as Error).message).toMatch(why);
      expect(Buffer.compare(await readFile(file), bytes)).toBe(0);
    }
  });

  it('compacts into a snapshot while calls keep arriving, and loses none of them', async () => {
    const file = join(dir, 'state');
    // The live table the snapshot reads, changed by the "calls" below as a speaker would.
    const table = new Map<string, StoredPath>();
    const store = await opened(file, { compactAt: 2_000, snapshotChunk: 3 });
    store.attach(() => {
      // A walk over the table as it is when each chunk is read (a speaker's is over its rows).
      let at = 0;
      return (w: PathBlockWriter, rows: number) => {
        const now = [...table.values()];
        writeOps(
          w,
          now.slice(at, at + rows).map((put) => ({ put })),
        );
        at += rows;
        return at < now.length;
      };
    });
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) {
      const p = path(i % 250, { owners: [`o${i}`] });
      const gone = i % 7 === 0 ? path((i * 3) % 250, { owners: ['x'] }) : undefined;
      table.set(p.prefix, p);
      const ops = [put(p)];
      if (gone && table.delete(gone.prefix)) ops.push(del(gone));
      calls.push(store.append(ops));
      if (i % 20 === 0) await new Promise((r) => setImmediate(r)); // let the snapshot run in between
    }
    await Promise.all(calls);
    await store.close();
    expect(store.snapshots).toBeGreaterThan(0);
    const loaded = await reload(file);
    expect(new Map(loaded.map((p) => [p.prefix, p]))).toEqual(table);
    expect((await readdir(dir)).sort()).toEqual(['state', 'state.journal']);
  });

  it('snapshots that fail (a full disk) leave no half file, and each keeps the records the one before set aside', async () => {
    const file = join(dir, 'state');
    const table = new Map<string, StoredPath>();
    const store = await opened(file, { compactAt: 600, snapshotChunk: 2 });
    let failures = 0;
    store.attach(() => {
      let at = 0;
      return (w: PathBlockWriter, rows: number) => {
        // Every snapshot dies part-way, as a write to a full disk does.
        if (at > 0) {
          failures++;
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        const now = [...table.values()];
        writeOps(
          w,
          now.slice(at, at + rows).map((put) => ({ put })),
        );
        at += rows;
        return at < now.length;
      };
    });
    for (let i = 0; i < 60; i++) {
      const p = path(i, { owners: [`o${i}`] });
      table.set(p.prefix, p);
      await store.append([put(p)]);
      await new Promise((r) => setImmediate(r));
    }
    await store.close();
    expect(failures).toBeGreaterThan(1);
    expect(store.snapshots).toBe(0);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(new Map((await reload(file)).map((p) => [p.prefix, p]))).toEqual(table);
  });

  it('a crash during a snapshot leaves the old journal beside the new one: both are replayed and merged', async () => {
    const file = join(dir, 'state');
    const store = await opened(file);
    await store.append([put(path(1))]);
    await store.append([put(path(2))]);
    await store.close();
    // As a snapshot leaves them before its rename: the journal set aside, a new one begun.
    await writeFile(`${file}.journal.old`, await readFile(`${file}.journal`));
    await truncate(`${file}.journal`, 0);
    const s = new StateStore(file, silentLogger);
    expect((await s.load()).paths()).toEqual([path(1), path(2)]);
    // The two journals became one again, in order; the next snapshot sets it aside as usual.
    expect((await readdir(dir)).sort()).toEqual(['state.journal']);
    await s.append([del(path(1)), put(path(3))]);
    await s.close();
    expect(await reload(file)).toEqual([path(2), path(3)]);
  });
});

describe('Speaker with a state file', () => {
  it('every change is on disk when the call returns, and a new speaker restores it', async () => {
    const file = join(dir, 'state');
    const opts = { asn: 65000, routerId: '192.0.2.1', nextHop: 'self', peers: [] };
    const store = new StateStore(file, silentLogger);
    await store.load();
    const a = new Speaker(opts, silentLogger, undefined, store);
    await a.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.11', communities: ['65000:1'] }]);
    await a.replacePaths('controller', [
      { prefix: '203.0.113.10', nextHop: '198.51.100.11', communities: ['65000:1'] },
      { prefix: '203.0.113.20', nextHop: '198.51.100.12' },
    ]);
    await a.deletePaths({ prefix: '203.0.113.20' });
    // The attributes stay the first owner's to change (the controller only restated them).
    expect(await reload(file)).toEqual([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owners: ['cli', 'controller'], pathId: 1, communities: ['65000:1'], attributesOwner: 'cli' }]);

    // A change of one path's attributes is a change of its prefix's: every path of the row is journaled.
    await a.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.12', communities: ['65000:1'] }]);
    await a.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.12', communities: ['65000:2'] }]);

    // Path ids too survive the restart (an ADD-PATH router that kept the path sees the same one),
    // and ids handed out afterwards stay above them.
    const b = new Speaker(opts, silentLogger, undefined, null);
    await b.restore(StoredState.of(await reload(file)));
    expect(b.listPaths()).toEqual(a.listPaths());
    expect((await b.addPaths([{ prefix: '203.0.113.30', nextHop: '198.51.100.11' }]))[0]?.pathId).toBe(4);
    await store.close();
  });

  it("writes each path's details as it always has: the same JSON, byte for byte", async () => {
    const file = join(dir, 'state');
    const store = new StateStore(file, silentLogger);
    await store.load();
    const a = new Speaker({ asn: 65000, routerId: '192.0.2.1', nextHop: 'self', peers: [] }, silentLogger, undefined, store);
    await a.addPaths([{ prefix: '203.0.113.1', owner: 'cli' }]);
    await a.addPaths([{ prefix: '203.0.113.2', owner: 'lb', communities: ['65000:2', '65000:1'], largeCommunities: ['65000:1:2'], extendedCommunities: [], localPref: 200, med: 0 }]);
    await a.addPaths([{ prefix: '203.0.113.2', owner: 'a', communities: ['65000:2', '65000:1'], largeCommunities: ['65000:1:2'], extendedCommunities: [], localPref: 200, med: 0 }]);
    await a.addPaths([{ prefix: '2001:db8::4', owner: 'ops "team"', med: 4294967295 }]);
    await store.close();
    const journal = await readFile(`${file}.journal`, 'utf8');
    for (const details of [
      '{"owners":["cli"]}',
      '{"owners":["lb"],"communities":["65000:1","65000:2"],"largeCommunities":["65000:1:2"],"localPref":200,"med":0,"attributesOwner":"lb"}',
      // Owner a restated lb's attributes: they stay lb's.
      '{"owners":["lb","a"],"communities":["65000:1","65000:2"],"largeCommunities":["65000:1:2"],"localPref":200,"med":0,"attributesOwner":"lb"}',
      '{"owners":["ops \\"team\\""],"med":4294967295,"attributesOwner":"ops \\"team\\""}',
    ])
      expect(journal).toContain(`"details":[${details}]`);
  });
});
