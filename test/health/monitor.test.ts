// The health-check engine on a ManualClock with a fake prober: start-up, rise and fall, flapping,
// shared targets, the bound on probes in flight, timeouts, and what listeners and the log are told.

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { ExpandedProbe } from '../../src/health/expand.js';
import { HealthMonitor, type HealthState } from '../../src/health/monitor.js';
import type { Prober, ProbeResult } from '../../src/health/prober.js';
import type { HealthCheckSpec } from '../../src/health/spec.js';
import { createLogger, silentLogger } from '../../src/log.js';

function check(over: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return {
    name: 'web',
    probe: { kind: 'http', url: 'http://{nextHop}:80/healthz', method: 'GET', headers: {}, timeout: 500, insecureSkipVerify: false },
    interval: 1000,
    rise: 2,
    fall: 2,
    initial: 'down',
    onFail: { action: 'withdraw' },
    ...over,
  };
}

const PASS: ProbeResult = { ok: true, detail: 'HTTP 200 OK' };
const FAIL: ProbeResult = { ok: false, detail: 'HTTP 503 Service Unavailable' };

function vars(nextHop: string, address = '203.0.113.10') {
  return { prefix: `${address}/32`, address, nextHop };
}

interface Call {
  readonly target: ExpandedProbe;
  readonly signal: AbortSignal;
  readonly at: number;
  settle(r: ProbeResult): void;
}

/**
 * Answers each probe with what `answer` says for its target now, or holds it (undefined) until
 * the test settles it. A held probe ends when its signal aborts, unless `deaf` (a prober that
 * ignores the abort).
 */
class FakeProber implements Prober {
  readonly calls: Call[] = [];
  readonly held: Call[] = [];
  running = 0;
  maxRunning = 0;

  constructor(
    private readonly clock: ManualClock,
    public answer: (target: ExpandedProbe) => ProbeResult | undefined = () => PASS,
    private readonly deaf = false,
  ) {}

  probe(target: ExpandedProbe, signal: AbortSignal): Promise<ProbeResult> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return new Promise((resolve) => {
      let done = false;
      const call: Call = {
        target,
        signal,
        at: this.clock.now(),
        settle: (r) => {
          if (done) return;
          done = true;
          this.running--;
          const i = this.held.indexOf(call);
          if (i >= 0) this.held.splice(i, 1);
          resolve(r);
        },
      };
      this.calls.push(call);
      if (!this.deaf) signal.addEventListener('abort', () => call.settle({ ok: false, detail: 'aborted' }));
      const r = this.answer(target);
      if (r) call.settle(r);
      else this.held.push(call);
    });
  }

  urls(): string[] {
    return this.calls.map((c) => (c.target.kind === 'http' ? c.target.url : c.target.kind));
  }
}

/** Lets promise callbacks run (a probe's result reaches the monitor through a few of them). */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Moves the clock `ms` forward in small steps, letting results land between them. */
async function pass(clock: ManualClock, ms: number, step = 10): Promise<void> {
  await flush();
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await flush();
  }
}

function setup(checks: HealthCheckSpec[] = [check()], opts: { maxSocketProbes?: number; maxExecProbes?: number; deaf?: boolean; random?: () => number } = {}) {
  const clock = new ManualClock(0);
  const prober = new FakeProber(clock, () => PASS, opts.deaf);
  const monitor = new HealthMonitor(checks, {
    clock,
    log: silentLogger,
    prober,
    random: opts.random ?? (() => 0.5),
    ...(opts.maxSocketProbes === undefined ? {} : { maxSocketProbes: opts.maxSocketProbes }),
    ...(opts.maxExecProbes === undefined ? {} : { maxExecProbes: opts.maxExecProbes }),
  });
  const events: string[] = [];
  monitor.onChange((id, before: HealthState, after: HealthState, reason) => events.push(`${id} ${before}->${after} ${reason}`));
  return { clock, prober, monitor, events };
}

