// The desired table: what clients asked to announce. Requests are validated whole before anything
// changes (text parsed once into typed values, errors naming the field), paths are shared between
// owners, changes are told to watchers and to the send pipelines (by prefix row), and the table is
// persisted before a call returns.

import { Slices, type Clock } from '../clock.js';
import { Prefix } from '../codec/values.js';
import { grow, TurnMap } from '../rib/columns.js';
import { attributesKey, attributesView, attributeTable, fieldOf, firstDifference, isSet, MAX_WEIGHT, mergeStated } from '../attributes/table.js';
import { nextHopKey, nextHopText, Rib, type RestoredDetails, type UpsertResult } from '../rib/rib.js';
import { RequestError } from '../rib/request-error.js';
import { SortedPrefixes } from '../rib/sorted-prefixes.js';
import type { AnnouncedPath, Attributes, NextHop } from '../rib/types.js';
import { DEFAULT_POLICY, invalid, NO_CHECKS, PathStage, prefixRefusal, type CheckNames, validateNextHop, validateOwner, validatePath, validatePrefix, validateStored, type ValidPath } from '../rib/validate.js';
import { nextHopProblem, type PrefixPolicy } from '../rib/special-addresses.js';
import { encodePathDetails } from '../store/path-details.js';
import { PathBlockWriter, StateWriteError, type PathDetails, type StateStore, type StoredState } from '../store/state-store.js';
import { validateCheck } from '../rib/validate.js';
import { SUMMARY_PATHS, type SpeakerEvent } from './api.js';
import type { AddedPath, AddedPaths, ListedBlock, PathFilter, PathInput, PathSelector, ReplaceOptions, ReplaceResult, ReplaceTransaction } from './api.js';
import type { EventHub } from './events.js';
import type { HealthGate } from './path-health.js';

const NIL = -1;

/** The paths (numbers) of a row that one peer is sent: a listing's peer filter. */
export type SentTo = (row: number) => readonly number[];
/** The most paths a ReplacePaths makes room for on the client's word (its announced total). */
const MAX_RESERVE = 1 << 24;

/** Whether an upsert changed what peers must be sent. */
function isChange(r: UpsertResult): boolean {
  return r === 'added' || r === 'updated';
}

/** What a DesiredTable works with. */
export interface DesiredTableOptions {
  /** Next hop of a path added without one: an address or "self". */
  readonly defaultNextHop: string;
  readonly events: EventHub;
  readonly clock: Clock;
  readonly store: StateStore | null;
  /** A prefix row changed: the peers must be brought in line. */
  readonly changed: (row: number) => void;
  /** Which prefixes may be announced (the config's allowPrefixes); default: any. */
  readonly policy?: PrefixPolicy;
  /** The health checks of paths, when checks are configured: made over the table's own RIB. */
  readonly gate?: (rib: Rib) => HealthGate;
}

export class DesiredTable {
  readonly rib = new Rib();
  /** Health checks of paths, when checks are configured. */
  readonly gate: HealthGate | null;
  private readonly defaultNextHop: string;
  private readonly events: EventHub;
  private readonly clock: Clock;
  private readonly store: StateStore | null;
  private readonly changed: (row: number) => void;
  private readonly policy: PrefixPolicy;
  /** ReplacePaths commits under way (past their linearization point), oldest first: see applyReplace. */
  private readonly commits: ReplaceCommit[] = [];
  /** ReplacePaths being applied (from finding their rows to their end). */
  private applyingCount = 0;

  /** Whether a ReplacePaths is being applied now. */
  get applying(): boolean {
    return this.applyingCount > 0;
  }
  /** settle()'s paths of a row's entries, those paths, and the row's paths by next hop: reused from row to row. */
  private kept = new Int32Array(16);
  /** settle()'s look-ups within one row: its paths by next-hop id, and which paths the set keeps. */
  private readonly pathByNh = new TurnMap();
  private readonly keptPaths = new TurnMap();

  constructor(o: DesiredTableOptions) {
    this.defaultNextHop = o.defaultNextHop;
    this.events = o.events;
    this.clock = o.clock;
    this.store = o.store;
    this.changed = o.changed;
    this.policy = o.policy ?? DEFAULT_POLICY;
    this.gate = o.gate ? o.gate(this.rib) : null;
    o.store?.attach(() => this.snapshotWalk());
  }

  private get checks(): CheckNames {
    return this.gate?.names ?? NO_CHECKS;
  }

  private validateAll(inputs: readonly PathInput[]): ValidPath[] {
    const checks = this.checks;
    const valid = inputs.map((p, i) => validatePath(p, this.defaultNextHop, () => `paths[${i}]`, this.policy, checks));
    // All paths of a prefix carry the same attributes: a request that gives one prefix two sets is
    // refused, not half applied. Only a request of more than one set has prefixes to compare.
    if (valid.some((v) => v.attrKey !== valid[0]!.attrKey)) {
      const seen = new Map<string, ValidPath>();
      valid.forEach((v, i) => {
        const key = v.path.prefix.toString();
        const first = seen.get(key);
        if (first === undefined) seen.set(key, v);
        else if (first.attrKey !== v.attrKey) throw otherAttributes(`paths[${i}]`, key, first.path.attributes, v.path.attributes);
      });
    }
    return valid;
  }

  /**
   * Put the stored table back (before start), block by block in order: a put is a path's whole
   * state, a delete removes it. A path the rules refuse now (allowPrefixes narrowed, a next hop no
   * router takes) is left out and handed to `refused`; a malformed one is an error. Resolves with
   * the paths held afterwards. Runs in slices (a million paths would hold the event loop for most
   * of a second); nothing else may change the table meanwhile (the daemon restores before it serves).
   */
  async restore(state: StoredState, refused: (why: RequestError) => void = () => {}): Promise<number> {
    const rib = this.rib;
    const slices = new Slices();
    // At most this many: the table is sized once, not doubled all the way (a unit a 16 rows).
    for (const _ of rib.reserving(state.entries)) if (slices.spent(state.entries >> 4)) await slices.next();
    // Each next hop (per family) and each set of details is checked once per dictionary, not per
    // path: blocks with the same dictionary share its objects (most journal records do).
    const checked = new Map<object, { hops: (NextHop | undefined)[][]; hopProblems: (string | undefined)[]; details: (RestoredDetails | string | undefined)[] }>();
    for (const block of state.blocks) {
      let seen = checked.get(block.details);
      if (seen === undefined) checked.set(block.details, (seen = { hops: [[], []], hopProblems: [], details: [] }));
      const { hops, hopProblems, details } = seen;
      const c = block.cursor();
      // Names the entry under the cursor (made only for an error).
      const field = () => `paths[${Prefix.fromBytes(c.v6 ? 'ipv6-unicast' : 'ipv4-unicast', c.bytes, c.length, c.at).toString()} via ${block.nextHops[c.nextHop]}]`;
      while (c.next()) {
        if (slices.spent()) await slices.next();
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
        const d = (details[c.detail] ??= this.restoredDetails(block.details[c.detail]!, field));
        if (typeof d === 'string') {
          refused(invalid(`${field()}.check`, `no health check ${JSON.stringify(d)} is configured any more`));
          continue;
        }
        const r = rib.restorePath(c.bytes, c.at, c.length, c.v6, nh, d, c.pathId || undefined);
        if (r.result !== 'unchanged') this.gate?.bind(r.path);
        if (isChange(r.result)) this.changed(r.row);
      }
    }
    return rib.size;
  }

