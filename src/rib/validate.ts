// Turning a client's request into domain paths: every field checked and canonicalised before
// anything changes, every error naming the field and the value.

import { IpAddress, parseCommunity, parseLargeCommunity, Prefix } from '../codec/index.js';
import type { Family } from '../codec/types.js';
import type { LargeCommunityValue } from '../codec/values.js';
import type { PathInput } from '../speaker/api.js';
import { attributesKey } from './rib.js';
import { RequestError, type Attributes, type DesiredPath, type NextHop } from './types.js';

export const DEFAULT_OWNER = 'cli';
const MAX_OWNER_LENGTH = 128;

function invalid(field: string, message: string): RequestError {
  return new RequestError('invalid-argument', field, `${field}: ${message}`);
}

export function validatePrefix(prefix: unknown, field: string): Prefix {
  return validatePrefixLazy(prefix, () => field);
}

function validatePrefixLazy(prefix: unknown, field: () => string): Prefix {
  if (typeof prefix !== 'string' || prefix === '') throw invalid(field(), 'a prefix is required');
  const p = Prefix.parse(prefix.trim());
  if (!p) throw invalid(field(), `${JSON.stringify(prefix)} is not an IPv4 or IPv6 prefix (e.g. 203.0.113.10/32, 2001:db8::10/128)`);
  return p;
}

/** A next hop for a prefix of `family`: "self", or an address of that family. */
export function validateNextHop(nextHop: string, family: Family, field: string): NextHop {
  if (nextHop === 'self') return nextHop;
  const ip = IpAddress.parse(nextHop.trim());
  if (!ip) throw invalid(field, `${JSON.stringify(nextHop)} is not an IP address or "self"`);
  if (ip.family !== family) {
    throw invalid(field, `${nextHop} is ${ip.isV6 ? 'IPv6' : 'IPv4'} but the prefix is ${ip.isV6 ? 'IPv4' : 'IPv6'}`);
  }
  return ip;
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

const NONE: readonly never[] = Object.freeze([]);

function sortedUnique<T extends number | LargeCommunityValue>(
  list: readonly string[],
  parse: (s: string) => T | null,
  compare: (a: T, b: T) => number,
  field: () => string,
  what: string,
): readonly T[] {
  if (list.length === 0) return NONE;
  const parsed = list.map((c, i) => {
    const v = parse(c);
    if (v === null) throw invalid(`${field()}[${i}]`, `${JSON.stringify(c)} is not ${what}`);
    return v;
  });
  parsed.sort(compare);
  return parsed.filter((v, i) => i === 0 || compare(parsed[i - 1]!, v) !== 0);
}

function compareLarge(a: LargeCommunityValue, b: LargeCommunityValue): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Recently validated next hops: a large request repeats a handful of them (and one object each keeps RIB look-ups cheap). */
const nextHopCache = new Map<string, NextHop>();

function cachedNextHop(nextHop: string, family: Family, field: () => string): NextHop {
  const key = `${family}|${nextHop}`;
  const hit = nextHopCache.get(key);
  if (hit !== undefined) return hit;
  const v = validateNextHop(nextHop, family, field());
  if (nextHopCache.size >= 1024) nextHopCache.clear();
  nextHopCache.set(key, v);
  return v;
}

/** A validated path and the key of its attribute set. */
export interface ValidPath {
  readonly path: DesiredPath;
  readonly attrKey: string;
}

const attrCache = new Map<string, Attributes>();

/** `at` names the path in errors (e.g. "paths[3]"); called only when there is an error to report. */
export function validatePath(input: PathInput, defaultNextHop: string, at: string | (() => string)): ValidPath {
  const field = typeof at === 'string' ? () => at : at;
  const prefix = validatePrefixLazy(input.prefix, () => `${field()}.prefix`);
  const nextHop = cachedNextHop(input.nextHop ?? defaultNextHop, prefix.family, () => `${field()}.nextHop`);
  const communities = sortedUnique(
    input.communities ?? [],
    (c) => parseCommunity(c.trim()),
    (a, b) => a - b,
    () => `${field()}.communities`,
    'a community ASN:VALUE with both parts in 0..65535',
  );
  const largeCommunities = sortedUnique<LargeCommunityValue>(
    input.largeCommunities ?? [],
    (c) => parseLargeCommunity(c.trim()),
    compareLarge,
    () => `${field()}.largeCommunities`,
    'a large community A:B:C with each part in 0..4294967295',
  );
  const localPref = input.localPref === undefined ? undefined : u32(input.localPref, `${field()}.localPref`);
  const med = input.med === undefined ? undefined : u32(input.med, `${field()}.med`);
  let attributes: Attributes = {
    communities,
    largeCommunities,
    ...(localPref !== undefined ? { localPref } : {}),
    ...(med !== undefined ? { med } : {}),
  };
  const attrKey = attributesKey(attributes);
  // One object per attribute set across a large request.
  const known = attrCache.get(attrKey);
  if (known) attributes = known;
  else {
    if (attrCache.size >= 1024) attrCache.clear();
    attrCache.set(attrKey, attributes);
  }
  return {
    attrKey,
    path: {
      prefix,
      nextHop,
      owner: input.owner === undefined ? DEFAULT_OWNER : validateOwner(input.owner, `${field()}.owner`),
      attributes,
    },
  };
}