describe('HealthMonitor: start-up', () => {
  it('initial down: a new target is pending and not announced until its first pass, which comes within a tenth of the interval', async () => {
    const { clock, prober, monitor, events } = setup();
    const id = monitor.watch('web', vars('198.51.100.11'));
    expect(monitor.state(id)).toEqual({ state: 'pending', since: 0, check: 'web', target: 'http://198.51.100.11:80/healthz' });
    expect(monitor.isAnnounced(id)).toBe(false);
    await pass(clock, 40);
    expect(prober.calls).toHaveLength(0);
    // random() 0.5 of a tenth of 1000 ms.
    await pass(clock, 20);
    expect(prober.calls.map((c) => c.at)).toEqual([50]);
    expect(monitor.state(id)).toMatchObject({ state: 'up', since: 50 });
    expect(monitor.isAnnounced(id)).toBe(true);
    expect(events).toEqual([`${id} pending->up HTTP 200 OK`]);
  });

  it('the first probe is never later than a tenth of the interval, however the jitter falls', async () => {
    for (const r of [0, 0.999999]) {
      const { clock, prober, monitor } = setup([check()], { random: () => r });
      monitor.watch('web', vars('198.51.100.11'));
      await pass(clock, 100, 1);
      expect(prober.calls).toHaveLength(1);
      expect(prober.calls[0]!.at).toBeLessThanOrEqual(100);
    }
  });

  it('initial down: one failure decides at once (down, no rise/fall count)', async () => {
    const { clock, prober, monitor, events } = setup();
    prober.answer = () => FAIL;
    const id = monitor.watch('web', vars('198.51.100.11'));
    await pass(clock, 60);
    expect(monitor.state(id)).toMatchObject({ state: 'down', since: 50, lastError: 'HTTP 503 Service Unavailable', lastErrorAt: 50 });
    expect(monitor.isAnnounced(id)).toBe(false);
    expect(events).toEqual([`${id} pending->down HTTP 503 Service Unavailable`]);
  });

  it('initial up: announced while pending; the first failure takes it down at once', async () => {
    const { clock, prober, monitor, events } = setup([check({ initial: 'up' })]);
    prober.answer = () => FAIL;
    const id = monitor.watch('web', vars('198.51.100.11'));
    expect(monitor.state(id).state).toBe('pending');
    expect(monitor.isAnnounced(id)).toBe(true);
    await pass(clock, 60);
    expect(monitor.state(id).state).toBe('down');
    expect(monitor.isAnnounced(id)).toBe(false);
    expect(events).toEqual([`${id} pending->down HTTP 503 Service Unavailable`]);
  });

  it('initial up: a first pass keeps it announced, now as up', async () => {
    const { clock, monitor } = setup([check({ initial: 'up' })]);
    const id = monitor.watch('web', vars('198.51.100.11'));
    await pass(clock, 60);
    expect(monitor.state(id).state).toBe('up');
    expect(monitor.isAnnounced(id)).toBe(true);
  });
});

describe('HealthMonitor: rise and fall', () => {
  it('goes down after `fall` failures in a row and up after `rise` passes in a row, one probe per interval', async () => {
    const { clock, prober, monitor, events } = setup([check({ rise: 3, fall: 2 })]);
    const results = [PASS, FAIL, PASS, FAIL, FAIL, PASS, PASS, FAIL, PASS, PASS, PASS, PASS];
    let n = 0;
    prober.answer = () => results[n++] ?? PASS;
    const id = monitor.watch('web', vars('198.51.100.11'));
    const states: string[] = [];
    for (let i = 0; i < results.length; i++) {
      await pass(clock, i === 0 ? 60 : 1000);
      states.push(monitor.state(id).state);
    }
    // The first within a tenth of the interval; the second up to half an interval early (random()
    // 0.5: 250 ms), which spreads targets added together; then every interval.
    expect(prober.calls.map((c) => c.at)).toEqual(results.map((_, i) => (i === 0 ? 50 : 800 + (i - 1) * 1000)));
    // A pass between two failures starts the count again; so does a failure between passes.
    expect(states).toEqual(['up', 'up', 'up', 'up', 'down', 'down', 'down', 'down', 'down', 'down', 'up', 'up']);
    expect(events).toEqual([
      `${id} pending->up HTTP 200 OK`,
      `${id} up->down HTTP 503 Service Unavailable`,
      `${id} down->up HTTP 200 OK`,
    ]);
    expect(monitor.state(id)).toMatchObject({ since: 800 + 9 * 1000, lastError: 'HTTP 503 Service Unavailable', lastErrorAt: 800 + 6 * 1000 });
    expect(monitor.summary()).toEqual({ web: { up: 1, down: 0, pending: 0, transitions: 2 } });
  });

  it('a flapping target (pass, fail, pass, ...) never reaches rise or fall of 2', async () => {
    const { clock, prober, monitor, events } = setup();
    let n = 0;
    prober.answer = () => (n++ % 2 === 0 ? PASS : FAIL);
    const up = monitor.watch('web', vars('198.51.100.11'));
    await pass(clock, 20_060);
    expect(prober.calls).toHaveLength(21);
    expect(monitor.state(up).state).toBe('up');
    expect(events).toEqual([`${up} pending->up HTTP 200 OK`]);

    // And the other way round: once down, alternating results keep it down.
    n = 1;
    const down = monitor.watch('web', vars('198.51.100.12'));
    await pass(clock, 20_000);
    expect(monitor.state(down).state).toBe('down');
    expect(events.filter((e) => e.startsWith(`${down} `))).toEqual([`${down} pending->down HTTP 503 Service Unavailable`]);
    expect(monitor.summary().web?.transitions).toBe(0);
  });

  it('rise and fall of 1 follow every result', async () => {
    const { clock, prober, monitor, events } = setup([check({ rise: 1, fall: 1 })]);
    let n = 0;
    prober.answer = () => (n++ % 2 === 0 ? PASS : FAIL);
    monitor.watch('web', vars('198.51.100.11'));
    await pass(clock, 3060);
    expect(events.map((e) => e.split(' ')[1])).toEqual(['pending->up', 'up->down', 'down->up', 'up->down']);
  });
});

