// BFD (RFC 5880): the control packet byte for byte, and the session state machine of 6.8.6 with
// its timers, two sessions wired back to back through real encoded packets and a ManualClock.

import { describe, expect, it } from 'vitest';
import { BfdDiag, decodeBfd, encodeBfd, type BfdPacket, type BfdState } from '../../src/bfd/packet.js';
import { BfdSession } from '../../src/bfd/session.js';
import { ManualClock } from '../../src/clock.js';

const PACKET: BfdPacket = {
  diag: 0,
  state: 'Up',
  poll: true,
  final: false,
  controlPlaneIndependent: true,
  detectMult: 3,
  myDiscr: 0x11223344,
  yourDiscr: 0x55667788,
  desiredMinTx: 100_000,
  requiredMinRx: 100_000,
  requiredMinEchoRx: 0,
};

// prettier-ignore
const BYTES = [
  0x20,                   // version 1, diag 0
  0xe8,                   // state Up (3 << 6), Poll, C (control plane independent)
  0x03,                   // detect multiplier 3
  0x18,                   // length 24
  0x11, 0x22, 0x33, 0x44, // my discriminator
  0x55, 0x66, 0x77, 0x88, // your discriminator
  0x00, 0x01, 0x86, 0xa0, // desired min TX 100,000 µs
  0x00, 0x01, 0x86, 0xa0, // required min RX 100,000 µs
  0x00, 0x00, 0x00, 0x00, // required min echo RX 0
];

describe('BFD control packet', () => {
  it('encodes, decodes and round-trips', () => {
    expect([...encodeBfd(PACKET)]).toEqual(BYTES);
    expect(decodeBfd(Uint8Array.from(BYTES))).toEqual(PACKET);
  });

  it.each([
    ['too short', BYTES.slice(0, 20)],
    ['version 2', [0x40, ...BYTES.slice(1)]],
    ['detect multiplier 0', [...BYTES.slice(0, 2), 0, ...BYTES.slice(3)]],
    ['my discriminator 0', [...BYTES.slice(0, 4), 0, 0, 0, 0, ...BYTES.slice(8)]],
    ['your discriminator 0 while Up', [...BYTES.slice(0, 8), 0, 0, 0, 0, ...BYTES.slice(12)]],
    ['authentication', [0x20, 0xe4, ...BYTES.slice(2)]],
    ['multipoint', [0x20, 0xe1, ...BYTES.slice(2)]],
    ['a length beyond the datagram', [...BYTES.slice(0, 3), 40, ...BYTES.slice(4)]],
  ])('discards a packet with %s', (_why, bytes) => {
    expect(decodeBfd(Uint8Array.from(bytes))).toHaveProperty('discard');
  });
});

/** Two sessions whose packets reach each other (through the codec) unless the link is cut. */
function pair(timers = { minTx: 100, minRx: 100, multiplier: 3 }) {
  const clock = new ManualClock();
  let linkUp = true;
  const log: string[] = [];
  const sent: Record<'a' | 'b', BfdPacket[]> = { a: [], b: [] };
  const make = (name: 'a' | 'b', discr: number, other: () => BfdSession): BfdSession =>
    new BfdSession(
      discr,
      timers,
      clock,
      (p) => {
        sent[name].push(p);
        const bytes = encodeBfd(p);
        // Delivered on the next turn, like a datagram.
        if (linkUp) clock.soon(() => {
          const d = decodeBfd(bytes);
          if (!('discard' in d)) other().receive(d);
        });
      },
      (from: BfdState, to: BfdState, diag: number) => log.push(`${name} ${from}->${to} diag ${diag}`),
      { random: () => 0.5 },
    );
  const a: BfdSession = make('a', 1, () => b);
  const b: BfdSession = make('b', 2, () => a);
  return { clock, a, b, log, sent, cut: () => (linkUp = false), mend: () => (linkUp = true) };
}

