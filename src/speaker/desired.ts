// The desired table: what clients asked to announce. Requests are validated whole before anything
// changes (text parsed once into typed values, errors naming the field), paths are shared between
// owners, changes are told to watchers and to the send pipelines (by prefix row), and the table is
// persisted before a call returns.

import type { Clock } from '../clock.js';
import { Prefix } from '../codec/values.js';
import { grow } from '../rib/columns.js';
import { attributesKey, attributesView, ownerSetKey, Rib, type UpsertResult } from '../rib/rib.js';
import { RequestError } from '../rib/request-error.js';
import type { AnnouncedPath, Attributes, NextHop } from '../rib/types.js';
import { DEFAULT_POLICY, invalid, NO_CHECKS, PathStage, prefixRefusal, type CheckNames, validateAttributes, validateNextHop, validateOwner, validatePath, validatePrefix, type ValidPath } from '../rib/validate.js';
import { nextHopProblem, type PrefixPolicy } from '../rib/special-addresses.js';
import { PathBlockWriter, StateWriteError, type PathDetails, type StateStore, type StoredState } from '../store/state-store.js';
import { validateCheck } from '../rib/validate.js';
import type { AddedPath, PathFilter, PathInput, PathSelector, ReplaceOptions, ReplaceResult, ReplaceTransaction } from './api.js';
import type { EventHub } from './events.js';
import type { HealthGate } from './path-health.js';

const NIL = -1;

/** Whether an upsert changed what peers must be sent. */
function isChange(r: UpsertResult): boolean {
  return r === 'added' || r === 'updated';
}

export class DesiredTable {
  readonly rib = new Rib();
  /** Health checks of paths (set by the speaker before any path, when checks are configured). */
  gate: HealthGate | null = null;

  constructor(
    /** Next hop of a path added without one: an address or "self". */
    private readonly defaultNextHop: string,
    private readonly events: EventHub,
    private readonly clock: Clock,
    private readonly store: StateStore | null,
    /** A prefix row changed: the peers must be brought in line. */
    private readonly changed: (row: number) => void,
    /** Which prefixes may be announced (the config's allowPrefixes). */
    private readonly policy: PrefixPolicy = DEFAULT_POLICY,
  ) {
    store?.attach(() => this.snapshotWalk());
  }

  private get checks(): CheckNames {
    return this.gate?.names ?? NO_CHECKS;
  }

  private validateAll(inputs: readonly PathInput[]): ValidPath[] {
    const checks = this.checks;
    return inputs.map((p, i) => validatePath(p, this.defaultNextHop, () => `paths[${i}]`, this.policy, checks));
  }

