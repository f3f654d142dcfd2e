// The Prometheus endpoint as a scraper sees it: exact sample lines that follow the speaker's peers
// and health checks.

import { createServer as createNetServer } from 'node:net';
import { register as globalRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, parseListenAddress, startMetricsServer, type MetricsServer } from '../src/metrics.js';
import { silentLogger } from '../src/log.js';
import type { HealthCheckStatus, PeerStatus } from '../src/speaker/api.js';
import { Speaker } from '../src/speaker/speaker.js';
import { eventually } from './api/fixture.js';
import { FakeProber, webCheck } from './api/health-fixture.js';

function peer(address: string, fields: Partial<PeerStatus> = {}): PeerStatus {
  return {
    name: address,
    address,
    port: 179,
    asn: 65001,
    state: 'Idle',
    since: 0,
    families: [],
    prefixesSent: 0,
    prefixesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    updatesSent: 0,
    updatesReceived: 0,
    ...fields,
  };
}

/** A source that is just data: tests replace `peers` and `checks` between scrapes. */
function fakeSource(peers: PeerStatus[] = [], checks: HealthCheckStatus[] = []) {
  const source = {
    peers,
    checks,
    calls: 0,
    checkCalls: 0,
    listPeers(): PeerStatus[] {
      source.calls++;
      return source.peers;
    },
    healthChecks(): HealthCheckStatus[] {
      source.checkCalls++;
      return source.checks;
    },
  };
  return source;
}

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(metrics: ReturnType<typeof createMetrics>): Promise<MetricsServer> {
  const server = await startMetricsServer(metrics, '127.0.0.1:0');
  servers.push(server);
  return server;
}

