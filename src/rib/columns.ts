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