describe('HealthMonitor: shared targets', () => {
  it('paths that come to the same target share one probe; the target lives until its last path goes', async () => {
    const { clock, prober, monitor } = setup();
    // Ten EIPs on one node: the URL names only the next hop, so all ten are one target.
    const ids = Array.from({ length: 10 }, (_, i) => monitor.watch('web', vars('198.51.100.11', `203.0.113.${i + 1}`)));
    expect(new Set(ids).size).toBe(1);
    const id = ids[0]!;
    expect(monitor.references(id)).toBe(10);
    const other = monitor.watch('web', vars('198.51.100.12'));
    expect(other).not.toBe(id);
    await pass(clock, 3060);
    expect(prober.urls().filter((u) => u.includes('198.51.100.11'))).toHaveLength(4);
    expect(prober.urls().filter((u) => u.includes('198.51.100.12'))).toHaveLength(4);

    for (let i = 0; i < 9; i++) expect(monitor.unwatch(id)).toBe(true);
    await pass(clock, 1000);
    expect(prober.urls().filter((u) => u.includes('198.51.100.11'))).toHaveLength(5);
    expect(monitor.unwatch(id)).toBe(true);
    expect(() => monitor.state(id)).toThrow(`no health check target ${id}`);
    expect(monitor.unwatch(id)).toBe(false);
    await pass(clock, 3000);
    expect(prober.urls().filter((u) => u.includes('198.51.100.11'))).toHaveLength(5);
    expect(prober.urls().filter((u) => u.includes('198.51.100.12'))).toHaveLength(8);

    // Watched again: a new target (pending, probed afresh), which may get the old id.
    const again = monitor.watch('web', vars('198.51.100.11'));
    expect(again).toBe(id);
    expect(monitor.state(again).state).toBe('pending');
    expect(monitor.references(again)).toBe(1);
  });

  it('the same address under two checks is two targets; placeholders make one per path when used', async () => {
    const tcp = check({ name: 'dns', probe: { kind: 'tcp', address: '{nextHop}:53', timeout: 500 } });
    const script = check({ name: 'script', probe: { kind: 'exec', command: ['/usr/local/bin/check-eip', '{prefix}'], shell: false, timeout: 500 } });
    const { monitor } = setup([check(), tcp, script]);
    const a = monitor.watch('web', vars('198.51.100.11'));
    const b = monitor.watch('dns', vars('198.51.100.11'));
    expect(a).not.toBe(b);
    expect(monitor.state(b).target).toBe('198.51.100.11:53');
    const s1 = monitor.watch('script', vars('198.51.100.11', '203.0.113.1'));
    const s2 = monitor.watch('script', vars('198.51.100.12', '203.0.113.1'));
    const s3 = monitor.watch('script', vars('198.51.100.11', '203.0.113.2'));
    expect(s1).toBe(s2);
    expect(s3).not.toBe(s1);
    expect(monitor.state(s3).target).toBe('/usr/local/bin/check-eip 203.0.113.2/32');
  });

  it('brackets an IPv6 next hop in a URL and a host:port', () => {
    const tcp = check({ name: 'dns', probe: { kind: 'tcp', address: '{nextHop}:53', timeout: 500 } });
    const { monitor } = setup([check(), tcp]);
    const v6 = { prefix: '2001:db8:200::10/128', address: '2001:db8:200::10', nextHop: '2001:db8::11' };
    expect(monitor.state(monitor.watch('web', v6)).target).toBe('http://[2001:db8::11]:80/healthz');
    expect(monitor.state(monitor.watch('dns', v6)).target).toBe('[2001:db8::11]:53');
  });

  it('an unknown check is an error naming it', () => {
    const { monitor } = setup();
    expect(() => monitor.watch('wbe', vars('198.51.100.11'))).toThrow('unknown health check "wbe" (configured: web)');
    expect(() => new HealthMonitor([], { clock: new ManualClock(), log: silentLogger }).watch('web', vars('198.51.100.11'))).toThrow(
      'unknown health check "web" (no checks are configured)',
    );
  });
});

