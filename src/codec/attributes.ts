// Path attributes (RFC 4271 4.3 and 5), one descriptor per type code: expected flags, what
// RFC 7606 does when the attribute is malformed, and its decoder and encoder. The UPDATE decoder
// walks the attribute list and consults this table; nothing here knows about the message around it.

import {
  AS_TRANS,
  Afi,
  AsPathSegmentType,
  AttrFlag,
  AttrType,
  ErrorCode,
  OriginCode,
  Safi,
  UpdateSubcode,
} from './constants.js';
import { BgpEncodeError, BgpError, updateError } from './errors.js';
import { decodeExtendedCommunity, decodeIpv6ExtendedCommunity, encodeExtendedCommunity, IPV6_EXTENDED_LENGTH, isIpv6Specific, type ExtendedCommunity } from './ext-community.js';
import { decodeNlriList, encodeNlriList } from './nlri.js';
import type { Reader } from './reader.js';
import type { AsPathSegment, AsPathSegmentKind, CodecContext, Family, Origin, PathAttribute } from './types.js';
import { addressFamilyName, addressFamilyOf, IpAddress, type AddressFamily, type LargeCommunityValue } from './values.js';
import type { Writer } from './writer.js';

/** RFC 7606 2: how a malformed attribute is handled, least to most severe. */
export type AttrErrorAction = 'attribute-discard' | 'treat-as-withdraw' | 'session-reset';

export interface AttrDescriptor {
  readonly code: number;
  readonly name: string;
  /** The Optional and Transitive bits this attribute must carry. */
  readonly flags: number;
  readonly onError: AttrErrorAction;
  /** `r` spans exactly the attribute's value. Throws BgpError (UPDATE Message Error) when malformed. */
  decode(r: Reader, ctx: CodecContext): PathAttribute;
  encode(w: Writer, a: PathAttribute, ctx: CodecContext): void;
}

const WELL_KNOWN = AttrFlag.TRANSITIVE;
const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
const OPTIONAL = AttrFlag.OPTIONAL;

function fail(subcode: Parameters<typeof updateError>[0], reason: string): BgpError {
  return updateError(subcode, reason);
}

function lengthIs(r: Reader, name: string, ...allowed: number[]): void {
  if (!allowed.includes(r.remaining)) {
    throw fail(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `${name} length ${r.remaining}, expected ${allowed.join(' or ')}`);
  }
}

function lengthMultiple(r: Reader, name: string, unit: number): void {
  if (r.remaining === 0 || r.remaining % unit !== 0) {
    throw fail(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `${name} length ${r.remaining} is not a non-zero multiple of ${unit}`);
  }
}

/** Narrow an attribute handed to an encoder to the kind its descriptor encodes. */
function as<K extends PathAttribute['type']>(a: PathAttribute, kind: K): Extract<PathAttribute, { type: K }> {
  if (a.type !== kind) throw new BgpEncodeError(`encoder for ${kind} given ${a.type}`);
  return a as Extract<PathAttribute, { type: K }>;
}

/** The octets of `a`, which must be an address of `af`. */
function octets(a: IpAddress, af: AddressFamily, what: string): Uint8Array {
  if (a.af !== af) throw new BgpEncodeError(`${what} ${a.toString()} is not an ${addressFamilyName(af)} address`);
  return a.bytes;
}

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new BgpEncodeError(`${what} ${v} is not a 32-bit unsigned integer`);
  return v;
}

// ---- ORIGIN ---------------------------------------------------------------------------------

const ORIGIN_NAMES: Record<number, Origin> = {
  [OriginCode.IGP]: 'igp',
  [OriginCode.EGP]: 'egp',
  [OriginCode.INCOMPLETE]: 'incomplete',
};
const ORIGIN_CODES: Record<Origin, number> = { igp: 0, egp: 1, incomplete: 2 };

// ---- AS_PATH / AS4_PATH ---------------------------------------------------------------------

const SEGMENT_NAMES: Record<number, AsPathSegmentKind> = {
  [AsPathSegmentType.AS_SET]: 'set',
  [AsPathSegmentType.AS_SEQUENCE]: 'sequence',
  [AsPathSegmentType.AS_CONFED_SEQUENCE]: 'confed-sequence',
  [AsPathSegmentType.AS_CONFED_SET]: 'confed-set',
};
const SEGMENT_CODES: Record<AsPathSegmentKind, number> = { set: 1, sequence: 2, 'confed-sequence': 3, 'confed-set': 4 };

