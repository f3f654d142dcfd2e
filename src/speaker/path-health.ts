// Health checks applied to paths. A path that names a check watches the target its values make of
// it (every path that makes the same target shares one, probed once); what the peers get for the
// path follows that target: the path as it is while the target is up, nothing (withdraw) or the
// path with worse attributes (demote) while it is down. The desired table and the state file keep
// the path either way: health changes what is announced, never what was asked for.
//
// Per path, in columns indexed by path number: the target it watches and its place in that
// target's list of paths, so a target that flips marks exactly its paths' prefixes for sending.

import type { Clock } from '../clock.js';
import type { HealthMonitor, ProbeStartListener } from '../health/monitor.js';
import type { HealthCheckSpec, OnFail } from '../health/spec.js';
import type { Logger } from '../log.js';
import { grow } from '../rib/columns.js';
import { attributesKey } from '../attributes/table.js';
import type { Rib } from '../rib/rib.js';
import type { Attributes, PathHealth } from '../rib/types.js';
import type { CheckNames } from '../rib/validate.js';
import type { EventHub } from './events.js';
import type { HealthCheckDetail, HealthCheckStatus, HealthTargetStatus } from './api.js';

const NIL = -1;

/** What a check that demotes does to the attributes. */
type Demotion = Extract<OnFail, { readonly action: 'demote' }>;

/** What the send pipelines ask of health: the attribute set to announce a path with, or NIL (withdrawn). */
export interface PathGate {
  attributeOf(path: number, rowAttr: number): number;
}

/** What a HealthGate works with. */
export interface HealthGateOptions {
  readonly rib: Rib;
  readonly checks: readonly HealthCheckSpec[];
  readonly monitor: HealthMonitor;
  /** What {nextHop} is for a path via "self": this host's address. */
  readonly selfAddress: string;
  /** A prefix row must be sent again. */
  readonly changed: (row: number) => void;
  readonly events: EventHub;
  readonly clock: Clock;
  readonly log: Logger;
}

export class HealthGate implements PathGate {
  /** Configured checks by name: 1 + index (a path's check column). */
  readonly names: CheckNames;
  /** Their names by index (a path's check column - 1). */
  readonly checkNames: readonly string[];
  /** Per path: the target it watches, or NIL. */
  private target = new Int32Array(0);
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  /** Each watched target's first path. */
  private readonly heads = new Map<number, number>();
  /** Demoted variants of attribute sets: `${rowAttr} ${check}` -> an interned attribute set. */
  private readonly demoted = new Map<string, { readonly base: number; readonly id: number }>();
  private readonly unsubscribe: () => void;
  /** Waiting for every target that withholds paths to have its first verdict (settled()). */
  private settleWaiters: (() => void)[] = [];

  private readonly rib: Rib;
  private readonly checks: readonly HealthCheckSpec[];
  private readonly monitor: HealthMonitor;
  /** The rest of what it works with (used in a place or two each). */
  private readonly o: HealthGateOptions;

  constructor(o: HealthGateOptions) {
    this.o = o;
    const { rib, checks, monitor } = o;
    this.rib = rib;
    this.checks = checks;
    this.monitor = monitor;
    this.names = new Map(checks.map((c, i) => [c.name, i + 1]));
    this.checkNames = checks.map((c) => c.name);
    this.unsubscribe = monitor.onChange((id, from, to, reason) => this.targetChanged(id, from, to, reason));
  }

