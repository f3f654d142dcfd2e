// A hand-driven BGP peer on a raw TCP socket: sends exactly what a test says, and hands back
// every message the speaker sends, decoded.

import net from 'node:net';
import { expect } from 'vitest';
import {
  DEFAULT_CONTEXT,
  Framer,
  decodeMessage,
  encodeMessage,
  type BgpMessage,
  type Capability,
  type CodecContext,
} from '../../src/codec/index.js';

export class RawPeer {
  private readonly framer = new Framer();
  private readonly inbox: BgpMessage[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  ctx: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      for (const m of this.framer.push(chunk)) this.inbox.push(decodeMessage(m, this.ctx));
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(from: string, to: string, port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: to, port, localAddress: from }, () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }

  send(m: BgpMessage | Uint8Array): void {
    this.socket.write(m instanceof Uint8Array ? m : encodeMessage(m, this.ctx));
  }

  async next(ms = 5000): Promise<BgpMessage> {
    const end = Date.now() + ms;
    while (this.inbox.length === 0) {
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > end) throw new Error('no message');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.inbox.shift()!;
  }

  async nextOf<T extends BgpMessage['type']>(type: T): Promise<Extract<BgpMessage, { type: T }>> {
    for (;;) {
      const m = await this.next();
      if (m.type === type) return m as Extract<BgpMessage, { type: T }>;
    }
  }

  async waitClosed(ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > end) throw new Error('still open');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** OPEN and KEEPALIVE both ways: the speaker reaches Established. */
  async establish(asn: number, id: string, extra: Capability[] = []): Promise<void> {
    const open = await this.nextOf('open');
    expect(open.myAs).toBe(65001);
    this.send({
      type: 'open',
      version: 4,
      myAs: asn,
      holdTime: 90,
      bgpId: id,
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'four-octet-as', asn },
        ...extra,
      ],
    });
    this.send({ type: 'keepalive' });
    await this.nextOf('keepalive');
  }
}

/** What a run of UPDATEs did, in comparable form: "prefix#pathId via nextHop" and "prefix#pathId". */
export interface UpdateSummary {
  readonly announced: string[];
  readonly withdrawn: string[];
  readonly updates: number;
}

/** Collect the UPDATEs the speaker sends until it has been quiet for `quietMs`. */
export async function collectUpdates(p: RawPeer, quietMs = 300): Promise<UpdateSummary> {
  const announced: string[] = [];
  const withdrawn: string[] = [];
  let updates = 0;
  for (;;) {
    let m: BgpMessage;
    try {
      m = await p.next(quietMs);
    } catch {
      break;
    }
    if (m.type !== 'update') continue;
    updates++;
    const nh = m.attributes.find((a) => a.type === 'next-hop');
    for (const n of m.nlri) announced.push(`${n.prefix}#${n.pathId ?? 0} via ${nh?.type === 'next-hop' ? nh.nextHop : '?'}`);
    for (const n of m.withdrawn) withdrawn.push(`${n.prefix}#${n.pathId ?? 0}`);
  }
  return { announced: announced.sort(), withdrawn: withdrawn.sort(), updates };
}
