// Column storage: the RIB, the Adj-RIB-Out and the request stage keep rows in typed arrays that
// grow by doubling.

export type Column = Int32Array | Uint32Array | Uint16Array | Uint8Array;

/** A copy of `a` with room for `size` entries; the new entries are `fill` (default 0). */
export function grow<T extends Column>(a: T, size: number, fill?: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  if (fill !== undefined) b.fill(fill, a.length);
  return b;
}

/**
 * Numbers by small key (a row, a path or a route number) for one turn at a time: begin() forgets
 * every entry at once, by a stamp per key instead of a clear, so a look-up table per row of a
 * million rows costs neither a Map nor a clearing. get() is -1 for a key not set this turn.
 */
export class TurnMap {
  private turn = 0;
  private stamps = new Uint32Array(64);
  private values = new Int32Array(64);

  /** A new turn, with room for keys below `size` made at once. */
  begin(size = 0): void {
    if (size > this.stamps.length) this.room(size);
    if (++this.turn === 0xffffffff) {
      this.stamps.fill(0);
      this.turn = 1;
    }
  }

  set(key: number, value: number): void {
    if (key >= this.stamps.length) this.room(key + 1);
    this.stamps[key] = this.turn;
    this.values[key] = value;
  }

  get(key: number): number {
    return key < this.stamps.length && this.stamps[key] === this.turn ? this.values[key]! : -1;
  }

  has(key: number): boolean {
    return key < this.stamps.length && this.stamps[key] === this.turn;
  }

  delete(key: number): void {
    if (key < this.stamps.length) this.stamps[key] = 0;
  }

  private room(size: number): void {
    const n = Math.max(size, this.stamps.length * 2);
    this.stamps = grow(this.stamps, n);
    this.values = grow(this.values, n);
  }
}
