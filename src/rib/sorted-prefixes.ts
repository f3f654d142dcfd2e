// The RIB's prefixes in order (IPv4 before IPv6, then by address, then by length), read one at a
// time, for listings. Ordering a million prefixes at once held the event loop for ~140 ms, so the
// order is prepared in steps: the prefixes are copied out a slice of rows at a time, sorted in
// runs of RUN, and the runs are merged as the walk reads them (a heap of run heads).
//
// The walk holds prefixes, not rows: the table may change between steps, rows are reused, so the
// caller finds each prefix again (and skips one that went). Prefixes made after the copy are not
// walked.

import type { Rib } from './rib.js';

/** Prefixes sorted at once: about 2 ms of the event loop. */
const RUN = 16_384;
/** Rows copied out at once. */
const COPY = 65_536;

/** One family's prefixes: sorted runs of positions, merged on reading. */
class Runs {
  /** Run r covers positions [r * RUN, min((r + 1) * RUN, n)); pos[r] is its next unread one. */
  private readonly pos: Uint32Array;
  private readonly heap: Uint32Array;
  private heapSize = 0;

  constructor(
    readonly n: number,
    private readonly less: (a: number, b: number) => boolean,
  ) {
    const runs = Math.ceil(n / RUN);
    this.pos = new Uint32Array(runs);
    this.heap = new Uint32Array(runs);
    for (let r = 0; r < runs; r++) this.pos[r] = r * RUN;
  }

  get runCount(): number {
    return this.pos.length;
  }

  runBounds(r: number): [number, number] {
    return [r * RUN, Math.min((r + 1) * RUN, this.n)];
  }

  /** Once every run is sorted. */
  startMerge(): void {
    for (let r = 0; r < this.pos.length; r++) this.push(r);
  }

  /** The next position in order, or -1. */
  take(): number {
    if (this.heapSize === 0) return -1;
    const r = this.heap[0]!;
    const at = this.pos[r]!;
    this.pos[r] = at + 1;
    const [, end] = this.runBounds(r);
    if (at + 1 < end) this.down(0);
    else {
      this.heap[0] = this.heap[--this.heapSize]!;
      if (this.heapSize > 0) this.down(0);
    }
    return at;
  }

  private push(r: number): void {
    let i = this.heapSize++;
    this.heap[i] = r;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.less(this.pos[this.heap[i]!]!, this.pos[this.heap[up]!]!)) break;
      this.swap(i, up);
      i = up;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.heapSize) return;
      let m = l;
      if (l + 1 < this.heapSize && this.less(this.pos[this.heap[l + 1]!]!, this.pos[this.heap[l]!]!)) m = l + 1;
      if (!this.less(this.pos[this.heap[m]!]!, this.pos[this.heap[i]!]!)) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i]!;
    this.heap[i] = this.heap[j]!;
    this.heap[j] = t;
  }
}

export class SortedPrefixes {
  /** IPv4: address * 64 + length, exact in a double (38 bits). */
  private readonly keys4: Float64Array;
  /** IPv6: 17 octets per prefix (address, length); order4/6 hold positions into these. */
  private readonly octets6: Uint8Array;
  private readonly order6: Uint32Array;
  private runs4: Runs | null = null;
  private runs6: Runs | null = null;
  private ready = false;

  /** The prefix read last: its octets (16, IPv4 in the first 4), length and family. */
  readonly octets = new Uint8Array(16);
  length = 0;
  isV6 = false;

  constructor(private readonly rib: Rib) {
    let n4 = 0;
    let n6 = 0;
    for (let row = 0; row < rib.rowLimit; row++) {
      if (rib.pathCountOf(row) === 0) continue;
      if (rib.isV6(row)) n6++;
      else n4++;
    }
    this.keys4 = new Float64Array(n4);
    this.octets6 = new Uint8Array(n6 * 17);
    this.order6 = new Uint32Array(n6);
  }

  /**
   * The preparation, in steps of about a couple of milliseconds each (the number is the work
   * done, in prefixes). The walk starts when it is done.
   */
  *prepare(): Generator<number> {
    const rib = this.rib;
    const { addr, len } = rib.columns;
    let n4 = 0;
    let n6 = 0;
    // Rows that appear meanwhile are not walked; the counts from the constructor bound the copy.
    for (let row = 0; row < rib.rowLimit; ) {
      const end = Math.min(row + COPY, rib.rowLimit);
      for (; row < end; row++) {
        if (rib.pathCountOf(row) === 0) continue;
        const at = row * 16;
        if (rib.isV6(row)) {
          if (n6 === this.order6.length) continue;
          this.octets6.set(addr.subarray(at, at + 16), n6 * 17);
          this.octets6[n6 * 17 + 16] = len[row]!;
          this.order6[n6] = n6;
          n6++;
        } else if (n4 < this.keys4.length) {
          this.keys4[n4++] = ((addr[at]! * 256 + addr[at + 1]!) * 256 + addr[at + 2]!) * 256 * 64 + addr[at + 3]! * 64 + len[row]!;
        }
      }
      yield COPY;
    }
    const keys4 = this.keys4.subarray(0, n4);
    this.runs4 = new Runs(n4, (a, b) => keys4[a]! < keys4[b]!);
    for (let r = 0; r < this.runs4.runCount; r++) {
      const [s, e] = this.runs4.runBounds(r);
      keys4.subarray(s, e).sort();
      yield e - s;
    }
    const o = this.octets6;
    const cmp6 = (x: number, y: number): number => {
      const a = x * 17;
      const b = y * 17;
      for (let i = 0; i < 16; i++) if (o[a + i] !== o[b + i]) return o[a + i]! - o[b + i]!;
      return o[a + 16]! - o[b + 16]!;
    };
    const order6 = this.order6.subarray(0, n6);
    this.runs6 = new Runs(n6, (a, b) => cmp6(order6[a]!, order6[b]!) < 0);
    for (let r = 0; r < this.runs6.runCount; r++) {
      const [s, e] = this.runs6.runBounds(r);
      order6.subarray(s, e).sort(cmp6);
      yield e - s;
    }
    this.runs4.startMerge();
    this.runs6.startMerge();
    this.ready = true;
  }

  /** Reads the next prefix into octets / length / isV6; false when there are no more. */
  next(): boolean {
    if (!this.ready) throw new Error('SortedPrefixes: prepare() first');
    const at4 = this.runs4!.take();
    if (at4 >= 0) {
      const k = this.keys4[at4]!;
      this.length = k % 64;
      let a = (k - this.length) / 64;
      for (let i = 3; i >= 0; i--) {
        this.octets[i] = a % 256;
        a = Math.floor(a / 256);
      }
      this.isV6 = false;
      return true;
    }
    const at6 = this.runs6!.take();
    if (at6 < 0) return false;
    const p = this.order6[at6]! * 17;
    this.octets.set(this.octets6.subarray(p, p + 16));
    this.length = this.octets6[p + 16]!;
    this.isV6 = true;
    return true;
  }

  /** The row of the prefix read last, if it is still in the table with paths, else -1. */
  row(): number {
    const row = this.rib.findOctets(this.octets, 0, this.length, this.isV6);
    return row >= 0 && this.rib.pathCountOf(row) > 0 ? row : -1;
  }
}
