// BFD over UDP on loopback (RFC 5881): the receiving socket hands a session only packets sent with
// TTL 255; one from further away (TTL 254) is dropped by the kernel before it can move the session.
// Our session listens on 127.0.0.1 for a peer at 127.0.0.2 (both on lo), and the test plays the peer.

import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeBfd, type BfdPacket } from '../../src/bfd/packet.js';
import { BFD_PORT, BfdTransport, type UdpBfdSession } from '../../src/bfd/transport.js';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';

const PEER_DOWN: BfdPacket = {
  diag: 0,
  state: 'Down',
  poll: false,
  final: false,
  detectMult: 3,
  myDiscr: 0x5151,
  yourDiscr: 0,
  desiredMinTx: 1_000_000,
  requiredMinRx: 1_000_000,
  requiredMinEchoRx: 0,
};

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

async function peerSocket(ttl: number): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  cleanup.push(() => s.close());
  await new Promise<void>((resolve) => s.bind({ address: '127.0.0.2', port: 0 }, resolve));
  s.setTTL(ttl);
  return s;
}

async function send(s: dgram.Socket, p: BfdPacket): Promise<void> {
  await new Promise<void>((resolve, reject) => s.send(encodeBfd(p), BFD_PORT, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
}

describe('BFD transport', () => {
  it('hands a session only packets sent with TTL 255: an Init from further away is dropped, a Down from the link is taken', async () => {
    let firstChange!: (to: string) => void;
    const first = new Promise<string>((resolve) => (firstChange = resolve));
    const transport = new BfdTransport(systemClock, silentLogger);
    const handle: UdpBfdSession = await transport.open('127.0.0.1', '127.0.0.2', { minTx: 1000, minRx: 1000, multiplier: 3 }, (_from, to) => firstChange(to));
    cleanup.push(() => handle.stop());

    // From a peer further away: an Init, which would take a Down session straight to Up.
    const far = await peerSocket(254);
    await send(far, { ...PEER_DOWN, state: 'Init', yourDiscr: handle.session.localDiscr });
    // Then from the peer on the link: a Down, which takes a Down session to Init (RFC 5880
    // 6.8.6), and an Up session down. Both go the same way over lo, in order.
    const near = await peerSocket(255);
    await send(near, PEER_DOWN);
    // Without the filter the Init got through first: Up (then Down).
    expect(await first).toBe('Init');
  });
});
