// A ReplacePaths set cut into stream messages whose number follows the number of paths, not how
// they spread over prefixes and next hops: plain paths (a prefix, a next hop, a check) are packed
// into blocks by family and check, each prefix with its own next hop from the block's table, so the
// central shape (an EIP with a path per node) is one block for thousands of paths. grpc-js's cost
// per message grows with the messages a streaming call has queued, so few large messages matter.

import { parsePrefixInto, PREFIX_HOST_BITS, PREFIX_V6 } from '../codec/index.js';
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
  return (
    p.owner === undefined &&
    p.localPref === undefined &&
    p.med === undefined &&
    (p.communities === undefined || p.communities.length === 0) &&
    (p.largeCommunities === undefined || p.largeCommunities.length === 0)
  );
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
    this.prefixes[this.bytes++] = len;
    this.prefixes.set(octets.subarray(0, n), this.bytes);
    this.bytes += n;
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

/**
 * The messages of a ReplacePaths, and where each path went: `origin[k]` is the caller's index of
 * the k-th path the daemon receives (its `paths[k]` in an error). Plain paths go in blocks; a path
 * with attributes or an owner, or a prefix this client cannot read, goes as a Path for the daemon
 * to validate and name. Attributes are per prefix and the last path of a prefix sets them, so
 * every open block is sent before such a path, and the paths before a block are sent before it:
 * the daemon applies the same set as if every path had been sent one by one.
 */
export class ReplaceParts {
  /** The caller's index of each path in the order the daemon receives them. */
  readonly origin: Uint32Array;
  private sent = 0;

  constructor(
    private readonly owner: string,
    private readonly paths: readonly PathInput[],
    private readonly details: boolean,
    /** The re-sync guard, sent in the first message. */
    private readonly guard: { readonly maxRemove?: number; readonly maxRemovePercent?: number } = {},
  ) {
    this.origin = new Uint32Array(paths.length);
  }

  /** The caller's index of the daemon's `paths[k]`. */
  callerIndex(k: number): number {
    return k < this.sent ? this.origin[k]! : k;
  }

  *messages(): Generator<ReplacePathsRequest> {
    let first = true;
    const part = (list: readonly PathInput[], block?: Block): ReplacePathsRequest => {
      // The first part says how many paths the set has: a stream cut short is then never applied.
      const r = replaceToPb(first ? this.owner : '', list, this.details, block && packed(block), first ? this.paths.length : undefined);
      if (first) {
        r.maxRemove = this.guard.maxRemove;
        r.maxRemovePercent = this.guard.maxRemovePercent;
      }
      first = false;
      return r;
    };
    const scratch = new Uint8Array(16);
    const open = new Map<string, Block>();
    let list: PathInput[] = [];
    let listOrigin: number[] = [];
    const sendList = (): ReplacePathsRequest => {
      for (const i of listOrigin) this.origin[this.sent++] = i;
      const r = part(list);
      list = [];
      listOrigin = [];
      return r;
    };
    const sendBlock = (b: Block): ReplacePathsRequest => {
      this.origin.set(b.origin.subarray(0, b.count), this.sent);
      this.sent += b.count;
      return part([], b);
    };
    for (let i = 0; i < this.paths.length; i++) {
      const p = this.paths[i]!;
      const r = plain(p) && typeof p.prefix === 'string' ? parsePrefixInto(p.prefix, scratch) : -1;
      // Not a plain prefix (or one with host bits set): sent as written, for the daemon to name what is wrong.
      if (r < 0 || r & PREFIX_HOST_BITS) {
        for (const b of open.values()) yield sendBlock(b);
        open.clear();
        list.push(p);
        listOrigin.push(i);
        if (list.length >= REPLACE_CHUNK) yield sendList();
        continue;
      }
      if (list.length > 0) yield sendList();
      const family: Family = r & PREFIX_V6 ? 'ipv6-unicast' : 'ipv4-unicast';
      const check = p.check ?? '';
      const key = `${family} ${check}`;
      let b = open.get(key);
      if (!b) open.set(key, (b = new Block(family, check)));
      b.add(scratch, r & 0xff, p.nextHop ?? '', i);
      if (b.full) {
        yield sendBlock(b);
        open.delete(key);
      }
    }
    for (const b of open.values()) yield sendBlock(b);
    if (list.length > 0 || first) yield sendList();
  }
}

/** A block as replaceToPb takes it: one next hop for all, or a table and an index per prefix. */
function packed(b: Block): Parameters<typeof replaceToPb>[3] {
  const prefixes = b.prefixes.subarray(0, b.bytes);
  if (b.table.length === 1) return { family: b.family, prefixes, nextHop: b.table[0]!, check: b.check };
  return { family: b.family, prefixes, nextHop: NEXT_HOP_TABLE, check: b.check, nextHops: b.table, nextHopIndexes: b.indexes.subarray(0, 2 * b.count) };
}
