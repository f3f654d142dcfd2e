// The healthChecks section (issue 10): durations, probe targets with their placeholders, the
// http, tcp and exec probes and onFail, checked before src/health/ ever runs one.

import * as z from 'zod';
import { parseCommunity } from '../codec/attributes.js';
import { expandHostPort, expandUrl, PLACEHOLDERS, placeholdersInUrlHost, splitHostPort, unknownPlaceholders, type TargetVars } from '../health/expand.js';
import type { HealthCheckSpec, OnFail, ProbeSpec } from '../health/spec.js';
import { choice, number, text } from './fields.js';
import { describe, didYouMean, expected } from './problems.js';

const DEFAULT_HEALTH_INTERVAL = 2000;
/** A probe's timeout when none is given: the interval, but no more than this. */
const MAX_DEFAULT_HEALTH_TIMEOUT = 2000;

/** "500ms", "2s", "1m", or a bare number of milliseconds -> milliseconds; null when it is none of these. */
function parseDuration(v: string | number): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.round(v) : null;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(v.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1));
}

/** Milliseconds as they would be written: 1m, 2s, 500ms. */
function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function duration(what: string, min: number, max: number) {
  const wanted = `${what} of ${formatDuration(min)} to ${formatDuration(max)}, like 500ms, 2s or 1m (a bare number is milliseconds)`;
  return z.union([z.number(), z.string()], { error: expected(wanted) }).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms !== null && ms >= min && ms <= max) return ms;
    ctx.addIssue({ code: 'custom', input: v, message: `expected ${wanted}, got ${describe(v)}` });
    return z.NEVER;
  });
}

const HEALTH_INTERVAL = duration('an interval', 100, 3_600_000);
const HEALTH_TIMEOUT = duration('a timeout', 1, 3_600_000);

/** What the placeholders are filled with to see that a template makes a valid target, for each family. */
const SAMPLE_VARS: readonly TargetVars[] = [
  { prefix: '203.0.113.10/32', address: '203.0.113.10', nextHop: '198.51.100.11' },
  { prefix: '2001:db8:200::10/128', address: '2001:db8:200::10', nextHop: '2001:db8::11' },
];

/** Unknown placeholders in `template`, said (with a did-you-mean), or undefined when all are known. */
function placeholderProblem(template: string): string | undefined {
  const unknown = unknownPlaceholders(template)[0];
  if (unknown === undefined) return undefined;
  const guess = didYouMean(unknown, PLACEHOLDERS);
  return `unknown placeholder {${unknown}}${guess ? ` (did you mean {${guess}}?)` : ''}: use {prefix}, {address} or {nextHop} (and {{ or }} for a literal brace)`;
}

/** `[{nextHop}]` would be a bad host for an IPv4 next hop: the brackets come with an IPv6 address by themselves. */
function bracketedPlaceholder(template: string): string | undefined {
  const m = /\[\{(address|nextHop)\}\]/.exec(template);
  return m ? `write {${m[1]}} without brackets: an IPv6 address gets them by itself where it is a host` : undefined;
}

const urlWanted = 'an http:// or https:// URL like "http://{nextHop}:80/healthz"';
function urlProblem(template: string): string | undefined {
  const unknown = placeholderProblem(template);
  if (unknown) return unknown;
  const bracketed = bracketedPlaceholder(template);
  if (bracketed) return bracketed;
  if (placeholdersInUrlHost(template).includes('prefix')) return '{prefix} cannot be the host (it is a prefix, like 203.0.113.10/32): use {address} or {nextHop}';
  for (const vars of SAMPLE_VARS) {
    let url: URL;
    try {
      url = new URL(expandUrl(template, vars));
    } catch {
      return `expected ${urlWanted}, got ${describe(template)}`;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return `expected ${urlWanted}, got ${describe(template)}`;
  }
  return undefined;
}

const hostPortWanted = 'host:port, like "{nextHop}:53" (an IPv6 address in brackets: "[2001:db8::1]:53")';
function hostPortProblem(template: string): string | undefined {
  const unknown = placeholderProblem(template);
  if (unknown) return unknown;
  if (template.includes('{prefix}')) return '{prefix} is not an address to connect to: use {address} or {nextHop}';
  const bracketed = bracketedPlaceholder(template);
  if (bracketed) return bracketed;
  if (SAMPLE_VARS.some((vars) => splitHostPort(expandHostPort(template, vars)) === null)) return `expected ${hostPortWanted}, got ${describe(template)}`;
  return undefined;
}

function refineWith(problem: (s: string) => string | undefined) {
  return (s: string, ctx: z.core.$RefinementCtx<string>): void => {
    const message = problem(s);
    if (message !== undefined) ctx.addIssue({ code: 'custom', input: s, message });
  };
}

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'] as const;
const HTTP_STATUS = number('an HTTP status code (100..599)', 100, 599);
const EXPECT_STATUS = z
  .union([HTTP_STATUS, z.array(HTTP_STATUS).min(1, { error: 'expected at least one status code (omit expectStatus for any 2xx)' })], {
    error: expected('a status code or a list of them, like [200, 204]'),
  })
  .transform((v) => (Array.isArray(v) ? v : [v]));

// RFC 9110 5.1: a header name is a token.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADERS = z
  .record(z.string(), z.union([z.string(), z.number()], { error: expected('a header value (text)') }), {
    error: expected('a mapping of header names to values, like { Host: web.example }'),
  })
  .superRefine((headers, ctx) => {
    for (const [name, value] of Object.entries(headers)) {
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], input: name, message: `${JSON.stringify(name)} is not a header name` });
      else if (/[\r\n\0]/.test(String(value))) ctx.addIssue({ code: 'custom', path: [name], input: value, message: 'a header value is one line' });
    }
  })
  .transform((headers) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])));

