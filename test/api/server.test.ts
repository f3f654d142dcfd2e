import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { ApiError, connectClient, type ApiClient } from '../../src/client.js';
import { createLogger } from '../../src/log.js';
import { ESTABLISHED_PEER, IDLE_PEER, MemorySpeaker } from './memory-speaker.js';

let dir: string;
let speaker: MemorySpeaker;
let server: ApiServer;
let client: ApiClient;
const logLines: string[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _enc, done) {
    logLines.push(chunk.toString());
    done();
  },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'announcer-api-'));
  speaker = new MemorySpeaker();
  // The socket's directory does not exist yet: the server makes it.
  server = await startApiServer(speaker, { socket: join(dir, 'run', 'announcer.sock') }, createLogger('info', logSink));
  client = connectClient(server.address);
});

afterAll(async () => {
  client?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => speaker.reset());

/** The rejection of `p`, which must be an ApiError. */
async function apiError(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('API server on a unix socket', () => {
  it('listens at unix:<absolute path>, creating the directory', async () => {
    expect(server.address).toBe(`unix:${join(dir, 'run', 'announcer.sock')}`);
    expect((await stat(join(dir, 'run', 'announcer.sock'))).isSocket()).toBe(true);
    expect(logLines.join('')).toContain('api listening');
  });

  it('adds, lists and deletes paths, round-tripping every field', async () => {
    const added = await client.addPaths([
      { prefix: '203.0.113.10', nextHop: '198.51.100.11', communities: ['65000:100'], largeCommunities: ['65000:1:2'], localPref: 0, med: 7, owner: 'lb' },
      { prefix: '203.0.113.10', nextHop: '198.51.100.12', communities: ['65000:100'], largeCommunities: ['65000:1:2'], localPref: 0, med: 7, owner: 'lb' },
      { prefix: '2001:db8::10/128', nextHop: '2001:db8::11' },
      { prefix: '203.0.113.20/32' },
    ]);
    expect(added).toStrictEqual([
      {
        prefix: '203.0.113.10/32',
        family: 'ipv4-unicast',
        nextHop: '198.51.100.11',
        attributes: { communities: ['65000:100'], largeCommunities: ['65000:1:2'], localPref: 0, med: 7 },
        owner: 'lb',
        pathId: 1,
      },
      {
        prefix: '203.0.113.10/32',
        family: 'ipv4-unicast',
        nextHop: '198.51.100.12',
        attributes: { communities: ['65000:100'], largeCommunities: ['65000:1:2'], localPref: 0, med: 7 },
        owner: 'lb',
        pathId: 2,
      },
      // Unset optional attributes stay absent (not 0); an empty owner and next hop are the defaults.
      { prefix: '2001:db8::10/128', family: 'ipv6-unicast', nextHop: '2001:db8::11', attributes: { communities: [], largeCommunities: [] }, owner: 'cli', pathId: 3 },
      { prefix: '203.0.113.20/32', family: 'ipv4-unicast', nextHop: '198.51.100.2', attributes: { communities: [], largeCommunities: [] }, owner: 'cli', pathId: 4 },
    ]);
    expect(await client.listPaths()).toEqual(added);
    expect(await client.listPaths({ owner: 'lb' })).toEqual(added.slice(0, 2));
    expect(await client.listPaths({ prefix: '2001:db8::10' })).toEqual([added[2]]);

    const removed = await client.deletePaths({ prefix: '203.0.113.10/32', nextHops: ['198.51.100.12'] });
    expect(removed).toEqual([added[1]]);
    expect(await client.deletePaths({ prefix: '203.0.113.10', owner: 'lb' })).toEqual([added[0]]);
    expect(await client.listPaths()).toEqual([added[2], added[3]]);
  });

  it('refuses a bad field with INVALID_ARGUMENT naming the field and value, and changes nothing', async () => {
    await client.addPaths([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11' }]);
    const err = await apiError(
      client.addPaths([
        { prefix: '203.0.113.30/32', nextHop: '198.51.100.11' },
        { prefix: '203.0.113.31/32', nextHop: '2001:db8::1' },
      ]),
    );
    expect(err.code).toBe(3);
    expect(err.codeName).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe('paths[1].nextHop: "2001:db8::1" is not an IPv4 address or "self"');
    expect(err.field).toBe('paths[1].nextHop');
    expect(err.target).toBe(server.address);
    expect((await client.listPaths()).map((p) => p.prefix)).toEqual(['203.0.113.10/32']);

    const bad = await apiError(client.addPaths([{ prefix: '203.0.113.300' }]));
    expect(bad.codeName).toBe('INVALID_ARGUMENT');
    expect(bad.message).toContain('paths[0].prefix');
    expect(bad.message).toContain('"203.0.113.300"');
  });

  it('refuses an AddPath without paths', async () => {
    const err = await apiError(client.addPaths([]));
    expect(err.codeName).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe('paths: at least one path is required');
    expect(err.field).toBe('paths');
  });

  it('refuses a LOCAL_PREF or MED the wire cannot carry before sending it', async () => {
    const err = await apiError(client.addPaths([{ prefix: '203.0.113.10/32', localPref: 2 ** 32 }]));
    expect(err.codeName).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe('paths[0].localPref: 4294967296 is not an integer in 0..4294967295');
    const med = await apiError(client.addPaths([{ prefix: '203.0.113.10/32', med: -1 }]));
    expect(med.field).toBe('paths[0].med');
    expect(speaker.paths).toEqual([]);
  });

  it('answers NOT_FOUND when a delete matches nothing', async () => {
    await client.addPaths([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11' }]);
    const err = await apiError(client.deletePaths({ prefix: '203.0.113.99' }));
    expect(err.code).toBe(5);
    expect(err.codeName).toBe('NOT_FOUND');
    expect(err.message).toBe('prefix: no path of 203.0.113.99/32 matches');
    expect(err.field).toBe('prefix');
    const other = await apiError(client.deletePaths({ prefix: '203.0.113.10/32', nextHops: ['198.51.100.12'] }));
    expect(other.codeName).toBe('NOT_FOUND');
    expect(speaker.paths).toHaveLength(1);
  });

  it('lists peers with every status field, optional ones absent when unset', async () => {
    speaker.peers = [ESTABLISHED_PEER, IDLE_PEER];
    expect(await client.listPeers()).toStrictEqual([ESTABLISHED_PEER, IDLE_PEER]);
  });

  it('reports a speaker bug as INTERNAL and logs it', async () => {
    speaker.failWith = new Error('rib exploded');
    const err = await apiError(client.listPaths());
    expect(err.codeName).toBe('INTERNAL');
    expect(err.message).toBe('internal error: rib exploded');
    const logged = logLines.map((l) => JSON.parse(l) as { msg: string; method?: string; err?: { message: string } }).find((l) => l.msg === 'api request failed');
    expect(logged?.method).toBe('ListPaths');
    expect(logged?.err?.message).toBe('rib exploded');
  });

  it('refuses to take over a socket another server is serving', async () => {
    await expect(startApiServer(speaker, { socket: join(dir, 'run', 'announcer.sock') })).rejects.toThrow(/in use by another process/);
    expect(await client.listPaths()).toEqual([]);
  });
});

describe('API server lifecycle', () => {
  it('replaces a socket left behind by a daemon that died, and removes its own on close', async () => {
    const path = join(dir, 'stale.sock');
    // A process killed with SIGKILL leaves its socket file behind.
    const script = `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', script]);
    expect((await stat(path)).isSocket()).toBe(true);

    const s = await startApiServer(new MemorySpeaker(), { socket: path });
    const c = connectClient(s.address);
    expect(await c.listPaths()).toEqual([]);
    c.close();
    await s.close();
    expect(existsSync(path)).toBe(false);
  });

  it('serves TCP on 127.0.0.1 with port 0, reporting the port it got', async () => {
    const s = await startApiServer(new MemorySpeaker(), { address: '127.0.0.1:0' });
    expect(s.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(s.address).not.toBe('127.0.0.1:0');
    const c = connectClient(s.address);
    const [path] = await c.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.11' }]);
    expect(path?.prefix).toBe('203.0.113.10/32');
    expect(await c.listPaths()).toEqual([path]);
    c.close();
    await s.close();
  });

  it('fails with UNAVAILABLE when nothing listens', async () => {
    const c = connectClient(`unix:${join(dir, 'nobody.sock')}`);
    const err = await apiError(c.listPeers());
    expect(err.codeName).toBe('UNAVAILABLE');
    c.close();
  });

  it('rejects a target that is neither unix:PATH nor HOST:PORT', () => {
    expect(() => connectClient('localhost')).toThrow('invalid API address "localhost": expected unix:PATH or HOST:PORT');
    expect(() => connectClient('')).toThrow(/invalid API address/);
  });
});
