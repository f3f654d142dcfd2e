// The path list `announcer replace --file` reads: YAML or JSON, a list of paths or
// a mapping with `paths:`. Only the shape is checked here; the daemon validates every value and
// names the field (`paths[3].prefix: ...`) the same way.

import { createRequire } from 'node:module';
import { attributeTable } from '../attributes/table.js';
import { PathSet, plainPath, type PathInput } from '../client.js';
import { scanJsonPaths, scanJsonSteps, type PlainPaths } from './json-paths.js';

/** The fields of an entry: the attributes are the attribute table's. */
function keys(): string[] {
  return ['prefix', 'nextHop', ...attributeTable().map((e) => e.name), 'check', 'weight'];
}

/** What is wrong with the file's shape, naming the entry (`paths[2].communities`). */
export class PathFileError extends Error {
  override readonly name = 'PathFileError';
}

function what(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

function stringList(v: unknown, field: string, problems: string[]): string[] {
  // A lone value is a list of one, as people write `communities: 65000:100`.
  const list = Array.isArray(v) ? v : [v];
  return list.flatMap((c, i) => {
    if (typeof c !== 'string' && typeof c !== 'number') {
      problems.push(`${field}[${i}]: expected a string, got ${what(c)}`);
      return [];
    }
    return [String(c)];
  });
}

/** One entry of the list; what is wrong with it goes to `problems`, every field checked. */
function entry(raw: unknown, i: number, problems: string[]): PathInput | null {
  const at = `paths[${i}]`;
  if (typeof raw === 'string') return { prefix: raw };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`${at}: expected a path (a mapping with prefix, or a prefix), got ${what(raw)}`);
    return null;
  }
  const before = problems.length;
  const o = raw as Record<string, unknown>;
  const known = keys();
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      const hint = key === 'owner' ? ' (the owner is --owner)' : ` (expected ${known.join(', ')})`;
      problems.push(`${at}.${key}: unknown field${hint}`);
    }
  }
  if (typeof o['prefix'] !== 'string') problems.push(`${at}.prefix: expected a prefix, got ${what(o['prefix'])}`);
  const path: Record<string, unknown> & { prefix: string; nextHop?: string; check?: string } = { prefix: String(o['prefix']) };
  if (o['nextHop'] !== undefined) {
    if (typeof o['nextHop'] !== 'string') problems.push(`${at}.nextHop: expected an address or "self", got ${what(o['nextHop'])}`);
    else path.nextHop = o['nextHop'];
  }
  if (o['check'] !== undefined) {
    if (typeof o['check'] !== 'string' || o['check'].trim() === '') problems.push(`${at}.check: expected the name of a health check, got ${what(o['check'])}`);
    else path.check = o['check'];
  }
  if (o['weight'] !== undefined) {
    // Its range is the daemon's to check, with its own message.
    if (typeof o['weight'] !== 'number') problems.push(`${at}.weight: expected a number, got ${what(o['weight'])}`);
    else path['weight'] = o['weight'];
  }
  for (const e of attributeTable()) {
    const v = o[e.name];
    if (v === undefined) continue;
    if (e.form === 'list') path[e.name] = stringList(v, `${at}.${e.name}`, problems);
    else if (typeof v !== 'number') problems.push(`${at}.${e.name}: expected a number, got ${what(v)}`);
    else path[e.name] = v;
  }
  return problems.length === before ? (path as PathInput) : null;
}

/** At most this many problems are listed; the count says how many there were. */
const MAX_LISTED = 20;

/**
 * JSON is parsed as JSON: a YAML parser takes ~25 s over a million-entry JSON file, JSON.parse
 * about one. Anything that is not JSON (flow-style YAML included) goes to the YAML parser.
 */
function parseDocument(text: string): unknown {
  const first = /\S/.exec(text)?.[0];
  if (first === '[' || first === '{') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not JSON after all: YAML says what is wrong, with a line and column.
    }
  }
  return yaml().parse(text);
}

