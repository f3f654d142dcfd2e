// The BFD process with a daemon's client, over a real unix socket, and a BFD peer over UDP on
// loopback (127.0.0.3 is us, 127.0.0.4 the router, both on lo). What the router sees is what
// matters: Up with the C bit while a daemon restarts, AdminDown when it leaves for good.

import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BfdProcessClient } from '../../src/bfd/client.js';
import { decodeBfd, encodeBfd, type BfdPacket, type BfdState } from '../../src/bfd/packet.js';
import { startBfdProcess, type BfdProcess } from '../../src/bfd/process.js';
import { BfdSession } from '../../src/bfd/session.js';
import { BFD_PORT } from '../../src/bfd/transport.js';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';

const US = '127.0.0.3';
const ROUTER = '127.0.0.4';
const TIMERS = { minTx: 50, minRx: 50, multiplier: 3 };

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** The router's end: a BFD session of our own making on 127.0.0.4, recording what it receives. */
async function router(): Promise<{ session: BfdSession; got: BfdPacket[]; states: BfdState[] }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind({ address: ROUTER, port: BFD_PORT }, resolve));
  sock.setTTL(255);
  const got: BfdPacket[] = [];
  const states: BfdState[] = [];
  const session = new BfdSession(0x4242, TIMERS, systemClock, (p) => sock.send(encodeBfd(p), BFD_PORT, US), (_f, to) => states.push(to));
  sock.on('message', (m) => {
    const p = decodeBfd(m);
    if ('discard' in p) return;
    got.push(p);
    session.receive(p);
  });
  session.start();
  cleanup.push(() => {
    session.stop();
    sock.close();
  });
  return { session, got, states };
}

async function bfdd(): Promise<{ socket: string; p: BfdProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'ann-bfdd-'));
  const socket = join(dir, 'bfd.sock');
  const p = await startBfdProcess({ socket, exitWhenIdle: true, logLevel: 'silent' });
  cleanup.push(async () => {
    await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { socket, p };
}

function client(socket: string): BfdProcessClient {
  return new BfdProcessClient({
    socket,
    start: () => {
      throw new Error('the test runs the BFD process itself');
    },
    clock: systemClock,
    log: silentLogger,
  });
}

async function until(what: string, ok: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('BFD process', () => {
  it('keeps BFD Up with the C bit while the daemon restarts, hands the session to the new daemon, and ends it with AdminDown on a withdrawing stop', async () => {
    const r = await router();
    const { socket, p } = await bfdd();
    const first = client(socket);
    const changes: string[] = [];
    const h1 = await first.open(US, ROUTER, TIMERS, 10_000, (from, to) => changes.push(`${from}->${to}`));
    await until('the session Up', () => h1.state === 'Up' && r.session.sessionState === 'Up');
    expect(changes.at(-1)).toMatch(/->Up$/);

    // The daemon stops for a restart (or crashes): the router keeps hearing Up, with the C bit.
    await first.detach();
    const from = r.got.length;
    await sleep(600); // four detection times at 50 ms x 3
    const meanwhile = r.got.slice(from);
    expect(meanwhile.length).toBeGreaterThan(5);
    expect(meanwhile.every((q) => q.state === 'Up' && q.controlPlaneIndependent)).toBe(true);
    expect(r.states).not.toContain('Down');

    // The new daemon takes the running session over: Up at once, never a flap.
    const second = client(socket);
    const h2 = await second.open(US, ROUTER, TIMERS, 10_000, () => {});
    expect(h2.state).toBe('Up');
    expect(h2.flaps).toBe(0);

    // A withdrawing stop: AdminDown (diag 7) to the router, then the idle BFD process exits.
    await second.closeAll();
    await until('AdminDown at the router', () => r.got.at(-1)?.state === 'AdminDown');
    expect(r.got.at(-1)?.diag).toBe(7);
    await Promise.race([p.done, sleep(3_000).then(() => Promise.reject(new Error('the BFD process did not exit when idle')))]);
  });

  it('ends the session once the hold time runs out with no daemon back', async () => {
    const r = await router();
    const { socket } = await bfdd();
    const c = client(socket);
    const h = await c.open(US, ROUTER, TIMERS, 400, () => {});
    await until('the session Up', () => h.state === 'Up');
    await c.detach();
    const left = Date.now();
    await until('AdminDown at the router', () => r.got.at(-1)?.state === 'AdminDown');
    expect(Date.now() - left).toBeGreaterThanOrEqual(350);
  });

  it('ends the session at once when a daemon without graceful restart goes (hold 0)', async () => {
    const r = await router();
    const { socket } = await bfdd();
    const c = client(socket);
    const h = await c.open(US, ROUTER, TIMERS, 0, () => {});
    await until('the session Up', () => h.state === 'Up');
    await c.detach();
    await until('AdminDown at the router', () => r.got.at(-1)?.state === 'AdminDown', 1_000);
  });

  it('refuses a second BFD process on a socket that one already answers on', async () => {
    const { socket } = await bfdd();
    await expect(startBfdProcess({ socket, logLevel: 'silent' })).rejects.toThrow(/another BFD process already listens/);
  });
});
