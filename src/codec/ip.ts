// Address and prefix text <-> octets. Hand-written because it is the codec's hot path (a million
// prefixes a table); RFC 5952 canonical IPv6 text so equal addresses always compare equal as strings.

import type { Family } from './types.js';

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Dotted-quad IPv4 text to 4 octets; null when it is not one. Leading zeros are refused (ambiguous octal). */
export function parseIPv4(text: string): Uint8Array | null {
  const m = IPV4_RE.exec(text);
  if (!m) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = m[i + 1]!;
    if (part.length > 1 && part[0] === '0') return null;
    const v = Number(part);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

export function formatIPv4(b: Uint8Array, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

const HEX_GROUP_RE = /^[0-9a-fA-F]{1,4}$/;

function parseGroups(part: string, out: number[]): boolean {
  if (part === '') return true;
  for (const g of part.split(':')) {
    if (!HEX_GROUP_RE.test(g)) return false;
    out.push(parseInt(g, 16));
  }
  return true;
}

/** IPv6 text (with "::" and an optional trailing dotted quad) to 16 octets; null when it is not one. */
export function parseIPv6(text: string): Uint8Array | null {
  if (text.length < 2 || text.length > 45) return null;
  let s = text;
  let tail: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > 0) {
    tail = parseIPv4(s.slice(lastColon + 1));
    if (!tail) return null;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = s.indexOf('::');
  const head: number[] = [];
  const rest: number[] = [];
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return null;
    if (!parseGroups(s.slice(0, dbl), head) || !parseGroups(s.slice(dbl + 2), rest)) return null;
    if (head.length + rest.length > 7) return null;
  } else {
    if (!parseGroups(s, head) || head.length !== 8) return null;
  }
  const groups = new Array<number>(8).fill(0);
  head.forEach((g, i) => (groups[i] = g));
  rest.forEach((g, i) => (groups[8 - rest.length + i] = g));
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = groups[i]! >> 8;
    out[i * 2 + 1] = groups[i]! & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

/** RFC 5952 canonical text: lowercase, no leading zeros, the longest run (2+) of zero groups as "::". */
export function formatIPv6(b: Uint8Array, at = 0): string {
  const g = new Array<number>(8);
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
  const hex = (from: number, to: number): string => g.slice(from, to).map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

export function parseIp(text: string): { family: 'ipv4' | 'ipv6'; bytes: Uint8Array } | null {
  const v4 = parseIPv4(text);
  if (v4) return { family: 'ipv4', bytes: v4 };
  const v6 = text.includes(':') ? parseIPv6(text) : null;
  return v6 ? { family: 'ipv6', bytes: v6 } : null;
}

export interface ParsedPrefix {
  readonly family: Family;
  /** 4 or 16 octets, host bits cleared. */
  readonly bytes: Uint8Array;
  readonly length: number;
}

/**
 * "203.0.113.10/32", "2001:db8::/64", or a bare address (a host route). Host bits beyond the
 * length are cleared, so "10.1.2.3/8" means 10.0.0.0/8.
 */
export function parsePrefix(text: string): ParsedPrefix | null {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addr);
  if (!ip) return null;
  const max = ip.family === 'ipv4' ? 32 : 128;
  let length = max;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(lenText)) return null;
    length = Number(lenText);
    if (length > max) return null;
  }
  maskHostBits(ip.bytes, length);
  return { family: ip.family === 'ipv4' ? 'ipv4-unicast' : 'ipv6-unicast', bytes: ip.bytes, length };
}

/** Clear every bit after the first `length` bits (in place). */
export function maskHostBits(bytes: Uint8Array, length: number): void {
  const full = length >> 3;
  const bits = length & 7;
  if (full < bytes.length && bits) bytes[full]! &= (0xff << (8 - bits)) & 0xff;
  bytes.fill(0, full + (bits ? 1 : 0));
}

export function formatPrefix(family: Family, bytes: Uint8Array, length: number): string {
  return `${family === 'ipv4-unicast' ? formatIPv4(bytes) : formatIPv6(bytes)}/${length}`;
}

/** The canonical text of a prefix ("10.1.2.3/8" -> "10.0.0.0/8"), or null. */
export function canonicalPrefix(text: string): string | null {
  const p = parsePrefix(text);
  return p ? formatPrefix(p.family, p.bytes, p.length) : null;
}