const HTTP_PROBE = z
  .strictObject(
    {
      url: text(urlWanted).superRefine(refineWith(urlProblem)),
      expectStatus: EXPECT_STATUS.optional(),
      timeout: HEALTH_TIMEOUT.optional(),
      method: choice(HTTP_METHODS).default('GET'),
      headers: HEADERS.optional(),
      ca: text('a CA bundle file (PEM)').optional(),
      insecureSkipVerify: z.boolean({ error: expected('true or false') }).optional(),
    },
    { error: expected('a mapping with url (and optionally expectStatus, timeout, method, headers, ca, insecureSkipVerify)') },
  )
  .superRefine((h, ctx) => {
    if (!/^https:\/\//i.test(h.url.trim())) {
      for (const key of ['ca', 'insecureSkipVerify'] as const) {
        if (h[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], input: h[key], message: 'applies to https:// URLs only' });
      }
    } else if (h.ca !== undefined && h.insecureSkipVerify === true) {
      ctx.addIssue({ code: 'custom', path: ['insecureSkipVerify'], input: true, message: 'give either ca or insecureSkipVerify: true, not both' });
    }
  })
  .transform((h) => ({
    kind: 'http' as const,
    url: h.url.trim(),
    method: h.method,
    headers: h.headers ?? {},
    ...(h.expectStatus === undefined ? {} : { expectStatus: h.expectStatus }),
    ...(h.ca === undefined ? {} : { ca: h.ca }),
    insecureSkipVerify: h.insecureSkipVerify ?? false,
    timeout: h.timeout,
  }));

const TCP_PROBE = z
  .strictObject(
    { address: text(hostPortWanted).superRefine(refineWith(hostPortProblem)), timeout: HEALTH_TIMEOUT.optional() },
    { error: expected('a mapping with address (host:port) and optionally timeout') },
  )
  .transform((t) => ({ kind: 'tcp' as const, address: t.address.trim(), timeout: t.timeout }));

const argvWanted = 'a list of arguments, like [/usr/local/bin/check-eip, "{prefix}"]';
const EXEC_PROBE = z
  .strictObject(
    {
      // A number is an argument too (`[check-port, 8080]`), as text.
      command: z.union([z.string(), z.array(z.union([z.string(), z.number().transform(String)]))], { error: expected(argvWanted) }),
      timeout: HEALTH_TIMEOUT.optional(),
      shell: z.boolean({ error: expected('true or false') }).optional(),
    },
    { error: expected('a mapping with command and optionally timeout and shell') },
  )
  .superRefine((e, ctx) => {
    const problem = (path: PropertyKey[], input: unknown, message: string): void => void ctx.addIssue({ code: 'custom', path: ['command', ...path], input, message });
    if (e.shell === true) {
      // One command line for /bin/sh -c, as a string or a list of one.
      const line = typeof e.command === 'string' ? e.command : e.command.length === 1 ? e.command[0]! : undefined;
      if (line === undefined) return problem([], e.command, 'with shell: true, expected one command line for /bin/sh -c (a string, or a list of one)');
      if (line.trim() === '') return problem([], line, 'expected a command line, got ""');
      const p = placeholderProblem(line);
      if (p) problem([], line, p);
      return;
    }
    if (typeof e.command === 'string') return problem([], e.command, `expected ${argvWanted} (or shell: true to run one command line with /bin/sh -c), got ${describe(e.command)}`);
    if (e.command.length === 0 || e.command[0] === '') return problem(e.command.length === 0 ? [] : [0], e.command[0] ?? e.command, `expected ${argvWanted}, the program first`);
    e.command.forEach((arg, i) => {
      const p = placeholderProblem(arg);
      if (p) problem([i], arg, p);
    });
  })
  .transform((e) => ({ kind: 'exec' as const, command: typeof e.command === 'string' ? [e.command] : e.command, shell: e.shell ?? false, timeout: e.timeout }));