  /**
   * Stored details as the RIB holds them, validated as a request's would be (a malformed one is an
   * error), or the name of their health check when the config has it no more (their paths are left out).
   */
  private restoredDetails(d: PathDetails, field: () => string): RestoredDetails | string {
    const check = d.check ? this.checks.get(d.check) : 0;
    const held = validateStored(d, check ?? 0, field); // malformed is an error, its check configured or not (as before)
    return check === undefined ? d.check! : held;
  }

  /**
   * Adds paths. A prefix's attributes are the prefix's, shared by all its paths (a router merges
   * only paths of equal attributes into one ECMP route). A request changes those it states and
   * keeps the others, or with `replaceAttributes` makes them exactly its own; either way, a change
   * to attributes another owner set, while that owner has a path of the prefix, is refused
   * (FAILED_PRECONDITION, naming the owner and the attribute) and nothing changes. Paths of the
   * prefixes that the request does not name but whose attributes it changed (another owner's, or
   * another next hop) are answered in `alsoUpdated` and told to watchers.
   */
  async addPaths(inputs: readonly PathInput[], options: { readonly replaceAttributes?: boolean } = {}): Promise<AddedPaths> {
    const valid = this.validateAll(inputs);
    const rib = this.rib;
    // What each prefix's attributes become, decided for the whole request before anything changes.
    // `owner`: who holds them afterwards (undefined: whoever did before).
    const plans: { attributes: Attributes; key: string; owner: string | null | undefined }[] = [];
    // Each path's plan (an index into plans): the prefix's text is made once per path.
    const planOf = new Int32Array(valid.length);
    const byPrefix = new Map<string, number>();
    valid.forEach((v, i) => {
      const text = v.path.prefix.toString();
      const known = byPrefix.get(text);
      if (known !== undefined) {
        planOf[i] = known;
        return;
      }
      byPrefix.set(text, (planOf[i] = plans.length));
      let row = rib.find(v.path.prefix);
      if (row !== NIL && this.touch(row)) row = rib.find(v.path.prefix); // a ReplacePaths being applied goes first (see applyReplace)
      const stated = v.attrKey !== '';
      if (row === NIL || rib.pathCountOf(row) === 0) {
        plans.push({ attributes: v.path.attributes, key: v.attrKey, owner: stated ? v.path.owner : null });
        return;
      }
      const current = rib.attributes(rib.attributeId(row));
      const next = options.replaceAttributes === true ? v.path.attributes : mergeStated(current, v.path.attributes);
      const key = attributesKey(next);
      if (key === attributesKey(current)) {
        // Restating attributes nobody holds takes them; restating another's leaves them theirs.
        plans.push({ attributes: current, key, owner: stated && rib.attributesHeldBy(row) === null ? v.path.owner : undefined });
        return;
      }
      const holder = rib.attributesHeldBy(row);
      if (holder !== null && holder !== v.path.owner) throw attributesOf(holder, `paths[${i}]`, text, current, next);
      plans.push({ attributes: next, key, owner: key === '' ? null : v.path.owner });
    });
    const changedPaths: number[] = [];
    const all: number[] = [];
    const results: UpsertResult[] = [];
    // Each touched prefix's attributes before this call (null: it had no paths), so every path of
    // it that takes new ones says updated, not only the first.
    const before = new Map<number, Attributes | null>();
    const own = this.record();
    const touched = own ? new RowSet() : null;
    valid.forEach((v, i) => {
      let row = rib.find(v.path.prefix);
      if (row !== NIL && this.touch(row)) row = rib.find(v.path.prefix);
      if (row !== NIL && !before.has(row)) before.set(row, rib.pathCountOf(row) > 0 ? rib.attributes(rib.attributeId(row)) : null);
      const to = plans[planOf[i]!]!;
      const r = rib.upsert({ ...v.path, attributes: to.attributes }, to.key);
      if (row === NIL) this.fresh(r.row);
      if (!before.has(r.row)) before.set(r.row, null);
      if (to.owner !== undefined) rib.setAttributesOwner(r.row, to.owner);
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
    });
    const result = all.map((p, i) => this.outcomeOf(p, results[i]!, before)) as AddedPaths;
    // The other paths of prefixes whose attributes changed: each is updated too. Interned sets are
    // one object per key while held, so an unchanged prefix is known by identity, without keys.
    let named: Set<number> | null = null;
    const also: AddedPath[] = [];
    const alsoPaths: number[] = [];
    for (const [row, old] of before) {
      if (old === null || old === rib.attributes(rib.attributeId(row))) continue;
      named ??= new Set(all);
      for (let p = rib.firstPath(row); p !== NIL; p = rib.nextPath(p)) {
        if (named.has(p)) continue;
        alsoPaths.push(p);
        also.push({ ...this.view(p), outcome: 'updated', before: attributesView(old) });
      }
    }
    result.alsoUpdated = also;
    this.emitCommits();
    if (changedPaths.length) {
      const updated = result.filter((r) => r.outcome === 'updated').length + also.length;
      this.emitRib(() => [...changedPaths, ...alsoPaths].map((p) => this.view(p)), () => [], { added: changedPaths.length - (updated - also.length), removed: 0, updated });
    }
    await this.persist(touched, own);
    return result;
  }

