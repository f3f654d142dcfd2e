// The desired-set file the example controller keeps announced: one entry per EIP with the nodes
// that serve it. It is turned into the flat path list ReplacePaths takes; each path remembers the
// entry it came from, so the daemon's "paths[7].nextHop: ..." can be reported as "eips[2].nextHops[1]".
//
//   eips:
//     - prefix: 203.0.113.10            # a bare address is a /32 (IPv4) or /128 (IPv6)
//       nextHops: [198.51.100.11, 198.51.100.12]
//       communities: [65000:100]        # optional, also largeCommunities, extendedCommunities, localPref, med
//       check: web                      # optional: the daemon's health check for every node of it
//     - prefix: 203.0.113.11            # no nextHops: one path via the daemon's `nextHop`
//     - prefix: 203.0.113.12            # (per-node shape: "self"); nextHops: [] withdraws it
//       nextHops: []
//     - prefix: 203.0.113.13            # weighted ECMP: each node's share follows its ready endpoints
//       nextHops: [{ address: 198.51.100.11, readyEndpoints: 3 }, { address: 198.51.100.12, readyEndpoints: 1 }]
//
// Only the shape is checked here; the daemon validates every value (addresses, communities) and
// refuses the whole set if one is wrong, so a typo never withdraws anything.

import { parse } from 'yaml';
import { attributeFields, type PathInput } from 'announcer/client';

export class DesiredSetError extends Error {
  override readonly name = 'DesiredSetError';
}

export interface DesiredSet {
  /** What ReplacePaths gets (without owner: the controller's owner is the call's). */
  readonly paths: readonly PathInput[];
  /** For each path, where it came from in the file: "eips[2].nextHops[1]" or "eips[3]". */
  readonly origins: readonly string[];
  /** Number of EIP entries in the file. */
  readonly eips: number;
}

/** An EIP's fields: its attributes are the ones a path has (attributeFields), passed on by name. */
const ATTRIBUTES = attributeFields();
const KEYS = ['prefix', 'nextHops', ...ATTRIBUTES.map((a) => a.name), 'check'];

