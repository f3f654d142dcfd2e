// `announcer drain` seen from the router (a raw BGP peer on loopback): every path comes again with
// GRACEFUL_SHUTDOWN (65535:0, RFC 8326) and, towards iBGP, LOCAL_PREF 0; after the given time every
// path is withdrawn; undrain announces them as before. No session is reset on the way.

import { afterEach, describe, expect, it } from 'vitest';
import type { BgpMessage } from '../../src/codec/index.js';
import { silentLogger } from '../../src/log.js';
import { RequestError } from '../../src/rib/request-error.js';
import { exportAttributes, GRACEFUL_SHUTDOWN } from '../../src/speaker/export-policy.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { messagesUntil, RawPeer } from './raw-peer.js';
import { FakeProber, webCheck } from '../api/health-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Update = Extract<BgpMessage, { type: 'update' }>;

/** "prefix#id c=communities lp=local-pref" of each path an UPDATE announces; "-prefix#id" of each it withdraws. */
function routes(messages: readonly BgpMessage[]): string[] {
  const out: string[] = [];
  for (const m of messages) {
    if (m.type !== 'update') continue;
    const u = m as Update;
    const c = u.attributes.find((a) => a.type === 'communities');
    const lp = u.attributes.find((a) => a.type === 'local-pref');
    const text = `c=${c && 'communities' in c ? c.communities.map((x) => `${x >>> 16}:${x & 0xffff}`).join(',') : ''} lp=${lp && 'localPref' in lp ? lp.localPref : '-'}`;
    for (const n of u.nlri) out.push(`${n.prefix.toString()}#${n.pathId ?? 0} ${text}`);
    for (const n of u.withdrawn) out.push(`-${n.prefix.toString()}#${n.pathId ?? 0}`);
  }
  return out.sort();
}

