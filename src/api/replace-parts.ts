// A ReplacePaths set cut into stream messages whose number follows the number of paths, not how
// they spread over prefixes and next hops: plain paths (a prefix, a next hop, a check) are packed
// into blocks by family and check, each prefix with its own next hop from the block's table, so the
// central shape (an EIP with a path per node) is one block for thousands of paths. grpc-js's cost
// per message grows with the messages a streaming call has queued, so few large messages matter.

import { setsAttributes } from '../attributes/table.js';
import { parsePrefixInto, PREFIX_HOST_BITS, PREFIX_V6 } from '../codec/ip.js';
import type { Family } from '../codec/types.js';
import { grow } from '../rib/columns.js';
import type { ReplacePathsRequest } from '../gen/announcer/v1/announcer.js';
import type { PathInput } from '../speaker/api.js';
import { replaceToPb } from './convert.js';

/** Paths per message of unpacked paths: about 1 MiB of protobuf, far under the message cap. */
export const REPLACE_CHUNK = 10_000;
/** Prefixes per packed block: at most ~1.2 MiB (IPv6 /128s and their next-hop indexes). */
export const BLOCK_PREFIXES = 65_536;
/** Next hops one block's table may hold (its indexes are 2 octets). */
const TABLE_MAX = 65_536;
/**
 * What `next_hop` says in a block whose prefixes take their next hops from `next_hops`: a daemon
 * from before tables refuses it as an address, rather than announcing every path via its own
 * next hop.
 */
export const NEXT_HOP_TABLE = '@next_hops';

/** A path that is a prefix and at most a next hop and a check: sent packed, no message of its own. */
function plain(p: PathInput): boolean {
  return p.owner === undefined && p.weight === undefined && !setsAttributes(p);
}

/** Plain paths of one family and check being packed. */
class Block {
  prefixes = new Uint8Array(4096);
  bytes = 0;
  indexes = new Uint8Array(1024);
  count = 0;
  readonly table: string[] = [];
  private readonly tableIndex = new Map<string, number>();
  /** The caller's index of each packed path. */
  origin = new Uint32Array(512);

  constructor(
    readonly family: Family,
    readonly check: string,
  ) {}

  get full(): boolean {
    return this.count >= BLOCK_PREFIXES || this.table.length >= TABLE_MAX;
  }

  add(octets: Uint8Array, len: number, nextHop: string, index: number): void {
    const n = (len + 7) >> 3;
    if (this.bytes + 1 + n > this.prefixes.length) this.prefixes = grow(this.prefixes, Math.max(this.bytes + 1 + n, this.prefixes.length * 2));
    const prefixes = this.prefixes;
    prefixes[this.bytes++] = len;
    // A loop, not set(subarray()): no view object per path.
    for (let i = 0; i < n; i++) prefixes[this.bytes++] = octets[i]!;
    let j = this.tableIndex.get(nextHop);
    if (j === undefined) {
      j = this.table.length;
      this.table.push(nextHop);
      this.tableIndex.set(nextHop, j);
    }
    if (2 * this.count + 2 > this.indexes.length) this.indexes = grow(this.indexes, this.indexes.length * 2);
    this.indexes[2 * this.count] = j >> 8;
    this.indexes[2 * this.count + 1] = j & 0xff;
    if (this.count === this.origin.length) this.origin = grow(this.origin, this.origin.length * 2);
    this.origin[this.count++] = index;
  }
}

/** A plain path as PathInput: '' stands for a next hop or check not given. */
export function plainPath(prefix: string, nextHop: string, check: string): PathInput {
  return { prefix, ...(nextHop !== '' ? { nextHop } : {}), ...(check !== '' ? { check } : {}) };
}

/** A segment of the set as sent: a packed block, or paths sent as written. */
type Segment = Block | readonly PathInput[];

/**
 * A ReplacePaths set being built, packed as it grows: plain paths (a prefix, at most a next hop
 * and a check) go into blocks, nothing per path but octets; a path with attributes or an owner, or
 * a prefix this client cannot read, is kept as written for the daemon to validate and name.
 * Attributes are per prefix and the last path of a prefix sets them, so every open block is sealed
 * before such a path, and the paths before a block are sealed before it: the daemon applies the
 * same set as if every path had been sent one by one. `origin[k]` is the caller's index of the
 * k-th path the daemon receives (its `paths[k]` in an error).
 */
export class PathSet {
  private readonly segments: Segment[] = [];
  private readonly open = new Map<string, Block>();
  private list: PathInput[] = [];
  private listOrigin: number[] = [];
  private origin = new Uint32Array(1024);
  private sealed = 0;
  private count = 0;
  /** The last plain prefix read: its text, its octets, its length and flags (parsePrefixInto). */
  private lastPrefix: string | null = null;
  private readonly scratch = new Uint8Array(16);
  private lastRead = -1;
  /** Where the last prefix stood when read from a file's bytes. */
  private lastBytes: Buffer | null = null;
  private lastBytesStart = 0;
  private lastBytesEnd = -1;
  // The block the last plain path went to: a file of one family and check finds it without a key.
  private last: Block | null = null;
  private reader: Iterator<unknown, unknown> | null = null;

