// Weighted ECMP seen from the router (a raw BGP peer on loopback): each path of a prefix goes with
// its own link-bandwidth extended community (RFC 10005, transitive, weight x 1 Mbit/s), the
// prefix's attributes otherwise identical; a new weight re-sends that path alone; a weight survives
// the state file; a bad one is refused naming the field.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BgpMessage } from '../../src/codec/index.js';
import { silentLogger } from '../../src/log.js';
import { RequestError } from '../../src/rib/request-error.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { StateStore, StoredState } from '../../src/store/state-store.js';
import { messagesUntil, RawPeer } from './raw-peer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Update = Extract<BgpMessage, { type: 'update' }>;

/** "prefix#id via NH c=communities ext=..." for each path the UPDATEs announce. */
function routes(messages: readonly BgpMessage[]): string[] {
  const out: string[] = [];
  for (const m of messages) {
    if (m.type !== 'update') continue;
    const u = m as Update;
    const c = u.attributes.find((a) => a.type === 'communities');
    const ext = u.attributes.find((a) => a.type === 'extended-communities');
    const nh = u.attributes.find((a) => a.type === 'next-hop');
    const comms = c && 'communities' in c ? c.communities.map((x) => `${x >>> 16}:${x & 0xffff}`).join(',') : '';
    const exts = ext && 'communities' in ext ? (ext.communities as readonly { kind: string; transitive?: boolean; asn?: number; bandwidth?: number }[]).map((e) => (e.kind === 'link-bandwidth' ? `lb${e.transitive ? '' : '-nt'}:${e.asn}:${e.bandwidth}` : e.kind)).join(',') : '';
    for (const n of u.nlri) out.push(`${n.prefix.toString()}#${n.pathId ?? 0} via ${nh && 'nextHop' in nh ? nh.nextHop.toString() : '?'} c=${comms} ext=${exts}`);
  }
  return out.sort();
}

async function setUp(store: StateStore | null = null): Promise<{ speaker: Speaker; p: RawPeer; sentAfter: (before: number, what: string) => Promise<string[]>; written: () => number }> {
  const port = 30000 + Math.floor(Math.random() * 10000);
  const speaker = new Speaker(
    {
      asn: 65001,
      routerId: '192.0.2.100',
      nextHop: '198.51.100.11',
      listen: { address: '127.0.0.2', port },
      peers: [{ name: 'r', address: '127.0.0.1', port, asn: 65000, passive: true, holdTime: 90, connectRetry: 1, families: ['ipv4-unicast'], addPath: 'send' }],
    },
    silentLogger,
    undefined,
    store,
  );
  await speaker.start();
  cleanups.push(() => speaker.stop());
  const p = await RawPeer.connect('127.0.0.1', '127.0.0.2', port);
  cleanups.push(() => void p.socket.destroy());
  p.ctx = { ...p.ctx, addPathReceive: ['ipv4-unicast'] };
  await p.establish(65000, '192.0.2.1', [{ type: 'add-path', families: [{ afi: 1, safi: 1, direction: 'receive' }] }]);
  await messagesUntil(p, (m) => m.type === 'update' && m.nlri.length + m.withdrawn.length + m.attributes.length === 0);
  const written = (): number => speaker.listPeers()[0]!.updatesSent;
  const sentAfter = async (before: number, what: string): Promise<string[]> => {
    await p.until(what, () => written() > before && p.updatesReceived === written());
    return routes(p.takeAll());
  };
  return { speaker, p, sentAfter, written };
}

