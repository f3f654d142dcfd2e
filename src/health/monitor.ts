// The health-check engine: which targets are watched, when each is probed, and what its results
// make of it. Paths refer to a check by name; a path's values fill the check in to a target, and
// paths that come to the same target share it (one probe however many paths). Each target runs
// its own rise/fall count:
//
//   pending --pass--> up      pending --fail--> down        (the first result decides at once)
//   up --`fall` failures in a row--> down      down --`rise` passes in a row--> up
//
// Probes are started every `interval` per target, at most `maxInFlight` at once; due targets
// wait in a FIFO. Nothing here blocks or waits on a probe: results arrive as promises, and time
// comes only from the injected Clock, so tests drive it by hand.

import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import { DueQueue, type Queueable } from './due-queue.js';
import { expandProbe, targetKey, targetText, type ExpandedProbe, type TargetVars } from './expand.js';
import type { Prober, ProbeResult } from './prober.js';
import type { HealthCheckSpec } from './spec.js';
import { SystemProber } from './system-prober.js';

export type HealthState = 'up' | 'down' | 'pending';

export interface TargetHealth {
  /** pending: never probed yet (announced or not as the check's `initial` says). */
  readonly state: HealthState;
  /** When it entered that state (the clock's milliseconds), or was first watched while pending. */
  readonly since: number;
  /** The most recent failure's detail, kept after the target is up again (like a peer's lastError). */
  readonly lastError?: string;
  /** When that failure was. */
  readonly lastErrorAt?: number;
  readonly check: string;
  /** What is probed: the URL, host:port or the command line. */
  readonly target: string;
}

/** Called on each change of a target's state; `reason` is the deciding probe's detail. */
export type HealthListener = (id: number, before: HealthState, after: HealthState, reason: string) => void;

export interface HealthCheckSummary {
  readonly up: number;
  readonly down: number;
  readonly pending: number;
  /** Changes between up and down since start (a first result, out of pending, is not one). */
  readonly transitions: number;
}

export interface HealthMonitorOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** Probes running at once, over all checks; default 32. */
  readonly maxInFlight?: number;
  /** Default: the real one (HTTP, TCP, commands). */
  readonly prober?: Prober;
  /** In [0, 1): spreads the first probes of new targets. Default Math.random. */
  readonly random?: () => number;
}

const DEFAULT_MAX_IN_FLIGHT = 32;

/** One probe in flight. */
interface Run {
  readonly controller: AbortController;
  timeout: TimerHandle;
  /** Its result (or its timeout) has been counted; anything later is ignored. */
  decided: boolean;
}

interface Check {
  readonly spec: HealthCheckSpec;
  transitions: number;
}

class Target implements Queueable<Target> {
  refs = 1;
  state: HealthState = 'pending';
  since: number;
  lastError: string | undefined;
  lastErrorAt: number | undefined;
  /** Consecutive results against the current state: failures while up, passes while down. */
  streak = 0;
  /** The next time it is due. */
  timer: TimerHandle | null = null;
  run: Run | null = null;
  /** It came due while its last probe had not let go yet: queued as soon as it does. */
  dueWhileRunning = false;
  /** No longer watched: its in-flight probe's result is dropped. */
  removed = false;
  queuePrev: Target | null = null;
  queueNext: Target | null = null;
  queued = false;

  constructor(
    readonly id: number,
    readonly check: Check,
    readonly key: string,
    readonly probe: ExpandedProbe,
    readonly text: string,
    now: number,
  ) {
    this.since = now;
  }
}

/** A probe's timeout that fires this much late (or half its time) was held up by the event loop. */
const LATE_MS = 50;

export class HealthMonitor {
  private readonly checks = new Map<string, Check>();
  private readonly byId = new Map<number, Target>();
  private readonly byKey = new Map<string, Target>();
  /** Ids of targets no longer watched, to hand out again (ids stay small and dense). */
  private readonly freeIds: number[] = [];
  private nextId = 1;
  private readonly queue = new DueQueue<Target>();
  /**
   * Every probe whose promise has not settled, also after its result was counted (for stop()); its
   * size is the number of slots in use (a slot is freed when the prober lets go, see release()).
   */
  private readonly settling = new Set<Promise<void>>();
  private readonly listeners = new Set<HealthListener>();
  private stopped = false;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly maxInFlight: number;
  private readonly prober: Prober;
  private readonly random: () => number;

