// Prometheus metrics: per-peer session figures and per-check health figures read at scrape time,
// plus API and FSM event counters, how late the event loop runs (what BFD and keepalives wait) and
// how late health probes start (whether each check's interval is kept).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { sampleLoopDelay } from './clock.js';
import type { HealthCheckStatus, HealthState, PeerStatus, StateName } from './speaker/api.js';

export interface MetricsSource {
  listPeers(): readonly PeerStatus[];
  /** Every configured health check with its targets counted by state (none configured: empty). */
  healthChecks(): readonly HealthCheckStatus[];
  /** Calls `listener` as each health probe starts, with its check and how late after it was due (ms). */
  onHealthProbeStart?(listener: (check: string, lagMs: number) => void): () => void;
}

export interface Metrics {
  /** This instance's own registry (never prom-client's global one, so instances never collide). */
  readonly registry: Registry;
  /** One API call finished; `code` is the gRPC status name, e.g. "OK", "INVALID_ARGUMENT". */
  apiCall(method: string, code: string): void;
  /** A session moved from one FSM state to another; `peer` is its name. */
  peerStateChanged(peer: string, address: string, from: string, to: string): void;
}

export interface MetricsOptions {
  /**
   * Starts sampling the event loop's delay, telling `report` each sample in milliseconds. Default:
   * a timer every 10 ms (clock.ts sampleLoopDelay). Tests give the samples by hand.
   */
  readonly sampleLoopDelay?: (report: (lateMs: number) => void) => void;
}

export interface MetricsServer {
  /** The address actually bound, "host:port" ("[::1]:port" for IPv6). */
  readonly address: string;
  close(): Promise<void>;
}

const PREFIX = 'announcer_';
/** How often the event loop's delay is sampled. */
const LOOP_DELAY_SAMPLE_MS = 10;
/** 1 ms to 1 s: a BFD session with 3 x 300 ms detection goes down somewhere past 0.9 s. */
const LOOP_DELAY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
/** 5 ms to 30 s: on time is a few ms; the log warns past a tenth of the interval (100 ms at 1 s). */
const PROBE_LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

// A Record over the union makes the compiler reject a state added to StateName but not here.
const STATE_SET: Record<StateName, true> = {
  Idle: true,
  Connect: true,
  Active: true,
  OpenSent: true,
  OpenConfirm: true,
  Established: true,
};
const PEER_STATES = Object.keys(STATE_SET) as StateName[];
/** The health states, each a count of HealthCheckStatus (order: the series as exported). */
const HEALTH_STATES = ['up', 'down', 'pending'] as const satisfies readonly (HealthState & keyof HealthCheckStatus)[];

/**
 * `read`, called at most once per scrape: prom-client calls every collect() synchronously within
 * one metrics() call, so a snapshot kept until the next microtask serves all of them.
 */
function perScrape<T>(read: () => T): () => T {
  let snapshot: { value: T } | undefined;
  return () => {
    if (snapshot === undefined) {
      snapshot = { value: read() };
      queueMicrotask(() => {
        snapshot = undefined;
      });
    }
    return snapshot.value;
  };
}

