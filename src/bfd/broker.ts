// The BFD process's bookkeeping: which sessions run, which daemon (client) owns each, and how long
// a session outlives a client that went away. No sockets: sessions come from an injected factory,
// clients are anything that takes events, and time is the injected Clock, so tests drive it all.
//
// Why a session outlives its daemon (RFC 5882 3.2, 4.3): a daemon that stops for a restart, or
// crashes, leaves graceful restart to keep its paths at the router. Routers read our BFD going down
// (AdminDown included, BIRD 2 does) as the node's failure and drop the paths at once, so the
// session stays Up for the peer's restart time (`holdMs`): the forwarding plane is still there.
// When the node itself dies, this process dies with it and the router's BFD notices in its
// detection time, which is the point of running BFD at all.

import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import { CONTROL_VERSION, sessionKey, type ControlEvent, type ControlRequest, type SessionView } from './control.js';
import type { BfdState } from './packet.js';
import type { BfdTimers } from './session.js';

/** A running BFD session, as the broker drives it. */
export interface RunningSession {
  readonly state: BfdState;
  readonly flaps: number;
  retime(timers: BfdTimers): void;
  /** AdminDown to the peer, then release its sockets. */
  stop(): void;
}

export type SessionFactory = (
  local: string,
  peer: string,
  timers: BfdTimers,
  changed: (from: BfdState, to: BfdState, diag: number) => void,
) => Promise<RunningSession>;

/** One connected daemon. */
export interface BrokerClient {
  send(e: ControlEvent): void;
}

interface Entry {
  readonly local: string;
  readonly peer: string;
  session: RunningSession | null;
  /** While the factory works: later opens of the same session wait for it. */
  opening: Promise<void> | null;
  owner: BrokerClient | null;
  holdMs: number;
  hold: TimerHandle | null;
}

export class BfdBroker {
  private readonly entries = new Map<string, Entry>();
  private readonly clients = new Set<BrokerClient>();

  constructor(
    private readonly factory: SessionFactory,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Called whenever no client is connected and no session is left. */
    private readonly idle: () => void = () => {},
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  sessions(): SessionView[] {
    return [...this.entries.values()].flatMap((e) => (e.session ? [view(e, e.session)] : []));
  }

  connect(client: BrokerClient): void {
    this.clients.add(client);
  }

  /** The client's connection is gone, on purpose or not: its sessions live on for their hold time. */
  disconnect(client: BrokerClient): void {
    if (!this.clients.delete(client)) return;
    for (const e of this.entries.values()) {
      if (e.owner !== client) continue;
      e.owner = null;
      if (e.holdMs === 0) {
        this.log.info({ local: e.local, peer: e.peer }, 'BFD: the daemon went away and the peer has no graceful restart: session stopped');
        this.remove(e);
        continue;
      }
      this.log.info({ local: e.local, peer: e.peer, holdMs: e.holdMs }, 'BFD: the daemon went away: keeping the session Up for its graceful restart time');
      e.hold = this.clock.after(e.holdMs, () => {
        e.hold = null;
        this.log.warn({ local: e.local, peer: e.peer }, 'BFD: no daemon took the session back within its restart time: session stopped');
        this.remove(e);
        this.checkIdle();
      });
    }
    this.checkIdle();
  }

  request(client: BrokerClient, r: ControlRequest): void {
    switch (r.op) {
      case 'hello':
        if (r.version !== CONTROL_VERSION) {
          client.send({ op: 'error', message: `control protocol version ${r.version} is not ${CONTROL_VERSION}: restart the BFD process with this version` });
          return;
        }
        this.log.debug({ client: r.client }, 'BFD: daemon connected');
        client.send({ op: 'hello', version: CONTROL_VERSION, pid: process.pid, sessions: this.sessions() });
        return;
      case 'open':
        void this.open(client, r.local, r.peer, r.timers, r.holdMs);
        return;
      case 'close': {
        const e = this.entries.get(sessionKey(r.local, r.peer));
        if (e && (e.owner === client || e.owner === null)) this.remove(e);
        client.send({ op: 'closed', local: r.local, peer: r.peer });
        this.checkIdle();
        return;
      }
      default: {
        const never: never = r;
        throw new Error(`unknown request ${JSON.stringify(never)}`);
      }
    }
  }

  /** Stops every session (AdminDown): the BFD process is being stopped. */
  stopAll(): void {
    for (const e of [...this.entries.values()]) this.remove(e);
  }

  private async open(client: BrokerClient, local: string, peer: string, timers: BfdTimers, holdMs: number): Promise<void> {
    const key = sessionKey(local, peer);
    let e = this.entries.get(key);
    if (e?.opening) await e.opening;
    e = this.entries.get(key);
    if (!this.clients.has(client)) return; // gone while we waited
    if (e?.session) {
      e.hold?.cancel();
      e.hold = null;
      const before = e.owner;
      e.owner = client;
      e.holdMs = holdMs;
      if (before && before !== client) before.send({ op: 'released', local, peer });
      e.session.retime(timers);
      this.log.info({ local, peer, state: e.session.state }, 'BFD: session taken over by a daemon');
      client.send({ op: 'opened', adopted: true, ...view(e, e.session) });
      return;
    }
    const entry: Entry = { local, peer, session: null, opening: null, owner: client, holdMs, hold: null };
    this.entries.set(key, entry);
    entry.opening = this.factory(local, peer, timers, (from, to, diag) => {
      if (!entry.session) return;
      this.log.info({ local, peer, from, to, diag }, 'BFD state change');
      entry.owner?.send({ op: 'state', from, diag, ...view(entry, entry.session) });
    }).then(
      (s) => {
        entry.session = s;
        entry.opening = null;
        // Closed, or its owner gone with no hold, while it opened.
        if (this.entries.get(key) !== entry || (entry.owner === null && entry.holdMs === 0)) {
          s.stop();
          if (this.entries.get(key) === entry) this.entries.delete(key);
          this.checkIdle();
          return;
        }
        this.log.info({ local, peer }, 'BFD: session started');
        entry.owner?.send({ op: 'opened', adopted: false, ...view(entry, s) });
      },
      (err: unknown) => {
        entry.opening = null;
        if (this.entries.get(key) === entry) this.entries.delete(key);
        const message = err instanceof Error ? err.message : String(err);
        this.log.error({ local, peer, err: message }, 'BFD: cannot start the session');
        entry.owner?.send({ op: 'error', local, peer, message });
        this.checkIdle();
      },
    );
    await entry.opening;
  }

  private remove(e: Entry): void {
    e.hold?.cancel();
    e.hold = null;
    const key = sessionKey(e.local, e.peer);
    if (this.entries.get(key) === e) this.entries.delete(key);
    e.session?.stop();
  }

  private checkIdle(): void {
    if (this.clients.size === 0 && this.entries.size === 0) this.idle();
  }
}

function view(e: Entry, s: RunningSession): SessionView {
  return { local: e.local, peer: e.peer, state: s.state, flaps: s.flaps };
}
