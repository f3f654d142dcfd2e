// Turning a client's request into domain paths: every field checked and canonicalised before
// anything changes, every error naming the field and the value.

import { addressFamilyName, addressFamilyOf, formatIPv4, formatIPv6, IpAddress, maskHostBits, parsePrefixInto, Prefix, PREFIX_HOST_BITS, PREFIX_V6 } from '../codec/index.js';
import type { AddressFamily, Family } from '../codec/types.js';
import { attributesKey, MAX_WEIGHT, NO_ATTRIBUTES, parseAttributes, setsAttributes, type Attributes, type AttributeTexts } from '../attributes/table.js';
import { ownerSetKey, type RestoredDetails } from './rib.js';
import { grow } from './columns.js';
import { RequestError } from './request-error.js';
import { nextHopProblem, ownAddressProblem, PrefixPolicy } from './special-addresses.js';
import type { DesiredPath, NextHop, PathInput } from './types.js';

export const DEFAULT_OWNER = 'cli';
/** No allowPrefixes: any prefix but the special ones (special-addresses.ts). */
export const DEFAULT_POLICY = new PrefixPolicy();
const MAX_OWNER_LENGTH = 128;

/** An invalid-argument error naming `field`. */
export function invalid(field: string, message: string): RequestError {
  return new RequestError('invalid-argument', field, `${field}: ${message}`);
}

export function validatePrefix(prefix: unknown, field: string): Prefix {
  return validatePrefixLazy(prefix, () => field);
}

/** Why `text` is no prefix, named at `field`. */
function notAPrefix(field: string, text: unknown): RequestError {
  if (typeof text !== 'string' || text === '') return invalid(field, 'a prefix is required');
  return invalid(field, `${JSON.stringify(text)} is not an IPv4 or IPv6 prefix (e.g. 203.0.113.10/32, 2001:db8::10/128)`);
}

const scratch = new Uint8Array(16);

function validatePrefixLazy(prefix: unknown, field: () => string): Prefix {
  const text = typeof prefix === 'string' ? prefix.trim() : '';
  const r = text === '' ? -1 : parsePrefixInto(text, scratch);
  if (r < 0) throw notAPrefix(field(), prefix);
  if (r & PREFIX_HOST_BITS) throw hostBitsSet(field(), text, scratch, 0, r);
  return Prefix.fromBytes(r & PREFIX_V6 ? 'ipv6-unicast' : 'ipv4-unicast', scratch, r & 0xff);
}

/**
 * 203.0.113.11/24 is refused, as routers' config parsers refuse it, naming both things it may mean:
 * taking the network silently announces something else than what was typed.
 */
function hostBitsSet(field: string, text: string, masked: Uint8Array, at: number, r: number): RequestError {
  const v6 = (r & PREFIX_V6) !== 0;
  const octets = masked.subarray(at, at + (v6 ? 16 : 4));
  const network = `${v6 ? formatIPv6(octets) : formatIPv4(octets)}/${r & 0xff}`;
  const address = text.slice(0, text.indexOf('/'));
  return invalid(field, `${text} has host bits set: did you mean ${network} (the network) or ${address} (the address alone, /${v6 ? 128 : 32})?`);
}

/**
 * The address family a route of `family` requires of its next hop: its prefixes' own. The one rule
 * to widen for RFC 8950 (IPv6 next hops for IPv4 routes).
 */
export function nextHopAddressFamily(family: Family): AddressFamily {
  return addressFamilyOf(family);
}

/** A next hop for a prefix of `family`: "self", or an address of the address family it requires. */
export function validateNextHop(nextHop: string, family: Family, field: string): NextHop {
  if (nextHop === 'self') return nextHop;
  const ip = IpAddress.parse(nextHop.trim());
  if (!ip) throw invalid(field, `${JSON.stringify(nextHop)} is not an IP address or "self"`);
  if (ip.af !== nextHopAddressFamily(family)) {
    throw invalid(field, `${nextHop} is ${addressFamilyName(ip.af)} but the prefix is ${addressFamilyName(addressFamilyOf(family))}`);
  }
  return ip;
}