  /**
   * Put the stored table back (before start), block by block in order: a put is a path's whole
   * state, a delete removes it. A path the rules refuse now (allowPrefixes narrowed, a next hop no
   * router takes) is left out and handed to `refused`; a malformed one is an error. Returns the
   * paths held afterwards.
   */
  restore(state: StoredState, refused: (why: RequestError) => void = () => {}): number {
    const rib = this.rib;
    rib.reserve(state.entries); // at most this many: the table is sized once, not doubled all the way
    // Each next hop (per family) and each set of details is checked once per dictionary, not per
    // path: blocks with the same dictionary share its objects (most journal records do).
    const checked = new Map<object, { hops: (NextHop | undefined)[][]; hopProblems: (string | undefined)[]; details: (StoredDetails | undefined)[] }>();
    for (const block of state.blocks) {
      let seen = checked.get(block.details);
      if (seen === undefined) checked.set(block.details, (seen = { hops: [[], []], hopProblems: [], details: [] }));
      const { hops, hopProblems, details } = seen;
      const c = block.cursor();
      // Names the entry under the cursor (made only for an error).
      const field = () => `paths[${Prefix.fromBytes(c.v6 ? 'ipv6-unicast' : 'ipv4-unicast', c.bytes, c.length, c.at).toString()} via ${block.nextHops[c.nextHop]}]`;
      while (c.next()) {
        const nh = (hops[c.v6 ? 1 : 0]![c.nextHop] ??= validateNextHop(block.nextHops[c.nextHop]!, c.v6 ? 'ipv6-unicast' : 'ipv4-unicast', `${field()}.nextHop`));
        if (c.del) {
          const p = rib.pathAt(rib.findOctets(c.bytes, c.at, c.length, c.v6), nh);
          if (p !== NIL) {
            const row = rib.rowOfPath(p);
            this.release(null, p);
            this.changed(row);
          }
          continue;
        }
        const hopProblem = (hopProblems[c.nextHop] ??= (nh === 'self' ? undefined : nextHopProblem(nh)) ?? ''); // '': none
        const no = hopProblem !== '' ? invalid(`${field()}.nextHop`, hopProblem) : prefixRefusal(c.v6, c.bytes, c.at, c.length, nh, this.policy, field);
        if (no) {
          refused(no);
          continue;
        }
        const d = (details[c.detail] ??= storedDetails(block.details[c.detail]!, field));
        const check = d.check === undefined ? 0 : this.checks.get(d.check);
        if (check === undefined) {
          refused(invalid(`${field()}.check`, `no health check ${JSON.stringify(d.check)} is configured any more`));
          continue;
        }
        const r = rib.restorePath(c.bytes, c.at, c.length, c.v6, nh, d.attributes, d.key, d.owners, d.ownersKey, c.pathId || undefined, check);
        if (r.result !== 'unchanged') this.gate?.bind(r.path);
        if (isChange(r.result)) this.changed(r.row);
      }
    }
    return rib.size;
  }

  async addPaths(inputs: readonly PathInput[]): Promise<AddedPath[]> {
    const valid = this.validateAll(inputs);
    const changedPaths: number[] = [];
    const all: number[] = [];
    const results: UpsertResult[] = [];
    // Each touched prefix's attributes before this call (null: it had no paths), so every path of
    // it that takes new ones says updated, not only the first.
    const before = new Map<number, Attributes | null>();
    const w = this.record();
    const touched = w ? new RowSet() : null;
    for (const v of valid) {
      const row = this.rib.find(v.path.prefix);
      if (row !== NIL && !before.has(row)) before.set(row, this.rib.pathCountOf(row) > 0 ? this.rib.attributes(this.rib.attributeId(row)) : null);
      const r = this.rib.upsert(v.path, v.attrKey);
      all.push(r.path);
      results.push(r.result);
      if (r.result !== 'unchanged') {
        touched?.add(r.row);
        this.gate?.bind(r.path);
      }
      if (isChange(r.result)) {
        this.changed(r.row);
        changedPaths.push(r.path);
      }
    }
    const result = all.map((p, i) => this.outcomeOf(p, results[i]!, before));
    if (changedPaths.length) this.emitRib(() => changedPaths.map((p) => this.view(p)), () => []);
    await this.persist(touched, w);
    return result;
  }

  /** What addPaths did to a path, judged after the whole call (a prefix's paths share attributes). */
  private outcomeOf(p: number, result: UpsertResult, before: ReadonlyMap<number, Attributes | null>): AddedPath {
    const view = this.view(p);
    if (result === 'added') return { ...view, outcome: 'added' };
    const old = before.get(this.rib.rowOfPath(p));
    const now = this.rib.attributes(this.rib.attributeId(this.rib.rowOfPath(p)));
    if (old && attributesKey(old) !== attributesKey(now)) return { ...view, outcome: 'updated', before: attributesView(old) };
    return { ...view, outcome: result === 'owner-added' ? 'owner-added' : 'unchanged' };
  }

