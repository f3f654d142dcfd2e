// ReplacePaths of the central shape (EIPs x nodes) in few messages: blocks packed by family and
// check, each prefix with its next hop from the block's table; the daemon applies exactly the set,
// names the caller's index in errors, and an older daemon could never misread a table.

import { credentials, status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replaceToPb } from '../../src/api/convert.js';
import { BLOCK_PREFIXES, NEXT_HOP_TABLE, PathSet, ReplaceParts } from '../../src/api/replace-parts.js';
import { AnnouncerClient, type ReplacePathsRequest } from '../../src/gen/announcer/v1/announcer.js';
import { ApiError, type PathInput } from '../../src/client.js';
import { rejection, startFixture, type ApiFixture } from './fixture.js';

/** E EIPs x K nodes, as a controller writes them: each EIP with all its nodes. */
function central(eips: number, nodes: number): PathInput[] {
  const out: PathInput[] = [];
  for (let e = 0; e < eips; e++) for (let n = 0; n < nodes; n++) out.push({ prefix: `198.18.${e >> 8}.${e & 255}`, nextHop: `198.51.100.${1 + n}` });
  return out;
}

describe('ReplaceParts', () => {
  it('packs 1,000 EIPs x 50 nodes into one message, and 1,000,000 paths into about 16', () => {
    const small = [...new ReplaceParts('lb', central(1000, 50), false).messages()];
    expect(small).toHaveLength(1);
    expect(small[0]!.block!.nextHops).toHaveLength(50);
    expect(small[0]!.block!.nextHop).toBe(NEXT_HOP_TABLE);
    expect(small[0]!.block!.nextHopIndexes).toHaveLength(100_000);
    const big = central(10_000, 100);
    let n = 0;
    for (const m of new ReplaceParts('lb', big, false).messages()) {
      n++;
      expect(m.block!.prefixes.length).toBeLessThanOrEqual(BLOCK_PREFIXES * 5);
    }
    expect(n).toBe(Math.ceil(1_000_000 / BLOCK_PREFIXES));
  });

  it('a set being read goes out as its blocks fill: total_last first, the total last, the same parts as the set read whole', () => {
    const paths = central(2000, 100); // 200,000 paths: three full blocks and the rest
    let read = 0;
    const reading = PathSet.reading(function* (set) {
      for (const p of paths) {
        set.add(p);
        if (++read % 10_000 === 0) yield;
      }
    });
    const seen: number[] = [];
    const messages: ReplacePathsRequest[] = [];
    for (const m of new ReplaceParts('lb', reading, false, { maxRemove: 7 }).messages()) {
      seen.push(read);
      messages.push(m);
    }
    // The first block left before the set was read whole.
    expect(seen[0]).toBeLessThan(paths.length);
    expect(messages[0]).toMatchObject({ owner: 'lb', totalLast: true, total: undefined, maxRemove: 7 });
    expect(messages.slice(0, -1).every((m) => m.total === undefined)).toBe(true);
    expect(messages.at(-1)!.total).toBe(200_000);
    const whole = [...new ReplaceParts('lb', paths, false, { maxRemove: 7 }).messages()];
    expect(whole[0]).toMatchObject({ totalLast: false, total: 200_000 });
    // Compared as text: a deep comparison of 200,000 prefixes' octets takes seconds.
    const block = (m: ReplacePathsRequest): string | null =>
      m.block ? [m.block.family, m.block.nextHop, m.block.nextHops.join(','), Buffer.from(m.block.prefixes).toString('base64'), Buffer.from(m.block.nextHopIndexes).toString('base64')].join(' ') : null;
    expect(messages.map(block).filter((b) => b !== null)).toEqual(whole.map(block));
  });

  it('a set whose reading ends with every block sent closes with a message of its total alone', () => {
    const paths = central(BLOCK_PREFIXES / 4, 4); // exactly one full block
    const reading = PathSet.reading(function* (set) {
      for (const p of paths) set.add(p);
      yield;
    });
    const messages = [...new ReplaceParts('lb', reading, false).messages()];
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatchObject({ totalLast: true, total: undefined });
    expect(messages[1]).toMatchObject({ owner: '', paths: [], block: undefined, total: BLOCK_PREFIXES });
  });

  it('sends a block of one next hop as before, without a table', () => {
    const [m] = [...new ReplaceParts('lb', central(10, 1), false).messages()];
    expect(m!.block).toMatchObject({ nextHop: '198.51.100.1', nextHops: [] });
    expect(m!.total).toBe(10);
  });

  it('keeps a path with attributes after the plain paths before it, and before those after it', () => {
    const set: PathInput[] = [
      { prefix: '203.0.113.1', nextHop: '198.51.100.1' },
      { prefix: '203.0.113.1', nextHop: '198.51.100.2', communities: ['65000:1'] },
      { prefix: '203.0.113.1', nextHop: '198.51.100.3' },
      { prefix: '2001:db8::1', nextHop: '2001:db8::11' },
      { prefix: '203.0.113.2', nextHop: '198.51.100.1' },
    ];
    const parts = new ReplaceParts('lb', set, false);
    const kinds = [...parts.messages()].map((m) => (m.block ? `block ${m.block.family} ${m.block.prefixes.length}` : `paths ${m.paths.length}`));
    expect(kinds).toEqual(['block 1 5', 'paths 1', 'block 1 10', 'block 2 17']);
    expect([0, 1, 2, 3, 4].map((k) => parts.callerIndex(k))).toEqual([0, 1, 2, 4, 3]);
  });
});