/** The configured health checks by name: 1 + the check's index (what a path's check column holds). */
export type CheckNames = ReadonlyMap<string, number>;
export const NO_CHECKS: CheckNames = new Map();

/** A path's `weight`: 0 for none (omitted), else a whole number 1..MAX_WEIGHT. */
export function validateWeight(weight: unknown, field: string): number {
  if (weight === undefined) return 0;
  if (typeof weight === 'number' && Number.isInteger(weight) && weight >= 1 && weight <= MAX_WEIGHT) return weight;
  throw invalid(field, `weight must be a whole number from 1 to ${MAX_WEIGHT} (a path's share of its prefix's traffic is its weight over the sum of its paths' weights), got ${JSON.stringify(weight)}`);
}

/** A path's `check`: 0 for none (omitted or empty), else the configured check's number. */
export function validateCheck(name: string | undefined, checks: CheckNames, field: string): number {
  if (name === undefined || name === '') return 0;
  const n = typeof name === 'string' ? checks.get(name) : undefined;
  if (n !== undefined) return n;
  const known = checks.size ? `configured: ${[...checks.keys()].join(', ')}` : 'the config has no healthChecks';
  throw invalid(field, `unknown health check ${JSON.stringify(name)} (${known})`);
}

export function validateOwner(owner: string | undefined, field: string): string {
  if (owner === undefined) return DEFAULT_OWNER;
  if (owner.trim() === '') throw invalid(field, 'must not be empty');
  if (owner.length > MAX_OWNER_LENGTH) throw invalid(field, `longer than ${MAX_OWNER_LENGTH} characters`);
  return owner;
}

/**
 * Recently validated next hops, per family: a large request repeats a handful of them (and one
 * object each keeps RIB look-ups cheap). Keyed by the text as given: no string built per path.
 * Only next hops a router takes are kept.
 */
const nextHopCache: Record<Family, Map<string, NextHop>> = { 'ipv4-unicast': new Map(), 'ipv6-unicast': new Map() };

/** A next hop of `family` that a router takes (validateNextHop, then nextHopProblem). */
function cachedNextHop(nextHop: string, family: Family, field: () => string): NextHop {
  const cache = nextHopCache[family];
  const hit = cache.get(nextHop);
  if (hit !== undefined) return hit;
  const v = validateNextHop(nextHop, family, field());
  const why = v === 'self' ? undefined : nextHopProblem(v);
  if (why !== undefined) throw invalid(field(), why);
  if (cache.size >= 1024) cache.clear();
  cache.set(nextHop, v);
  return v;
}

/** A validated path and the key of its attribute set. */
export interface ValidPath {
  readonly path: DesiredPath;
  readonly attrKey: string;
}

const attrCache = new Map<string, { readonly attributes: Attributes; readonly key: string }>();
/** The attributes of a path, parsed (each by its entry in the attribute table); one shared object per distinct set. */
export function validateAttributes(input: AttributeTexts, field: () => string): { readonly attributes: Attributes; readonly key: string } {
  if (!setsAttributes(input)) return PLAIN;
  const attributes = parseAttributes(input, (name, index, why) => {
    throw invalid(index === undefined ? `${field()}.${name}` : `${field()}.${name}[${index}]`, why);
  });
  const key = attributesKey(attributes);
  // One object per attribute set across a large request.
  let known = attrCache.get(key);
  if (!known) {
    if (attrCache.size >= 1024) attrCache.clear();
    attrCache.set(key, (known = { attributes, key }));
  }
  return known;
}

const PLAIN = { attributes: NO_ATTRIBUTES, key: attributesKey(NO_ATTRIBUTES) };