  constructor(checks: readonly HealthCheckSpec[], options: HealthMonitorOptions) {
    for (const spec of checks) {
      if (this.checks.has(spec.name)) throw new Error(`health check "${spec.name}" is defined twice`);
      this.checks.set(spec.name, { spec, transitions: 0 });
    }
    this.clock = options.clock;
    this.log = options.log;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.prober = options.prober ?? new SystemProber(options.clock);
    this.random = options.random ?? Math.random;
  }

  /**
   * Starts watching what check `check` makes of `vars`, or adds a reference to that target when
   * it is already watched. Returns its id. Throws an Error naming the check when there is no such
   * check, or when the values make no target.
   */
  watch(check: string, vars: TargetVars): number {
    const c = this.checks.get(check);
    if (!c) {
      const known = [...this.checks.keys()];
      throw new Error(`unknown health check "${check}" (${known.length === 0 ? 'no checks are configured' : `configured: ${known.join(', ')}`})`);
    }
    let probe: ExpandedProbe;
    try {
      probe = expandProbe(c.spec.probe, vars);
    } catch (e) {
      throw new Error(`health check "${check}": ${e instanceof Error ? e.message : String(e)}`);
    }
    const key = targetKey(check, probe);
    const shared = this.byKey.get(key);
    if (shared) {
      shared.refs++;
      return shared.id;
    }
    const id = this.freeIds.pop() ?? this.nextId++;
    const t = new Target(id, c, key, probe, targetText(probe), this.clock.now());
    this.byId.set(id, t);
    this.byKey.set(key, t);
    if (!this.stopped) {
      // Soon, but spread over a tenth of the interval: 10,000 paths added at once (a restart)
      // must not fire 10,000 probes in the same instant.
      const jitter = Math.floor(this.random() * (c.spec.interval / 10));
      t.timer = this.clock.after(jitter, () => this.due(t));
    }
    return id;
  }

  /** Drops one reference; the last one stops the target's probes (and frees its id). False: no such id. */
  unwatch(id: number): boolean {
    const t = this.byId.get(id);
    if (!t) return false;
    if (--t.refs > 0) return true;
    t.removed = true;
    t.timer?.cancel();
    t.timer = null;
    this.queue.remove(t);
    // Its slot is given back when the prober lets go (see release()).
    t.run?.controller.abort();
    this.byId.delete(id);
    this.byKey.delete(t.key);
    this.freeIds.push(id);
    return true;
  }

  state(id: number): TargetHealth {
    const t = this.target(id);
    return {
      state: t.state,
      since: t.since,
      ...(t.lastError === undefined ? {} : { lastError: t.lastError, lastErrorAt: t.lastErrorAt! }),
      check: t.check.spec.name,
      target: t.text,
    };
  }

  /** The target's state alone (state() without the object: asked per path when routes are sent). */
  stateOf(id: number): HealthState {
    return this.target(id).state;
  }

  /** Whether the target's paths are announced as they are: up, or never probed with `initial: up`. */
  isAnnounced(id: number): boolean {
    const t = this.target(id);
    return t.state === 'up' || (t.state === 'pending' && t.check.spec.initial === 'up');
  }

  /** How many paths refer to the target. */
  references(id: number): number {
    return this.target(id).refs;
  }

