// BFD over UDP, single hop (RFC 5881): control packets arrive on port 3784 of the local address,
// and leave from a source port in 49152..65535 with TTL 255. One receiving socket per local
// address serves every session on it; packets are matched to a session by the peer's address.
// That socket carries a kernel filter that drops every packet whose TTL is not 255 (RFC 5881 5),
// so a packet from further away than the link never reaches a session (the socket-options addon
// makes it; without the addon, a warning says the check is off).

import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { udpTtl255Socket } from '../platform/socket-options.js';
import { decodeBfd, encodeBfd } from './packet.js';
import { BfdSession, type BfdSessionOptions, type BfdTimers } from './session.js';
import type { BfdState } from './packet.js';

export const BFD_PORT = 3784;

interface Endpoint {
  readonly receive: dgram.Socket;
  readonly sessions: Map<string, BfdSession>;
}

/** A session on its UDP sockets (the broker wraps it; the daemon side has its own BfdHandle in client.ts). */
export interface UdpBfdSession {
  readonly session: BfdSession;
  stop(): void;
}

export class BfdTransport {
  private readonly endpoints = new Map<string, Endpoint>();
  private nextDiscr = 1 + Math.floor(Math.random() * 0x7fff0000);

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: BfdSessionOptions = {},
  ) {}

  /** A session with `peer` from `local`; `changed` hears every state change. */
  async open(local: string, peer: string, timers: BfdTimers, changed: (from: BfdState, to: BfdState, diag: number) => void): Promise<UdpBfdSession> {
    const type = isIPv6(local) ? 'udp6' : 'udp4';
    const endpoint = await this.endpoint(local, type);
    const send = dgram.createSocket({ type });
    send.on('error', (err) => this.log.warn({ err: err.message, peer }, 'BFD send socket error'));
    await new Promise<void>((resolve, reject) => {
      send.once('error', reject);
      // RFC 5881 4: a source port in 49152..65535.
      send.bind({ address: local, port: 49152 + Math.floor(Math.random() * 16384) }, () => {
        send.off('error', reject);
        resolve();
      });
    });
    send.setTTL(255); // RFC 5881 5: so the peer can check we are one hop away
    // The last packet (AdminDown) must leave before the socket closes: a send completes later.
    let inFlight = 0;
    let closing = false;
    const session = new BfdSession(
      this.nextDiscr++,
      timers,
      this.clock,
      (p) => {
        inFlight++;
        send.send(encodeBfd(p), BFD_PORT, peer, () => {
          if (--inFlight === 0 && closing) send.close();
        });
      },
      changed,
      this.options,
    );
    endpoint.sessions.set(peer, session);
    session.start();
    return {
      session,
      stop: () => {
        session.stop();
        endpoint.sessions.delete(peer);
        closing = true;
        if (inFlight === 0) send.close();
        if (endpoint.sessions.size === 0) {
          this.endpoints.delete(local);
          endpoint.receive.close();
        }
      },
    };
  }

  private async endpoint(local: string, type: 'udp4' | 'udp6'): Promise<Endpoint> {
    const known = this.endpoints.get(local);
    if (known) return known;
    const receive = dgram.createSocket({ type, reuseAddr: true });
    const endpoint: Endpoint = { receive, sessions: new Map() };
    this.endpoints.set(local, endpoint);
    receive.on('message', (msg, rinfo) => {
      const s = endpoint.sessions.get(rinfo.address);
      if (!s) return;
      const p = decodeBfd(msg);
      if ('discard' in p) {
        this.log.debug({ peer: rinfo.address, why: p.discard }, 'BFD packet discarded');
        return;
      }
      if (p.yourDiscr !== 0 && p.yourDiscr !== s.localDiscr) return; // not for this session (RFC 5880 6.8.6)
      s.receive(p);
    });
    receive.on('error', (err) => this.log.warn({ err: err.message, local }, 'BFD socket error'));
    try {
      const fd = udpTtl255Socket(local, BFD_PORT);
      if (fd === null) this.log.warn({ local }, 'BFD: the socket-options addon is not built (run npm ci), so packets are not checked for TTL 255');
      await new Promise<void>((resolve, reject) => {
        receive.once('error', reject);
        receive.bind(fd === null ? { address: local, port: BFD_PORT } : { fd }, () => {
          receive.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      // The next session on this address tries again rather than sharing a socket that never bound.
      this.endpoints.delete(local);
      receive.close();
      throw new Error(`BFD: cannot receive on ${local} port ${BFD_PORT}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return endpoint;
  }
}
