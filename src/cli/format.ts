// Human output: aligned tables and short renderings of paths and peers.

import type { AnnouncedPath, PeerStatus } from '../client.js';

/** Columns separated by two spaces; the last column is not padded (no trailing blanks). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [headers, ...rows].map(line).join('\n') + '\n';
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** "communities=65000:100,65000:200 local-pref=200", or "-" when the path carries none. */
export function formatAttributes(p: AnnouncedPath): string {
  const a = p.attributes;
  const parts: string[] = [];
  if (a.communities.length > 0) parts.push(`communities=${a.communities.join(',')}`);
  if (a.largeCommunities.length > 0) parts.push(`large-communities=${a.largeCommunities.join(',')}`);
  if (a.localPref !== undefined) parts.push(`local-pref=${a.localPref}`);
  if (a.med !== undefined) parts.push(`med=${a.med}`);
  return parts.length > 0 ? parts.join(' ') : '-';
}

export function pathsTable(paths: readonly AnnouncedPath[]): string {
  return table(
    ['PREFIX', 'NEXT-HOP', 'PATH-ID', 'OWNER', 'ATTRIBUTES'],
    paths.map((p) => [p.prefix, p.nextHop, String(p.pathId), p.owner, formatAttributes(p)]),
  );
}

/** "203.0.113.10/32 via 198.51.100.11 (path-id 1, owner cli)" */
export function describePath(p: AnnouncedPath): string {
  return `${p.prefix} via ${p.nextHop} (path-id ${p.pathId}, owner ${p.owner})`;
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

function peerName(p: PeerStatus): string {
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

export function peersTable(peers: readonly PeerStatus[], now: number): string {
  return table(
    ['PEER', 'ASN', 'STATE', 'SINCE', 'PREFIXES-SENT', 'FAMILIES', 'LAST-ERROR'],
    peers.map((p) => [
      peerName(p),
      String(p.asn),
      p.state,
      p.since > 0 ? formatDuration(now - p.since) : '-',
      String(p.prefixesSent),
      families(p),
      p.lastError ?? '-',
    ]),
  );
}
