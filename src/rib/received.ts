// The routes a peer currently announces to us, counted, not kept: a set of (family, prefix
// octets, length, path id) in open-addressing hash tables over typed arrays, one per family:
// 12 octets a slot for IPv4, 24 for IPv6, tables at most 3/4 full (16-32 and 32-64 octets a
// route), where a Set of text keys costs around a hundred.

import type { Prefix } from '../codec/index.js';

/** A set of routes keyed by prefix and ADD-PATH path identifier (0 when the session has none). */
export class ReceivedRoutes {
  private readonly v4 = new KeyTable(1);
  private readonly v6 = new KeyTable(4);

  get size(): number {
    return this.v4.size + this.v6.size;
  }

  /** True when the route was not held yet. */
  add(prefix: Prefix, pathId = 0): boolean {
    return this.table(prefix).add(prefix.bytes, prefix.length, pathId);
  }

  /** True when the route was held. */
  delete(prefix: Prefix, pathId = 0): boolean {
    return this.table(prefix).delete(prefix.bytes, prefix.length, pathId);
  }

  has(prefix: Prefix, pathId = 0): boolean {
    return this.table(prefix).has(prefix.bytes, prefix.length, pathId);
  }

  /** Forget every route and give the memory back. */
  clear(): void {
    this.v4.clear();
    this.v6.clear();
  }

  private table(p: Prefix): KeyTable {
    return p.isV6 ? this.v6 : this.v4;
  }
}

const INITIAL_CAPACITY = 16;

/**
 * Linear probing with backward-shift deletion (no tombstones). A slot is `words` address words,
 * the path id, then length + 1: zero there marks the slot empty.
 */
class KeyTable {
  size = 0;
  private readonly stride: number;
  private readonly key: Uint32Array;
  private slots: Uint32Array;
  private mask: number;

  constructor(private readonly words: 1 | 4) {
    this.stride = words + 2;
    this.key = new Uint32Array(this.stride);
    this.slots = new Uint32Array(INITIAL_CAPACITY * this.stride);
    this.mask = INITIAL_CAPACITY - 1;
  }

  clear(): void {
    this.slots = new Uint32Array(INITIAL_CAPACITY * this.stride);
    this.mask = INITIAL_CAPACITY - 1;
    this.size = 0;
  }

  add(bytes: Uint8Array, length: number, pathId: number): boolean {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const i = this.find(this.load(bytes, length, pathId));
    const at = i * this.stride;
    if (this.slots[at + this.stride - 1] !== 0) return false;
    this.slots.set(this.key, at);
    this.size++;
    return true;
  }

  has(bytes: Uint8Array, length: number, pathId: number): boolean {
    if (this.size === 0) return false;
    return this.slots[this.find(this.load(bytes, length, pathId)) * this.stride + this.stride - 1] !== 0;
  }

  delete(bytes: Uint8Array, length: number, pathId: number): boolean {
    if (this.size === 0) return false;
    const { slots, stride, mask } = this;
    let hole = this.find(this.load(bytes, length, pathId));
    if (slots[hole * stride + stride - 1] === 0) return false;
    // Pull back every later entry of the run that may sit in the hole (its home is not in (hole, j]).
    for (let j = (hole + 1) & mask; slots[j * stride + stride - 1] !== 0; j = (j + 1) & mask) {
      const home = hashAt(slots, j * stride, stride) & mask;
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      slots.copyWithin(hole * stride, j * stride, j * stride + stride);
      hole = j;
    }
    slots.fill(0, hole * stride, hole * stride + stride);
    this.size--;
    return true;
  }

  /** Puts the key in `this.key`; returns its hash. */
  private load(bytes: Uint8Array, length: number, pathId: number): number {
    const k = this.key;
    for (let i = 0; i < this.words; i++) {
      const o = i * 4;
      k[i] = (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!;
    }
    k[this.words] = pathId;
    k[this.words + 1] = length + 1;
    return hashAt(k, 0, this.stride);
  }

  /** The slot holding `this.key`, or the empty slot where it would go. */
  private find(hash: number): number {
    const { slots, stride, key, mask } = this;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const at = i * stride;
      if (slots[at + stride - 1] === 0) return i;
      let same = true;
      for (let k = 0; k < stride; k++) {
        if (slots[at + k] !== key[k]) {
          same = false;
          break;
        }
      }
      if (same) return i;
    }
  }

  private grow(): void {
    const { slots: old, stride } = this;
    const capacity = (this.mask + 1) * 2;
    const slots = new Uint32Array(capacity * stride);
    const mask = capacity - 1;
    for (let at = 0; at < old.length; at += stride) {
      if (old[at + stride - 1] === 0) continue;
      let i = hashAt(old, at, stride) & mask;
      while (slots[i * stride + stride - 1] !== 0) i = (i + 1) & mask;
      slots.set(old.subarray(at, at + stride), i * stride);
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** MurmurHash3 (x86, 32-bit) over `n` words of `a` from `at`. */
function hashAt(a: Uint32Array, at: number, n: number): number {
  let h = 0x9747b28c;
  for (let i = 0; i < n; i++) {
    let k = Math.imul(a[at + i]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= n * 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