describe('HealthMonitor: probes in flight', () => {
  it('never runs more than maxInFlight at once; the rest wait their turn, each target queued once', async () => {
    const { clock, prober, monitor } = setup([check()], { maxSocketProbes: 3, random: () => 0 });
    prober.answer = () => undefined;
    const ids = Array.from({ length: 10 }, (_, i) => monitor.watch('web', vars(`198.51.100.${i + 11}`)));
    await pass(clock, 10);
    expect(prober.running).toBe(3);
    expect(monitor.probesInFlight).toBe(3);
    expect(monitor.probesQueued).toBe(7);
    // Held past their timeout: counted as failures and aborted, which frees the slots.
    await pass(clock, 500);
    expect(prober.calls.slice(0, 3).every((c) => c.signal.aborted)).toBe(true);
    expect(ids.slice(0, 3).map((id) => monitor.state(id).lastError)).toEqual(['timeout', 'timeout', 'timeout']);
    expect(prober.calls).toHaveLength(6);
    // Answered at once from now on: everything drains, and no target ever waits twice.
    prober.answer = () => PASS;
    for (const c of [...prober.held]) c.settle(PASS);
    await pass(clock, 5000);
    expect(prober.maxRunning).toBe(3);
    expect(monitor.probesQueued).toBeLessThanOrEqual(10);
    expect(ids.every((id) => monitor.state(id).state === 'up')).toBe(true);
  });

  it('a slow round does not pile up: with every probe held for many intervals, the queue stays within the targets', async () => {
    const { clock, prober, monitor } = setup([check({ probe: { kind: 'tcp', address: '{nextHop}:53', timeout: 1000 } })], { maxSocketProbes: 2, deaf: true });
    prober.answer = () => undefined;
    for (let i = 0; i < 5; i++) monitor.watch('web', vars(`198.51.100.${i + 11}`));
    for (let round = 0; round < 10; round++) {
      await pass(clock, 1000, 50);
      expect(monitor.probesQueued).toBeLessThanOrEqual(5);
      expect(prober.running).toBeLessThanOrEqual(2);
    }
    // A deaf prober keeps its slots: nothing more started than the two.
    expect(prober.calls).toHaveLength(2);
    // Once they let go, the others run, and a target is never probed twice at once.
    for (const c of [...prober.held]) c.settle(PASS);
    await pass(clock, 100);
    expect(prober.calls).toHaveLength(4);
  });

  it('a probe that outlives its timeout fails with "timeout" and is aborted', async () => {
    const { clock, prober, monitor, events } = setup([check({ initial: 'up' })]);
    prober.answer = () => undefined;
    const id = monitor.watch('web', vars('198.51.100.11'));
    await pass(clock, 50 + 490);
    expect(prober.calls[0]!.signal.aborted).toBe(false);
    expect(monitor.state(id).state).toBe('pending');
    await pass(clock, 20);
    expect(prober.calls[0]!.signal.aborted).toBe(true);
    expect(monitor.state(id)).toMatchObject({ state: 'down', since: 550, lastError: 'timeout' });
    expect(events).toEqual([`${id} pending->down timeout`]);
  });

  it('a timeout that fires late because the event loop was held waits once more for the answer, then counts', async () => {
    const { clock, prober, monitor } = setup([check({ initial: 'down' })]);
    prober.answer = () => undefined;
    const id = monitor.watch('web', vars('198.51.100.11'));
    await pass(clock, 60);
    expect(prober.calls).toHaveLength(1);
    // Start-up work holds the loop for 2 s: the 500 ms timeout fires 1.5 s late, while the answer
    // may already be waiting unread. Not a failure yet.
    clock.stall(2_000);
    await flush();
    expect(monitor.state(id).state).toBe('pending');
    prober.held[0]!.settle(PASS);
    await flush();
    expect(monitor.state(id)).toMatchObject({ state: 'up' });
    // A probe that really gets no answer still times out: once more the timeout after the stall.
    await pass(clock, 1_000);
    const second = prober.calls.length;
    expect(second).toBeGreaterThan(1);
    clock.stall(2_000);
    await flush();
    await pass(clock, 520);
    expect(monitor.state(id).lastError).toBe('timeout');
  });

  it('a result after the timeout does not count', async () => {
    const { clock, prober, monitor } = setup([check()], { deaf: true });
    prober.answer = () => undefined;
    const id = monitor.watch('web', vars('198.51.100.11'));
    await pass(clock, 600);
    expect(monitor.state(id).state).toBe('down');
    prober.held[0]!.settle(PASS);
    await flush();
    expect(monitor.state(id)).toMatchObject({ state: 'down', lastError: 'timeout' });
  });

  it('a probe that throws is a failure with its message', async () => {
    const { clock, prober, monitor } = setup();
    prober.answer = () => {
      throw new Error('prober broke');
    };
    const id = monitor.watch('web', vars('198.51.100.11'));
    await pass(clock, 60);
    expect(monitor.state(id)).toMatchObject({ state: 'down', lastError: 'prober broke' });
  });

  it('unwatching a target aborts its probe in flight', async () => {
    const { clock, prober, monitor, events } = setup();
    prober.answer = () => undefined;
    const id = monitor.watch('web', vars('198.51.100.11'));
    await pass(clock, 60);
    monitor.unwatch(id);
    expect(prober.calls[0]!.signal.aborted).toBe(true);
    await pass(clock, 5000);
    expect(prober.calls).toHaveLength(1);
    expect(monitor.probesInFlight).toBe(0);
    expect(events).toEqual([]);
  });

  it('stop() aborts what is in flight, waits for it, and nothing runs after', async () => {
    const { clock, prober, monitor } = setup([check()], { maxSocketProbes: 1 });
    prober.answer = () => undefined;
    monitor.watch('web', vars('198.51.100.11'));
    monitor.watch('web', vars('198.51.100.12'));
    await pass(clock, 100);
    expect(prober.running).toBe(1);
    await monitor.stop();
    expect(prober.running).toBe(0);
    expect(prober.calls[0]!.signal.aborted).toBe(true);
    await pass(clock, 5000);
    expect(prober.calls).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });
});

