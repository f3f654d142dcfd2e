// The daemon's side of the BFD process: asks it for a session per peer link and hears their
// states. Starts the BFD process when none answers on the socket, and finds it again (re-opening
// every session) if it was restarted under us.

import net from 'node:net';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import { CONTROL_VERSION, encodeLine, LineSplitter, parseEvent, sessionKey, type ControlEvent, type ControlRequest } from './control.js';
import type { BfdState } from './packet.js';
import type { BfdTimers } from './session.js';

export type BfdChange = (from: BfdState, to: BfdState, diag: number) => void;

/** One BFD session as the speaker sees it. */
export interface BfdHandle {
  readonly state: BfdState;
  readonly flaps: number;
  /** AdminDown to the peer and forget the session (the peer is gone from the config). */
  close(): void;
}

/** Where the speaker's BFD sessions run. */
export interface BfdService {
  /**
   * A session from `local` to `peer`. `holdMs`: if the daemon goes away without closing it, it
   * stays Up this long (the peer's graceful restart time; 0: it goes down with the daemon).
   */
  open(local: string, peer: string, timers: BfdTimers, holdMs: number, changed: BfdChange): Promise<BfdHandle>;
  /** Leave every session as it is (held for its hold time): a stop for a restart. */
  detach(): Promise<void>;
  /** AdminDown on every session, then leave: a stop that withdraws. */
  closeAll(): Promise<void>;
}

export interface BfdClientOptions {
  readonly socket: string;
  /** Starts a BFD process on the socket (the daemon spawns `announcer bfdd`). */
  readonly start: () => void;
  readonly clock: Clock;
  readonly log: Logger;
  /** How long to wait for a started BFD process to answer. */
  readonly startTimeoutMs?: number;
}

interface Session {
  readonly local: string;
  readonly peer: string;
  timers: BfdTimers;
  holdMs: number;
  state: BfdState;
  flaps: number;
  readonly changed: BfdChange;
  /** Settles the open() that made it, on the first answer. */
  opened: ((e: Error | null) => void) | null;
}

const RETRY_MS = 100;
const RECONNECT_MS = 1_000;

export class BfdProcessClient implements BfdService {
  private conn: net.Socket | null = null;
  private connecting: Promise<net.Socket> | null = null;
  private readonly sessions = new Map<string, Session>();
  private readonly closing = new Map<string, () => void>();
  private leaving = false;
  private reconnect: TimerHandle | null = null;

  constructor(private readonly o: BfdClientOptions) {}

  async open(local: string, peer: string, timers: BfdTimers, holdMs: number, changed: BfdChange): Promise<BfdHandle> {
    const key = sessionKey(local, peer);
    if (this.sessions.has(key)) throw new Error(`BFD session ${local} -> ${peer} is open already`);
    const s: Session = { local, peer, timers, holdMs, state: 'Down', flaps: 0, changed, opened: null };
    this.sessions.set(key, s);
    try {
      await this.request(s);
    } catch (e) {
      this.sessions.delete(key);
      throw e;
    }
    return {
      get state() {
        return s.state;
      },
      get flaps() {
        return s.flaps;
      },
      close: () => {
        if (this.sessions.get(key) !== s) return;
        this.sessions.delete(key);
        this.send({ op: 'close', local, peer });
      },
    };
  }

  async detach(): Promise<void> {
    this.leaving = true;
    this.reconnect?.cancel();
    await this.disconnect();
  }

  async closeAll(): Promise<void> {
    this.leaving = true;
    this.reconnect?.cancel();
    const conn = this.conn;
    if (conn && !conn.destroyed) {
      // Each close is answered once its AdminDown is out; then the connection may go.
      const answered = [...this.sessions.values()].map(
        (s) =>
          new Promise<void>((resolve) => {
            this.closing.set(sessionKey(s.local, s.peer), resolve);
            this.send({ op: 'close', local: s.local, peer: s.peer });
          }),
      );
      let timer: TimerHandle | null = null;
      const timeout = new Promise<void>((resolve) => (timer = this.o.clock.after(1_000, resolve)));
      await Promise.race([Promise.all(answered), timeout]);
      (timer as TimerHandle | null)?.cancel();
    }
    this.sessions.clear();
    await this.disconnect();
  }

  private async disconnect(): Promise<void> {
    const conn = this.conn;
    this.conn = null;
    if (!conn || conn.destroyed) return;
    await new Promise<void>((resolve) => {
      conn.once('close', () => resolve());
      conn.end();
    });
  }

  /** Asks for the session, on a connection made first if need be; settles on the first answer. */
  private async request(s: Session): Promise<void> {
    await this.connection();
    await new Promise<void>((resolve, reject) => {
      s.opened = (e) => (e ? reject(e) : resolve());
      this.send({ op: 'open', local: s.local, peer: s.peer, timers: s.timers, holdMs: s.holdMs });
    });
  }

  private send(r: ControlRequest): void {
    if (this.conn && !this.conn.destroyed) this.conn.write(encodeLine(r));
  }