/** A stored path's owners and attributes as plain values (as the state file keeps them). */
export type StoredValues = { readonly owners: readonly string[]; readonly attributesOwner?: string; readonly weight?: number } & AttributeTexts;

/**
 * A stored path's owners and attributes, validated as a request's would be (errors name the field),
 * with its health check (already a number: whether it is still configured is the caller's
 * business), as Rib.restorePath takes them.
 */
export function validateStored(d: StoredValues, check: number, field: () => string): RestoredDetails {
  d.owners.forEach((o, i) => validateOwner(o, `${field()}.owners[${i}]`));
  const { attributes, key } = validateAttributes(d, field);
  if (d.attributesOwner !== undefined) validateOwner(d.attributesOwner, `${field()}.attributesOwner`);
  const weight = validateWeight(d.weight, `${field()}.weight`);
  return {
    attributes,
    attrKey: key,
    owners: d.owners,
    ownersKey: ownerSetKey(d.owners),
    check,
    ...(weight !== 0 ? { weight } : {}),
    ...(d.attributesOwner !== undefined ? { attributesOwner: d.attributesOwner } : {}),
  };
}

/**
 * Why the prefix at bytes[at..] may not be announced via a next hop already checked with
 * nextHopProblem (once per next hop, not per path): the policy refuses the prefix, or the next hop
 * is the prefix's own address. Undefined when it may.
 */
export function prefixRefusal(v6: boolean, bytes: Uint8Array, at: number, length: number, nextHop: NextHop, policy: PrefixPolicy, field: () => string): RequestError | undefined {
  const why = policy.refusal(v6, bytes, at, length);
  if (why !== undefined) return invalid(`${field()}.prefix`, why);
  const own = nextHop === 'self' ? undefined : ownAddressProblem(nextHop, v6, bytes, at, length);
  return own === undefined ? undefined : invalid(`${field()}.nextHop`, own);
}