  /** The path exists (new, or its check may have changed): watch what its check makes of it. */
  bind(path: number): void {
    const check = this.rib.checkOf(path);
    this.reserve(path);
    const old = this.target[path]!;
    if (check === 0) {
      if (old !== NIL) this.unbind(path);
      return;
    }
    const name = this.checks[check - 1]!.name;
    if (old !== NIL && this.monitor.state(old).check === name) return; // same path, same check: same target
    const row = this.rib.rowOfPath(path);
    const prefix = this.rib.prefixText(row);
    const nh = this.rib.nextHop(this.rib.nextHopIdOf(path));
    let id: number;
    try {
      id = this.monitor.watch(name, { prefix, address: prefix.slice(0, prefix.indexOf('/')), nextHop: nh === 'self' ? this.o.selfAddress : nh.toString() });
    } catch (e) {
      // The check's values make no target for this path (a placeholder with no value): unchecked.
      this.o.log.error({ prefix, check: name, err: (e as Error).message }, 'health check cannot probe this path: it is announced unchecked');
      if (old !== NIL) this.unbind(path);
      return;
    }
    if (old !== NIL) this.unbind(path);
    this.target[path] = id;
    const head = this.heads.get(id) ?? NIL;
    this.next[path] = head;
    this.prev[path] = NIL;
    if (head !== NIL) this.prev[head] = path;
    this.heads.set(id, path);
  }

  /** The path is going: stop watching for it. */
  unbind(path: number): void {
    if (path >= this.target.length) return;
    const id = this.target[path]!;
    if (id === NIL) return;
    const prev = this.prev[path]!;
    const next = this.next[path]!;
    if (prev !== NIL) this.next[prev] = next;
    else if (next === NIL) this.heads.delete(id);
    else this.heads.set(id, next);
    if (next !== NIL) this.prev[next] = prev;
    this.target[path] = NIL;
    this.monitor.unwatch(id);
  }

  attributeOf(path: number, rowAttr: number): number {
    const id = path < this.target.length ? this.target[path]! : NIL;
    // effectOf's decision, taken apart so that the check is read only for a target that is down.
    if (id === NIL || this.monitor.isAnnounced(id)) return rowAttr;
    const check = this.rib.checkOf(path);
    const demotion = this.demotionOf(id, check);
    return demotion ? this.demotedAttr(rowAttr, check, demotion) : NIL;
  }

  /** The check and health of a path, as list and watch show them; undefined for a path without one. */
  /** The target the path's check probes (equal ids, equal findings), or -1. */
  targetOf(path: number): number {
    return path < this.target.length ? this.target[path]! : NIL;
  }

  describe(path: number): { check: string; health?: PathHealth } | undefined {
    const check = this.rib.checkOf(path);
    if (check === 0) return undefined;
    const name = this.checks[check - 1]!.name;
    const id = path < this.target.length ? this.target[path]! : NIL;
    if (id === NIL) return { check: name };
    const t = this.monitor.state(id);
    return {
      check: name,
      health: {
        state: t.state,
        effect: this.effectOf(id, check),
        target: t.target,
        since: t.since,
        ...(t.lastError !== undefined ? { lastError: t.lastError, lastErrorAt: t.lastErrorAt! } : {}),
      },
    };
  }

  statuses(): HealthCheckStatus[] {
    const s = this.monitor.summary();
    return this.checks.map((c) => ({ name: c.name, ...s[c.name]! }));
  }

  /** Every check with each target its paths make (a target is listed under the check that made it). */
  details(): HealthCheckDetail[] {
    const targets = new Map<string, HealthTargetStatus[]>(this.checks.map((c) => [c.name, []]));
    for (const [id, head] of this.heads) {
      const t = this.monitor.state(id);
      targets.get(t.check)?.push({
        target: t.target,
        state: t.state,
        since: t.since,
        ...(t.lastError !== undefined ? { lastError: t.lastError, lastErrorAt: t.lastErrorAt! } : {}),
        paths: this.monitor.references(id),
        effect: this.effectOf(id, this.rib.checkOf(head)),
        ...(t.lag !== undefined ? { lag: t.lag } : {}),
      });
    }
    return this.statuses().map((s) => {
      const ts = targets.get(s.name)!.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
      const lags = ts.flatMap((t) => (t.lag === undefined ? [] : [t.lag]));
      return { ...s, targets: ts, ...(lags.length > 0 ? { lag: lags.reduce((a, b) => Math.max(a, b)) } : {}) };
    });
  }

  /** Calls `listener` as each probe starts, with its check and how late it is (ms); returns the unsubscribe. */
  onProbeStart(listener: ProbeStartListener): () => void {
    return this.monitor.onProbeStart(listener);
  }

