// BGP extended communities (RFC 4360): eight octets, a type, a sub-type and six octets of value;
// and their IPv6-address-specific kind (RFC 5701), twenty octets in an attribute of their own.
// Typed where we know the kind (route target and route origin in their four forms, RFC 4360 4,
// RFC 5668 and RFC 5701; link bandwidth, RFC 10005), kept as octets otherwise, so that decoding
// and encoding again gives back the same octets whatever arrives. The text forms are the ones
// operators type for FRR and BIRD.

import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip.js';
import { fromHex, toHex } from './hex.js';

/** The high-order octet: bit 0x40 set means non-transitive (RFC 4360 2). */
const TYPE = { AS2: 0x00, IPV4: 0x01, AS4: 0x02, NON_TRANSITIVE: 0x40 } as const;
const SUBTYPE = { ROUTE_TARGET: 0x02, ROUTE_ORIGIN: 0x03, LINK_BANDWIDTH: 0x04 } as const;

/** How a route target's or route origin's global administrator is written: a 2- or 4-octet AS, or an IPv4 address. */
export type ExtendedGlobal = 'as2' | 'as4' | 'ipv4';

export type ExtendedCommunity =
  /** `global` is the AS number, or the IPv4 address as a 32-bit number; `local` has the octets its form leaves (4 after an as2, else 2). */
  | { readonly kind: 'route-target' | 'route-origin'; readonly form: ExtendedGlobal; readonly global: number; readonly local: number }
  /** RFC 5701 (transitive): an IPv6 address, 16 octets, and a 2-octet local part; sent in IPV6_EXTENDED_COMMUNITIES. */
  | { readonly kind: 'route-target' | 'route-origin'; readonly form: 'ipv6'; readonly address: Uint8Array; readonly local: number }
  /** RFC 10005: a 2-octet AS and the bandwidth in bytes per second (IEEE 754 single precision); FRR sends it transitive by default. */
  | { readonly kind: 'link-bandwidth'; readonly transitive: boolean; readonly asn: number; readonly bandwidth: number }
  /** Any other: its eight octets (twenty for an IPv6-address-specific one). */
  | { readonly kind: 'raw'; readonly octets: Uint8Array };

/** Octets of an IPv6-address-specific extended community (RFC 5701 2). */
export const IPV6_EXTENDED_LENGTH = 20;

/** Whether it is the IPv6-address-specific kind, sent in its own attribute (RFC 5701). */
export function isIpv6Specific(ec: ExtendedCommunity): boolean {
  return ec.kind === 'raw' ? ec.octets.length === IPV6_EXTENDED_LENGTH : ec.kind !== 'link-bandwidth' && ec.form === 'ipv6';
}

/** Its octets: from `ec` to a fresh array of 8 octets (20 for an IPv6-address-specific one). */
export function encodeExtendedCommunity(ec: ExtendedCommunity): Uint8Array {
  if (ec.kind === 'raw') {
    if (ec.octets.length !== 8 && ec.octets.length !== IPV6_EXTENDED_LENGTH) throw new RangeError(`an extended community is 8 or 20 octets, not ${ec.octets.length}`);
    return new Uint8Array(ec.octets);
  }
  if (ec.kind !== 'link-bandwidth' && ec.form === 'ipv6') {
    const out = new Uint8Array(IPV6_EXTENDED_LENGTH);
    out[0] = TYPE.AS2; // RFC 5701 2: 0x00 is the transitive IPv6-address-specific type
    out[1] = ec.kind === 'route-target' ? SUBTYPE.ROUTE_TARGET : SUBTYPE.ROUTE_ORIGIN;
    out.set(ec.address, 2);
    new DataView(out.buffer).setUint16(18, ec.local);
    return out;
  }
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  switch (ec.kind) {
    case 'link-bandwidth':
      v.setUint8(0, ec.transitive ? TYPE.AS2 : TYPE.AS2 | TYPE.NON_TRANSITIVE);
      v.setUint8(1, SUBTYPE.LINK_BANDWIDTH);
      v.setUint16(2, ec.asn);
      v.setFloat32(4, ec.bandwidth);
      return out;
    case 'route-target':
    case 'route-origin':
      v.setUint8(0, ec.form === 'as2' ? TYPE.AS2 : ec.form === 'ipv4' ? TYPE.IPV4 : TYPE.AS4);
      v.setUint8(1, ec.kind === 'route-target' ? SUBTYPE.ROUTE_TARGET : SUBTYPE.ROUTE_ORIGIN);
      if (ec.form === 'as2') {
        v.setUint16(2, ec.global);
        v.setUint32(4, ec.local);
      } else {
        v.setUint32(2, ec.global);
        v.setUint16(6, ec.local);
      }
      return out;
  }
}

