// Address and prefix text <-> octets. Hand-written because it is the codec's hot path (a million
// prefixes a table); RFC 5952 canonical IPv6 text so equal addresses always compare equal as strings.

/**
 * Dotted-quad IPv4 text in text[start, end) into out[at..at+4). Hand-scanned: this is the hot path
 * of a million-path request. Leading zeros are refused (ambiguous octal). False when not IPv4.
 */
export function parseIPv4Into(text: string, start: number, end: number, out: Uint8Array, at = 0): boolean {
  let i = start;
  for (let k = 0; k < 4; k++) {
    let v = 0;
    const first = i;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      i++;
    }
    const digits = i - first;
    if (digits === 0 || digits > 3 || v > 255 || (digits > 1 && text.charCodeAt(first) === 48)) return false;
    out[at + k] = v;
    if (k < 3) {
      if (i >= end || text.charCodeAt(i) !== 46) return false; // '.'
      i++;
    }
  }
  return i === end;
}

/** Dotted-quad IPv4 text to 4 octets; null when it is not one. */
export function parseIPv4(text: string): Uint8Array | null {
  const out = new Uint8Array(4);
  return parseIPv4Into(text, 0, text.length, out) ? out : null;
}

export function formatIPv4(b: Uint8Array, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/**
 * Parse IPv6 text in text[start, end) into out[0..16). Hand-scanned (this is on the hot path of
 * the packer); a trailing dotted quad ("::ffff:192.0.2.1") is accepted. False when not IPv6.
 */
export function parseIPv6Into(text: string, start: number, end: number, out: Uint8Array, at = 0): boolean {
  if (end - start < 2 || end - start > 45) return false;
  const groups = scratchGroups;
  let n = 0; // groups written
  let gap = -1; // group index where "::" stands
  let i = start;
  if (text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return false; // a lone leading ':'
    gap = 0;
    i += 2;
    if (i === end) {
      out.fill(0, at, at + 16);
      return true;
    }
  }
  for (;;) {
    // One group: 1-4 hex digits, or the dotted-quad tail.
    let v = 0;
    let digits = 0;
    const groupStart = i;
    while (i < end && digits <= 4) {
      const c = text.charCodeAt(i);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) break;
      v = v * 16 + d;
      digits++;
      i++;
    }
    if (i < end && text.charCodeAt(i) === 46) {
      // "a.b.c.d" ends the address and fills two groups.
      const v4 = scratchV4;
      if (n > 6 || !parseIPv4Into(text, groupStart, end, v4)) return false;
      groups[n++] = (v4[0]! << 8) | v4[1]!;
      groups[n++] = (v4[2]! << 8) | v4[3]!;
      i = end;
      break;
    }
    if (digits === 0 || digits > 4 || n >= 8) return false;
    groups[n++] = v;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i < end && text.charCodeAt(i) === 58) {
      if (gap >= 0) return false; // a second "::"
      gap = n;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false; // a trailing single ':'
    }
  }
  if (gap < 0 ? n !== 8 : n > 7) return false;
  out.fill(0, at, at + 16);
  const tail = gap < 0 ? 0 : n - gap;
  const head = n - tail;
  for (let k = 0; k < head; k++) {
    out[at + k * 2] = groups[k]! >> 8;
    out[at + k * 2 + 1] = groups[k]! & 0xff;
  }
  for (let k = 0; k < tail; k++) {
    const g = 8 - tail + k;
    out[at + g * 2] = groups[head + k]! >> 8;
    out[at + g * 2 + 1] = groups[head + k]! & 0xff;
  }
  return true;
}

const scratchGroups = new Uint16Array(8);
const scratchV4 = new Uint8Array(4);

/** IPv6 text (with "::" and an optional trailing dotted quad) to 16 octets; null when it is not one. */
export function parseIPv6(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  return parseIPv6Into(text, 0, text.length, out) ? out : null;
}

/** RFC 5952 canonical text: lowercase, no leading zeros, the longest run (2+) of zero groups as "::". */
export function formatIPv6(b: Uint8Array, at = 0): string {
  const g = scratchGroups;
  for (let i = 0; i < 8; i++) g[i] = (b[at + i * 2]! << 8) | b[at + i * 2 + 1]!;
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let s = '';
  let colon = false;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      colon = false;
      i += bestLen - 1;
      continue;
    }
    if (colon) s += ':';
    s += g[i]!.toString(16);
    colon = true;
  }
  return s;
}


/** parsePrefixInto's answer for an IPv6 prefix: the length plus this flag. */
export const PREFIX_V6 = 0x100;
/** parsePrefixInto's answer when the text had host bits set (203.0.113.11/24): they were cleared. */
export const PREFIX_HOST_BITS = 0x200;

/**
 * "203.0.113.10/32", "2001:db8::/64", or a bare address (a host route) into out[at..at+16)
 * (IPv4 uses the first 4 octets, the rest are zeroed), host bits cleared. Returns the length,
 * with PREFIX_V6 set for IPv6; -1 when the text is not a prefix. The one prefix scanner.
 */
export function parsePrefixInto(text: string, out: Uint8Array, at = 0): number {
  const slash = text.indexOf('/');
  const addrEnd = slash < 0 ? text.length : slash;
  let max: number;
  let v6 = 0;
  if (parseIPv4Into(text, 0, addrEnd, out, at)) {
    for (let i = at + 4; i < at + 16; i++) out[i] = 0;
    max = 32;
  } else if (parseIPv6Into(text, 0, addrEnd, out, at)) {
    max = 128;
    v6 = PREFIX_V6;
  } else {
    return -1;
  }
  let length = max;
  if (slash >= 0) {
    const digits = text.length - slash - 1;
    if (digits < 1 || digits > 3 || (digits > 1 && text.charCodeAt(slash + 1) === 48)) return -1;
    length = 0;
    for (let i = slash + 1; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) return -1;
      length = length * 10 + (c - 48);
    }
    if (length > max) return -1;
  }
  const hostBits = hasHostBits(out, length, at, max / 8);
  if (hostBits) maskHostBits(out, length, at, max / 8);
  return length | v6 | (hostBits ? PREFIX_HOST_BITS : 0);
}

/** Whether any bit after the first `length` bits of bytes[at..at+size) is set. */
function hasHostBits(bytes: Uint8Array, length: number, at: number, size: number): boolean {
  const full = length >> 3;
  const bits = length & 7;
  if (full < size && bits && (bytes[at + full]! & (0xff >> bits)) !== 0) return true;
  for (let i = at + full + (bits ? 1 : 0); i < at + size; i++) if (bytes[i] !== 0) return true;
  return false;
}

/** Clear every bit after the first `length` bits (in place). */
export function maskHostBits(bytes: Uint8Array, length: number, at = 0, size = bytes.length - at): void {
  const full = length >> 3;
  const bits = length & 7;
  if (full < size && bits) bytes[at + full]! &= (0xff << (8 - bits)) & 0xff;
  for (let i = at + full + (bits ? 1 : 0); i < at + size; i++) bytes[i] = 0;
}