describe('HealthMonitor: on time during an outage', () => {
  const DEAD = 1000;
  const dead = (i: number) => `2001:db8:100::${(0x100 + i).toString(16)}`;
  const web = () => check({ probe: { kind: 'http', url: 'http://{nextHop}:8080/healthz', method: 'GET', headers: {}, timeout: 500, insecureSkipVerify: false } });

  it('1,000 targets whose probes never answer do not delay the verdict on one that fails: down after `fall` intervals, every target probed every interval', async () => {
    // The first probes spread over a tenth of the interval, as when 1,001 paths are added at once
    // (random() a fixed pseudo-random sequence).
    let seed = 1;
    const { clock, prober, monitor, events } = setup([web()], { random: () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647 });
    let liveAnswers = true;
    prober.answer = (t) => (t.kind === 'http' && t.url.includes('198.51.100.12') ? (liveAnswers ? PASS : { ok: false, detail: 'connection refused' }) : undefined);
    const live = monitor.watch('web', vars('198.51.100.12'));
    const ids = Array.from({ length: DEAD }, (_, i) => monitor.watch('web', vars(dead(i))));
    await pass(clock, 5_000, 50);
    expect(monitor.state(live).state).toBe('up');
    expect(ids.every((id) => monitor.state(id).state === 'down' && monitor.state(id).lastError === 'timeout')).toBe(true);
    // Every probe so far started when it was due: the slots never ran out.
    expect(monitor.probesQueued).toBe(0);
    expect(ids.every((id) => monitor.state(id).lag === 0)).toBe(true);
    // Added together, their first probes came within 100 ms; since the second, they are spread over
    // more than half the interval: no 100 ms of it starts more than a quarter of them.
    const slots = new Map<number, number>();
    for (const c of prober.calls.filter((x) => x.at >= 4_000 && x.at < 5_000)) slots.set(Math.floor(c.at / 100), (slots.get(Math.floor(c.at / 100)) ?? 0) + 1);
    expect([...slots.values()].reduce((a, b) => a + b)).toBe(DEAD + 1);
    expect(Math.max(...slots.values())).toBeLessThanOrEqual((DEAD + 1) / 4);

    // The live target's server stops: its next two probes fail, and the second decides.
    liveAnswers = false;
    const stoppedAt = clock.now();
    const before = prober.calls.length;
    await pass(clock, 2_000, 5);
    const liveProbes = prober.calls.slice(before).filter((c) => c.target.kind === 'http' && c.target.url.includes('198.51.100.12'));
    expect(liveProbes).toHaveLength(2);
    expect(monitor.state(live)).toMatchObject({ state: 'down', lastError: 'connection refused', lag: 0 });
    // Decided by the second one's answer (which lands by the end of the 5 ms step it came in).
    expect(monitor.state(live).since - liveProbes[1]!.at).toBeGreaterThanOrEqual(0);
    expect(monitor.state(live).since - liveProbes[1]!.at).toBeLessThanOrEqual(5);
    expect(monitor.state(live).since - stoppedAt).toBeLessThanOrEqual(2 * 1000);
    expect(events.filter((e) => e.startsWith(`${live} `))).toEqual([`${live} pending->up HTTP 200 OK`, `${live} up->down connection refused`]);

    // Each dead target was probed once in each of those two intervals, on its own grid.
    const perTarget = new Map<string, number[]>();
    for (const c of prober.calls.slice(before)) {
      if (c.target.kind !== 'http') continue;
      perTarget.set(c.target.url, [...(perTarget.get(c.target.url) ?? []), c.at]);
    }
    expect(perTarget.size).toBe(DEAD + 1);
    expect([...perTarget.values()].every((at) => at.length === 2 && at[1]! - at[0]! === 1000)).toBe(true);
    expect(prober.maxRunning).toBeGreaterThan(32);
    await monitor.stop();
  });

  it('commands have a budget of their own: scripts that hang never hold up the HTTP probes', async () => {
    const script = check({ name: 'script', probe: { kind: 'exec', command: ['/usr/local/bin/check-eip', '{nextHop}'], shell: false, timeout: 1000 } });
    const { clock, prober, monitor } = setup([web(), script], { maxExecProbes: 2, random: () => 0 });
    prober.answer = () => undefined;
    const execRunning = () => prober.held.filter((c) => c.target.kind === 'exec').length;
    const scripts = Array.from({ length: 10 }, (_, i) => monitor.watch('script', vars(`198.51.100.${i + 11}`)));
    const http = Array.from({ length: 100 }, (_, i) => monitor.watch('web', vars(dead(i))));
    let maxExec = 0;
    for (let t = 0; t < 3_000; t += 50) {
      await pass(clock, 50, 10);
      maxExec = Math.max(maxExec, execRunning());
    }
    expect(maxExec).toBe(2);
    // Two commands at a time, each held for its whole 1 s timeout: 6 of the 10 scripts ran in 3 s.
    expect(scripts.filter((id) => monitor.state(id).state !== 'pending')).toHaveLength(6);
    // The HTTP probes ran on time all along: 4 rounds of 100 (at 0, 1, 2 and 3 s).
    expect(prober.calls.filter((c) => c.target.kind === 'http')).toHaveLength(400);
    expect(http.every((id) => monitor.state(id).lag === 0)).toBe(true);
    await monitor.stop();
  });

  it('when commands cannot keep their interval: each probe\'s lag is told, kept per target, and warned of once a minute per check, then "on time again"', async () => {
    const lines: string[] = [];
    const clock = new ManualClock(0);
    const prober = new FakeProber(clock, () => undefined);
    const script = check({ name: 'script', probe: { kind: 'exec', command: ['/usr/local/bin/check-eip', '{nextHop}'], shell: false, timeout: 500 } });
    const monitor = new HealthMonitor([web(), script], {
      clock,
      log: createLogger('info', { write: (l: string) => void lines.push(l) }, 'json'),
      prober,
      random: () => 0,
      maxExecProbes: 2,
    });
    const lags: [string, number][] = [];
    monitor.onProbeStart((c, lag) => lags.push([c, lag]));
    // Ten scripts that each hang for their 500 ms timeout, every second: two at a time serve four a second.
    const ids = Array.from({ length: 10 }, (_, i) => monitor.watch('script', vars(`198.51.100.${i + 11}`)));
    monitor.watch('web', vars('198.51.100.11'));
    await pass(clock, 10_000, 50);
    const execLags = lags.filter(([c]) => c === 'script').map(([, lag]) => lag);
    // Two at a time, each held 500 ms: two starts every half second from 0 to 10 s.
    expect(execLags).toHaveLength(42);
    expect(Math.max(...execLags)).toBeGreaterThanOrEqual(1_000);
    expect(lags.filter(([c]) => c === 'web').every(([, lag]) => lag === 0)).toBe(true);
    expect(ids.some((id) => (monitor.state(id).lag ?? 0) >= 1_000)).toBe(true);

    const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => typeof l.msg === 'string' && (l.msg as string).includes('probes'));
    // One warning so far however many probes were late: the check, how late, why.
    expect(logged()).toEqual([
      expect.objectContaining({ level: 40, msg: 'health check probes start late: their verdicts come that much later', check: 'script', kind: 'exec', maxInFlight: 2, intervalMs: 1000, lagMs: expect.any(Number), lateProbes: 1 }),
    ]);
    await pass(clock, 60_000, 100);
    const warnings = logged();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatchObject({ level: 40, check: 'script', lateProbes: expect.any(Number) });
    expect(warnings[1]!.lateProbes as number).toBeGreaterThan(100);
    expect(warnings[1]!.lagMs as number).toBeGreaterThanOrEqual(1_000);

    // The scripts answer at once from now on: the queue drains and the probes are on time again.
    prober.answer = () => PASS;
    for (const c of [...prober.held]) c.settle(PASS);
    await pass(clock, 65_000, 100);
    expect(logged().slice(2)).toEqual([expect.objectContaining({ level: 30, msg: 'health check probes on time again', check: 'script' })]);
    expect(ids.every((id) => monitor.state(id).lag === 0)).toBe(true);
    await monitor.stop();
  });

  it('a target that waited longer than its interval is not probed twice in a row to catch up', async () => {
    const { clock, prober, monitor } = setup([check({ probe: { kind: 'exec', command: ['check', '{nextHop}'], shell: false, timeout: 1000 } })], { maxExecProbes: 1, random: () => 0 });
    prober.answer = () => undefined;
    const a = monitor.watch('web', vars('198.51.100.11'));
    monitor.watch('web', vars('198.51.100.12'));
    monitor.watch('web', vars('198.51.100.13'));
    await pass(clock, 10_000, 50);
    // One slot, three targets held for a second each: each is probed every 3 s, never back to back.
    const starts = prober.calls.map((c) => `${c.at} ${c.target.kind === 'exec' ? c.target.command[1] : ''}`);
    expect(starts).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1].map((i, k) => `${k * 1000} 198.51.100.${11 + i}`));
    expect(monitor.probesQueued).toBeLessThanOrEqual(2);
    expect(monitor.state(a).lag).toBeGreaterThan(0);
    await monitor.stop();
  });
});

