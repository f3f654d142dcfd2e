// One BGP peer: its connection(s), framer, timers and FSM. Bytes in become FSM events; FSM
// actions become bytes out, timers and calls to the speaker. Nothing here knows about paths, and
// nothing here touches a socket: connections come from a Transport (tcp.ts in the daemon, an
// in-memory one in tests) and time from the Clock, so the whole session runs under a ManualClock.

import {
  BgpError,
  CeaseSubcode,
  DEFAULT_CONTEXT,
  ErrorCode,
  Framer,
  cease,
  decodeFramed,
  encodeMessage,
  errorName,
  familyOf,
  hardReset,
  parseIPv4,
  toHex,
  type BgpMessage,
  type CeaseSubcodeValue,
  type CodecContext,
  type Family,
  type OpenMessage,
  type RouteRefreshMessage,
  type UpdateMessage,
} from '../codec/index.js';
import type { Clock, TimerHandle } from '../clock.js';
import { eventForError, transition } from '../fsm/fsm.js';
import { initialState, type FsmAction, type FsmConfig, type FsmEvent, type FsmState, type StateName, type TimerName } from '../fsm/types.js';
import type { Logger } from '../log.js';
import { defaultSendHoldTime, SendHoldTimer } from './send-hold.js';
import { buildOpen, negotiate, type LocalSpeaker, type Negotiated } from './negotiate.js';
import type { PeerSettings } from './peer-settings.js';
import type { Connection, Transport } from './transport.js';

/** A session takes the whole of its peer's settings. */
export type PeerSessionConfig = PeerSettings;

/**
 * What stopping the session leaves with the peer: our paths kept as stale (RFC 4724) for
 * `restartTime` seconds (the restart time we advertised), or withdrawn, with why when the stop
 * asked for more or there was nothing to withdraw.
 */
export type StopOutcome =
  | { readonly kept: true; readonly restartTime: number }
  | { readonly kept: false; readonly reason?: string };

export const NOT_ESTABLISHED = 'session not established: the router holds nothing from us';
export const GR_NOT_CONFIGURED = 'graceful restart not configured for this peer';
export const GR_NOT_OFFERED = 'graceful restart not negotiated (the router did not offer it)';

export interface SessionHooks {
  /** Established: the speaker sends the table now. */
  established(s: PeerSession): void;
  /** Left Established. */
  down(s: PeerSession): void;
  update(s: PeerSession, m: UpdateMessage): void;
  routeRefresh(s: PeerSession, family: Family, m: RouteRefreshMessage): void;
  stateChange(s: PeerSession, from: StateName, to: StateName): void;
  /** The socket took everything it was given: the speaker may send more. */
  drain(s: PeerSession): void;
}

export interface SessionStats {
  messagesSent: number;
  messagesReceived: number;
  updatesSent: number;
  updatesReceived: number;
}

/** RFC 4271 10: ConnectRetry and Keepalive are jittered to 75-100% so peers do not synchronise. */
const JITTERED: ReadonlySet<TimerName> = new Set(['ConnectRetry', 'Keepalive']);

interface Conn {
  readonly link: Connection;
  readonly framer: Framer;
  ctx: CodecContext;
  /** The peer's OPEN, once received on this connection. */
  open?: OpenMessage;
  /** Octets handed to the connection, in total. */
  written: number;
}

export class PeerSession {
  private fsm: FsmState;
  private readonly fsmConfig: FsmConfig;
  private conn: Conn | null = null;
  /** A second connection during a collision (RFC 4271 6.8), until one of the two is dumped. */
  private candidate: Conn | null = null;
  /** Our connection attempt in flight. */
  private connecting: { cancel(): void } | null = null;
  private readonly timers = new Map<TimerName, TimerHandle>();
  private negotiated: Negotiated | null = null;
  private sendHold: SendHoldTimer | null = null;
  /** Start of what the operator cares about: Established, or (not up) the drop or the first failure. */
  private stretchSince: number;
  /** A failure since the session started or was last up: retries do not move stretchSince. */
  private failedSinceUp = false;
  private stopped = true;
  readonly stats: SessionStats = { messagesSent: 0, messagesReceived: 0, updatesSent: 0, updatesReceived: 0 };
  private error: { readonly text: string; readonly at: number } | undefined;

