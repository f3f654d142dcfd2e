// Human output: aligned tables and short renderings of paths and peers.

import { attributeTable, fieldOf, isSet } from '../attributes/table.js';
import type {
  AddedPath,
  AnnouncedPath,
  HealthCheckDetail,
  HealthEffect,
  HealthState,
  HealthTargetStatus,
  PathAttributes,
  PeerReach,
  PeerShutdownOutcome,
  PrefixReach,
  PeerStatus,
  ReplaceResult,
  SpeakerEvent,
} from '../client.js';

/** Each column as wide as its widest cell. */
export function tableWidths(headers: readonly string[], rows: readonly (readonly string[])[]): number[] {
  const widths = headers.map((h) => h.length);
  for (const r of rows) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, (r[i] ?? '').length);
  return widths;
}

/**
 * Columns separated by two spaces; the last column is not padded (no trailing blanks). `headers`
 * null: rows only, to go on a table printed before (with its `widths`).
 */
export function table(headers: readonly string[] | null, rows: readonly (readonly string[])[], widths = tableWidths(headers ?? [], rows)): string {
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const lines = (headers ? [headers, ...rows] : rows).map(line);
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** "communities=65000:100,65000:200 local-pref=200", or "-" when the path carries none. */
export function formatAttributes(p: AnnouncedPath): string {
  const parts: string[] = [];
  for (const e of attributeTable()) {
    const t = fieldOf(p.attributes, e);
    if (isSet(t)) parts.push(`${e.cli.many}=${Array.isArray(t) ? t.join(',') : String(t)}`);
  }
  return parts.length > 0 ? parts.join(' ') : '-';
}

/** "lb" or "lb,cli": everyone who wants the path, the first owner first. */
export function formatOwners(p: AnnouncedPath): string {
  return (p.owners.length > 0 ? p.owners : [p.owner]).join(',');
}

/** What a state means for the peers unless the check says otherwise (a pending target is held back by default). */
const USUAL_EFFECT: Readonly<Record<HealthState, HealthEffect>> = { up: 'announced', down: 'withdrawn', pending: 'withdrawn' };

/**
 * A path's health in a few words: "up", "pending", "down (HTTP 503, 12s)" (why, and for how long),
 * with what the peers get when it is not the state's usual one: "down, demoted (timeout, 3m5s)",
 * "pending, announced" (a check with `initial: up`). "-" for a path without a check.
 */
export function formatHealth(p: AnnouncedPath, now: number): string {
  const h = p.health;
  if (!h) return '-';
  const head = h.effect === USUAL_EFFECT[h.state] ? h.state : `${h.state}, ${h.effect}`;
  if (h.state !== 'down') return head;
  const why = [...(h.lastError !== undefined ? [h.lastError] : []), ...(h.since > 0 ? [formatDuration(now - h.since)] : [])];
  return why.length > 0 ? `${head} (${why.join(', ')})` : head;
}

/**
 * The paths as a table. CHECK and HEALTH appear only when some path names a check, so a daemon
 * without health checks prints what it always printed.
 */
export function pathsTable(paths: readonly AnnouncedPath[], now: number): string {
  const { headers, row } = pathColumns(
    paths.some((p) => p.check !== undefined || p.health !== undefined),
    now,
  );
  return table(headers, paths.map(row));
}

/** The columns of a paths table, CHECK and HEALTH only when `checked`. */
export function pathColumns(checked: boolean, now: number): { headers: string[]; row: (p: AnnouncedPath) => string[] } {
  return {
    headers: ['PREFIX', 'NEXT-HOP', 'PATH-ID', 'OWNERS', ...(checked ? ['CHECK', 'HEALTH'] : []), 'ATTRIBUTES'],
    // A weighted path's next hop as --next-hop takes it: 198.51.100.11=2.
    row: (p) => [p.prefix, p.weight ? `${p.nextHop}=${p.weight}` : p.nextHop, String(p.pathId), formatOwners(p), ...(checked ? [p.check ?? '-', formatHealth(p, now)] : []), formatAttributes(p)],
  };
}

/** "203.0.113.10/32 via 198.51.100.11 (path-id 1, owner cli)"; "owners lb,cli" when shared; ", check web" when it has one. */
export function describePath(p: AnnouncedPath): string {
  const owners = formatOwners(p);
  const check = p.check ? `, check ${p.check}` : '';
  const weight = p.weight ? `, weight ${p.weight}` : '';
  return `${p.prefix} via ${p.nextHop} (path-id ${p.pathId}, ${owners.includes(',') ? 'owners' : 'owner'} ${owners}${check}${weight})`;
}

/**
 * Why a path the caller just added is not (or not fully) announced, or undefined when it is:
 * "not announced until check web passes", "withdrawn: check web is down (HTTP 503)".
 */
function healthNote(p: AnnouncedPath): string | undefined {
  const h = p.health;
  if (!h || h.effect === 'announced') return undefined;
  if (h.state === 'pending') return `not announced until check ${p.check ?? ''} passes`;
  const why = h.lastError !== undefined ? ` (${h.lastError})` : '';
  return `${h.effect}: check ${p.check ?? ''} is ${h.state}${why}`;
}

/** What changed between two attribute sets, in words: "local-pref 200 removed, community 65000:1 added". */
function attributeChanges(before: PathAttributes, after: PathAttributes): string {
  const out: string[] = [];
  const list = (what: string, a: readonly string[], b: readonly string[]): void => {
    for (const x of a) if (!b.includes(x)) out.push(`${what} ${x} removed`);
    for (const x of b) if (!a.includes(x)) out.push(`${what} ${x} added`);
  };
  const one = (what: string, a: unknown, b: unknown): void => {
    if (a === b) return;
    out.push(a === undefined ? `${what} ${b} added` : b === undefined ? `${what} ${a} removed` : `${what} ${a} -> ${b}`);
  };
  // The single values first, then the lists' items.
  const table = attributeTable();
  for (const e of table) if (e.form === 'number') one(e.cli.one, fieldOf(before, e), fieldOf(after, e));
  for (const e of table) if (e.form === 'list') list(e.cli.one, (fieldOf(before, e) ?? []) as readonly string[], (fieldOf(after, e) ?? []) as readonly string[]);
  return out.join(', ');
}

/** An update that changed no attribute changed the path's check (the answer does not say the old one). */
/** An update of the path's own check or weight (its prefix's attributes unchanged): what it has now. */
function checkChange(p: AnnouncedPath): string {
  return `now ${p.check ? `check ${p.check}` : 'no check'}, ${p.weight ? `weight ${p.weight}` : 'no weight'}`;
}

/**
 * What add-eip did, a line per path:
 *   added 203.0.113.10/32 via 198.51.100.11 (path-id 1, owner cli)
 *   updated 203.0.113.10/32 via 198.51.100.11 (path-id 1, owner cli): local-pref 200 removed, community 65000:1 added
 *   unchanged 203.0.113.10/32 via 198.51.100.11 (path-id 1, owner cli)
 *   added 203.0.113.11/32 via 198.51.100.11 (path-id 2, owner cli, check web): not announced until check web passes
 */
export function addReport(paths: readonly AddedPath[]): string {
  return paths
    .map((p) => {
      const note = healthNote(p);
      switch (p.outcome) {
        case 'added':
          return `added ${describePath(p)}${note ? `: ${note}` : ''}\n`;
        case 'owner-added':
          return `added ${describePath(p)}: ${note ?? 'it was announced already, nothing changed on the wire'}\n`;
        case 'updated':
          return `updated ${describePath(p)}: ${p.before ? attributeChanges(p.before, p.attributes) || checkChange(p) : 'new attributes'}${note ? `; ${note}` : ''}\n`;
        case 'unchanged':
          return `unchanged ${describePath(p)}${note ? `: ${note}` : ''}\n`;
      }
    })
    .join('');
}

/**
 * What the peers are sent, a line each, under what was added or replaced:
 *   to router1: 3 of 3 paths, via 198.51.100.11, 198.51.100.12, 198.51.100.13
 *   to router2: 1 of 3 paths, via 198.51.100.11 (no ADD-PATH: one path per prefix)
 *   to router3: 3 of 3 paths once up (not established (Active))
 *   no peer carries ipv6-unicast: announced to nobody
 */
export function reachLines(peers: readonly PeerReach[], indent = '  '): string {
  if (peers.length === 0) return `${indent}no peers are configured: announced to nobody\n`;
  const carried = peers.filter((p) => !p.reasons.some((r) => r.startsWith('does not carry ')));
  if (carried.length === 0) {
    const families = [...new Set(peers.flatMap((p) => p.reasons.filter((r) => r.startsWith('does not carry ')).map((r) => r.slice('does not carry '.length))))];
    return `${indent}no peer carries ${families.join(' or ')}: announced to nobody\n`;
  }
  return peers
    .map((p) => {
      const via = p.nextHops && p.nextHops.length > 0 ? `, via ${p.nextHops.join(', ')}` : '';
      const why = p.reasons.length > 0 ? ` (${p.reasons.join('; ')})` : '';
      return `${indent}to ${p.peer}: ${p.paths} of ${p.of} path${p.of === 1 ? '' : 's'}${p.established ? '' : ' once up'}${via}${why}\n`;
    })
    .join('');
}

/** addReport, then per prefix what the peers are sent. */
export function addReachReport(paths: readonly AddedPath[], reach: readonly PrefixReach[], alsoUpdated: readonly AddedPath[] = []): string {
  const lines = [addReport(paths)];
  // A prefix's attributes are all its paths': the others that changed with them, said as plainly.
  if (alsoUpdated.length > 0) lines.push(addReport(alsoUpdated).replace(/^updated /gm, 'also updated '));
  for (const r of reach) lines.push(reach.length === 1 ? reachLines(r.peers) : `${r.prefix}:\n${reachLines(r.peers)}`);
  return lines.join('');
}

export function replaceSummary(r: ReplaceResult): string {
  return `added ${r.added}, removed ${r.removed}, updated ${r.updated}, unchanged ${r.unchanged}`;
}

/** The summary line, what the peers are sent of the set, and with details one line per path changed. */
export function replaceReport(r: ReplaceResult): string {
  const lines = [replaceSummary(r)];
  if (r.reach && (r.size ?? []).length > 0) lines.push(reachLines(r.reach).trimEnd());
  const d = r.details;
  if (d) {
    for (const [what, list] of [['added', d.added], ['removed', d.removed], ['updated', d.updated]] as const) {
      for (const p of list) lines.push(`${what} ${p.prefix} via ${p.nextHop} (path ${p.pathId})`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** "2026-11-22T03:10:00Z": UTC, to the second. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * An event as lines (one per path for path events), each starting with its time:
 *   2026-11-22T03:10:00Z peer 198.51.100.1 OpenConfirm -> Established
 *   2026-11-22T03:10:01Z peer 198.51.100.1 announced 203.0.113.10/32 via 198.51.100.11 (path 1)
 *   2026-11-22T03:10:01Z rib added 203.0.113.10/32 via 198.51.100.11 (path 1, owner lb)
 *   2026-11-22T03:10:05Z health web http://198.51.100.12:80/healthz up -> down (HTTP 503): 3 paths withdrawn
 */
export function formatEvent(e: SpeakerEvent): string {
  const t = formatTime(e.at);
  switch (e.type) {
    case 'peer-state':
      return `${t} peer ${e.peer} ${e.from} -> ${e.to}${e.reason ? ` (${e.reason})` : ''}\n`;
    case 'peer-paths':
      return [
        ...e.withdrawn.map((w) => `${t} peer ${e.peer} withdrew ${w.prefix} (path ${w.pathId})\n`),
        ...e.announced.map((a) => `${t} peer ${e.peer} announced ${a.prefix} via ${a.nextHop} (path ${a.pathId})\n`),
      ].join('');
    case 'rib': {
      const line = (verb: string, p: AnnouncedPath): string => {
        const owners = formatOwners(p);
        return `${t} rib ${verb} ${p.prefix} via ${p.nextHop} (path ${p.pathId}, ${owners.includes(',') ? 'owners' : 'owner'} ${owners})\n`;
      };
      const lines = [...e.removed.map((p) => line('removed', p)), ...e.added.map((p) => line('added', p))];
      if (e.summary) {
        const s = e.summary;
        lines.push(`${t} rib ${e.owner ? `owner ${e.owner} ` : ''}changed: ${s.added} added, ${s.removed} removed, ${s.updated} updated\n`);
      }
      return lines.join('');
    }
    case 'health':
      return `${t} health ${e.check} ${e.target} ${e.from} -> ${e.to}${e.reason ? ` (${e.reason})` : ''}: ${e.paths} ${e.paths === 1 ? 'path' : 'paths'} ${e.effect}\n`;
  }
}

/** One JSON object on one line: the event with its time also in ISO 8601 (`at` is ms since the epoch). */
export function eventJsonLine(e: SpeakerEvent): string {
  return JSON.stringify({ time: new Date(e.at).toISOString(), ...e }) + '\n';
}

/** Elapsed time in its two largest units: "45s", "12m30s", "3h5m", "2d4h". */
export function formatDuration(ms: number): string {
  let s = Math.max(0, Math.floor(ms / 1000));
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  for (const [name, size] of units) {
    const n = Math.floor(s / size);
    s -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${name}`);
    if (parts.length === 2) break;
  }
  return parts.length > 0 ? parts.join('') : '0s';
}

function peerAddress(p: PeerStatus): string {
  if (p.port === 179) return p.address;
  return p.address.includes(':') ? `[${p.address}]:${p.port}` : `${p.address}:${p.port}`;
}

function families(p: PeerStatus): string {
  if (p.families.length === 0) return '-';
  return p.families
    .map((f) => {
      const dirs = [f.addPathSend ? 'tx' : '', f.addPathReceive ? 'rx' : ''].filter(Boolean);
      return dirs.length > 0 ? `${f.family}[add-path ${dirs.join(',')}]` : f.family;
    })
    .join(', ');
}

/** "connect ECONNREFUSED 198.51.100.1:179 (12s ago)", or "-". */
function lastError(p: PeerStatus, now: number): string {
  if (p.lastError === undefined) return '-';
  return p.lastErrorAt === undefined ? p.lastError : `${p.lastError} (${formatDuration(now - p.lastErrorAt)} ago)`;
}

/**
 * Graceful restart in the STATE column: "GR 120s" when negotiated (the router keeps our paths that
 * long when we restart), "no GR" when we advertise it on a session that is up without it; nothing
 * otherwise (the details are in --json).
 */
function gracefulRestart(p: PeerStatus): string[] {
  const g = p.gracefulRestart;
  if (!g?.ours) return [];
  if (g.negotiated) return [`GR ${g.ours.restartTime}s`];
  return g.theirs ? ['no GR'] : [];
}

export function peersTable(peers: readonly PeerStatus[], now: number): string {
  return table(
    ['PEER', 'ADDRESS', 'ASN', 'STATE', 'SINCE', 'PFX-SENT', 'PFX-RCVD', 'MSG-SENT', 'MSG-RCVD', 'FAMILIES', 'LAST-ERROR'],
    peers.map((p) => [
      p.name,
      peerAddress(p),
      String(p.asn),
      // BFD's view of the link, when it watches it, and graceful restart: "Established, BFD Up, GR 120s".
      [p.state, ...(p.bfd ? [`BFD ${p.bfd.state}`] : []), ...gracefulRestart(p)].join(', '),
      // Since it came up, or since it went down (or first failed): not since the last retry.
      p.since > 0 ? formatDuration(now - p.since) : '-',
      String(p.prefixesSent),
      String(p.prefixesReceived),
      String(p.messagesSent),
      String(p.messagesReceived),
      families(p),
      lastError(p, now),
    ]),
  );
}

/**
 * What `shutdown` left with each router: a head line, then one line per peer:
 *   router1 198.51.100.1: kept as stale for 120 s
 *   router2 198.51.100.2: withdrawn: graceful restart not negotiated (the router did not offer it)
 */
export function shutdownReport(mode: 'restart' | 'withdraw', peers: readonly PeerShutdownOutcome[]): string {
  const kept = peers.filter((p) => p.kept).length;
  const head =
    mode === 'withdraw'
      ? 'the daemon is stopping: every path is withdrawn'
      : peers.length === 0
        ? 'the daemon is stopping for a restart: it has no peers'
        : kept === peers.length
          ? 'the daemon is stopping for a restart: every router keeps its paths until it is back'
          : kept === 0
            ? 'the daemon is stopping for a restart, but no router keeps its paths: they are withdrawn'
            : `the daemon is stopping for a restart: ${kept} of ${peers.length} routers keep its paths until it is back`;
  const lines = peers.map((p) => {
    const who = p.name === p.address ? p.address : `${p.name} ${p.address}`;
    if (p.kept) return `${who}: kept as stale${p.restartTime !== undefined ? ` for ${p.restartTime} s` : ''}`;
    return `${who}: withdrawn${p.reason !== undefined ? `: ${p.reason}` : ''}`;
  });
  return [head, ...lines].join('\n') + '\n';
}

/** A target's state in a few words: "up", "down (HTTP 503, 12s)", with its effect when unusual ("down, demoted"). */
function targetHealth(t: HealthTargetStatus, now: number): string {
  const head = t.effect === USUAL_EFFECT[t.state] ? t.state : `${t.state}, ${t.effect}`;
  if (t.state === 'pending') return head;
  const why = [...(t.state === 'down' && t.lastError !== undefined ? [t.lastError] : []), ...(t.since > 0 ? [formatDuration(now - t.since)] : [])];
  return why.length > 0 ? `${head} (${why.join(', ')})` : head;
}

/** How late a probe started: "3ms", "1.2s"; "-" before the first probe. */
export function formatLag(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/**
 * The health checks and their targets, one row per target (a check with none has one row with "-"):
 *   CHECK  TARGET                            STATE                 PATHS  LAG  LAST-ERROR
 *   web    http://198.51.100.11:80/healthz   up (3m5s)             2      1ms  -
 *   web    http://198.51.100.12:80/healthz   down (HTTP 503, 12s)  1      0ms  HTTP 503 (12s ago)
 * LAG: how late the target's latest probe started after it was due (a few ms while the interval is kept).
 */
export function checksTable(checks: readonly HealthCheckDetail[], now: number): string {
  const rows: string[][] = [];
  for (const c of checks) {
    if (c.targets.length === 0) rows.push([c.name, '-', '-', '0', '-', '-']);
    for (const t of c.targets) {
      const err = t.lastError === undefined ? '-' : t.lastErrorAt === undefined ? t.lastError : `${t.lastError} (${formatDuration(now - t.lastErrorAt)} ago)`;
      rows.push([c.name, t.target, targetHealth(t, now), String(t.paths), formatLag(t.lag), err]);
    }
  }
  return table(['CHECK', 'TARGET', 'STATE', 'PATHS', 'LAG', 'LAST-ERROR'], rows);
}