/** RFC 7606 7.2: an unknown segment type, a zero-length segment or a segment overrunning the attribute is malformed. */
function decodeSegments(r: Reader, asnSize: 2 | 4, name: string): AsPathSegment[] {
  const segments: AsPathSegment[] = [];
  while (!r.atEnd) {
    if (r.remaining < 2) throw fail(UpdateSubcode.MALFORMED_AS_PATH, `${name}: truncated segment header`);
    const type = r.u8();
    const count = r.u8();
    const kind = SEGMENT_NAMES[type];
    if (!kind) throw fail(UpdateSubcode.MALFORMED_AS_PATH, `${name}: segment type ${type}`);
    if (count === 0) throw fail(UpdateSubcode.MALFORMED_AS_PATH, `${name}: empty segment`);
    if (count * asnSize > r.remaining) throw fail(UpdateSubcode.MALFORMED_AS_PATH, `${name}: segment overruns the attribute`);
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++) asns[i] = asnSize === 4 ? r.u32() : r.u16();
    segments.push({ kind, asns });
  }
  return segments;
}

/** Segments longer than 255 AS numbers are split, as RFC 4271 5.1.2 describes for prepending. */
function encodeSegments(w: Writer, segments: readonly AsPathSegment[], asnSize: 2 | 4): void {
  for (const s of segments) {
    for (let from = 0; from < s.asns.length; from += 255) {
      const part = s.asns.slice(from, from + 255);
      w.u8(SEGMENT_CODES[s.kind]).u8(part.length);
      for (const asn of part) {
        u32(asn, 'AS number');
        if (asnSize === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn); // RFC 6793 4.2.2: AS_TRANS stands in for a 4-octet AS
      }
    }
  }
}

// ---- communities ----------------------------------------------------------------------------
// Decoded and encoded as numbers; the text parsers below are for the edges (API, config).

const COMMUNITY_RE = /^(\d{1,5}):(\d{1,5})$/;
const LARGE_COMMUNITY_RE = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/;

/** "65000:100" -> 32-bit value, or null. */
export function parseCommunity(text: string): number | null {
  const m = COMMUNITY_RE.exec(text);
  if (!m) return null;
  const hi = Number(m[1]);
  const lo = Number(m[2]);
  if (hi > 0xffff || lo > 0xffff) return null;
  return hi * 0x10000 + lo;
}

/** "65000:1:2" -> three 32-bit values, or null. */
export function parseLargeCommunity(text: string): LargeCommunityValue | null {
  const m = LARGE_COMMUNITY_RE.exec(text);
  if (!m) return null;
  const v: LargeCommunityValue = [Number(m[1]), Number(m[2]), Number(m[3])];
  return v.every((x) => x <= 0xffffffff) ? v : null;
}

// ---- MP_REACH_NLRI / MP_UNREACH_NLRI --------------------------------------------------------

function familyOf(afi: number, safi: number): Family | null {
  if (safi !== Safi.UNICAST) return null;
  if (afi === Afi.IPV4) return 'ipv4-unicast';
  if (afi === Afi.IPV6) return 'ipv6-unicast';
  return null;
}

export const FAMILY_AFI_SAFI: Record<Family, { afi: number; safi: number }> = {
  'ipv4-unicast': { afi: Afi.IPV4, safi: Safi.UNICAST },
  'ipv6-unicast': { afi: Afi.IPV6, safi: Safi.UNICAST },
};

export { familyOf };

/** RFC 4760 7: a malformed MP attribute is an Optional Attribute Error (RFC 7606 7.11: session reset). */
const MP_ERROR = (name: string) => ({
  code: ErrorCode.UPDATE_MESSAGE,
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  field: name,
});

/**
 * The AFI/SAFI that opens both MP attributes. A family we do not speak is kept whole as a raw
 * attribute rather than guessing at its NLRI encoding.
 */
