// Health checks for tests against the real speaker: a check that probes often and decides on one
// result, and a prober that answers from tables instead of the network.

import type { ExpandedProbe } from '../../src/health/expand.js';
import type { Prober, ProbeResult } from '../../src/health/prober.js';
import type { HealthCheckSpec } from '../../src/health/spec.js';

/**
 * A prober that answers from tables the test edits: a result set for the URL, else HTTP 503 while
 * the URL's host is in `down`, else a pass. It records every URL it probed.
 */
export class FakeProber implements Prober {
  readonly results = new Map<string, ProbeResult>();
  readonly down = new Set<string>();
  readonly probed: string[] = [];
  get probes(): number {
    return this.probed.length;
  }
  probe(target: ExpandedProbe): Promise<ProbeResult> {
    const url = target.kind === 'http' ? target.url : '';
    this.probed.push(url);
    const host = url === '' ? '' : new URL(url).hostname;
    return Promise.resolve(this.results.get(url) ?? (this.down.has(host) ? { ok: false, detail: 'HTTP 503' } : { ok: true, detail: 'HTTP 200' }));
  }
}

/** `web`: http://{nextHop}:80/healthz every 20 ms, one result up or down, withdrawn while down. */
export function webCheck(over: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return {
    name: 'web',
    probe: { kind: 'http', url: 'http://{nextHop}:80/healthz', method: 'GET', headers: {}, timeout: 1_000, insecureSkipVerify: false },
    interval: 20,
    rise: 1,
    fall: 1,
    initial: 'down',
    onFail: { action: 'withdraw' },
    ...over,
  };
}
