// Stored paths in binary: one block is a batch of puts and deletes, written straight from the
// RIB's columns and read straight back into them, with no object or string per path.
//
//   u32 dictionary length, dictionary (JSON): {"nextHops":["198.51.100.11","self",...],
//                                              "details":[{"owners":["cli"],"med":5,...},...]}
//   u32 entry count, then the entries:
//     u8  flags (bit 0: IPv6, bit 1: delete), u8 prefix length, the prefix's significant octets
//     u32 next hop (index into nextHops)
//     put only: u32 details (index into details), u32 ADD-PATH path id (0: none)
//
// A path's details are everything but its prefix, next hop and path id: owners, attributes, and
// whatever a later version adds, as JSON (their form is path-details.ts's). All numbers are
// little-endian.

import { IpAddress, Prefix } from '../codec/values.js';
import { encodePathDetails, pathDetailsProblem, type PathDetails } from './path-details.js';

export type { PathDetails };

/** A stored path as text (tests, migration, and the human view of a file). */
export interface StoredPath extends PathDetails {
  readonly prefix: string;
  readonly nextHop: string;
  /** The ADD-PATH path id, kept over a restart so a router sees the same path again (graceful restart). */
  readonly pathId?: number;
}

/** One change as text: a path's whole state now, or its removal. */
export type StoreOp = { readonly put: StoredPath } | { readonly del: { readonly prefix: string; readonly nextHop: string } };

const FLAG_V6 = 1;
const FLAG_DEL = 2;

/** A block that cannot be read: what is wrong, and where in the block. */
export class BlockError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Builds one block. Next hops and details are given as text and interned per block. */
export class PathBlockWriter {
  private buf: Buffer;
  private len = 0;
  private entries = 0;
  private readonly nextHops: string[] = [];
  private readonly nextHopIndex = new Map<string, number>();
  private readonly details: string[] = [];
  private readonly detailIndex = new Map<string, number>();

  constructor(sizeHint = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(64, sizeHint));
  }

  /** Entries so far. */
  get count(): number {
    return this.entries;
  }

  /** The index of a next hop's text ("self" or an address). */
  nextHop(text: string): number {
    return indexIn(this.nextHops, this.nextHopIndex, text);
  }

  /** The index of a path's details, given as their JSON text (encodePathDetails). */
  detail(json: string): number {
    return indexIn(this.details, this.detailIndex, json);
  }

  /** The path of the prefix at bytes[at..] (host bits clear) via next hop `nh` is now as `detail` says. */
  put(bytes: Uint8Array, at: number, length: number, v6: boolean, nh: number, detail: number, pathId: number): void {
    const at0 = this.entry(bytes, at, length, v6 ? FLAG_V6 : 0, 12);
    this.buf.writeUInt32LE(nh, at0);
    this.buf.writeUInt32LE(detail, at0 + 4);
    this.buf.writeUInt32LE(pathId >>> 0, at0 + 8);
    this.len = at0 + 12;
  }

  /** The path of the prefix at bytes[at..] via next hop `nh` is gone. */
  del(bytes: Uint8Array, at: number, length: number, v6: boolean, nh: number): void {
    const at0 = this.entry(bytes, at, length, (v6 ? FLAG_V6 : 0) | FLAG_DEL, 4);
    this.buf.writeUInt32LE(nh, at0);
    this.len = at0 + 4;
  }

  /** Writes flags, length and octets; returns where the entry's numbers go. */
  private entry(bytes: Uint8Array, at: number, length: number, flags: number, tail: number): number {
    const n = (length + 7) >> 3;
    const need = this.len + 2 + n + tail;
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    const b = this.buf;
    let o = this.len;
    b[o++] = flags;
    b[o++] = length;
    for (let i = 0; i < n; i++) b[o++] = bytes[at + i]!;
    this.entries++;
    return o;
  }

  /** The block as parts to write in order (the entries are a view, not a copy). */
  parts(): Buffer[] {
    const dict = Buffer.from(`{"nextHops":${JSON.stringify(this.nextHops)},"details":[${this.details.join(',')}]}`);
    const head = Buffer.allocUnsafe(4 + dict.length + 4);
    head.writeUInt32LE(dict.length, 0);
    dict.copy(head, 4);
    head.writeUInt32LE(this.entries, 4 + dict.length);
    return [head, this.buf.subarray(0, this.len)];
  }
}

