// RFC 9687 send hold timer: while we have bytes waiting for the peer, the peer must take some of
// them at least once per send hold time; a peer that takes nothing (a stuck or wedged router) is
// dropped, so its memory is released and the session can start again.
//
// Runs only while a backlog exists, checking progress once a second through the Clock.

import type { Clock, TimerHandle } from '../clock.js';

/** What the monitor reads from the connection. */
export interface SendProgress {
  /** Octets handed to the socket and not yet taken by the peer's side. */
  readonly backlog: number;
  /** Octets the peer's side has taken, in total (only grows). */
  readonly accepted: number;
}

/** RFC 9687 3: at least 8 minutes, and at least twice the hold time. */
export function defaultSendHoldTime(holdTime: number): number {
  return Math.max(480, 2 * holdTime);
}

const CHECK_MS = 1000;

export class SendHoldTimer {
  private timer: TimerHandle | null = null;
  private lastProgress = 0;
  private lastAccepted = 0;

  constructor(
    private readonly clock: Clock,
    /** Seconds; 0 turns the timer off. */
    private readonly seconds: number,
    private readonly progress: SendProgress,
    private readonly expired: () => void,
  ) {}

  /** Call after writing: starts watching if bytes now wait. */
  wrote(): void {
    if (this.timer || this.seconds === 0 || this.progress.backlog === 0) return;
    this.lastProgress = this.clock.now();
    this.lastAccepted = this.progress.accepted;
    this.arm();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private arm(): void {
    this.timer = this.clock.after(Math.min(CHECK_MS, this.seconds * 1000), () => this.check());
  }

  private check(): void {
    this.timer = null;
    if (this.progress.backlog === 0) return; // all taken: watch again on the next write
    const now = this.clock.now();
    const accepted = this.progress.accepted;
    if (accepted !== this.lastAccepted) {
      this.lastAccepted = accepted;
      this.lastProgress = now;
    } else if (now - this.lastProgress >= this.seconds * 1000) {
      this.expired();
      return;
    }
    this.arm();
  }
}