describe('drain', () => {
  it('sends every path with GRACEFUL_SHUTDOWN and LOCAL_PREF 0 to an iBGP peer, then withdraws them; undrain sends them as before', async () => {
    const port = 30000 + Math.floor(Math.random() * 10000);
    const speaker = new Speaker(
      {
        asn: 65001,
        routerId: '192.0.2.100',
        nextHop: '198.51.100.11',
        listen: { address: '127.0.0.2', port },
        peers: [{ name: 'r', address: '127.0.0.1', port, asn: 65001, passive: true, holdTime: 90, connectRetry: 1, families: ['ipv4-unicast'], addPath: 'send' }],
      },
      silentLogger,
    );
    await speaker.start();
    cleanups.push(() => speaker.stop());
    await speaker.addPaths([
      { prefix: '203.0.113.1', nextHop: '198.51.100.11', communities: ['65000:7'] },
      { prefix: '203.0.113.1', nextHop: '198.51.100.12', communities: ['65000:7'] },
      { prefix: '203.0.113.2', nextHop: '198.51.100.11', localPref: 300 },
    ]);
    const p = await RawPeer.connect('127.0.0.1', '127.0.0.2', port);
    cleanups.push(() => void p.socket.destroy());
    p.ctx = { ...p.ctx, addPathReceive: ['ipv4-unicast'] };
    await p.establish(65001, '192.0.2.1', [{ type: 'add-path', families: [{ afi: 1, safi: 1, direction: 'receive' }] }]);
    const endOfRib = (m: BgpMessage): boolean => m.type === 'update' && m.nlri.length + m.withdrawn.length + m.attributes.length === 0;
    const initial = await messagesUntil(p, endOfRib);
    expect(routes(initial)).toEqual(['203.0.113.1/32#1 c=65000:7 lp=100', '203.0.113.1/32#2 c=65000:7 lp=100', '203.0.113.2/32#3 c= lp=300']);
    // What the speaker writes for a change: once it has written more than before and the peer
    // holds as many UPDATEs as it wrote.
    const written = (): number => speaker.listPeers()[0]!.updatesSent;
    const sentAfter = async (before: number, what: string): Promise<string[]> => {
      await p.until(what, () => written() > before && p.updatesReceived === written());
      return routes(p.takeAll());
    };

    let before = written();
    expect(speaker.drain(1500)).toMatchObject({ state: 'draining', withdrawAt: expect.any(Number) });
    expect(await sentAfter(before, 'the drained paths')).toEqual(['203.0.113.1/32#1 c=65000:7,65535:0 lp=0', '203.0.113.1/32#2 c=65000:7,65535:0 lp=0', '203.0.113.2/32#3 c=65535:0 lp=0']);
    // A path added while draining goes out drained too.
    before = written();
    await speaker.addPaths([{ prefix: '203.0.113.3', nextHop: '198.51.100.13' }]);
    expect(await sentAfter(before, 'the new path')).toEqual(['203.0.113.3/32#4 c=65535:0 lp=0']);

    // After the time: every path withdrawn, the table kept.
    before = written();
    expect(await sentAfter(before, 'the withdrawals')).toEqual(['-203.0.113.1/32#1', '-203.0.113.1/32#2', '-203.0.113.2/32#3', '-203.0.113.3/32#4']);
    expect(speaker.drainStatus().state).toBe('withdrawn');
    expect(speaker.listPaths()).toHaveLength(4);
    expect(speaker.listPaths({ peer: 'r' })).toEqual([]);

    // Undrain: as before, and the session never went down.
    before = written();
    expect(speaker.undrain()).toEqual({ state: 'announcing' });
    expect(await sentAfter(before, 'the paths again')).toEqual(['203.0.113.1/32#1 c=65000:7 lp=100', '203.0.113.1/32#2 c=65000:7 lp=100', '203.0.113.2/32#3 c= lp=300', '203.0.113.3/32#4 c= lp=100']);
    expect(speaker.listPeers()[0]!.state).toBe('Established');
  });

  it('adds only the community towards eBGP peers (LOCAL_PREF is not sent there)', () => {
    const a = exportAttributes({ communities: [65000 * 65536 + 7] }, { localAsn: 65000, ebgp: true, draining: true });
    expect(a.find((x) => x.type === 'communities')).toEqual({ type: 'communities', communities: [65000 * 65536 + 7, GRACEFUL_SHUTDOWN] });
    expect(a.some((x) => x.type === 'local-pref')).toBe(false);
  });

  it('refuses a time it cannot keep, naming the field', () => {
    const speaker = new Speaker({ asn: 65000, routerId: '192.0.2.100', nextHop: 'self', peers: [] }, silentLogger);
    for (const ms of [-1, 1.5, 86_400_001]) {
      const e = (() => {
        try {
          speaker.drain(ms);
        } catch (err) {
          return err;
        }
        return null;
      })();
      expect(e).toBeInstanceOf(RequestError);
      expect((e as RequestError).field).toBe('withdrawAfterMs');
    }
    expect(speaker.drainStatus()).toEqual({ state: 'announcing' });
  });
});

