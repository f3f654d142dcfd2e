// examples/prometheus and examples/grafana: the alerting rules load and fire when they should
// (promtool, from Debian's `prometheus` package, which .ci/run installs), and every query of the
// rules and the dashboard names a metric the daemon really exports: a real scrape of its registry.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics.js';
import type { PeerStatus } from '../../src/speaker/api.js';

const PROMETHEUS = fileURLToPath(new URL('../../examples/prometheus/', import.meta.url));
const DASHBOARD = fileURLToPath(new URL('../../examples/grafana/announcer.json', import.meta.url));

function promtool(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile('promtool', args, { cwd: PROMETHEUS }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error('promtool is missing: apt-get install prometheus (.ci/run does)'));
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, output: stdout + stderr });
    });
  });
}

/** Every metric name a scrape of the daemon shows, with a peer (BFD on), a health check, an API call and a state change. */
async function exported(): Promise<Set<string>> {
  const peer: PeerStatus = {
    name: 'router1',
    address: '198.51.100.1',
    port: 179,
    asn: 65001,
    state: 'Established',
    since: 0,
    families: [],
    prefixesSent: 2,
    prefixesReceived: 0,
    messagesSent: 5,
    messagesReceived: 5,
    updatesSent: 1,
    updatesReceived: 0,
    bfd: { state: 'Up', flaps: 0 },
  } as PeerStatus;
  const metrics = createMetrics({ listPeers: () => [peer], healthChecks: () => [{ name: 'web', up: 2, down: 1, pending: 0, transitions: 3 }] });
  metrics.apiCall('AddPath', 'OK');
  metrics.peerStateChanged('router1', '198.51.100.1', 'OpenConfirm', 'Established');
  const text = await metrics.registry.metrics();
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const name = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line)?.[1];
    if (name) names.add(name);
  }
  return names;
}

/** The metric names in a PromQL expression: identifiers that are not functions, keywords or labels. */
function metricsIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, '{}') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
    .replace(/\[[^\]]*\]/g, '[]') // ranges
    .replace(/\$\w+/g, ''); // Grafana variables
  // A word followed by "(" is a function (or an aggregation); numbers are no names.
  const words = [...stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    .filter((m) => !/^\s*\(/.test(stripped.slice(m.index + m[0].length)) && !/[\d.]$/.test(stripped.slice(0, m.index)))
    .map((m) => m[0]);
  const keywords = new Set(['and', 'or', 'unless', 'offset', 'bool', 'by', 'without', 'on', 'ignoring']);
  return words.filter((w) => !keywords.has(w) && !/^\d/.test(w));
}

describe('examples/prometheus', () => {
  it('promtool check rules accepts the rules', async () => {
    const r = await promtool(['check', 'rules', 'announcer.rules.yaml']);
    expect(r.output).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it("promtool test rules: each alert fires when it should, and only then", async () => {
    const r = await promtool(['test', 'rules', 'announcer.rules.test.yaml']);
    expect(r.output).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('alerts on a daemon down, a session down, a flapping session, paths dropped to zero and health targets down, using exported metrics', async () => {
    const rules = parse(await readFile(`${PROMETHEUS}announcer.rules.yaml`, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.map((r) => r.alert)).toEqual(expect.arrayContaining(['AnnouncerDown', 'AnnouncerSessionDown', 'AnnouncerSessionFlapping', 'AnnouncerPathsDroppedToZero', 'AnnouncerHealthTargetsDown']));
    const names = await exported();
    for (const rule of all) {
      const used = metricsIn(rule.expr);
      expect(used.length, rule.alert).toBeGreaterThan(0);
      // `up` is Prometheus's own: whether the scrape of the daemon worked.
      for (const m of used) expect(m === 'up' || names.has(m), `${rule.alert}: ${m}`).toBe(true);
    }
  });
});

describe('examples/grafana', () => {
  interface Panel {
    title: string;
    type: string;
    targets?: { expr: string }[];
    datasource?: { uid: string };
  }

  it('every query names metrics the daemon exports, and every metric of its own is on the dashboard', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: Panel[]; templating: { list: { definition?: string }[] } };
    const names = await exported();
    const queries = [
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
      ...dashboard.templating.list.filter((v) => v.definition).map((v) => ({ where: 'variable', expr: v.definition!.replace(/^label_values\((.*),\s*\w+\)$/, '$1') })),
    ];
    expect(queries.length).toBeGreaterThan(10);
    const used = new Set<string>();
    for (const q of queries) {
      const metrics = metricsIn(q.expr);
      expect(metrics.length, `${q.where}: ${q.expr}`).toBeGreaterThan(0);
      for (const m of metrics) {
        expect(names.has(m), `${q.where}: ${m} is not a metric the daemon exports`).toBe(true);
        used.add(m);
      }
    }
    // The daemon's own metrics (not Node's process ones): sessions, state changes, paths, UPDATEs, API, BFD, health checks.
    const own = [...names].filter((n) => n.startsWith('announcer_peer_') || n.startsWith('announcer_api_') || n.startsWith('announcer_health_'));
    expect(own.length).toBeGreaterThan(8);
    for (const m of own) expect(used.has(m), `${m} is on no panel`).toBe(true);
    // Every panel with queries reads the dashboard's data source variable.
    for (const p of dashboard.panels.filter((x) => x.targets)) expect(p.datasource?.uid, p.title).toBe('${datasource}');
  });

  it('the metric-name reader sees through functions, matchers and label lists', () => {
    expect(metricsIn('sum by (instance, peer) (rate(announcer_peer_updates_sent_total{peer=~"$peer", code!="OK"}[$__rate_interval]))')).toEqual(['announcer_peer_updates_sent_total']);
    expect(metricsIn('a == 0 and on (instance, peer) b == 1 or vector(0)')).toEqual(['a', 'b']);
  });
});
