// The N /32s every speaker announces, and the little numbers the bench reads about processes.
// The same list for all three speakers, in the same order, so BIRD sees the same table each time.

import { readFileSync } from 'node:fs';

/** 198.18.0.0/15 (RFC 2544 benchmarking) has 131,072 /32s; above that 100.64.0.0/10 (4,194,304). */
const SMALL = { base: (198 << 24) | (18 << 16), size: 1 << 17 };
const LARGE = { base: (100 << 24) | (64 << 16), size: 1 << 22 };

/** The i-th announced address as a 32-bit number (unsigned). */
export function hostAddress(i: number, n: number): number {
  const range = n <= SMALL.size ? SMALL : LARGE;
  if (n > range.size) throw new Error(`at most ${LARGE.size} paths: ${n}`);
  return (range.base + i) >>> 0;
}

export function formatIPv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** The N announced prefixes, as text (`198.18.0.0/32`, ...). */
export function prefixes(n: number): string[] {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = `${formatIPv4(hostAddress(i, n))}/32`;
  return out;
}

/** Resident memory of a process, MiB (VmRSS); NaN once it is gone. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