  async deletePaths(sel: PathSelector): Promise<AnnouncedPath[]> {
    const prefix = validatePrefix(sel.prefix, 'prefix');
    const nextHops = (sel.nextHops ?? []).map((nh, i) => validateNextHop(nh, prefix.family, `nextHops[${i}]`));
    if (sel.owner !== undefined) validateOwner(sel.owner, 'owner');
    const row = this.rib.find(prefix);
    const victims: number[] = [];
    if (row !== NIL) {
      // The paths via the given next hops, found by value (no text compared).
      const wanted = nextHops.map((nh) => this.rib.pathAt(row, nh)).filter((p) => p !== NIL);
      for (let p = this.rib.firstPath(row); p !== NIL; p = this.rib.nextPath(p)) {
        if (nextHops.length > 0 && !wanted.includes(p)) continue;
        if (sel.owner !== undefined && !this.rib.ownersOf(p).includes(sel.owner)) continue;
        victims.push(p);
      }
    }
    if (victims.length === 0) {
      const what = nextHops.length ? `${prefix.toString()} via ${nextHops.join(', ')}` : prefix.toString();
      throw new RequestError('not-found', 'prefix', `prefix: no path ${what}${sel.owner !== undefined ? ` owned by ${sel.owner}` : ''} is announced`);
    }
    const before = victims.map((p) => this.view(p));
    const gone: AnnouncedPath[] = [];
    const w = this.record();
    victims.forEach((p, i) => {
      if (this.release(w, p, sel.owner)) gone.push(before[i]!);
    });
    if (gone.length) this.changed(row);
    this.emitRib(() => [], () => gone);
    await this.persist(w && RowSet.of(row), w);
    return before;
  }

  async replacePaths(owner: string, inputs: readonly PathInput[], options: ReplaceOptions = {}): Promise<ReplaceResult> {
    const t = this.beginReplace(owner);
    t.add(inputs);
    return t.commit(options);
  }

  beginReplace(owner: string): ReplaceTransaction {
    validateOwner(typeof owner === 'string' ? owner : '', 'owner'); // an owner is required here: no default
    const stage = new PathStage(this.defaultNextHop, this.policy, this.checks);
    let done = false;
    return {
      add: (inputs) => {
        if (done) throw new Error('ReplacePaths: add after commit');
        const base = stage.count;
        for (let i = 0; i < inputs.length; i++) stage.add(inputs[i]!, () => `paths[${base + i}]`);
      },
      addPacked: (family, prefixes, nextHop, check) => {
        if (done) throw new Error('ReplacePaths: add after commit');
        const base = stage.count;
        stage.addPacked(family, prefixes, nextHop, (k) => `paths[${base + k}]`, check);
      },
      get count() {
        return stage.count;
      },
      commit: (options = {}) => {
        if (done) throw new Error('ReplacePaths: committed twice');
        done = true;
        return this.applyReplace(owner, stage, options);
      },
    };
  }

