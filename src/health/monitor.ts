// The health-check engine: which targets are watched, when each is probed, and what its results
// make of it. Paths refer to a check by name; a path's values fill the check in to a target, and
// paths that come to the same target share it (one probe however many paths). Each target runs
// its own rise/fall count:
//
//   pending --pass--> up      pending --fail--> down        (the first result decides at once)
//   up --`fall` failures in a row--> down      down --`rise` passes in a row--> up
//
// Probes of a target are due every `interval`, on a fixed grid from its second probe (a late start
// does not push the later ones back; the first comes within a tenth of the interval, the second up
// to half an interval early, which spreads targets added together). HTTP and TCP probes, a socket and a timer each, run up to
// `maxSocketProbes` at once; commands, a process each, up to the lower `maxExecProbes`, so scripts
// that hang never hold up the sockets (ARCHITECTURE.md, "Health checks on time"). A due target
// waits for a slot of its kind in a FIFO. How late each probe starts is its lag: told to listeners
// (the metrics), kept per target (`announcer checks`), and logged, at most once a minute per check,
// while it is more than a tenth of the interval. Nothing here blocks or waits on a probe: results
// arrive as promises, and time comes only from the injected Clock, so tests drive it by hand.

import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import { DueQueue, type Queueable } from './due-queue.js';
import { expandProbe, placeholdersOf, targetKey, targetText, type ExpandedProbe, type Placeholder, type TargetVars } from './expand.js';
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
  /** How late its latest probe started after it was due (ms); absent until its first probe. */
  readonly lag?: number;
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

/** Called as each probe starts: its check, and how late after it was due (ms). */
export type ProbeStartListener = (check: string, lagMs: number) => void;

export interface HealthMonitorOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** HTTP and TCP probes running at once, over all checks; default DEFAULT_MAX_SOCKET_PROBES. */
  readonly maxSocketProbes?: number;
  /** Commands running at once, over all checks; default DEFAULT_MAX_EXEC_PROBES. */
  readonly maxExecProbes?: number;
  /** Default: the real one (HTTP, TCP, commands). */
  readonly prober?: Prober;
  /** In [0, 1): spreads the first and second probes of new targets. Default Math.random. */
  readonly random?: () => number;
}

/**
 * A target never has two probes at once and its timeout is at most its interval (config/health-checks.ts), so
 * socket probes in flight never outnumber the targets: this bound only matters past 4,096 targets
 * whose probes all hang. Each is a file descriptor and a few KiB; Node raises its open-file limit
 * to the hard limit at start (Debian's 1,048,576, systemd's 524,288), far above this.
 */
export const DEFAULT_MAX_SOCKET_PROBES = 4096;
/** A command is a process (a fork on the event loop, its memory, a slot in the process table). */
export const DEFAULT_MAX_EXEC_PROBES = 32;

/** A probe starts late when it starts more than a tenth of its interval, and at least this, after it was due. */
const LAG_WARN_MIN_MS = 100;
/** At most one warning per check about late probes in this time (and "on time again" after as long on time). */
const LAG_WARN_EVERY_MS = 60_000;

type ProbeKind = 'socket' | 'exec';

/** The probes of one kind: how many may run at once, how many do, and the targets waiting for a slot. */
interface Budget {
  readonly kind: ProbeKind;
  readonly max: number;
  running: number;
  readonly queue: DueQueue<Target>;
}

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
  /** Probes that started late since the last warning, and the worst of their lags (ms); see noteLag(). */
  lateProbes: number;
  worstLag: number;
  /** When its last warning was logged; null: its probes are on time (or never were late). */
  warnedAt: number | null;
  lastLateAt: number;
}

class Target implements Queueable<Target> {
  refs = 1;
  /** The byVars keys that lead here. */
  readonly varsKeys: string[] = [];
  state: HealthState = 'pending';
  since: number;
  lastError: string | undefined;
  lastErrorAt: number | undefined;
  /** Consecutive results against the current state: failures while up, passes while down. */
  streak = 0;
  /** The timer for its next due time. */
  timer: TimerHandle | null = null;
  /** When its next probe is (or was, while it waits) due. */
  dueAt: number;
  /** How late its latest probe started (ms); undefined before its first. */
  lag: number | undefined;
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
    readonly budget: Budget,
    now: number,
  ) {
    this.since = now;
    this.dueAt = now;
  }
}