function what(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

/**
 * An EIP's next hops: addresses, or `{ address, readyEndpoints }` for weighted ECMP (the node's
 * ready endpoints of the service: its weight; 0: no path).
 */
function nextHopList(v: unknown, field: string): { address: string; readyEndpoints?: number }[] {
  if (!Array.isArray(v)) return stringList(v, field).map((address) => ({ address })); // one address alone, as stringList takes it
  return v.map((item, j) => {
    if (typeof item === 'string') return { address: item };
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new DesiredSetError(`${field}[${j}]: expected an address or { address, readyEndpoints }, got ${what(item)}`);
    const o = item as Record<string, unknown>;
    for (const key of Object.keys(o)) if (key !== 'address' && key !== 'readyEndpoints') throw new DesiredSetError(`${field}[${j}].${key}: unknown field (expected address, readyEndpoints)`);
    if (typeof o['address'] !== 'string') throw new DesiredSetError(`${field}[${j}].address: expected an address, got ${what(o['address'])}`);
    const n = o['readyEndpoints'];
    if (n !== undefined && !(typeof n === 'number' && Number.isInteger(n) && n >= 0)) throw new DesiredSetError(`${field}[${j}].readyEndpoints: expected a whole number of 0 or more, got ${JSON.stringify(n)}`);
    return { address: o['address'], ...(n !== undefined ? { readyEndpoints: n } : {}) };
  });
}

function stringList(v: unknown, field: string): string[] {
  // A lone value is a list of one, as people write `communities: 65000:100`.
  const list = Array.isArray(v) ? v : [v];
  return list.map((c, i) => {
    if (typeof c !== 'string' && typeof c !== 'number') throw new DesiredSetError(`${field}[${i}]: expected a string, got ${what(c)}`);
    return String(c);
  });
}

/** Good enough to spot one EIP listed twice ("203.0.113.10" and "203.0.113.10/32"); the daemon canonicalises for real. */
function prefixKey(prefix: string): string {
  const p = prefix.trim().toLowerCase();
  return p.includes('/') ? p : `${p}/${p.includes(':') ? 128 : 32}`;
}

/** Parses the file's text; throws DesiredSetError naming the entry and field that is wrong. */
const EMPTY = 'the file lists no EIPs (it is empty): to withdraw all of them on purpose, write `eips: []`';

export function parseDesiredSet(text: string): DesiredSet {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new DesiredSetError(`not YAML: ${e instanceof Error ? (e.message.split('\n', 1)[0] ?? e.message) : String(e)}`);
  }
  // A file with nothing in it is a writer killed before its first byte or a template that rendered
  // nothing, not a desire: withdrawing everything takes an explicit `eips: []`.
  if (doc === null || doc === undefined) throw new DesiredSetError(EMPTY);
  let list: unknown = doc;
  if (typeof doc === 'object' && !Array.isArray(doc)) {
    const o = doc as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => k !== 'eips');
    if (extra.length) throw new DesiredSetError(`${extra[0]}: unknown key (the file is \`eips:\` and a list of EIPs)`);
    list = o['eips'];
    if (list === null || list === undefined) throw new DesiredSetError(EMPTY);
  }
  if (!Array.isArray(list)) throw new DesiredSetError(`eips: expected a list of EIPs, got ${what(list)}`);

  const paths: PathInput[] = [];
  const origins: string[] = [];
  const seen = new Map<string, string>();
  list.forEach((raw: unknown, i) => {
    const at = `eips[${i}]`;
    let o: Record<string, unknown>;
    // A bare string is an EIP announced via the daemon's default next hop.
    if (typeof raw === 'string') o = { prefix: raw };
    else if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) o = raw as Record<string, unknown>;
    else throw new DesiredSetError(`${at}: expected an EIP (a mapping with prefix), got ${what(raw)}`);
    for (const key of Object.keys(o)) {
      if (!(KEYS as readonly string[]).includes(key)) {
        const hint = key === 'nextHop' ? ' (did you mean nextHops, a list?)' : ` (expected ${KEYS.join(', ')})`;
        throw new DesiredSetError(`${at}.${key}: unknown field${hint}`);
      }
    }
    const prefix = o['prefix'];
    if (typeof prefix !== 'string' || prefix.trim() === '') throw new DesiredSetError(`${at}.prefix: expected an address or prefix, got ${what(prefix)}`);
    const key = prefixKey(prefix);
    const first = seen.get(key);
    if (first !== undefined) throw new DesiredSetError(`${at}.prefix: ${prefix} is already listed at ${first}: give all its next hops in one entry`);
    seen.set(key, at);

    const attributes: Record<string, unknown> & { check?: string } = {};
    for (const { name, form } of ATTRIBUTES) {
      const v = o[name];
      if (v === undefined) continue;
      if (form === 'list') attributes[name] = stringList(v, `${at}.${name}`);
      else if (typeof v !== 'number') throw new DesiredSetError(`${at}.${name}: expected a number, got ${what(v)}`);
      else attributes[name] = v;
    }
    // The daemon probes each node itself (its config's healthChecks): no polling here.
    if (o['check'] !== undefined) {
      if (typeof o['check'] !== 'string' || o['check'] === '') throw new DesiredSetError(`${at}.check: expected the name of a health check, got ${what(o['check'])}`);
      attributes.check = o['check'];
    }

    if (o['nextHops'] === undefined || o['nextHops'] === null) {
      paths.push({ prefix, ...attributes });
      origins.push(at);
      return;
    }
    const hops = nextHopList(o['nextHops'], `${at}.nextHops`);
    const addresses = hops.map((h) => h.address);
    hops.forEach(({ address: nextHop, readyEndpoints }, j) => {
      const dup = addresses.indexOf(nextHop);
      if (dup !== j) throw new DesiredSetError(`${at}.nextHops[${j}]: ${nextHop} is listed twice (also nextHops[${dup}])`);
      // A node with no ready endpoint serves nothing (externalTrafficPolicy: Local): no path.
      if (readyEndpoints === 0) return;
      // Its weight: its share of the EIP's traffic (routers that weigh by link bandwidth, FRR), at most the daemon's 1,000.
      paths.push({ prefix, nextHop, ...attributes, ...(readyEndpoints !== undefined ? { weight: Math.min(readyEndpoints, 1000) } : {}) });
      origins.push(`${at}.nextHops[${j}]`);
    });
  });
  return { paths, origins, eips: list.length };
}

/**
 * Rewrites the daemon's field ("paths[7].nextHop", "paths[7]") to the file's ("eips[2].nextHops[1]"),
 * so an error points at the line to fix. Unknown shapes are returned unchanged.
 */
export function fileField(set: DesiredSet, field: string): string {
  const m = /^paths\[(\d+)\](?:\.(\w+))?/.exec(field);
  if (!m) return field;
  const origin = set.origins[Number(m[1])];
  if (origin === undefined) return field;
  const sub = m[2];
  if (sub === undefined || sub === 'nextHop') return origin;
  if (sub === 'weight') return `${origin}.readyEndpoints`;
  // An attribute: it belongs to the EIP entry, not to one of its next hops.
  return `${origin.replace(/\.nextHops\[\d+\]$/, '')}.${sub}${field.slice(m[0].length)}`;
}