/** The sample lines (no comments) of the metrics whose names start with `prefix`. */
async function samples(server: MetricsServer, prefix: string): Promise<string[]> {
  const res = await fetch(`http://${server.address}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .sort();
}

const STATES = ['Active', 'Connect', 'Established', 'Idle', 'OpenConfirm', 'OpenSent'];

describe('per-peer metrics', () => {
  it('exposes every per-peer figure of every peer as exact samples', async () => {
    const source = fakeSource([
      peer('198.51.100.1', {
        state: 'Established',
        messagesSent: 12,
        messagesReceived: 10,
        updatesSent: 4,
        updatesReceived: 2,
        prefixesSent: 3,
        prefixesReceived: 1,
      }),
      peer('2001:db8::1', { state: 'Active' }),
    ]);
    const server = await serve(createMetrics(source));
    const lines = await samples(server, 'announcer_peer_');

    expect(lines).toEqual(
      [
        'announcer_peer_up{peer="198.51.100.1",address="198.51.100.1"} 1',
        'announcer_peer_up{peer="2001:db8::1",address="2001:db8::1"} 0',
        ...STATES.map((s) => `announcer_peer_state{peer="198.51.100.1",address="198.51.100.1",state="${s}"} ${s === 'Established' ? 1 : 0}`),
        ...STATES.map((s) => `announcer_peer_state{peer="2001:db8::1",address="2001:db8::1",state="${s}"} ${s === 'Active' ? 1 : 0}`),
        'announcer_peer_messages_sent_total{peer="198.51.100.1",address="198.51.100.1"} 12',
        'announcer_peer_messages_sent_total{peer="2001:db8::1",address="2001:db8::1"} 0',
        'announcer_peer_messages_received_total{peer="198.51.100.1",address="198.51.100.1"} 10',
        'announcer_peer_messages_received_total{peer="2001:db8::1",address="2001:db8::1"} 0',
        'announcer_peer_updates_sent_total{peer="198.51.100.1",address="198.51.100.1"} 4',
        'announcer_peer_updates_sent_total{peer="2001:db8::1",address="2001:db8::1"} 0',
        'announcer_peer_updates_received_total{peer="198.51.100.1",address="198.51.100.1"} 2',
        'announcer_peer_updates_received_total{peer="2001:db8::1",address="2001:db8::1"} 0',
        'announcer_peer_paths_announced{peer="198.51.100.1",address="198.51.100.1"} 3',
        'announcer_peer_paths_announced{peer="2001:db8::1",address="2001:db8::1"} 0',
        'announcer_peer_bfd_flaps{peer="198.51.100.1",address="198.51.100.1"} 0',
        'announcer_peer_bfd_flaps{peer="2001:db8::1",address="2001:db8::1"} 0',
        'announcer_peer_paths_received{peer="198.51.100.1",address="198.51.100.1"} 1',
        'announcer_peer_paths_received{peer="2001:db8::1",address="2001:db8::1"} 0',
      ].sort(),
    );
  });

  it("labels a peer by its name, with its address beside it", async () => {
    const source = fakeSource([peer('198.51.100.1', { name: 'router1', state: 'Established', prefixesSent: 3 })]);
    const metrics = createMetrics(source);
    const server = await serve(metrics);
    expect(await samples(server, 'announcer_peer_up{')).toEqual(['announcer_peer_up{peer="router1",address="198.51.100.1"} 1']);
    expect(await samples(server, 'announcer_peer_paths_announced{')).toEqual(['announcer_peer_paths_announced{peer="router1",address="198.51.100.1"} 3']);
    metrics.peerStateChanged('router1', '198.51.100.1', 'OpenConfirm', 'Established');
    expect(await samples(server, 'announcer_peer_state_changes_total')).toEqual([
      'announcer_peer_state_changes_total{peer="router1",address="198.51.100.1",from="OpenConfirm",to="Established"} 1',
    ]);
  });

  it('follows the source from scrape to scrape: new values, new states, peers that come and go', async () => {
    const source = fakeSource([peer('198.51.100.1', { state: 'OpenSent', messagesSent: 1 })]);
    const server = await serve(createMetrics(source));

    expect(await samples(server, 'announcer_peer_up{')).toEqual(['announcer_peer_up{peer="198.51.100.1",address="198.51.100.1"} 0']);
    expect(await samples(server, 'announcer_peer_messages_sent_total')).toEqual([
      'announcer_peer_messages_sent_total{peer="198.51.100.1",address="198.51.100.1"} 1',
    ]);

    source.peers = [
      peer('198.51.100.1', { state: 'Established', messagesSent: 7, updatesSent: 5, prefixesSent: 2 }),
      peer('198.51.100.9', { state: 'Connect' }),
    ];
    expect(await samples(server, 'announcer_peer_up{')).toEqual([
      'announcer_peer_up{peer="198.51.100.1",address="198.51.100.1"} 1',
      'announcer_peer_up{peer="198.51.100.9",address="198.51.100.9"} 0',
    ]);
    expect(await samples(server, 'announcer_peer_state{peer="198.51.100.1",address="198.51.100.1"')).toEqual(
      STATES.map((s) => `announcer_peer_state{peer="198.51.100.1",address="198.51.100.1",state="${s}"} ${s === 'Established' ? 1 : 0}`).sort(),
    );
    expect(await samples(server, 'announcer_peer_messages_sent_total')).toEqual([
      'announcer_peer_messages_sent_total{peer="198.51.100.1",address="198.51.100.1"} 7',
      'announcer_peer_messages_sent_total{peer="198.51.100.9",address="198.51.100.9"} 0',
    ]);
    expect(await samples(server, 'announcer_peer_updates_sent_total{peer="198.51.100.1",address="198.51.100.1"}')).toEqual([
      'announcer_peer_updates_sent_total{peer="198.51.100.1",address="198.51.100.1"} 5',
    ]);
    expect(await samples(server, 'announcer_peer_paths_announced{peer="198.51.100.1",address="198.51.100.1"}')).toEqual([
      'announcer_peer_paths_announced{peer="198.51.100.1",address="198.51.100.1"} 2',
    ]);

    // A removed peer leaves no stale series behind.
    source.peers = [peer('198.51.100.9', { state: 'Idle' })];
    const after = await samples(server, 'announcer_peer_');
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((line) => line.includes('198.51.100.1'))).toEqual([]);
    expect(await samples(server, 'announcer_peer_up{')).toEqual(['announcer_peer_up{peer="198.51.100.9",address="198.51.100.9"} 0']);

    source.peers = [];
    expect(await samples(server, 'announcer_peer_')).toEqual([]);
  });

  it('reads the source once per scrape, so every metric of a scrape agrees', async () => {
    const source = fakeSource([peer('198.51.100.1')]);
    const server = await serve(createMetrics(source));
    await samples(server, 'announcer_');
    expect(source.calls).toBe(1);
    await samples(server, 'announcer_');
    expect(source.calls).toBe(2);
  });

  it('declares the session counts as counters and the rest as gauges', async () => {
    const server = await serve(createMetrics(fakeSource([peer('198.51.100.1')])));
    const text = await (await fetch(`http://${server.address}/metrics`)).text();
    for (const name of [
      'peer_messages_sent_total',
      'peer_messages_received_total',
      'peer_updates_sent_total',
      'peer_updates_received_total',
      'peer_state_changes_total',
      'api_calls_total',
    ]) {
      expect(text).toContain(`# TYPE announcer_${name} counter\n`);
    }
    for (const name of ['peer_up', 'peer_state', 'peer_paths_announced', 'peer_paths_received']) {
      expect(text).toContain(`# TYPE announcer_${name} gauge\n`);
    }
  });
});

