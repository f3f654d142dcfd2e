// A hand-driven peer on a raw TCP socket sends the speaker what no polite BGP speaker would:
// the speaker must answer with the right NOTIFICATION and reset that session only, and keep the
// session for errors RFC 7606 lets it survive.

import { afterEach, describe, expect, it } from 'vitest';
import { IpAddress, Prefix, type Capability, type NotificationMessage } from '../../src/codec/index.js';
import { messagesUntil, RawPeer } from './raw-peer.js';
import { silentLogger } from '../../src/log.js';
import { Speaker } from '../../src/speaker/speaker.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let nextPort = 40000 + Math.floor(Math.random() * 10000);

async function setup() {
  const port = nextPort++;
  const speaker = new Speaker(
    {
      asn: 65001,
      routerId: '192.0.2.100',
      nextHop: 'self',
      listen: { address: '127.0.0.2', port },
      peers: ['127.0.0.1', '127.0.0.3'].map((address, i) => ({
        name: `p${i}`,
        address,
        port,
        asn: 65000 + i,
        passive: true,
        holdTime: 90,
        connectRetry: 1,
        families: ['ipv4-unicast' as const],
        addPath: 'off' as const,
      })),
    },
    silentLogger,
  );
  await speaker.start();
  cleanups.push(() => speaker.stop());
  const peer = async (from: string, asn: number, id: string, extra: Capability[] = []) => {
    const p = await RawPeer.connect(from, '127.0.0.2', port);
    cleanups.push(() => void p.socket.destroy());
    await p.establish(asn, id, extra);
    return p;
  };
  const state = (i: number) => speaker.listPeers()[i]!;
  return { speaker, port, peer, state };
}

/** Polls the speaker's view (it has no event for counters) until `ok()`; `ms` is a deadline, not a wait. */
async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20)); // poll interval
  }
}

const ATTRS = [
  0x40, 0x01, 0x01, 0x00, // ORIGIN IGP
  0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe8, // AS_PATH: sequence [65000] (4-octet)
  0x40, 0x03, 0x04, 198, 51, 100, 7, // NEXT_HOP 198.51.100.7
];

function update(attrs: number[], nlri: number[], withdrawnLen?: number): Uint8Array {
  const body = [...u16(withdrawnLen ?? 0), ...u16(attrs.length), ...attrs, ...nlri];
  return Uint8Array.from([...new Array(16).fill(0xff), ...u16(19 + body.length), 2, ...body]);
}

function u16(v: number): number[] {
  return [v >> 8, v & 0xff];
}

describe('route refresh', () => {
  it('a ROUTE-REFRESH gets the table again, framed by BoRR and EoRR with enhanced route refresh', async () => {
    const { speaker, peer } = await setup();
    await speaker.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.11' }, { prefix: '203.0.113.11', nextHop: '198.51.100.11' }]);
    const p = await peer('127.0.0.1', 65000, '192.0.2.1', [{ type: 'route-refresh' }, { type: 'enhanced-route-refresh' }]);
    // The initial table, then End-of-RIB (an empty UPDATE for IPv4).
    const first = await p.nextOf('update');
    expect(first.nlri).toEqual([{ prefix: Prefix.parse('203.0.113.10/32') }, { prefix: Prefix.parse('203.0.113.11/32') }]);
    expect(first.attributes).toContainEqual({ type: 'next-hop', nextHop: IpAddress.parse('198.51.100.11') });
    expect(first.attributes).toContainEqual({ type: 'as-path', segments: [{ kind: 'sequence', asns: [65001] }] });
    expect(await p.nextOf('update')).toEqual({ type: 'update', withdrawn: [], attributes: [], nlri: [] });

    p.send({ type: 'route-refresh', afi: 1, safi: 1, subtype: 'normal' });
    expect(await p.next()).toEqual({ type: 'route-refresh', afi: 1, safi: 1, subtype: 'begin-of-rib' });
    const again = await p.next();
    expect(again.type === 'update' && again.nlri).toEqual([{ prefix: Prefix.parse('203.0.113.10/32') }, { prefix: Prefix.parse('203.0.113.11/32') }]);
    expect(await p.next()).toEqual({ type: 'route-refresh', afi: 1, safi: 1, subtype: 'end-of-rib' });
  });
});