  /** Everything is valid: from here on nothing can fail, so the change is all or nothing. */
  private async applyReplace(owner: string, stage: PathStage, options: ReplaceOptions): Promise<ReplaceResult> {
    const rib = this.rib;
    // Lists only when someone will read them: the caller, or a watcher of the desired set.
    const collect = options.details === true || this.events.wants('rib');
    const keep = new Uint8Array(rib.pathLimit);
    // The paths that exist already, found once: they are kept below, so the upsert needs no look-up.
    const found = new Int32Array(stage.count);
    // All paths of a prefix share its attributes: the set's last path of each known prefix decides
    // them, so paths that differ do not flip the prefix back and forth (and re-announce it) each time.
    const rowAttr = new Int32Array(rib.rowLimit).fill(NIL);
    const rowOf = new Int32Array(stage.count);
    for (let i = 0; i < stage.count; i++) {
      const row = rib.findOctets(stage.addr, i * 16, stage.len[i]!, stage.v6[i] === 1);
      rowOf[i] = row;
      if (row !== NIL) rowAttr[row] = stage.attr[i]!;
      const p = rib.pathAt(row, stage.nextHops[stage.nh[i]!]!);
      found[i] = p;
      if (p !== NIL) keep[p] = 1;
    }
    const removed: AnnouncedPath[] = [];
    const gone: AnnouncedPath[] = [];
    // For the journal (only with a state file: a million-row set is not free): rows whose paths
    // changed, and the paths that went.
    const w = this.record();
    const touched = w ? new RowSet() : null;
    let removedCount = 0;
    const owned = new Map<number, boolean>();
    for (const row of rib.rows()) {
      for (let p = rib.firstPath(row); p !== NIL; ) {
        const next = rib.nextPath(p);
        const set = rib.ownerSetIdOf(p);
        let mine = owned.get(set);
        if (mine === undefined) owned.set(set, (mine = rib.ownersOf(p).includes(owner)));
        if (mine && !keep[p]) {
          const view = collect ? this.view(p) : null;
          if (view) removed.push(view);
          removedCount++;
          touched?.add(row);
          if (this.release(w, p, owner)) {
            if (view) gone.push(view);
            this.changed(row);
          }
        }
        p = next;
      }
    }
    const added: number[] = [];
    const updated: number[] = [];
    let addedCount = 0;
    let updatedCount = 0;
    let unchanged = 0;
    for (let i = 0; i < stage.count; i++) {
      const known = found[i]!;
      const row = rowOf[i]!;
      const a = stage.attributeSets[row !== NIL ? rowAttr[row]! : stage.attr[i]!]!;
      const check = stage.check[i]!;
      const r =
        known !== NIL
          ? rib.claim(known, a.attributes, a.key, owner, check)
          : rib.upsertOctets(stage.addr, i * 16, stage.len[i]!, stage.v6[i] === 1, stage.nextHops[stage.nh[i]!]!, a.attributes, a.key, owner, check);
      if (isChange(r.result)) this.changed(r.row);
      if (r.result !== 'unchanged') {
        touched?.add(r.row);
        this.gate?.bind(r.path);
      }
      if (r.result === 'unchanged') unchanged++;
      else if (r.result === 'updated') {
        updatedCount++;
        if (collect) updated.push(r.path);
      } else {
        addedCount++;
        if (collect) added.push(r.path);
      }
    }
    let details: ReplaceResult['details'];
    if (collect) {
      details = { added: added.map((p) => this.view(p)), removed, updated: updated.map((p) => this.view(p)) };
      const d = details;
      if (d.added.length > 0 || d.updated.length > 0 || gone.length > 0) this.emitRib(() => [...d.added, ...d.updated], () => gone);
    }
    await this.persist(touched, w);
    return {
      added: addedCount,
      removed: removedCount,
      updated: updatedCount,
      unchanged,
      ...(options.details && details ? { details } : {}),
    };
  }

  listPaths(filter: PathFilter = {}): AnnouncedPath[] {
    return [...this.listPathChunks(filter, Infinity)].flat();
  }

  *listPathChunks(filter: PathFilter, chunk: number): IterableIterator<AnnouncedPath[]> {
    const owner = filter.owner || undefined;
    // A name the config lacks is refused, listing the ones it has (as AddPath does); 0: no filter.
    const check = validateCheck(filter.check, this.checks, 'check');
    let rows: Iterable<number>;
    if (filter.prefix !== undefined && filter.prefix !== '') {
      const row = this.rib.find(validatePrefix(filter.prefix, 'prefix'));
      rows = row === NIL || this.rib.pathCountOf(row) === 0 ? [] : [row];
    } else {
      rows = this.rib.rows();
    }
    let out: AnnouncedPath[] = [];
    for (const row of rows) {
      const text = this.rib.prefixText(row);
      for (let path = this.rib.firstPath(row); path !== NIL; path = this.rib.nextPath(path)) {
        if (check !== 0 && this.rib.checkOf(path) !== check) continue;
        const p = this.view(path, text);
        if (owner !== undefined && !p.owners.includes(owner)) continue;
        out.push(p);
        if (out.length >= chunk) {
          yield out;
          out = [];
        }
      }
    }
    if (out.length > 0) yield out;
  }