  constructor(
    readonly config: PeerSessionConfig,
    private readonly local: LocalSpeaker,
    private readonly hooks: SessionHooks,
    private readonly clock: Clock,
    readonly log: Logger,
    private readonly transport: Transport,
    private readonly random: () => number = Math.random,
    /** This speaker came back within the peer's restart time: OPENs carry the R bit until the session is up once. */
    private restarting = false,
  ) {
    this.fsmConfig = {
      passive: config.passive,
      holdTime: config.holdTime,
      connectRetryTime: config.connectRetry,
      idleHoldTime: 1,
      maxIdleHoldTime: 120,
      stableTime: 60,
    };
    this.fsm = initialState(this.fsmConfig);
    this.stretchSince = clock.now();
  }

  get state(): StateName {
    return this.fsm.name;
  }

  /**
   * When the session came up, or, while it is not up, when it went down or first failed to come up:
   * the Active/Connect flips of each retry do not reset it.
   */
  get since(): number {
    return this.stretchSince;
  }

  /** Why the session last failed, in words ("connect ECONNREFUSED 198.51.100.1:179"); cleared once up. */
  get lastError(): string | undefined {
    return this.error?.text;
  }

  /** When lastError happened, ms since the epoch. */
  get lastErrorAt(): number | undefined {
    return this.error?.at;
  }

  /** A problem found outside the session (a localAddress not on this host): its lastError until it is up. */
  noteProblem(why: string): void {
    this.fail(why);
  }

  private fail(why: string): void {
    const now = this.clock.now();
    this.error = { text: why, at: now };
    if (this.fsm.name !== 'Established' && !this.failedSinceUp) {
      this.failedSinceUp = true;
      this.stretchSince = now;
    }
  }

  get holdTime(): number {
    return this.fsm.holdTime;
  }

  /** Valid in Established. */
  get session(): Negotiated | null {
    return this.fsm.name === 'Established' ? this.negotiated : null;
  }

  get localAddress(): string | undefined {
    return this.conn?.link.localAddress;
  }

  get remoteRouterId(): string | undefined {
    return this.negotiated?.peerRouterId;
  }

  start(): void {
    this.stopped = false;
    // A problem noted just before (noteProblem) began this stretch already: SINCE stays there.
    if (!this.failedSinceUp) this.stretchSince = this.clock.now();
    this.dispatch({ type: 'ManualStart' });
  }

  /**
   * Close the session; resolves when the socket is closed. `withdraw`: the peer must drop our paths
   * now: Cease / Administrative Shutdown with an RFC 8203 message, or Hard Reset (RFC 8538) where
   * the N bit is negotiated (any other Cease would leave them stale). `restart`: the peer should keep
   * them for the restart time (RFC 4724): a Cease where the N bit is negotiated, no NOTIFICATION at
   * all where only graceful restart is; without graceful restart there is nothing to keep and it
   * withdraws.
   */
  async stop(message?: string, mode: 'withdraw' | 'restart' = 'withdraw'): Promise<void> {
    const keep = this.stopOutcome(mode).kept;
    this.stopped = true;
    const own = this.config.shutdownMessage;
    const shutdownMessage = own === false ? undefined : (own ?? message);
    const links = [this.conn?.link, this.candidate?.link].filter((l): l is Connection => !!l);
    if (this.candidate) this.dumpCandidate(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, shutdownMessage);
    const n = this.fsm.name === 'Established' ? this.negotiated : null;
    if (keep && n) {
      this.log.info({ notification: n.gracefulNotification }, 'stopping for a restart: the peer keeps our paths as stale');
      this.dispatch({ type: 'ManualStop', notification: n.gracefulNotification ? cease(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, shutdownMessage) : null });
    } else if (n?.gracefulNotification) {
      // RFC 8538 3: Hard Reset, carrying the Cease it stands for: Administrative Shutdown and its message.
      this.dispatch({ type: 'ManualStop', notification: hardReset(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, shutdownMessage) });
    } else {
      this.dispatch({ type: 'ManualStop', notification: cease(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, shutdownMessage) });
    }
    this.connecting?.cancel();
    this.connecting = null;
    await Promise.all(links.map((l) => l.closed()));
  }