/** The YAML parser, loaded when a file needs it: 70 modules every CLI command would load otherwise. */
const yaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');

const EMPTY = 'the file has no paths (it is empty): to withdraw all of the owner\'s paths on purpose, give an empty list, [] (or paths: [])';

/** An address or prefix the YAML parser would read as this very string (never a number, null or a key). */
const ADDRESS = /^[0-9A-Fa-f.:/]*[0-9A-Fa-f./]$/;
const isAddress = (v: string): boolean => ADDRESS.test(v) && (v.split('.').length > 2 || v.split(':').length > 2);
/** A check name YAML reads as a string: a letter first, and not null, true or false. */
const CHECK_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const isCheckName = (v: string): boolean => CHECK_NAME.test(v) && !/^(null|true|false)$/i.test(v);
const ENTRY_LINE = /^- \{ ?([^{}]*?) ?\}$/;
const PREFIX_LINE = /^- ([0-9A-Fa-f.:/]+)$/;
const PAIR_LINE = /^- \{ ?prefix: ([0-9A-Fa-f.:/]+), nextHop: ([0-9A-Fa-f.:/]+|self) ?\}$/;

/** A plain path as the fast YAML reader finds it: '' for a next hop or check not given. */
type Emit = (prefix: string, nextHop: string, check: string) => void;

/**
 * The common shape of a large YAML path file, read without the YAML parser (which takes ~9 s over
 * a million lines): a top-level list whose every line is `- PREFIX` or a flow mapping of prefix,
 * nextHop and check, with blank and comment lines between. Anything else, or a value YAML might
 * read otherwise, returns false (having emitted some paths): the YAML parser then reads the file.
 */
function scanYamlLines(text: string, emit: Emit): boolean {
  let start = 0;
  let n = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r') || line.endsWith(' ')) line = line.trimEnd();
    if (line === '' || /^\s*#/.test(line)) continue;
    if (!line.startsWith('- ')) return false;
    n++;
    // The commonest lines first, by one expression each.
    const plain = PREFIX_LINE.exec(line) ?? PAIR_LINE.exec(line);
    if (plain) {
      const [, prefix, nextHop] = plain as unknown as [string, string, string | undefined];
      if (isAddress(prefix) && (nextHop === undefined || nextHop === 'self' || isAddress(nextHop))) {
        emit(prefix, nextHop ?? '', '');
        continue;
      }
    }
    const value = line.slice(2).trim();
    if (isAddress(value)) {
      emit(value, '', '');
      continue;
    }
    const m = ENTRY_LINE.exec(line);
    if (!m) return false;
    const path: { prefix?: string; nextHop?: string; check?: string } = {};
    for (const field of m[1]!.split(',')) {
      const kv = /^\s*(prefix|nextHop|check): ([^\s,]+)\s*$/.exec(field);
      if (!kv) return false;
      const [, key, v] = kv as unknown as [string, 'prefix' | 'nextHop' | 'check', string];
      if (path[key] !== undefined) return false;
      if (key === 'check' ? !isCheckName(v) : !(isAddress(v) || (key === 'nextHop' && v === 'self'))) return false;
      path[key] = v;
    }
    if (path.prefix === undefined) return false;
    emit(path.prefix, path.nextHop ?? '', path.check ?? '');
  }
  return n > 0;
}

/** Whether the text (or bytes) starts, after spaces, as JSON lists and mappings do. */
function looksJson(first: number | undefined): boolean {
  return first === 91 || first === 123;
}

function firstNonSpace(bytes: Buffer): number | undefined {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return c;
  }
  return undefined;
}

/** The fast YAML reader's paths, or null where the YAML parser must read the file. */
export function simpleYamlList(text: string): PathInput[] | null {
  const out: PathInput[] = [];
  return scanYamlLines(text, (prefix, nextHop, check) => out.push(plainPath(prefix, nextHop, check))) ? out : null;
}

