// The desired paths, held column-wise so a million of them cost typed-array rows, not objects
// and strings. A prefix is a row of the prefix columns (its octets, length, family, attribute set
// and the list of its paths); a path is a row of the path columns (prefix row, next hop, path id,
// owners). Attribute sets, next hops and owner sets are interned: a table shares a handful.
//
// Rows are found through an open-addressing hash index on the prefix octets. A prefix row lives
// while it has paths or while a peer still holds it (its Adj-RIB-Out or its queue refers to the
// row): only then is it freed and reused.
//
// Path identifiers (RFC 7911) come from one counter and are never reused while the daemon runs,
// so a router without ADD-PATH never sees its single path move back to an old id; paths of a
// prefix stay in insertion order, oldest first.

import { formatIPv6 } from '../codec/ip.js';
import type { Family } from '../codec/types.js';
import { IpAddress, Prefix } from '../codec/values.js';
import { attributesKey, attributesView, type Attributes } from '../attributes/table.js';
import { Interner } from './interner.js';
import { grow } from './columns.js';
import type { AnnouncedPath, DesiredPath, NextHop } from './types.js';

/** What an upsert did; 'added' and 'updated' change what peers must be sent. */
export type UpsertResult = 'added' | 'owner-added' | 'updated' | 'unchanged';

export interface UpsertAnswer {
  readonly row: number;
  readonly path: number;
  readonly result: UpsertResult;
}

/**
 * What a restored path holds besides its prefix, next hop and path id (see restorePath): one record
 * per stored set of details, shared by the paths stored with it.
 */
export interface RestoredDetails {
  readonly attributes: Attributes;
  /** attributesKey(attributes) */
  readonly attrKey: string;
  readonly owners: readonly string[];
  /** ownerSetKey(owners) */
  readonly ownersKey: string;
  /** The path's health check (see checkOf), 0 for none. */
  readonly check: number;
  /** The path's weight (see weightOf), 0 for none. */
  readonly weight?: number;
  /** The owner who set the prefix's attributes (see attributesOwner); undefined: nobody. */
  readonly attributesOwner?: string;
}

const NIL = -1;
const V6 = 1;

/** A canonical key of an owner set (owner names have no line breaks). */
export function ownerSetKey(owners: readonly string[]): string {
  return owners.join('\n');
}

const keyCache = new WeakMap<IpAddress, string>();

/** A canonical key of a next hop. */
export function nextHopKey(nh: NextHop): string {
  if (nh === 'self') return 'self';
  let k = keyCache.get(nh);
  if (k === undefined) keyCache.set(nh, (k = nh.toString()));
  return k;
}

