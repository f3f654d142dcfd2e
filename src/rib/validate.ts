// Turning a client's request into domain paths: every field checked and canonicalised before
// anything changes, every error naming the field and the value.

import { canonicalPrefix, formatIPv6, parseCommunity, parseIp, parseLargeCommunity } from '../codec/index.js';
import type { Family } from '../codec/types.js';
import type { PathInput } from '../speaker-api.js';
import { RequestError, type Path } from './types.js';

export const DEFAULT_OWNER = 'cli';
const MAX_OWNER_LENGTH = 128;

function invalid(field: string, message: string): RequestError {
  return new RequestError('invalid-argument', field, `${field}: ${message}`);
}

export function validatePrefix(prefix: unknown, field: string): { prefix: string; family: Family } {
  return validatePrefixLazy(prefix, () => field);
}

function validatePrefixLazy(prefix: unknown, field: () => string): { prefix: string; family: Family } {
  if (typeof prefix !== 'string' || prefix === '') throw invalid(field(), 'a prefix is required');
  const p = canonicalPrefix(prefix.trim());
  if (!p) throw invalid(field(), `${JSON.stringify(prefix)} is not an IPv4 or IPv6 prefix (e.g. 203.0.113.10/32, 2001:db8::10/128)`);
  return { prefix: p, family: p.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast' };
}

/** A next hop for a prefix of `family`: "self", or an address of that family (canonical text). */
export function validateNextHop(nextHop: string, family: Family, field: string): string {
  if (nextHop === 'self') return nextHop;
  const ip = parseIp(nextHop.trim());
  if (!ip) throw invalid(field, `${JSON.stringify(nextHop)} is not an IP address or "self"`);
  const want = family === 'ipv4-unicast' ? 'ipv4' : 'ipv6';
  if (ip.family !== want) {
    throw invalid(field, `${nextHop} is ${ip.family === 'ipv4' ? 'IPv4' : 'IPv6'} but the prefix is ${want === 'ipv4' ? 'IPv4' : 'IPv6'}`);
  }
  return ip.family === 'ipv6' ? formatIPv6(ip.bytes) : nextHop.trim();
}

export function validateOwner(owner: string | undefined, field: string): string {
  if (owner === undefined) return DEFAULT_OWNER;
  if (owner.trim() === '') throw invalid(field, 'must not be empty');
  if (owner.length > MAX_OWNER_LENGTH) throw invalid(field, `longer than ${MAX_OWNER_LENGTH} characters`);
  return owner;
}

function u32(v: number | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw invalid(field, `${v} is not an integer in 0..4294967295`);
  return v;
}

const NONE: readonly string[] = Object.freeze([]);

function sortedUnique(list: readonly string[], parse: (s: string) => number[] | null, field: () => string, what: string): readonly string[] {
  if (list.length === 0) return NONE;
  const parsed = list.map((c, i) => {
    const v = parse(c);
    if (!v) throw invalid(`${field()}[${i}]`, `${JSON.stringify(c)} is not ${what}`);
    return { text: v.join(':'), v };
  });
  parsed.sort((a, b) => {
    for (let i = 0; i < a.v.length; i++) if (a.v[i] !== b.v[i]) return a.v[i]! - b.v[i]!;
    return 0;
  });
  return [...new Set(parsed.map((p) => p.text))];
}

/** Recently validated next hops: a large request repeats a handful of them. */
const nextHopCache = new Map<string, string>();

function cachedNextHop(nextHop: string, family: Family, field: () => string): string {
  const key = `${family}|${nextHop}`;
  const hit = nextHopCache.get(key);
  if (hit !== undefined) return hit;
  const v = validateNextHop(nextHop, family, field());
  if (nextHopCache.size >= 1024) nextHopCache.clear();
  nextHopCache.set(key, v);
  return v;
}

/** `at` names the path in errors (e.g. "paths[3]"); called only when there is an error to report. */
export function validatePath(input: PathInput, defaultNextHop: string, at: string | (() => string)): Path {
  const field = typeof at === 'string' ? () => at : at;
  const { prefix, family } = validatePrefixLazy(input.prefix, () => `${field()}.prefix`);
  const nextHop = cachedNextHop(input.nextHop ?? defaultNextHop, family, () => `${field()}.nextHop`);
  const communities = sortedUnique(
    input.communities ?? [],
    (c) => {
      const v = parseCommunity(c);
      return v === null ? null : [Math.floor(v / 0x10000), v % 0x10000];
    },
    () => `${field()}.communities`,
    'a community ASN:VALUE with both parts in 0..65535',
  );
  const largeCommunities = sortedUnique(
    input.largeCommunities ?? [],
    parseLargeCommunity,
    () => `${field()}.largeCommunities`,
    'a large community A:B:C with each part in 0..4294967295',
  );
  const localPref = input.localPref === undefined ? undefined : u32(input.localPref, `${field()}.localPref`);
  const med = input.med === undefined ? undefined : u32(input.med, `${field()}.med`);
  return {
    prefix,
    family,
    nextHop,
    owner: input.owner === undefined ? DEFAULT_OWNER : validateOwner(input.owner, `${field()}.owner`),
    attributes: {
      communities,
      largeCommunities,
      ...(localPref !== undefined ? { localPref } : {}),
      ...(med !== undefined ? { med } : {}),
    },
  };
}