/** Whether bytes[a, a + size) and bytes[b, b + size) are equal. */
function sameOctets(bytes: Uint8Array, a: number, b: number, size: number): boolean {
  for (let i = 0; i < size; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

/** `at` names the path in errors (e.g. "paths[3]"); called only when there is an error to report. */
export function validatePath(
  input: PathInput,
  defaultNextHop: string,
  at: string | (() => string),
  policy: PrefixPolicy = DEFAULT_POLICY,
  checks: CheckNames = NO_CHECKS,
): ValidPath {
  const field = typeof at === 'string' ? () => at : at;
  const prefix = validatePrefixLazy(input.prefix, () => `${field()}.prefix`);
  // The next hop's own problems are refused here; then the prefix and the pair.
  const nextHop = cachedNextHop(input.nextHop ?? defaultNextHop, prefix.family, () => `${field()}.nextHop`);
  const refused = prefixRefusal(prefix.isV6, prefix.bytes, 0, prefix.length, nextHop, policy, field);
  if (refused) throw refused;
  const { attributes, key } = validateAttributes(input, field);
  return {
    attrKey: key,
    path: {
      prefix,
      nextHop,
      owner: input.owner === undefined ? DEFAULT_OWNER : validateOwner(input.owner, `${field()}.owner`),
      attributes,
      check: validateCheck(input.check, checks, `${field()}.check`),
      weight: validateWeight(input.weight, `${field()}.weight`),
    },
  };
}

/**
 * Validated paths of one owner held column-wise until they are applied (a streamed ReplacePaths):
 * a million of them cost typed arrays, not a Prefix object each. Prefix text is scanned straight
 * into the octet column.
 */
/**
 * Each packed prefix's next hop from a table: `indexes` holds one 2-octet index (most significant
 * first) into `nextHops` per prefix; an empty entry is the daemon's configured next hop.
 */
export interface PackedNextHops {
  readonly nextHops: readonly string[];
  readonly indexes: Uint8Array;
}

export class PathStage {
  count = 0;
  /** 16 octets per path (IPv4 uses the first 4), host bits clear. */
  addr = new Uint8Array(0);
  len = new Uint8Array(0);
  v6 = new Uint8Array(0);
  /** Index into nextHops / attributeSets. */
  nh = new Int32Array(0);
  attr = new Int32Array(0);
  /** The path's health check (see validateCheck). */
  check = new Uint16Array(0);
  /** The path's weight (see validateWeight). */
  weight = new Uint16Array(0);
  readonly nextHops: NextHop[] = [];
  readonly attributeSets: { readonly attributes: Attributes; readonly key: string }[] = [];
  private readonly nhIndex = new Map<NextHop, number>();
  private readonly attrIndex = new Map<string, number>();

  constructor(
    private readonly defaultNextHop: string,
    private readonly policy: PrefixPolicy = DEFAULT_POLICY,
    private readonly checks: CheckNames = NO_CHECKS,
  ) {}

  /** Refuse the staged prefix i unless it may be announced via `nextHop` (see prefixRefusal). */
  private refuseUnannounceable(i: number, nextHop: NextHop, field: () => string): void {
    const no = prefixRefusal(this.v6[i] === 1, this.addr, i * 16, this.len[i]!, nextHop, this.policy, field);
    if (no) throw no;
  }

  /** Whether staged paths i and j are of the same prefix. */
  samePrefix(i: number, j: number): boolean {
    return this.len[i] === this.len[j] && this.v6[i] === this.v6[j] && sameOctets(this.addr, i * 16, j * 16, this.v6[i] ? 16 : 4);
  }

  /** Room for `n` more paths (by doubling; in one step when told a set's size beforehand). */
  reserve(n: number): void {
    if (this.count + n <= this.len.length) return;
    let cap = Math.max(1024, this.len.length * 2);
    while (cap < this.count + n) cap *= 2;
    this.addr = grow(this.addr, cap * 16);
    this.len = grow(this.len, cap);
    this.v6 = grow(this.v6, cap);
    this.nh = grow(this.nh, cap);
    this.attr = grow(this.attr, cap);
    this.check = grow(this.check, cap);
    this.weight = grow(this.weight, cap);
  }

  private nextHopIndex(nextHop: NextHop): number {
    let nh = this.nhIndex.get(nextHop);
    if (nh === undefined) {
      this.nhIndex.set(nextHop, (nh = this.nextHops.length));
      this.nextHops.push(nextHop);
    }
    return nh;
  }

  private attributesIndex(a: { readonly attributes: Attributes; readonly key: string }): number {
    let at = this.attrIndex.get(a.key);
    if (at === undefined) {
      this.attrIndex.set(a.key, (at = this.attributeSets.length));
      this.attributeSets.push(a);
    }
    return at;
  }

  /**
   * Stage prefixes packed as BGP NLRI (a length octet, then the significant octets), all of
   * `family`, sharing `nextHop`, the health check `checkName` and no attributes. `field(k)` names
   * the k-th in errors.
   */
  addPacked(family: Family, packed: Uint8Array, via: string | PackedNextHops | undefined, field: (k: number) => string, checkName?: string): void {
    const v6 = family === 'ipv6-unicast';
    const max = v6 ? 128 : 32;
    // One next hop for every prefix, or each prefix's from a table (resolved when first used).
    const table = typeof via === 'object' ? via : undefined;
    const single = table ? -1 : this.nextHopIndex(cachedNextHop((typeof via === 'string' ? via : '') || this.defaultNextHop, family, () => `${field(0)}.nextHop`));
    const resolved = table ? new Int32Array(table.nextHops.length).fill(-1) : null;
    const check = validateCheck(checkName, this.checks, `${field(0)}.check`);
    const attr = this.attributesIndex(PLAIN);
    const size = v6 ? 16 : 4;
    let pos = 0;
    let k = 0;
    // One thunk for the whole block: it names path k when (only when) there is an error.
    const fieldK = (): string => field(k);
    // A table's block says its size: room for it at once.
    if (table) this.reserve(table.indexes.length >> 1);
    for (; pos < packed.length; k++) {
      const len = packed[pos++]!;
      if (len > max) throw invalid(`${field(k)}.prefix`, `prefix length ${len} is longer than ${max}`);
      const n = (len + 7) >> 3;
      if (pos + n > packed.length) throw invalid(`${field(k)}.prefix`, 'the packed prefixes end in the middle of one');
      let nh = single;
      if (table) {
        if (2 * k + 2 > table.indexes.length) throw invalid(`${field(k)}.nextHop`, 'the block has fewer next-hop indexes than prefixes');
        const j = (table.indexes[2 * k]! << 8) | table.indexes[2 * k + 1]!;
        if (j >= table.nextHops.length) throw invalid(`${field(k)}.nextHop`, `next-hop index ${j} is past the block's ${table.nextHops.length} next hops`);
        nh = resolved![j]!;
        if (nh < 0) nh = resolved![j] = this.nextHopIndex(cachedNextHop(table.nextHops[j] || this.defaultNextHop, family, () => `${field(k)}.nextHop`));
      }
      this.reserve(1);
      const i = this.count;
      const at = i * 16;
      const addr = this.addr;
      for (let b = 0; b < n; b++) addr[at + b] = packed[pos + b]!;
      for (let b = n; b < 16; b++) addr[at + b] = 0;
      maskHostBits(addr, len, at, size);
      pos += n;
      this.len[i] = len;
      this.v6[i] = v6 ? 1 : 0;
      // The central shape stages each EIP once per node, one after another: its prefix is
      // judged once, only its pairing with each next hop again.
      const nextHop = this.nextHops[nh]!;
      if (i > 0 && this.samePrefix(i, i - 1)) {
        const own = nextHop === 'self' ? undefined : ownAddressProblem(nextHop, v6, addr, at, len);
        if (own !== undefined) throw invalid(`${field(k)}.nextHop`, own);
      } else {
        this.refuseUnannounceable(i, nextHop, fieldK);
      }
      this.nh[i] = nh;
      this.attr[i] = attr;
      this.check[i] = check;
      this.weight[i] = 0;
      this.count = i + 1;
    }
    if (table && table.indexes.length !== 2 * k) throw invalid(`${field(k - 1)}.nextHop`, 'the block has more next-hop indexes than prefixes');
  }

  /** Validate and stage one path; `field` names it in errors ("paths[41]"). Throws RequestError. */
  add(input: PathInput, field: () => string): void {
    this.reserve(1);
    const i = this.count;
    const text = input.prefix;
    let r = typeof text === 'string' && text !== '' ? parsePrefixInto(text, this.addr, i * 16) : -1;
    if (r < 0 && typeof text === 'string' && text.trim() !== text) r = parsePrefixInto(text.trim(), this.addr, i * 16);
    if (r < 0) throw notAPrefix(`${field()}.prefix`, text);
    if (r & PREFIX_HOST_BITS) throw hostBitsSet(`${field()}.prefix`, (text as string).trim(), this.addr, i * 16, r);
    const v6 = (r & PREFIX_V6) !== 0;
    const nextHop = cachedNextHop(input.nextHop ?? this.defaultNextHop, v6 ? 'ipv6-unicast' : 'ipv4-unicast', () => `${field()}.nextHop`);
    if (input.owner !== undefined) validateOwner(input.owner, `${field()}.owner`);
    this.len[i] = r & 0xff;
    this.v6[i] = v6 ? 1 : 0;
    this.refuseUnannounceable(i, nextHop, field);
    const a = validateAttributes(input, field);
    this.check[i] = validateCheck(input.check, this.checks, `${field()}.check`);
    this.weight[i] = validateWeight(input.weight, `${field()}.weight`);
    this.nh[i] = this.nextHopIndex(nextHop);
    this.attr[i] = this.attributesIndex(a);
    this.count = i + 1;
  }
}