describe('drain beside what a user turns on with it', () => {
  /** Every path the peer holds now, "prefix#id" -> "c=... lp=... med=... ext=...", kept up to date from the UPDATEs it is given. */
  function holder(): { held: Map<string, string>; take: (messages: readonly BgpMessage[]) => void } {
    const held = new Map<string, string>();
    const take = (messages: readonly BgpMessage[]): void => {
      for (const m of messages) {
        if (m.type !== 'update') continue;
        const u = m as Update;
        const c = u.attributes.find((a) => a.type === 'communities');
        const lp = u.attributes.find((a) => a.type === 'local-pref');
        const med = u.attributes.find((a) => a.type === 'med');
        const ext = u.attributes.find((a) => a.type === 'extended-communities');
        const text = [
          `c=${c && 'communities' in c ? c.communities.map((x) => `${x >>> 16}:${x & 0xffff}`).join(',') : ''}`,
          `lp=${lp && 'localPref' in lp ? lp.localPref : '-'}`,
          `med=${med && 'med' in med ? med.med : '-'}`,
          `ext=${ext && 'communities' in ext ? ext.communities.map((e) => ('bandwidth' in e ? `lb:${e.asn}:${e.bandwidth}` : e.kind)).join(',') : ''}`,
        ].join(' ');
        for (const n of u.withdrawn) held.delete(`${n.prefix.toString()}#${n.pathId ?? 0}`);
        for (const n of u.nlri) held.set(`${n.prefix.toString()}#${n.pathId ?? 0}`, text);
      }
    };
    return { held, take };
  }

  async function session(extra: Partial<ConstructorParameters<typeof Speaker>[0]> = {}): Promise<{ speaker: Speaker; p: RawPeer; held: Map<string, string>; until: (what: string, ok: (held: Map<string, string>) => boolean) => Promise<void> }> {
    const port = 30000 + Math.floor(Math.random() * 10000);
    const speaker = new Speaker(
      {
        asn: 65001,
        routerId: '192.0.2.100',
        nextHop: '198.51.100.11',
        listen: { address: '127.0.0.2', port },
        peers: [{ name: 'r', address: '127.0.0.1', port, asn: 65001, passive: true, holdTime: 90, connectRetry: 1, families: ['ipv4-unicast'], addPath: 'send' }],
        ...extra,
      },
      silentLogger,
    );
    await speaker.start();
    cleanups.push(() => speaker.stop());
    const p = await RawPeer.connect('127.0.0.1', '127.0.0.2', port);
    cleanups.push(() => void p.socket.destroy());
    p.ctx = { ...p.ctx, addPathReceive: ['ipv4-unicast'] };
    await p.establish(65001, '192.0.2.1', [{ type: 'add-path', families: [{ afi: 1, safi: 1, direction: 'receive' }] }]);
    const { held, take } = holder();
    const until = (what: string, ok: (h: Map<string, string>) => boolean): Promise<void> =>
      p.until(what, () => {
        take(p.takeAll());
        return ok(held);
      }, 15_000);
    return { speaker, p, held, until };
  }

  it('composes with a health check that demotes and with weights: each path keeps its weight and its demotion, and gets GRACEFUL_SHUTDOWN', async () => {
    const prober = new FakeProber();
    const demote = webCheck({ initial: 'up', onFail: { action: 'demote', med: 1000, communities: [65001 * 65536 + 666] } });
    const { speaker, until } = await session({ healthChecks: [demote], prober });
    await speaker.addPaths([
      { prefix: '203.0.113.1', nextHop: '198.51.100.11', weight: 2, check: 'web' },
      { prefix: '203.0.113.1', nextHop: '198.51.100.12', weight: 1, check: 'web' },
    ]);
    prober.down.add('198.51.100.12');
    await until('.12 demoted', (h) => h.get('203.0.113.1/32#2')?.includes('med=1000') === true);
    speaker.drain();
    const want = new Map([
      ['203.0.113.1/32#1', 'c=65535:0 lp=0 med=- ext=lb:65001:250000'],
      ['203.0.113.1/32#2', 'c=65001:666,65535:0 lp=0 med=1000 ext=lb:65001:125000'],
    ]);
    await until('both drained', (h) => [...want].every(([k, v]) => h.get(k) === v));
    // The check comes back while draining: still drained, no longer demoted.
    prober.down.delete('198.51.100.12');
    await until('.12 up, drained', (h) => h.get('203.0.113.1/32#2') === 'c=65535:0 lp=0 med=- ext=lb:65001:125000');
    speaker.undrain();
    await until('undrained', (h) => h.get('203.0.113.1/32#1') === 'c= lp=100 med=- ext=lb:65001:250000' && h.get('203.0.113.1/32#2') === 'c= lp=100 med=- ext=lb:65001:125000');
  });

  it('meets a large replace being applied in slices: the peer ends with every path of the set, each drained', async () => {
    const { speaker, until } = await session();
    const set = Array.from({ length: 20_000 }, (_, i) => ({ prefix: `100.64.${i >> 8}.${i & 255}`, nextHop: `198.51.100.${11 + (i % 3)}` }));
    const applying = speaker.replacePaths('lb', set);
    speaker.drain(); // while the replace is applied, slice by slice
    await applying;
    await until('20,000 drained paths', (h) => h.size === 20_000 && [...h.values()].every((v) => v.startsWith('c=65535:0 lp=0')));
    // And a withdraw-now while it holds them: all gone, the table kept.
    speaker.drain(0);
    await until('all withdrawn', (h) => h.size === 0);
    expect(speaker.listPaths({ owner: 'lb' })).toHaveLength(20_000);
  });
});