  /**
   * What stop(mode) would leave with the peer now (the same decision stop() takes): paths are kept
   * only by a restart stop of an Established session where graceful restart was negotiated.
   */
  stopOutcome(mode: 'withdraw' | 'restart'): StopOutcome {
    const n = this.fsm.name === 'Established' ? this.negotiated : null;
    if (!n) return { kept: false, reason: NOT_ESTABLISHED };
    if (mode === 'withdraw') return { kept: false };
    const ours = this.config.gracefulRestart;
    if (!ours) return { kept: false, reason: GR_NOT_CONFIGURED };
    if (!n.gracefulRestart) return { kept: false, reason: GR_NOT_OFFERED };
    return { kept: true, restartTime: ours.restartTime };
  }

  /** BFD says the link is gone: drop the session at once, without waiting for the hold timer. */
  linkDown(why: string): void {
    if (this.fsm.name !== 'Established' && this.fsm.name !== 'OpenConfirm' && this.fsm.name !== 'OpenSent') return;
    this.fail(why);
    this.log.warn({ why }, 'BFD session down: dropping the BGP session');
    this.dispatch({ type: 'TcpConnectionFails' });
  }

  /** Hand whole UPDATEs (back to back, from the packer) to the established connection. */
  writeUpdates(bytes: Uint8Array, messages: number): void {
    const c = this.conn;
    if (!c || this.fsm.name !== 'Established' || bytes.length === 0) return;
    this.write(c, bytes);
    this.stats.messagesSent += messages;
    this.stats.updatesSent += messages;
  }

  send(msg: BgpMessage): void {
    const c = this.conn;
    if (!c) return;
    this.write(c, encodeMessage(msg, c.ctx));
    this.stats.messagesSent++;
    if (msg.type === 'update') this.stats.updatesSent++;
  }

  /** Octets given to the connection that the peer has not taken yet (they wait in this process). */
  get backlog(): number {
    return this.conn?.link.backlog ?? 0;
  }

  private write(c: Conn, bytes: Uint8Array): void {
    c.link.write(bytes);
    c.written += bytes.length;
    if (c === this.conn) this.sendHold?.wrote();
  }

  /** A connection the peer opened (the listener matched its address to this session). */
  acceptIncoming(link: Connection): void {
    const state = this.fsm.name;
    if (this.stopped || state === 'Idle') {
      this.log.info({ state }, 'refusing incoming connection: session not started or holding down');
      this.reject(link, CeaseSubcode.CONNECTION_REJECTED);
      return;
    }
    if (state === 'Connect' || state === 'Active') {
      // Nothing established yet: take the peer's connection, abandon our own attempt.
      this.connecting?.cancel();
      this.connecting = null;
      this.adopt(link);
      this.dispatch({ type: 'TcpConnectionConfirmed' });
      return;
    }
    if ((state === 'OpenSent' || state === 'OpenConfirm') && !this.candidate) {
      // RFC 4271 6.8: both sides connected at once. Run OPEN on the new one and decide once we
      // know the peer's BGP identifier.
      this.log.info({ state }, 'connection collision: second connection from the peer');
      const c = this.makeConn(link);
      this.candidate = c;
      this.wire(c);
      c.link.write(encodeMessage(buildOpen(this.local, this.config, this.restarting), DEFAULT_CONTEXT));
      if (this.conn?.open) this.resolveCollision(this.conn.open.bgpId);
      return;
    }
    this.log.info({ state }, 'refusing incoming connection: a session already exists');
    this.reject(link, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION);
  }

  // ---- FSM ----------------------------------------------------------------------------------

  private dispatch(e: FsmEvent): void {
    const from = this.fsm.name;
    const t = transition(this.fsm, e, this.fsmConfig, this.clock.now());
    this.fsm = t.state;
    if (t.state.name !== from) {
      if (t.state.name === 'Established') this.restarting = false; // the restart is over for this peer
      if (t.state.name === 'Established' || from === 'Established') {
        // Up, or the drop: the first failure after it is the drop itself.
        this.stretchSince = this.clock.now();
        this.failedSinceUp = from === 'Established';
      }
      this.log.info({ from, to: t.state.name, event: e.type }, 'state change');
    } else {
      this.log.trace({ state: from, event: e.type }, 'event');
    }
    for (const a of t.actions) this.act(a);
    if (t.state.name !== from) this.hooks.stateChange(this, from, t.state.name);
  }

