// Where a journal write runs: on the event loop, or in libuv's thread pool.
//
// A small O_DSYNC write to a healthy disk takes about a tenth of a millisecond. Sent to the thread
// pool it costs two thread wake-ups besides, and on a busy machine each may wait for a scheduler
// tick: that, not the disk, made most of an AddPath's latency tail with a state file. So small
// records are written on the event loop while the disk is fast.
//
// The price of a write on the event loop is that BGP, BFD and the API wait for it. A disk that has
// become slow (a saturated volume, a stalled device) must not hold them up again and again: the
// first write that takes longer than `slowMs` sends the journal back to the thread pool for a
// back-off period, which doubles (up to `maxBackoffMs`) each time the disk is still slow when it
// ends, and starts small again once the disk has stayed fast for `maxBackoffMs`. Large records (a
// ReplacePaths of a whole table) always go to the thread pool.

export interface WriteModeOptions {
  /** Largest batch written on the event loop, in octets. */
  readonly maxBytes: number;
  /** A write on the event loop slower than this sends writes to the thread pool for a while. */
  readonly slowMs: number;
  readonly firstBackoffMs: number;
  readonly maxBackoffMs: number;
}

export const DEFAULT_WRITE_MODE: WriteModeOptions = {
  maxBytes: 64 * 1024,
  slowMs: 20,
  firstBackoffMs: 10_000,
  maxBackoffMs: 600_000,
};

export class JournalWriteMode {
  private backoffMs: number;
  /** Until when writes go to the thread pool (a clock time in ms). */
  private poolUntil = -Infinity;
  private lastSlow = -Infinity;

  constructor(private readonly options: WriteModeOptions = DEFAULT_WRITE_MODE) {
    this.backoffMs = options.firstBackoffMs;
  }

  /** May a batch of `bytes` octets be written on the event loop at `now`? */
  onLoop(bytes: number, now: number): boolean {
    return bytes <= this.options.maxBytes && now >= this.poolUntil;
  }

  /**
   * A write on the event loop took `ms` at `now`. When that was too slow, returns the back-off
   * (ms) during which writes go to the thread pool; otherwise null.
   */
  took(ms: number, now: number): number | null {
    if (ms <= this.options.slowMs) return null;
    if (now - this.lastSlow > this.backoffMs + this.options.maxBackoffMs) this.backoffMs = this.options.firstBackoffMs;
    else this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs);
    this.lastSlow = now;
    this.poolUntil = now + this.backoffMs;
    return this.backoffMs;
  }
}