/** FNV-1a over the significant octets, the length and the family. */
function hashPrefix(bytes: Uint8Array, at: number, length: number, v6: number): number {
  let h = 0x811c9dc5 ^ (length | (v6 << 8));
  h = Math.imul(h, 0x01000193);
  const n = (length + 7) >> 3;
  for (let i = 0; i < n; i++) {
    h ^= bytes[at + i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Rows moved into a growing index per row made (see beginRehash). */
const REHASH_STEP = 8;
/** Rows moved at once by reserving() between its yields. */
const REHASH_SLICE = 65_536;
/** An index of at most this many rows is rebuilt at once. */
const REHASH_AT_ONCE = 65_536;

/** Puts row + 1 in `index` at the first free or deleted slot from `hash`; true when that slot was free. */
function indexAdd(index: Int32Array, row: number, hash: number): boolean {
  const mask = index.length - 1;
  let i = hash & mask;
  while (index[i]! > 0) i = (i + 1) & mask;
  const fresh = index[i] === 0;
  index[i] = row + 1;
  return fresh;
}

/** Marks the row's slot in `index` deleted (the probe stops at a free slot: it is always there). */
function indexRemove(index: Int32Array, row: number, hash: number): void {
  const mask = index.length - 1;
  for (let i = hash & mask; index[i] !== 0; i = (i + 1) & mask) {
    if (index[i] === row + 1) {
      index[i] = -1;
      return;
    }
  }
}

/**
 * A path as upsertOctets and upsertAt write it: everything of a DesiredPath but its prefix (given
 * as octets), with its attribute set's key when the caller has it. Its health check (see checkOf)
 * is the last writer's; who may change the attributes is the DesiredTable's business.
 */
export type PathWrite = Omit<DesiredPath, 'prefix'> & { readonly attrKey: string };

export class Rib {
  // ---- prefix rows
  private cap = 0;
  private top = 0;
  private readonly freeRows: number[] = [];
  private liveRows = 0;
  /** Rows in use (with paths, or held by a peer). */
  private usedRows = 0;
  /** 16 octets per row (IPv4 uses the first 4), host bits clear. */
  private addr = new Uint8Array(0);
  private len = new Uint8Array(0);
  private fam = new Uint8Array(0);
  /** 1 while the row is in use. */
  private used = new Uint8Array(0);
  private attr = new Int32Array(0);
  /** Who set the row's attributes: an owner set of one owner (ownerSets), 0 for nobody. */
  private attrBy = new Int32Array(0);
  private head = new Int32Array(0);
  private tail = new Int32Array(0);
  private npaths = new Int32Array(0);
  /** References from peers (Adj-RIB-Out entries, queued changes): the row lives while > 0. */
  private holds = new Int32Array(0);

  // ---- hash index of prefix rows: row + 1, 0 empty, -1 deleted
  private index = new Int32Array(16);
  /** Slots not empty (rows and deleted ones). */
  private indexFilled = 0;
  // ---- a larger index being built beside it, some rows at a time (null: none), so that growing
  // the index of a million rows is not one block of 35-70 ms. Rows below scanAt, and from scanEnd
  // up, are in it (kept there as they are made and freed); the scan moves those between.
  private nextIndex: Int32Array<ArrayBuffer> | null = null;
  private nextFilled = 0;
  private scanAt = 0;
  private scanEnd = 0;

  // ---- path rows
  private pcap = 0;
  private ptop = 0;
  private readonly freePaths: number[] = [];
  private pathCount = 0;
  private pPrefix = new Int32Array(0);
  private pNh = new Int32Array(0);
  private pId = new Uint32Array(0);
  private pOwners = new Int32Array(0);
  private pNext = new Int32Array(0);
  /** The path's health check: 1 + its index in the configured checks, 0 for none. */
  private pCheck = new Uint16Array(0);
  /** The path's weight for weighted ECMP (sent as link bandwidth), 0 for none. */
  private pWeight = new Uint16Array(0);
  private nextPathId = 1;
  /**
   * The last answers of setAttributes and addOwner: an attribute set (by id) that is the one of
   * its key, and an owner set (by id) that has the owner. Interned ids are never reused, and the
   * row or path asking holds the id, so an answer stays true while it can be asked again.
   */
  private lastAttr = -1;
  private lastAttrKey = '';
  private lastOwnerSet = -1;
  private lastOwner = '';

  private readonly attrs = new Interner<Attributes>();
  private readonly nextHops = new Interner<NextHop>();
  private readonly ownerSets = new Interner<readonly string[]>();

  /** Paths held. */
  get size(): number {
    return this.pathCount;
  }

  /** Prefixes with at least one path. */
  get prefixCount(): number {
    return this.liveRows;
  }

  /** The prefix columns as the packer reads them (valid until the next change). */
  get columns(): { readonly addr: Uint8Array; readonly len: Uint8Array } {
    return { addr: this.addr, len: this.len };
  }

  /** Path numbers in use are below this. */
  get pathLimit(): number {
    return this.ptop;
  }

  /** Rows in use are below this. */
  get rowLimit(): number {
    return this.top;
  }

  /**
   * Room for `paths` more paths on as many more rows, made at once (a restore of a stored table, a
   * large ReplacePaths): each column grows in one step, not by doubling all the way.
   */
  reserve(paths: number): void {
    for (const _ of this.reserving(paths));
  }

  /**
   * reserve() in steps (the index, some rows at a time; the rows; the paths), yielding after each:
   * at a million, each would take tens of milliseconds at once, so the caller may let the event
   * loop turn between them.
   */
  *reserving(paths: number): Generator<void> {
    // The index is built anew beside the one in use, some rows a step (a rebuild under way first).
    // Rows made meanwhile move some too, and may finish it, or start another: driven here as well.
    while (this.nextIndex !== null && !this.rehashStep(REHASH_SLICE)) yield;
    let size = this.index.length;
    while (size < (this.usedRows + paths) * 3) size *= 2;
    if (size > this.index.length) {
      this.beginRehash(size);
      while (this.nextIndex !== null && !this.rehashStep(REHASH_SLICE)) yield;
    }
    yield;
    this.growRows(this.top + paths);
    yield;
    this.growPaths(this.ptop + paths);
  }

  // ---- prefix rows ---------------------------------------------------------------------------

  /** The row of `p`, or -1. */
  find(p: Prefix): number {
    return this.findOctets(p.bytes, 0, p.length, p.isV6);
  }

  /** The row of the prefix whose octets are bytes[at..] (host bits clear), or -1. */
  findOctets(bytes: Uint8Array, at: number, length: number, isV6: boolean): number {
    const v6 = isV6 ? V6 : 0;
    const mask = this.index.length - 1;
    for (let i = hashPrefix(bytes, at, length, v6) & mask; ; i = (i + 1) & mask) {
      const e = this.index[i]!;
      if (e === 0) return NIL;
      if (e > 0 && this.matches(e - 1, bytes, at, length, v6)) return e - 1;
    }
  }

  private matches(row: number, bytes: Uint8Array, at: number, length: number, v6: number): boolean {
    if (this.len[row] !== length || this.fam[row] !== v6) return false;
    const base = row * 16;
    const n = (length + 7) >> 3;
    for (let i = 0; i < n; i++) if (this.addr[base + i] !== bytes[at + i]) return false;
    return true;
  }

  private insertRow(bytes: Uint8Array, at: number, length: number, isV6: boolean): number {
    if (this.nextIndex !== null) {
      // A few rows moved per row made: done long before the index is too full (unless it is).
      this.rehashStep((this.indexFilled + 1) * 8 > this.index.length * 7 ? Infinity : REHASH_STEP);
    } else if ((this.indexFilled + 1) * 2 > this.index.length) {
      // Sized from the rows in use, so deleted entries are dropped rather than doubled.
      let size = 16;
      while (size < (this.usedRows + 1) * 3) size *= 2;
      this.beginRehash(size);
      // A small table's is built at once.
      this.rehashStep(this.top <= REHASH_AT_ONCE ? Infinity : REHASH_STEP);
    }
    let row: number;
    if (this.freeRows.length > 0) {
      row = this.freeRows.pop()!;
    } else {
      if (this.top === this.cap) this.growRows();
      row = this.top++;
    }
    const v6 = isV6 ? V6 : 0;
    const base = row * 16;
    const n = isV6 ? 16 : 4;
    for (let i = 0; i < n; i++) this.addr[base + i] = bytes[at + i]!;
    for (let i = n; i < 16; i++) this.addr[base + i] = 0;
    this.len[row] = length;
    this.fam[row] = v6;
    this.used[row] = 1;
    this.usedRows++;
    this.head[row] = NIL;
    this.tail[row] = NIL;
    this.npaths[row] = 0;
    this.holds[row] = 0;
    this.attr[row] = 0;
    this.attrBy[row] = 0;
    if (indexAdd(this.index, row, hashPrefix(bytes, at, length, v6))) this.indexFilled++;
    if (this.inNextIndex(row) && indexAdd(this.nextIndex!, row, hashPrefix(bytes, at, length, v6))) this.nextFilled++;
    return row;
  }

  /** Room for `need` rows (by doubling; one row more by default). */
  private growRows(need = this.cap + 1): void {
    let cap = Math.max(1024, this.cap);
    while (cap < need) cap *= 2;
    if (cap === this.cap) return;
    this.addr = grow(this.addr, cap * 16);
    this.len = grow(this.len, cap);
    this.fam = grow(this.fam, cap);
    this.used = grow(this.used, cap);
    this.attr = grow(this.attr, cap);
    this.attrBy = grow(this.attrBy, cap);
    this.head = grow(this.head, cap);
    this.tail = grow(this.tail, cap);
    this.npaths = grow(this.npaths, cap);
    this.holds = grow(this.holds, cap);
    this.cap = cap;
  }

  private rowHash(row: number): number {
    return hashPrefix(this.addr, row * 16, this.len[row]!, this.fam[row]!);
  }

  /** Starts building an index of `size` slots beside the one in use (finishing any under way first). */
  private beginRehash(size: number): void {
    if (this.nextIndex !== null) this.rehashStep(Infinity);
    this.nextIndex = new Int32Array(size);
    this.nextFilled = 0;
    this.scanAt = 0;
    this.scanEnd = this.top;
  }

  /** Moves up to `rows` more rows into the index being built; once all are, it is the index. Returns whether it is. */
  private rehashStep(rows: number): boolean {
    const next = this.nextIndex!;
    const end = Math.min(this.scanEnd, this.scanAt + rows);
    for (let row = this.scanAt; row < end; row++) if (this.used[row] && indexAdd(next, row, this.rowHash(row))) this.nextFilled++;
    this.scanAt = end;
    if (end < this.scanEnd) return false;
    this.index = next;
    this.indexFilled = this.nextFilled;
    this.nextIndex = null;
    return true;
  }

  /** Whether the index being built has (or must get) the row's entry. */
  private inNextIndex(row: number): boolean {
    return this.nextIndex !== null && (row < this.scanAt || row >= this.scanEnd);
  }

  /** Frees the row once it has no paths and nobody holds it. */
  private maybeFree(row: number): void {
    if (this.npaths[row]! > 0 || this.holds[row]! > 0 || !this.used[row]) return;
    indexRemove(this.index, row, this.rowHash(row));
    if (this.inNextIndex(row)) indexRemove(this.nextIndex!, row, this.rowHash(row));
    this.used[row] = 0;
    this.usedRows--;
    this.freeRows.push(row);
    if (this.usedRows === 0) this.shrink();
  }

  /**
   * Nothing is left (a table replaced by an empty one) and nobody holds a row: the columns, sized
   * for the largest table so far, are given back (a million rows and paths are about 80 MB).
   * Path identifiers go on from where they were: they are never reused while the daemon runs.
   */
  private shrink(): void {
    if (this.pathCount !== 0 || this.nextIndex !== null || this.cap <= 1024) return;
    this.cap = this.top = 0;
    this.freeRows.length = 0;
    for (const k of ['addr', 'len', 'fam', 'used'] as const) this[k] = new Uint8Array(0);
    for (const k of ['attr', 'attrBy', 'head', 'tail', 'npaths', 'holds', 'pPrefix', 'pNh', 'pOwners', 'pNext'] as const) this[k] = new Int32Array(0);
    this.pId = new Uint32Array(0);
    this.pCheck = new Uint16Array(0);
    this.pWeight = new Uint16Array(0);
    this.pcap = this.ptop = 0;
    this.freePaths.length = 0;
    this.index = new Int32Array(16);
    this.indexFilled = 0;
  }

  /** A peer refers to the row (it must not be freed or reused until released). */
  hold(row: number): void {
    this.holds[row]!++;
  }

  release(row: number): void {
    this.holds[row]!--;
    this.maybeFree(row);
  }

  /**
   * The row of the prefix at bytes[at..] (host bits clear), made without paths when there is none,
   * held (see hold) so its number keeps meaning this prefix until release(row): a ReplacePaths
   * applied in slices finds its rows once.
   */
  holdRowOf(bytes: Uint8Array, at: number, length: number, isV6: boolean): number {
    const row = this.rowFor(bytes, at, length, isV6);
    this.holds[row]!++;
    return row;
  }

  isV6(row: number): boolean {
    return this.fam[row] === V6;
  }

  familyOf(row: number): Family {
    return this.fam[row] === V6 ? 'ipv6-unicast' : 'ipv4-unicast';
  }

  prefixOf(row: number): Prefix {
    return Prefix.fromBytes(this.familyOf(row), this.addr, this.len[row]!, row * 16);
  }

  /** prefixOf(row).toString() without the Prefix: the text straight from the row's octets. */
  prefixText(row: number): string {
    const a = this.addr;
    const at = row * 16;
    if (this.fam[row] === V6) return `${formatIPv6(a, at)}/${this.len[row]}`;
    return `${a[at]}.${a[at + 1]}.${a[at + 2]}.${a[at + 3]}/${this.len[row]}`;
  }

  /** The interned attribute set of the row's paths (0 when it has none). */
  attributeId(row: number): number {
    return this.attr[row]!;
  }

  attributes(id: number): Attributes {
    return this.attrs.get(id);
  }

  /**
   * The owner whose request set the row's attributes, or null: nobody (none were ever stated, or
   * they were emptied). Only that owner may change them while it has a path of the prefix
   * (see DesiredTable); the record outlives its paths, so callers ask attributesHeldBy.
   */
  attributesOwner(row: number): string | null {
    const id = this.attrBy[row]!;
    return id === 0 ? null : this.ownerSets.get(id)[0]!;
  }

  /** Whether the row's attributes are the set whose key (attributesKey) is `key`: one look-up, no key made. */
  hasAttributesKey(row: number, key: string): boolean {
    const id = this.attr[row]!;
    // A replace asks this of every row it settles, mostly with one set: asked of the interner once.
    if (id === this.lastAttr && key === this.lastAttrKey) return true;
    if (this.attrs.lookup(key) !== id) return false;
    this.lastAttr = id;
    this.lastAttrKey = key;
    return true;
  }

  /** attributesOwner as a number (0: nobody), equal for equal owners while held. */
  attributesOwnerId(row: number): number {
    return this.attrBy[row]!;
  }

  /** The owner who set the row's attributes while it still has a path of the row; else null. */
  attributesHeldBy(row: number): string | null {
    const owner = this.attributesOwner(row);
    if (owner === null) return null;
    for (let p = this.head[row]!; p !== NIL; p = this.pNext[p]!) if (this.ownerSets.get(this.pOwners[p]!).includes(owner)) return owner;
    return null;
  }

  /** Records who set the row's attributes (null: nobody). The row must have paths. */
  setAttributesOwner(row: number, owner: string | null): void {
    const old = this.attrBy[row]!;
    // An owner set of one owner is keyed by that owner's name (ownerSetKey).
    if ((owner === null ? 0 : this.ownerSets.lookup(owner)) === old) return;
    this.attrBy[row] = owner === null ? 0 : this.ownerSets.intern(owner, () => [owner]);
    if (old !== 0) this.ownerSets.unref(old);
  }

  /**
   * An attribute set no prefix has (a health check's demoted variant), held until
   * releaseAttributes: its id is compared and sent like any prefix's.
   */
  internAttributes(a: Attributes, key: string): number {
    return this.attrs.intern(key, () => a);
  }

  releaseAttributes(id: number): void {
    this.attrs.unref(id);
  }

  /** Whether the attribute set `id` is still held (by a prefix or through internAttributes). */
  hasAttributes(id: number): boolean {
    return this.attrs.has(id);
  }

  pathCountOf(row: number): number {
    return this.npaths[row]!;
  }

  /** Rows with at least one path, in row order. */
  *rows(): IterableIterator<number> {
    for (let row = 0; row < this.top; row++) if (this.used[row] && this.npaths[row]! > 0) yield row;
  }

  // ---- paths ---------------------------------------------------------------------------------

  /** The first path of a row (oldest first), or -1. */
  firstPath(row: number): number {
    return this.head[row]!;
  }

  nextPath(path: number): number {
    return this.pNext[path]!;
  }

  pathIdOf(path: number): number {
    return this.pId[path]!;
  }

  nextHopIdOf(path: number): number {
    return this.pNh[path]!;
  }

  nextHop(id: number): NextHop {
    return this.nextHops.get(id);
  }

  /** The interned owner set of a path: equal ids, equal owners. */
  ownerSetIdOf(path: number): number {
    return this.pOwners[path]!;
  }

  ownersOf(path: number): readonly string[] {
    return this.ownerSets.get(this.pOwners[path]!);
  }

  rowOfPath(path: number): number {
    return this.pPrefix[path]!;
  }

  private findPath(row: number, nhId: number): number {
    for (let p = this.head[row]!; p !== NIL; p = this.pNext[p]!) if (this.pNh[p] === nhId) return p;
    return NIL;
  }

  /** The path of `prefix` via `nextHop`, or -1. */
  pathOf(prefix: Prefix, nextHop: NextHop): number {
    return this.pathAt(this.find(prefix), nextHop);
  }

  /** The path of `row` via `nextHop`, or -1. */
  pathAt(row: number, nextHop: NextHop): number {
    return row === NIL ? NIL : this.pathVia(row, nextHopKey(nextHop));
  }

  /** The path of `row` via the next hop whose key is `nhKey`, or -1. */
  private pathVia(row: number, nhKey: string): number {
    const nhId = this.nextHops.lookup(nhKey);
    return nhId === undefined ? NIL : this.findPath(row, nhId);
  }

  /**
   * Add a path for `p.owner`, or add the owner to an existing path. The prefix's attributes become
   * `p.attributes` for all its paths (which they may be, and whose they are, is the DesiredTable's
   * rule). `attrKey` may be given when the caller has it already.
   */
  upsert(p: DesiredPath, attrKey = attributesKey(p.attributes)): UpsertAnswer {
    const pre = p.prefix;
    return this.upsertOctets(pre.bytes, 0, pre.length, pre.isV6, { nextHop: p.nextHop, attributes: p.attributes, attrKey, owner: p.owner, check: p.check, weight: p.weight });
  }

  /** upsert() for a prefix given as octets at bytes[at..] (host bits clear): no Prefix object per path. */
  upsertOctets(bytes: Uint8Array, at: number, length: number, isV6: boolean, path: PathWrite): UpsertAnswer {
    return this.upsertAt(this.rowFor(bytes, at, length, isV6), path);
  }

  /** The id of the next hop whose key (nextHopKey) is `key`, if any path has it. */
  nextHopIdByKey(key: string): number | undefined {
    return this.nextHops.lookup(key);
  }

  /** Changes whenever a next hop is interned or let go (see Interner.generation). */
  get nextHopGeneration(): number {
    return this.nextHops.generation;
  }

  /**
   * A new path of `row` via `nextHop` (key `nhKey`), which the caller knows the row lacks: no
   * look-up of it among the row's paths (a prefix of K paths made one by one cost K^2 look-ups).
   */
  addAt(row: number, nextHop: NextHop, nhKey: string, attributes: Attributes, attrKey: string, owner: string, check = 0, weight = 0): UpsertAnswer {
    this.setAttributes(row, attributes, attrKey);
    return this.added(row, nhKey, nextHop, this.ownerSets.intern(owner, () => [owner]), undefined, check, weight);
  }

  /** upsertOctets() into a row known to be the prefix's (one held, see holdRowOf): no look-up of the row. */
  upsertAt(row: number, { nextHop, attributes, attrKey, owner, check = 0, weight = 0 }: PathWrite): UpsertAnswer {
    const updated = this.setAttributes(row, attributes, attrKey);
    const nhKey = nextHopKey(nextHop);
    const existing = this.pathVia(row, nhKey);
    if (existing === NIL) return this.added(row, nhKey, nextHop, this.ownerSets.intern(owner, () => [owner]), undefined, check, weight);
    return this.addOwner(row, existing, owner, this.setCheck(existing, check, weight) || updated);
  }

  /**
   * A stored path put back exactly as it was: its owners become `details.owners` (replacing any it
   * has), its prefix's attributes `details.attributes`, its check `details.check`, and a new path
   * takes `pathId` when it is free.
   */
  restorePath(bytes: Uint8Array, at: number, length: number, isV6: boolean, nextHop: NextHop, details: RestoredDetails, pathId?: number): UpsertAnswer {
    const { attributes, attrKey, owners, ownersKey, check } = details;
    const row = this.rowFor(bytes, at, length, isV6);
    const updated = this.setAttributes(row, attributes, attrKey);
    const nhKey = nextHopKey(nextHop);
    const existing = this.pathVia(row, nhKey);
    if (existing === NIL) {
      const r = this.added(row, nhKey, nextHop, this.ownerSets.intern(ownersKey, () => owners), pathId, check, details.weight ?? 0);
      this.setAttributesOwner(row, details.attributesOwner ?? null);
      return r;
    }
    this.setAttributesOwner(row, details.attributesOwner ?? null);
    const same = this.ownerSets.lookup(ownersKey) === this.pOwners[existing];
    if (!same) this.setOwners(existing, owners);
    const checked = this.setCheck(existing, check, details.weight ?? 0);
    return { row, path: existing, result: updated || checked ? 'updated' : same ? 'unchanged' : 'owner-added' };
  }

  /** The row of the prefix at bytes[at..], made when there is none. */
  private rowFor(bytes: Uint8Array, at: number, length: number, isV6: boolean): number {
    const row = this.findOctets(bytes, at, length, isV6);
    return row === NIL ? this.insertRow(bytes, at, length, isV6) : row;
  }

  /** A new path of `row` via `nextHop` (whose key is `nhKey`) for the owner set `ownersId`. */
  private added(row: number, nhKey: string, nextHop: NextHop, ownersId: number, pathId: number | undefined, check: number, weight: number): UpsertAnswer {
    const path = this.newPath(row, this.nextHops.intern(nhKey, () => nextHop), ownersId, pathId, check, weight);
    return { row, path, result: 'added' };
  }

  /** upsert() of a path known to exist (found a moment ago): no look-up again. */
  claim(path: number, attributes: Attributes, attrKey: string, owner: string, check = 0, weight = 0): UpsertAnswer {
    const row = this.pPrefix[path]!;
    const updated = this.setAttributes(row, attributes, attrKey);
    return this.addOwner(row, path, owner, this.setCheck(path, check, weight) || updated);
  }

  /** The path's health check becomes `check` and its weight `weight`; true when that changed it. */
  private setCheck(path: number, check: number, weight: number): boolean {
    if (this.pCheck[path] === check && this.pWeight[path] === weight) return false;
    this.pCheck[path] = check;
    this.pWeight[path] = weight;
    return true;
  }

  /** The path's weight (weighted ECMP, 1..MAX_WEIGHT), 0 for none. */
  weightOf(path: number): number {
    return this.pWeight[path]!;
  }

  /** The path's health check: 1 + its index in the configured checks, 0 for none. */
  checkOf(path: number): number {
    return this.pCheck[path]!;
  }

  /** The row's attribute set becomes `attributes`; true when that changed it (a row without paths takes them afresh). */
  private setAttributes(row: number, attributes: Attributes, attrKey: string): boolean {
    if (this.npaths[row] === 0) {
      this.attr[row] = this.attrs.intern(attrKey, () => attributes);
      this.liveRows++;
      return false;
    }
    const id = this.attr[row]!;
    // The paths of a prefix are claimed one after another with the same set: looked up once.
    if (id === this.lastAttr && attrKey === this.lastAttrKey) return false;
    if (this.attrs.lookup(attrKey) === id) {
      this.lastAttr = id;
      this.lastAttrKey = attrKey;
      return false;
    }
    this.attr[row] = this.attrs.intern(attrKey, () => attributes);
    this.attrs.unref(id);
    return true;
  }

  private addOwner(row: number, path: number, owner: string, updated: boolean): UpsertAnswer {
    const set = this.pOwners[path]!;
    // A re-sync claims every path of its owner in turn, mostly of one owner set: asked once.
    if (set === this.lastOwnerSet && owner === this.lastOwner) return { row, path, result: updated ? 'updated' : 'unchanged' };
    const owners = this.ownerSets.get(set);
    if (owners.includes(owner)) {
      this.lastOwnerSet = set;
      this.lastOwner = owner;
      return { row, path, result: updated ? 'updated' : 'unchanged' };
    }
    this.setOwners(path, [...owners, owner]);
    return { row, path, result: updated ? 'updated' : 'owner-added' };
  }

  private newPath(row: number, nhId: number, ownersId: number, pathId: number | undefined, check: number, weight: number): number {
    let path: number;
    if (this.freePaths.length > 0) {
      path = this.freePaths.pop()!;
    } else {
      if (this.ptop === this.pcap) this.growPaths();
      path = this.ptop++;
    }
    this.pPrefix[path] = row;
    this.pNh[path] = nhId;
    if (pathId !== undefined && pathId > 0 && pathId <= 0xffffffff && !this.idTaken(row, pathId)) {
      this.pId[path] = pathId;
      // Ids handed out later stay above every restored one: none is ever reused.
      if (pathId >= this.nextPathId) this.nextPathId = pathId === 0xffffffff ? 1 : pathId + 1;
    } else {
      this.pId[path] = this.takePathId();
    }
    this.pOwners[path] = ownersId;
    this.pCheck[path] = check;
    this.pWeight[path] = weight;
    this.pNext[path] = NIL;
    if (this.tail[row] === NIL) this.head[row] = path;
    else this.pNext[this.tail[row]!] = path;
    this.tail[row] = path;
    this.npaths[row]!++;
    this.pathCount++;
    return path;
  }

  /** Room for `need` paths (by doubling; one path more by default). */
  private growPaths(need = this.pcap + 1): void {
    let cap = Math.max(1024, this.pcap);
    while (cap < need) cap *= 2;
    if (cap === this.pcap) return;
    this.pPrefix = grow(this.pPrefix, cap);
    this.pNh = grow(this.pNh, cap);
    this.pId = grow(this.pId, cap);
    this.pOwners = grow(this.pOwners, cap);
    this.pNext = grow(this.pNext, cap);
    this.pCheck = grow(this.pCheck, cap);
    this.pWeight = grow(this.pWeight, cap);
    this.pcap = cap;
  }

  private idTaken(row: number, id: number): boolean {
    for (let p = this.head[row]!; p !== NIL; p = this.pNext[p]!) if (this.pId[p] === id) return true;
    return false;
  }

  private takePathId(): number {
    const id = this.nextPathId;
    // 2^32 - 1 ids: wrapping takes years of churn; 0 stays reserved for "no path id".
    this.nextPathId = id === 0xffffffff ? 1 : id + 1;
    return id;
  }

  private setOwners(path: number, owners: readonly string[]): void {
    const old = this.pOwners[path]!;
    this.pOwners[path] = this.ownerSets.intern(ownerSetKey(owners), () => owners);
    this.ownerSets.unref(old);
  }

  /**
   * Drop `owner`'s claim on a path (every claim when owner is undefined). Returns whether the path
   * is now gone; undefined when there was no such claim.
   */
  releaseClaim(path: number, owner?: string): { readonly gone: boolean } | undefined {
    const owners = this.ownerSets.get(this.pOwners[path]!);
    if (owner !== undefined) {
      const k = owners.indexOf(owner);
      if (k < 0) return undefined;
      if (owners.length > 1) {
        this.setOwners(path, owners.filter((o) => o !== owner));
        return { gone: false };
      }
    }
    this.removePath(path);
    return { gone: true };
  }

  private removePath(path: number): void {
    const row = this.pPrefix[path]!;
    let prev = NIL;
    for (let p = this.head[row]!; p !== path; p = this.pNext[p]!) prev = p;
    const next = this.pNext[path]!;
    if (prev === NIL) this.head[row] = next;
    else this.pNext[prev] = next;
    if (this.tail[row] === path) this.tail[row] = prev;
    this.nextHops.unref(this.pNh[path]!);
    this.ownerSets.unref(this.pOwners[path]!);
    this.pOwners[path] = 0;
    this.pathCount--;
    this.freePaths.push(path);
    if (--this.npaths[row]! === 0) {
      this.attrs.unref(this.attr[row]!);
      this.attr[row] = 0;
      if (this.attrBy[row] !== 0) this.ownerSets.unref(this.attrBy[row]!);
      this.attrBy[row] = 0;
      this.liveRows--;
      this.maybeFree(row);
    }
  }

  // ---- views (text, for the API edge) --------------------------------------------------------

  /** A path as the API shows it. */
  view(path: number, prefixText?: string): AnnouncedPath {
    const row = this.pPrefix[path]!;
    // The interned owner list and next hop text are shared by every view (a million views of a
    // replace told to watchers made a million copies of each).
    const owners = this.ownersOf(path);
    return {
      prefix: prefixText ?? this.prefixText(row),
      family: this.familyOf(row),
      nextHop: nextHopText(this.nextHop(this.pNh[path]!)),
      attributes: attributesView(this.attrs.get(this.attr[row]!)),
      owner: owners[0]!,
      owners,
      pathId: this.pId[path]!,
      ...(this.pWeight[path] !== 0 ? { weight: this.pWeight[path]! } : {}),
    };
  }

  /** Every path of the row as the API shows them, oldest first. */
  viewsOf(row: number): AnnouncedPath[] {
    const out: AnnouncedPath[] = [];
    const text = this.prefixOf(row).toString();
    for (let p = this.head[row]!; p !== NIL; p = this.pNext[p]!) out.push(this.view(p, text));
    return out;
  }

  /** Every path as the API shows it, by row. */
  *views(): IterableIterator<AnnouncedPath> {
    for (const row of this.rows()) yield* this.viewsOf(row);
  }
}

const nextHopTexts = new WeakMap<IpAddress, string>();

/** A next hop as text ("self" or the address), made once per interned next hop. */
export function nextHopText(nh: NextHop): string {
  if (typeof nh === 'string') return nh;
  let t = nextHopTexts.get(nh);
  if (t === undefined) nextHopTexts.set(nh, (t = nh.toString()));
  return t;
}