  private connection(): Promise<net.Socket> {
    if (this.conn && !this.conn.destroyed) return Promise.resolve(this.conn);
    this.connecting ??= this.connect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  /** Connects, starting a BFD process when none answers, and says hello. */
  private async connect(): Promise<net.Socket> {
    const deadline = this.o.clock.now() + (this.o.startTimeoutMs ?? 5_000);
    let started = false;
    for (;;) {
      try {
        const conn = await this.dial();
        await this.hello(conn);
        this.conn = conn;
        return conn;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const absent = err.code === 'ENOENT' || err.code === 'ECONNREFUSED';
        if (absent && !started) {
          started = true;
          this.o.log.info({ socket: this.o.socket }, 'no BFD process answers: starting one');
          this.o.start();
        } else if (!absent || this.o.clock.now() >= deadline) {
          throw new Error(`cannot reach the BFD process on ${this.o.socket}: ${err.message}`);
        }
        await new Promise<void>((resolve) => this.o.clock.after(RETRY_MS, resolve));
      }
    }
  }

  private dial(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const c = net.connect(this.o.socket);
      c.once('connect', () => {
        c.off('error', reject);
        resolve(c);
      });
      c.once('error', reject);
    });
  }

  private hello(conn: net.Socket): Promise<void> {
    conn.setEncoding('utf8');
    const lines = new LineSplitter();
    return new Promise<void>((resolve, reject) => {
      let greeted = false;
      conn.on('data', (chunk: string) => {
        let got: string[];
        try {
          got = lines.push(chunk);
        } catch (e) {
          conn.destroy(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        for (const line of got) {
          const r = parseEvent(line);
          if (!r.ok) {
            this.o.log.warn({ why: r.why }, 'BFD process: message not understood');
            continue;
          }
          const e = r.value;
          if (!greeted) {
            if (e.op === 'hello') {
              greeted = true;
              this.o.log.info({ pid: e.pid, sessions: e.sessions.length }, 'connected to the BFD process');
              resolve();
            } else if (e.op === 'error') {
              conn.destroy();
              reject(Object.assign(new Error(e.message), { code: 'EPROTO' }));
            } else {
              this.event(e);
            }
            continue;
          }
          this.event(e);
        }
      });
      conn.on('error', (err) => {
        if (!greeted) reject(err);
      });
      conn.on('close', () => {
        if (!greeted) reject(Object.assign(new Error('closed before hello'), { code: 'ECONNREFUSED' }));
        else this.lost(conn);
      });
      conn.write(encodeLine({ op: 'hello', version: CONTROL_VERSION, client: `announcer ${process.pid}` }));
    });
  }

  private event(e: ControlEvent): void {
    switch (e.op) {
      case 'log': {
        const { level, msg, fields } = e;
        this.o.log[level]({ ...fields, component: 'bfdd' }, msg);
        return;
      }
      case 'opened':
      case 'state': {
        const s = this.sessions.get(sessionKey(e.local, e.peer));
        if (!s) return;
        const from = s.state;
        s.state = e.state;
        s.flaps = e.flaps;
        const settle = s.opened;
        s.opened = null;
        settle?.(null);
        if (e.op === 'opened') {
          this.o.log.info({ peer: e.peer, local: e.local, state: e.state, adopted: e.adopted }, e.adopted ? 'BFD session taken over, still running' : 'BFD session started');
        }
        if (from !== e.state) s.changed(from, e.state, e.op === 'state' ? e.diag : 0);
        return;
      }
      case 'error': {
        const s = e.local !== undefined && e.peer !== undefined ? this.sessions.get(sessionKey(e.local, e.peer)) : undefined;
        if (s?.opened) {
          const settle = s.opened;
          s.opened = null;
          settle(new Error(e.message));
        } else {
          this.o.log.error({ err: e.message }, 'BFD process reports an error');
        }
        return;
      }
      case 'closed':
        this.closing.get(sessionKey(e.local, e.peer))?.();
        this.closing.delete(sessionKey(e.local, e.peer));
        return;
      case 'released': {
        // Another daemon took this session over: it is no longer ours to watch.
        this.o.log.warn({ peer: e.peer, local: e.local }, 'BFD session taken over by another daemon on the same BFD process');
        this.sessions.delete(sessionKey(e.local, e.peer));
        return;
      }
      case 'hello':
        return;
      default: {
        const never: never = e;
        throw new Error(`unknown BFD event ${JSON.stringify(never)}`);
      }
    }
  }

  /** The BFD process went away under us (restarted, killed): find it again and re-open everything. */
  private lost(conn: net.Socket): void {
    if (this.conn !== conn) return;
    this.conn = null;
    if (this.leaving) return;
    this.o.log.error({ socket: this.o.socket }, 'lost the BFD process: reconnecting');
    const retry = (): void => {
      this.reconnect = this.o.clock.after(RECONNECT_MS, () => {
        this.reconnect = null;
        if (this.leaving) return;
        this.connection().then(
          () => {
            for (const s of this.sessions.values()) {
              s.opened = null;
              this.send({ op: 'open', local: s.local, peer: s.peer, timers: s.timers, holdMs: s.holdMs });
            }
          },
          (err: unknown) => {
            this.o.log.error({ err: err instanceof Error ? err.message : String(err) }, 'BFD process still unreachable');
            retry();
          },
        );
      });
    };
    retry();
  }
}