describe('a misbehaving peer', () => {
  it('RFC 7606 treat-as-withdraw keeps the session and withdraws the routes', async () => {
    const { speaker, peer, state } = await setup();
    const p = await peer('127.0.0.1', 65000, '192.0.2.1');
    await until('Established', () => state(0).state === 'Established');
    p.send(update(ATTRS, [24, 203, 0, 113, 24, 203, 0, 114])); // 203.0.113.0/24, 203.0.114.0/24
    await until('two routes received', () => state(0).prefixesReceived === 2);
    // The same prefix again with ORIGIN value 7: malformed, so the route must go, the session stay.
    const bad = [...ATTRS];
    bad[3] = 7;
    p.send(update(bad, [24, 203, 0, 113]));
    await until('one route withdrawn', () => state(0).prefixesReceived === 1);
    // The session still works both ways: a KEEPALIVE sent after the bad UPDATE is counted (so the
    // bad UPDATE was handled before it), and a path announced now arrives with no NOTIFICATION
    // ahead of it (a reset would have sent one first, on the same ordered connection).
    const counted = state(0).messagesReceived;
    p.send({ type: 'keepalive' });
    await until('the KEEPALIVE counted', () => state(0).messagesReceived === counted + 1);
    expect(state(0).state).toBe('Established');
    await speaker.addPaths([{ prefix: '203.0.113.50', nextHop: '198.51.100.11' }]);
    const after = await messagesUntil(p, (m) => m.type === 'notification' || (m.type === 'update' && m.nlri.length > 0));
    expect(after.map((m) => m.type)).not.toContain('notification');
    expect(after.at(-1)).toMatchObject({ type: 'update', nlri: [{ prefix: Prefix.parse('203.0.113.50/32') }] });
    expect(p.closed).toBe(false);
  });

  it('a malformed UPDATE gets the NOTIFICATION the RFC names and resets that session only', async () => {
    const { speaker, peer, state } = await setup();
    const p = await peer('127.0.0.1', 65000, '192.0.2.1');
    const other = await peer('127.0.0.3', 65001, '192.0.2.3');
    await until('both Established', () => state(0).state === 'Established' && state(1).state === 'Established');
    p.send(update(ATTRS, [], 200)); // Withdrawn Routes Length 200 in a tiny message
    const n = (await p.nextOf('notification')) as NotificationMessage;
    expect([n.code, n.subcode]).toEqual([3, 1]); // UPDATE Message Error / Malformed Attribute List
    await p.waitClosed();
    await until('session reset', () => state(0).state !== 'Established');
    expect(state(0).lastError).toContain('Malformed Attribute List');
    // The other session never noticed.
    expect(state(1).state).toBe('Established');
    expect(speaker.listPeers({ peer: '127.0.0.3' }).map((x) => [x.address, x.state])).toEqual([['127.0.0.3', 'Established']]);
    const counted = state(1).messagesReceived;
    other.send({ type: 'keepalive' });
    await until('the other KEEPALIVE counted', () => state(1).messagesReceived === counted + 1);
    expect(state(1).state).toBe('Established');
    expect(other.closed).toBe(false);
  });

  it('a desynchronised stream gets Connection Not Synchronized', async () => {
    const { peer, state } = await setup();
    const p = await peer('127.0.0.1', 65000, '192.0.2.1');
    await until('Established', () => state(0).state === 'Established');
    p.send(Uint8Array.from([...new Array(16).fill(0xfe), 0, 19, 4]));
    const n = await p.nextOf('notification');
    expect([n.code, n.subcode]).toEqual([1, 1]);
    await p.waitClosed();
  });

  it('an OPEN with the wrong AS gets Bad Peer AS', async () => {
    const { port } = await setup();
    const p = await RawPeer.connect('127.0.0.1', '127.0.0.2', port);
    cleanups.push(() => void p.socket.destroy());
    await p.nextOf('open');
    p.send({ type: 'open', version: 4, myAs: 64999, holdTime: 90, bgpId: '192.0.2.1', capabilities: [] });
    const n = await p.nextOf('notification');
    expect([n.code, n.subcode]).toEqual([2, 2]);
    expect(Buffer.from(n.data).toString('hex')).toBe('fde7'); // RFC 4271 6.2: the data is the My AS field received
    await p.waitClosed();
  });

  it('an UPDATE before the session is up is an FSM error', async () => {
    const { port } = await setup();
    const p = await RawPeer.connect('127.0.0.1', '127.0.0.2', port);
    cleanups.push(() => void p.socket.destroy());
    await p.nextOf('open');
    p.send(update(ATTRS, []));
    const n = await p.nextOf('notification');
    expect([n.code, n.subcode]).toEqual([5, 1]); // Unexpected Message in OpenSent (RFC 6608)
  });

  it('a connection from an address that is no configured peer is refused', async () => {
    const { port, state } = await setup();
    const p = await RawPeer.connect('127.0.0.9', '127.0.0.2', port);
    cleanups.push(() => void p.socket.destroy());
    await p.waitClosed();
    expect(state(0).state).not.toBe('Established');
  });
});