function mpFamily(r: Reader, code: number): Family | PathAttribute {
  const start = r.pos;
  const family = familyOf(r.u16(), r.u8());
  if (family) return family;
  r.pos = start;
  return { type: 'unknown', code, flags: OPTIONAL, data: new Uint8Array(r.rest()) }; // a copy: never alias the receive buffer
}

/**
 * Whether MP_REACH_NLRI of `family` may carry a next hop of address family `af` on this session:
 * the prefixes' own, or IPv6 for IPv4 prefixes once RFC 8950 is negotiated. The one place the
 * codec pairs a route family with its next hops' address families.
 */
export function nextHopAllowed(family: Family, af: AddressFamily, ctx: CodecContext): boolean {
  if (af === addressFamilyOf(family)) return true;
  return af === 'ipv6' && (ctx.extendedNextHop?.includes(family) ?? false); // the other family here can only be IPv4's
}

/** The address family a next hop of `octets` octets is (RFC 2545 3, RFC 8950 3: an IPv6 one may have a link-local after it), or null. */
function nextHopFamilyByLength(octets: number): AddressFamily | null {
  if (octets === 4) return 'ipv4';
  return octets === 16 || octets === 32 ? 'ipv6' : null;
}

function decodeMpReach(r: Reader, ctx: CodecContext): PathAttribute {
  const family = mpFamily(r, AttrType.MP_REACH_NLRI);
  if (typeof family !== 'string') return family;
  const nhLen = r.u8();
  const nh = r.bytesView(nhLen);
  r.skip(1); // reserved (RFC 4760 3: formerly SNPA count; ignored)
  const af = nextHopFamilyByLength(nhLen);
  if (af === null || !nextHopAllowed(family, af, ctx)) {
    throw fail(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `MP_REACH_NLRI: ${addressFamilyName(addressFamilyOf(family))} next hop length ${nhLen}`);
  }
  const linkLocalNextHop = nhLen === 32 ? IpAddress.fromBytes('ipv6', nh, 16) : undefined;
  const nextHop = IpAddress.fromBytes(af, nh);
  const nlri = decodeNlriList(r, family, ctx.addPathReceive.includes(family), MP_ERROR('MP_REACH_NLRI'));
  return linkLocalNextHop === undefined
    ? { type: 'mp-reach', family, nextHop, nlri }
    : { type: 'mp-reach', family, nextHop, linkLocalNextHop, nlri };
}

/**
 * Writes the MP_REACH_NLRI value up to (not including) the NLRI; the packer appends NLRI after it.
 * The global next hop is of an address family nextHopAllowed gives `family` (an IPv6 one for IPv4
 * prefixes is RFC 8950 3); a link-local one (RFC 2545 3) only goes after an IPv6 global one.
 */
export function writeMpReachHead(w: Writer, family: Family, nextHop: IpAddress, linkLocalNextHop: IpAddress | undefined, ctx: CodecContext): void {
  const { afi, safi } = FAMILY_AFI_SAFI[family];
  if (!nextHopAllowed(family, nextHop.af, ctx)) {
    throw new BgpEncodeError(`MP_REACH_NLRI: ${family} next hop ${nextHop.toString()} is not an ${addressFamilyName(addressFamilyOf(family))} address`);
  }
  const global = nextHop.bytes;
  if (linkLocalNextHop && !nextHop.isV6) throw new BgpEncodeError(`MP_REACH_NLRI: a ${family} next hop has no link-local part`);
  const linkLocal = linkLocalNextHop && octets(linkLocalNextHop, 'ipv6', 'MP_REACH_NLRI: link-local next hop');
  w.u16(afi).u8(safi);
  w.u8(global.length + (linkLocal ? 16 : 0)).bytes(global);
  if (linkLocal) w.bytes(linkLocal);
  w.u8(0); // reserved
}

function decodeMpUnreach(r: Reader, ctx: CodecContext): PathAttribute {
  const family = mpFamily(r, AttrType.MP_UNREACH_NLRI);
  if (typeof family !== 'string') return family;
  const withdrawn = decodeNlriList(r, family, ctx.addPathReceive.includes(family), MP_ERROR('MP_UNREACH_NLRI'));
  return { type: 'mp-unreach', family, withdrawn };
}

// ---- the table ------------------------------------------------------------------------------

