// The BFD process's bookkeeping on the injected clock: a session outlives the daemon that opened it
// for that daemon's graceful restart time and no longer, a new daemon takes it over without a flap,
// and a daemon leaving on purpose ends it with AdminDown.

import { describe, expect, it } from 'vitest';
import { BfdBroker, type BrokerClient, type RunningSession, type SessionFactory } from '../../src/bfd/broker.js';
import { CONTROL_VERSION, type ControlEvent } from '../../src/bfd/control.js';
import type { BfdState } from '../../src/bfd/packet.js';
import type { BfdTimers } from '../../src/bfd/session.js';
import { ManualClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';

const TIMERS: BfdTimers = { minTx: 100, minRx: 100, multiplier: 3 };
const LOCAL = '192.0.2.11';
const PEER = '192.0.2.1';

class FakeSession implements RunningSession {
  state: BfdState = 'Down';
  flaps = 0;
  stopped = 0;
  timers: BfdTimers;
  constructor(
    timers: BfdTimers,
    private readonly changed: (from: BfdState, to: BfdState, diag: number) => void,
  ) {
    this.timers = timers;
  }
  retime(t: BfdTimers): void {
    this.timers = t;
  }
  stop(): void {
    this.stopped++;
    this.move('AdminDown', 7);
  }
  move(to: BfdState, diag = 0): void {
    const from = this.state;
    this.state = to;
    if (from === 'Up' && to !== 'Up') this.flaps++;
    this.changed(from, to, diag);
  }
}

function setup(opts: { fail?: string } = {}) {
  const clock = new ManualClock();
  const made: FakeSession[] = [];
  let idle = 0;
  const factory: SessionFactory = (_local, _peer, timers, changed) => {
    if (opts.fail) return Promise.reject(new Error(opts.fail));
    const s = new FakeSession(timers, changed);
    made.push(s);
    return Promise.resolve(s);
  };
  const broker = new BfdBroker(factory, clock, silentLogger, () => idle++);
  const client = (): BrokerClient & { got: ControlEvent[] } => {
    const got: ControlEvent[] = [];
    const c = { got, send: (e: ControlEvent) => got.push(e) };
    broker.connect(c);
    return c;
  };
  return { clock, broker, made, client, idle: () => idle };
}

/** Lets the factory's promise and the broker's continuations run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BFD broker', () => {
  it('answers hello with its version and sessions, and refuses another protocol version', () => {
    const { broker, client } = setup();
    const a = client();
    broker.request(a, { op: 'hello', version: CONTROL_VERSION, client: 'test' });
    expect(a.got[0]).toMatchObject({ op: 'hello', version: CONTROL_VERSION, sessions: [] });
    broker.request(a, { op: 'hello', version: CONTROL_VERSION + 1, client: 'test' });
    expect(a.got[1]).toMatchObject({ op: 'error', message: expect.stringMatching(/version/) });
  });

  it('opens a session, tells its owner every state change, and closes it with AdminDown', async () => {
    const { broker, client, made, idle } = setup();
    const a = client();
    broker.request(a, { op: 'open', local: LOCAL, peer: PEER, timers: TIMERS, holdMs: 0 });
    await settle();
    expect(a.got).toEqual([{ op: 'opened', adopted: false, local: LOCAL, peer: PEER, state: 'Down', flaps: 0 }]);
    made[0]!.move('Init');
    made[0]!.move('Up');
    expect(a.got.slice(1).map((e) => e.op === 'state' && `${e.from}->${e.state}`)).toEqual(['Down->Init', 'Init->Up']);
    broker.request(a, { op: 'close', local: LOCAL, peer: PEER });
    expect(made[0]!.stopped).toBe(1);
    expect(a.got.at(-1)).toEqual({ op: 'closed', local: LOCAL, peer: PEER });
    expect(broker.sessions()).toEqual([]);
    expect(idle()).toBe(0); // the daemon is still connected
  });

  it('keeps a session Up for its hold time after the daemon goes, and a new daemon takes it over without a flap', async () => {
    const { broker, client, made, clock } = setup();
    const a = client();
    broker.request(a, { op: 'open', local: LOCAL, peer: PEER, timers: TIMERS, holdMs: 60_000 });
    await settle();
    made[0]!.move('Init');
    made[0]!.move('Up');
    broker.disconnect(a); // a stop for a restart, or a crash: the same to the BFD process
    clock.advance(59_000);
    expect(made[0]!.stopped).toBe(0);
    expect(broker.sessions()).toEqual([{ local: LOCAL, peer: PEER, state: 'Up', flaps: 0 }]);

    const b = client();
    broker.request(b, { op: 'hello', version: CONTROL_VERSION, client: 'new daemon' });
    expect(b.got[0]).toMatchObject({ op: 'hello', sessions: [{ local: LOCAL, peer: PEER, state: 'Up' }] });
    broker.request(b, { op: 'open', local: LOCAL, peer: PEER, timers: { ...TIMERS, minTx: 50 }, holdMs: 60_000 });
    await settle();
    expect(b.got[1]).toEqual({ op: 'opened', adopted: true, local: LOCAL, peer: PEER, state: 'Up', flaps: 0 });
    expect(made).toHaveLength(1); // the same session: the router saw nothing
    expect(made[0]!.timers.minTx).toBe(50); // new settings take effect on the running session
    clock.advance(120_000); // the old hold was cancelled
    expect(made[0]!.stopped).toBe(0);
    expect(a.got.filter((e) => e.op === 'state' && e.state === 'AdminDown')).toEqual([]);
  });

  it('ends a held session once its hold time runs out with no daemon back, and then says it is idle', async () => {
    const { broker, client, made, clock, idle } = setup();
    const a = client();
    broker.request(a, { op: 'open', local: LOCAL, peer: PEER, timers: TIMERS, holdMs: 3_000 });
    await settle();
    made[0]!.move('Up');
    broker.disconnect(a);
    expect(idle()).toBe(0);
    clock.advance(3_000);
    expect(made[0]!.stopped).toBe(1);
    expect(made[0]!.state).toBe('AdminDown');
    expect(broker.sessions()).toEqual([]);
    expect(idle()).toBe(1);
  });

  it('ends at once the sessions of a daemon that goes when their peer has no graceful restart (hold 0)', async () => {
    const { broker, client, made, idle } = setup();
    const a = client();
    broker.request(a, { op: 'open', local: LOCAL, peer: PEER, timers: TIMERS, holdMs: 0 });
    broker.request(a, { op: 'open', local: LOCAL, peer: '192.0.2.2', timers: TIMERS, holdMs: 5_000 });
    await settle();
    broker.disconnect(a);
    expect(made.map((s) => s.stopped)).toEqual([1, 0]);
    expect(broker.sessions().map((s) => s.peer)).toEqual(['192.0.2.2']);
    expect(idle()).toBe(0);
  });

  it('hands a session to the daemon that opens it last, and tells the one before', async () => {
    const { broker, client, made } = setup();
    const a = client();
    const b = client();
    broker.request(a, { op: 'open', local: LOCAL, peer: PEER, timers: TIMERS, holdMs: 0 });
    await settle();
    broker.request(b, { op: 'open', local: LOCAL, peer: PEER, timers: TIMERS, holdMs: 0 });
    await settle();
    expect(a.got.at(-1)).toEqual({ op: 'released', local: LOCAL, peer: PEER });
    made[0]!.move('Up');
    expect(a.got.some((e) => e.op === 'state')).toBe(false);
    expect(b.got.at(-1)).toMatchObject({ op: 'state', state: 'Up' });
    broker.disconnect(a); // not a's any more: nothing happens to it
    expect(made[0]!.stopped).toBe(0);
  });

  it('makes one session for two opens that race, and the second adopts it', async () => {
    const { broker, client, made } = setup();
    const a = client();
    const b = client();
    broker.request(a, { op: 'open', local: LOCAL, peer: PEER, timers: TIMERS, holdMs: 0 });
    broker.request(b, { op: 'open', local: LOCAL, peer: PEER, timers: TIMERS, holdMs: 0 });
    await settle();
    await settle();
    expect(made).toHaveLength(1);
    expect(b.got).toContainEqual(expect.objectContaining({ op: 'opened', adopted: true }));
  });

  it('stops a session that was closed while it was still opening', async () => {
    const { broker, client, made } = setup();
    const a = client();
    broker.request(a, { op: 'open', local: LOCAL, peer: PEER, timers: TIMERS, holdMs: 0 });
    broker.request(a, { op: 'close', local: LOCAL, peer: PEER });
    await settle();
    expect(made[0]!.stopped).toBe(1);
    expect(broker.sessions()).toEqual([]);
  });

  it('reports a session it cannot start to the daemon that asked, naming the cause', async () => {
    const { broker, client, idle } = setup({ fail: 'cannot receive on 192.0.2.11 port 3784: EADDRNOTAVAIL' });
    const a = client();
    broker.request(a, { op: 'open', local: LOCAL, peer: PEER, timers: TIMERS, holdMs: 0 });
    await settle();
    expect(a.got).toEqual([{ op: 'error', local: LOCAL, peer: PEER, message: 'cannot receive on 192.0.2.11 port 3784: EADDRNOTAVAIL' }]);
    broker.disconnect(a);
    expect(idle()).toBe(1);
  });
});
