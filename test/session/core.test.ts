// The session core with a ManualClock and in-memory connections (harness.ts): every timer of
// RFC 4271 10 with its jitter, connection collisions (6.8), stopping, and what goes on the wire,
// octet for octet where it matters. No sockets, no sleeps.

import { describe, expect, it } from 'vitest';
import { CeaseSubcode, hardReset, cease, type NotificationMessage } from '../../src/codec/index.js';
import { establish, newSession, notificationOctets, PEER_ID, type Harness, type MemoryLink } from './harness.js';

/** Stops the session and waits until its connection is closed. */
async function stopped(h: Harness, ...args: Parameters<Harness['session']['stop']>): Promise<void> {
  const done = h.session.stop(...args);
  h.clock.runSoon();
  await done;
}

/** Established with a peer that advertises graceful restart, with or without the N bit (RFC 8538). */
function establishWithGr(h: Harness, notification: boolean): MemoryLink {
  h.session.start();
  const link = h.transport.answer();
  const open = h.peerOpen();
  link.send({ ...open, capabilities: [...open.capabilities, { type: 'graceful-restart', restarting: false, notification, restartTime: 120, families: [] }] });
  link.send({ type: 'keepalive' });
  link.take();
  return link;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('session core: timers', () => {
  it('connects on start, sends OPEN when the connection is up, and is Established after OPEN and KEEPALIVE', () => {
    const h = newSession();
    h.session.start();
    expect(h.transport.pending).toBe(1);
    const link = h.transport.answer();
    expect(link.takeTypes()).toEqual(['open']);
    expect(h.session.state).toBe('OpenSent');
    link.send(h.peerOpen());
    expect(link.takeTypes()).toEqual(['keepalive']);
    expect(h.session.state).toBe('OpenConfirm');
    link.send({ type: 'keepalive' });
    expect(h.session.state).toBe('Established');
    expect(h.heard).toEqual([
      'state Idle->Connect',
      'state Connect->OpenSent',
      'state OpenSent->OpenConfirm',
      'established',
      'state OpenConfirm->Established',
    ]);
  });

  it('keepalives go out at a third of the hold time, jittered to 75-100% (RFC 4271 10)', () => {
    for (const [random, interval] of [
      [1, 3_000],
      [0, 2_250],
    ] as const) {
      const h = newSession({}, { random: () => random });
      const link = establish(h);
      const at: number[] = [];
      const start = h.clock.now();
      for (let t = 0; t < 10_000; t += 250) {
        h.clock.advance(250);
        link.send({ type: 'keepalive' }); // the peer keeps the session alive
        for (const m of link.take()) if (m.type === 'keepalive') at.push(h.clock.now() - start);
      }
      // 9 s hold time: every 3 s, or every 2.25 s with the jitter at its low end.
      expect(at.slice(0, 3)).toEqual([interval, 2 * interval, 3 * interval].map((ms) => Math.ceil(ms / 250) * 250));
    }
  });

  it('a peer silent for the hold time gets Hold Timer Expired (4/0) and the session goes down', () => {
    const h = newSession();
    const link = establish(h);
    h.clock.advance(8_999);
    expect(h.session.state).toBe('Established');
    link.take();
    h.clock.advance(1);
    expect(hex(link.octets.subarray(link.octets.length - 21))).toBe(hex(notificationOctets(4, 0)));
    expect(h.session.state).toBe('Idle');
    expect(link.isOpen).toBe(false);
    expect(h.heard).toContain('down');
  });

  it('any message from the peer restarts the hold timer', () => {
    const h = newSession();
    const link = establish(h);
    for (let i = 0; i < 5; i++) {
      h.clock.advance(8_000);
      link.send({ type: 'keepalive' });
    }
    expect(h.session.state).toBe('Established');
  });

  it('an unanswered connect is retried after the connect-retry time (jittered), the old attempt abandoned', () => {
    const h = newSession({ connectRetry: 5 }, { random: () => 0 });
    h.session.start();
    expect(h.transport.attempts).toHaveLength(1);
    h.clock.advance(3_749);
    expect(h.transport.attempts).toHaveLength(1);
    h.clock.advance(1); // 75% of 5 s
    expect(h.transport.attempts).toHaveLength(2);
    expect(h.transport.attempts[0]!.cancelled).toBe(true);
    expect(h.session.state).toBe('Connect');
  });

  it('a refused connect waits in Active for the connect-retry time, then tries again', () => {
    const h = newSession({ connectRetry: 5 });
    h.session.start();
    h.transport.refuse();
    expect(h.session.state).toBe('Active');
    h.clock.advance(4_999);
    expect(h.transport.attempts).toHaveLength(1);
    h.clock.advance(1);
    expect(h.transport.attempts).toHaveLength(2);
    expect(h.session.state).toBe('Connect');
  });

  it('a peer that keeps failing the session waits longer each time in Idle (1, 2, 4 s)', () => {
    const h = newSession();
    const waits: number[] = [];
    h.session.start();
    for (let i = 0; i < 3; i++) {
      const link = h.transport.answer();
      link.send(h.peerOpen());
      // An error NOTIFICATION (not an administrative Cease) from the peer.
      link.send({ type: 'notification', code: 6, subcode: 8, data: new Uint8Array(0) });
      expect(h.session.state).toBe('Idle');
      const down = h.clock.now();
      const attempts = h.transport.attempts.length;
      while (h.transport.attempts.length === attempts) h.clock.advance(100);
      waits.push(h.clock.now() - down);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000]);
  });

  it("a peer's administrative Cease (its restart) is not damped: each reconnect comes after 1 s", () => {
    const h = newSession();
    h.session.start();
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const link = h.transport.answer();
      link.send(h.peerOpen());
      link.send({ type: 'keepalive' });
      link.send(cease(2, 'restarting'));
      const down = h.clock.now();
      const attempts = h.transport.attempts.length;
      while (h.transport.attempts.length === attempts) h.clock.advance(100);
      waits.push(h.clock.now() - down);
    }
    expect(waits).toEqual([1_000, 1_000, 1_000]);
    expect(h.session.lastError).toBe('received NOTIFICATION Cease / Administrative Shutdown: restarting');
  });
});

