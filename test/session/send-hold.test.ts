// RFC 9687 send hold timer, driven by the ManualClock: no sleeps.

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { defaultSendHoldTime, SendHoldTimer } from '../../src/session/send-hold.js';

function setup(seconds: number) {
  const clock = new ManualClock();
  const conn = { backlog: 0, accepted: 0 };
  let expired = 0;
  const timer = new SendHoldTimer(clock, seconds, conn, () => expired++);
  return { clock, conn, timer, expired: () => expired };
}

describe('SendHoldTimer', () => {
  it('defaults to the larger of 8 minutes and twice the hold time', () => {
    expect(defaultSendHoldTime(90)).toBe(480);
    expect(defaultSendHoldTime(0)).toBe(480);
    expect(defaultSendHoldTime(300)).toBe(600);
  });

  it('expires when the peer takes nothing for the send hold time', () => {
    const t = setup(10);
    t.conn.backlog = 5000;
    t.timer.wrote();
    t.clock.advance(9_000);
    expect(t.expired()).toBe(0);
    t.clock.advance(1_000);
    expect(t.expired()).toBe(1);
  });

  it('any progress starts the wait again', () => {
    const t = setup(10);
    t.conn.backlog = 5000;
    t.timer.wrote();
    t.clock.advance(8_000);
    t.conn.accepted += 100; // the peer took a little
    t.clock.advance(8_000);
    expect(t.expired()).toBe(0);
    t.clock.advance(3_000);
    expect(t.expired()).toBe(1);
  });

  it('stops watching once nothing waits, and watches again on the next write', () => {
    const t = setup(10);
    t.conn.backlog = 100;
    t.timer.wrote();
    t.clock.advance(2_000);
    t.conn.backlog = 0;
    t.clock.advance(60_000);
    expect(t.expired()).toBe(0);
    expect(t.clock.pending).toBe(0);
    t.conn.backlog = 100;
    t.timer.wrote();
    t.clock.advance(10_000);
    expect(t.expired()).toBe(1);
  });

  it('0 turns it off; stop() cancels it', () => {
    const off = setup(0);
    off.conn.backlog = 100;
    off.timer.wrote();
    off.clock.advance(3_600_000);
    expect(off.expired()).toBe(0);
    const stopped = setup(10);
    stopped.conn.backlog = 100;
    stopped.timer.wrote();
    stopped.timer.stop();
    stopped.clock.advance(60_000);
    expect(stopped.expired()).toBe(0);
  });
});
