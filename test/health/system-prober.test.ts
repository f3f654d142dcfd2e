// The real prober against real servers and processes, on 127.0.0.1 only (ephemeral ports): HTTP
// that passes and fails, a refused port, a server that never answers, HTTPS with a CA made here
// by openssl and with insecureSkipVerify, TCP connects, and commands by exit status and signal.

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { expandProbe } from '../../src/health/expand.js';
import { HealthMonitor } from '../../src/health/monitor.js';
import type { ExecProbeSpec, HttpProbeSpec, ProbeSpec } from '../../src/health/spec.js';
import { SystemProber } from '../../src/health/system-prober.js';
import { silentLogger } from '../../src/log.js';
import { makeCerts, type TestCerts } from '../api/certs.js';

const VARS = { prefix: '203.0.113.10/32', address: '203.0.113.10', nextHop: '127.0.0.1' };
const prober = new SystemProber();

function http(url: string, over: Partial<HttpProbeSpec> = {}): HttpProbeSpec {
  return { kind: 'http', url, method: 'GET', headers: {}, timeout: 2000, insecureSkipVerify: false, ...over };
}

function exec(command: string[], shell = false): ExecProbeSpec {
  return { kind: 'exec', command, shell, timeout: 2000 };
}

/** Probes `spec` (placeholders filled with VARS), aborted after `ms` like the monitor's timeout would. */
function probe(spec: ProbeSpec, ms = 5000) {
  return prober.probe(expandProbe(spec, VARS), AbortSignal.timeout(ms));
}

async function listen<S extends Server | HttpServer>(server: S): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function close(server: Server | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  const port = await listen(s);
  await close(s);
  return port;
}

/** Whether `pid` runs (a zombie does not: it waits only to be reaped, which PID 1 here may never do). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Whether `cond` holds within `ms` (polled): false only if it never did. */
async function eventually(cond: () => boolean, ms = 2_000): Promise<boolean> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

describe('SystemProber: HTTP', () => {
  let server: HttpServer;
  let port: number;
  let status = 200;
  let seen: { method: string | undefined; url: string | undefined; headers: IncomingHttpHeaders } | undefined;

  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      seen = { method: req.method, url: req.url, headers: req.headers };
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        // Far more than is read: the probe ends at its limit, not when the body does.
        const chunk = Buffer.alloc(64 * 1024, 0x41);
        let n = 0;
        const more = (): void => {
          while (n++ < 1024) if (!res.write(chunk)) return void res.once('drain', more);
          res.end();
        };
        more();
        return;
      }
      res.writeHead(status).end('body');
    });
    port = await listen(server);
  });
  afterAll(() => close(server));

  it('passes on 200 and fails on 503, saying the status', async () => {
    status = 200;
    expect(await probe(http(`http://{nextHop}:${port}/healthz`))).toEqual({ ok: true, detail: 'HTTP 200 OK' });
    expect(seen).toMatchObject({ method: 'GET', url: '/healthz' });
    status = 503;
    expect(await probe(http(`http://{nextHop}:${port}/healthz`))).toEqual({ ok: false, detail: 'HTTP 503 Service Unavailable' });
  });

  it('any 2xx passes by default; expectStatus says exactly which do', async () => {
    status = 204;
    expect((await probe(http(`http://127.0.0.1:${port}/`))).ok).toBe(true);
    expect((await probe(http(`http://127.0.0.1:${port}/`, { expectStatus: [200] }))).ok).toBe(false);
    status = 503;
    expect((await probe(http(`http://127.0.0.1:${port}/`, { expectStatus: [200, 503] }))).ok).toBe(true);
  });

  it('sends the method and headers; the placeholders are filled in the URL', async () => {
    status = 200;
    await probe(http(`http://127.0.0.1:${port}/check?eip={address}`, { method: 'HEAD', headers: { Host: 'web.example', 'X-Probe': '1' } }));
    expect(seen?.method).toBe('HEAD');
    expect(seen?.url).toBe('/check?eip=203.0.113.10');
    expect(seen?.headers).toMatchObject({ host: 'web.example', 'x-probe': '1', 'user-agent': 'announcer-health-check', connection: 'close' });
  });

  it('reads at most a little of a large body', async () => {
    const started = performance.now();
    expect(await probe(http(`http://127.0.0.1:${port}/big`))).toEqual({ ok: true, detail: 'HTTP 200 OK' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a closed port is refused', async () => {
    expect(await probe(http(`http://127.0.0.1:${await closedPort()}/`))).toEqual({ ok: false, detail: 'connection refused' });
  });
});

describe('SystemProber: a server that never answers', () => {
  let silent: Server;
  let port: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    silent = createTcpServer((s) => {
      // Reading (and dropping) what comes is how the server sees the client's close.
      s.resume();
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    port = await listen(silent);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await close(silent);
  });

  it('the abort ends the request and lets go of the connection', async () => {
    expect(await probe(http(`http://127.0.0.1:${port}/`), 200)).toEqual({ ok: false, detail: 'aborted' });
    // The server sees the connection close (a held one would keep this false until the deadline).
    expect(await eventually(() => sockets.size === 0)).toBe(true);
  });

  it('in the monitor, on the real clock: a timeout, counted as a failure', async () => {
    const monitor = new HealthMonitor(
      [{ name: 'web', probe: http(`http://{nextHop}:${port}/`, { timeout: 200 }), interval: 1000, rise: 2, fall: 2, initial: 'up', onFail: { action: 'withdraw' } }],
      { clock: systemClock, log: silentLogger, random: () => 0 },
    );
    const changed = new Promise<string>((resolve) => monitor.onChange((_id, before, after, reason) => resolve(`${before}->${after} ${reason}`)));
    const id = monitor.watch('web', VARS);
    expect(await changed).toBe('pending->down timeout');
    expect(monitor.state(id)).toMatchObject({ state: 'down', lastError: 'timeout', target: `http://127.0.0.1:${port}/` });
    await monitor.stop();
  });
});

