// The session core (src/session/peer-session.ts) without sockets or real time: an in-memory
// transport whose connections record what the session wrote and deliver what the test sends, and a
// ManualClock. The test plays the peer, byte for byte.

import {
  DEFAULT_CONTEXT,
  FAMILY_AFI_SAFI,
  Framer,
  MessageType,
  decodeMessage,
  encodeMessage,
  type BgpMessage,
  type Capability,
  type CodecContext,
  type Family,
  type OpenMessage,
} from '../../src/codec/index.js';
import { ManualClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import type { StateName } from '../../src/fsm/types.js';
import { PeerSession, type PeerSessionConfig, type SessionHooks } from '../../src/session/peer-session.js';
import type { ConnectCallbacks, Connection, ConnectionEvents, Transport } from '../../src/session/transport.js';

/** One in-memory connection: the session's end is the Connection, the test holds the other. */
export class MemoryLink implements Connection {
  readonly written: Uint8Array[] = [];
  backlog = 0;
  private events: ConnectionEvents | undefined;
  private isClosed = false;
  private readonly waiters: (() => void)[] = [];
  private read = 0;

  constructor(
    readonly outgoing: boolean,
    private readonly clock: ManualClock,
    readonly localAddress = '198.51.100.11',
  ) {}

  attach(events: ConnectionEvents): void {
    this.events = events;
  }

  write(bytes: Uint8Array): void {
    if (!this.isClosed) this.written.push(bytes.slice());
  }

  /** The session closes: the peer sees the end after what was written. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.clock.soon(() => {
      this.events?.closed();
      for (const w of this.waiters.splice(0)) w();
    });
  }

  closed(): Promise<void> {
    return this.isClosed ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  // ---- the peer's side ----------------------------------------------------------------------

  /** The peer sends octets (or messages, encoded with `ctx`). */
  send(data: Uint8Array | BgpMessage, ctx: CodecContext = DEFAULT_CONTEXT): void {
    if (this.isClosed) throw new Error('the link is closed');
    this.events!.data(data instanceof Uint8Array ? data : encodeMessage(data, ctx));
  }

  /** The peer closes the connection. */
  hangUp(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.events?.closed();
  }

  /** Every octet the session wrote, as one array. */
  get octets(): Uint8Array {
    return Buffer.concat(this.written);
  }

  /** The messages the session wrote since the last call, decoded with `ctx`. */
  take(ctx: CodecContext = DEFAULT_CONTEXT): BgpMessage[] {
    const framer = new Framer();
    framer.setContext(ctx);
    const all = framer.push(this.octets.subarray(this.read));
    this.read = this.octets.length;
    return all.map((b) => decodeMessage(b, ctx));
  }

  /** The types of the messages written since the last take(). */
  takeTypes(ctx?: CodecContext): string[] {
    return this.take(ctx).map((m) => m.type);
  }
}

/** Connection attempts wait for the test to answer or refuse them. */
export class MemoryTransport implements Transport {
  readonly attempts: { cb: ConnectCallbacks; cancelled: boolean }[] = [];
  unansweredHint: string | undefined = undefined;

  constructor(private readonly clock: ManualClock) {}

  connect(cb: ConnectCallbacks): { cancel(): void } {
    const attempt = { cb, cancelled: false };
    this.attempts.push(attempt);
    return { cancel: () => (attempt.cancelled = true) };
  }

  /** The attempts not yet cancelled, answered or refused. */
  get pending(): number {
    return this.attempts.filter((a) => !a.cancelled).length;
  }

  /** The peer answers the latest attempt. */
  answer(): MemoryLink {
    const a = this.latest();
    a.cancelled = true;
    const link = new MemoryLink(true, this.clock);
    a.cb.up(link);
    return link;
  }

  /** The latest attempt fails (connection refused). */
  refuse(why = 'connect ECONNREFUSED 198.51.100.1:179'): void {
    const a = this.latest();
    a.cancelled = true;
    a.cb.failed(why, false);
  }

  private latest(): { cb: ConnectCallbacks; cancelled: boolean } {
    const a = this.attempts.at(-1);
    if (!a || a.cancelled) throw new Error('no connection attempt is waiting');
    return a;
  }
}

export const PEER_ID = '198.51.100.1';
export const OUR_ID = '198.51.100.11';

export interface Harness {
  readonly clock: ManualClock;
  readonly transport: MemoryTransport;
  readonly session: PeerSession;
  /** What the hooks heard, in order: "established", "down", "state Idle->Connect", "update", ... */
  readonly heard: string[];
  /** An incoming connection from the peer, handed to the session as the listener would. */
  incoming(): MemoryLink;
  /** The peer's OPEN, shaped so that negotiation gives `ctx` (families: both unicast ones). */
  peerOpen(over?: { ctx?: CodecContext; bgpId?: string; holdTime?: number; asn?: number }): OpenMessage;
}

export function newSession(
  over: Partial<PeerSessionConfig> = {},
  opts: { random?: () => number; hooks?: Partial<SessionHooks>; restarting?: boolean } = {},
): Harness {
  const clock = new ManualClock();
  const transport = new MemoryTransport(clock);
  const heard: string[] = [];
  const config: PeerSessionConfig = {
    name: 'router',
    address: PEER_ID,
    port: 179,
    asn: 65001,
    holdTime: 9,
    families: ['ipv4-unicast', 'ipv6-unicast'],
    addPath: 'both',
    passive: false,
    connectRetry: 5,
    ...over,
  };
  const hooks: SessionHooks = {
    established: () => heard.push('established'),
    down: () => heard.push('down'),
    update: () => heard.push('update'),
    routeRefresh: (_s, family) => heard.push(`route-refresh ${family}`),
    stateChange: (_s, from: StateName, to: StateName) => heard.push(`state ${from}->${to}`),
    drain: () => heard.push('drain'),
    ...opts.hooks,
  };
  const session = new PeerSession(config, { asn: 65000, routerId: OUR_ID }, hooks, clock, silentLogger, transport, opts.random ?? (() => 1), opts.restarting ?? false);
  return {
    clock,
    transport,
    session,
    heard,
    incoming: () => {
      const link = new MemoryLink(false, clock);
      session.acceptIncoming(link);
      return link;
    },
    peerOpen: (o = {}) => peerOpenFor(o.ctx ?? DEFAULT_CONTEXT, o.bgpId ?? PEER_ID, o.holdTime ?? 9, o.asn ?? config.asn),
  };
}

/** An OPEN from the peer whose capabilities make negotiation (with addPath both) give `ctx`. */
export function peerOpenFor(ctx: CodecContext, bgpId: string, holdTime: number, asn: number): OpenMessage {
  const families: Family[] = ['ipv4-unicast', 'ipv6-unicast'];
  const caps: Capability[] = families.map((f) => ({ type: 'multiprotocol', ...FAMILY_AFI_SAFI[f] }));
  caps.push({ type: 'route-refresh' });
  if (ctx.fourOctetAs) caps.push({ type: 'four-octet-as', asn });
  if (ctx.extendedMessage) caps.push({ type: 'extended-message' });
  const addPath = families.flatMap((f) => {
    const theySend = ctx.addPathReceive.includes(f);
    const theyReceive = ctx.addPathSend.includes(f);
    if (!theySend && !theyReceive) return [];
    return [{ ...FAMILY_AFI_SAFI[f], direction: theySend && theyReceive ? ('both' as const) : theySend ? ('send' as const) : ('receive' as const) }];
  });
  if (addPath.length > 0) caps.push({ type: 'add-path', families: addPath });
  return { type: 'open', version: 4, myAs: asn > 0xffff ? 23456 : asn, holdTime, bgpId, capabilities: caps };
}

/**
 * Starts the session, answers its connection and runs OPEN and KEEPALIVE both ways, so it is
 * Established with the codec context `ctx`. Returns the link, with what the session wrote taken.
 */
export function establish(h: Harness, ctx: CodecContext = DEFAULT_CONTEXT): MemoryLink {
  h.session.start();
  const link = h.transport.answer();
  link.send(h.peerOpen({ ctx }));
  link.send({ type: 'keepalive' });
  if (h.session.state !== 'Established') throw new Error(`not Established but ${h.session.state}`);
  link.take(ctx);
  return link;
}

/** The octets of a NOTIFICATION, written out: header, code, subcode, data. */
export function notificationOctets(code: number, subcode: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const length = 21 + data.length;
  return Uint8Array.from([...new Array<number>(16).fill(0xff), length >> 8, length & 0xff, 3, code, subcode, ...data]);
}

/**
 * What a session answers when `bytes` arrive: for an OPEN, as the peer's first message in
 * OpenSent; for anything else, on an Established session with codec context `ctx`. Returns the
 * octets of the last message it wrote (the NOTIFICATION, if the bytes were malformed) and whether
 * the connection was closed.
 */
export function answerTo(bytes: Uint8Array, ctx: CodecContext = DEFAULT_CONTEXT): { last: Uint8Array; closed: boolean; state: StateName } {
  const h = newSession();
  let link: MemoryLink;
  if (bytes[18] === MessageType.OPEN) {
    h.session.start();
    link = h.transport.answer();
    link.take();
  } else {
    link = establish(h, ctx);
  }
  const before = link.written.length;
  link.send(bytes);
  h.clock.runSoon();
  const last = link.written.length > before ? link.written.at(-1)! : new Uint8Array(0);
  return { last, closed: !link.isOpen, state: h.session.state };
}