  private act(a: FsmAction): void {
    switch (a.type) {
      case 'connect':
        return this.connect();
      case 'drop-connection':
        return this.dropConnection();
      case 'send-open':
        if (this.conn) this.send(buildOpen(this.local, this.config, this.restarting));
        return;
      case 'send-keepalive':
        return this.send({ type: 'keepalive' });
      case 'send-notification': {
        const { code, subcode } = a.message;
        this.log.warn({ code, subcode, error: errorName(code, subcode) }, 'sending NOTIFICATION');
        // Cease, hold and send hold timer: the reason was recorded where it arose, in better words.
        if (code !== ErrorCode.CEASE && code !== ErrorCode.SEND_HOLD_TIMER_EXPIRED && code !== ErrorCode.HOLD_TIMER_EXPIRED) {
          this.fail(`sent NOTIFICATION ${errorName(code, subcode)}`);
        }
        return this.send(a.message);
      }
      case 'start-timer':
        return this.startTimer(a.timer, a.seconds);
      case 'stop-timer':
        return this.stopTimer(a.timer);
      case 'session-up': {
        this.log.info({ holdTime: a.holdTime, families: this.negotiated?.families, ctx: this.negotiated?.ctx }, 'session established');
        this.error = undefined;
        this.startSendHold(a.holdTime);
        return this.hooks.established(this);
      }
      case 'session-down':
        this.log.info('session down');
        this.sendHold?.stop();
        this.sendHold = null;
        return this.hooks.down(this);
    }
  }

  /** RFC 9687: drop a peer that takes nothing we send for the send hold time. */
  private startSendHold(holdTime: number): void {
    const c = this.conn;
    if (!c) return;
    const seconds = this.config.sendHoldTime ?? defaultSendHoldTime(holdTime);
    this.sendHold?.stop();
    this.sendHold = new SendHoldTimer(
      this.clock,
      seconds,
      {
        get backlog() {
          return c.link.backlog;
        },
        get accepted() {
          return c.written - c.link.backlog;
        },
      },
      () => {
        if (c !== this.conn) return;
        this.fail(`send hold timer expired: the peer took nothing of ${c.link.backlog} octets for ${seconds} s`);
        this.log.warn({ sendHoldTime: seconds, backlog: c.link.backlog }, 'send hold timer expired: dropping the session (RFC 9687)');
        this.dispatch({ type: 'SendHoldTimerExpires' });
      },
    );
    this.sendHold.wrote();
  }

  private startTimer(timer: TimerName, seconds: number): void {
    this.stopTimer(timer);
    const factor = JITTERED.has(timer) ? 0.75 + 0.25 * this.random() : 1;
    const event = `${timer}TimerExpires` as
      | 'ConnectRetryTimerExpires'
      | 'HoldTimerExpires'
      | 'KeepaliveTimerExpires'
      | 'IdleHoldTimerExpires';
    this.timers.set(
      timer,
      this.clock.after(seconds * 1000 * factor, () => {
        this.timers.delete(timer);
        if (timer === 'IdleHold' && this.stopped) return;
        if (timer === 'Hold') this.fail(`hold timer expired: the peer sent nothing for ${this.fsm.holdTime} s`);
        this.dispatch({ type: event });
      }),
    );
  }

  private stopTimer(timer: TimerName): void {
    this.timers.get(timer)?.cancel();
    this.timers.delete(timer);
  }

  // ---- connections --------------------------------------------------------------------------

  private connect(): void {
    this.connecting?.cancel();
    const attempt = this.transport.connect({
      up: (link) => {
        if (this.connecting !== attempt) return link.close();
        this.connecting = null;
        this.adopt(link);
        this.dispatch({ type: 'TcpCrAcked' });
      },
      failed: (why, note) => {
        if (this.connecting !== attempt) return;
        this.connecting = null;
        // Every failure is the peer's last error (a peer stuck in Active must say why); only a
        // protection that could not be set is worth an error in the log each time.
        this.fail(why);
        if (note) this.log.error({ err: why }, 'cannot connect');
        else this.log.debug({ err: why }, 'connect failed');
        this.dispatch({ type: 'TcpConnectionFails' });
      },
    });
    this.connecting = attempt;
  }

