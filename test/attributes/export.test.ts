// Attributes from a request to the peers' UPDATEs and through the state file. Extended
// communities: the text operators type becomes typed values in canonical order; an eBGP peer gets
// the transitive ones only, an iBGP peer all of them (RFC 4360 6); a malformed one is refused
// naming its index. Prepending: our AS more times towards the eBGP peer, the path's count or the
// peer's; the iBGP peer's AS_PATH stays empty.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { endOfRibFamily, type BgpMessage, type PathAttribute } from '../../src/codec/index.js';
import { silentLogger } from '../../src/log.js';
import { RequestError } from '../../src/rib/request-error.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { StateStore } from '../../src/store/state-store.js';
import { messagesUntil, RawPeer } from '../speaker/raw-peer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const isEor = (m: BgpMessage): boolean => m.type === 'update' && endOfRibFamily(m) !== null;

/** The EXTENDED_COMMUNITIES, IPV6_EXTENDED_COMMUNITIES and AS_PATH a peer (AS `asn`, from `from`) receives with the first UPDATE that announces anything. */
async function received(from: string, asn: number, port: number): Promise<(PathAttribute | undefined)[]> {
  const peer = await RawPeer.connect(from, '127.0.0.2', port);
  cleanups.push(() => void peer.socket.destroy());
  await peer.establish(asn, from === '127.0.0.1' ? '192.0.2.1' : '192.0.2.3');
  const seen = await messagesUntil(peer, isEor);
  const update = seen.find((m) => m.type === 'update' && m.nlri.length > 0);
  if (update?.type !== 'update') throw new Error(`peer ${from} got no route`);
  return ['extended-communities', 'ipv6-extended-communities', 'as-path'].map((t) => update.attributes.find((a) => a.type === t));
}

describe('exported attributes', () => {
  it('extended communities go to an iBGP peer whole and to an eBGP peer without the non-transitive ones; prepending to the eBGP one; both survive the state file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ann-ext-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = new StateStore(join(dir, 'state'), silentLogger);
    await store.load();
    const port = 40000 + Math.floor(Math.random() * 20000);
    const peer = (name: string, address: string, asn: number) => ({ name, address, port, asn, passive: true, holdTime: 90, connectRetry: 1, families: ['ipv4-unicast' as const], addPath: 'off' as const, defaults: { prepend: 4 } });
    const s = new Speaker(
      { asn: 65001, routerId: '192.0.2.100', nextHop: '198.51.100.11', listen: { address: '127.0.0.2', port }, peers: [peer('ebgp', '127.0.0.1', 65000), peer('ibgp', '127.0.0.3', 65001)] },
      silentLogger,
      undefined,
      store,
    );
    cleanups.push(() => s.stop());
    const [p] = await s.addPaths([{ prefix: '203.0.113.10', extendedCommunities: ['lb-nt:65001:1000', 'RT:192.0.2.1:7', 'rt:[2001:db8::1]:100', 'rt:65000:100', 'rt:65000:100'], prepend: 2 }]);
    // Canonical text, in the order of their octets, once each.
    // The IPv6-address-specific one (RFC 5701) last: its octets are longer.
    expect(p!.attributes.extendedCommunities).toEqual(['rt:65000:100', 'rt:192.0.2.1:7', 'lb-nt:65001:1000', 'rt:2001:db8::1:100']);

    const err = await s.addPaths([{ prefix: '203.0.113.11', extendedCommunities: ['rt:65000:1', 'rt:65536:65536'] }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect((err as RequestError).field).toBe('paths[0].extendedCommunities[1]');
    expect((err as Error).message).toContain('"rt:65536:65536" is not an extended community');

    await s.start();
    const rt = { kind: 'route-target', form: 'as2', global: 65000, local: 100 } as const;
    const rtIp = { kind: 'route-target', form: 'ipv4', global: 0xc0000201, local: 7 } as const;
    const lb = { kind: 'link-bandwidth', transitive: false, asn: 65001, bandwidth: 1000 } as const;
    const rt6 = { type: 'ipv6-extended-communities', communities: [{ kind: 'route-target', form: 'ipv6', address: Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), local: 100 }] };
    // The path's prepend (2), not the peer's (4): our AS three times.
    const ourAs = { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001, 65001, 65001] }] };
    expect(await received('127.0.0.1', 65000, port)).toEqual([{ type: 'extended-communities', communities: [rt, rtIp] }, rt6, ourAs]);
    expect(await received('127.0.0.3', 65001, port)).toEqual([{ type: 'extended-communities', communities: [rt, rtIp, lb] }, rt6, { type: 'as-path', segments: [] }]);
    await s.stop();
    await store.close();

    const again = new StateStore(join(dir, 'state'), silentLogger);
    const state = await again.load();
    cleanups.push(() => again.close());
    expect(state.paths()).toEqual([
      { prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owners: ['cli'], extendedCommunities: ['rt:65000:100', 'rt:192.0.2.1:7', 'lb-nt:65001:1000', 'rt:2001:db8::1:100'], prepend: 2, pathId: 1, attributesOwner: 'cli' },
    ]);
    const b = new Speaker({ asn: 65001, routerId: '192.0.2.100', nextHop: '198.51.100.11', peers: [] }, silentLogger);
    cleanups.push(() => b.stop());
    await b.restore(state);
    expect(b.listPaths().map((x) => [x.attributes.extendedCommunities, x.attributes.prepend])).toEqual([[['rt:65000:100', 'rt:192.0.2.1:7', 'lb-nt:65001:1000', 'rt:2001:db8::1:100'], 2]]);
  });
});