/** A copy of n octets at `at`, a plain Uint8Array: a Buffer's slice() is a view of the receive buffer. */
function copy(b: Uint8Array, at: number, n: number): Uint8Array {
  return new Uint8Array(b.subarray(at, at + n));
}

/** The IPv6-address-specific extended community of octets [at, at + 20) (RFC 5701; a copy). */
export function decodeIpv6ExtendedCommunity(b: Uint8Array, at = 0): ExtendedCommunity {
  const type = b[at]!;
  const subtype = b[at + 1]!;
  if (type === TYPE.AS2 && (subtype === SUBTYPE.ROUTE_TARGET || subtype === SUBTYPE.ROUTE_ORIGIN)) {
    const kind = subtype === SUBTYPE.ROUTE_TARGET ? 'route-target' : 'route-origin';
    return { kind, form: 'ipv6', address: copy(b, at + 2, 16), local: (b[at + 18]! << 8) | b[at + 19]! };
  }
  return { kind: 'raw', octets: copy(b, at, IPV6_EXTENDED_LENGTH) };
}

/** The extended community of octets [at, at + 8) (a copy where raw): typed where its kind is known. */
export function decodeExtendedCommunity(b: Uint8Array, at = 0): ExtendedCommunity {
  const v = new DataView(b.buffer, b.byteOffset + at, 8);
  const type = v.getUint8(0);
  const subtype = v.getUint8(1);
  if (subtype === SUBTYPE.ROUTE_TARGET || subtype === SUBTYPE.ROUTE_ORIGIN) {
    const kind = subtype === SUBTYPE.ROUTE_TARGET ? 'route-target' : 'route-origin';
    if (type === TYPE.AS2) return { kind, form: 'as2', global: v.getUint16(2), local: v.getUint32(4) };
    if (type === TYPE.IPV4) return { kind, form: 'ipv4', global: v.getUint32(2), local: v.getUint16(6) };
    if (type === TYPE.AS4) return { kind, form: 'as4', global: v.getUint32(2), local: v.getUint16(6) };
  }
  if (subtype === SUBTYPE.LINK_BANDWIDTH && (type & ~TYPE.NON_TRANSITIVE) === TYPE.AS2) {
    const bandwidth = v.getFloat32(4);
    // A bandwidth is finite and not negative; anything else (a NaN's payload, -0) stays octets, so
    // that it is written again as it came and its text reads back.
    if (Number.isFinite(bandwidth) && bandwidth >= 0 && !Object.is(bandwidth, -0)) return { kind: 'link-bandwidth', transitive: (type & TYPE.NON_TRANSITIVE) === 0, asn: v.getUint16(2), bandwidth };
  }
  return { kind: 'raw', octets: copy(b, at, 8) };
}

const U16 = 0xffff;
const U32 = 0xffffffff;
const NUMBER = /^\d{1,10}$/;
/** RFC 5396 asdot: a 4-octet AS as HIGH.LOW, how a 4-octet form of a small AS number is written. */
const ASDOT = /^(\d{1,5})\.(\d{1,5})$/;

/** "65000" (a 2-octet AS where it fits), "4200000001" or "0.100" (4-octet), "192.0.2.1": the global part, or null. */
function parseGlobal(text: string): { form: ExtendedGlobal; global: number } | null {
  if (NUMBER.test(text)) {
    const n = Number(text);
    if (n > U32) return null;
    return { form: n <= U16 ? 'as2' : 'as4', global: n };
  }
  const dot = ASDOT.exec(text);
  if (dot) {
    const [hi, lo] = [Number(dot[1]), Number(dot[2])];
    return hi <= U16 && lo <= U16 ? { form: 'as4', global: hi * 0x10000 + lo } : null;
  }
  const ip = parseIPv4(text);
  return ip ? { form: 'ipv4', global: new DataView(ip.buffer, ip.byteOffset, 4).getUint32(0) } : null;
}

/** "2001:db8::1" or "[2001:db8::1]": an IPv6 global part (RFC 5701), or null. */
function parseIpv6Global(text: string): Uint8Array | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return bare.includes(':') ? parseIPv6(bare) : null;
}