describe('SystemProber: HTTPS', () => {
  let dir: string;
  let certs: TestCerts;
  let server: HttpServer;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'announcer-health-'));
    certs = makeCerts(dir);
    server = createHttpsServer({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) }, (_req, res) => res.writeHead(200).end('ok'));
    port = await listen(server);
  });
  afterAll(async () => {
    await close(server);
    await rm(dir, { recursive: true, force: true });
  });

  it('passes with the CA that signed the server certificate', async () => {
    expect(await probe(http(`https://{nextHop}:${port}/healthz`, { ca: certs.caCert }))).toEqual({ ok: true, detail: 'HTTP 200 OK' });
  });

  it('fails without it, saying it is TLS', async () => {
    const r = await probe(http(`https://127.0.0.1:${port}/healthz`));
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^TLS: .*certificate/);
  });

  it('passes with insecureSkipVerify, whoever signed it', async () => {
    expect(await probe(http(`https://127.0.0.1:${port}/healthz`, { insecureSkipVerify: true }))).toEqual({ ok: true, detail: 'HTTP 200 OK' });
  });

  it('a CA file that is missing is said as such', async () => {
    expect(await probe(http(`https://127.0.0.1:${port}/healthz`, { ca: join(dir, 'missing.pem') }))).toEqual({ ok: false, detail: `CA file ${join(dir, 'missing.pem')}: file not found` });
  });
});

describe('SystemProber: TCP', () => {
  it('passes when the connection is accepted, and is refused on a closed port', async () => {
    const server = createTcpServer((s) => s.destroy());
    const port = await listen(server);
    try {
      expect(await probe({ kind: 'tcp', address: `{nextHop}:${port}`, timeout: 2000 })).toEqual({ ok: true, detail: 'connected' });
    } finally {
      await close(server);
    }
    expect(await probe({ kind: 'tcp', address: `{nextHop}:${await closedPort()}`, timeout: 2000 })).toEqual({ ok: false, detail: 'connection refused' });
  });
});

describe('SystemProber: commands', () => {
  it('passes on exit status 0 and fails on any other, naming it', async () => {
    expect(await probe(exec(['/bin/true']))).toEqual({ ok: true, detail: 'exit status 0' });
    expect(await probe(exec(['/bin/false']))).toEqual({ ok: false, detail: 'exit status 1' });
    expect(await probe(exec(['sh', '-c', 'exit 3']))).toEqual({ ok: false, detail: 'exit status 3' });
    expect(await probe(exec(['exit 3'], true))).toEqual({ ok: false, detail: 'exit status 3' });
  });

  it("keeps the first line of the command's output: stderr first", async () => {
    expect(await probe(exec(['sh', '-c', 'echo; echo "  no backend for $1"; echo more >&1; exit 2', 'sh', '{prefix}']))).toEqual({ ok: false, detail: 'exit status 2: no backend for 203.0.113.10/32' });
    expect(await probe(exec(['echo out; echo err >&2; exit 1'], true))).toEqual({ ok: false, detail: 'exit status 1: err' });
    expect(await probe(exec(['echo serving {address}'], true))).toEqual({ ok: true, detail: 'exit status 0: serving 203.0.113.10' });
    const long = await probe(exec(['sh', '-c', `printf '${'x'.repeat(5000)}' >&2; exit 1`]));
    expect(long.detail.length).toBeLessThanOrEqual(200);
  });

  it('no shell unless asked: an argument with shell syntax is just an argument', async () => {
    expect(await probe(exec(['/bin/echo', '$(exit 7)']))).toEqual({ ok: true, detail: 'exit status 0: $(exit 7)' });
  });

  it('says when it was killed by a signal', async () => {
    expect(await probe(exec(['kill -TERM $$'], true))).toEqual({ ok: false, detail: 'killed by SIGTERM' });
  });

  it('says when the command cannot be run', async () => {
    expect(await probe(exec(['/nonexistent/check-eip', '{prefix}']))).toEqual({ ok: false, detail: 'cannot run /nonexistent/check-eip: no such file' });
  });

  it('an abort kills the command and what it started', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'announcer-health-'));
    try {
      const pidFile = join(dir, 'child.pid');
      const started = performance.now();
      expect(await probe(exec([`sleep 30 & echo $! > ${pidFile}; wait`], true), 300)).toEqual({ ok: false, detail: 'aborted' });
      expect(performance.now() - started).toBeLessThan(2000);
      const child = Number(readFileSync(pidFile, 'utf8'));
      expect(await eventually(() => !alive(child))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a command that exits but leaves a child holding its output still counts as soon as it exits', async () => {
    const started = performance.now();
    const r = await probe(exec(['sleep 3 & echo started $!; exit 0'], true));
    expect(performance.now() - started).toBeLessThan(1500);
    expect(r).toEqual({ ok: true, detail: expect.stringMatching(/^exit status 0: started \d+$/) });
    // Left behind by the command, not by the prober: the test tidies it up.
    process.kill(Number(r.detail.split(' ').at(-1)), 'SIGKILL');
  });
});