  private makeConn(link: Connection): Conn {
    return { link, framer: new Framer(), ctx: DEFAULT_CONTEXT, written: 0 };
  }

  private adopt(link: Connection): void {
    const c = this.makeConn(link);
    this.conn = c;
    this.negotiated = null;
    this.wire(c);
    this.log.debug({ outgoing: link.outgoing, local: link.localAddress }, 'connection up');
  }

  private wire(c: Conn): void {
    c.link.attach({
      data: (chunk) => this.onData(c, chunk),
      closed: () => this.onClose(c),
      drain: () => {
        if (c === this.conn && this.fsm.name === 'Established') this.hooks.drain(this);
      },
    });
  }

  private dropConnection(): void {
    // A connect that never got an answer: with TCP-MD5 or TTL security that is all the kernel lets us see.
    const hint = this.transport.unansweredHint;
    if (this.connecting && !this.stopped && hint !== undefined) this.fail(hint);
    this.sendHold?.stop();
    this.sendHold = null;
    this.connecting?.cancel();
    this.connecting = null;
    const c = this.conn;
    this.conn = null;
    this.negotiated = null;
    c?.link.close();
  }

  private onClose(c: Conn): void {
    if (c === this.candidate) {
      this.candidate = null;
      return;
    }
    if (c !== this.conn) return;
    this.log.info({ state: this.fsm.name }, 'connection closed by peer');
    if (this.fsm.name === 'Established' || this.fsm.name === 'OpenConfirm' || this.fsm.name === 'OpenSent') {
      // Unexplained: whatever we noted before (a refused connect) is not why this one ended.
      this.fail('connection closed by the peer');
    }
    this.conn = null;
    this.dispatch({ type: 'TcpConnectionFails' });
  }

  /** Refuse or dump a connection with a Cease saying why. */
  private reject(link: Connection, subcode: CeaseSubcodeValue, shutdownMessage?: string): void {
    link.write(encodeMessage(cease(subcode, shutdownMessage), DEFAULT_CONTEXT));
    link.close();
  }

  private dumpCandidate(subcode: CeaseSubcodeValue, shutdownMessage?: string): void {
    const c = this.candidate;
    if (!c) return;
    this.candidate = null;
    this.reject(c.link, subcode, shutdownMessage);
  }

  /**
   * RFC 4271 6.8: keep the connection opened by the side with the higher BGP identifier. The
   * candidate is always the peer's (incoming) connection.
   */
  private resolveCollision(peerId: string): void {
    const cand = this.candidate;
    const cur = this.conn;
    if (!cand || !cur) return;
    const ours = bgpIdValue(this.local.routerId);
    const theirs = bgpIdValue(peerId);
    const keepIncoming = ours < theirs;
    if (!keepIncoming || !cur.link.outgoing) {
      this.log.info({ ourId: this.local.routerId, peerId }, 'collision: keeping the existing connection');
      this.dumpCandidate(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION);
      return;
    }
    this.log.info({ ourId: this.local.routerId, peerId }, "collision: keeping the peer's connection");
    // Dump ours; the FSM carries on from OpenSent over the candidate, whose OPEN we already sent.
    this.candidate = null;
    this.reject(cur.link, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION);
    this.conn = cand;
    this.negotiated = null;
    this.dispatch({ type: 'OpenCollisionSwitch' });
    if (cand.open) this.onOpen(cand, cand.open);
  }

  // ---- receiving ----------------------------------------------------------------------------

  private onData(c: Conn, chunk: Uint8Array): void {
    if (c !== this.conn && c !== this.candidate) return;
    let frames: Uint8Array[];
    try {
      frames = c.framer.push(chunk);
    } catch (e) {
      return this.onDecodeError(c, e);
    }
    for (const bytes of frames) {
      if (c !== this.conn && c !== this.candidate) return; // dropped while handling an earlier message
      let msg: BgpMessage;
      try {
        msg = decodeFramed(bytes, c.ctx); // the framer checked the header
      } catch (e) {
        return this.onDecodeError(c, e);
      }
      if (c === this.conn) this.stats.messagesReceived++;
      this.onMessage(c, msg);
    }
  }

