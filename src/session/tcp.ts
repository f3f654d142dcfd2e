// The session's TCP adapter: connections to and from one peer over node:net, with the peer's
// socket protections (TCP-MD5, TTL security, multihop TTL) applied before the first segment.
// Everything BGP lives in the session core (peer-session.ts); this file only moves octets.

import net from 'node:net';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { connectProtected, protectAccepted, protectionFor, type SocketProtection } from '../platform/socket-options.js';
import type { PeerSettings } from './peer-settings.js';
import type { ConnectCallbacks, Connection, ConnectionEvents, Transport } from './transport.js';

/** How long a closing socket may take to flush (a NOTIFICATION) before it is destroyed. */
const CLOSE_GRACE_MS = 2000;

/** Where to connect and how to protect the socket: the part of a peer's settings about TCP. */
export type TcpPeer = Pick<PeerSettings, 'address' | 'port' | 'localAddress' | 'password' | 'ttlSecurity' | 'multihop'>;

export class TcpTransport implements Transport {
  private readonly protection: SocketProtection | null;

  constructor(
    private readonly peer: TcpPeer,
    ebgp: boolean,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.protection = protectionFor(peer, ebgp);
  }

  /** What a connect that never got an answer may mean, where a protection drops the answer unseen. */
  get unansweredHint(): string | undefined {
    const to = `no answer to connect from ${this.peer.address}:${this.peer.port}`;
    if (this.protection?.password !== undefined) return `${to} (TCP-MD5 is configured: a wrong or missing password at the peer looks like this)`;
    if (this.peer.ttlSecurity) {
      const hops = this.peer.multihop ?? 1;
      return `${to} (ttlSecurity is on: a peer more than ${hops} hop${hops === 1 ? '' : 's'} away looks like this; set multihop if it is further)`;
    }
    return undefined;
  }

  connect(cb: ConnectCallbacks): { cancel(): void } {
    const target = { host: this.peer.address, port: this.peer.port, ...(this.peer.localAddress ? { localAddress: this.peer.localAddress } : {}) };
    let socket: net.Socket;
    try {
      socket = this.protection ? connectProtected(target, this.protection) : net.connect(target);
    } catch (e) {
      // Never run unprotected when protection was asked for: say which option failed.
      const why = `cannot protect the connection (password / ttlSecurity / multihop): ${e instanceof Error ? e.message : String(e)}`;
      let cancelled = false;
      this.clock.soon(() => {
        if (!cancelled) cb.failed(why, true);
      });
      return { cancel: () => (cancelled = true) };
    }
    socket.setNoDelay(true);
    let pending = true;
    const onFail = (err?: Error): void => {
      if (!pending) return;
      pending = false;
      cb.failed(connectFailure(err as NodeJS.ErrnoException | undefined, this.peer), false);
    };
    socket.once('error', onFail);
    socket.once('close', () => onFail());
    socket.once('connect', () => {
      if (!pending) return socket.destroy();
      pending = false;
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      cb.up(new TcpConnection(socket, true, this.clock));
    });
    return {
      cancel: () => {
        pending = false;
        socket.destroy();
      },
    };
  }

  /** A connection the listener accepted from this peer's address, protected as configured; null if it cannot be. */
  accept(socket: net.Socket): Connection | null {
    socket.setNoDelay(true);
    if (this.protection) {
      try {
        protectAccepted(socket, this.protection);
      } catch (e) {
        this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'cannot protect an incoming connection: refused');
        socket.destroy();
        return null;
      }
    }
    return new TcpConnection(socket, false, this.clock);
  }
}

/**
 * Why a connect failed, in words an operator acts on (the table in docs/troubleshooting.md), not
 * Node's `connect ENETUNREACH 198.51.100.1:179 - Local (0.0.0.0:0)`. The code stays at the end, for
 * searching.
 */
export function connectFailure(err: NodeJS.ErrnoException | undefined, peer: TcpPeer): string {
  const to = `${peer.address}:${peer.port}`;
  const code = err?.code;
  switch (code) {
    case undefined:
      return err?.message ?? `connection to ${to} closed while connecting`;
    case 'ECONNREFUSED':
      return `connection refused by ${to}: nothing listens there (BGP not configured for this node on the router, another port, or the router only connects out) (ECONNREFUSED)`;
    case 'ENETUNREACH':
      return `no route to ${peer.address} from this host: network unreachable (ENETUNREACH)`;
    case 'EHOSTUNREACH':
      return `${peer.address} is unreachable: no answer on the link (ARP or neighbour discovery failed) or a route says so (EHOSTUNREACH)`;
    case 'ETIMEDOUT':
      return `connect to ${to} timed out: no answer (a firewall dropping it, or the router down) (ETIMEDOUT)`;
    case 'ECONNRESET':
      return `connection to ${to} reset while connecting (ECONNRESET)`;
    case 'EADDRNOTAVAIL':
      return peer.localAddress
        ? `localAddress ${peer.localAddress} is not an address of this host: cannot connect from it (EADDRNOTAVAIL)`
        : `cannot connect to ${to}: no local address to connect from (EADDRNOTAVAIL)`;
    case 'EACCES':
    case 'EPERM':
      return `connect to ${to} not permitted: a firewall rule or a security policy refuses it (${code})`;
    default:
      return err?.message ?? code;
  }
}

class TcpConnection implements Connection {
  constructor(
    private readonly socket: net.Socket,
    readonly outgoing: boolean,
    private readonly clock: Clock,
  ) {
    // Errors end in 'close', which the session hears; an unhandled 'error' would end the process.
    socket.on('error', () => undefined);
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress ? normalizeAddress(this.socket.localAddress) : undefined;
  }

  get backlog(): number {
    return this.socket.writableLength;
  }

  attach(events: ConnectionEvents): void {
    this.socket.on('data', (chunk: Buffer) => events.data(chunk));
    this.socket.on('drain', () => events.drain());
    this.socket.on('close', () => events.closed());
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  close(): void {
    if (this.socket.destroyed) return;
    this.socket.end();
    const t = this.clock.after(CLOSE_GRACE_MS, () => this.socket.destroy());
    this.socket.once('close', () => t.cancel());
  }

  closed(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }
}

/** "::ffff:198.51.100.1" (an IPv4 peer on a dual-stack listener) -> "198.51.100.1". */
export function normalizeAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
