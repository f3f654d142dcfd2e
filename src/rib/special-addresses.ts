// What a router never takes from us, or should get only when the operator says so: next hops it
// cannot forward to, and prefixes beyond an announcer's own addresses (the special-purpose ranges
// of RFC 6890 and RFC 4291), checked on octets so a million-path request pays no strings.

import { formatIPv4, formatIPv6, parsePrefixInto, PREFIX_V6, type IpAddress } from '../codec/index.js';

/** A range of addresses; octets as the RIB keeps them (16, IPv4 in the first 4). */
interface Range {
  readonly v6: boolean;
  readonly octets: Uint8Array;
  readonly length: number;
  readonly text: string;
}

function range(text: string): Range {
  const octets = new Uint8Array(16);
  const r = parsePrefixInto(text, octets);
  if (r < 0) throw new Error(`not a prefix: ${text}`);
  const v6 = (r & PREFIX_V6) !== 0;
  const length = r & 0xff;
  return { v6, octets, length, text: `${v6 ? formatIPv6(octets) : formatIPv4(octets)}/${length}` };
}

/** Whether the `length`-bit prefix at bytes[at..] (IPv6 when `v6`) lies inside `r`. */
function inside(r: Range, v6: boolean, bytes: Uint8Array, at: number, length: number): boolean {
  if (r.v6 !== v6 || length < r.length) return false;
  const full = r.length >> 3;
  for (let i = 0; i < full; i++) if (bytes[at + i] !== r.octets[i]) return false;
  const bits = r.length & 7;
  return bits === 0 || (bytes[at + full]! & (0xff << (8 - bits)) & 0xff) === r.octets[full];
}

/** The text of the `length`-bit prefix at bytes[at..]. */
function prefixText(v6: boolean, bytes: Uint8Array, at: number, length: number): string {
  return `${v6 ? formatIPv6(bytes, at) : formatIPv4(bytes, at)}/${length}`;
}

// ---------------------------------------------------------------------------------------------
// Next hops

const TAKE_INSTEAD = 'give the address of a node that serves the prefix, or "self"';

/** Most specific first: the first match names the address. */
const NO_NEXT_HOP: readonly (readonly [Range, string])[] = [
  [range('0.0.0.0/32'), 'the unspecified address'],
  [range('255.255.255.255/32'), 'the broadcast address'],
  [range('0.0.0.0/8'), 'in 0.0.0.0/8 ("this network", RFC 6890)'],
  [range('127.0.0.0/8'), 'a loopback address'],
  [range('169.254.0.0/16'), 'a link-local address (169.254.0.0/16)'],
  [range('224.0.0.0/4'), 'a multicast address'],
  [range('240.0.0.0/4'), 'in 240.0.0.0/4 (reserved)'],
  [range('::/128'), 'the unspecified address'],
  [range('::1/128'), 'the loopback address'],
  [range('ff00::/8'), 'a multicast address'],
];

const IPV6_LINK_LOCAL = range('fe80::/10');

/**
 * Why no router would take `ip` as the next hop of a path, or undefined (RFC 4271 5.1.3: it must
 * be an address the router can forward to). An IPv6 link-local next hop goes only beside a global
 * one (RFC 2545 3), and names a node on one link only: the global address is what we are given.
 */
export function nextHopProblem(ip: IpAddress): string | undefined {
  const v6 = ip.isV6;
  const size = v6 ? 128 : 32;
  for (const [r, what] of NO_NEXT_HOP) {
    if (inside(r, v6, ip.bytes, 0, size)) return `${ip.toString()} is ${what}, which no router forwards to: ${TAKE_INSTEAD}`;
  }
  if (inside(IPV6_LINK_LOCAL, v6, ip.bytes, 0, size)) {
    return `${ip.toString()} is a link-local address, which a router takes only beside a global one (RFC 2545): give the node's global address, or "self"`;
  }
  return undefined;
}

/** Why `ip` cannot be the next hop of the `length`-bit prefix at bytes[at..] (IPv6 when `v6`): it is the prefix's own address. */
export function ownAddressProblem(ip: IpAddress, v6: boolean, bytes: Uint8Array, at: number, length: number): string | undefined {
  if (ip.isV6 !== v6) return undefined; // a next hop of the other address family is never the prefix's own
  const n = ip.bytes.length;
  for (let i = 0; i < n; i++) if (ip.bytes[i] !== bytes[at + i]) return undefined;
  const what = length === n * 8 ? 'the address the prefix announces' : "the prefix's own (network) address";
  return `${ip.toString()} is ${what}: the router would reach it through this very route; ${TAKE_INSTEAD}`;
}