  /** A set of these paths, in this order. */
  static of(paths: readonly PathInput[]): PathSet {
    const set = new PathSet();
    for (const p of paths) set.add(p);
    return set;
  }

  /**
   * A set that `fill` reads as a replace sends it: each step of its iterator reads more (a large
   * file a few thousand paths at a time), and the blocks it fills go out while the rest is read,
   * so the daemon takes them in meanwhile. A step that throws fails the replace, which then changes
   * nothing. Anything else that reads the set (seal, size after it) reads it whole first.
   */
  static reading(fill: (set: PathSet) => Iterator<unknown, unknown>): PathSet {
    const set = new PathSet();
    set.reader = fill(set);
    return set;
  }

  /** Whether the set is still being read (see reading). */
  get isReading(): boolean {
    return this.reader !== null;
  }

  /** Reads one step more of a set being read; false once it is read whole. */
  step(): boolean {
    if (this.reader === null) return false;
    if (this.reader.next().done !== true) return true;
    this.reader = null;
    return false;
  }

  /** The blocks and lists sealed so far, in the order the daemon must apply them (more may follow). */
  get sealedSegments(): readonly Segment[] {
    return this.segments;
  }

  /** How many paths the set has (a set being read is read whole first). */
  get size(): number {
    while (this.step());
    return this.count;
  }

  /** Adds a path: packed when it is plain, else kept as written. */
  add(p: PathInput): void {
    if (plain(p) && typeof p.prefix === 'string') this.addPlain(p.prefix, p.nextHop ?? '', p.check ?? '');
    else this.addWritten(p);
  }

  /**
   * Adds a plain path: a prefix, its next hop ('' for the daemon's default) and its check ('' for
   * none). A prefix this client cannot read goes as written, for the daemon to name what is wrong.
   */
  addPlain(prefix: string, nextHop: string, check: string): void {
    // An EIP's paths come together in most files: its prefix is read once, then only compared.
    if (prefix !== this.lastPrefix) {
      this.lastPrefix = prefix;
      this.lastRead = parsePrefixInto(prefix, this.scratch);
      this.lastBytesEnd = -1;
    }
    this.addRead(prefix, nextHop, check);
  }

  /** addPlain of the prefix bytes[start, end) (ASCII), as a file's bytes hold it: a string only per new prefix. */
  addPlainBytes(bytes: Buffer, start: number, end: number, nextHop: string, check: string): void {
    const lastStart = this.lastBytesStart;
    let same = bytes === this.lastBytes && end - start === this.lastBytesEnd - lastStart;
    for (let i = 0; same && i < end - start; i++) same = bytes[start + i] === bytes[lastStart + i];
    let prefix = this.lastPrefix;
    if (!same || prefix === null) {
      prefix = this.lastPrefix = bytes.toString('latin1', start, end);
      this.lastRead = parsePrefixInto(prefix, this.scratch);
      this.lastBytes = bytes;
      this.lastBytesStart = start;
      this.lastBytesEnd = end;
    }
    this.addRead(prefix, nextHop, check);
  }

  /** Adds the last prefix read (into scratch, lastRead its length and flags). */
  private addRead(prefix: string, nextHop: string, check: string): void {
    const r = this.lastRead;
    if (r < 0 || r & PREFIX_HOST_BITS) {
      this.addWritten(plainPath(prefix, nextHop, check));
      return;
    }
    if (this.list.length > 0) this.sealList();
    const family: Family = r & PREFIX_V6 ? 'ipv6-unicast' : 'ipv4-unicast';
    let b = this.last;
    if (b === null || b.family !== family || b.check !== check) {
      const key = `${family} ${check}`;
      b = this.open.get(key) ?? null;
      if (b === null) this.open.set(key, (b = new Block(family, check)));
      this.last = b;
    }
    b.add(this.scratch, r & 0xff, nextHop, this.count++);
    if (b.full) {
      this.open.delete(`${family} ${check}`);
      this.last = null;
      this.sealBlock(b);
    }
  }

  private addWritten(p: PathInput): void {
    this.sealOpen();
    this.list.push(p);
    this.listOrigin.push(this.count++);
    if (this.list.length >= REPLACE_CHUNK) this.sealList();
  }

  /** The paths kept as written, with the caller's index of each (for checks before sending). */
  *written(): Generator<[PathInput, number]> {
    let k = 0;
    for (const s of this.segments) {
      if (s instanceof Block) k += s.count;
      else for (const p of s) yield [p, this.origin[k++]!];
    }
    for (let i = 0; i < this.list.length; i++) yield [this.list[i]!, this.listOrigin[i]!];
  }

