// RFC 4271 4.3 prefixes (length octet + significant octets) and RFC 7911 3 ADD-PATH NLRI
// (a 4-octet path identifier before each prefix), for IPv4 and IPv6 unicast.

import { BgpEncodeError, errorOf, type ErrorKind } from './errors.js';
import type { Reader } from './reader.js';
import type { Family, Nlri } from './types.js';
import { addressFamilyOf, addressLength, Prefix } from './values.js';
import type { Writer } from './writer.js';

export const MAX_PREFIX_LENGTH: Record<Family, number> = { 'ipv4-unicast': 32, 'ipv6-unicast': 128 };

/** Where a malformed prefix is reported: the field's (code, subcode). */
export type NlriErrorSpec = ErrorKind & { readonly field: string };

/**
 * Decode every prefix in `r` (one NLRI field, bounded to its declared length) into Prefix values
 * built straight from the octets. Trailing host bits are cleared. A length beyond the family's
 * maximum, or a prefix running past the field, is the caller's error (RFC 7606 5.3: NLRI that
 * cannot be parsed reset the session).
 */
export function decodeNlriList(r: Reader, family: Family, addPath: boolean, err: NlriErrorSpec): Nlri[] {
  const out: Nlri[] = [];
  const max = MAX_PREFIX_LENGTH[family];
  const size = addressLength(addressFamilyOf(family));
  const bytes = r.bytes;
  while (!r.atEnd) {
    let pathId: number | undefined;
    if (addPath) {
      if (r.remaining < 5) throw errorOf(err, `${err.field}: truncated ADD-PATH prefix`);
      pathId = r.u32();
    }
    const len = r.u8();
    if (len > max) throw errorOf(err, `${err.field}: prefix length ${len} exceeds ${max}`);
    const n = (len + 7) >> 3;
    if (n > r.remaining) throw errorOf(err, `${err.field}: prefix of length ${len} runs past the field`);
    const at = r.pos;
    r.pos += n;
    const b = new Uint8Array(size);
    for (let i = 0; i < n; i++) b[i] = bytes[at + i]!;
    if (len & 7) b[n - 1]! &= (0xff << (8 - (len & 7))) & 0xff;
    const prefix = Prefix.adopt(family, b, len);
    out.push(pathId === undefined ? { prefix } : { prefix, pathId });
  }
  return out;
}

/** The most octets one prefix of `family` takes on the wire. */
export function maxNlriSize(family: Family, addPath: boolean): number {
  return 1 + addressLength(addressFamilyOf(family)) + (addPath ? 4 : 0);
}

/**
 * One prefix into `out` at `pos`, without checks (the caller has them done and room made): the
 * path identifier when `addPath`, the length `bits`, then the significant octets of addr[at..].
 * Returns the position after it. Shared by every encoder of NLRI, objects and rows alike.
 */
export function putPrefix(out: Uint8Array, pos: number, addr: Uint8Array, at: number, bits: number, pathId: number, addPath: boolean): number {
  if (addPath) {
    out[pos] = pathId >>> 24;
    out[pos + 1] = (pathId >>> 16) & 0xff;
    out[pos + 2] = (pathId >>> 8) & 0xff;
    out[pos + 3] = pathId & 0xff;
    pos += 4;
  }
  out[pos++] = bits;
  const n = (bits + 7) >> 3;
  for (let k = 0; k < n; k++) out[pos++] = addr[at + k]!;
  return pos;
}

/**
 * Throws BgpEncodeError unless `n` can be written as an NLRI of `family`; returns the path
 * identifier to write (0 when absent, or when the session carries none).
 */
export function checkNlri(n: Nlri, family: Family, addPath: boolean): number {
  if (n.prefix.family !== family) throw new BgpEncodeError(`${n.prefix.toString()} is not an ${family} prefix`);
  if (!addPath) return 0;
  const id = n.pathId ?? 0;
  if (!(id >= 0 && id <= 0xffffffff && id === Math.floor(id))) throw new BgpEncodeError(`path identifier ${id} is not a 32-bit unsigned integer`);
  return id;
}

/** Write one NLRI; throws BgpEncodeError when its prefix is not one of `family`. */
export function writeNlri(w: Writer, n: Nlri, family: Family, addPath: boolean): void {
  const id = checkNlri(n, family, addPath);
  const p = n.prefix;
  if (addPath) w.u32(id);
  w.u8(p.length);
  w.bytes(p.bytes.subarray(0, (p.length + 7) >> 3));
}

export function encodeNlriList(w: Writer, list: readonly Nlri[], family: Family, addPath: boolean): void {
  for (const n of list) writeNlri(w, n, family, addPath);
}
