// Memory back after a large shrink. V8 runs a major collection only under allocation pressure, so
// a daemon that loaded a million paths and then emptied its table kept the heap it grew into
// (RSS 250-300 MiB against 100 at start) for as long as it stayed idle. After a large shrink, once
// the daemon is idle, one full collection gives it back (to about 20-30 MiB above the start): it
// holds the event loop for some tens of milliseconds, so it waits until no replace is applied and
// no peer is being sent anything, and a burst of shrinks costs one.

import type { Clock, TimerHandle } from '../clock.js';

export interface IdleCollectOptions {
  /** One full collection (the daemon passes V8's gc). */
  readonly collect: () => void;
  /** True while work runs that a pause would delay (a replace applied, a peer being sent). */
  readonly busy: () => boolean;
  readonly clock: Clock;
  /** Told after each collection: how long it held the loop, and the paths held at the peak and now. */
  readonly collected?: (info: { ms: number; peak: number; size: number }) => void;
  /** How long after the last large shrink (default 5 s): a re-sync's calls come in bursts. */
  readonly delayMs?: number;
  /** How long to wait again when the daemon is busy at that moment (default 1 s). */
  readonly retryMs?: number;
  /** A shrink of at least this many paths from the peak is large (default 100,000)... */
  readonly largePaths?: number;
  /** ... as is one to half the peak or less, of at least this many paths (default 10,000). */
  readonly halfPaths?: number;
}

/** What a table size tells the collector to do. */
export type CollectDecision = 'not' | 'later';

export class IdleCollector {
  /** The most paths held since the last collection. */
  private peak = 0;
  private size = 0;
  private timer: TimerHandle | null = null;
  /** Collections made. */
  count = 0;

  constructor(private readonly o: IdleCollectOptions) {}

  /** The table now holds `paths` paths (after a call changed it): a large shrink schedules a collection. */
  sized(paths: number): CollectDecision {
    this.size = paths;
    if (paths >= this.peak) {
      this.peak = paths;
      return this.timer ? 'later' : 'not';
    }
    const gone = this.peak - paths;
    const large = gone >= (this.o.largePaths ?? 100_000) || (gone >= (this.o.halfPaths ?? 10_000) && paths * 2 <= this.peak);
    if (!large) return this.timer ? 'later' : 'not';
    // From the last one: the calls of a re-sync (or a controller's deletes) come in bursts.
    this.timer?.cancel();
    this.timer = this.o.clock.after(this.o.delayMs ?? 5_000, () => this.due());
    return 'later';
  }

  /** Nothing more to do (the daemon stops). */
  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private due(): void {
    if (this.o.busy()) {
      this.timer = this.o.clock.after(this.o.retryMs ?? 1_000, () => this.due());
      return;
    }
    this.timer = null;
    const peak = this.peak;
    const t = this.o.clock.now();
    this.o.collect();
    this.count++;
    this.peak = this.size;
    this.o.collected?.({ ms: this.o.clock.now() - t, peak, size: this.size });
  }
}
