// What a router would discard is refused with INVALID_ARGUMENT naming the field, by AddPath and
// by ReplacePaths (plain and packed), and nothing of the request is announced.

import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, type PathInput } from '../../src/client.js';
import { rejection, startFixture, type ApiFixture } from './fixture.js';

let f: ApiFixture | undefined;

afterEach(async () => {
  await f?.close();
  f = undefined;
});

async function refusal(paths: PathInput[], how: 'add' | 'replace'): Promise<ApiError> {
  const call = how === 'add' ? f!.client.addPaths(paths) : f!.client.replacePaths('lb', paths);
  const err = await rejection(call, ApiError);
  expect(err.codeName).toBe('INVALID_ARGUMENT');
  expect(await f!.client.listPaths()).toEqual([]);
  return err;
}

describe('next hops no router forwards to', () => {
  it.each(['add', 'replace'] as const)('%s: 0.0.0.0, broadcast, loopback, multicast, link-local and the prefix itself', async (how) => {
    f = await startFixture();
    const cases: [string, string, string][] = [
      ['203.0.113.10/32', '0.0.0.0', '0.0.0.0 is the unspecified address'],
      ['203.0.113.10/32', '255.255.255.255', '255.255.255.255 is the broadcast address'],
      ['203.0.113.10/32', '127.0.0.1', '127.0.0.1 is a loopback address'],
      ['203.0.113.10/32', '224.0.0.1', '224.0.0.1 is a multicast address'],
      ['203.0.113.10/32', '169.254.0.1', '169.254.0.1 is a link-local address'],
      ['2001:db8:200::10/128', '::', ':: is the unspecified address'],
      ['2001:db8:200::10/128', 'fe80::1', 'fe80::1 is a link-local address'],
      ['203.0.113.10/32', '203.0.113.10', '203.0.113.10 is the address the prefix announces'],
    ];
    for (const [prefix, nextHop, says] of cases) {
      // The bad path second: the field names it, and the good one before it is not announced either.
      const err = await refusal([{ prefix: '203.0.113.20/32', nextHop: '198.51.100.11' }, { prefix, nextHop }], how);
      expect(err.field).toBe('paths[1].nextHop');
      expect(err.message).toContain(`paths[1].nextHop: ${says}`);
    }
  });
});

describe('prefixes beyond our own addresses', () => {
  it.each(['add', 'replace'] as const)('%s: the default route, multicast and loopback need allowPrefixes', async (how) => {
    f = await startFixture();
    for (const prefix of ['0.0.0.0/0', '::/0', '224.0.0.0/24', '127.0.0.1/32', 'ff0e::/16']) {
      const nextHop = prefix.includes(':') ? '2001:db8:100::11' : '198.51.100.11';
      const err = await refusal([{ prefix, nextHop }], how);
      expect(err.field).toBe('paths[0].prefix');
      expect(err.message).toMatch(/in allowPrefixes$/);
    }
  });

  it('with allowPrefixes, refuses what lies outside and takes the default route it names', async () => {
    f = await startFixture({ speaker: { allowPrefixes: ['203.0.113.0/24', '2001:db8:200::/64', '0.0.0.0/0'] } });
    const err = await refusal([{ prefix: '2001:db8:300::10/128', nextHop: '2001:db8:100::11' }], 'replace');
    expect(err.message).toBe('paths[0].prefix: 2001:db8:300::10/128 is outside allowPrefixes (203.0.113.0/24, 2001:db8:200::/64, 0.0.0.0/0)');
    await f.client.addPaths([
      { prefix: '203.0.113.10/32', nextHop: '198.51.100.11' },
      { prefix: '2001:db8:200::10/128', nextHop: '2001:db8:100::11' },
      { prefix: '0.0.0.0/0', nextHop: '198.51.100.11' },
    ]);
    expect((await f.client.listPaths()).map((p) => p.prefix).sort()).toEqual(['0.0.0.0/0', '2001:db8:200::10/128', '203.0.113.10/32']);
  });
});