export function createMetrics(source: MetricsSource, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: PREFIX });

  // One listPeers() and one healthChecks() per scrape: the peer figures agree with each other, and
  // the health targets gauge with the transitions counter.
  const peers = perScrape(() => source.listPeers());
  const checks = perScrape(() => source.healthChecks());

  /** A per-peer gauge whose value is read from PeerStatus at scrape time; gone peers disappear. */
  const peerGauge = (name: string, help: string, value: (p: PeerStatus) => number): void => {
    new Gauge({
      name: PREFIX + name,
      help,
      labelNames: ['peer', 'address'],
      registers,
      collect() {
        this.reset();
        for (const p of peers()) this.set({ peer: p.name, address: p.address }, value(p));
      },
    });
  };

  // PeerStatus counts only ever grow for the life of a session object, so these are true counters
  // (rate() works, and a new session object reads to Prometheus as an ordinary counter reset).
  // prom-client counters only increment, so collect() resets and increments by the current total.
  const peerCounter = (name: string, help: string, value: (p: PeerStatus) => number): void => {
    new Counter({
      name: PREFIX + name,
      help,
      labelNames: ['peer', 'address'],
      registers,
      collect() {
        this.reset();
        for (const p of peers()) this.inc({ peer: p.name, address: p.address }, value(p));
      },
    });
  };

  peerGauge('peer_up', 'Whether the BGP session is Established (1) or not (0).', (p) =>
    p.state === 'Established' ? 1 : 0,
  );
  new Gauge({
    name: `${PREFIX}peer_state`,
    help: 'BGP FSM state of the session: 1 for the current state, 0 for the others.',
    labelNames: ['peer', 'address', 'state'],
    registers,
    collect() {
      this.reset();
      for (const p of peers()) {
        for (const state of PEER_STATES) this.set({ peer: p.name, address: p.address, state }, p.state === state ? 1 : 0);
      }
    },
  });
  peerCounter('peer_messages_sent_total', 'BGP messages sent to the peer.', (p) => p.messagesSent);
  peerCounter('peer_messages_received_total', 'BGP messages received from the peer.', (p) => p.messagesReceived);
  peerCounter('peer_updates_sent_total', 'BGP UPDATE messages sent to the peer.', (p) => p.updatesSent);
  peerCounter('peer_updates_received_total', 'BGP UPDATE messages received from the peer.', (p) => p.updatesReceived);
  peerGauge('peer_paths_announced', 'Paths currently announced to the peer.', (p) => p.prefixesSent);
  peerGauge('peer_bfd_flaps', 'Times the BFD session on the peer\'s link went down from Up (0 without BFD).', (p) => p.bfd?.flaps ?? 0);
  peerGauge('peer_paths_received', 'Paths currently received from the peer.', (p) => p.prefixesReceived);

  // Every state of every configured check, 0 included: a check with no targets (no path names it
  // yet) still shows, and `== 0` alerts work without absent().
  new Gauge({
    name: `${PREFIX}health_targets`,
    help: 'Health check targets by state: up (announced), down (withdrawn or demoted), pending (not probed yet).',
    labelNames: ['check', 'state'],
    registers,
    collect() {
      this.reset();
      for (const c of checks()) for (const state of HEALTH_STATES) this.set({ check: c.name, state }, c[state]);
    },
  });
  // Only grows while the daemon runs (a restart reads as a counter reset), like the peer counts.
  new Counter({
    name: `${PREFIX}health_transitions_total`,
    help: 'Health check targets going from up to down or from down to up.',
    labelNames: ['check'],
    registers,
    collect() {
      this.reset();
      for (const c of checks()) this.inc({ check: c.name }, c.transitions);
    },
  });

  // Observed as each probe starts (a thousand targets at 1 s: a thousand observations a second, each
  // a bucket search). Every configured check has its series from the start, at 0.
  const probeLag = new Histogram({
    name: `${PREFIX}health_probe_lag_seconds`,
    help: 'How late health check probes started after they were due: near 0 while every target is probed every interval.',
    labelNames: ['check'],
    buckets: PROBE_LAG_BUCKETS,
    registers,
  });
  for (const c of source.healthChecks()) probeLag.zero({ check: c.name });
  source.onHealthProbeStart?.((check, lagMs) => probeLag.observe({ check }, lagMs / 1000));

  const stateChanges = new Counter({
    name: `${PREFIX}peer_state_changes_total`,
    help: 'BGP FSM state transitions.',
    labelNames: ['peer', 'address', 'from', 'to'],
    registers,
  });
  const apiCalls = new Counter({
    name: `${PREFIX}api_calls_total`,
    help: 'gRPC API calls by method and status code.',
    labelNames: ['method', 'code'],
    registers,
  });

  // Sampled, not measured at the source: a block of any kind (a large call, the GC, the disk) shows.
  const loopDelay = new Histogram({
    name: `${PREFIX}event_loop_delay_seconds`,
    help: `How late the event loop ran a timer due every ${LOOP_DELAY_SAMPLE_MS} ms: what BFD, keepalives and API calls waited.`,
    buckets: LOOP_DELAY_BUCKETS,
    registers,
  });
  let maxDelay = 0;
  new Gauge({
    name: `${PREFIX}event_loop_delay_max_seconds`,
    help: 'The longest event loop delay sampled since start.',
    registers,
    collect() {
      this.set(maxDelay);
    },
  });
  // The sampler's timer does not keep the process alive: nothing needs to stop it.
  (options.sampleLoopDelay ?? ((report) => sampleLoopDelay(LOOP_DELAY_SAMPLE_MS, report)))((ms) => {
    const seconds = ms / 1000;
    loopDelay.observe(seconds);
    if (seconds > maxDelay) maxDelay = seconds;
  });

  return {
    registry,
    apiCall(method, code) {
      apiCalls.inc({ method, code });
    },
    peerStateChanged(peer, address, from, to) {
      stateChanges.inc({ peer, address, from, to });
    },
  };
}

/** Splits "127.0.0.1:9179" or "[::1]:9179" into host and port; throws naming the bad part. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (m === null || host === undefined) {
    throw new Error(`metrics address "${address}": expected HOST:PORT, e.g. 127.0.0.1:9179 or [::1]:9179`);
  }
  const family = isIP(host);
  if (family === 0 || (family === 6) !== (m[1] !== undefined)) {
    throw new Error(`metrics address "${address}": "${host}" is not an IP address (IPv6 goes in brackets)`);
  }
  if (port > 65535) throw new Error(`metrics address "${address}": port ${port} is out of range 0-65535`);
  return { host, port };
}

const INDEX_PAGE =
  '<!doctype html><html><head><title>announcer</title></head>' +
  '<body><h1>announcer</h1><p><a href="/metrics">Metrics</a></p></body></html>\n';

export async function startMetricsServer(metrics: Metrics, address: string): Promise<MetricsServer> {
  const { host, port } = parseListenAddress(address);

  const send = (req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string): void => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(req, res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/metrics') {
      send(req, res, 200, metrics.registry.contentType, await metrics.registry.metrics());
    } else if (path === '/') {
      send(req, res, 200, 'text/html; charset=utf-8', INDEX_PAGE);
    } else {
      send(req, res, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(req, res, 500, 'text/plain; charset=utf-8', `collecting metrics failed: ${String(err)}\n`);
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const bound = server.address() as AddressInfo;
  return {
    address: bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Scrapers keep connections alive; idle ones would otherwise hold close() open.
        server.closeIdleConnections();
      }),
  };
}
