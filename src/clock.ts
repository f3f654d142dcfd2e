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

// ---- the event loop's turns --------------------------------------------------------------------
// BFD, keepalives and the API share one event loop: work that would hold it long (a million-path
// ReplacePaths, a restore, a listing) runs in slices with a turn of the loop between them. A turn
// is not time (nothing waits for a moment to pass), so this is real setImmediate even under a
// ManualClock: unit tests still never sleep, they run the turns as they come.

/** About this long of synchronous work per slice: far under any BFD detection time. */
const SLICE_MS = 5;
/** At most this many units per slice whatever the time (when the units are cheap, or time is not read). */
const SLICE_UNITS = 65_536;
/** Units between two readings of the time (reading it costs more than a cheap unit). */
const UNITS_PER_READING = 256;

/** Resolves on the next turn of the event loop, after the I/O and timers waiting now. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Cuts long synchronous work into slices: the work counts its units with spent(), and when that says
 * the slice is over it awaits next(), which lets the event loop turn and starts the next slice.
 */
export class Slices {
  private units = 0;
  private readAt = UNITS_PER_READING;
  private start = performance.now();

  constructor(
    private readonly ms = SLICE_MS,
    private readonly maxUnits = SLICE_UNITS,
  ) {}

  /** Counts `units` more units of work; true when this slice is over (then await next()). */
  spent(units = 1): boolean {
    this.units += units;
    if (this.units >= this.maxUnits) return true;
    if (this.units < this.readAt) return false;
    this.readAt = this.units + UNITS_PER_READING;
    return performance.now() - this.start >= this.ms;
  }

  /** The next slice, after a turn of the event loop. */
  async next(): Promise<void> {
    await nextTurn();
    this.restart();
  }

  /** A new slice from now (after the caller yielded some other way, e.g. waiting for a write). */
  restart(): void {
    this.units = 0;
    this.readAt = UNITS_PER_READING;
    this.start = performance.now();
  }
}

/**
 * Samples how late the event loop runs a timer due every `everyMs` milliseconds, the delay any
 * timer or packet would have seen (BFD's, a keepalive's), and tells `report` (in milliseconds).
 * The timer does not keep the process alive. Returns a function that stops the sampling.
 */
export function sampleLoopDelay(everyMs: number, report: (lateMs: number) => void): () => void {
  let due = performance.now() + everyMs;
  let timer: NodeJS.Timeout;
  const tick = (): void => {
    const now = performance.now();
    report(Math.max(0, now - due));
    due = now + everyMs;
    timer = setTimeout(tick, everyMs).unref();
  };
  timer = setTimeout(tick, everyMs).unref();
  return () => clearTimeout(timer);
}

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
  /**
   * As when the event loop is held for `ms`: time moves on first, then every timer that came due
   * meanwhile runs, late, in order (what a long synchronous block does to real timers).
   */
  stall(ms: number): void {
    this.t += ms;
    this.runDue(this.t, false);
  }

  advance(ms: number): void {
    const end = this.t + ms;
    this.runDue(end, true);
    this.t = end;
  }

  /** Runs every timer due by `until`, earliest first; `onTime`: the clock reads each one's own time as it runs. */
  private runDue(until: number, onTime: boolean): void {
    this.runSoon();
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= until && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      if (onTime) this.t = next[1].at;
      next[1].fn();
      this.runSoon();
    }
  }

  get pending(): number {
    return this.timers.size;
  }
}