  private onDecodeError(c: Conn, e: unknown): void {
    if (!(e instanceof BgpError)) throw e;
    this.log.warn({ code: e.code, subcode: e.subcode, reason: e.reason, data: toHex(e.data) }, 'malformed message from peer');
    this.fail(`malformed message from peer: ${e.message}`);
    if (c === this.candidate) return this.dumpCandidate(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION);
    this.dispatch(eventForError(e));
  }

  private onMessage(c: Conn, msg: BgpMessage): void {
    if (c === this.candidate) {
      // Only OPEN matters on a candidate; anything else before the collision is resolved is dropped.
      if (msg.type === 'open') {
        c.open = msg;
        this.resolveCollision(msg.bgpId);
      } else if (msg.type === 'notification') {
        this.candidate = null;
        c.link.close();
      }
      return;
    }
    switch (msg.type) {
      case 'open':
        c.open = msg;
        if (this.candidate) {
          this.resolveCollision(msg.bgpId);
          if (c !== this.conn) return;
        }
        return this.onOpen(c, msg);
      case 'keepalive':
        return this.dispatch({ type: 'KeepAliveMsg' });
      case 'notification': {
        const text = `${errorName(msg.code, msg.subcode)}${msg.shutdownMessage ? `: ${msg.shutdownMessage}` : ''}`;
        this.fail(`received NOTIFICATION ${text}`);
        this.log.warn({ code: msg.code, subcode: msg.subcode, data: toHex(msg.data), shutdownMessage: msg.shutdownMessage }, `received NOTIFICATION ${text}`);
        // RFC 4271 8.2.2: an Unsupported Version NOTIFICATION is event 24, not 25.
        const verErr = msg.code === ErrorCode.OPEN_MESSAGE && msg.subcode === 1;
        return this.dispatch(verErr ? { type: 'NotifMsgVerErr' } : { type: 'NotifMsg', code: msg.code, subcode: msg.subcode });
      }
      case 'update':
        this.stats.updatesReceived++;
        this.dispatch({ type: 'UpdateMsg' });
        if (this.fsm.name === 'Established') {
          if (msg.errorHandling) {
            this.log.warn({ errorHandling: msg.errorHandling }, 'malformed UPDATE handled per RFC 7606');
          }
          this.hooks.update(this, msg);
        }
        return;
      case 'route-refresh': {
        this.dispatch({ type: 'UpdateMsg' });
        const family = familyOf(msg.afi, msg.safi);
        if (this.fsm.name !== 'Established' || msg.subtype !== 'normal') return;
        if (!family || !this.negotiated?.families.includes(family)) {
          // RFC 2918 4: a refresh for a family not negotiated is ignored.
          this.log.info({ afi: msg.afi, safi: msg.safi }, 'ignoring ROUTE-REFRESH for a family not negotiated');
          return;
        }
        return this.hooks.routeRefresh(this, family, msg);
      }
    }
  }

  private onOpen(c: Conn, open: OpenMessage): void {
    if (this.fsm.name !== 'OpenSent') return this.dispatch({ type: 'BgpOpen', holdTime: open.holdTime });
    try {
      this.negotiated = negotiate(this.local, this.config, open);
    } catch (e) {
      if (!(e instanceof BgpError)) throw e;
      this.fail(`rejected the peer's OPEN: ${e.message}`);
      this.log.warn({ code: e.code, subcode: e.subcode, reason: e.reason }, 'rejecting OPEN');
      return this.dispatch(eventForError(e));
    }
    c.ctx = this.negotiated.ctx;
    c.framer.setContext(this.negotiated.ctx);
    this.log.info({ peerAsn: this.negotiated.peerAsn, peerRouterId: open.bgpId, holdTime: open.holdTime }, 'received OPEN');
    this.dispatch({ type: 'BgpOpen', holdTime: open.holdTime });
  }
}

/** A BGP identifier as the unsigned number RFC 4271 6.8 compares. */
function bgpIdValue(id: string): number {
  const b = parseIPv4(id);
  return b ? new DataView(b.buffer).getUint32(0) : 0;
}