describe('health check metrics', () => {
  it('counts each check\'s targets by state, every state shown, and its transitions', async () => {
    const source = fakeSource(
      [],
      [
        { name: 'web', up: 2, down: 1, pending: 0, transitions: 5 },
        { name: 'dns', up: 0, down: 0, pending: 3, transitions: 0 },
      ],
    );
    const server = await serve(createMetrics(source));
    expect(await samples(server, 'announcer_health_t')).toEqual(
      [
        'announcer_health_targets{check="web",state="up"} 2',
        'announcer_health_targets{check="web",state="down"} 1',
        'announcer_health_targets{check="web",state="pending"} 0',
        'announcer_health_targets{check="dns",state="up"} 0',
        'announcer_health_targets{check="dns",state="down"} 0',
        'announcer_health_targets{check="dns",state="pending"} 3',
        'announcer_health_transitions_total{check="web"} 5',
        'announcer_health_transitions_total{check="dns"} 0',
      ].sort(),
    );
  });

  it('follows the speaker from scrape to scrape, reading it once per scrape', async () => {
    const source = fakeSource([], [{ name: 'web', up: 0, down: 0, pending: 3, transitions: 0 }]);
    const server = await serve(createMetrics(source));
    source.checkCalls = 0; // read once at creation: the configured checks' lag series
    expect(await samples(server, 'announcer_health_targets{check="web",state="pending"}')).toEqual(['announcer_health_targets{check="web",state="pending"} 3']);
    expect(source.checkCalls).toBe(1);

    // Two targets came up, one went down and back up since.
    source.checks = [{ name: 'web', up: 3, down: 0, pending: 0, transitions: 2 }];
    expect(await samples(server, 'announcer_health_t')).toEqual(
      [
        'announcer_health_targets{check="web",state="up"} 3',
        'announcer_health_targets{check="web",state="down"} 0',
        'announcer_health_targets{check="web",state="pending"} 0',
        'announcer_health_transitions_total{check="web"} 2',
      ].sort(),
    );
    expect(source.checkCalls).toBe(2);

    // A daemon without health checks shows none of these series.
    source.checks = [];
    expect(await samples(server, 'announcer_health_t')).toEqual([]);
  });

  it("reads the real speaker's checks: a target shared by paths counted once, out of pending no transition, down to up one", async () => {
    const prober = new FakeProber();
    prober.results.set('http://198.51.100.12:80/healthz', { ok: false, detail: 'HTTP 503' });
    const speaker = new Speaker(
      { asn: 65000, routerId: '192.0.2.1', nextHop: 'self', peers: [], healthChecks: [webCheck(), webCheck({ name: 'idle' })], prober },
      silentLogger,
    );
    await speaker.start();
    try {
      const server = await serve(createMetrics(speaker));
      await speaker.addPaths([
        { prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' },
        { prefix: '203.0.113.11', nextHop: '198.51.100.11', check: 'web' },
        { prefix: '203.0.113.12', nextHop: '198.51.100.12', check: 'web' },
      ]);
      const web = () => samples(server, 'announcer_health_targets{check="web"');
      await eventually(async () => (await web()).includes('announcer_health_targets{check="web",state="down"} 1'));
      expect(await web()).toEqual(
        ['announcer_health_targets{check="web",state="up"} 1', 'announcer_health_targets{check="web",state="down"} 1', 'announcer_health_targets{check="web",state="pending"} 0'].sort(),
      );
      // A check no path names: there, with nothing in it.
      expect(await samples(server, 'announcer_health_targets{check="idle"')).toEqual(
        ['announcer_health_targets{check="idle",state="up"} 0', 'announcer_health_targets{check="idle",state="down"} 0', 'announcer_health_targets{check="idle",state="pending"} 0'].sort(),
      );
      // Out of pending is no transition; down -> up is one.
      expect(await samples(server, 'announcer_health_transitions_total{check="web"}')).toEqual(['announcer_health_transitions_total{check="web"} 0']);
      prober.results.delete('http://198.51.100.12:80/healthz');
      await eventually(async () => (await web()).includes('announcer_health_targets{check="web",state="up"} 2'));
      expect(await samples(server, 'announcer_health_transitions_total{check="web"}')).toEqual(['announcer_health_transitions_total{check="web"} 1']);
    } finally {
      await speaker.stop();
    }
  });

  it('how late probes start: a histogram per configured check, there at 0 from the start, each probe start observed', async () => {
    let told: ((check: string, lagMs: number) => void) | undefined;
    const source = {
      ...fakeSource([], [{ name: 'web', up: 0, down: 0, pending: 0, transitions: 0 }, { name: 'script', up: 0, down: 0, pending: 0, transitions: 0 }]),
      onHealthProbeStart(listener: (check: string, lagMs: number) => void) {
        told = listener;
        return () => undefined;
      },
    };
    const server = await serve(createMetrics(source));
    const lag = (check: string) => samples(server, `announcer_health_probe_lag_seconds_`).then((l) => l.filter((s) => s.includes(`check="${check}"`)));
    expect(await lag('web')).toContain('announcer_health_probe_lag_seconds_count{check="web"} 0');
    expect(await lag('script')).toContain('announcer_health_probe_lag_seconds_count{check="script"} 0');
    // The web probes on time; the scripts 2.5 s and 7 s late (two at a time cannot serve them all).
    told!('web', 0);
    told!('web', 3);
    told!('script', 2_500);
    told!('script', 7_000);
    const script = await lag('script');
    expect(script).toContain('announcer_health_probe_lag_seconds_bucket{le="1",check="script"} 0');
    expect(script).toContain('announcer_health_probe_lag_seconds_bucket{le="2.5",check="script"} 1');
    expect(script).toContain('announcer_health_probe_lag_seconds_bucket{le="10",check="script"} 2');
    expect(script).toContain('announcer_health_probe_lag_seconds_sum{check="script"} 9.5');
    expect(await lag('web')).toContain('announcer_health_probe_lag_seconds_bucket{le="0.005",check="web"} 2');
    const text = await (await fetch(`http://${server.address}/metrics`)).text();
    expect(text).toContain('# TYPE announcer_health_probe_lag_seconds histogram\n');
  });

  it("observes the real speaker's probes as they start", async () => {
    const prober = new FakeProber();
    const speaker = new Speaker({ asn: 65000, routerId: '192.0.2.1', nextHop: 'self', peers: [], healthChecks: [webCheck()], prober }, silentLogger);
    await speaker.start();
    try {
      const server = await serve(createMetrics(speaker));
      await speaker.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' }]);
      const count = async () => Number((await samples(server, 'announcer_health_probe_lag_seconds_count{check="web"}'))[0]?.split(' ')[1]);
      await eventually(async () => (await count()) >= 3);
      expect(await count()).toBeLessThanOrEqual(prober.probes);
    } finally {
      await speaker.stop();
    }
  });

  it('declares the targets a gauge and the transitions a counter', async () => {
    const server = await serve(createMetrics(fakeSource([], [{ name: 'web', up: 1, down: 0, pending: 0, transitions: 0 }])));
    const text = await (await fetch(`http://${server.address}/metrics`)).text();
    expect(text).toContain('# TYPE announcer_health_targets gauge\n');
    expect(text).toContain('# TYPE announcer_health_transitions_total counter\n');
  });
});

describe('event counters', () => {
  it('counts API calls by method and gRPC status name', async () => {
    const metrics = createMetrics(fakeSource());
    const server = await serve(metrics);
    expect(await samples(server, 'announcer_api_calls_total')).toEqual([]);

    metrics.apiCall('AddPath', 'OK');
    metrics.apiCall('AddPath', 'OK');
    metrics.apiCall('AddPath', 'INVALID_ARGUMENT');
    metrics.apiCall('DeletePath', 'NOT_FOUND');
    expect(await samples(server, 'announcer_api_calls_total')).toEqual([
      'announcer_api_calls_total{method="AddPath",code="INVALID_ARGUMENT"} 1',
      'announcer_api_calls_total{method="AddPath",code="OK"} 2',
      'announcer_api_calls_total{method="DeletePath",code="NOT_FOUND"} 1',
    ]);

    metrics.apiCall('DeletePath', 'NOT_FOUND');
    expect(await samples(server, 'announcer_api_calls_total{method="DeletePath"')).toEqual([
      'announcer_api_calls_total{method="DeletePath",code="NOT_FOUND"} 2',
    ]);
  });

  it('counts session state changes by peer, from and to', async () => {
    const metrics = createMetrics(fakeSource());
    const server = await serve(metrics);
    metrics.peerStateChanged('198.51.100.1', '198.51.100.1', 'Idle', 'Connect');
    metrics.peerStateChanged('198.51.100.1', '198.51.100.1', 'Connect', 'OpenSent');
    metrics.peerStateChanged('198.51.100.1', '198.51.100.1', 'Idle', 'Connect');
    metrics.peerStateChanged('2001:db8::1', '2001:db8::1', 'Established', 'Idle');
    expect(await samples(server, 'announcer_peer_state_changes_total')).toEqual([
      'announcer_peer_state_changes_total{peer="198.51.100.1",address="198.51.100.1",from="Connect",to="OpenSent"} 1',
      'announcer_peer_state_changes_total{peer="198.51.100.1",address="198.51.100.1",from="Idle",to="Connect"} 2',
      'announcer_peer_state_changes_total{peer="2001:db8::1",address="2001:db8::1",from="Established",to="Idle"} 1',
    ]);
  });
});

describe('event loop delay', () => {
  it('is a histogram from 1 ms to 1 s of the sampled delays, with the longest since start beside it', async () => {
    let report: (lateMs: number) => void = () => {};
    const server = await serve(createMetrics(fakeSource(), { sampleLoopDelay: (r) => void (report = r) }));
    expect(await samples(server, 'announcer_event_loop_delay')).toEqual(
      [
        ...['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '+Inf'].map((le) => `announcer_event_loop_delay_seconds_bucket{le="${le}"} 0`),
        'announcer_event_loop_delay_seconds_sum 0',
        'announcer_event_loop_delay_seconds_count 0',
        'announcer_event_loop_delay_max_seconds 0',
      ].sort(),
    );
    // Milliseconds in, seconds out: an idle turn, a busy one, a 30 ms block, one BFD would not survive.
    for (const ms of [0.5, 3, 30, 1500, 2]) report(ms);
    const counts: Record<string, number> = { '0.001': 1, '0.0025': 2, '0.005': 3, '0.01': 3, '0.025': 3, '0.05': 4, '0.1': 4, '0.25': 4, '0.5': 4, '1': 4, '+Inf': 5 };
    expect(await samples(server, 'announcer_event_loop_delay')).toEqual(
      [
        ...Object.entries(counts).map(([le, n]) => `announcer_event_loop_delay_seconds_bucket{le="${le}"} ${n}`),
        'announcer_event_loop_delay_seconds_sum 1.5355',
        'announcer_event_loop_delay_seconds_count 5',
        'announcer_event_loop_delay_max_seconds 1.5',
      ].sort(),
    );
    const text = await (await fetch(`http://${server.address}/metrics`)).text();
    expect(text).toContain('# TYPE announcer_event_loop_delay_seconds histogram\n');
    expect(text).toContain('# TYPE announcer_event_loop_delay_max_seconds gauge\n');
  });

  it('is sampled by a timer of its own by default', async () => {
    const server = await serve(createMetrics(fakeSource()));
    await eventually(async () => (await samples(server, 'announcer_event_loop_delay_seconds_count')).some((l) => !l.endsWith(' 0')));
    const [max] = await samples(server, 'announcer_event_loop_delay_max_seconds');
    expect(Number(max!.split(' ')[1])).toBeGreaterThanOrEqual(0);
  });
});

describe('the HTTP endpoint', () => {
  it('serves the Prometheus text format with its content type, default process metrics included', async () => {
    const server = await serve(createMetrics(fakeSource()));
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.address).not.toBe('127.0.0.1:0');
    const res = await fetch(`http://${server.address}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toMatch(/^announcer_process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^announcer_process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^announcer_nodejs_version_info\{/m);
    // Only our prefix: nothing unprefixed leaks in from the defaults.
    const names = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(names.filter((l) => !l.startsWith('announcer_'))).toEqual([]);
  });

  it('serves a tiny index page linking /metrics, and ignores query strings', async () => {
    const server = await serve(createMetrics(fakeSource()));
    const index = await fetch(`http://${server.address}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await index.text()).toContain('<a href="/metrics">');
    const withQuery = await fetch(`http://${server.address}/metrics?x=1`);
    expect(withQuery.status).toBe(200);
    await withQuery.text();
  });

  it('answers HEAD with headers and no body', async () => {
    const server = await serve(createMetrics(fakeSource()));
    const res = await fetch(`http://${server.address}/metrics`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toBe('');
  });

  it('answers 404 for other paths and 405 (with Allow) for other methods', async () => {
    const server = await serve(createMetrics(fakeSource()));
    for (const path of ['/metric', '/metrics/', '/favicon.ico']) {
      const res = await fetch(`http://${server.address}${path}`);
      expect(res.status, path).toBe(404);
      await res.text();
    }
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(`http://${server.address}/metrics`, { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      await res.text();
    }
  });

  it('close() frees the port, even after a keep-alive scrape', async () => {
    const server = await startMetricsServer(createMetrics(fakeSource()), '127.0.0.1:0');
    const port = Number(server.address.split(':')[1]);
    await (await fetch(`http://${server.address}/metrics`)).text();
    await server.close();

    await expect(fetch(`http://${server.address}/metrics`)).rejects.toThrow();
    const probe = createNetServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  it('rejects when the port is taken', async () => {
    const first = await serve(createMetrics(fakeSource()));
    await expect(startMetricsServer(createMetrics(fakeSource()), first.address)).rejects.toThrow(/EADDRINUSE/);
  });

  it('binds an IPv6 address given in brackets', async (ctx) => {
    let server: MetricsServer;
    try {
      server = await startMetricsServer(createMetrics(fakeSource()), '[::1]:0');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') ctx.skip();
      throw err;
    }
    servers.push(server);
    expect(server.address).toMatch(/^\[::1\]:\d+$/);
    const res = await fetch(`http://${server.address}/metrics`);
    expect(res.status).toBe(200);
    await res.text();
  });
});

describe('listen addresses', () => {
  it('parses IPv4 and bracketed IPv6 host:port', () => {
    expect(parseListenAddress('127.0.0.1:9179')).toEqual({ host: '127.0.0.1', port: 9179 });
    expect(parseListenAddress('[::1]:9179')).toEqual({ host: '::1', port: 9179 });
    expect(parseListenAddress('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
  });

  it.each([
    ['127.0.0.1', /expected HOST:PORT/],
    ['::1:9179', /expected HOST:PORT/],
    ['127.0.0.1:', /expected HOST:PORT/],
    ['127.0.0.1:abc', /expected HOST:PORT/],
    ['localhost:9179', /not an IP address/],
    ['[127.0.0.1]:9179', /not an IP address/],
    ['[::1:9179', /expected HOST:PORT/],
    ['127.0.0.1:65536', /out of range/],
  ])('refuses %s', (address, message) => {
    expect(() => parseListenAddress(address)).toThrow(message);
  });
});

describe('several instances', () => {
  it('keep separate registries and counts, and leave the global registry alone', async () => {
    const globalBefore = globalRegistry.getMetricsAsArray().length;
    const a = createMetrics(fakeSource([peer('198.51.100.1', { state: 'Established' })]));
    const b = createMetrics(fakeSource([peer('198.51.100.2')]));
    expect(a.registry).not.toBe(b.registry);
    expect(globalRegistry.getMetricsAsArray().length).toBe(globalBefore);

    a.apiCall('ListPaths', 'OK');
    const [sa, sb] = await Promise.all([serve(a), serve(b)]);
    expect(await samples(sa, 'announcer_peer_up{')).toEqual(['announcer_peer_up{peer="198.51.100.1",address="198.51.100.1"} 1']);
    expect(await samples(sb, 'announcer_peer_up{')).toEqual(['announcer_peer_up{peer="198.51.100.2",address="198.51.100.2"} 0']);
    expect(await samples(sa, 'announcer_api_calls_total')).toEqual([
      'announcer_api_calls_total{method="ListPaths",code="OK"} 1',
    ]);
    expect(await samples(sb, 'announcer_api_calls_total')).toEqual([]);
  });
});
