// The BFD process (`announcer bfdd`): BFD sessions in an event loop of their own, apart from the
// daemon's BGP sessions, API and table work, so nothing the daemon does can make a BFD packet late,
// and long-lived, so a daemon that restarts leaves BFD Up while graceful restart covers BGP (see
// broker.ts for the rules). The daemon talks to it over a unix socket (control.ts); the daemon
// starts one when none answers, or a service manager runs it (examples/systemd).

import { existsSync, mkdirSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { dirname } from 'node:path';
import type { LevelWithSilent } from 'pino';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { createLogger, type Logger } from '../log.js';
import { BfdBroker, type BrokerClient } from './broker.js';
import { encodeLine, LineSplitter, parseRequest, type ControlEvent, type LogLevel } from './control.js';
import { BfdTransport } from './transport.js';

export interface BfdProcessOptions {
  readonly socket: string;
  /** Permission bits of the socket file (the daemon's user and group). */
  readonly socketMode?: number;
  /** Exit once no daemon is connected and no session is left (a BFD process a daemon started). */
  readonly exitWhenIdle?: boolean;
  readonly logLevel?: LevelWithSilent;
  /** Where log lines go besides the connected daemons (a service's journal); default stdout. */
  readonly stdout?: { write(chunk: string): unknown };
  readonly clock?: Clock;
}

export interface BfdProcess {
  /** Resolves when the process has stopped (a signal, stop(), or idle). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/** Scheduling priority (nice value) the BFD process asks for. */
const BFD_PRIORITY = -10;
/** How long a BFD process a daemon started waits for its first daemon before it gives up. */
const FIRST_CLIENT_MS = 10_000;
/** Idle this long (no daemon, no session) and a started BFD process exits. */
const IDLE_MS = 1_000;
/** Log lines kept for the next daemon while none is connected. */
const HELD_LINES = 200;

const LEVELS: Record<number, LogLevel> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export async function startBfdProcess(o: BfdProcessOptions): Promise<BfdProcess> {
  const clock = o.clock ?? systemClock;
  const clients = new Set<BrokerClient>();
  const held: ControlEvent[] = [];
  const out = o.stdout ?? process.stdout;
  // One log stream for the operator: every record also goes to the connected daemons, which log it
  // as theirs ({component: "bfdd"}); while none is connected, the last few wait for the next one.
  const log: Logger = createLogger(
    o.logLevel ?? 'info',
    {
      write(line: string) {
        out.write(line);
        const e = logEvent(line);
        if (!e) return;
        if (clients.size === 0) {
          held.push(e);
          if (held.length > HELD_LINES) held.shift();
        }
        for (const c of clients) c.send(e);
      },
    },
    'json',
    'announcer-bfdd',
  );

  await claimSocket(o.socket);
  // A busy machine (the daemon's own table work among it) must not delay a BFD packet past the
  // peer's detection time: ahead of ordinary processes when allowed (root, CAP_SYS_NICE, systemd's Nice=).
  try {
    os.setPriority(0, BFD_PRIORITY);
  } catch {
    // not allowed: ordinary priority
  }
  let idleTimer: TimerHandle | null = null;
  let stopping: Promise<void> | null = null;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const transport = new BfdTransport(clock, log, { controlPlaneIndependent: true });
  const broker = new BfdBroker(
    async (local, peer, timers, changed) => {
      const h = await transport.open(local, peer, timers, changed);
      return {
        get state() {
          return h.session.sessionState;
        },
        get flaps() {
          return h.session.flaps;
        },
        retime: (t) => h.session.retime(t),
        stop: () => h.stop(),
      };
    },
    clock,
    log,
    () => armIdle(IDLE_MS),
  );

  const armIdle = (ms: number): void => {
    if (!o.exitWhenIdle || stopping) return;
    idleTimer?.cancel();
    idleTimer = clock.after(ms, () => {
      idleTimer = null;
      if (broker.clientCount === 0 && broker.sessions().length === 0) {
        log.info('BFD process idle: no daemon and no session left, exiting');
        void stop();
      }
    });
  };

  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    idleTimer?.cancel();
    idleTimer = null;
    socket.setEncoding('utf8');
    const lines = new LineSplitter();
    const client: BrokerClient = {
      send(e) {
        if (!socket.destroyed) socket.write(encodeLine(e));
      },
    };
    clients.add(client);
    broker.connect(client);
    for (const e of held.splice(0)) client.send(e);
    socket.on('data', (chunk: string) => {
      let got: string[];
      try {
        got = lines.push(chunk);
      } catch (e) {
        log.warn({ err: e instanceof Error ? e.message : String(e) }, 'BFD control connection closed: not our protocol');
        socket.destroy();
        return;
      }
      for (const line of got) {
        const r = parseRequest(line);
        if (r.ok) broker.request(client, r.value);
        else client.send({ op: 'error', message: `bad control message: ${r.why}` });
      }
    });
    const gone = (): void => {
      clients.delete(client);
      broker.disconnect(client);
    };
    socket.on('close', gone);
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(o.socket, o.socketMode ?? 0o660);
  log.info({ socket: o.socket, pid: process.pid }, 'BFD process listening');
  armIdle(FIRST_CLIENT_MS);

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      idleTimer?.cancel();
      broker.stopAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      await rm(o.socket, { force: true });
      finish();
    })());
  return { done, stop };
}

/** A socket file left by a BFD process that died is removed; one that answers is another's: refused. */
async function claimSocket(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const c = net.connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another BFD process already listens on ${path}`);
  await rm(path, { force: true });
}

function logEvent(line: string): ControlEvent | null {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  const { level, msg, time: _time, pid: _pid, hostname: _hostname, name: _name, ...fields } = rec;
  return { op: 'log', level: LEVELS[typeof level === 'number' ? level : 30] ?? 'info', msg: typeof msg === 'string' ? msg : '', fields };
}