describe('ReplacePaths in tables, against the daemon', () => {
  let f: ApiFixture;
  beforeEach(async () => {
    f = await startFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  it('applies exactly the set: every EIP via every node', async () => {
    await f.client.replacePaths('lb', central(300, 20));
    const listed = await f.client.listPaths();
    expect(listed).toHaveLength(6000);
    expect(new Set(listed.map((p) => `${p.prefix} ${p.nextHop}`)).size).toBe(6000);
    expect(listed.filter((p) => p.prefix === '198.18.1.43/32').map((p) => p.nextHop)).toEqual(Array.from({ length: 20 }, (_, n) => `198.51.100.${1 + n}`));
    // Without one node: its 300 paths go, nothing else changes.
    const r = await f.client.replacePaths('lb', central(300, 20).filter((p) => p.nextHop !== '198.51.100.7'));
    expect(r).toMatchObject({ added: 0, removed: 300, updated: 0, unchanged: 5700 });
  });

  it('a set being read is applied once read whole; one whose reading fails after blocks went out changes nothing', async () => {
    const before = central(300, 20);
    await f.client.replacePaths('lb', before);
    const listed = await f.client.listPaths();
    const failure = new Error('the file is not what it seemed');
    const failing = PathSet.reading(function* (set) {
      for (const p of central(2000, 100)) set.add(p); // three blocks are full by now
      yield;
      throw failure;
    });
    await expect(f.client.replacePaths('lb', failing)).rejects.toBe(failure);
    expect(await f.client.listPaths()).toEqual(listed);
    // Failing before its first part: no call is made at all.
    const early = PathSet.reading(function* () {
      throw failure;
    });
    await expect(f.client.replacePaths('lb', early)).rejects.toBe(failure);
    const paths = central(700, 100);
    const reading = PathSet.reading(function* (set) {
      for (let i = 0; i < paths.length; i++) {
        set.add(paths[i]!);
        if (i % 5000 === 0) yield;
      }
    });
    expect(await f.client.replacePaths('lb', reading)).toMatchObject({ added: 64_000, removed: 0, updated: 0, unchanged: 6000 });
    expect(await f.client.listPaths()).toHaveLength(70_000);
  });

  it('a set being read is checked as it goes: a MED past 32 bits far down is refused, naming its index, and nothing changes', async () => {
    await f.client.replacePaths('lb', central(10, 2));
    const listed = await f.client.listPaths();
    for (const at of [70_000, 30]) {
      const paths: PathInput[] = central(700, 100).slice(0, at + 10);
      paths[at] = { prefix: '203.0.113.7', med: 2 ** 32 + 5 }; // protobuf would send it as 5
      const reading = PathSet.reading(function* (set) {
        for (let i = 0; i < paths.length; i++) {
          set.add(paths[i]!);
          if (i % 5000 === 4999) yield;
        }
      });
      const err = await rejection(f.client.replacePaths('lb', reading), ApiError);
      expect(err.codeName, `at ${at}`).toBe('INVALID_ARGUMENT');
      expect(err.field).toBe(`paths[${at}].med`);
      expect(await f.client.listPaths()).toEqual(listed);
    }
  });

  it("names the caller's index of a bad path, though the paths were sent in another order", async () => {
    const set: PathInput[] = [
      { prefix: '203.0.113.1', nextHop: '198.51.100.1' },
      { prefix: '2001:db8::1', nextHop: '2001:db8::11' },
      { prefix: '203.0.113.2', nextHop: '2001:db8::11' }, // an IPv6 next hop for an IPv4 prefix
    ];
    const err = await rejection(f.client.replacePaths('lb', set), ApiError);
    expect(err.codeName).toBe('INVALID_ARGUMENT');
    expect(err.field).toBe('paths[2].nextHop');
    expect(err.message).toMatch(/^paths\[2\]\.nextHop: /);
    expect(await f.client.listPaths()).toEqual([]);
  });

  describe('a raw block with a table', () => {
    let raw: AnnouncerClient;
    beforeEach(() => {
      raw = new AnnouncerClient(f.server.address, credentials.createInsecure());
    });
    afterEach(() => raw.close());

    const send = (req: ReplacePathsRequest): Promise<{ code: number; details: string } | null> =>
      new Promise((done) => {
        const call = raw.replacePaths((e) => done(e ? { code: e.code, details: e.details } : null));
        call.write(req);
        call.end();
      });
    const block = (over: { nextHop?: string; nextHops?: string[]; nextHopIndexes?: Uint8Array }): ReplacePathsRequest =>
      replaceToPb('lb', [], false, { family: 'ipv4-unicast', prefixes: Uint8Array.of(32, 203, 0, 113, 1, 32, 203, 0, 113, 2), nextHop: NEXT_HOP_TABLE, nextHops: ['198.51.100.1', '198.51.100.2'], nextHopIndexes: Uint8Array.of(0, 1, 0, 0), ...over });

    it('takes each prefix\'s next hop from the table', async () => {
      expect(await send(block({}))).toBeNull();
      expect((await f.client.listPaths()).map((p) => `${p.prefix} via ${p.nextHop}`)).toEqual(['203.0.113.1/32 via 198.51.100.2', '203.0.113.2/32 via 198.51.100.1']);
    });

    it('refuses an index past the table, too few or too many indexes, and a table without the marker', async () => {
      expect(await send(block({ nextHopIndexes: Uint8Array.of(0, 2, 0, 0) }))).toEqual({ code: status.INVALID_ARGUMENT, details: "paths[0].nextHop: next-hop index 2 is past the block's 2 next hops" });
      expect(await send(block({ nextHopIndexes: Uint8Array.of(0, 1) }))).toEqual({ code: status.INVALID_ARGUMENT, details: 'paths[1].nextHop: the block has fewer next-hop indexes than prefixes' });
      expect(await send(block({ nextHopIndexes: Uint8Array.of(0, 1, 0, 0, 0, 0) }))).toEqual({ code: status.INVALID_ARGUMENT, details: 'paths[1].nextHop: the block has more next-hop indexes than prefixes' });
      expect(await send(block({ nextHop: '' }))).toEqual({ code: status.INVALID_ARGUMENT, details: `block.nextHop: a block with next_hops says "${NEXT_HOP_TABLE}" here` });
      expect(await f.client.listPaths()).toEqual([]);
    });

    it('the marker alone is refused as a next hop: an older daemon could not misread a table', async () => {
      const r = await send(block({ nextHops: [], nextHopIndexes: new Uint8Array(0) }));
      expect(r?.code).toBe(status.INVALID_ARGUMENT);
      expect(r?.details).toMatch(/^paths\[0\]\.nextHop: /);
    });
  });
});
