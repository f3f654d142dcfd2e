// Who can reach the API: the unix socket's mode and directory, stale and live sockets, plain TCP
// on loopback only, and TLS (mutual when a client CA is configured).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/loopback.js';
import { startApiServer } from '../../src/api/server.js';
import { ApiError, connectClient } from '../../src/client.js';
import { silentLogger } from '../../src/log.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { makeCerts, type TestCerts } from './certs.js';
import { rejection, SPEAKER_OPTIONS, startFixture, type ApiFixture } from './fixture.js';

let dir: string;
let speaker: Speaker;
const cleanups: (() => Promise<unknown> | void)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'announcer-listen-'));
  speaker = new Speaker(SPEAKER_OPTIONS, silentLogger);
  await speaker.start();
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

afterAll(async () => {
  await speaker?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function serve(...args: Parameters<typeof startApiServer> extends [unknown, ...infer R] ? R : never) {
  const server = await startApiServer(speaker, ...args);
  cleanups.push(() => server.close());
  return server;
}

function client(...args: Parameters<typeof connectClient>) {
  const c = connectClient(...args);
  cleanups.push(() => c.close());
  return c;
}

describe('the unix socket', () => {
  it('is created with mode 0660 in a directory made with mode 0755', async () => {
    const path = join(dir, 'new', 'run', 'announcer.sock');
    const server = await serve({ socket: path });
    expect(server.address).toBe(`unix:${path}`);
    const st = await stat(path);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    expect((await stat(join(dir, 'new', 'run'))).mode & 0o777).toBe(0o755);
    expect(await client(server.address).listPaths()).toEqual([]);
  });

  it('takes another mode when configured, and leaves an existing directory as it is', async () => {
    await mkdir(join(dir, 'own'), { mode: 0o700 });
    const path = join(dir, 'own', 'a.sock');
    await serve({ socket: path, socketMode: 0o600 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'own'))).mode & 0o777).toBe(0o700);
  });

  it('replaces a socket left behind by a daemon that died, and removes its own on close', async () => {
    const path = join(dir, 'stale.sock');
    // A process killed with SIGKILL leaves its socket file behind.
    const script = `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', script]);
    expect((await stat(path)).isSocket()).toBe(true);

    const server = await startApiServer(speaker, { socket: path });
    expect(await client(server.address).listPaths()).toEqual([]);
    await server.close();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses to start when another process answers on the socket: "already running", naming it', async () => {
    const path = join(dir, 'live.sock');
    // Another process, alive, listening there.
    const other = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => void other.kill('SIGKILL'));
    await new Promise((r) => other.stdout.once('data', r));
    const err = await rejection(startApiServer(speaker, { socket: path }), Error);
    expect(err.message).toContain('already running');
    expect(err.message).toContain(path);
    // Left alone.
    expect((await stat(path)).isSocket()).toBe(true);
  });

  it('refuses a second server on the socket of a running one', async () => {
    const path = join(dir, 'twice.sock');
    const first = await serve({ socket: path });
    await expect(startApiServer(speaker, { socket: path })).rejects.toThrow(`another announcer daemon is already running on ${path}`);
    expect(await client(first.address).listPaths()).toEqual([]);
  });

  it('refuses a path that exists and is not a socket', async () => {
    await expect(startApiServer(speaker, { socket: join(dir) })).rejects.toThrow(`api.socket: ${dir} exists and is not a socket`);
  });
});

describe('TCP', () => {
  it('serves loopback in the clear, with port 0 reporting the port it got', async () => {
    const server = await serve({ address: '127.0.0.1:0' });
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.address).not.toBe('127.0.0.1:0');
    const c = client(server.address);
    const [p] = await c.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.11' }]);
    expect(p?.prefix).toBe('203.0.113.10/32');
    await c.deletePaths({ prefix: '203.0.113.10' });
  });

  it('refuses a non-loopback address without TLS, naming api.address', async () => {
    const err = await rejection(startApiServer(speaker, { address: '0.0.0.0:0' }), Error);
    expect(err.message).toMatch(/^api\.address: 0\.0\.0\.0:0 is not a loopback address/);
    expect(err.message).toContain('api.tls');
    expect(err.message).toContain('api.insecure');
  });

  it('serves a non-loopback address in the clear when insecure is set explicitly', async () => {
    const server = await serve({ address: '0.0.0.0:0', insecure: true });
    const port = server.address.split(':').at(-1);
    expect(await client(`127.0.0.1:${port}`).listPaths()).toEqual([]);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.0.2.1', false],
    ['128.0.0.1', false],
    ['::ffff:0:7f00:1', false],
    ['example.com', false],
  ] as const)('isLoopbackHost(%s) = %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('TLS', () => {
  let certs: TestCerts;
  let certDir: string;

  beforeAll(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'announcer-certs-'));
    certs = makeCerts(certDir);
  });

  afterAll(async () => {
    await rm(certDir, { recursive: true, force: true });
  });

  const read = (path: string): Promise<Buffer> => readFile(path);

  it('mutual TLS: a client with a certificate from the client CA gets in; without one, or with a stranger, it does not', async () => {
    let f: ApiFixture | undefined;
    f = await startFixture({
      listen: () => ({ address: '0.0.0.0:0', tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.caCert } }),
    });
    cleanups.push(() => f?.close());
    const port = f.server.address.split(':').at(-1);
    const target = `127.0.0.1:${port}`;
    const ca = await read(certs.caCert);

    const good = client(target, { tls: { ca, cert: await read(certs.clientCert), key: await read(certs.clientKey) } });
    await good.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.11' }]);
    expect((await good.listPaths()).map((p) => p.prefix)).toEqual(['203.0.113.10/32']);

    const noCert = await rejection(client(target, { tls: { ca } }).listPaths(), ApiError);
    expect(noCert.codeName).toBe('UNAVAILABLE');
    const stranger = await rejection(client(target, { tls: { ca, cert: await read(certs.strangerCert), key: await read(certs.strangerKey) } }).listPaths(), ApiError);
    expect(stranger.codeName).toBe('UNAVAILABLE');
    const plain = await rejection(client(target).listPaths(), ApiError);
    expect(plain.codeName).toBe('UNAVAILABLE');
    // And a client that does not trust the server's CA refuses the server.
    const untrusting = await rejection(client(target, { tls: { ca: await read(join(certDir, 'other-ca.crt')), cert: await read(certs.clientCert), key: await read(certs.clientKey) } }).listPaths(), ApiError);
    expect(untrusting.codeName).toBe('UNAVAILABLE');
  });

  it('server-only TLS: any client that trusts the CA gets in; the name can be overridden', async () => {
    const server = await serve({ address: '127.0.0.1:0', tls: { cert: certs.serverCert, key: certs.serverKey } });
    const port = server.address.split(':').at(-1);
    const ca = await read(certs.caCert);
    expect(await client(`127.0.0.1:${port}`, { tls: { ca } }).listPaths()).toEqual([]);
    expect(await client(`localhost:${port}`, { tls: { ca, serverName: 'localhost' } }).listPaths()).toEqual([]);
  });

  it('names the file it cannot read', async () => {
    await expect(startApiServer(speaker, { address: '127.0.0.1:0', tls: { cert: join(certDir, 'missing.crt'), key: certs.serverKey } })).rejects.toThrow(
      `api.tls.cert: cannot read ${join(certDir, 'missing.crt')}`,
    );
  });

  it('refuses client TLS options that cannot work', () => {
    expect(() => connectClient('unix:/tmp/x.sock', { tls: {} })).toThrow('TLS applies to HOST:PORT targets only');
    expect(() => connectClient('127.0.0.1:1', { tls: { cert: 'x' } })).toThrow('give both or neither');
  });
});

describe('targets', () => {
  it('fails with UNAVAILABLE when nothing listens', async () => {
    const err = await rejection(client(`unix:${join(dir, 'nobody.sock')}`).listPeers(), ApiError);
    expect(err.codeName).toBe('UNAVAILABLE');
  });

  it('connect() before the first call: the call works as before, and a daemon not there is still the call\'s UNAVAILABLE', async () => {
    const server = await serve({ socket: join(dir, 'early.sock') });
    const early = client(server.address);
    early.connect();
    expect(await early.listPaths()).toEqual([]);
    const nobody = client(`unix:${join(dir, 'nobody-early.sock')}`);
    nobody.connect();
    const err = await rejection(nobody.listPeers(), ApiError);
    expect(err.codeName).toBe('UNAVAILABLE');
  });

  it('rejects a target that is neither unix:PATH nor HOST:PORT', () => {
    expect(() => connectClient('localhost')).toThrow('invalid API address "localhost": expected unix:PATH or HOST:PORT');
    expect(() => connectClient('')).toThrow(/invalid API address/);
  });
});