describe('BFD session', () => {
  it('sends at most one packet a second until Up, then comes Up through Init', () => {
    const t = pair();
    t.a.start();
    t.clock.advance(3_000); // b is silent
    expect(t.sent.a).toHaveLength(3); // 1 s jittered to 87.5%
    expect(t.sent.a[0]).toMatchObject({ state: 'Down', desiredMinTx: 1_000_000, yourDiscr: 0 });
    t.b.start();
    t.clock.advance(1_000);
    expect(t.a.sessionState).toBe('Up');
    expect(t.b.sessionState).toBe('Up');
    // a's Down reached b first: b went through Init, a straight to Up on b's Init.
    expect(t.log).toEqual(['b Down->Init diag 0', 'a Down->Up diag 0', 'b Init->Up diag 0']);
  });

  it('once Up, asks for the configured rate with a Poll, and runs at it after the Final', () => {
    const t = pair();
    t.a.start();
    t.b.start();
    t.clock.advance(2_000);
    const upAt = t.sent.a.findIndex((p) => p.state === 'Up');
    expect(t.sent.a[upAt]).toMatchObject({ poll: true, desiredMinTx: 100_000 });
    expect(t.sent.b.some((p) => p.final)).toBe(true);
    const before = t.sent.a.length;
    t.clock.advance(1_000);
    // 100 ms jittered to 87.5 ms: about eleven packets a second now.
    expect(t.sent.a.length - before).toBeGreaterThanOrEqual(10);
    expect(t.sent.a.at(-1)).toMatchObject({ poll: false, state: 'Up' });
  });

  it('goes Down when nothing arrives for the detection time (3 x 100 ms), and Up again when the link is back', () => {
    const t = pair();
    t.a.start();
    t.b.start();
    t.clock.advance(2_000);
    t.cut();
    // The last packet came at most one interval (87.5 ms) before the cut: Down 212-300 ms after it.
    t.clock.advance(200);
    expect(t.a.sessionState).toBe('Up');
    t.clock.advance(100);
    expect(t.a.sessionState).toBe('Down');
    expect(t.log).toContain(`a Up->Down diag ${BfdDiag.CONTROL_DETECTION_TIME_EXPIRED}`);
    expect(t.a.flaps).toBe(1);
    t.mend();
    t.clock.advance(3_000);
    expect(t.a.sessionState).toBe('Up');
    expect(t.b.sessionState).toBe('Up');
  });

  it('goes Down at once when the peer says AdminDown, with diag Neighbor Signaled Session Down', () => {
    const t = pair();
    t.a.start();
    t.b.start();
    t.clock.advance(2_000);
    t.b.stop();
    t.clock.runSoon();
    expect(t.a.sessionState).toBe('Down');
    expect(t.log).toContain(`a Up->Down diag ${BfdDiag.NEIGHBOR_SIGNALED_DOWN}`);
    expect(t.log).toContain(`b Up->AdminDown diag ${BfdDiag.ADMIN_DOWN}`);
  });
});

describe('BFD session: every (local state, received state) pair of RFC 5880 6.8.6', () => {
  /** A session brought to `state` by real packets, then handed one packet in `received`. */
  function at(state: BfdState): { s: BfdSession; sent: BfdPacket[]; clock: ManualClock } {
    const clock = new ManualClock();
    const sent: BfdPacket[] = [];
    const s = new BfdSession(7, { minTx: 100, minRx: 100, multiplier: 3 }, clock, (p) => sent.push(p), () => {}, { random: () => 0.5 });
    s.start();
    const from = (st: BfdState) => ({ ...PACKET, poll: false, state: st, myDiscr: 9, yourDiscr: st === 'Down' ? 0 : 7 });
    if (state === 'Init') s.receive(from('Down'));
    if (state === 'Up') s.receive(from('Init'));
    if (state === 'AdminDown') s.stop();
    expect(s.sessionState).toBe(state);
    return { s, sent, clock };
  }
  const NEXT: Record<BfdState, Record<BfdState, BfdState>> = {
    // local state:  received AdminDown, Down, Init, Up
    Down: { AdminDown: 'Down', Down: 'Init', Init: 'Up', Up: 'Down' },
    Init: { AdminDown: 'Down', Down: 'Init', Init: 'Up', Up: 'Up' },
    Up: { AdminDown: 'Down', Down: 'Down', Init: 'Up', Up: 'Up' },
    // A session stopped by us ignores everything.
    AdminDown: { AdminDown: 'AdminDown', Down: 'AdminDown', Init: 'AdminDown', Up: 'AdminDown' },
  };
  for (const local of ['Down', 'Init', 'Up', 'AdminDown'] as const) {
    for (const received of ['AdminDown', 'Down', 'Init', 'Up'] as const) {
      it(`${local} + ${received} -> ${NEXT[local][received]}`, () => {
        const { s } = at(local);
        s.receive({ ...PACKET, poll: false, state: received, myDiscr: 9, yourDiscr: received === 'Down' || received === 'AdminDown' ? 0 : 7 });
        expect(s.sessionState).toBe(NEXT[local][received]);
      });
    }
  }

  it('Init also falls to Down when the detection time passes', () => {
    const { s, clock } = at('Init');
    clock.advance(301); // 3 x max(100 ms we accept, 100 ms the peer sends)
    expect(s.sessionState).toBe('Down');
  });

  it('a peer that lowers the rate it accepts gets packets at the new rate at once, not after the old interval', () => {
    // Up with a peer still accepting one packet a second (as FRR advertises before it is Up)...
    const { s, sent, clock } = at('Up');
    const slow = { ...PACKET, poll: false, state: 'Up' as const, myDiscr: 9, yourDiscr: 7, requiredMinRx: 1_000_000 };
    s.receive(slow);
    for (let i = 0; i < 3; i++) {
      clock.advance(250);
      s.receive(slow);
    }
    // 750 ms on; our next packet is due at 875 ms.
    // ...which then polls to 100 ms and from now on times us out after 3 x 100 ms.
    s.receive({ ...PACKET, poll: true, state: 'Up', myDiscr: 9, yourDiscr: 7, requiredMinRx: 100_000 });
    const before = sent.length;
    clock.advance(100);
    expect(sent.slice(before).filter((p) => !p.final)).toHaveLength(1);
  });

  it('a Poll is answered at once with a Final', () => {
    const { s, sent } = at('Up');
    const before = sent.length;
    s.receive({ ...PACKET, poll: true, state: 'Up', myDiscr: 9, yourDiscr: 7 });
    expect(sent.slice(before)).toEqual([expect.objectContaining({ final: true, poll: false })]);
  });
});