const U32 = (what: string) => number(`${what} (0..4294967295)`, 0, 4294967295);
const communityWanted = 'a community ASN:VALUE with both parts in 0..65535, like "65000:666"';
// Checked here, turned into a value after the union (see ON_FAIL).
const COMMUNITY = z.string({ error: expected(communityWanted) }).refine((s) => parseCommunity(s.trim()) !== null, { error: expected(communityWanted) });
const DEMOTE = z
  .strictObject(
    {
      med: U32('a MED').optional(),
      localPref: U32('a LOCAL_PREF').optional(),
      communities: z.array(COMMUNITY, { error: expected(`a list of communities, like ["65000:666"]`) }).min(1, { error: 'expected at least one community' }).optional(),
    },
    { error: expected('a mapping with med, localPref and/or communities') },
  )
  .superRefine((d, ctx) => {
    if (d.med === undefined && d.localPref === undefined && d.communities === undefined) {
      ctx.addIssue({ code: 'custom', input: d, message: 'give at least one of med, localPref or communities (what makes the path less preferred)' });
    }
  });
const onFailWanted = 'withdraw, or { demote: { med, localPref, communities } }';
// The transform comes after the union: inside it, an option's transform would hide the option's
// own problems (demote.med) behind the union's one message.
const ON_FAIL = z
  .union([z.literal('withdraw'), z.strictObject({ demote: DEMOTE })], { error: expected(onFailWanted, ['withdraw']) })
  .transform((v): OnFail => {
    if (v === 'withdraw') return { action: 'withdraw' };
    const d = v.demote;
    return {
      action: 'demote',
      ...(d.med === undefined ? {} : { med: d.med }),
      ...(d.localPref === undefined ? {} : { localPref: d.localPref }),
      ...(d.communities === undefined ? {} : { communities: d.communities.map((c) => parseCommunity(c.trim())!) }),
    };
  });

const CHECK_NAME_WANTED = 'a name of 1..64 letters, digits, "_", "." or "-"';
const CHECK_NAME = z.string({ error: expected(CHECK_NAME_WANTED) }).regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: expected(CHECK_NAME_WANTED) });
const HEALTH_COUNT = number('a count of 1..100', 1, 100);
const PROBE_KINDS = ['http', 'tcp', 'exec'] as const;

const HEALTH_CHECK = z
  .strictObject(
    {
      name: CHECK_NAME,
      http: HTTP_PROBE.optional(),
      tcp: TCP_PROBE.optional(),
      exec: EXEC_PROBE.optional(),
      interval: HEALTH_INTERVAL.optional(),
      rise: HEALTH_COUNT.default(2),
      fall: HEALTH_COUNT.default(2),
      initial: choice(['up', 'down'] as const).default('down'),
      onFail: ON_FAIL.default({ action: 'withdraw' }),
    },
    { error: expected('a health check (a mapping with name and one of http, tcp or exec)') },
  )
  .superRefine((c, ctx) => {
    const given = PROBE_KINDS.filter((k) => c[k] !== undefined);
    if (given.length === 0) {
      ctx.addIssue({ code: 'custom', input: c, message: 'missing: give one of http, tcp or exec (what to probe)' });
      return;
    }
    for (const k of given.slice(1)) ctx.addIssue({ code: 'custom', path: [k], input: c[k], message: `give one of http, tcp or exec, not both ${given[0]} and ${k}` });
    const interval = c.interval ?? DEFAULT_HEALTH_INTERVAL;
    const timeout = c[given[0]!]!.timeout;
    if (timeout !== undefined && timeout > interval) {
      ctx.addIssue({
        code: 'custom',
        path: [given[0]!, 'timeout'],
        input: timeout,
        message: `${formatDuration(timeout)} is longer than the interval (${formatDuration(interval)}${c.interval === undefined ? ', the default' : ''}): a probe must end before the next one is due`,
      });
    }
  })
  .transform((c): HealthCheckSpec => {
    const interval = c.interval ?? DEFAULT_HEALTH_INTERVAL;
    const given = (c.http ?? c.tcp ?? c.exec)!;
    const { timeout, ...rest } = given;
    const probe = { ...rest, timeout: timeout ?? Math.min(interval, MAX_DEFAULT_HEALTH_TIMEOUT) } as ProbeSpec;
    return { name: c.name, probe, interval, rise: c.rise, fall: c.fall, initial: c.initial, onFail: c.onFail };
  });

export const HEALTH_CHECKS = z
  .array(HEALTH_CHECK, { error: expected('a list of health checks') })
  // Every entry commented out is YAML null: no checks.
  .nullable()
  .transform((checks) => checks ?? [])
  .superRefine((checks, ctx) => {
    const seen = new Set<string>();
    checks.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], input: c.name, message: `duplicate check name ${c.name}` });
      seen.add(c.name);
    });
  });