function aggregatorDescriptor(code: number, name: string, kind: 'aggregator' | 'as4-aggregator'): AttrDescriptor {
  return {
    code,
    name,
    flags: OPTIONAL_TRANSITIVE,
    onError: 'attribute-discard', // RFC 7606 7.7, RFC 6793 6
    decode(r, ctx) {
      const asnSize = kind === 'as4-aggregator' || ctx.fourOctetAs ? 4 : 2;
      lengthIs(r, name, asnSize + 4);
      const asn = asnSize === 4 ? r.u32() : r.u16();
      return { type: kind, asn, address: IpAddress.fromBytes('ipv4', r.bytesView(4)) };
    },
    encode(w, a, ctx) {
      const v = as(a, kind);
      u32(v.asn, `${name} AS`);
      if (kind === 'as4-aggregator' || ctx.fourOctetAs) w.u32(v.asn);
      else w.u16(v.asn > 0xffff ? AS_TRANS : v.asn);
      w.bytes(octets(v.address, 'ipv4', `${name} address`));
    },
  };
}

function asPathDescriptor(code: number, name: string, kind: 'as-path' | 'as4-path'): AttrDescriptor {
  return {
    code,
    name,
    flags: kind === 'as-path' ? WELL_KNOWN : OPTIONAL_TRANSITIVE,
    onError: kind === 'as-path' ? 'treat-as-withdraw' : 'attribute-discard', // RFC 7606 7.2, RFC 6793 6
    decode(r, ctx) {
      // RFC 6793 6: an AS4_PATH shorter than one segment of one AS, or of odd length, is malformed.
      if (kind === 'as4-path' && (r.remaining < 6 || r.remaining % 2 !== 0)) {
        throw fail(UpdateSubcode.MALFORMED_AS_PATH, `AS4_PATH length ${r.remaining}`);
      }
      const asnSize = kind === 'as4-path' || ctx.fourOctetAs ? 4 : 2;
      return { type: kind, segments: decodeSegments(r, asnSize, name) };
    },
    encode(w, a, ctx) {
      encodeSegments(w, as(a, kind).segments, kind === 'as4-path' || ctx.fourOctetAs ? 4 : 2);
    },
  };
}

function u32Descriptor(code: number, name: string, flags: number, kind: 'med' | 'local-pref'): AttrDescriptor {
  return {
    code,
    name,
    flags,
    onError: 'treat-as-withdraw', // RFC 7606 7.4, 7.5
    decode(r) {
      lengthIs(r, name, 4);
      const v = r.u32();
      return kind === 'med' ? { type: 'med', med: v } : { type: 'local-pref', localPref: v };
    },
    encode(w, a) {
      const v = kind === 'med' ? as(a, 'med').med : as(a, 'local-pref').localPref;
      w.u32(u32(v, name));
    },
  };
}

