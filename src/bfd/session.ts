// One BFD session (RFC 5880, asynchronous mode, single hop RFC 5881): the state machine of 6.8.6
// and the timers of 6.8.2-6.8.4, driven by the injected Clock. No sockets here: packets come in
// through receive() (already decoded and matched to the session) and go out through `send`.

import type { Clock, TimerHandle } from '../clock.js';
import { BfdDiag, type BfdPacket, type BfdState } from './packet.js';

export interface BfdTimers {
  /** Milliseconds. */
  readonly minTx: number;
  readonly minRx: number;
  readonly multiplier: number;
}

/** RFC 5880 6.8.3: at least one second between packets while the session is not Up. */
const SLOW_MS = 1000;

export interface BfdSessionOptions {
  /** Jitter source, 0..1 (tests fix it). */
  readonly random?: () => number;
  /** Send the C bit: this BFD runs apart from the BGP control plane (the BFD process). */
  readonly controlPlaneIndependent?: boolean;
}

export class BfdSession {
  private state: BfdState = 'Down';
  private diag: number = BfdDiag.NONE;
  private remoteDiscr = 0;
  /** What the peer asked for, milliseconds; until it says, 1 µs (RFC 5880 6.8.1). */
  private remoteMinRx = 0.001;
  private remoteDesiredTx = 0;
  private remoteMult = 0;
  private polling = false;
  private txTimer: TimerHandle | null = null;
  private detectTimer: TimerHandle | null = null;
  private running = false;
  /** Up -> Down transitions, for `announcer peers` and the metrics. */
  flaps = 0;

  private readonly random: () => number;
  private readonly cpi: boolean;

  constructor(
    readonly localDiscr: number,
    private timers: BfdTimers,
    private readonly clock: Clock,
    private readonly send: (p: BfdPacket) => void,
    private readonly changed: (from: BfdState, to: BfdState, diag: number) => void,
    options: BfdSessionOptions = {},
  ) {
    this.random = options.random ?? Math.random;
    this.cpi = options.controlPlaneIndependent ?? false;
  }

  /**
   * New timers for a running session (a restarted daemon adopts it with other settings): the state
   * stays, and a Poll sequence tells the peer of the new rates (RFC 5880 6.8.3).
   */
  retime(timers: BfdTimers): void {
    const t = this.timers;
    if (t.minTx === timers.minTx && t.minRx === timers.minRx && t.multiplier === timers.multiplier) return;
    this.timers = timers;
    if (!this.running) return;
    this.polling = true;
    if (this.remoteMult > 0) this.armDetection();
    this.transmit(false);
    this.scheduleTx();
  }

  get sessionState(): BfdState {
    return this.state;
  }

  /** What we ask of the peer now: the configured rates once Up, at most one packet a second before. */
  private get desiredMinTx(): number {
    return this.state === 'Up' ? this.timers.minTx : Math.max(this.timers.minTx, SLOW_MS);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.scheduleTx();
  }

  /** Tell the peer we are going down on purpose (AdminDown), then stop. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.txTimer?.cancel();
    this.detectTimer?.cancel();
    this.txTimer = this.detectTimer = null;
    const from = this.state;
    this.state = 'AdminDown';
    this.diag = BfdDiag.ADMIN_DOWN;
    this.transmit(false);
    if (from !== 'AdminDown') this.changed(from, 'AdminDown', this.diag);
  }

  /** RFC 5880 6.8.6, from "Set bfd.RemoteDiscr" on (the packet passed the checks before it). */
  receive(p: BfdPacket): void {
    if (!this.running) return;
    const interval = this.txInterval;
    this.remoteDiscr = p.myDiscr;
    this.remoteMinRx = p.requiredMinRx / 1000;
    this.remoteDesiredTx = p.desiredMinTx / 1000;
    this.remoteMult = p.detectMult;
    if (p.final) this.polling = false;
    this.armDetection();
    if (this.state === 'AdminDown') return;
    if (p.state === 'AdminDown') {
      if (this.state !== 'Down') this.to('Down', BfdDiag.NEIGHBOR_SIGNALED_DOWN);
    } else if (this.state === 'Down') {
      if (p.state === 'Down') this.to('Init', BfdDiag.NONE);
      else if (p.state === 'Init') this.to('Up', BfdDiag.NONE);
    } else if (this.state === 'Init') {
      if (p.state === 'Init' || p.state === 'Up') this.to('Up', BfdDiag.NONE);
    } else if (p.state === 'Down') {
      this.to('Down', BfdDiag.NEIGHBOR_SIGNALED_DOWN);
    }
    // 6.8.7: a Poll is answered at once with Final, outside the periodic schedule.
    if (p.poll) this.transmit(true);
    // The peer changed the rate it accepts (FRR lowers it with a Poll as it comes Up): the packet
    // already scheduled at the old rate would come too late for its new detection time (or too
    // early for a slower one), so the schedule restarts at the new rate.
    if (this.txInterval !== interval) this.scheduleTx();
  }

  /** Milliseconds between our packets: what we want, but never faster than the peer accepts (6.8.7). */
  private get txInterval(): number {
    return Math.max(this.desiredMinTx, this.remoteMinRx);
  }

  private to(next: BfdState, diag: number): void {
    const from = this.state;
    if (from === next) return;
    this.state = next;
    this.diag = diag;
    if (from === 'Up') this.flaps++;
    // 6.8.3: the rates change with Up (one second before, the configured ones after): a Poll
    // sequence tells the peer, and the next packet goes out now rather than a second from now.
    this.polling = next === 'Up' || from === 'Up';
    if (next === 'Down') this.remoteDiscr = 0;
    this.changed(from, next, diag);
    if (this.running) {
      this.transmit(false);
      this.scheduleTx();
    }
  }

  /** The detection time (6.8.4): the peer's multiplier times the slower of its rate and what we accept. */
  private armDetection(): void {
    this.detectTimer?.cancel();
    const ms = this.remoteMult * Math.max(this.timers.minRx, this.remoteDesiredTx);
    this.detectTimer = this.clock.after(ms, () => {
      this.detectTimer = null;
      if (this.state === 'Init' || this.state === 'Up') this.to('Down', BfdDiag.CONTROL_DETECTION_TIME_EXPIRED);
    });
  }

  /** 6.8.7: every interval, jittered to 75-100% (75-90% with a multiplier of 1). */
  private scheduleTx(): void {
    this.txTimer?.cancel();
    this.txTimer = null;
    if (!this.running) return;
    // A peer that asks for no packets (Required Min RX 0) gets none until it says otherwise.
    if (this.remoteMinRx === 0) return;
    const interval = this.txInterval;
    const spread = this.timers.multiplier === 1 ? 0.15 : 0.25;
    this.txTimer = this.clock.after(interval * (1 - spread * this.random()), () => {
      this.txTimer = null;
      this.transmit(false);
      this.scheduleTx();
    });
  }

  private transmit(final: boolean): void {
    this.send({
      diag: this.diag,
      state: this.state,
      // A Final never carries Poll (6.8.7).
      poll: this.polling && !final,
      final,
      controlPlaneIndependent: this.cpi,
      detectMult: this.timers.multiplier,
      myDiscr: this.localDiscr,
      yourDiscr: this.remoteDiscr,
      desiredMinTx: Math.round(this.desiredMinTx * 1000),
      requiredMinRx: Math.round(this.timers.minRx * 1000),
      requiredMinEchoRx: 0,
    });
  }
}