describe('HealthMonitor: what is told', () => {
  it('listeners hear every change until they unsubscribe; one that throws does not stop the others', async () => {
    const { clock, prober, monitor, events } = setup([check({ rise: 1, fall: 1 })]);
    const heard: string[] = [];
    const off = monitor.onChange((id, before, after) => heard.push(`${id} ${before}->${after}`));
    monitor.onChange(() => {
      throw new Error('listener bug');
    });
    let ok = true;
    prober.answer = () => (ok ? PASS : FAIL);
    const id = monitor.watch('web', vars('198.51.100.11'));
    await pass(clock, 60);
    ok = false;
    await pass(clock, 1000);
    off();
    ok = true;
    await pass(clock, 1000);
    expect(heard).toEqual([`${id} pending->up`, `${id} up->down`]);
    expect(events.map((e) => e.split(' ')[1])).toEqual(['pending->up', 'up->down', 'down->up']);
  });

  it('a listener may unwatch the target it hears about', async () => {
    const { clock, prober, monitor } = setup();
    prober.answer = () => FAIL;
    monitor.onChange((id, _before, after) => {
      if (after === 'down') monitor.unwatch(id);
    });
    monitor.watch('web', vars('198.51.100.11'));
    await pass(clock, 3000);
    expect(prober.calls).toHaveLength(1);
  });

  it('logs each change with the check, the target and why', async () => {
    const lines: string[] = [];
    const clock = new ManualClock(0);
    let answer = PASS;
    const prober: Prober = { probe: async () => answer };
    const monitor = new HealthMonitor([check({ fall: 1 })], { clock, log: createLogger('info', { write: (l: string) => void lines.push(l) }, 'json'), prober, random: () => 0 });
    monitor.watch('web', vars('198.51.100.11'));
    await pass(clock, 10);
    answer = { ok: false, detail: 'connection refused' };
    await pass(clock, 1000);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toEqual([
      expect.objectContaining({ level: 30, msg: 'health check target up', check: 'web', target: 'http://198.51.100.11:80/healthz', from: 'pending', to: 'up', reason: 'HTTP 200 OK' }),
      expect.objectContaining({ level: 40, msg: 'health check target down', check: 'web', target: 'http://198.51.100.11:80/healthz', from: 'up', to: 'down', reason: 'connection refused', inARow: 1 }),
    ]);
  });

  it('summary(): every check, its targets by state, and up/down changes', async () => {
    const { clock, prober, monitor } = setup([check(), check({ name: 'dns', probe: { kind: 'tcp', address: '{nextHop}:53', timeout: 500 } })]);
    prober.answer = (t) => (t.kind === 'http' && t.url.includes('.12') ? FAIL : PASS);
    expect(monitor.summary()).toEqual({ web: { up: 0, down: 0, pending: 0, transitions: 0 }, dns: { up: 0, down: 0, pending: 0, transitions: 0 } });
    monitor.watch('web', vars('198.51.100.11'));
    monitor.watch('web', vars('198.51.100.12'));
    monitor.watch('web', vars('198.51.100.13'));
    expect(monitor.summary().web).toEqual({ up: 0, down: 0, pending: 3, transitions: 0 });
    await pass(clock, 60);
    expect(monitor.summary()).toEqual({ web: { up: 2, down: 1, pending: 0, transitions: 0 }, dns: { up: 0, down: 0, pending: 0, transitions: 0 } });
    prober.answer = () => FAIL;
    await pass(clock, 2000);
    expect(monitor.summary().web).toEqual({ up: 0, down: 3, pending: 0, transitions: 2 });
  });
});

