// ListPaths at table scale: the packed answer (blocks of paths that share all but prefix and path
// id) says exactly what the one-message-per-path answer says, in prefix order, in few blocks.

import { credentials } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { announcedPathFromPb, listPartFromPb } from '../../src/api/convert.js';
import { AnnouncerClient, type ListPathsRequest, type ListPathsResponse } from '../../src/gen/announcer/v1/announcer.js';
import type { PathInput } from '../../src/client.js';
import { startFixture, type ApiFixture } from './fixture.js';

let f: ApiFixture;
let raw: AnnouncerClient;
beforeEach(async () => {
  f = await startFixture();
  raw = new AnnouncerClient(f.server.address, credentials.createInsecure());
});
afterEach(async () => {
  raw.close();
  await f.close();
});

/** Every part of a raw ListPaths answer. */
async function parts(req: Partial<ListPathsRequest>): Promise<ListPathsResponse[]> {
  const out: ListPathsResponse[] = [];
  for await (const part of raw.listPaths({ owner: '', prefix: '', check: '', peer: '', packed: false, ...req }) as AsyncIterable<ListPathsResponse>) out.push(part);
  return out;
}

/** The central shape: EIPs x nodes, one path per node, inserted in no order; IPv6 and attributes besides. */
function centralTable(eips: number, nodes: number): PathInput[] {
  const out: PathInput[] = [];
  for (let e = 0; e < eips; e++) {
    const i = (e * 7919) % eips; // out of order
    for (let n = 0; n < nodes; n++) {
      out.push({
        prefix: `203.0.${113 + (i >> 8)}.${i & 255}`,
        nextHop: `198.51.100.${10 + n}`,
        ...(i % 10 === 0 ? { communities: ['65000:100'] } : {}),
        ...(i % 15 === 0 ? { med: 50 } : {}),
      });
    }
  }
  for (let i = 0; i < 300; i++) out.push({ prefix: `2001:db8::${(299 - i).toString(16)}`, nextHop: `2001:db8:1::${1 + (i % 3)}` });
  return out;
}

describe('ListPaths packed', () => {
  it('says what the unpacked answer says, in prefix order, in a block per next hop and attribute set of each part', async () => {
    await f.client.replacePaths('lb', centralTable(500, 40));
    // Another owner shares some paths, and has one of its own: owners split blocks too.
    await f.client.addPaths([
      { prefix: '203.0.113.0', nextHop: '198.51.100.10', owner: 'ops' },
      { prefix: '192.0.2.1', nextHop: '198.51.100.10', owner: 'ops' },
    ]);
    const plain = (await parts({})).flatMap((p) => p.paths.map(announcedPathFromPb));
    expect(plain).toHaveLength(500 * 40 + 300 + 1);
    const packedParts = await parts({ packed: true });
    expect(packedParts.every((p) => p.paths.length === 0)).toBe(true);
    const packed = packedParts.flatMap(listPartFromPb);
    expect(packed).toEqual(plain);
    // Prefix order: IPv4 first, 192.0.2.1 before every 203.0.113.x, and IPv6 in address order.
    expect(packed[0]!.prefix).toBe('192.0.2.1/32');
    expect(packed.slice(1, 41).map((p) => p.prefix)).toEqual(Array(40).fill('203.0.113.0/32'));
    expect(packed.at(-1)!.prefix).toBe('2001:db8::12b/128');
    // Far fewer blocks than paths: each part has about a block per next hop and attribute set.
    const blocks = packedParts.reduce((n, p) => n + p.blocks.length, 0);
    expect(blocks).toBeLessThan(packed.length / 20);
    // And no part holds a table: parts of about 8,192 paths.
    for (const p of packedParts) expect(p.blocks.reduce((n, b) => n + b.pathIds.length / 4, 0)).toBeLessThanOrEqual(8192 + 40);
  });

  it('filters by owner and prefix as the unpacked answer does', async () => {
    await f.client.replacePaths('lb', centralTable(50, 4));
    await f.client.addPaths([{ prefix: '203.0.113.7', nextHop: '198.51.100.99', owner: 'ops' }]);
    for (const filter of [{ owner: 'ops' }, { owner: 'lb' }, { prefix: '203.0.113.7' }, { owner: 'nobody' }]) {
      const plain = (await parts(filter)).flatMap((p) => p.paths.map(announcedPathFromPb));
      expect((await parts({ ...filter, packed: true })).flatMap(listPartFromPb)).toEqual(plain);
      expect(await f.client.listPaths(filter)).toEqual(plain);
    }
    expect((await f.client.listPaths({ owner: 'ops' })).map((p) => p.owners)).toEqual([['ops']]);
  });
});
