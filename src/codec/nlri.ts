// RFC 4271 4.3 prefixes (length octet + significant octets) and RFC 7911 3 ADD-PATH NLRI
// (a 4-octet path identifier before each prefix), for IPv4 and IPv6 unicast.

import { BgpEncodeError, BgpError } from './errors.js';
import { formatIPv4, formatIPv6, parsePrefixInto, PREFIX_V6 } from './ip.js';
import type { Reader } from './reader.js';
import type { Family, Nlri } from './types.js';
import type { Writer } from './writer.js';

export const MAX_PREFIX_LENGTH: Record<Family, number> = { 'ipv4-unicast': 32, 'ipv6-unicast': 128 };

/** Where a malformed prefix is reported: the field's (code, subcode). */
export interface NlriErrorSpec {
  readonly code: number;
  readonly subcode: number;
  readonly field: string;
}

const scratch = new Uint8Array(16);

/**
 * Decode every prefix in `r` (one NLRI field, bounded to its declared length). Trailing host
 * bits are cleared. A length beyond the family's maximum, or a prefix running past the field,
 * is the caller's error (RFC 7606 5.3: NLRI that cannot be parsed reset the session).
 */
export function decodeNlriList(r: Reader, family: Family, addPath: boolean, err: NlriErrorSpec): Nlri[] {
  const out: Nlri[] = [];
  const max = MAX_PREFIX_LENGTH[family];
  const bytes = r.bytes;
  while (!r.atEnd) {
    let pathId: number | undefined;
    if (addPath) {
      if (r.remaining < 5) throw new BgpError(err.code, err.subcode, `${err.field}: truncated ADD-PATH prefix`);
      pathId = r.u32();
    }
    const len = r.u8();
    if (len > max) throw new BgpError(err.code, err.subcode, `${err.field}: prefix length ${len} exceeds ${max}`);
    const n = (len + 7) >> 3;
    if (n > r.remaining) throw new BgpError(err.code, err.subcode, `${err.field}: prefix of length ${len} runs past the field`);
    const at = r.pos;
    r.pos += n;
    let text: string;
    if (family === 'ipv4-unicast') {
      scratch.fill(0, 0, 4);
      for (let i = 0; i < n; i++) scratch[i] = bytes[at + i]!;
      if (len & 7) scratch[n - 1]! &= (0xff << (8 - (len & 7))) & 0xff;
      text = `${formatIPv4(scratch)}/${len}`;
    } else {
      scratch.fill(0);
      for (let i = 0; i < n; i++) scratch[i] = bytes[at + i]!;
      if (len & 7) scratch[n - 1]! &= (0xff << (8 - (len & 7))) & 0xff;
      text = `${formatIPv6(scratch)}/${len}`;
    }
    out.push(pathId === undefined ? { prefix: text } : { prefix: text, pathId });
  }
  return out;
}

/**
 * Write one prefix given as text straight to the wire, without building intermediate objects.
 * Returns false if the text is not a prefix of `family`.
 */
export function writePrefixText(w: Writer, text: string, family: Family, pathId: number | undefined, addPath: boolean): boolean {
  const r = parsePrefixInto(text, scratch);
  if (r < 0 || ((r & PREFIX_V6) !== 0) !== (family === 'ipv6-unicast')) return false;
  const len = r & 0xff;
  if (addPath) w.u32(pathId ?? 0);
  w.u8(len);
  w.bytes(scratch.subarray(0, (len + 7) >> 3));
  return true;
}

/** Write one NLRI; throws BgpEncodeError when its prefix is not one of `family`. */
export function writeNlri(w: Writer, n: Nlri, family: Family, addPath: boolean): void {
  if (!writePrefixText(w, n.prefix, family, n.pathId, addPath)) {
    throw new BgpEncodeError(`${JSON.stringify(n.prefix)} is not an ${family} prefix`);
  }
}

export function encodeNlriList(w: Writer, list: readonly Nlri[], family: Family, addPath: boolean): void {
  for (const n of list) writeNlri(w, n, family, addPath);
}