describe('HealthMonitor: targets shared by the values paths fill in', () => {
  it('paths that differ only in placeholders the check does not use share one target, and it goes with the last of them', async () => {
    const { clock, prober, monitor } = setup();
    // The check uses {nextHop} only: the prefix makes no difference.
    const ids = Array.from({ length: 1000 }, (_, i) => monitor.watch('web', vars('198.51.100.11', `203.0.113.${i % 250}`)));
    const other = monitor.watch('web', vars('198.51.100.12'));
    expect(new Set(ids).size).toBe(1);
    expect(other).not.toBe(ids[0]);
    await pass(clock, 60);
    expect(prober.calls.map((c) => c.target.kind === 'http' && c.target.url).sort()).toEqual(['http://198.51.100.11:80/healthz', 'http://198.51.100.12:80/healthz']);
    for (const id of ids.slice(1)) expect(monitor.unwatch(id)).toBe(true);
    expect(monitor.state(ids[0]!).target).toBe('http://198.51.100.11:80/healthz');
    monitor.unwatch(ids[0]!);
    expect(monitor.unwatch(ids[0]!)).toBe(false);
    // Watched again after it went: a fresh target, probed afresh.
    const again = monitor.watch('web', vars('198.51.100.11'));
    expect(monitor.state(again)).toMatchObject({ state: 'pending', target: 'http://198.51.100.11:80/healthz' });
  });

  it('a check that uses {prefix} makes a target per prefix', () => {
    const { monitor } = setup([check({ probe: { kind: 'http', url: 'http://{nextHop}:80/{prefix}', method: 'GET', headers: {}, timeout: 500, insecureSkipVerify: false } })]);
    const a = monitor.watch('web', vars('198.51.100.11', '203.0.113.1'));
    const b = monitor.watch('web', vars('198.51.100.11', '203.0.113.2'));
    expect(a).not.toBe(b);
    expect(monitor.watch('web', vars('198.51.100.11', '203.0.113.1'))).toBe(a);
  });
});
