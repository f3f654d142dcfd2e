// What each router is sent of what was added (issue 22, item 4): three real speakers on loopback
// receive from one, with ADD-PATH, without it, and without IPv6; a fourth peer never comes up.
// The speaker's answer is checked against what the receivers actually got.

import { describe, expect, it } from 'vitest';
import type { Speaker } from '../../src/speaker/speaker.js';
import { peer, speaker, until } from './loopback-speakers.js';
import type { Family } from '../../src/codec/types.js';

const port = 20000 + Math.floor(Math.random() * 20000);

/** A receiver on 127.0.0.N that takes what 127.0.0.1 sends it. */
function receiver(n: number, addPath: 'off' | 'receive', families: Family[]): Promise<Speaker> {
  return speaker({
    asn: 65000 + n,
    routerId: `192.0.2.${n}`,
    nextHop: 'self',
    listen: { address: `127.0.0.${n}`, port },
    peers: [peer({ address: '127.0.0.1', asn: 65000, port, passive: true, addPath, families })],
  });
}

describe('what each peer is sent', () => {
  it('is said per peer for a prefix and for a set, and list by peer shows what it got', async () => {
    const withAddPath = await receiver(2, 'receive', ['ipv4-unicast', 'ipv6-unicast']);
    const without = await receiver(3, 'off', ['ipv4-unicast']);
    const a = await speaker({
      asn: 65000,
      routerId: '192.0.2.1',
      nextHop: 'self',
      peers: [
        peer({ name: 'router1', address: '127.0.0.2', asn: 65002, port, localAddress: '127.0.0.1', addPath: 'send' }),
        peer({ name: 'router2', address: '127.0.0.3', asn: 65003, port, localAddress: '127.0.0.1', addPath: 'send' }),
        // Nobody listens there: it stays down, and is counted by its configuration.
        peer({ name: 'router3', address: '127.0.0.4', asn: 65004, port, localAddress: '127.0.0.1', addPath: 'off', families: ['ipv4-unicast'] }),
      ],
    });
    await until('two sessions up', () => a.listPeers().filter((p) => p.state === 'Established').length, (n) => n === 2);

    const nhs = ['198.51.100.11', '198.51.100.12', '198.51.100.13'];
    await a.addPaths(nhs.map((nextHop) => ({ prefix: '203.0.113.10', nextHop })));
    await a.addPaths([{ prefix: '2001:db8::10', nextHop: '2001:db8:100::11' }]);
    const [v4, v6] = a.reach(['203.0.113.10', '2001:db8::10/128']);
    expect(v4).toEqual({
      prefix: '203.0.113.10/32',
      peers: [
        { peer: 'router1', established: true, paths: 3, of: 3, reasons: [], nextHops: nhs },
        { peer: 'router2', established: true, paths: 1, of: 3, reasons: ['no ADD-PATH: one path per prefix'], nextHops: ['198.51.100.11'] },
        { peer: 'router3', established: false, paths: 1, of: 3, reasons: [expect.stringMatching(/^not established \((Idle|Connect|Active)\)$/), 'no ADD-PATH: one path per prefix'] },
      ],
    });
    expect(v6!.peers.map((p) => [p.peer, p.paths, p.of, p.reasons.at(-1)])).toEqual([
      ['router1', 1, 1, undefined],
      ['router2', 0, 1, 'does not carry ipv6-unicast'],
      ['router3', 0, 1, 'does not carry ipv6-unicast'],
    ]);
    // What the routers hold says the same.
    await until('router1 holds 4 routes', () => withAddPath.listPeers()[0]!.prefixesReceived, (n) => n === 4);
    await until('router2 holds 1 route', () => without.listPeers()[0]!.prefixesReceived, (n) => n === 1);
    expect(without.listPeers()[0]!.prefixesReceived).toBe(1);

    // list by peer: exactly what that peer is sent; a peer that is down is sent nothing.
    expect(a.listPaths({ peer: 'router2' }).map((p) => `${p.prefix} via ${p.nextHop}`)).toEqual(['203.0.113.10/32 via 198.51.100.11']);
    expect(a.listPaths({ peer: '127.0.0.2' })).toHaveLength(4);
    expect(a.listPaths({ peer: 'router3' })).toEqual([]);
    expect(() => a.listPaths({ peer: 'router9' })).toThrow(/peer: router9 is not a configured peer \(configured: router1, router2, router3\)/);

    // A set: counted by family, for each peer.
    const set = [];
    for (let i = 0; i < 10; i++) for (const nextHop of nhs) set.push({ prefix: `198.18.0.${i}`, nextHop });
    set.push({ prefix: '2001:db8::20', nextHop: '2001:db8:100::11' });
    const r = await a.replacePaths('lb', set);
    expect(r.size).toEqual([
      { family: 'ipv4-unicast', paths: 30, prefixes: 10 },
      { family: 'ipv6-unicast', paths: 1, prefixes: 1 },
    ]);
    expect(r.reach).toEqual([
      { peer: 'router1', established: true, paths: 31, of: 31, reasons: [] },
      { peer: 'router2', established: true, paths: 10, of: 31, reasons: ['no ADD-PATH: one path per prefix', 'does not carry ipv6-unicast'] },
      { peer: 'router3', established: false, paths: 10, of: 31, reasons: [expect.stringMatching(/^not established/), 'no ADD-PATH: one path per prefix', 'does not carry ipv6-unicast'] },
    ]);
    await until('router2 holds 11 routes', () => without.listPeers()[0]!.prefixesReceived, (n) => n === 11);
  });
});
