// Typed values parsed once at the edges (API, config, state file, decoder): an address, a prefix,
// communities as numbers. Inner layers compare and copy octets, never text; text is made only
// for people (toString / toJSON: canonical, RFC 5952 for IPv6).

import { formatIPv4, formatIPv6, maskHostBits, parseIPv4, parseIPv6Into, parsePrefixInto, PREFIX_V6 } from './ip.js';

/** The route families this codec decodes fully (AFI/SAFI IPv4 and IPv6 unicast): what a route is. */
export type Family = 'ipv4-unicast' | 'ipv6-unicast';

/** What an address is: IPv4 or IPv6. Not a route family: a route of one may have a next hop of the other (RFC 8950). */
export type AddressFamily = 'ipv4' | 'ipv6';

// The mapping between the two lives here and nowhere else, so a new family changes one place.

/** The address family of a route family's prefixes (its AFI). */
export function addressFamilyOf(family: Family): AddressFamily {
  return family === 'ipv4-unicast' ? 'ipv4' : 'ipv6';
}

/** The unicast route family whose prefixes are addresses of `af`. */
export function unicastFamily(af: AddressFamily): Family {
  return af === 'ipv4' ? 'ipv4-unicast' : 'ipv6-unicast';
}

/** "IPv4" or "IPv6", as messages (and Node's os.networkInterfaces) spell it. */
export function addressFamilyName(af: AddressFamily): 'IPv4' | 'IPv6' {
  return af === 'ipv4' ? 'IPv4' : 'IPv6';
}

/** Octets of an address of `af`: 4 or 16. */
export function addressLength(af: AddressFamily): 4 | 16 {
  return af === 'ipv4' ? 4 : 16;
}

/** An IPv4 or IPv6 address. `bytes` is never modified after construction. */
export class IpAddress {
  private constructor(
    readonly af: AddressFamily,
    readonly bytes: Uint8Array,
  ) {}

  /** Dotted quad or IPv6 text (with "::", or a trailing dotted quad); null when it is neither. */
  static parse(text: string): IpAddress | null {
    const v4 = parseIPv4(text);
    if (v4) return new IpAddress('ipv4', v4);
    if (!text.includes(':')) return null;
    const b = new Uint8Array(16);
    return parseIPv6Into(text, 0, text.length, b) ? new IpAddress('ipv6', b) : null;
  }

  /** A copy of `addressLength(af)` octets at `at`. */
  static fromBytes(af: AddressFamily, bytes: Uint8Array, at = 0): IpAddress {
    const n = addressLength(af);
    if (bytes.length - at < n) throw new RangeError(`${addressFamilyName(af)} address needs ${n} octets`);
    return new IpAddress(af, new Uint8Array(bytes.subarray(at, at + n))); // not slice(): on a Buffer that is a view
  }

  get isV6(): boolean {
    return this.af === 'ipv6';
  }

  /** IPv6 fe80::/10 (RFC 4291 2.5.6). */
  get isLinkLocal(): boolean {
    return this.isV6 && this.bytes[0] === 0xfe && (this.bytes[1]! & 0xc0) === 0x80;
  }

  equals(o: IpAddress): boolean {
    return this.af === o.af && sameOctets(this.bytes, o.bytes, this.bytes.length);
  }

  toString(): string {
    return this.isV6 ? formatIPv6(this.bytes) : formatIPv4(this.bytes);
  }

  toJSON(): string {
    return this.toString();
  }
}

/** An IPv4 or IPv6 prefix: host bits always clear, so equal prefixes have equal octets. */
export class Prefix {
  private constructor(
    readonly family: Family,
    /** 4 or 16 octets. */
    readonly bytes: Uint8Array,
    readonly length: number,
  ) {}

  /**
   * "203.0.113.10/32", "2001:db8::/64", or a bare address (a host route). Host bits beyond the
   * length are cleared ("10.1.2.3/8" is 10.0.0.0/8). Null when it is not a prefix.
   */
  static parse(text: string): Prefix | null {
    const r = parsePrefixInto(text, scratch);
    if (r < 0) return null;
    const v6 = (r & PREFIX_V6) !== 0;
    return new Prefix(v6 ? 'ipv6-unicast' : 'ipv4-unicast', scratch.slice(0, v6 ? 16 : 4), r & 0xff);
  }

  /** From octets (a copy; host bits cleared). Throws RangeError when the length does not fit the family. */
  static fromBytes(family: Family, bytes: Uint8Array, length: number, at = 0): Prefix {
    const n = addressLength(addressFamilyOf(family));
    if (!Number.isInteger(length) || length < 0 || length > n * 8) throw new RangeError(`prefix length ${length} is not valid for ${family}`);
    const b = new Uint8Array(n);
    b.set(bytes.subarray(at, at + Math.min(n, (length + 7) >> 3)));
    maskHostBits(b, length);
    return new Prefix(family, b, length);
  }

  /**
   * Takes `bytes` as they are, without a copy or a check: the decoder's fast path. The caller
   * hands over a fresh array of addressLength(addressFamilyOf(family)) octets with host bits
   * clear, and never touches it again.
   */
  static adopt(family: Family, bytes: Uint8Array, length: number): Prefix {
    return new Prefix(family, bytes, length);
  }

  /** The host route of an address (/32 or /128). */
  static host(a: IpAddress): Prefix {
    return new Prefix(unicastFamily(a.af), a.bytes.slice(), a.bytes.length * 8);
  }

  get isV6(): boolean {
    return this.family === 'ipv6-unicast';
  }

  /** The address family of the prefix's addresses. */
  get af(): AddressFamily {
    return addressFamilyOf(this.family);
  }

  /** The prefix's first address (its network address). */
  get address(): IpAddress {
    return IpAddress.fromBytes(this.af, this.bytes);
  }

  equals(o: Prefix): boolean {
    return this.family === o.family && this.length === o.length && sameOctets(this.bytes, o.bytes, this.bytes.length);
  }

  /** Whether `a` lies inside this prefix. */
  contains(a: IpAddress): boolean {
    if (a.af !== this.af) return false;
    const full = this.length >> 3;
    if (!sameOctets(this.bytes, a.bytes, full)) return false;
    const bits = this.length & 7;
    if (bits === 0) return true;
    const mask = (0xff << (8 - bits)) & 0xff;
    return (a.bytes[full]! & mask) === this.bytes[full];
  }

  toString(): string {
    return `${this.isV6 ? formatIPv6(this.bytes) : formatIPv4(this.bytes)}/${this.length}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

const scratch = new Uint8Array(16);

function sameOctets(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---- communities (parsed by parseCommunity / parseLargeCommunity in attributes.ts) ----------

export function formatCommunityValue(v: number): string {
  return `${Math.floor(v / 0x10000)}:${v % 0x10000}`;
}

/** RFC 8092 large community: three 32-bit parts. */
export type LargeCommunityValue = readonly [number, number, number];

export function formatLargeCommunityValue(v: LargeCommunityValue): string {
  return `${v[0]}:${v[1]}:${v[2]}`;
}
