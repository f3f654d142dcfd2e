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
  /** UPDATEs that have arrived (taken from the inbox or not): compared with the speaker's updatesSent. */
  updatesReceived = 0;
  ctx: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      for (const m of this.framer.push(chunk)) {
        const msg = decodeMessage(m, this.ctx);
        if (msg.type === 'update') this.updatesReceived++;
        this.inbox.push(msg);
      }
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

  /**
   * Resolves once `ok()` holds, checking it again each time the socket brings data or closes (the
   * only moments it can change from this side). `ms` is a deadline for a clear failure, not a wait.
   */
  async until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
    if (ok()) return;
    let expired = false;
    const deadline = setTimeout(() => {
      expired = true;
      this.wake();
    }, ms);
    try {
      while (!ok()) {
        if (expired) throw new Error(`timed out waiting for ${what}`);
        await new Promise<void>((r) => this.waiters.push(r));
      }
    } finally {
      clearTimeout(deadline);
    }
  }

  async next(ms = 5000): Promise<BgpMessage> {
    await this.until('a message', () => this.inbox.length > 0 || this.closed, ms);
    if (this.inbox.length === 0) throw new Error('connection closed');
    return this.inbox.shift()!;
  }

  /** What has arrived and not been taken yet, without waiting. */
  takeAll(): BgpMessage[] {
    return this.inbox.splice(0);
  }

  async nextOf<T extends BgpMessage['type']>(type: T): Promise<Extract<BgpMessage, { type: T }>> {
    for (;;) {
      const m = await this.next();
      if (m.type === type) return m as Extract<BgpMessage, { type: T }>;
    }
  }

  async waitClosed(ms = 5000): Promise<void> {
    await this.until('the connection to close', () => this.closed, ms);
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
  /** UPDATEs that carried anything but `ignore` (an End-of-RIB counts). */
  readonly updates: number;
}

/** Summarise the UPDATEs among `messages`, leaving out the routes of the prefix `ignore` (a marker). */
export function summarizeUpdates(messages: readonly BgpMessage[], ignore?: string): UpdateSummary {
  const announced: string[] = [];
  const withdrawn: string[] = [];
  let updates = 0;
  for (const m of messages) {
    if (m.type !== 'update') continue;
    const nh = m.attributes.find((a) => a.type === 'next-hop');
    const nlri = m.nlri.filter((n) => `${n.prefix}` !== ignore);
    const gone = m.withdrawn.filter((n) => `${n.prefix}` !== ignore);
    const onlyMarker = nlri.length + gone.length === 0 && m.nlri.length + m.withdrawn.length > 0;
    if (!onlyMarker) updates++;
    for (const n of nlri) announced.push(`${n.prefix}#${n.pathId ?? 0} via ${nh?.type === 'next-hop' ? nh.nextHop : '?'}`);
    for (const n of gone) withdrawn.push(`${n.prefix}#${n.pathId ?? 0}`);
  }
  return { announced: announced.sort(), withdrawn: withdrawn.sort(), updates };
}

/** The messages the speaker sends up to and including the first for which `last` holds. */
export async function messagesUntil(p: RawPeer, last: (m: BgpMessage) => boolean): Promise<BgpMessage[]> {
  const seen: BgpMessage[] = [];
  for (;;) {
    const m = await p.next();
    seen.push(m);
    if (last(m)) return seen;
  }
}
