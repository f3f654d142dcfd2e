// The CLI refuses what can never work, against a real API server and Speaker: a next hop or a
// prefix the router would discard (and `list` then shows nothing), an empty --owner, and a
// localAddress this host does not have (`peers` says so).

import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createProgram, type CliIo } from '../../src/cli/program.js';
import { startFixture, type ApiFixture, type FixtureOptions } from '../api/fixture.js';

let f: ApiFixture | undefined;

afterEach(async () => {
  await f?.close();
  f = undefined;
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
    env: { ANNOUNCER_API: f!.server.address },
    now: () => Date.now(),
    signals: new EventEmitter(),
  };
  const code = await createProgram(io).run(args);
  return { code, ...out };
}

async function start(options?: FixtureOptions): Promise<void> {
  f = await startFixture(options);
}

describe('add-eip refuses what the router would discard', () => {
  it.each([
    [['--next-hop', '0.0.0.0'], '0.0.0.0 is the unspecified address'],
    [['--next-hop', '255.255.255.255'], '255.255.255.255 is the broadcast address'],
    [['--next-hop', '127.0.0.1'], '127.0.0.1 is a loopback address'],
    [['--next-hop', '203.0.113.10'], '203.0.113.10 is the address the prefix announces'],
  ])('%j: exit 1, the reason, and nothing in list', async (flags, says) => {
    await start();
    const r = await cli(['add-eip', '203.0.113.10', ...flags]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(says);
    expect(await cli(['list'])).toEqual({ code: 0, stdout: 'no paths\n', stderr: '' });
  });

  it('refuses the default route until allowPrefixes names it', async () => {
    await start();
    const r = await cli(['add-eip', '0.0.0.0/0', '--next-hop', '198.51.100.11']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('0.0.0.0/0 is the default route');
    expect(r.stderr).toContain('list 0.0.0.0/0 in allowPrefixes');
    expect((await cli(['list'])).stdout).toBe('no paths\n');
  });

  it('refuses a prefix outside allowPrefixes, naming them', async () => {
    await start({ speaker: { allowPrefixes: ['203.0.113.0/24'] } });
    const r = await cli(['add-eip', '192.0.2.10', '--next-hop', '198.51.100.11']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('192.0.2.10/32 is outside allowPrefixes (203.0.113.0/24)');
    expect((await cli(['add-eip', '203.0.113.10', '--next-hop', '198.51.100.11'])).code).toBe(0);
  });
});

describe('--owner ""', () => {
  it.each([
    [['add-eip', '203.0.113.10', '--next-hop', '198.51.100.11']],
    [['del-eip', '203.0.113.10']],
    [['list']],
    [['replace', '--file', '/dev/null']],
  ])('%j is a usage error (exit 2), not the owner cli nor every owner', async (args) => {
    await start();
    await f!.client.addPaths([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owner: 'lb' }]);
    const r = await cli([...args, '--owner', '']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--owner');
    expect(r.stderr).toContain('expected a name, not an empty string');
    // Nothing was added for "cli", nor withdrawn for everyone.
    expect((await f!.client.listPaths()).map((p) => `${p.prefix} ${p.owners.join(',')}`)).toEqual(['203.0.113.10/32 lb']);
  });
});

describe('a localAddress this host does not have', () => {
  it('is the peer\'s lastError from the start', async () => {
    await start({
      speaker: {
        peers: [{ name: 'r1', address: '127.0.0.1', port: 9, localAddress: '192.0.2.99', asn: 65001, passive: false, holdTime: 90, connectRetry: 60, families: ['ipv4-unicast'], addPath: 'off' }],
      },
    });
    const r = await cli(['peers', '--json']);
    expect(r.code).toBe(0);
    const [peer] = (JSON.parse(r.stdout) as { peers: { lastError?: string }[] }).peers;
    expect(peer?.lastError).toContain('localAddress 192.0.2.99 is not an address of this host');
  });
});