/** The fast JSON reader's paths, or null where JSON.parse and the checks must read the file. */
export function simpleJsonList(text: string | Buffer): PathInput[] | null {
  const out: PathInput[] = [];
  const sink: PlainPaths = { addPlainBytes: (b, start, end, nextHop, check) => out.push(plainPath(b.toString('latin1', start, end), nextHop, check)) };
  return scanJsonPaths(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, sink) ? out : null;
}

/** Parses the file's text; throws PathFileError (YAML syntax or shape), naming what is wrong. */
export function parsePathFile(text: string): PathInput[] {
  const first = /\S/.exec(text)?.[0]?.charCodeAt(0);
  return (looksJson(first) ? simpleJsonList(text) : simpleYamlList(text)) ?? parseYamlPathFile(text);
}

/**
 * A JSON file that the fast reader took in part and then left to the parsers (see readPathSet):
 * what was sent of it is not applied; read it again with readPathSetWhole.
 */
export class ReadAgain extends Error {
  constructor() {
    super('the file is not of the shape the fast reader takes: read it again with the parsers');
  }
}

/**
 * Paths a step of reading a JSON file takes (a packed block fills every 65,536 prefixes). Small:
 * each step enters the scanner anew, and that is where it changes to its compiled code (1,024
 * read the 49,000-path file in a fresh CLI in 37-49 ms, 8,192 in 51-71 ms).
 */
const READ_STEP = 1024;

/**
 * The file's paths packed for ReplacePaths as they are read: no object per path for the common
 * shapes (JSON read from its bytes, YAML by lines). A JSON file is read as the replace sends it
 * (PathSet.reading), its full blocks going out while the rest is read; a step of it throws
 * ReadAgain when the file turns out not to be of the common shape. Throws PathFileError like
 * parsePathFile.
 */
export function readPathSet(file: Buffer): PathSet {
  if (looksJson(firstNonSpace(file))) {
    return PathSet.reading(function* (set) {
      if (!(yield* scanJsonSteps(file, set, READ_STEP))) throw new ReadAgain();
    });
  }
  // Only YAML, or a file the fast readers leave, is decoded.
  const text = file.toString('utf8');
  const set = new PathSet();
  return scanYamlLines(text, (prefix, nextHop, check) => set.addPlain(prefix, nextHop, check)) ? set : PathSet.of(parseYamlPathFile(text));
}

/** The file's paths read whole by the parsers (after ReadAgain). Throws PathFileError. */
export function readPathSetWhole(file: Buffer): PathSet {
  return PathSet.of(parseYamlPathFile(file.toString('utf8')));
}

/** parsePathFile without the fast path: the YAML (or JSON) parser reads the whole file. */
export function parseYamlPathFile(text: string): PathInput[] {
  let doc: unknown;
  try {
    doc = parseDocument(text);
  } catch (e) {
    throw new PathFileError(`not YAML or JSON: ${e instanceof Error ? e.message.split('\n', 1)[0] : String(e)}`);
  }
  // A file with nothing in it is a controller killed before its first byte or a template that
  // rendered nothing, not a wish to withdraw everything: that takes an explicit empty list.
  if (doc === null || doc === undefined) throw new PathFileError(EMPTY);
  const list = typeof doc === 'object' && !Array.isArray(doc) && 'paths' in doc ? (doc as { paths: unknown }).paths : doc;
  if (list === null || list === undefined) throw new PathFileError(EMPTY);
  if (!Array.isArray(list)) throw new PathFileError(`expected a list of paths (or a mapping with paths:), got ${what(list)}`);
  const problems: string[] = [];
  const paths: PathInput[] = [];
  list.forEach((raw, i) => {
    const p = entry(raw, i, problems);
    if (p) paths.push(p);
  });
  if (problems.length === 1) throw new PathFileError(problems[0]!);
  if (problems.length > 1) {
    const more = problems.length > MAX_LISTED ? [`... and ${problems.length - MAX_LISTED} more`] : [];
    throw new PathFileError([`${problems.length} problems`, ...problems.slice(0, MAX_LISTED), ...more].join('\n'));
  }
  return paths;
}
