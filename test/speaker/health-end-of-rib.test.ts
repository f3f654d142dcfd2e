// A path held back until its health check's first verdict (initial: down) is not yet sent when a
// session comes up; End-of-RIB must wait for that verdict. Sent first, it tells a router that kept
// our paths over a restart (RFC 4724) to drop the stale one: the node leaves the route until its
// next probe, and connections to it reset. Real TCP on loopback; the probe answers when the test says.

import { afterEach, describe, expect, it } from 'vitest';
import { endOfRibFamily, type BgpMessage } from '../../src/codec/index.js';
import type { ExpandedProbe } from '../../src/health/expand.js';
import type { Prober, ProbeResult } from '../../src/health/prober.js';
import { silentLogger } from '../../src/log.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { webCheck } from '../api/health-fixture.js';
import { messagesUntil, RawPeer } from './raw-peer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Probes that answer only when released, all with the same result. */
class HeldProber implements Prober {
  private waiting: ((r: ProbeResult) => void)[] = [];
  probe(_target: ExpandedProbe): Promise<ProbeResult> {
    if (this.answer) return Promise.resolve(this.answer);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  /** Every probe asked so far, and every later one, answers `r`. */
  release(r: ProbeResult): void {
    this.answer = r;
    for (const w of this.waiting.splice(0)) w(r);
  }
  private answer: ProbeResult | null = null;
}

const isEor = (m: BgpMessage): boolean => m.type === 'update' && endOfRibFamily(m) !== null;

describe('End-of-RIB and health checks', () => {
  it.each([
    ['passes', { ok: true, detail: 'HTTP 200' }, ['announce 203.0.113.10/32', 'End-of-RIB']],
    ['fails', { ok: false, detail: 'HTTP 503' }, ['End-of-RIB']],
  ] as const)('waits for the first verdict of a pending check (it %s)', async (_what, verdict, expected) => {
    const port = 40000 + Math.floor(Math.random() * 20000);
    const prober = new HeldProber();
    const speaker = new Speaker(
      {
        asn: 65001,
        routerId: '192.0.2.100',
        nextHop: '198.51.100.11',
        listen: { address: '127.0.0.2', port },
        peers: [{ name: 'r', address: '127.0.0.1', port, asn: 65000, passive: true, holdTime: 90, connectRetry: 1, families: ['ipv4-unicast'], addPath: 'off' }],
        healthChecks: [webCheck({ interval: 1_000 })],
        prober,
      },
      silentLogger,
    );
    // As after a restart: the path is in the table, its check has no verdict yet.
    await speaker.addPaths([{ prefix: '203.0.113.10', check: 'web' }]);
    await speaker.start();
    cleanups.push(() => {
      prober.release({ ok: false, detail: 'test over' });
      return speaker.stop();
    });
    const peer = await RawPeer.connect('127.0.0.1', '127.0.0.2', port);
    cleanups.push(() => void peer.socket.destroy());
    await peer.establish(65000, '192.0.2.1');
    prober.release(verdict);
    const seen = await messagesUntil(peer, isEor);
    const said = seen.flatMap((m) => (m.type !== 'update' ? [] : isEor(m) ? ['End-of-RIB'] : m.nlri.map((n) => `announce ${n.prefix.toString()}`)));
    expect(said).toEqual(expected);
  });
});