/** The index of `text` in `list`, added at the end when it is not there (`index` maps text to index). */
function indexIn(list: string[], index: Map<string, number>, text: string): number {
  let i = index.get(text);
  if (i === undefined) {
    i = list.push(text) - 1;
    index.set(text, i);
  }
  return i;
}

/** Adds text ops to a block (tests and migration; the speaker writes from the RIB's columns). */
export function writeOps(w: PathBlockWriter, ops: readonly StoreOp[]): void {
  for (const op of ops) {
    const { prefix, nextHop } = 'put' in op ? op.put : op.del;
    const p = Prefix.parse(prefix);
    if (p === null) throw new Error(`not a prefix: ${prefix}`);
    if (nextHop !== 'self' && IpAddress.parse(nextHop) === null) throw new Error(`not a next hop: ${nextHop}`);
    const nh = w.nextHop(nextHop);
    if ('put' in op) {
      const { prefix: _p, nextHop: _n, pathId, ...details } = op.put;
      w.put(p.bytes, 0, p.length, p.isV6, nh, w.detail(encodePathDetails(details)), pathId ?? 0);
    } else {
      w.del(p.bytes, 0, p.length, p.isV6, nh);
    }
  }
}

/** A block's dictionary: the next hops and path details its entries refer to by index. */
export interface Dictionary {
  readonly nextHops: readonly string[];
  readonly details: readonly PathDetails[];
}

/** A block read back: its dictionary parsed and checked, its entries checked, walked by a cursor. */
export class PathBlock {
  private constructor(
    readonly nextHops: readonly string[],
    readonly details: readonly PathDetails[],
    readonly count: number,
    /** The entries. */
    private readonly bytes: Uint8Array,
  ) {}

  /**
   * Reads and checks a whole block; throws BlockError naming the offset within it. Blocks read
   * with one `dictionaries` map share the parsed dictionary when its text is the same (a journal's
   * records mostly are): parsed and checked once, and the same objects, which the speaker's
   * restore checks once too.
   */
  static read(block: Uint8Array, dictionaries?: Map<string, Dictionary>): PathBlock {
    const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
    if (block.length < 8) throw new BlockError('block cut short', 0);
    const dictLen = view.getUint32(0, true);
    if (4 + dictLen + 4 > block.length) throw new BlockError(`dictionary length ${dictLen} runs past the block`, 0);
    const text = Buffer.from(block.buffer, block.byteOffset + 4, dictLen).toString('utf8');
    let known = dictionaries?.get(text);
    if (known === undefined) {
      let dict: unknown;
      try {
        dict = JSON.parse(text);
      } catch (e) {
        throw new BlockError(`dictionary is not JSON (${(e as Error).message})`, 4);
      }
      const why = dictionaryProblem(dict);
      if (why) throw new BlockError(`dictionary: ${why}`, 4);
      known = dict as Dictionary;
      // Bounded: a journal of ever-new dictionaries does not keep them all.
      if (dictionaries && dictionaries.size < 4096) dictionaries.set(text, known);
    }
    const { nextHops, details } = known;
    const count = view.getUint32(4 + dictLen, true);
    const start = 8 + dictLen;
    const entries = block.subarray(start);
    // Every entry is checked once here, so the cursor (run into the RIB) can trust them.
    let o = 0;
    for (let k = 0; k < count; k++) {
      const where = start + o;
      if (o + 2 > entries.length) throw new BlockError(`entry ${k} cut short`, where);
      const flags = entries[o]!;
      const length = entries[o + 1]!;
      const v6 = (flags & FLAG_V6) !== 0;
      if (flags & ~(FLAG_V6 | FLAG_DEL)) throw new BlockError(`entry ${k}: unknown flags ${flags}`, where);
      if (length > (v6 ? 128 : 32)) throw new BlockError(`entry ${k}: prefix length ${length}`, where);
      const n = (length + 7) >> 3;
      const size = 2 + n + (flags & FLAG_DEL ? 4 : 12);
      if (o + size > entries.length) throw new BlockError(`entry ${k} cut short`, where);
      if (length & 7 && entries[o + 1 + n]! & (0xff >> (length & 7))) throw new BlockError(`entry ${k}: host bits set`, where);
      const nh = readU32(entries, o + 2 + n);
      if (nh >= nextHops.length) throw new BlockError(`entry ${k}: next hop ${nh} of ${nextHops.length}`, where);
      if (!(flags & FLAG_DEL) && readU32(entries, o + 6 + n) >= details.length) throw new BlockError(`entry ${k}: details ${readU32(entries, o + 6 + n)} of ${details.length}`, where);
      o += size;
    }
    if (o !== entries.length) throw new BlockError(`${entries.length - o} octets after the last entry`, start + o);
    return new PathBlock(nextHops, details, count, entries);
  }