const DESCRIPTORS: AttrDescriptor[] = [
  {
    code: AttrType.ORIGIN,
    name: 'ORIGIN',
    flags: WELL_KNOWN,
    onError: 'treat-as-withdraw', // RFC 7606 7.1
    decode(r) {
      lengthIs(r, 'ORIGIN', 1);
      const v = r.u8();
      const origin = ORIGIN_NAMES[v];
      if (!origin) throw fail(UpdateSubcode.INVALID_ORIGIN, `ORIGIN value ${v}`);
      return { type: 'origin', origin };
    },
    encode(w, a) {
      w.u8(ORIGIN_CODES[as(a, 'origin').origin]);
    },
  },
  asPathDescriptor(AttrType.AS_PATH, 'AS_PATH', 'as-path'),
  {
    code: AttrType.NEXT_HOP,
    name: 'NEXT_HOP',
    flags: WELL_KNOWN,
    onError: 'treat-as-withdraw', // RFC 7606 7.3
    decode(r) {
      lengthIs(r, 'NEXT_HOP', 4);
      return { type: 'next-hop', nextHop: IpAddress.fromBytes('ipv4', r.bytesView(4)) };
    },
    encode(w, a) {
      w.bytes(octets(as(a, 'next-hop').nextHop, 'ipv4', 'NEXT_HOP'));
    },
  },
  u32Descriptor(AttrType.MULTI_EXIT_DISC, 'MULTI_EXIT_DISC', OPTIONAL, 'med'),
  u32Descriptor(AttrType.LOCAL_PREF, 'LOCAL_PREF', WELL_KNOWN, 'local-pref'),
  {
    code: AttrType.ATOMIC_AGGREGATE,
    name: 'ATOMIC_AGGREGATE',
    flags: WELL_KNOWN,
    onError: 'attribute-discard', // RFC 7606 7.6
    decode(r) {
      lengthIs(r, 'ATOMIC_AGGREGATE', 0);
      return { type: 'atomic-aggregate' };
    },
    encode() {},
  },
  aggregatorDescriptor(AttrType.AGGREGATOR, 'AGGREGATOR', 'aggregator'),
  {
    code: AttrType.COMMUNITIES,
    name: 'COMMUNITIES',
    flags: OPTIONAL_TRANSITIVE,
    onError: 'treat-as-withdraw', // RFC 7606 7.8
    decode(r) {
      lengthMultiple(r, 'COMMUNITIES', 4);
      const communities = new Array<number>(r.remaining / 4);
      for (let i = 0; i < communities.length; i++) communities[i] = r.u32();
      return { type: 'communities', communities };
    },
    encode(w, a) {
      for (const c of as(a, 'communities').communities) w.u32(u32(c, 'community'));
    },
  },
  {
    code: AttrType.EXTENDED_COMMUNITIES,
    name: 'EXTENDED_COMMUNITIES',
    flags: OPTIONAL_TRANSITIVE,
    onError: 'treat-as-withdraw', // RFC 7606 7.14
    decode(r) {
      lengthMultiple(r, 'EXTENDED_COMMUNITIES', 8);
      const communities = new Array<ExtendedCommunity>(r.remaining / 8);
      for (let i = 0; i < communities.length; i++) communities[i] = decodeExtendedCommunity(r.bytesView(8));
      return { type: 'extended-communities', communities };
    },
    encode(w, a) {
      for (const c of as(a, 'extended-communities').communities) {
        if (isIpv6Specific(c)) throw new BgpEncodeError('an IPv6-address-specific extended community goes in IPV6_EXTENDED_COMMUNITIES (RFC 5701)');
        w.bytes(encodeExtendedCommunity(c));
      }
    },
  },
  {
    code: AttrType.IPV6_EXTENDED_COMMUNITIES,
    name: 'IPV6_EXTENDED_COMMUNITIES',
    flags: OPTIONAL_TRANSITIVE,
    onError: 'treat-as-withdraw', // RFC 7606 7.14 reads on it as on EXTENDED_COMMUNITIES
    decode(r) {
      lengthMultiple(r, 'IPV6_EXTENDED_COMMUNITIES', IPV6_EXTENDED_LENGTH);
      const communities = new Array<ExtendedCommunity>(r.remaining / IPV6_EXTENDED_LENGTH);
      for (let i = 0; i < communities.length; i++) communities[i] = decodeIpv6ExtendedCommunity(r.bytesView(IPV6_EXTENDED_LENGTH));
      return { type: 'ipv6-extended-communities', communities };
    },
    encode(w, a) {
      for (const c of as(a, 'ipv6-extended-communities').communities) {
        if (!isIpv6Specific(c)) throw new BgpEncodeError('an 8-octet extended community goes in EXTENDED_COMMUNITIES (RFC 4360)');
        w.bytes(encodeExtendedCommunity(c));
      }
    },
  },
  asPathDescriptor(AttrType.AS4_PATH, 'AS4_PATH', 'as4-path'),
  aggregatorDescriptor(AttrType.AS4_AGGREGATOR, 'AS4_AGGREGATOR', 'as4-aggregator'),
  {
    code: AttrType.LARGE_COMMUNITIES,
    name: 'LARGE_COMMUNITY',
    flags: OPTIONAL_TRANSITIVE,
    onError: 'treat-as-withdraw', // RFC 8092 6
    decode(r) {
      lengthMultiple(r, 'LARGE_COMMUNITY', 12);
      const communities = new Array<LargeCommunityValue>(r.remaining / 12);
      for (let i = 0; i < communities.length; i++) communities[i] = [r.u32(), r.u32(), r.u32()];
      return { type: 'large-communities', communities };
    },
    encode(w, a) {
      for (const c of as(a, 'large-communities').communities) {
        if (c.length !== 3) throw new BgpEncodeError(`large community [${c.join(', ')}] is not three 32-bit values`);
        w.u32(u32(c[0], 'large community part')).u32(u32(c[1], 'large community part')).u32(u32(c[2], 'large community part'));
      }
    },
  },
  {
    code: AttrType.MP_REACH_NLRI,
    name: 'MP_REACH_NLRI',
    flags: OPTIONAL,
    onError: 'session-reset', // RFC 7606 7.11
    decode: decodeMpReach,
    encode(w, a, ctx) {
      const v = as(a, 'mp-reach');
      writeMpReachHead(w, v.family, v.nextHop, v.linkLocalNextHop, ctx);
      encodeNlriList(w, v.nlri, v.family, ctx.addPathSend.includes(v.family));
    },
  },
  {
    code: AttrType.MP_UNREACH_NLRI,
    name: 'MP_UNREACH_NLRI',
    flags: OPTIONAL,
    onError: 'session-reset', // RFC 7606 7.11
    decode: decodeMpUnreach,
    encode(w, a, ctx) {
      const v = as(a, 'mp-unreach');
      const { afi, safi } = FAMILY_AFI_SAFI[v.family];
      w.u16(afi).u8(safi);
      encodeNlriList(w, v.withdrawn, v.family, ctx.addPathSend.includes(v.family));
    },
  },
];