  /** Calls `listener` on every change of a target's state, until the returned function is called. */
  onChange(listener: HealthListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Per check (every configured one, watched or not): targets in each state, and up/down changes. */
  summary(): Record<string, HealthCheckSummary> {
    const counts = new Map<Check, { up: number; down: number; pending: number }>();
    for (const c of this.checks.values()) counts.set(c, { up: 0, down: 0, pending: 0 });
    for (const t of this.byId.values()) counts.get(t.check)![t.state]++;
    const out: Record<string, HealthCheckSummary> = {};
    for (const [c, n] of counts) out[c.spec.name] = { ...n, transitions: c.transitions };
    return out;
  }

  /** Probes running now (for tests). */
  get probesInFlight(): number {
    return this.settling.size;
  }

  /** Probes due and waiting for a slot (for tests). */
  get probesQueued(): number {
    return this.queue.length;
  }

  /** Cancels every timer and probe; resolves when the probers have let go of what they held. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.clear();
    for (const t of this.byId.values()) {
      t.timer?.cancel();
      t.timer = null;
      t.run?.controller.abort();
    }
    await Promise.allSettled([...this.settling]);
  }

  private target(id: number): Target {
    const t = this.byId.get(id);
    if (!t) throw new Error(`no health check target ${id}`);
    return t;
  }

  private due(t: Target): void {
    t.timer = null;
    if (t.removed || this.stopped) return;
    // Never two probes of one target at once: it waits until the last one lets go.
    if (t.run) {
      t.dueWhileRunning = true;
      return;
    }
    this.queue.push(t);
    this.pump();
  }

  /** Starts waiting probes while there are free slots. */
  private pump(): void {
    while (!this.stopped && this.settling.size < this.maxInFlight) {
      const t = this.queue.shift();
      if (!t) return;
      this.start(t);
    }
  }

  private start(t: Target): void {
    const spec = t.check.spec;
    const controller = new AbortController();
    // The timeout first, so that with timeout = interval the result is counted before the next round.
    const startedAt = this.clock.now();
    // A timer that fires well after its time means the event loop was held (start-up work, a big
    // table change, a pause): an answer may be waiting unread behind it. Such a late timeout gets
    // one more full timeout from now instead of counting as a failure.
    const expire = (deadline: number, retried: boolean): TimerHandle =>
      this.clock.after(Math.max(0, deadline - this.clock.now()), () => {
        const late = this.clock.now() - deadline;
        if (!retried && late > Math.max(LATE_MS, t.probe.timeout / 2)) {
          run.timeout = expire(this.clock.now() + t.probe.timeout, true);
          return;
        }
        this.decide(t, run, { ok: false, detail: 'timeout' });
        controller.abort();
      });
    const run: Run = { controller, decided: false, timeout: expire(startedAt + t.probe.timeout, false) };
    t.run = run;
    // Every interval from this start, however long this probe takes.
    t.timer = this.clock.after(spec.interval, () => this.due(t));
    let result: Promise<ProbeResult>;
    try {
      result = this.prober.probe(t.probe, controller.signal);
    } catch (e) {
      result = Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const settled = result
      .then(
        (r) => this.decide(t, run, r),
        (e: unknown) => this.decide(t, run, { ok: false, detail: e instanceof Error ? e.message : String(e) }),
      )
      // Said, never left as an unhandled rejection (which would end the daemon).
      .catch((e: unknown) => this.log.error({ err: e, check: spec.name, target: t.text }, 'health check result not handled'))
      .finally(() => {
        this.settling.delete(settled);
        this.release(t, run);
      });
    this.settling.add(settled); // its slot, from now until the prober lets go
  }

  /** The prober let go: the slot is free again (not before, so the bound holds for real sockets and processes). */
  private release(t: Target, run: Run): void {
    run.timeout.cancel();
    if (t.run === run) t.run = null;
    if (t.dueWhileRunning && !t.removed && !this.stopped) {
      t.dueWhileRunning = false;
      this.queue.push(t);
    }
    this.pump();
  }

  private decide(t: Target, run: Run, result: ProbeResult): void {
    if (run.decided || t.removed || this.stopped) return;
    run.decided = true;
    const { ok, detail } = result;
    if (!ok) {
      t.lastError = detail;
      t.lastErrorAt = this.clock.now();
    }
    const spec = t.check.spec;
    if (t.state === 'pending') {
      this.change(t, ok ? 'up' : 'down', detail);
    } else if ((t.state === 'up') === ok) {
      t.streak = 0;
    } else if (++t.streak >= (ok ? spec.rise : spec.fall)) {
      this.change(t, ok ? 'up' : 'down', detail);
    }
  }

  private change(t: Target, to: HealthState, reason: string): void {
    const from = t.state;
    const inARow = t.streak;
    t.state = to;
    t.since = this.clock.now();
    t.streak = 0;
    if (from !== 'pending') t.check.transitions++;
    const fields = { check: t.check.spec.name, target: t.text, from, to, reason, ...(from === 'pending' ? {} : { inARow }) };
    if (to === 'down') this.log.warn(fields, 'health check target down');
    else this.log.info(fields, 'health check target up');
    for (const listener of [...this.listeners]) {
      try {
        listener(t.id, from, to, reason);
      } catch (e) {
        // One listener's bug must not stop the others, nor the probes.
        this.log.error({ err: e, check: fields.check, target: t.text }, 'health change listener failed');
      }
    }
  }
}