  /** A path as the API shows it, with its health check's findings when it names one. */
  private view(p: number, prefixText?: string): AnnouncedPath {
    const v = this.rib.view(p, prefixText);
    const health = this.gate?.describe(p);
    return health ? { ...v, ...health } : v;
  }

  private emitRib(added: () => AnnouncedPath[], removed: () => AnnouncedPath[]): void {
    this.events.emit('rib', () => ({ type: 'rib', at: this.clock.now(), added: added(), removed: removed() }));
  }

  /** A journal record for this call, when there is a state file. */
  private record(): PathBlockWriter | null {
    return this.store ? new PathBlockWriter() : null;
  }

  /**
   * Drops `owner`'s claim on a path that has it (every claim without an owner). When that is the
   * last one the path goes: before it does (its row's octets may be reused after), the journal
   * gets its delete and its health check stops. Returns whether it went.
   */
  private release(w: PathBlockWriter | null, p: number, owner?: string): boolean {
    if (owner === undefined || this.rib.ownersOf(p).length === 1) {
      this.gate?.unbind(p);
      if (w) this.recordDelete(w, p);
    }
    return this.rib.releaseClaim(p, owner)?.gone === true;
  }

  private recordDelete(w: PathBlockWriter, p: number): void {
    const rib = this.rib;
    const row = rib.rowOfPath(p);
    w.del(rib.columns.addr, row * 16, rib.columns.len[row]!, rib.isV6(row), w.nextHop(nextHopText(rib.nextHop(rib.nextHopIdOf(p)))));
  }

  /**
   * Journals one call: the paths that went (already in `w`), then every path of each row the call
   * touched (a row's paths share its attributes, so a change to one is a change to all). Resolves
   * once on disk.
   */
  private persist(rows: RowSet | null, w: PathBlockWriter | null): Promise<void> {
    if (!this.store || !rows || !w) return Promise.resolve(); // no state file
    const details = new Map<number, Map<number, number>>();
    for (let i = 0; i < rows.size; i++) this.storedRow(rows.at(i), w, details);
    return this.store.appendBlock(w).catch((e: unknown) => {
      if (!(e instanceof StateWriteError)) throw e;
      // RESOURCE_EXHAUSTED for a full disk (free space and it heals), UNAVAILABLE for a failing one.
      throw new RequestError(
        e.noSpace ? 'resource-exhausted' : 'unavailable',
        'stateFile',
        `stateFile: ${e.message}; the change is in effect, and the daemon saves the whole table again as soon as the disk takes it (retry the call to know when)`,
      );
    });
  }

  /** A walk over the table for the store's snapshots: some rows per call, straight from the columns. */
  private snapshotWalk(): (w: PathBlockWriter, rows: number) => boolean {
    let row = 0;
    return (w, rows) => {
      const details = new Map<number, Map<number, number>>();
      for (let n = 0; n < rows && row < this.rib.rowLimit; row++) {
        if (this.rib.pathCountOf(row) === 0) continue;
        this.storedRow(row, w, details);
        n++;
      }
      return row < this.rib.rowLimit;
    };
  }