/** Descriptor by type code; undefined for attributes kept raw. */
export const ATTRIBUTES: readonly (AttrDescriptor | undefined)[] = (() => {
  const t = new Array<AttrDescriptor | undefined>(256).fill(undefined);
  for (const d of DESCRIPTORS) t[d.code] = d;
  return t;
})();

const KIND_CODES: Record<Exclude<PathAttribute['type'], 'unknown'>, number> = {
  origin: AttrType.ORIGIN,
  'as-path': AttrType.AS_PATH,
  'next-hop': AttrType.NEXT_HOP,
  med: AttrType.MULTI_EXIT_DISC,
  'local-pref': AttrType.LOCAL_PREF,
  'atomic-aggregate': AttrType.ATOMIC_AGGREGATE,
  aggregator: AttrType.AGGREGATOR,
  communities: AttrType.COMMUNITIES,
  'extended-communities': AttrType.EXTENDED_COMMUNITIES,
  'large-communities': AttrType.LARGE_COMMUNITIES,
  'ipv6-extended-communities': AttrType.IPV6_EXTENDED_COMMUNITIES,
  'as4-path': AttrType.AS4_PATH,
  'as4-aggregator': AttrType.AS4_AGGREGATOR,
  'mp-reach': AttrType.MP_REACH_NLRI,
  'mp-unreach': AttrType.MP_UNREACH_NLRI,
};

/** The wire type code of an attribute. */
export function attributeCode(a: PathAttribute): number {
  return a.type === 'unknown' ? a.code : KIND_CODES[a.type];
}

/**
 * Write one attribute: flags, type, length, value. The extended-length flag is used only when
 * the value needs it (RFC 4271 4.3), except for MP attributes, whose NLRI make them large.
 */
export function encodeAttribute(w: Writer, a: PathAttribute, ctx: CodecContext): void {
  let flags: number;
  let code: number;
  if (a.type === 'unknown') {
    flags = a.flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE | AttrFlag.PARTIAL);
    code = a.code;
  } else {
    code = KIND_CODES[a.type];
    flags = ATTRIBUTES[code]!.flags;
  }
  const flagsAt = w.pos;
  w.u8(flags).u8(code);
  const lenAt = w.placeholder(2);
  if (a.type === 'unknown') {
    w.bytes(a.data);
  } else {
    ATTRIBUTES[code]!.encode(w, a, ctx);
  }
  const len = w.since(lenAt + 2);
  if (len > 0xffff) throw new BgpEncodeError(`attribute ${code} is ${len} octets, more than 65535`);
  if (len <= 255) {
    w.shrinkLength16(lenAt, len);
  } else {
    w.orAt(flagsAt, AttrFlag.EXTENDED_LENGTH);
    w.patch16(lenAt, len);
  }
}
