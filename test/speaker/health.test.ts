// Paths that name a health check, at the speaker's API: what list shows of their health, a check
// the config does not have refused by name, and the check kept in the state file over a restart (a
// stored path whose check the config has no more is left out).
// Probes are a table the test edits; time is a ManualClock.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { HealthCheckSpec } from '../../src/health/spec.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { RequestError } from '../../src/rib/request-error.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { pino } from 'pino';
import { StateStore, StoredState } from '../../src/store/state-store.js';
import { FakeProber } from '../api/health-fixture.js';

const web: HealthCheckSpec = {
  name: 'web',
  probe: { kind: 'http', url: 'http://{nextHop}:8080/healthz', method: 'GET', headers: {}, timeout: 500, insecureSkipVerify: false },
  interval: 1000,
  rise: 1,
  fall: 1,
  initial: 'down',
  onFail: { action: 'withdraw' },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ann-health-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function speaker(store: StateStore | null = null, log: Logger = silentLogger) {
  const clock = new ManualClock();
  const prober = new FakeProber();
  const s = new Speaker({ asn: 65000, routerId: '192.0.2.1', nextHop: '198.51.100.2', peers: [], healthChecks: [web], prober }, log, clock, store);
  // In small steps, results delivered between them: a probe answers long before its timeout.
  const tick = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      clock.advance(50);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  };
  return { s, clock, prober, tick };
}

describe('health checks at the speaker', () => {
  it('list shows each checked path: pending, then up, then down with why; the table keeps it throughout', async () => {
    const { s, prober, tick } = speaker();
    await s.addPaths([
      { prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' },
      { prefix: '203.0.113.10', nextHop: '198.51.100.12', check: 'web' },
      { prefix: '203.0.113.20', nextHop: '198.51.100.12' },
    ]);
    const health = () => s.listPaths().map((p) => `${p.prefix} ${p.nextHop} ${p.check ?? '-'} ${p.health ? `${p.health.state}/${p.health.effect}${p.health.lastError ? ` ${p.health.lastError}` : ''} ${p.health.target}` : ''}`.trim());
    expect(health()).toEqual([
      '203.0.113.10/32 198.51.100.11 web pending/withdrawn http://198.51.100.11:8080/healthz',
      '203.0.113.10/32 198.51.100.12 web pending/withdrawn http://198.51.100.12:8080/healthz',
      '203.0.113.20/32 198.51.100.12 -',
    ]);
    prober.down.add('198.51.100.12');
    await tick(1000);
    expect(health()).toEqual([
      '203.0.113.10/32 198.51.100.11 web up/announced http://198.51.100.11:8080/healthz',
      '203.0.113.10/32 198.51.100.12 web down/withdrawn HTTP 503 http://198.51.100.12:8080/healthz',
      '203.0.113.20/32 198.51.100.12 -',
    ]);
    expect(s.healthChecks()).toEqual([{ name: 'web', up: 1, down: 1, pending: 0, transitions: 0 }]);
    // Deleting the paths stops their probes.
    await s.deletePaths({ prefix: '203.0.113.10' });
    const before = prober.probes;
    await tick(5000);
    expect(prober.probes).toBe(before);
    await s.stop();
  });

  it('refuses a check the config does not have, naming the field and the checks it has', async () => {
    const { s } = speaker();
    const err = await s.addPaths([{ prefix: '203.0.113.10' }, { prefix: '203.0.113.11', check: 'dns' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect((err as RequestError).field).toBe('paths[1].check');
    expect((err as Error).message).toBe('paths[1].check: unknown health check "dns" (configured: web)');
    expect(s.listPaths()).toEqual([]);
    await expect(s.replacePaths('lb', [{ prefix: '203.0.113.12', check: 'nope' }])).rejects.toThrow('paths[0].check: unknown health check "nope"');
    await s.stop();
  });

  it('keeps the check in the state file: after a restart the path is checked again before it is announced', async () => {
    const file = join(dir, 'state');
    const store = new StateStore(file, silentLogger);
    await store.load();
    const a = speaker(store);
    await a.s.replacePaths('lb', [{ prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' }]);
    await a.s.stop();
    await store.close();
    const again = new StateStore(file, silentLogger);
    const state = await again.load();
    expect(state.paths()).toEqual([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owners: ['lb'], check: 'web', pathId: 1 }]);
    const b = speaker(again);
    await b.s.restore(state);
    expect(b.s.listPaths().map((p) => [p.check, p.health?.state])).toEqual([['web', 'pending']]);
    await b.tick(1000);
    expect(b.s.listPaths().map((p) => [p.check, p.health?.state])).toEqual([['web', 'up']]);
    await b.s.stop();
    await again.close();
  });

  it('leaves out, with a warning, a stored path whose check the config has no more; malformed details are still an error', async () => {
    const warnings: { entry: string; why: string }[] = [];
    const { s } = speaker(null, pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) }));
    const kept = { prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owners: ['lb'], check: 'web' };
    expect(await s.restore(StoredState.of([kept, { ...kept, prefix: '203.0.113.11/32', check: 'dns' }]))).toBe(1);
    expect(s.listPaths().map((p) => [p.prefix, p.check])).toEqual([['203.0.113.10/32', 'web']]);
    expect(warnings.map((w) => [w.entry, w.why])).toEqual([['paths[203.0.113.11/32 via 198.51.100.11].check', 'paths[203.0.113.11/32 via 198.51.100.11].check: no health check "dns" is configured any more']]);
    await expect(s.restore(StoredState.of([{ ...kept, prefix: '203.0.113.12/32', check: 'dns', med: -1 }]))).rejects.toThrow('paths[203.0.113.12/32 via 198.51.100.11].med: -1 is not an integer in 0..4294967295');
    await s.stop();
  });
});
