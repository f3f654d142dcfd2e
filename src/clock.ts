// The only place that touches real time. Everything that waits takes a Clock, so tests drive time
// by hand instead of sleeping.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Run `fn` once after `ms` milliseconds, unless cancelled first. */
  after(ms: number, fn: () => void): TimerHandle;
  /** Run `fn` soon: after the I/O already waiting (the next turn of the event loop). */
  soon(fn: () => void): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  soon(fn) {
    setImmediate(fn);
  },
};

/** A clock that moves only when told to: for unit tests. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  private readonly queue: (() => void)[] = [];

  constructor(start = 1_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return { cancel: () => this.timers.delete(id) };
  }

  soon(fn: () => void): void {
    this.queue.push(fn);
  }

  /** Run what was scheduled with soon(), and what that schedules, until nothing is left. */
  runSoon(): void {
    for (let i = 0; this.queue.length > 0; i++) {
      if (i > 1_000_000) throw new Error('ManualClock.runSoon: work that never ends');
      this.queue.shift()!();
    }
  }

  /** Move time forward, firing due timers in order (and soon() work before each). */
  advance(ms: number): void {
    const end = this.t + ms;
    this.runSoon();
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
      this.runSoon();
    }
    this.t = end;
  }

  get pending(): number {
    return this.timers.size;
  }
}
