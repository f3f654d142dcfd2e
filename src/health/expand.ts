// Placeholders: a check is written once ("http://{nextHop}:80/healthz") and filled in per path,
// so one check serves a per-node announcer (its own service) and a central one (every backend it
// announces). An IPv6 address that becomes a host is bracketed ("http://[2001:db8::1]:80/").

import { isIPv6 } from 'node:net';
import type { ExecProbeSpec, HttpProbeSpec, ProbeSpec, TcpProbeSpec } from './spec.js';

export const PLACEHOLDERS = ['prefix', 'address', 'nextHop'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** What one path fills in: its prefix (203.0.113.10/32), the prefix's address and the path's next hop. */
export type TargetVars = Readonly<Record<Placeholder, string>>;

/** A probe with its placeholders filled in: what is actually checked. */
export type ExpandedProbe = HttpProbeSpec | ExpandedTcpProbe | ExecProbeSpec;

export interface ExpandedTcpProbe extends TcpProbeSpec {
  readonly host: string;
  readonly port: number;
}

// `{name}` is a placeholder; `{{` and `}}` stand for literal braces.
const TOKEN = /\{\{|\}\}|\{([^{}]*)\}/g;

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/** The names written in braces that are no placeholder, in order (`{nexthop}` -> ["nexthop"]). */
export function unknownPlaceholders(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(TOKEN)) if (m[1] !== undefined && !isPlaceholder(m[1])) out.push(m[1]);
  return out;
}

/** The placeholders that stand where a URL's host is (between "://" and the path). */
export function placeholdersInUrlHost(template: string): Placeholder[] {
  const span = hostSpan(template);
  const out: Placeholder[] = [];
  for (const m of template.matchAll(TOKEN)) {
    if (m[1] !== undefined && isPlaceholder(m[1]) && span && m.index >= span[0] && m.index < span[1]) out.push(m[1]);
  }
  return out;
}

/** [start, end) of the authority of a URL template, or null without "://". */
function hostSpan(template: string): [number, number] | null {
  const scheme = template.indexOf('://');
  if (scheme < 0) return null;
  const start = scheme + 3;
  const rest = template.slice(start).search(/[/?#]/);
  return [start, rest < 0 ? template.length : start + rest];
}

/**
 * Fills in `template`; `asHost(at)` says whether the placeholder at that offset is a host, where an
 * IPv6 address needs brackets (unless the template already has them round it).
 */
function fill(template: string, vars: TargetVars, asHost: (at: number) => boolean): string {
  return template.replace(TOKEN, (whole: string, name: string | undefined, at: number) => {
    if (name === undefined) return whole[0]!;
    if (!isPlaceholder(name)) throw new Error(`unknown placeholder {${name}} in ${JSON.stringify(template)}`);
    const value = vars[name];
    const bracketed = template[at - 1] === '[' && template[at + whole.length] === ']';
    return name !== 'prefix' && asHost(at) && isIPv6(value) && !bracketed ? `[${value}]` : value;
  });
}

export function expandUrl(template: string, vars: TargetVars): string {
  const span = hostSpan(template);
  return fill(template, vars, (at) => span !== null && at >= span[0] && at < span[1]);
}

/** host:port: every address in it is the host. */
export function expandHostPort(template: string, vars: TargetVars): string {
  return fill(template, vars, () => true);
}

/** A command argument: values as they are. */
export function expandArg(template: string, vars: TargetVars): string {
  return fill(template, vars, () => false);
}

/** "198.51.100.11:53", "[2001:db8::1]:53" or "localhost:53" -> host and port; null when it is none of these. */
export function splitHostPort(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:[\]\s/]+)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (m[1] !== undefined) return isIPv6(m[1]) ? { host: m[1], port } : null;
  return { host: m[2]!, port };
}

/** The placeholders a probe's templates use: only these make two paths' targets differ. */
export function placeholdersOf(spec: ProbeSpec): Placeholder[] {
  const texts = spec.kind === 'http' ? [spec.url] : spec.kind === 'tcp' ? [spec.address] : spec.command;
  const used = new Set<Placeholder>();
  for (const t of texts) for (const m of t.matchAll(TOKEN)) if (m[1] !== undefined && isPlaceholder(m[1])) used.add(m[1]);
  return [...used];
}

/** The probe for one path. Throws an Error when the values make no valid target (a tcp address without a port). */
export function expandProbe(spec: ProbeSpec, vars: TargetVars): ExpandedProbe {
  switch (spec.kind) {
    case 'http':
      return { ...spec, url: expandUrl(spec.url, vars) };
    case 'tcp': {
      const address = expandHostPort(spec.address, vars);
      const hp = splitHostPort(address);
      if (!hp) throw new Error(`${JSON.stringify(address)} is not a host:port to connect to`);
      return { ...spec, address, ...hp };
    }
    case 'exec':
      return { ...spec, command: spec.command.map((arg) => expandArg(arg, vars)) };
  }
}

/** How a target reads in logs and `announcer list`: the URL, host:port, or the command line. */
export function targetText(p: ExpandedProbe): string {
  switch (p.kind) {
    case 'http':
      return p.url;
    case 'tcp':
      return p.address;
    case 'exec':
      return p.shell ? p.command.join(' ') : p.command.map((a) => (a === '' || /[\s"'\\]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  }
}

/** What makes two paths' targets the same one: the check and exactly what it probes. */
export function targetKey(check: string, p: ExpandedProbe): string {
  const what = p.kind === 'exec' ? JSON.stringify(p.command) : targetText(p);
  return `${check}\n${p.kind}\n${what}`;
}