describe('session core: collisions (RFC 4271 6.8)', () => {
  it('the peer with the higher BGP identifier keeps its connection: ours gets Cease 6/7, the session carries on over theirs', () => {
    const h = newSession();
    h.session.start();
    const ours = h.transport.answer();
    ours.take();
    const theirs = h.incoming();
    expect(theirs.takeTypes()).toEqual(['open']); // our OPEN on the peer's connection too
    // Their identifier 198.51.100.200 > ours 198.51.100.11.
    theirs.send(h.peerOpen({ bgpId: '198.51.100.200' }));
    expect(hex(ours.octets.subarray(ours.octets.length - 21))).toBe(hex(notificationOctets(6, 7)));
    expect(ours.isOpen).toBe(false);
    expect(h.session.state).toBe('OpenConfirm');
    expect(theirs.takeTypes()).toEqual(['keepalive']);
    theirs.send({ type: 'keepalive' });
    expect(h.session.state).toBe('Established');
    // The session lives on their connection: its hold timer is fed from there.
    h.clock.advance(8_000);
    theirs.send({ type: 'keepalive' });
    h.clock.advance(8_000);
    expect(h.session.state).toBe('Established');
  });

  it('the peer with the lower BGP identifier loses its connection: it gets Cease 6/7, ours carries on', () => {
    const h = newSession();
    h.session.start();
    const ours = h.transport.answer();
    ours.take();
    const theirs = h.incoming();
    theirs.take();
    // Their identifier 198.51.100.1 < ours 198.51.100.11.
    theirs.send(h.peerOpen({ bgpId: PEER_ID }));
    expect(hex(theirs.octets.subarray(theirs.octets.length - 21))).toBe(hex(notificationOctets(6, 7)));
    expect(theirs.isOpen).toBe(false);
    expect(h.session.state).toBe('OpenSent');
    ours.send(h.peerOpen({ bgpId: PEER_ID }));
    ours.send({ type: 'keepalive' });
    expect(h.session.state).toBe('Established');
  });

  it('a collision decided on our connection already in OpenConfirm still switches to theirs, back in OpenSent', () => {
    const h = newSession();
    h.session.start();
    const ours = h.transport.answer();
    ours.send(h.peerOpen({ bgpId: '198.51.100.200' }));
    expect(h.session.state).toBe('OpenConfirm');
    const theirs = h.incoming();
    // Our connection already carries their OPEN: decided at once, for them.
    expect(ours.isOpen).toBe(false);
    expect(h.session.state).toBe('OpenSent');
    theirs.send(h.peerOpen({ bgpId: '198.51.100.200' }));
    theirs.send({ type: 'keepalive' });
    expect(h.session.state).toBe('Established');
  });

  it('a connection from the peer while Established is refused with Cease 6/7; while stopped, with Cease 6/5', () => {
    const h = newSession();
    establish(h);
    const extra = h.incoming();
    expect(hex(extra.octets)).toBe(hex(notificationOctets(6, 7)));
    expect(extra.isOpen).toBe(false);
    expect(h.session.state).toBe('Established');
    const idle = newSession();
    const refused = idle.incoming();
    expect(hex(refused.octets)).toBe(hex(notificationOctets(6, 5)));
  });
});