  cursor(): PathCursor {
    return new PathCursor(this.bytes, this.count);
  }

  /** The entries as text ops (tests and tools). */
  ops(): StoreOp[] {
    const out: StoreOp[] = [];
    for (const c = this.cursor(); c.next(); ) {
      const prefix = Prefix.fromBytes(c.v6 ? 'ipv6-unicast' : 'ipv4-unicast', c.bytes, c.length, c.at).toString();
      const nextHop = this.nextHops[c.nextHop]!;
      if (c.del) out.push({ del: { prefix, nextHop } });
      else out.push({ put: { prefix, nextHop, ...this.details[c.detail]!, ...(c.pathId ? { pathId: c.pathId } : {}) } });
    }
    return out;
  }
}

/** Walks a checked block's entries: next() moves to the next one and says whether there was one. */
export class PathCursor {
  del = false;
  v6 = false;
  length = 0;
  /** Where the prefix's octets start in `bytes`. */
  at = 0;
  nextHop = 0;
  detail = 0;
  pathId = 0;
  private o = 0;
  private k = 0;

  constructor(
    readonly bytes: Uint8Array,
    private readonly count: number,
  ) {}

  next(): boolean {
    if (this.k >= this.count) return false;
    this.k++;
    const b = this.bytes;
    const flags = b[this.o]!;
    this.del = (flags & FLAG_DEL) !== 0;
    this.v6 = (flags & FLAG_V6) !== 0;
    this.length = b[this.o + 1]!;
    this.at = this.o + 2;
    let o = this.at + ((this.length + 7) >> 3);
    this.nextHop = readU32(b, o);
    o += 4;
    if (!this.del) {
      this.detail = readU32(b, o);
      this.pathId = readU32(b, o + 4);
      o += 8;
    }
    this.o = o;
    return true;
  }
}

function readU32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;
}

/** What is wrong with a block's dictionary, or undefined. */
function dictionaryProblem(d: unknown): string | undefined {
  if (typeof d !== 'object' || d === null) return 'not an object';
  const { nextHops, details } = d as { nextHops?: unknown; details?: unknown };
  if (!Array.isArray(nextHops) || !nextHops.every((n) => typeof n === 'string')) return 'nextHops is not a list of text';
  if (!Array.isArray(details)) return 'details is not a list';
  for (let i = 0; i < details.length; i++) {
    const why = pathDetailsProblem(details[i]);
    if (why) return `details[${i}]: ${why}`;
  }
  return undefined;
}
