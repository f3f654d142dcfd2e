// From text to a Config: the YAML parsed, ${VAR} filled in from the environment, CONFIG applied,
// and zod's issues turned into problems in file order, each with its path and line.

import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import * as z from 'zod';
import { ConfigError, didYouMean, fsReason, type ConfigProblem } from './problems.js';
import { CONFIG } from './sections.js';
import type { Config } from './types.js';

/** Where `${VAR}` in a config value is looked up. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/**
 * Parse and validate config text; `source` names it in errors (a file name); `${VAR}` in values
 * is read from `env`. Throws ConfigError.
 */
export function parseConfig(text: string, source = 'config', env: ConfigEnv = process.env): Config {
  const binary = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]/.exec(text);
  if (binary) {
    // Said in one line: quoting it would print the binary (the YAML parser would, too).
    const line = text.slice(0, binary.index).split('\n').length;
    const err = new ConfigError(source, [{ path: '(file)', message: `not a YAML config: binary data on line ${line} (a config is UTF-8 text)`, line }]);
    err.message = `${source}: not a YAML config: binary data on line ${line} (a config is UTF-8 text)`;
    throw err;
  }
  const lineCounter = new LineCounter();
  const refs = new EnvReferences(text);
  const doc = parseDocument(refs.masked, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return { path: `line ${line}, column ${col}`, message: yamlMessage(e.code, e.message, text, line), line };
      }),
    );
  }
  const unset = substituteEnv(doc, env, lineCounter, refs);
  if (unset.length > 0) throw new ConfigError(source, unset);
  let input: unknown;
  try {
    input = doc.toJS();
  } catch (e) {
    // e.g. an alias bomb: yaml refuses excessive alias expansion.
    throw new ConfigError(source, [{ path: '(top level)', message: e instanceof Error ? e.message : String(e) }]);
  }
  octalAsWritten(doc, input, ['api', 'socketMode']);
  const result = CONFIG.safeParse(input);
  if (result.success) return deepFreeze(result.data);
  throw new ConfigError(source, problemsOf(result.error.issues, doc, lineCounter));
}

/** Read and parse a config file (`${VAR}` from `env`). Throws ConfigError, also when the file cannot be read. */
export async function loadConfig(path: string, env: ConfigEnv = process.env): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw ConfigError.unreadable(path, e);
  }
  const config = parseConfig(text, path, env);
  // Keys kept out of the config: read now, so a missing file stops the daemon before it starts.
  const problems: ConfigProblem[] = [];
  const peers = await Promise.all(
    config.peers.map(async (p, i) => {
      if (p.passwordFile === undefined) return p;
      try {
        const key = (await readFile(p.passwordFile, 'utf8')).replace(/\r?\n$/, '');
        if (key.length === 0 || key.length > 80) throw new Error(`expected a TCP-MD5 key of 1..80 characters, the file holds ${key.length}`);
        return { ...p, password: key };
      } catch (e) {
        problems.push({ path: `peers[${i}].passwordFile`, message: e instanceof Error && !('code' in e) ? e.message : `${p.passwordFile}: ${fsReason(e, 'a key file')}` });
        return p;
      }
    }),
  );
  // A health check's CA file too: a typo would otherwise show only as every target down.
  await Promise.all(
    (config.healthChecks ?? []).map(async (c, i) => {
      if (c.probe.kind !== 'http' || c.probe.ca === undefined) return;
      try {
        await readFile(c.probe.ca);
      } catch (e) {
        problems.push({ path: `healthChecks[${i}].http.ca`, message: `${c.probe.ca}: ${fsReason(e, 'a CA bundle (PEM file)')}` });
      }
    }),
  );
  if (problems.length > 0) throw new ConfigError(path, problems);
  return deepFreeze({ ...config, peers });
}

// `${NAME}` or `${NAME:-default}`; `$${` is a literal `${`; a `${` that is never closed is an error.
/**
 * `${VAR}` written where YAML reads braces as structure (`api: { socket: ${DIR}/a.sock }`, a flow
 * mapping) would break the document. So each reference is masked before the YAML is parsed, by a
 * token of private-use characters of the same length (error positions stay true), and put back in
 * the parsed values before they are expanded.
 */
class EnvReferences {
  private readonly refs: string[] = [];
  readonly masked: string;

  constructor(text: string) {
    this.masked = text.includes('${')
      ? text.replace(/\$\{[^}\n]*\}/g, (ref) => {
          if (this.refs.length >= 0x1000 || /[\ue000-\uf0ff]/.test(ref)) return ref;
          const i = this.refs.push(ref) - 1;
          return `\ue000${String.fromCharCode(0xe100 + i)}\ue001`.padEnd(ref.length, '\ue002');
        })
      : text;
  }

  /** `s` with every token back as the `${...}` it masks. */
  restore(s: string): string {
    if (this.refs.length === 0 || !s.includes('\ue000')) return s;
    return s.replace(/\ue000(.)\ue001\ue002*/g, (_m, c: string) => this.refs[c.charCodeAt(0) - 0xe100] ?? '');
  }
}

const ENV_REFERENCE = /\$\$\{|\$\{([^}]*)(\}|$)/g;
const ENV_NAME = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/**
 * Replaces `${VAR}` in every value (never in keys or comments) with the variable from `env`, so one
 * file serves every node (`routerId: ${NODE_IP}` in a DaemonSet). Done on the parsed document, so
 * a value cannot inject YAML; a plain (unquoted) value is then read as YAML reads it (`asn: ${ASN}`
 * is a number), a quoted one stays text. Returns a problem per unset variable without a default.
 */