describe('session core: stopping', () => {
  it('a stop sends Cease / Administrative Shutdown with the message (RFC 8203), then closes', async () => {
    const h = newSession();
    const link = establish(h);
    await stopped(h, 'maintenance');
    const sent = link.take().at(-1) as NotificationMessage;
    expect(sent).toEqual(cease(2, 'maintenance'));
    expect(link.isOpen).toBe(false);
    expect(h.session.state).toBe('Idle');
  });

  it("a peer's own shutdownMessage replaces the daemon's; false sends a bare Cease (6/2, no data)", async () => {
    for (const [own, expected] of [
      ['leaving for good', cease(2, 'leaving for good')],
      [false, cease(2)],
    ] as const) {
      const h = newSession({ shutdownMessage: own });
      const link = establish(h);
      await stopped(h, 'announcer shutting down (SIGTERM)');
      expect(link.take().at(-1)).toEqual(expected);
    }
    const bare = newSession({ shutdownMessage: false });
    const link = establish(bare);
    await stopped(bare, 'announcer shutting down (SIGTERM)');
    expect(hex(link.octets.subarray(link.octets.length - 21))).toBe(hex(notificationOctets(6, 2)));
  });

  it('with graceful restart and the N bit: a withdrawing stop is a Hard Reset, a restart a plain Cease', async () => {
    for (const mode of ['withdraw', 'restart'] as const) {
      const h = newSession({ gracefulRestart: { restartTime: 120 } });
      const link = establishWithGr(h, true);
      await stopped(h, 'upgrade', mode);
      expect(link.take().at(-1)).toEqual(mode === 'withdraw' ? hardReset(2, 'upgrade') : cease(2, 'upgrade'));
    }
  });

  it('back from a restart: the OPEN carries the R bit until the session is up once, and not after (RFC 4724 3)', () => {
    const h = newSession({ gracefulRestart: { restartTime: 120 } }, { restarting: true });
    h.session.start();
    const first = h.transport.answer();
    const grOf = (link: MemoryLink) => {
      const open = link.take().find((m) => m.type === 'open');
      return open?.type === 'open' ? open.capabilities.find((c) => c.type === 'graceful-restart') : undefined;
    };
    expect(grOf(first)).toMatchObject({ restarting: true, restartTime: 120 });
    const open = h.peerOpen();
    first.send({ ...open, capabilities: [...open.capabilities, { type: 'graceful-restart', restarting: false, notification: true, restartTime: 120, families: [] }] });
    first.send({ type: 'keepalive' });
    expect(h.session.state).toBe('Established');
    // The session drops; the next OPEN is an ordinary one.
    first.close();
    h.clock.advance(10_000);
    const second = h.transport.answer();
    expect(grOf(second)).toMatchObject({ restarting: false });
  });

  it('says before it stops what the peer will keep, and then stops that way (what `shutdown` reports)', async () => {
    // Graceful restart both ways: a restart leaves the paths for the restart time WE advertised.
    const gr = newSession({ gracefulRestart: { restartTime: 120 } });
    const grLink = establishWithGr(gr, false);
    expect(gr.session.stopOutcome('restart')).toEqual({ kept: true, restartTime: 120 });
    expect(gr.session.stopOutcome('withdraw')).toEqual({ kept: false });
    await stopped(gr, 'upgrade', 'restart');
    expect(grLink.takeTypes()).toEqual([]); // no Cease: the peer keeps them

    // The router did not offer it: a restart withdraws, with a Cease.
    const notOffered = newSession({ gracefulRestart: { restartTime: 120 } });
    const link = establish(notOffered);
    expect(notOffered.session.stopOutcome('restart')).toEqual({ kept: false, reason: 'graceful restart not negotiated (the router did not offer it)' });
    await stopped(notOffered, 'upgrade', 'restart');
    expect(link.take().at(-1)).toEqual(cease(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, 'upgrade'));

    // Not configured here, offered there.
    const notConfigured = newSession();
    establishWithGr(notConfigured, true);
    expect(notConfigured.session.stopOutcome('restart')).toEqual({ kept: false, reason: 'graceful restart not configured for this peer' });

    // Not up: nothing to keep or withdraw.
    const down = newSession({ gracefulRestart: { restartTime: 120 } });
    down.session.start();
    for (const mode of ['restart', 'withdraw'] as const) {
      expect(down.session.stopOutcome(mode)).toEqual({ kept: false, reason: 'session not established: the router holds nothing from us' });
    }
  });

  it('with graceful restart but no N bit: a restart closes without a NOTIFICATION', async () => {
    const h = newSession({ gracefulRestart: { restartTime: 120 } });
    const link = establishWithGr(h, false);
    await stopped(h, 'upgrade', 'restart');
    expect(link.takeTypes()).toEqual([]);
    expect(link.isOpen).toBe(false);
  });
});

