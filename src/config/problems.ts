// What is wrong with a config, and the words for it: ConfigError with its problems, and the
// helpers every schema's messages are made with (expected ..., got ..., did you mean ...?).

import * as z from 'zod';

export interface ConfigProblem {
  /** Field path in JS notation (`peers[1].asn`), or `line 3, column 7` for YAML syntax errors. */
  readonly path: string;
  readonly message: string;
  /** 1-based line in the source, when known. */
  readonly line?: number;
}

/** Everything wrong with a config: the source on the first line, then one `path: message` a line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
    options?: ErrorOptions,
  ) {
    const n = problems.length;
    const lines = problems.map((p) => `${p.path}: ${p.message}`);
    super([`${source}: ${n} problem${n === 1 ? '' : 's'}`, ...lines].join('\n'), options);
  }

  /** The file could not be read at all: said in one line (`/etc/announcer.yaml: file not found`). */
  static unreadable(source: string, cause: unknown): ConfigError {
    const reason = fsReason(cause);
    const err = new ConfigError(source, [{ path: '(file)', message: reason }], { cause });
    err.message = `${source}: ${reason}`;
    return err;
  }
}

/** Why a file could not be read, in words; `what` names the kind of file it should be. */
export function fsReason(cause: unknown, what = 'a config file'): string {
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return `is a directory, not ${what}`;
  return `cannot read: ${cause instanceof Error ? cause.message : String(cause)}`;
}

/** How a wrong value reads in a message: strings quoted, containers by kind. */
export function describe(value: unknown): string {
  if (value === null) return 'nothing';
  if (typeof value === 'string') {
    // At most a line of it, and not a long one (a binary file read as a string).
    const line = value.split(/\r?\n/, 1)[0]!;
    return JSON.stringify(line.slice(0, 60)) + (line.length > 60 || line.length < value.length ? '...' : '');
  }
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** One message for every way a field can be wrong: its type, its range, its refinements. */
export function expected(what: string, choices?: readonly string[]): z.core.$ZodErrorMap {
  return (iss) => {
    if (iss.input === undefined) return `missing: expected ${what}`;
    const guess = choices && typeof iss.input === 'string' ? didYouMean(iss.input, choices) : undefined;
    return `expected ${what}, got ${describe(iss.input)}${guess ? ` (did you mean ${guess}?)` : ''}`;
  };
}

export function oneOf(choices: readonly string[]): string {
  return choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}` : (choices[0] ?? '');
}

/** The candidate nearest to a misspelling, if it is near enough to be what was meant. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_ ]/g, '');
  const w = norm(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const n = norm(c);
    const d = n.startsWith(w) && w.length >= 3 ? 1 : editDistance(w, n);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Edit distance counting a swap of neighbours as one edit ("sned" -> "send"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