  /** The caller's index of the daemon's `paths[k]` (once the set is sealed). */
  callerIndex(k: number): number {
    return k < this.sealed ? this.origin[k]! : k;
  }

  /** Reads the rest, seals what is open, in the order the daemon must apply it; returns the segments. */
  seal(): readonly Segment[] {
    while (this.step());
    this.sealOpen();
    if (this.list.length > 0) this.sealList();
    return this.segments;
  }

  private sealOpen(): void {
    for (const b of this.open.values()) this.sealBlock(b);
    this.open.clear();
    this.last = null;
  }

  private record(n: number): void {
    if (this.sealed + n > this.origin.length) this.origin = grow(this.origin, Math.max(this.sealed + n, this.origin.length * 2));
  }

  private sealBlock(b: Block): void {
    this.record(b.count);
    this.origin.set(b.origin.subarray(0, b.count), this.sealed);
    this.sealed += b.count;
    this.segments.push(b);
  }

  private sealList(): void {
    this.record(this.list.length);
    for (const i of this.listOrigin) this.origin[this.sealed++] = i;
    this.segments.push(this.list);
    this.list = [];
    this.listOrigin = [];
  }
}

/** The messages of a ReplacePaths of a set, and where each path went. */
export class ReplaceParts {
  private readonly set: PathSet;
  private streamed = false;

  constructor(
    private readonly owner: string,
    paths: readonly PathInput[] | PathSet,
    private readonly details: boolean,
    /** The re-sync guard, sent in the first message. */
    private readonly guard: { readonly maxRemove?: number; readonly maxRemovePercent?: number } = {},
    /**
     * Checks a path kept as written (with the caller's index) before it is sent: for a set being
     * read, whose paths the caller could not check beforehand. A check that throws fails the call.
     */
    private readonly check?: (p: PathInput, callerIndex: number) => void,
  ) {
    this.set = paths instanceof PathSet ? paths : PathSet.of(paths);
  }

  /** The caller's index of the daemon's `paths[k]`. */
  callerIndex(k: number): number {
    return this.set.callerIndex(k);
  }

  /** Whether the parts go out while the set is still being read (known from the first part on). */
  get streaming(): boolean {
    return this.streamed;
  }

  /**
   * The parts, each made when asked for. The set's size travels with them, so a stream cut short
   * is never applied: in the first part, or (a set being read, whose size is known only at its
   * end) in the last, the first then saying so (total_last).
   */
  *messages(): Generator<ReplacePathsRequest> {
    const set = this.set;
    // A set being read is read until its first block fills: one read whole by then (a file of
    // fewer than BLOCK_PREFIXES paths) goes as any other, its total first.
    while (set.sealedSegments.length === 0 && set.step());
    const streaming = (this.streamed = set.isReading);
    let sent = 0;
    let paths = 0; // the daemon's index of the segment's first path
    const part = (s: Segment | null, last: boolean): ReplacePathsRequest => {
      if (s !== null && !(s instanceof Block) && this.check) for (let i = 0; i < s.length; i++) this.check(s[i]!, set.callerIndex(paths + i));
      paths += s === null ? 0 : s instanceof Block ? s.count : s.length;
      const r = s instanceof Block ? replaceToPb('', [], this.details, packed(s)) : replaceToPb('', s ?? [], this.details);
      if (sent++ === 0) {
        r.owner = this.owner;
        r.totalLast = streaming;
        r.maxRemove = this.guard.maxRemove;
        r.maxRemovePercent = this.guard.maxRemovePercent;
        if (!streaming) r.total = set.size;
      }
      if (streaming && last) r.total = set.size;
      return r;
    };
    let done = 0;
    // Blocks filled while reading go out at once; which is last is known only at the end.
    if (streaming) {
      for (;;) {
        for (const segs = set.sealedSegments; done < segs.length; ) yield part(segs[done++]!, false);
        if (!set.step()) break;
      }
    }
    const segments = set.seal();
    if (done === segments.length && (streaming || sent === 0)) yield part(null, true); // only the total, or an empty set
    for (; done < segments.length; done++) yield part(segments[done]!, done === segments.length - 1);
  }
}

/** A block as replaceToPb takes it: one next hop for all, or a table and an index per prefix. */
function packed(b: Block): Parameters<typeof replaceToPb>[3] {
  const prefixes = b.prefixes.subarray(0, b.bytes);
  if (b.table.length === 1) return { family: b.family, prefixes, nextHop: b.table[0]!, check: b.check };
  return { family: b.family, prefixes, nextHop: NEXT_HOP_TABLE, check: b.check, nextHops: b.table, nextHopIndexes: b.indexes.subarray(0, 2 * b.count) };
}
