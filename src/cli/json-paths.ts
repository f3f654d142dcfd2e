// The common shape of a large JSON path file, read from its bytes without building an object per
// path: JSON.parse and the entries' checks take ~0.8 s over a million paths on these machines, and
// even a scanner over the decoded string ~0.6 s (charCodeAt costs several times a byte read). This
// reads each byte once. What it does not read exactly is left to JSON.parse and the checks.

const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const OPEN_LIST = 91;
const CLOSE_LIST = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const BACKSLASH = 92;

/** Where the paths go: the prefix as bytes[start, end) (ASCII), '' for a next hop or check not given. */
export interface PlainPaths {
  addPlainBytes(bytes: Buffer, start: number, end: number, nextHop: string, check: string): void;
}

const KEYS = ['prefix', 'nextHop', 'check'].map((k) => Buffer.from(`${k}"`, 'latin1'));
const [P, N, C] = KEYS.map((k) => k[0]!);
const PATHS_KEY = Buffer.from('"paths"', 'latin1');

/**
 * The strings of a file's repeated values (next hops, checks), one each: a million paths via 100
 * nodes make 100 strings. Keyed by a hash of the bytes, checked byte by byte.
 */
class Strings {
  private readonly byHash = new Map<number, { readonly text: string; readonly bytes: Buffer }>();

  of(b: Buffer, start: number, end: number, hash: number): string {
    const s = this.byHash.get(hash);
    if (s !== undefined && s.bytes.length === end - start) {
      const known = s.bytes;
      let same = true;
      for (let i = 0; i < known.length && same; i++) same = known[i] === b[start + i];
      if (same) return s.text;
    }
    const text = b.toString('latin1', start, end);
    if (s === undefined && this.byHash.size < 65_536) this.byHash.set(hash, { text, bytes: Buffer.from(b.subarray(start, end)) });
    return text;
  }
}

// Helpers of the scan take the cursor and return it moved: no closure over a changing cursor,
// which V8 would keep in a context instead of a register.

/** The first byte at or after i that is not JSON whitespace. */
function space(b: Buffer, i: number): number {
  // Most calls find no space at all: one comparison says so for every byte above a space.
  if (b[i]! > SPACE) return i;
  for (let c = b[i]; c === SPACE || c === LF || c === CR || c === TAB; c = b[++i]);
  return i;
}

/** The FNV-1a hash of the bytes stringEnd last passed over. */
let lastHash = 0;

/** A string's end (its closing quote) from its first byte; -1 for what JSON.parse must read. */
function stringEnd(b: Buffer, from: number): number {
  const n = b.length;
  for (let j = from; j < n; j++) {
    const c = b[j]!;
    if (c === QUOTE) return j;
    if (c < 32 || c >= 127 || c === BACKSLASH) return -1;
  }
  return -1;
}

/** stringEnd, and the string's hash into lastHash: for the values that repeat (next hops, checks). */
function hashedStringEnd(b: Buffer, from: number): number {
  let h = 0x811c9dc5;
  const n = b.length;
  for (let j = from; j < n; j++) {
    const c = b[j]!;
    if (c === QUOTE) {
      lastHash = h;
      return j;
    }
    if (c < 32 || c >= 127 || c === BACKSLASH) return -1;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return -1;
}

/** Which field a key at b[at] (after its opening quote) names: 0 prefix, 1 nextHop, 2 check, -1 another. */
function keyAt(b: Buffer, at: number): number {
  // The first letters differ: compare the one key that can match.
  const c = b[at];
  const k = c === P ? 0 : c === N ? 1 : c === C ? 2 : -1;
  if (k < 0) return -1;
  const key = KEYS[k]!;
  if (at + key.length > b.length) return -1;
  for (let j = 1; j < key.length; j++) if (b[at + j] !== key[j]) return -1;
  return k;
}

/**
 * Reads `[...]` or `{"paths": [...]}` whose items are prefixes or objects of string prefix,
 * nextHop and check, any spacing, into `out`. False when the file is anything else (an escape, a
 * byte outside printable ASCII in a string, another field or value, a field twice, a blank check,
 * an empty list): then nothing it emitted counts, and the caller reads the file with the parsers.
 */
export function scanJsonPaths(b: Buffer, out: PlainPaths): boolean {
  const steps = scanJsonSteps(b, out, Infinity);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/**
 * scanJsonPaths in steps: it pauses after every `every` paths, so a caller can send what it has
 * while the rest is read. Its value at the end is scanJsonPaths's answer.
 */
export function* scanJsonSteps(b: Buffer, out: PlainPaths, every: number): Generator<void, boolean> {
  const n = b.length;
  let pause = every;
  // b[i] past the end reads undefined, never a match.
  let i = 0;
  i = space(b, i);
  let wrapped = false;
  if (b[i] === OPEN_OBJECT) {
    i++;
    i = space(b, i);
    if (b.compare(PATHS_KEY, 0, PATHS_KEY.length, i, i + PATHS_KEY.length) !== 0) return false;
    i += PATHS_KEY.length;
    i = space(b, i);
    if (b[i++] !== COLON) return false;
    i = space(b, i);
    wrapped = true;
  }
  if (b[i++] !== OPEN_LIST) return false;
  i = space(b, i);
  if (b[i] === CLOSE_LIST) return false; // [] : the parser says what an empty list means
  const strings = new Strings();
  for (;;) {
    const c = b[i];
    if (c === QUOTE) {
      const end = stringEnd(b, i + 1);
      if (end < 0) return false;
      out.addPlainBytes(b, i + 1, end, '', '');
      i = end + 1;
    } else if (c === OPEN_OBJECT) {
      i++;
      let prefixStart = -1;
      let prefixEnd = -1;
      let nextHop = '';
      let check = '';
      let seen = 0;
      i = space(b, i);
      for (;;) {
        if (b[i++] !== QUOTE) return false;
        const k = keyAt(b, i);
        if (k < 0 || seen & (1 << k)) return false;
        seen |= 1 << k;
        i += KEYS[k]!.length;
        i = space(b, i);
        if (b[i++] !== COLON) return false;
        i = space(b, i);
        if (b[i++] !== QUOTE) return false;
        const end = k === 0 ? stringEnd(b, i) : hashedStringEnd(b, i);
        if (end < 0) return false;
        if (k === 0) {
          prefixStart = i;
          prefixEnd = end;
        } else if (k === 1) {
          if (end === i) return false; // "" is not "not given": the parsers keep it as written
          nextHop = strings.of(b, i, end, lastHash);
        } else {
          check = strings.of(b, i, end, lastHash);
          if (check.trim() === '') return false; // the checks' own message for a blank check
        }
        i = end + 1;
        i = space(b, i);
        const sep = b[i++];
        i = space(b, i);
        if (sep === CLOSE_OBJECT) break;
        if (sep !== COMMA) return false;
      }
      if (prefixStart < 0) return false; // the checks' own message for a missing prefix
      out.addPlainBytes(b, prefixStart, prefixEnd, nextHop, check);
    } else {
      return false;
    }
    if (--pause === 0) {
      pause = every;
      yield;
    }
    i = space(b, i);
    const sep = b[i++];
    i = space(b, i);
    if (sep === CLOSE_LIST) break;
    if (sep !== COMMA) return false;
  }
  if (wrapped) {
    if (b[i++] !== CLOSE_OBJECT) return false;
    i = space(b, i);
  }
  return i >= n;
}
