// The side-by-side table as an SVG bar chart (docs/performance.md): for each N, time from
// Established to all paths at BIRD and the speaker's RSS, one bar per speaker. Plain SVG text: no
// dependency.

export interface ChartRow {
  readonly n: number;
  readonly speaker: string;
  readonly ms?: number;
  readonly rssMiB?: number;
}

const COLORS: Record<string, string> = { 'raw socket': '#9e9e9e', gobgpd: '#4e79a7', announcer: '#e15759' };
const W = 760;
const PANEL_H = 220;
const TOP = 48;
const LEFT = 70;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function panel(rows: readonly ChartRow[], value: (r: ChartRow) => number | undefined, title: string, unit: string, y0: number): string {
  const ns = [...new Set(rows.map((r) => r.n))];
  const speakers = [...new Set(rows.map((r) => r.speaker))];
  const out: string[] = [`<text x="${LEFT}" y="${y0 - 14}" font-size="14" font-weight="bold">${esc(title)}</text>`];
  const groupW = (W - LEFT - 20) / ns.length;
  const barW = Math.min(60, (groupW - 30) / speakers.length);
  ns.forEach((n, g) => {
    const group = rows.filter((r) => r.n === n);
    const max = Math.max(...group.map((r) => value(r) ?? 0), 1e-9);
    const x0 = LEFT + g * groupW + 15;
    group.forEach((r) => {
      const v = value(r);
      const i = speakers.indexOf(r.speaker);
      const x = x0 + i * barW;
      if (v === undefined) {
        out.push(`<text x="${x + barW / 2}" y="${y0 + PANEL_H - 8}" font-size="11" text-anchor="middle">failed</text>`);
        return;
      }
      const h = Math.max(1, (v / max) * (PANEL_H - 30));
      const label = unit === 'ms' ? `${Math.round(v).toLocaleString('en-US')} ms` : `${Math.round(v)} MiB`;
      out.push(`<rect x="${x + 4}" y="${y0 + PANEL_H - h}" width="${barW - 8}" height="${h}" fill="${COLORS[r.speaker] ?? '#59a14f'}"/>`);
      out.push(`<text x="${x + barW / 2}" y="${y0 + PANEL_H - h - 4}" font-size="11" text-anchor="middle">${esc(label)}</text>`);
    });
    out.push(`<text x="${x0 + (speakers.length * barW) / 2}" y="${y0 + PANEL_H + 16}" font-size="12" text-anchor="middle">${n.toLocaleString('en-US')} paths</text>`);
  });
  out.push(`<line x1="${LEFT}" y1="${y0 + PANEL_H}" x2="${W - 10}" y2="${y0 + PANEL_H}" stroke="#333"/>`);
  return out.join('\n');
}

/** The chart; each group of bars is scaled to its own largest value (the sizes differ tenfold). */
export function sideChart(rows: readonly ChartRow[], subtitle: string): string {
  const speakers = [...new Set(rows.map((r) => r.speaker))];
  const H = TOP + 2 * (PANEL_H + 70) + 10;
  const legend = speakers
    .map((s, i) => `<rect x="${LEFT + i * 150}" y="${H - 22}" width="12" height="12" fill="${COLORS[s] ?? '#59a14f'}"/><text x="${LEFT + i * 150 + 18}" y="${H - 12}" font-size="12">${esc(s)}</text>`)
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${LEFT}" y="22" font-size="16" font-weight="bold">Announcing N /32 paths to one BIRD 2 router</text>`,
    `<text x="${LEFT}" y="40" font-size="11" fill="#555">${esc(subtitle)}</text>`,
    panel(rows, (r) => r.ms, 'Established → BIRD holds every path (lower is better)', 'ms', TOP + 30),
    panel(rows, (r) => r.rssMiB, 'Speaker resident memory then (lower is better)', 'MiB', TOP + PANEL_H + 100),
    legend,
    '</svg>',
    '',
  ].join('\n');
}