  /**
   * A row's paths as the state file keeps them, written into `w` from the RIB's columns. A path's
   * details (owners and attributes) are JSON made once per owner set and attribute set in a block
   * (`details`: attribute set id -> owner set id -> index in the block).
   */
  private storedRow(row: number, w: PathBlockWriter, details: Map<number, Map<number, number>>): void {
    const rib = this.rib;
    if (rib.firstPath(row) === NIL) return; // emptied by the call: nothing (its attributes are gone too)
    const { addr, len } = rib.columns;
    const v6 = rib.isV6(row);
    const attrId = rib.attributeId(row);
    let byOwners = details.get(attrId);
    if (byOwners === undefined) details.set(attrId, (byOwners = new Map()));
    const checks = this.gate?.checkNames ?? [];
    for (let p = rib.firstPath(row); p !== NIL; p = rib.nextPath(p)) {
      const check = rib.checkOf(p);
      // Owner sets and checks by one number: the checks are few (numbered from 1, none is 0).
      const set = rib.ownerSetIdOf(p) * (checks.length + 1) + check;
      let d = byOwners.get(set);
      if (d === undefined) {
        const owners = cachedJson(rib.ownersOf(p), (o) => JSON.stringify(o));
        const checkJson = check === 0 ? '' : `,"check":${JSON.stringify(checks[check - 1])}`;
        byOwners.set(set, (d = w.detail(`{"owners":${owners}${cachedJson(rib.attributes(attrId), attributesJson)}${checkJson}}`)));
      }
      w.put(addr, row * 16, len[row]!, v6, w.nextHop(nextHopText(rib.nextHop(rib.nextHopIdOf(p)))), d, rib.pathIdOf(p));
    }
  }
}

/**
 * Distinct row numbers in the order first added: typed arrays, not a Set of a million numbers. A
 * few rows (one AddPath) are found by a scan; past that, by a mark per row number.
 */
class RowSet {
  private seen: Uint8Array | null = null;
  private list = new Int32Array(16);
  size = 0;

  static of(row: number): RowSet {
    const s = new RowSet();
    s.add(row);
    return s;
  }

  add(row: number): void {
    if (this.seen === null) {
      for (let i = 0; i < this.size; i++) if (this.list[i] === row) return;
      if (this.size === 16) {
        this.seen = new Uint8Array(Math.max(1024, row + 1));
        for (let i = 0; i < this.size; i++) this.mark(this.list[i]!);
      }
    }
    if (this.seen !== null && !this.mark(row)) return;
    if (this.size === this.list.length) this.list = grow(this.list, this.size * 2);
    this.list[this.size++] = row;
  }

  /** Marks the row; false when it was marked already. */
  private mark(row: number): boolean {
    if (row >= this.seen!.length) this.seen = grow(this.seen!, Math.max(row + 1, this.seen!.length * 2));
    if (this.seen![row]) return false;
    this.seen![row] = 1;
    return true;
  }

  at(i: number): number {
    return this.list[i]!;
  }
}

interface StoredDetails {
  readonly attributes: Attributes;
  readonly key: string;
  readonly owners: readonly string[];
  readonly ownersKey: string;
  readonly check?: string;
}

/** A stored path's details, validated as a request's would be. */
function storedDetails(d: PathDetails, field: () => string): StoredDetails {
  d.owners.forEach((o, i) => validateOwner(o, `${field()}.owners[${i}]`));
  const { attributes, key } = validateAttributes(d, field);
  return { attributes, key, owners: d.owners, ownersKey: ownerSetKey(d.owners), ...(d.check ? { check: d.check } : {}) };
}

/** A next hop as stored: "self" or the address text. */
function nextHopText(nh: NextHop): string {
  return typeof nh === 'string' ? nh : cachedJson(nh, (a) => a.toString());
}

const jsonCache = new WeakMap<object, string>();

/** JSON of an interned value, made once per value. */
function cachedJson<T extends object>(value: T, make: (v: T) => string): string {
  let json = jsonCache.get(value);
  if (json === undefined) jsonCache.set(value, (json = make(value)));
  return json;
}

/** The attribute fields of a stored path, as a JSON fragment (empty, or starting with a comma). */
function attributesJson(a: Attributes): string {
  const v = attributesView(a);
  return (
    (v.communities.length ? `,"communities":${JSON.stringify(v.communities)}` : '') +
    (v.largeCommunities.length ? `,"largeCommunities":${JSON.stringify(v.largeCommunities)}` : '') +
    (v.localPref !== undefined ? `,"localPref":${v.localPref}` : '') +
    (v.med !== undefined ? `,"med":${v.med}` : '')
  );
}