describe('weighted ECMP', () => {
  it("sends each path's weight as its own link bandwidth, and a new weight re-sends that path alone", async () => {
    const { speaker, sentAfter, written } = await setUp();
    let before = written();
    const added = await speaker.addPaths([
      { prefix: '203.0.113.1', nextHop: '198.51.100.11', weight: 1, communities: ['65001:7'] },
      { prefix: '203.0.113.1', nextHop: '198.51.100.12', weight: 2, communities: ['65001:7'] },
      { prefix: '203.0.113.1', nextHop: '198.51.100.13', weight: 1, communities: ['65001:7'] },
    ]);
    expect(added.map((a) => a.weight)).toEqual([1, 2, 1]);
    expect(await sentAfter(before, 'the weighted paths')).toEqual([
      '203.0.113.1/32#1 via 198.51.100.11 c=65001:7 ext=lb:65001:125000',
      '203.0.113.1/32#2 via 198.51.100.12 c=65001:7 ext=lb:65001:250000',
      '203.0.113.1/32#3 via 198.51.100.13 c=65001:7 ext=lb:65001:125000',
    ]);
    before = written();
    const changed = await speaker.addPaths([{ prefix: '203.0.113.1', nextHop: '198.51.100.13', weight: 5 }]);
    expect(changed.map((a) => a.outcome)).toEqual(['updated']);
    expect(await sentAfter(before, 'the new weight')).toEqual(['203.0.113.1/32#3 via 198.51.100.13 c=65001:7 ext=lb:65001:625000']);
    // A replace may give weights too; without one a path has none (an equal share).
    before = written();
    await speaker.replacePaths('cli', [
      { prefix: '203.0.113.1', nextHop: '198.51.100.11', weight: 1, communities: ['65001:7'] },
      { prefix: '203.0.113.1', nextHop: '198.51.100.12', communities: ['65001:7'] },
      { prefix: '203.0.113.1', nextHop: '198.51.100.13', weight: 5, communities: ['65001:7'] },
    ]);
    expect(await sentAfter(before, 'the replace')).toEqual(['203.0.113.1/32#2 via 198.51.100.12 c=65001:7 ext=']);
  });

  it('refuses a weight of 0, past 1000 or not whole, naming the field', async () => {
    const speaker = new Speaker({ asn: 65001, routerId: '192.0.2.100', nextHop: '198.51.100.11', peers: [] }, silentLogger);
    for (const weight of [0, 1001, 1.5, -1]) {
      const e = await speaker.addPaths([{ prefix: '203.0.113.1', weight }]).catch((err: unknown) => err);
      expect(e, String(weight)).toBeInstanceOf(RequestError);
      expect((e as RequestError).field).toBe('paths[0].weight');
      expect((e as RequestError).message).toMatch(/weight must be a whole number from 1 to 1000/);
      const r = await speaker.replacePaths('lb', [{ prefix: '203.0.113.2' }, { prefix: '203.0.113.1', weight }]).catch((err: unknown) => err);
      expect((r as RequestError).field).toBe('paths[1].weight');
    }
    expect(speaker.listPaths()).toEqual([]);
  });

  it('keeps weights over a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'announcer-weights-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'state');
    const store = new StateStore(file, silentLogger);
    await store.load();
    const a = new Speaker({ asn: 65001, routerId: '192.0.2.100', nextHop: '198.51.100.11', peers: [] }, silentLogger, undefined, store);
    cleanups.push(() => a.stop());
    await a.addPaths([
      { prefix: '203.0.113.1', nextHop: '198.51.100.11', weight: 3 },
      { prefix: '203.0.113.1', nextHop: '198.51.100.12' },
    ]);
    await store.close();
    const again = new StateStore(file, silentLogger);
    const state = await again.load();
    cleanups.push(() => again.close());
    expect(state.paths().map((p) => [p.nextHop, p.weight])).toEqual([
      ['198.51.100.11', 3],
      ['198.51.100.12', undefined],
    ]);
    const b = new Speaker({ asn: 65001, routerId: '192.0.2.100', nextHop: '198.51.100.11', peers: [] }, silentLogger);
    cleanups.push(() => b.stop());
    await b.restore(StoredState.of(state.paths()));
    expect(b.listPaths().map((p) => [p.nextHop, p.weight])).toEqual([
      ['198.51.100.11', 3],
      ['198.51.100.12', undefined],
    ]);
  });
});