  stop(): Promise<void> {
    this.unsubscribe();
    return this.monitor.stop();
  }

  private effectOf(id: number, check: number): PathHealth['effect'] {
    if (this.monitor.isAnnounced(id)) return 'announced';
    return this.demotionOf(id, check) ? 'demoted' : 'withdrawn';
  }

  /**
   * For a target that is not announced: the check's demotion, or undefined when its paths are
   * withdrawn (the check says withdraw, or it was never probed: not announced at all until its
   * first pass, demote or not).
   */
  private demotionOf(id: number, check: number): Demotion | undefined {
    const onFail = this.checks[check - 1]!.onFail;
    return onFail.action === 'withdraw' || this.monitor.stateOf(id) === 'pending' ? undefined : onFail;
  }

  /** Whether some path is held back until its target's first verdict (`initial: down`, not probed yet). */
  get settling(): boolean {
    for (const id of this.heads.keys()) if (this.monitor.stateOf(id) === 'pending' && !this.monitor.isAnnounced(id)) return true;
    return false;
  }

  /**
   * Resolves once no path waits for its target's first verdict, or after `ms`: a restarted daemon
   * sends End-of-RIB only then, so the router keeps its stale paths instead of dropping a node
   * whose check has simply not run yet.
   */
  settled(ms: number): Promise<void> {
    if (!this.settling) return Promise.resolve();
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        timer.cancel();
        this.settleWaiters = this.settleWaiters.filter((w) => w !== finish);
        resolve();
      };
      const timer = this.o.clock.after(ms, finish);
      this.settleWaiters.push(finish);
    });
  }

  private targetChanged(id: number, from: PathHealth['state'], to: PathHealth['state'], reason: string): void {
    if (this.settleWaiters.length > 0 && !this.settling) for (const w of [...this.settleWaiters]) w();
    const head = this.heads.get(id) ?? NIL;
    if (head === NIL) return;
    // Every path of a target has its check (the target is what that check makes of the path).
    const check = this.rib.checkOf(head);
    let paths = 0;
    for (let p = head; p !== NIL; p = this.next[p]!) {
      this.o.changed(this.rib.rowOfPath(p));
      paths++;
    }
    this.dropDeadDemotions();
    const t = this.monitor.state(id);
    this.o.events.emit('health', () => ({ type: 'health', at: this.o.clock.now(), check: t.check, target: t.target, from, to, reason, effect: this.effectOf(id, check), paths }));
  }

  /** The row's attributes made worse as the check's onFail says: used only when nothing better is left. */
  private demotedAttr(rowAttr: number, check: number, onFail: Demotion): number {
    const key = `${rowAttr} ${check}`;
    const known = this.demoted.get(key);
    if (known) return known.id;
    const a = this.rib.attributes(rowAttr);
    const communities = [...new Set([...(a.communities ?? []), ...(onFail.communities ?? [])])].sort((x, y) => x - y);
    // The others (large communities, any the table adds) as they are.
    const worse: Attributes = {
      ...a,
      ...(communities.length > 0 ? { communities } : {}),
      ...(onFail.localPref !== undefined ? { localPref: onFail.localPref } : {}),
      ...(onFail.med !== undefined ? { med: onFail.med } : {}),
    };
    const id = this.rib.internAttributes(worse, attributesKey(worse));
    this.demoted.set(key, { base: rowAttr, id });
    return id;
  }

  /**
   * Demoted sets of attribute sets no prefix has any more are let go (called between batches, on a
   * health change: a pipeline never holds an id across one).
   */
  private dropDeadDemotions(): void {
    for (const [key, d] of this.demoted) {
      if (this.rib.hasAttributes(d.base)) continue;
      this.rib.releaseAttributes(d.id);
      this.demoted.delete(key);
    }
  }

  private reserve(path: number): void {
    if (path < this.target.length) return;
    const cap = Math.max(1024, path + 1, this.target.length * 2);
    this.target = grow(this.target, cap, NIL);
    this.next = grow(this.next, cap, NIL);
    this.prev = grow(this.prev, cap, NIL);
  }
}