// ---------------------------------------------------------------------------------------------
// Prefixes

interface Special {
  readonly range: Range;
  readonly what: string;
  /** Only the range itself, not what lies inside it (the default route). */
  readonly exact?: boolean;
}

/** Announced only when allowPrefixes names them (a range inside theirs). */
const SPECIAL: readonly Special[] = [
  { range: range('0.0.0.0/0'), what: 'the default route', exact: true },
  { range: range('::/0'), what: 'the default route', exact: true },
  { range: range('0.0.0.0/8'), what: '"this network" (0.0.0.0/8)' },
  { range: range('127.0.0.0/8'), what: 'loopback (127.0.0.0/8)' },
  { range: range('169.254.0.0/16'), what: 'link-local (169.254.0.0/16)' },
  { range: range('224.0.0.0/4'), what: 'multicast (224.0.0.0/4)' },
  { range: range('240.0.0.0/4'), what: 'reserved (240.0.0.0/4)' },
  { range: range('::/128'), what: 'the unspecified address' },
  { range: range('::1/128'), what: 'loopback (::1/128)' },
  { range: range('fe80::/10'), what: 'link-local (fe80::/10)' },
  { range: range('ff00::/8'), what: 'multicast (ff00::/8)' },
];

/**
 * The special ranges a prefix whose first octet is `o` may lie in, per family: a prefix inside a
 * range starts with one of the range's first octets, so most prefixes are checked against none.
 * The default route (exact) has first octet 0.
 */
const SPECIAL_BY_OCTET: readonly (readonly (readonly Special[])[])[] = [false, true].map((v6) =>
  Array.from({ length: 256 }, (_, o) =>
    SPECIAL.filter((s) => {
      if (s.range.v6 !== v6) return false;
      if (s.exact) return o === 0;
      const bits = Math.min(8, s.range.length);
      return bits === 0 || o >> (8 - bits) === s.range.octets[0]! >> (8 - bits);
    }),
  ),
);

/**
 * Which prefixes may be announced. Without allowPrefixes: any but the special ones (the default
 * route, loopback, multicast, link-local, reserved). With it: only prefixes inside one of its
 * ranges; a special prefix only inside a listed range that itself lies inside the special one, so
 * `0.0.0.0/0` admits the default route and every unicast prefix, but not multicast.
 */
export class PrefixPolicy {
  private readonly allow: readonly Range[] | null;

  /** `allowPrefixes` as the config has checked them (prefix text, host bits clear). */
  constructor(allowPrefixes?: readonly string[]) {
    this.allow = allowPrefixes === undefined ? null : allowPrefixes.map(range);
  }

  /** Why the `length`-bit prefix at bytes[at..] may not be announced, or undefined. */
  refusal(v6: boolean, bytes: Uint8Array, at: number, length: number): string | undefined {
    const allow = this.allow;
    for (const s of SPECIAL_BY_OCTET[v6 ? 1 : 0]![length === 0 ? 0 : bytes[at]!]!) {
      if (s.exact ? length !== s.range.length || s.range.v6 !== v6 : !inside(s.range, v6, bytes, at, length)) continue;
      if (allow?.some((a) => inside(a, v6, bytes, at, length) && inside(s.range, a.v6, a.octets, 0, a.length))) return undefined;
      const text = prefixText(v6, bytes, at, length);
      const how = s.exact ? `list ${s.range.text} in allowPrefixes` : `list it, or a range inside ${s.range.text}, in allowPrefixes`;
      return `${text} is ${s.what}: routers drop it or it draws traffic that is not yours; to announce it anyway, ${how}`;
    }
    if (allow === null || allow.some((a) => inside(a, v6, bytes, at, length))) return undefined;
    const listed = allow.length > 4 ? `${allow.slice(0, 4).map((a) => a.text).join(', ')} and ${allow.length - 4} more` : allow.map((a) => a.text).join(', ');
    return `${prefixText(v6, bytes, at, length)} is outside allowPrefixes (${listed || 'an empty list'})`;
  }
}