/** A probe's timeout that fires this much late (or half its time) was held up by the event loop. */
const LATE_MS = 50;

export class HealthMonitor {
  private readonly checks = new Map<string, Check>();
  private readonly byId = new Map<number, Target>();
  private readonly byKey = new Map<string, Target>();
  /** Targets by the values a path fills in (several sets of values may make one target). */
  private readonly byVars = new Map<string, Target>();
  /** Each check's placeholders (see placeholdersOf). */
  private readonly used = new Map<string, readonly Placeholder[]>();
  /** Ids of targets no longer watched, to hand out again (ids stay small and dense). */
  private readonly freeIds: number[] = [];
  private nextId = 1;
  private readonly budgets: Readonly<Record<ProbeKind, Budget>>;
  /**
   * Every probe whose promise has not settled, also after its result was counted (for stop()); a
   * probe holds its budget's slot until then (the prober let go, see release()).
   */
  private readonly settling = new Set<Promise<void>>();
  private readonly listeners = new Set<HealthListener>();
  private readonly startListeners = new Set<ProbeStartListener>();
  private stopped = false;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly prober: Prober;
  private readonly random: () => number;

  constructor(checks: readonly HealthCheckSpec[], options: HealthMonitorOptions) {
    for (const spec of checks) {
      if (this.checks.has(spec.name)) throw new Error(`health check "${spec.name}" is defined twice`);
      this.checks.set(spec.name, { spec, transitions: 0, lateProbes: 0, worstLag: 0, warnedAt: null, lastLateAt: 0 });
    }
    this.clock = options.clock;
    this.log = options.log;
    const budget = (kind: ProbeKind, max: number): Budget => ({ kind, max: Math.max(1, max), running: 0, queue: new DueQueue<Target>() });
    this.budgets = {
      socket: budget('socket', options.maxSocketProbes ?? DEFAULT_MAX_SOCKET_PROBES),
      exec: budget('exec', options.maxExecProbes ?? DEFAULT_MAX_EXEC_PROBES),
    };
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
    // Paths that fill the check's placeholders alike share a target: found without expanding the
    // probe again (a million paths of a few thousand targets).
    let used = this.used.get(check);
    if (!used) this.used.set(check, (used = placeholdersOf(c.spec.probe)));
    const varsKey = `${check}\n${used.map((k) => vars[k]).join('\n')}`;
    const known = this.byVars.get(varsKey);
    if (known) {
      known.refs++;
      return known.id;
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
      shared.varsKeys.push(varsKey);
      this.byVars.set(varsKey, shared);
      return shared.id;
    }
    const id = this.freeIds.pop() ?? this.nextId++;
    const t = new Target(id, c, key, probe, targetText(probe), this.budgets[probe.kind === 'exec' ? 'exec' : 'socket'], this.clock.now());
    this.byId.set(id, t);
    this.byKey.set(key, t);
    t.varsKeys.push(varsKey);
    this.byVars.set(varsKey, t);
    if (!this.stopped) {
      // Soon, but spread over a tenth of the interval: 10,000 paths added at once (a restart)
      // must not fire 10,000 probes in the same instant.
      this.schedule(t, t.dueAt + Math.floor(this.random() * (c.spec.interval / 10)));
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
    t.budget.queue.remove(t);
    // Its slot is given back when the prober lets go (see release()).
    t.run?.controller.abort();
    this.byId.delete(id);
    this.byKey.delete(t.key);
    for (const k of t.varsKeys) this.byVars.delete(k);
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
      ...(t.lag === undefined ? {} : { lag: t.lag }),
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

  /** Calls `listener` as each probe starts, with how late it is, until the returned function is called. */
  onProbeStart(listener: ProbeStartListener): () => void {
    this.startListeners.add(listener);
    return () => void this.startListeners.delete(listener);
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
    return this.budgets.socket.queue.length + this.budgets.exec.queue.length;
  }

  /** Cancels every timer and probe; resolves when the probers have let go of what they held. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.budgets.socket.queue.clear();
    this.budgets.exec.queue.clear();
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

  /** The target is next due at `at` (never more than an interval from now: a wall clock set back must not stall it). */
  private schedule(t: Target, at: number): void {
    const now = this.clock.now();
    t.dueAt = Math.min(at, now + t.check.spec.interval);
    t.timer = this.clock.after(Math.max(0, t.dueAt - now), () => this.due(t));
  }

  private due(t: Target): void {
    t.timer = null;
    if (t.removed || this.stopped) return;
    // Never two probes of one target at once: it waits until the last one lets go.
    if (t.run) {
      t.dueWhileRunning = true;
      return;
    }
    t.budget.queue.push(t);
    this.pump(t.budget);
  }

  /** Starts waiting probes of the budget's kind while it has free slots. */
  private pump(budget: Budget): void {
    while (!this.stopped && budget.running < budget.max) {
      const t = budget.queue.shift();
      if (!t) return;
      this.start(t);
    }
  }

  private start(t: Target): void {
    const spec = t.check.spec;
    const controller = new AbortController();
    const startedAt = this.clock.now();
    const lag = Math.max(0, startedAt - t.dueAt);
    // The timeout first, so that with timeout = interval the result is counted before the next round.
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
    t.budget.running++;
    // The next one on the grid: an interval after this one was due, not after its (late) start;
    // due times it missed altogether (it waited longer than an interval) are skipped, not bunched.
    // After the first probe (when it was not itself late), up to half an interval sooner: targets
    // added together (first probes within a tenth of the interval) then spread over more than half
    // of it, instead of a thousand probes starting, and timing out, within the same 100 ms every second.
    const spread = t.lag === undefined && lag < spec.interval / 2 ? Math.floor(this.random() * (spec.interval / 2)) : 0;
    this.schedule(t, t.dueAt + spec.interval * (Math.floor(lag / spec.interval) + 1) - spread);
    this.noteLag(t, lag);
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
    t.budget.running--;
    if (t.run === run) t.run = null;
    if (t.dueWhileRunning && !t.removed && !this.stopped) {
      t.dueWhileRunning = false;
      t.budget.queue.push(t);
    }
    this.pump(t.budget);
  }

  /**
   * A probe of `t` starts `lag` ms after it was due: listeners hear it, the target keeps it, and
   * the log says so when its check's probes are late, at most once per LAG_WARN_EVERY_MS with the
   * count and the worst lag since the last warning; and once they are on time again.
   */
  private noteLag(t: Target, lag: number): void {
    t.lag = lag;
    const c = t.check;
    for (const listener of [...this.startListeners]) {
      try {
        listener(c.spec.name, lag);
      } catch (e) {
        this.log.error({ err: e, check: c.spec.name }, 'health probe listener failed');
      }
    }
    const now = this.clock.now();
    if (lag > Math.max(LAG_WARN_MIN_MS, c.spec.interval / 10)) {
      c.lateProbes++;
      c.worstLag = Math.max(c.worstLag, lag);
      c.lastLateAt = now;
      if (c.warnedAt !== null && now - c.warnedAt < LAG_WARN_EVERY_MS) return;
      const b = t.budget;
      this.log.warn(
        { check: c.spec.name, lagMs: c.worstLag, lateProbes: c.lateProbes, intervalMs: c.spec.interval, kind: b.kind, inFlight: b.running, maxInFlight: b.max, waiting: b.queue.length },
        'health check probes start late: their verdicts come that much later',
      );
      c.warnedAt = now;
      c.lateProbes = 0;
      c.worstLag = 0;
    } else if (c.warnedAt !== null && now - c.lastLateAt >= LAG_WARN_EVERY_MS) {
      this.log.info(
        { check: c.spec.name, ...(c.lateProbes > 0 ? { lateProbes: c.lateProbes, lagMs: c.worstLag } : {}) },
        'health check probes on time again',
      );
      c.warnedAt = null;
      c.lateProbes = 0;
      c.worstLag = 0;
    }
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
