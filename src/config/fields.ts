// Schemas of single fields (numbers, addresses, prefixes, names, host:port), shared by the
// sections and the health checks so each kind of value is checked and worded one way.

import { isIPv4, isIPv6 } from 'node:net';
import * as z from 'zod';
import { formatIPv6, parseIPv6 } from '../codec/ip.js';
import { IpAddress, Prefix } from '../codec/values.js';
import { nextHopProblem } from '../rib/special-addresses.js';
import { FAMILIES, type AddPathSetting } from '../codec/types.js';
import { splitHostPort } from '../health/expand.js';
import { describe, expected, oneOf } from './problems.js';
import type { LogLevel } from './types.js';

/** IPv6 in RFC 5952 text (a zone suffix kept as written); IPv4 unchanged. */
function canonicalIp(text: string): string {
  if (!isIPv6(text)) return text;
  const zone = text.indexOf('%');
  const bare = zone < 0 ? text : text.slice(0, zone);
  const bytes = parseIPv6(bare);
  return bytes ? formatIPv6(bytes) + (zone < 0 ? '' : text.slice(zone)) : text;
}

export function number(what: string, min: number, max: number) {
  return z.number({ error: expected(what) }).int().min(min).max(max);
}

export const ASN = number('an AS number (1..4294967295)', 1, 4294967295);
export const PORT = number('a port number (1..65535)', 1, 65535);
export const CONNECT_RETRY = number('a number of seconds (1..65535)', 1, 65535);
const holdTimeError = expected('a hold time of 0 or 3..65535 seconds');
// RFC 4271 4.2: zero, or at least three seconds.
export const HOLD_TIME = z
  .number({ error: holdTimeError })
  .int()
  .min(0)
  .max(65535)
  .refine((v) => v === 0 || v >= 3, { error: holdTimeError });

function address(what: string, ok: (s: string) => boolean) {
  const error = expected(what);
  return z.string({ error }).refine(ok, { error }).transform(canonicalIp);
}

export const IP = address('an IPv4 or IPv6 address', (s) => isIPv4(s) || isIPv6(s));
export const ROUTER_ID = address('a non-zero IPv4 address', (s) => isIPv4(s) && s !== '0.0.0.0');
export const NEXT_HOP = address('an IPv4 or IPv6 address, or "self"', (s) => s === 'self' || isIPv4(s) || isIPv6(s)).superRefine((s, ctx) => {
  const ip = s === 'self' ? null : IpAddress.parse(s);
  const why = ip ? nextHopProblem(ip) : undefined;
  if (why !== undefined) ctx.addIssue({ code: 'custom', input: s, message: why });
});

const allowPrefixError = expected('a prefix like 203.0.113.0/24 or "2001:db8:200::/64"');
/** A range prefixes may be announced in: canonical text, host bits clear ("203.0.113.5/24" is a slip). */
const ALLOW_PREFIX = z.string({ error: allowPrefixError }).transform((s, ctx) => {
  const p = Prefix.parse(s.trim());
  if (!p) {
    ctx.addIssue({ code: 'custom', input: s, message: `expected a prefix like 203.0.113.0/24 or "2001:db8:200::/64", got ${describe(s)}` });
    return s;
  }
  const written = IpAddress.parse(s.trim().split('/')[0]!);
  if (written && !written.equals(p.address)) ctx.addIssue({ code: 'custom', input: s, message: `${s} has host bits set: did you mean ${p.toString()}?` });
  return p.toString();
});
export const ALLOW_PREFIXES = z
  .array(ALLOW_PREFIX, { error: expected('a list of prefixes, like [203.0.113.0/24, "2001:db8:200::/64"]') })
  .min(1, { error: 'expected at least one prefix (omit allowPrefixes to allow any prefix but the special ones)' });

export function text(what: string) {
  const error = expected(what);
  return z.string({ error }).min(1, { error });
}

export function choice<const T extends readonly string[]>(values: T) {
  return z.enum(values, { error: expected(oneOf(values), values) });
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const satisfies readonly LogLevel[];
export const ADD_PATH_SETTINGS = ['off', 'send', 'receive', 'both'] as const satisfies readonly AddPathSetting[];

export const FAMILY_LIST = z
  .array(choice(FAMILIES), {
    error: expected(`a list of address families (${FAMILIES.join(', ')})`),
  })
  .min(1, { error: `expected at least one address family (${FAMILIES.join(', ')})` })
  .superRefine((families, ctx) => {
    families.forEach((f, i) => {
      if (families.indexOf(f) !== i) ctx.addIssue({ code: 'custom', path: [i], input: f, message: `duplicate family ${f}` });
    });
  });

/** "127.0.0.1:50051", "[::1]:50051" or "localhost:50051"; null when it is none of these. */
export function parseHostPort(s: string): { host: string; port: number } | null {
  const hp = splitHostPort(s);
  if (!hp || isIPv6(hp.host)) return hp;
  // Unbracketed: a host given by number must be an IPv4 address, any other a valid hostname.
  const hostname = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
  const numeric = /^[\d.]+$/.test(hp.host);
  return (numeric ? isIPv4(hp.host) : hostname.test(hp.host)) ? hp : null;
}

const hostPortError = expected('host:port with a port 1..65535 (IPv6 as "[::1]:50051")');
export const HOST_PORT = z
  .string({ error: hostPortError })
  .refine((s) => parseHostPort(s) !== null, { error: hostPortError });