function parseNumber(text: string, max: number): number | null {
  if (!NUMBER.test(text)) return null;
  const n = Number(text);
  return n <= max ? n : null;
}

const KINDS: Readonly<Record<string, 'route-target' | 'route-origin'>> = { rt: 'route-target', soo: 'route-origin', ro: 'route-origin' };

/**
 * An extended community from its text, or null: `rt:65000:100`, `rt:4200000001:100`, `rt:0.100:7`
 * (a 4-octet AS written asdot), `rt:192.0.2.1:100`, the same with `soo:` (or BIRD's `ro:`) for a
 * route origin; `lb:65000:125000000` a link bandwidth in bytes per second (transitive, as FRR sends
 * it; `lb-nt:` non-transitive); `raw:0002fde900000064` any eight octets in hex. Case does not matter.
 */
export function parseExtendedCommunity(text: string): ExtendedCommunity | null {
  const t = text.trim().toLowerCase();
  const colon = t.indexOf(':');
  if (colon < 0) return null;
  const tag = t.slice(0, colon);
  const rest = t.slice(colon + 1);
  if (tag === 'raw') {
    const octets = rest.length === 16 || rest.length === 2 * IPV6_EXTENDED_LENGTH ? fromHex(rest) : null;
    if (!octets) return null;
    return octets.length === 8 ? decodeExtendedCommunity(octets) : decodeIpv6ExtendedCommunity(octets);
  }
  const last = rest.lastIndexOf(':');
  if (last < 0) return null;
  const [head, tail] = [rest.slice(0, last), rest.slice(last + 1)];
  if (tag === 'lb' || tag === 'lb-nt') {
    const asn = parseNumber(head, U16);
    const bandwidth = /^\d+(\.\d+)?(e[+-]?\d+)?$/.test(tail) ? Number(tail) : NaN;
    // As sent: rounded to single precision, and finite there.
    if (asn === null || !Number.isFinite(Math.fround(bandwidth))) return null;
    return { kind: 'link-bandwidth', transitive: tag === 'lb', asn, bandwidth: Math.fround(bandwidth) };
  }
  const kind = KINDS[tag];
  const v6 = kind === undefined ? null : parseIpv6Global(head);
  if (kind !== undefined && v6 !== null) {
    const local = parseNumber(tail, U16);
    return local === null ? null : { kind, form: 'ipv6', address: v6, local };
  }
  const global = kind === undefined ? null : parseGlobal(head);
  if (kind === undefined || global === null) return null;
  const local = parseNumber(tail, global.form === 'as2' ? U32 : U16);
  return local === null ? null : { kind, ...global, local };
}

/** The canonical text of an extended community: what parseExtendedCommunity reads back to it. */
export function formatExtendedCommunity(ec: ExtendedCommunity): string {
  switch (ec.kind) {
    case 'raw':
      return `raw:${toHex(ec.octets)}`;
    case 'link-bandwidth':
      return `${ec.transitive ? 'lb' : 'lb-nt'}:${ec.asn}:${ec.bandwidth}`;
    case 'route-target':
    case 'route-origin': {
      const tag = ec.kind === 'route-target' ? 'rt' : 'soo';
      if (ec.form === 'ipv6') return `${tag}:${formatIPv6(ec.address)}:${ec.local}`;
      const global =
        ec.form === 'ipv4'
          ? formatIPv4(Uint8Array.of(ec.global >>> 24, (ec.global >>> 16) & 0xff, (ec.global >>> 8) & 0xff, ec.global & 0xff))
          : ec.form === 'as4' && ec.global <= U16
            ? `${ec.global >>> 16}.${ec.global & 0xffff}` // would read back as a 2-octet AS
            : String(ec.global);
      return `${tag}:${global}:${ec.local}`;
    }
  }
}

/** Whether it may leave our AS (RFC 4360 2: the type's bit 0x40 clear). */
export function isTransitive(ec: ExtendedCommunity): boolean {
  if (ec.kind === 'raw') return (ec.octets[0]! & TYPE.NON_TRANSITIVE) === 0; // RFC 5701 2 too
  return ec.kind === 'link-bandwidth' ? ec.transitive : true;
}

/** Orders extended communities by their octets, the 8-octet ones first (a set's canonical order). */
export function compareExtendedCommunities(a: ExtendedCommunity, b: ExtendedCommunity): number {
  const x = encodeExtendedCommunity(a);
  const y = encodeExtendedCommunity(b);
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}