describe('session core: why a peer is not up (lastError, and since when)', () => {
  it('a refused connect is the last error, with when it happened, even while it keeps retrying', () => {
    const h = newSession({ connectRetry: 5 });
    h.session.start();
    const started = h.clock.now();
    h.clock.advance(20);
    h.transport.refuse('connect ECONNREFUSED 198.51.100.1:179');
    expect(h.session.state).toBe('Active');
    expect(h.session.lastError).toBe('connect ECONNREFUSED 198.51.100.1:179');
    expect(h.session.lastErrorAt).toBe(started + 20);
    // Each retry flips Active -> Connect -> Active: SINCE stays at the first failure.
    const firstFailure = h.clock.now();
    for (let i = 0; i < 3; i++) {
      h.clock.advance(5_000);
      expect(h.session.state).toBe('Connect');
      h.transport.refuse('bind EADDRNOTAVAIL 192.0.2.99');
    }
    expect(h.session.lastError).toBe('bind EADDRNOTAVAIL 192.0.2.99');
    expect(h.session.lastErrorAt).toBe(h.clock.now());
    expect(h.session.since).toBe(firstFailure);
  });

  it('a problem noted before start (a localAddress this host lacks) begins SINCE; the first failed connect does not move it', () => {
    const h = newSession({ connectRetry: 5 });
    h.session.noteProblem('localAddress 192.0.2.99 is not an address of this host');
    const noted = h.clock.now();
    h.session.start();
    h.clock.advance(20);
    h.transport.refuse('bind EADDRNOTAVAIL 192.0.2.99');
    expect(h.session.lastError).toBe('bind EADDRNOTAVAIL 192.0.2.99');
    expect(h.session.since).toBe(noted);
  });

  it('SINCE counts from Established while up, and from the drop once it is down', () => {
    const h = newSession();
    const link = establish(h);
    const up = h.clock.now();
    h.clock.advance(8_000);
    link.send({ type: 'keepalive' });
    expect(h.session.since).toBe(up);
    h.clock.advance(9_000);
    expect(h.session.state).toBe('Idle');
    const down = h.clock.now();
    expect(h.session.since).toBe(down);
    expect(h.session.lastError).toBe('hold timer expired: the peer sent nothing for 9 s');
    expect(h.session.lastErrorAt).toBe(down);
    // It comes back to Connect, fails, retries: still counted from the drop.
    h.clock.advance(1_000);
    h.transport.refuse();
    h.clock.advance(5_000);
    expect(h.session.since).toBe(down);
  });

  it("a NOTIFICATION from the peer is the last error, with the peer's text", () => {
    const h = newSession();
    const link = establish(h);
    h.clock.advance(1_000);
    link.send(cease(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, 'maintenance'));
    expect(h.session.lastError).toBe('received NOTIFICATION Cease / Administrative Shutdown: maintenance');
    expect(h.session.lastErrorAt).toBe(h.clock.now());
  });
});