function substituteEnv(doc: Document, env: ConfigEnv, lineCounter: LineCounter, refs: EnvReferences): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown, path: readonly PropertyKey[]): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (isScalar(node) && typeof node.value === 'string') node.value = refs.restore(node.value);
    if (isMap(node)) {
      for (const pair of node.items) {
        // A key is never expanded, but is read as written.
        if (isScalar(pair.key) && typeof pair.key.value === 'string') pair.key.value = refs.restore(pair.key.value);
        walk(pair.value, [...path, isScalar(pair.key) ? String(pair.key.value) : '?']);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
      const line = node.range ? lineCounter.linePos(node.range[0]).line : undefined;
      const problem = (message: string): void => {
        problems.push({ path: formatPath(path), message, ...(line === undefined ? {} : { line }) });
      };
      const out = node.value.replace(ENV_REFERENCE, (whole: string, inner: string | undefined, close: string | undefined) => {
        if (inner === undefined) return '${';
        if (close === '') {
          problem('${ without a closing } (write $${ for a literal ${)');
          return whole;
        }
        const m = ENV_NAME.exec(inner);
        if (!m) {
          problem(`malformed ${whole}: expected \${NAME} or \${NAME:-default} (write $\${ for a literal \${)`);
          return whole;
        }
        const [, name, fallback] = m as unknown as [string, string, string | undefined];
        const value = env[name];
        if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
        if (value === undefined) problem(`environment variable ${name} is not set (${line === undefined ? '' : `line ${line}; `}or give a default: \${${name}:-value})`);
        return value ?? '';
      });
      if (node.type === 'PLAIN') {
        const reread = parseDocument(out).contents;
        node.value = isScalar(reread) && (typeof reread.value === 'number' || typeof reread.value === 'boolean') ? reread.value : out;
        node.source = out;
      } else {
        node.value = out;
      }
    }
  };
  walk(doc.contents, []);
  return problems;
}

/**
 * YAML 1.2 reads an unquoted `0660` as the decimal 660; for a file mode the writer meant octal,
 * so such a value is passed on as the text written.
 */
function octalAsWritten(doc: Document, input: unknown, path: readonly string[]): void {
  const node = doc.getIn(path, true);
  if (!isScalar(node) || typeof node.value !== 'number' || typeof node.source !== 'string' || !/^0[0-7]+$/.test(node.source)) return;
  let parent = input;
  for (const key of path.slice(0, -1)) parent = (parent as Record<string, unknown> | null)?.[key];
  if (typeof parent === 'object' && parent !== null) (parent as Record<string, unknown>)[path.at(-1)!] = node.source;
}

function yamlMessage(code: string, message: string, text: string, line: number): string {
  if (code === 'DUPLICATE_KEY') return 'duplicate key';
  if (code === 'MULTIPLE_DOCS') return 'more than one YAML document (a config is one document; remove the extra ---)';
  const first = message.split('\n', 1)[0] ?? message;
  // `address: [::1]:50051` unquoted starts a YAML list; say so rather than leave a riddle.
  const sourceLine = text.split(/\r?\n/)[line - 1] ?? '';
  const bareIpv6 = /(^|[\s{,])\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]:\d/.test(sourceLine);
  return bareIpv6 ? `${first} (quote an IPv6 host:port: "[::1]:50051")` : first;
}

/** zod issues -> problems in file order; unknown keys become one problem each, with a suggestion. */
function problemsOf(issues: readonly z.core.$ZodIssue[], doc: Document, lineCounter: LineCounter): ConfigProblem[] {
  const out: { problem: ConfigProblem; offset: number }[] = [];
  const add = (path: readonly PropertyKey[], message: string): void => {
    const offset = offsetOf(doc, path);
    const line = offset === undefined ? undefined : lineCounter.linePos(offset).line;
    out.push({ problem: { path: formatPath(path), message, ...(line === undefined ? {} : { line }) }, offset: offset ?? 0 });
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = objectKeysAt(CONFIG, issue.path);
      for (const key of issue.keys) {
        const guess = didYouMean(key, known);
        add([...issue.path, key], `unknown field${guess ? ` (did you mean ${guess}?)` : ''}`);
      }
    } else {
      add(issue.path, issue.message);
    }
  }
  const seen = new Set<string>();
  return out
    .sort((a, b) => a.offset - b.offset)
    .map((o) => o.problem)
    .filter((p) => {
      const key = `${p.path}: ${p.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
}

/** `peers[1].asn`; keys that are not identifiers in brackets (`peers[0]["hold time"]`). */
function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$]*$/.test(seg)) s += s === '' ? seg : `.${seg}`;
    else s += `[${JSON.stringify(String(seg))}]`;
  }
  return s;
}

/** The known keys of the object schema at `path` (for did-you-mean), seen through wrappers. */
function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: unknown = schema;
  for (let i = 0; ; i++) {
    for (;;) {
      if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap();
      else if (s instanceof z.ZodPipe) s = s.in;
      else break;
    }
    const seg = path[i];
    // A union of a value and a mapping (onFail: withdraw | { demote }): the mapping that has the key.
    if (s instanceof z.ZodUnion) {
      const objects = (s.options as readonly unknown[]).filter((o): o is z.ZodObject => o instanceof z.ZodObject);
      s = objects.find((o) => typeof seg === 'string' && seg in o.shape) ?? objects[0];
    }
    if (i === path.length) return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
    if (s instanceof z.ZodObject && typeof seg === 'string') s = (s.shape as Record<string, unknown>)[seg];
    else if (s instanceof z.ZodArray && typeof seg === 'number') s = s.element;
    else return [];
  }
}

/** Source offset of the deepest node along `path` (the key itself for a mapping entry). */
function offsetOf(doc: Document, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = isScalar(node) || isMap(node) || isSeq(node) ? node.range?.[0] : undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (isScalar(node) || isMap(node) || isSeq(node)) offset = node.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