  /** What addPaths did to a path, judged after the whole call (a prefix's paths share attributes). */
  private outcomeOf(p: number, result: UpsertResult, before: ReadonlyMap<number, Attributes | null>): AddedPath {
    const view = this.view(p);
    if (result === 'added') return { ...view, outcome: 'added' };
    const old = before.get(this.rib.rowOfPath(p));
    const now = this.rib.attributes(this.rib.attributeId(this.rib.rowOfPath(p)));
    if (old && attributesKey(old) !== attributesKey(now)) return { ...view, outcome: 'updated', before: attributesView(old) };
    // The path's own check or weight changed (its attributes did not): updated, with the same attributes before.
    if (result === 'updated') return { ...view, outcome: 'updated', before: attributesView(now) };
    return { ...view, outcome: result === 'owner-added' ? 'owner-added' : 'unchanged' };
  }

  async deletePaths(sel: PathSelector): Promise<AnnouncedPath[]> {
    const prefix = validatePrefix(sel.prefix, 'prefix');
    const nextHops = (sel.nextHops ?? []).map((nh, i) => validateNextHop(nh, prefix.family, `nextHops[${i}]`));
    if (sel.owner !== undefined) validateOwner(sel.owner, 'owner');
    let row = this.rib.find(prefix);
    if (row !== NIL && this.touch(row)) row = this.rib.find(prefix); // a ReplacePaths being applied goes first (see applyReplace)
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
    this.emitCommits();
    if (victims.length === 0) {
      const what = nextHops.length ? `${prefix.toString()} via ${nextHops.join(', ')}` : prefix.toString();
      throw new RequestError('not-found', 'prefix', `prefix: no path ${what}${sel.owner !== undefined ? ` owned by ${sel.owner}` : ''} is announced`);
    }
    const before = victims.map((p) => this.view(p));
    const gone: AnnouncedPath[] = [];
    const own = this.record();
    victims.forEach((p, i) => {
      if (this.release(own, p, sel.owner)) gone.push(before[i]!);
    });
    if (gone.length) this.changed(row);
    if (gone.length) this.emitRib(() => [], () => gone, { added: 0, removed: gone.length, updated: 0 });
    await this.persist(own && RowSet.of(row), own);
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
      // Capped: the number comes from the client (untouched room costs address space, not memory).
      reserve: (paths) => stage.reserve(Math.min(paths, MAX_RESERVE) - stage.count),
      commit: async (options = {}) => {
        if (done) throw new Error('ReplacePaths: committed twice');
        done = true;
        this.applyingCount++;
        try {
          return await this.applyReplace(owner, stage, options);
        } finally {
          this.applyingCount--;
        }
      },
    };
  }

  /**
   * Everything is valid: from here on nothing can fail, so the change is all or nothing. Applied in
   * slices, so the event loop turns (BFD, keepalives, other calls) while a million paths go in:
   *
   * 1. Find (or make, empty) and hold the row of every staged prefix. Nothing the table holds
   *    changes yet; calls in between come before this one. Held rows are never freed, so their
   *    numbers keep naming their prefixes until the commit is done with them.
   * 2. From one moment on, the linearization point, this call comes before every call that starts
   *    later: row by row, the owner's paths the set lacks go and the set's paths are claimed (a
   *    row is "settled"). A later call that is about to change a row settles it first for every
   *    commit under way (touch()), and marks a row it makes anew as none of their business
   *    (fresh()), so each row sees this call's change and then the later one's, in that order:
   *    the result is the one of this call followed by the others. Rows made after the point are
   *    never this call's. Another ReplacePaths, of any owner, is such a later call too: it settles
   *    the rows of the commits before it first, and the last of two of one owner wins.
   *    Paths are looked up when their row is settled, never earlier, so path numbers freed and
   *    reused meanwhile, and columns grown, are never met stale.
   * 3. The journal record: the call's changes are written as each row is settled, and every
   *    change any call makes meanwhile is written into it too (journalDel/journalRow), in the
   *    order made. Its sequence number is taken when it is done, after the records of the calls in
   *    between; replayed after them, it puts back every path it mentions as it was last changed
   *    (the whole state of a path, or its delete), so a restart restores exactly the table.
   *    A crash before it is written loses the replace but for what the records of calls answered
   *    meanwhile carry of it: the rows they changed, as they left them, and for another ReplacePaths
   *    applied alongside, every change it saw made (sending the set again completes it).
   * Watchers hear the changes in the order made: a commit's pending events go out before anyone
   * else's (emitCommits), so a commit in slices may show as several events. Readers (ListPaths, the
   * peers) may see a commit half applied, as peers always see a large change arrive in parts.
   */
  private async applyReplace(owner: string, stage: PathStage, options: ReplaceOptions): Promise<ReplaceResult> {
    const rib = this.rib;
    // Lists only when someone will read them: the caller, or a watcher of the desired set.
    // Lists only when someone will read them: the caller, a watcher of paths, or (up to
    // SUMMARY_PATHS of them, in the summary at the end) any watcher of the desired set.
    const always = options.details === true || this.events.wants('rib', 'paths');
    const c = new ReplaceCommit(owner, stage, always || this.events.wants('rib'), options.details === true, this.record(stage.count * 24)); // a put is about 20 octets
    const slices = new Slices();
    // The rows there are, held now, and how many prefixes are new: the columns grow for those in
    // one step (at a million rows, each doubling on the way would be a block of its own).
    const rowOf = new Int32Array(stage.count);
    let missing = 0;
    // An entry of the same prefix as the one before (the central shape lists an EIP once per node)
    // takes its row without a look-up; each entry still holds the row once.
    for (let i = 0; i < stage.count; i++) {
      const again = i > 0 && stage.samePrefix(i, i - 1);
      const row = again ? rowOf[i - 1]! : rib.findOctets(stage.addr, i * 16, stage.len[i]!, stage.v6[i] === 1);
      rowOf[i] = row;
      if (row !== NIL) rib.hold(row);
      else if (!again) missing++;
      if (slices.spent()) await slices.next();
    }
    // Each step allocates and clears columns for the new rows: a unit a 16 rows.
    for (const _ of rib.reserving(missing)) if (slices.spent(missing >> 4)) await slices.next();
    // Then the new ones (made now, or by a call in between), and the set by row, in set order.
    // A refusal while staging: the holds so far are let go, and nothing changes.
    const refuse = (refusal: RequestError): never => {
      for (let k = 0; k < stage.count; k++) if (rowOf[k] !== NIL) rib.release(rowOf[k]!);
      throw refusal;
    };
    for (let i = 0; i < stage.count; i++) {
      if (rowOf[i] === NIL) {
        if (i > 0 && stage.samePrefix(i, i - 1)) rib.hold((rowOf[i] = rowOf[i - 1]!));
        else rowOf[i] = rib.holdRowOf(stage.addr, i * 16, stage.len[i]!, stage.v6[i] === 1);
      }
      const row = rowOf[i]!;
      const a = stage.attributeSets[stage.attr[i]!]!;
      if (!c.stageEntry(i, row)) refuse(otherAttributes(`paths[${i}]`, rib.prefixText(row), stage.attributeSets[c.rowAttr[row]!]!.attributes, a.attributes));
      // A prefix's first entry: attributes it states must not change those another owner holds.
      if (c.head[row] === i && a.key !== '' && rib.pathCountOf(row) > 0) {
        const other = rib.hasAttributesKey(row, a.key) ? null : rib.attributesHeldBy(row);
        if (other !== null && other !== owner) refuse(attributesOf(other, `paths[${i}]`, rib.prefixText(row), rib.attributes(rib.attributeId(row)), a.attributes));
      }
      if (slices.spent()) await slices.next();
    }
    if (options.maxRemove !== undefined || options.maxRemovePercent !== undefined) {
      const refusal = await this.removalGuard(c, options, slices);
      if (refusal) {
        for (let i = 0; i < stage.count; i++) rib.release(rowOf[i]!); // the entries' holds: nothing changes
        throw refusal;
      }
    }
    // The linearization point: the rows below the limit are the ones there are now.
    c.begin(rib.rowLimit);
    this.commits.push(c);
    try {
      for (let row = 0; row < c.limit; row++) {
        for (let k = 0; this.commits[k] !== c; k++) this.settle(this.commits[k]!, row); // the commits before this one first
        this.settle(c, row);
        // Counted in paths: a slice (and the event of its changes) holds at most a slice's worth.
        if (slices.spent(Math.max(1, rib.pathCountOf(row)))) {
          if (!always && c.collect && c.listed > SUMMARY_PATHS) c.stopCollecting(); // the summary goes without its paths
          this.emitCommits();
          await slices.next();
        }
      }
      this.emitCommits();
    } finally {
      this.commits.splice(this.commits.indexOf(c), 1);
    }
    // In the same turn as the commit leaves the list: no change is missed by its record.
    const durable = c.record ? this.store!.appendBlock(c.record.w) : Promise.resolve();
    if (c.addedCount + c.removedCount + c.updatedCount > 0) {
      const summary = { added: c.addedCount, removed: c.removedCount, updated: c.updatedCount };
      const at = this.clock.now();
      // Watchers of paths have had them (emitCommits); the others get them here when they are few.
      this.events.emit('rib', () => ({ type: 'rib', at, owner, added: [], removed: [], summary }), 'paths');
      const lists = c.collect && c.listed <= SUMMARY_PATHS ? c.lists() : { added: [], removed: [] };
      this.events.emit('rib', () => ({ type: 'rib', at, owner, ...lists, summary }), 'summaries');
    }
    const result: ReplaceResult = {
      added: c.addedCount,
      removed: c.removedCount,
      updated: c.updatedCount,
      unchanged: c.unchanged,
      size: (['ipv4-unicast', 'ipv6-unicast'] as const).map((family, v6) => ({ family, paths: c.setPaths[v6]!, prefixes: c.setPrefixes[v6]! })).filter((s) => s.paths > 0),
      ...(options.details ? { details: c.details() } : {}),
    };
    await durable;
    return result;
  }

  /**
   * The re-sync guard: how many of the owner's paths the set would withdraw, counted before the
   * linearization point (a walk of the table in slices); a refusal when more than allowed.
   */
  private async removalGuard(c: ReplaceCommit, options: ReplaceOptions, slices: Slices): Promise<RequestError | null> {
    const rib = this.rib;
    let owned = 0;
    let removing = 0;
    const wanted = new Set<number>();
    for (let row = 0; row < rib.rowLimit; row++) {
      if (rib.pathCountOf(row) === 0) continue;
      wanted.clear();
      const first = row < c.head.length ? c.head[row]! : NIL;
      for (let e = first; e !== NIL; e = c.nextEntry[e]!) {
        const id = c.nextHopId(rib, c.stage.nh[e]!);
        if (id !== undefined) wanted.add(id);
      }
      for (let p = rib.firstPath(row); p !== NIL; p = rib.nextPath(p)) {
        if (!c.owns(rib, p)) continue;
        owned++;
        if (!wanted.has(rib.nextHopIdOf(p))) removing++;
      }
      if (slices.spent()) await slices.next();
    }
    const limits: string[] = [];
    if (options.maxRemove !== undefined && removing > options.maxRemove) limits.push(`${options.maxRemove} paths`);
    if (options.maxRemovePercent !== undefined && removing > (owned * options.maxRemovePercent) / 100) limits.push(`${options.maxRemovePercent}% of them`);
    if (limits.length === 0) return null;
    return new RequestError(
      'failed-precondition',
      'maxRemove',
      `maxRemove: the set would withdraw ${removing} of the ${owned} paths ${c.owner} has, more than the limit of ${limits.join(' and ')}; nothing changed (send it without the limit to withdraw them on purpose)`,
    );
  }

  /** A commit's work on one row (step 2 of applyReplace), once. */
  private settle(c: ReplaceCommit, row: number): void {
    if (row >= c.limit || c.done[row]) return;
    c.done[row] = 1;
    const rib = this.rib;
    const stage = c.stage;
    const first = row < c.head.length ? c.head[row]! : NIL;
    if (first === NIL && rib.pathCountOf(row) === 0) return;
    let touched = false;
    // The prefix as text, made once for the row's views (a prefix of K paths shows it K times).
    let text: string | undefined;
    // The path of each of the set's entries for this prefix, where there is one (NIL where not): the
    // owner's other paths go. Found through the row's paths by next hop, made once per row, and
    // kept in reused columns: a prefix of K paths costs K, not K^2, and a million rows no lists.
    const byNh = this.pathByNh;
    const keep = this.keptPaths;
    byNh.begin();
    keep.begin(rib.pathLimit);
    for (let p = rib.firstPath(row); p !== NIL; p = rib.nextPath(p)) byNh.set(rib.nextHopIdOf(p), p);
    const pathOfEntry = (e: number): number => {
      const id = c.nextHopId(rib, stage.nh[e]!);
      return id === undefined ? NIL : byNh.get(id);
    };
    let n = 0;
    for (let e = first; e !== NIL; e = c.nextEntry[e]!) {
      if (n === this.kept.length) this.kept = grow(this.kept, n * 2);
      const p = pathOfEntry(e);
      this.kept[n++] = p;
      if (p !== NIL) keep.set(p, 1);
    }
    const kept = this.kept;
    for (let p = rib.firstPath(row); p !== NIL; ) {
      const next = rib.nextPath(p);
      if (c.owns(rib, p) && !keep.has(p)) {
        const view = c.collect ? this.view(p, (text ??= rib.prefixText(row))) : null;
        if (view) c.removed.push(view);
        c.removedCount++;
        touched = true;
        const nhId = rib.nextHopIdOf(p);
        if (this.release(c.record, p, c.owner)) {
          byNh.delete(nhId); // its number may be reused, and its next hop's
          if (view) c.gone.push(view);
          this.changed(row);
        }
      }
      p = next;
    }
    if (first !== NIL) {
      // All paths of a prefix share its attributes, and the set gives them once (stageEntry refused
      // a set that gives a prefix two). The set makes them exactly its own, but attributes another
      // owner holds stay theirs: a set that states none keeps them (one that states others was
      // refused when staged; should a call since have made them another's, they are kept too).
      let a = stage.attributeSets[c.rowAttr[row]!]!;
      let holder: string | null | undefined; // who holds the attributes afterwards (undefined: as before)
      const had = rib.pathCountOf(row) > 0 ? rib.attributeId(row) : 0;
      if (had === 0) holder = a.key === '' ? null : c.owner;
      else if (!rib.hasAttributesKey(row, a.key)) {
        const other = rib.attributesHeldBy(row);
        if (other !== null && other !== c.owner) {
          const current = rib.attributes(had);
          a = { attributes: current, key: attributesKey(current) };
        } else holder = a.key === '' ? null : c.owner;
      } else if (a.key !== '' && rib.attributesOwner(row) === null) holder = c.owner;
      const shown: number[] = [];
      let k = 0;
      for (let e = first; e !== NIL; e = c.nextEntry[e]!, k++) {
        const nh = stage.nextHops[stage.nh[e]!]!;
        // A kept path is still there; where there was none, an entry before this one may have made it.
        const known = kept[k] !== NIL ? kept[k]! : pathOfEntry(e);
        const check = stage.check[e]!;
        const weight = stage.weight[e]!;
        const r = known !== NIL ? rib.claim(known, a.attributes, a.key, c.owner, check, weight) : rib.addAt(row, nh, c.nhKeys[stage.nh[e]!]!, a.attributes, a.key, c.owner, check, weight);
        if (known === NIL) byNh.set(rib.nextHopIdOf(r.path), r.path);
        if (isChange(r.result)) this.changed(r.row);
        if (r.result !== 'unchanged') {
          touched = true;
          this.gate?.bind(r.path);
        }
        if (r.result === 'unchanged') c.unchanged++;
        else if (r.result === 'updated') c.updatedCount++;
        else c.addedCount++;
        if (c.collect && r.result !== 'unchanged') shown.push(e, r.path, r.result === 'updated' ? 1 : 0); // only when listing
      }
      if (holder !== undefined) rib.setAttributesOwner(row, holder);
      // The row's other paths (another owner's) changed with its attributes: updated too.
      if (had !== 0 && rib.attributeId(row) !== had) {
        for (let p = rib.firstPath(row); p !== NIL; p = rib.nextPath(p)) {
          if (c.owns(rib, p)) continue;
          c.updatedCount++;
          touched = true;
          if (c.collect) shown.push(stage.count + c.updatedCount, p, 1); // after the set's own, in the caller's lists
        }
      }
      // Viewed once the row is done: every path shows the row's attributes as they now are.
      for (let j = 0; j < shown.length; j += 3) (shown[j + 2] ? c.updated : c.added).push({ entry: shown[j]!, path: this.view(shown[j + 1]!, (text ??= rib.prefixText(row))) });
      for (; k > 0; k--) rib.release(row); // each entry's hold; the row has paths: it stays
    }
    if (touched) this.journalRow(c.record, row);
  }

  /**
   * A call other than a commit is about to change `row`: every commit under way settles it first.
   * Returns whether there was any (the row may be gone then: the caller looks it up again).
   */
  private touch(row: number): boolean {
    for (const c of this.commits) this.settle(c, row);
    return this.commits.length > 0;
  }

  /** A call other than a commit made `row` anew: it had nothing of the commits under way. */
  private fresh(row: number): void {
    for (const c of this.commits) if (row < c.limit) c.done[row] = 1;
  }

  /** The events of the commits under way, in their order, before anyone else's (see applyReplace). */
  private emitCommits(): void {
    for (const c of this.commits) {
      const e = c.takeEvents();
      // Only to watchers of paths; the others hear the whole replace's summary at its end.
      if (e) this.events.emit('rib', () => ({ type: 'rib', at: this.clock.now(), owner: c.owner, added: e.added(), removed: e.gone(), more: true }), 'paths');
      // Told and not wanted by the caller, nor by a summary (too many): not held for the rest of the commit.
      if (!c.keep && c.listed > SUMMARY_PATHS) c.dropShown();
    }
  }

  /**
   * The paths in parts of about `chunk` (a part ends with a prefix's last path), in prefix order
   * (see SortedPrefixes). Between parts the table may change: a part holds no path number, only
   * the prefix where the next part starts. An empty part is a step of preparing the order.
   */
  *listPathChunks(filter: PathFilter, chunk: number, sentTo?: SentTo): IterableIterator<AnnouncedPath[]> {
    const wanted = this.listFilter(filter, sentTo);
    let out: AnnouncedPath[] = [];
    for (const row of this.listedRows(filter)) {
      if (row < 0) {
        yield [];
        continue;
      }
      const text = this.rib.prefixText(row);
      for (let path = this.rib.firstPath(row); path !== NIL; path = this.rib.nextPath(path)) if (wanted(path)) out.push(this.view(path, text));
      if (out.length >= chunk) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  }

  /**
   * The same packed: each part is blocks of paths that share everything but their prefix and path
   * identifier (a block per next hop, attribute set, owners and check in the part), so a table of
   * a million paths costs no object per path here or on the wire.
   */
  *listPathBlocks(filter: PathFilter, chunk: number, sentTo?: SentTo): IterableIterator<ListedBlock[]> {
    const wanted = this.listFilter(filter, sentTo);
    let part = new Int32Array(Math.min(chunk, 1 << 16) + 64);
    let n = 0;
    for (const row of this.listedRows(filter)) {
      if (row < 0) {
        yield [];
        continue;
      }
      for (let path = this.rib.firstPath(row); path !== NIL; path = this.rib.nextPath(path)) {
        if (!wanted(path)) continue;
        if (n === part.length) part = grow(part, n * 2);
        part[n++] = path;
      }
      if (n >= chunk) {
        yield this.blocksOf(part.subarray(0, n));
        n = 0;
      }
    }
    if (n > 0) yield this.blocksOf(part.subarray(0, n));
  }

  /** Which paths a listing keeps (owner, check and peer filters); throws on a check the config lacks. */
  private listFilter(filter: PathFilter, sentTo?: SentTo): (path: number) => boolean {
    const owner = filter.owner || undefined;
    let sentRow = NIL;
    let sent: readonly number[] = [];
    // A name the config lacks is refused, listing the ones it has (as AddPath does); 0: no filter.
    const check = validateCheck(filter.check, this.checks, 'check');
    const ownerSets = new Map<number, boolean>();
    return (path) => {
      if (check !== 0 && this.rib.checkOf(path) !== check) return false;
      if (sentTo) {
        const row = this.rib.rowOfPath(path);
        if (row !== sentRow) [sentRow, sent] = [row, sentTo(row)];
        if (!sent.includes(path)) return false;
      }
      if (owner === undefined) return true;
      const id = this.rib.ownerSetIdOf(path);
      let has = ownerSets.get(id);
      if (has === undefined) ownerSets.set(id, (has = this.rib.ownersOf(path).includes(owner)));
      return has;
    };
  }

  /** The rows a listing walks, in prefix order; -1 is a step of preparing that order (see SortedPrefixes). */
  private *listedRows(filter: PathFilter): Generator<number> {
    if (filter.prefix !== undefined && filter.prefix !== '') {
      const row = this.rib.find(validatePrefix(filter.prefix, 'prefix'));
      if (row !== NIL && this.rib.pathCountOf(row) > 0) yield row;
      return;
    }
    const sorted = new SortedPrefixes(this.rib);
    for (const _ of sorted.prepare()) yield -1;
    while (sorted.next()) {
      const row = sorted.row();
      if (row >= 0) yield row;
    }
  }

  /** A part's paths (in prefix order) as blocks of paths that share all but prefix and path id. */
  private blocksOf(paths: Int32Array): ListedBlock[] {
    const rib = this.rib;
    const target = (p: number): number => this.gate?.targetOf(p) ?? NIL;
    const order = new Uint32Array(paths.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const same = (a: number, b: number): number => {
      const x = paths[a]!;
      const y = paths[b]!;
      const rx = rib.rowOfPath(x);
      const ry = rib.rowOfPath(y);
      return (
        Number(rib.isV6(rx)) - Number(rib.isV6(ry)) ||
        rib.nextHopIdOf(x) - rib.nextHopIdOf(y) ||
        rib.attributeId(rx) - rib.attributeId(ry) ||
        rib.ownerSetIdOf(x) - rib.ownerSetIdOf(y) ||
        rib.checkOf(x) - rib.checkOf(y) ||
        target(x) - target(y)
      );
    };
    order.sort((a, b) => same(a, b) || a - b);
    const { addr, len } = rib.columns;
    const blocks: ListedBlock[] = [];
    for (let s = 0; s < order.length; ) {
      let e = s + 1;
      while (e < order.length && same(order[s]!, order[e]!) === 0) e++;
      let size = 0;
      for (let i = s; i < e; i++) size += 1 + ((len[rib.rowOfPath(paths[order[i]!]!)]! + 7) >> 3);
      const prefixes = new Uint8Array(size);
      const pathIds = new Uint32Array(e - s);
      let at = 0;
      for (let i = s; i < e; i++) {
        const p = paths[order[i]!]!;
        const row = rib.rowOfPath(p);
        const l = len[row]!;
        prefixes[at++] = l;
        const octets = (l + 7) >> 3;
        prefixes.set(addr.subarray(row * 16, row * 16 + octets), at);
        at += octets;
        pathIds[i - s] = rib.pathIdOf(p);
      }
      const first = paths[order[s]!]!;
      const { prefix: _prefix, pathId: _pathId, ...template } = this.view(first);
      blocks.push({ template, prefixes, pathIds });
      s = e;
    }
    return blocks;
  }

  /** A path as the API shows it, with its health check's findings when it names one. */
  private view(p: number, prefixText?: string): AnnouncedPath {
    const v = this.rib.view(p, prefixText);
    const health = this.gate?.describe(p);
    return health ? { ...v, ...health } : v;
  }

  /**
   * A request's change: its paths to everyone, or when there are many, to watchers of paths and
   * its summary to the others.
   */
  private emitRib(added: () => AnnouncedPath[], removed: () => AnnouncedPath[], summary: { added: number; removed: number; updated: number }): void {
    const full = (): SpeakerEvent => ({ type: 'rib', at: this.clock.now(), added: added(), removed: removed() });
    if (summary.added + summary.removed + summary.updated <= SUMMARY_PATHS) return this.events.emit('rib', full);
    this.events.emit('rib', full, 'paths');
    this.events.emit('rib', () => ({ type: 'rib', at: this.clock.now(), added: [], removed: [], summary }), 'summaries');
  }

  /** A journal record for this call, when there is a state file (`size`: the octets it may take). */
  private record(size?: number): JournalRecord | null {
    return this.store ? new JournalRecord(size) : null;
  }

  /**
   * Drops `owner`'s claim on a path that has it (every claim without an owner). When that is the
   * last one the path goes: before it does (its row's octets may be reused after), the journal
   * gets its delete and its health check stops. Returns whether it went.
   */
  private release(own: JournalRecord | null, p: number, owner?: string): boolean {
    if (owner === undefined || this.rib.ownersOf(p).length === 1) {
      this.gate?.unbind(p);
      this.journalDel(own, p);
    }
    return this.rib.releaseClaim(p, owner)?.gone === true;
  }

  /** The path's delete, in the call's record and in every commit's under way (see applyReplace). */
  private journalDel(own: JournalRecord | null, p: number): void {
    if (!own) return;
    this.recordDelete(own.w, p);
    for (const c of this.commits) if (c.record && c.record !== own) this.recordDelete(c.record.w, p);
  }

  /** Every path of the row as it is now, in the call's record and in every commit's under way. */
  private journalRow(own: JournalRecord | null, row: number): void {
    if (!own) return;
    this.storedRow(row, own.w, own.details);
    for (const c of this.commits) if (c.record && c.record !== own) this.storedRow(row, c.record.w, c.record.details);
  }

  private recordDelete(w: PathBlockWriter, p: number): void {
    const rib = this.rib;
    const row = rib.rowOfPath(p);
    w.del(rib.columns.addr, row * 16, rib.columns.len[row]!, rib.isV6(row), w.nextHop(nextHopText(rib.nextHop(rib.nextHopIdOf(p)))));
  }

  /**
   * Journals one call: the paths that went (already in its record), then every path of each row the
   * call touched (a row's paths share its attributes, so a change to one is a change to all).
   * Resolves once on disk.
   */
  private persist(rows: RowSet | null, own: JournalRecord | null): Promise<void> {
    if (!this.store || !rows || !own) return Promise.resolve(); // no state file
    for (let i = 0; i < rows.size; i++) this.journalRow(own, rows.at(i));
    return this.store.appendBlock(own.w).catch((e: unknown) => {
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
      // At most `rows` rows, and no more than a slice of time: the store lets the loop turn after each call.
      const slice = new Slices();
      for (let n = 0; n < rows && row < this.rib.rowLimit && !slice.spent(); row++) {
        if (this.rib.pathCountOf(row) === 0) continue;
        this.storedRow(row, w, details);
        n++;
      }
      return row < this.rib.rowLimit;
    };
  }

  /**
   * A row's paths as the state file keeps them, written into `w` from the RIB's columns. A path's
   * details (owners, attributes and check) are looked up once per owner set, attribute set and check
   * in a block (`details`: attribute set id -> owner set and check -> index in the block).
   */
  private storedRow(row: number, w: PathBlockWriter, details: Map<number, Map<number, number>>): void {
    const rib = this.rib;
    if (rib.firstPath(row) === NIL) return; // emptied by the call: nothing (its attributes are gone too)
    const { addr, len } = rib.columns;
    const v6 = rib.isV6(row);
    const attrId = rib.attributeId(row);
    const by = rib.attributesOwnerId(row);
    // Attribute set and its owner by one number (ids stay far below 2^26).
    const detailKey = by * 0x4000000 + attrId;
    let byOwners = details.get(detailKey);
    if (byOwners === undefined) details.set(detailKey, (byOwners = new Map()));
    const checks = this.gate?.checkNames ?? [];
    for (let p = rib.firstPath(row); p !== NIL; p = rib.nextPath(p)) {
      const check = rib.checkOf(p);
      const weight = rib.weightOf(p);
      // Owner sets, checks and weights by one number: checks are few (numbered from 1, none is 0),
      // weights at most MAX_WEIGHT.
      const set = (rib.ownerSetIdOf(p) * (checks.length + 1) + check) * (MAX_WEIGHT + 1) + weight;
      let d = byOwners.get(set);
      if (d === undefined) byOwners.set(set, (d = w.detail(detailsText(rib.attributes(attrId), rib.ownersOf(p), check === 0 ? '' : checks[check - 1]!, rib.attributesOwner(row), weight))));
      w.put(addr, row * 16, len[row]!, v6, w.nextHop(nextHopText(rib.nextHop(rib.nextHopIdOf(p)))), d, rib.pathIdOf(p));
    }
  }
}

/** One call's journal record: its block, and the details it holds (attribute set id -> owner set id -> index). */
class JournalRecord {
  readonly w: PathBlockWriter;
  readonly details = new Map<number, Map<number, number>>();

  constructor(size?: number) {
    this.w = new PathBlockWriter(size);
  }
}

/** A ReplacePaths being applied (see DesiredTable.applyReplace): its set by prefix row, and its figures so far. */
class ReplaceCommit {
  /** Rows at the linearization point: those below are its business until settled, later ones never. */
  limit = 0;
  /** Per row below the limit: 1 once settled (or made anew by a later call). */
  done = new Uint8Array(0);
  /** Per row: its prefix's first staged entry (NIL: none); entries chain through nextEntry in set order. */
  head = new Int32Array(0);
  private tail = new Int32Array(0);
  readonly nextEntry: Int32Array;
  /** Per row: the attribute set (index in the stage) of the set's last path of the prefix. */
  rowAttr = new Int32Array(0);
  /** Owner set id -> whether it has the owner. */
  private readonly owned = new Map<number, boolean>();
  /** nextHopKey of each of the stage's next hops, made once. */
  readonly nhKeys: readonly string[];
  /** The RIB's id of each staged next hop (-1: none), as of nhGeneration: a look-up per next hop, not per path. */
  private readonly nhIds: Int32Array;
  private readonly nhGeneration: Float64Array;
  /** The set's paths and prefixes, IPv4 [0] and IPv6 [1]. */
  readonly setPaths = [0, 0];
  readonly setPrefixes = [0, 0];
  addedCount = 0;
  removedCount = 0;
  updatedCount = 0;
  unchanged = 0;
  /** With `collect`: what the caller may ask for (by set entry, to be told in set order) ... */
  readonly added: { readonly entry: number; readonly path: AnnouncedPath }[] = [];
  readonly updated: { readonly entry: number; readonly path: AnnouncedPath }[] = [];
  readonly removed: AnnouncedPath[] = [];
  /** ... and, from `shown` on, what the watchers have not been told yet. */
  private shownAdded = 0;
  private shownUpdated = 0;
  readonly gone: AnnouncedPath[] = [];
  private shownGone = 0;

  constructor(
    readonly owner: string,
    readonly stage: PathStage,
    /** Whether the paths are listed (for the caller or for watchers), not only counted. */
    public collect: boolean,
    /** Whether the caller wants the lists (details): they are kept whole. */
    readonly keep: boolean,
    /** Its journal record, when there is a state file. */
    readonly record: JournalRecord | null,
  ) {
    this.nextEntry = new Int32Array(stage.count);
    this.nhKeys = stage.nextHops.map(nextHopKey);
    this.nhIds = new Int32Array(this.nhKeys.length);
    this.nhGeneration = new Float64Array(this.nhKeys.length).fill(-1);
  }

  /**
   * Set entry `i` is a path of the prefix in `row`. Returns false, staging nothing, when an entry
   * before it gave the prefix other attributes (all paths of a prefix carry the same).
   */
  stageEntry(i: number, row: number): boolean {
    if (row >= this.head.length) {
      const size = Math.max(1024, row + 1, this.head.length * 2);
      this.head = grow(this.head, size, NIL);
      this.tail = grow(this.tail, size, NIL);
      this.rowAttr = grow(this.rowAttr, size);
    }
    if (this.head[row] !== NIL && this.rowAttr[row] !== this.stage.attr[i]) return false;
    this.nextEntry[i] = NIL;
    const v6 = this.stage.v6[i]!;
    this.setPaths[v6]!++;
    if (this.head[row] === NIL) {
      this.head[row] = i;
      this.setPrefixes[v6]!++;
    } else this.nextEntry[this.tail[row]!] = i;
    this.tail[row] = i;
    this.rowAttr[row] = this.stage.attr[i]!;
    return true;
  }

  /** The linearization point: `limit` rows exist. */
  begin(limit: number): void {
    this.limit = limit;
    this.done = new Uint8Array(limit);
  }

  /** The RIB's id of staged next hop j, or undefined when the RIB has none (looked up again only when the RIB's next hops changed). */
  nextHopId(rib: Rib, j: number): number | undefined {
    // Each entry refreshed on its own: a set of many new next hops changes the generation often.
    const generation = rib.nextHopGeneration;
    if (this.nhGeneration[j] !== generation) {
      this.nhIds[j] = rib.nextHopIdByKey(this.nhKeys[j]!) ?? NIL;
      this.nhGeneration[j] = generation;
    }
    const id = this.nhIds[j]!;
    return id === NIL ? undefined : id;
  }

  owns(rib: Rib, p: number): boolean {
    const set = rib.ownerSetIdOf(p);
    let mine = this.owned.get(set);
    if (mine === undefined) this.owned.set(set, (mine = rib.ownersOf(p).includes(this.owner)));
    return mine;
  }

  /** Paths listed so far (dropped ones too). */
  get listed(): number {
    return this.trimmed ? Infinity : this.added.length + this.updated.length + this.gone.length + this.removed.length;
  }

  /** Whether some of the lists were dropped (dropShown). */
  private trimmed = false;

  /** What watchers were told already, unless the caller wants it (details): dropped. */
  dropShown(): void {
    this.added.splice(0, this.shownAdded);
    this.updated.splice(0, this.shownUpdated);
    this.gone.splice(0, this.shownGone);
    this.removed.length = 0; // only the caller's details list these
    this.shownAdded = this.shownUpdated = this.shownGone = 0;
    this.trimmed = true;
  }

  /** No more lists (they would be too long for a summary): what was listed is dropped. */
  stopCollecting(): void {
    this.collect = false;
    this.added.length = this.updated.length = this.removed.length = this.gone.length = 0;
    this.shownAdded = this.shownUpdated = this.shownGone = 0;
  }

  /** Everything listed: paths added or updated (as now held), and paths gone. */
  lists(): { added: AnnouncedPath[]; removed: AnnouncedPath[] } {
    return { added: [...this.added, ...this.updated].map((x) => x.path), removed: [...this.gone] };
  }

  /**
   * The changes watchers have not been told of (paths added or updated, paths gone), as makers of
   * the lists (called only when someone listens), or null when there are none; from now on told.
   */
  takeEvents(): { added: () => AnnouncedPath[]; gone: () => AnnouncedPath[] } | null {
    const [a, u, g] = [this.shownAdded, this.shownUpdated, this.shownGone];
    const [ae, ue, ge] = [this.added.length, this.updated.length, this.gone.length];
    if (a === ae && u === ue && g === ge) return null;
    this.shownAdded = ae;
    this.shownUpdated = ue;
    this.shownGone = ge;
    return {
      added: () => [...this.added.slice(a, ae), ...this.updated.slice(u, ue)].map((x) => x.path),
      gone: () => this.gone.slice(g, ge),
    };
  }

  /** The paths for the caller, added and updated in set order (rows are settled in another). */
  details(): NonNullable<ReplaceResult['details']> {
    const inSetOrder = (l: readonly { readonly entry: number; readonly path: AnnouncedPath }[]) => {
      // Usually in order already (rows made for a set are settled in the order made): no sort then.
      const sorted = l.every((a, i) => i === 0 || l[i - 1]!.entry < a.entry);
      return (sorted ? l : [...l].sort((a, b) => a.entry - b.entry)).map((a) => a.path);
    };
    return { added: inSetOrder(this.added), removed: this.removed, updated: inSetOrder(this.updated) };
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

/**
 * Stored details' text by check name ('': none), owner set and attribute set, made once per such
 * triple of interned values: checks and owner sets are few, attribute sets may be many (one entry each).
 */
const detailsTexts = new Map<string, WeakMap<readonly string[], WeakMap<Attributes, string>>>();

/**
 * The stored text of the details of a path with these (interned) attributes and owners, this check
 * ('': none) and the owner of its prefix's attributes (null: nobody).
 */
function detailsText(attributes: Attributes, owners: readonly string[], check: string, attributesOwner: string | null, weight: number): string {
  // Names have no line breaks.
  const k = `${check}\n${attributesOwner ?? ''}\n${weight}`;
  let byOwners = detailsTexts.get(k);
  if (byOwners === undefined) detailsTexts.set(k, (byOwners = new WeakMap()));
  let byAttributes = byOwners.get(owners);
  if (byAttributes === undefined) byOwners.set(owners, (byAttributes = new WeakMap()));
  let text = byAttributes.get(attributes);
  if (text === undefined) byAttributes.set(attributes, (text = encodePathDetails({ owners, ...attributesView(attributes), check, ...(weight !== 0 ? { weight } : {}), ...(attributesOwner !== null ? { attributesOwner } : {}) })));
  return text;
}

/**
 * The refusal of a path that gives its prefix other attributes than an earlier path of the same
 * request: named by the first attribute that differs (`paths[3].communities`).
 */
/** The refusal of a change to attributes that `holder` set (see addPaths and applyReplace). */
function attributesOf(holder: string, path: string, prefix: string, current: Attributes, wanted: Attributes): RequestError {
  const name = firstDifference(current, wanted);
  const field = name ? `${path}.${name}` : path;
  return new RequestError(
    'failed-precondition',
    field,
    `${field}: the attributes of ${prefix} were set by owner ${holder}, which still has a path of it: all paths of a prefix carry the same attributes, and only ${holder} may change them (${name ?? 'they'} would change; state the same value, state none, or have ${holder} change them)`,
  );
}

function otherAttributes(path: string, prefix: string, earlier: Attributes, now: Attributes): RequestError {
  const differs = attributeTable().find((e) => {
    const [a, b] = [fieldOf(earlier, e), fieldOf(now, e)];
    return (isSet(a) ? e.key(a) : '') !== (isSet(b) ? e.key(b) : '');
  });
  return invalid(
    differs ? `${path}.${differs.name}` : path,
    `${prefix} is given other attributes here than by an earlier path of the same request: all paths of a prefix carry the same attributes (give each the same, or give them once per prefix)`,
  );
}
