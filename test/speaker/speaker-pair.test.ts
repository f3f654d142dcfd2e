// Two real speakers on loopback addresses talking BGP over TCP: the session layer, negotiation,
// ADD-PATH, packing, withdrawals, collision resolution and shutdown, end to end.

import { describe, expect, it } from 'vitest';
import type { SpeakerEvent } from '../../src/speaker/api.js';
import { peer, speaker, until } from './loopback-speakers.js';

let nextPort = 20000 + Math.floor(Math.random() * 20000);

describe('two speakers over loopback', () => {
  it('ADD-PATH: every path arrives, withdrawals remove them, shutdown carries its message', async () => {
    const port = nextPort++;
    const b = await speaker({
      asn: 65001,
      routerId: '192.0.2.2',
      nextHop: 'self',
      listen: { address: '127.0.0.2', port },
      peers: [peer({ address: '127.0.0.1', asn: 65000, port, passive: true, addPath: 'receive' })],
    });
    const a = await speaker({
      asn: 65000,
      routerId: '192.0.2.1',
      nextHop: 'self',
      peers: [peer({ address: '127.0.0.2', asn: 65001, port, localAddress: '127.0.0.1', addPath: 'send' })],
    });
    await until('Established', () => a.listPeers()[0]!.state, (s) => s === 'Established');
    expect(a.listPeers()[0]!.families).toEqual([
      { family: 'ipv4-unicast', addPathSend: true, addPathReceive: false },
      { family: 'ipv6-unicast', addPathSend: true, addPathReceive: false },
    ]);

    const inputs = [];
    for (let i = 0; i < 1000; i++) {
      const prefix = `198.18.${i >> 8}.${i & 255}`;
      for (const nh of ['198.51.100.11', '198.51.100.12', '198.51.100.13']) inputs.push({ prefix, nextHop: nh, communities: ['65000:1'] });
    }
    inputs.push({ prefix: '2001:db8::10', nextHop: '2001:db8:100::11' }, { prefix: '2001:db8::10', nextHop: '2001:db8:100::12' });
    const added = await a.addPaths(inputs);
    expect(added[0]).toMatchObject({ prefix: '198.18.0.0/32', pathId: 1 });
    expect(added[2]).toMatchObject({ prefix: '198.18.0.0/32', pathId: 3 });

    await until('3002 routes at B', () => b.listPeers()[0]!.prefixesReceived, (n) => n === 3002);
    const sent = a.listPeers()[0]!;
    expect(sent.prefixesSent).toBe(3002);
    // Packed: three groups of 1000 /32s (13 octets with path id... 9 octets each) fit in a handful of UPDATEs, not 3000.
    expect(sent.updatesSent).toBeLessThan(20);

    await a.deletePaths({ prefix: '198.18.0.0/32', nextHops: ['198.51.100.12'] });
    await until('one path withdrawn', () => b.listPeers()[0]!.prefixesReceived, (n) => n === 3001);
    await a.deletePaths({ prefix: '2001:db8::10/128' });
    await until('IPv6 prefix withdrawn', () => b.listPeers()[0]!.prefixesReceived, (n) => n === 2999);

    await a.stop('maintenance window');
    await until('B sees the shutdown', () => b.listPeers()[0]!, (p) => p.state !== 'Established');
    expect(b.listPeers()[0]!.lastError).toBe('received NOTIFICATION Cease / Administrative Shutdown: maintenance window');
  });

  it('without ADD-PATH one path per prefix is sent, and the next takes over when it goes', async () => {
    const port = nextPort++;
    const b = await speaker({
      asn: 65001,
      routerId: '192.0.2.2',
      nextHop: 'self',
      listen: { address: '127.0.0.2', port },
      peers: [peer({ address: '127.0.0.1', asn: 65000, port, passive: true })],
    });
    const a = await speaker({
      asn: 65000,
      routerId: '192.0.2.1',
      nextHop: 'self',
      peers: [peer({ address: '127.0.0.2', asn: 65001, port, localAddress: '127.0.0.1' })],
    });
    await a.addPaths([
      { prefix: '203.0.113.10', nextHop: '198.51.100.11' },
      { prefix: '203.0.113.10', nextHop: '198.51.100.12' },
    ]);
    await until('Established', () => a.listPeers()[0]!.state, (s) => s === 'Established');
    await until('one route at B', () => b.listPeers()[0]!.prefixesReceived, (n) => n === 1);
    expect(a.listPeers()[0]!.prefixesSent).toBe(1);
    const updatesBefore = a.listPeers()[0]!.updatesSent;
    await a.deletePaths({ prefix: '203.0.113.10', nextHops: ['198.51.100.11'] });
    // Signalled by the counters: A has written the change, and B has taken every UPDATE A wrote.
    await until(
      'the change sent and received',
      () => [a.listPeers()[0]!.updatesSent, b.listPeers()[0]!.updatesReceived],
      ([sent, received]) => sent! > updatesBefore && received === sent,
    );
    // The replacement is an implicit withdraw: one UPDATE, and B still holds exactly one route.
    expect(a.listPeers()[0]!.updatesSent).toBe(updatesBefore + 1);
    expect(b.listPeers()[0]!.prefixesReceived).toBe(1);
    expect(a.listPeers()[0]!.prefixesSent).toBe(1);
  });

  it('both sides active: the connection collision leaves exactly one session', async () => {
    const port = nextPort++;
    const eventsA: SpeakerEvent[] = [];
    const eventsB: SpeakerEvent[] = [];
    const a = await speaker({
      asn: 65000,
      routerId: '192.0.2.1',
      nextHop: 'self',
      listen: { address: '127.0.0.1', port },
      peers: [peer({ address: '127.0.0.2', asn: 65001, port, localAddress: '127.0.0.1' })],
    }, eventsA);
    const b = await speaker({
      asn: 65001,
      routerId: '192.0.2.2',
      nextHop: 'self',
      listen: { address: '127.0.0.2', port },
      peers: [peer({ address: '127.0.0.1', asn: 65000, port, localAddress: '127.0.0.2' })],
    }, eventsB);
    await until('both Established', () => [a.listPeers()[0]!.state, b.listPeers()[0]!.state], (s) => s.every((x) => x === 'Established'));
    // Routes both ways over the session that won: it carries traffic, in each direction, after
    // the collision was resolved.
    await a.addPaths([{ prefix: '203.0.113.20' , nextHop: '198.51.100.11'}]);
    await until('route at B', () => b.listPeers()[0]!.prefixesReceived, (n) => n === 1);
    await b.addPaths([{ prefix: '203.0.113.21', nextHop: '198.51.100.12' }]);
    await until('route at A', () => a.listPeers()[0]!.prefixesReceived, (n) => n === 1);
    // No flapping between two connections: neither session ever left Established, and each came up once.
    for (const events of [eventsA, eventsB]) {
      expect(events.filter((e) => e.type === 'peer-state' && e.from === 'Established')).toEqual([]);
      expect(events.filter((e) => e.type === 'peer-state' && e.to === 'Established')).toHaveLength(1);
    }
    expect(a.listPeers()[0]!.state).toBe('Established');
    expect(b.listPeers()[0]!.state).toBe('Established');
  });

  it('a wrong peer AS is refused with Bad Peer AS', async () => {
    const port = nextPort++;
    const b = await speaker({
      asn: 65001,
      routerId: '192.0.2.2',
      nextHop: 'self',
      listen: { address: '127.0.0.2', port },
      peers: [peer({ address: '127.0.0.1', asn: 65099, port, passive: true })],
    });
    const a = await speaker({
      asn: 65000,
      routerId: '192.0.2.1',
      nextHop: 'self',
      peers: [peer({ address: '127.0.0.2', asn: 65001, port, localAddress: '127.0.0.1' })],
    });
    await until('A told why', () => a.listPeers()[0]!.lastError ?? '', (e) => e.includes('Bad Peer AS'));
    expect(b.listPeers()[0]!.lastError).toContain('Bad Peer AS');
    expect(a.listPeers()[0]!.state).not.toBe('Established');
  });
});
