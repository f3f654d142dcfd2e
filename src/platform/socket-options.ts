// TCP-MD5 (RFC 2385) and TTL security (RFC 5082) for BGP sockets. Node exposes neither option,
// and both must be in place before the first segment, so a protected session's socket is made
// and configured by a small Node-API addon (native/sockopt.c, built by `npm ci`) and handed to
// net.Socket to connect. Where the addon or the kernel refuses, the caller gets an error naming
// the option: a session is never run unprotected when protection was asked for.

import { createRequire } from 'node:module';
import net from 'node:net';
import { IpAddress } from '../codec/index.js';

interface SockoptAddon {
  tcpSocket(v6: boolean): number;
  closeFd(fd: number): void;
  setMd5(fd: number, peer: Uint8Array, key: Uint8Array): void;
  setTtl(fd: number, v6: boolean, ttl: number): void;
  setMinTtl(fd: number, v6: boolean, min: number): void;
  udpTtl255(v6: boolean, address: Uint8Array, port: number): number;
}

let addon: SockoptAddon | undefined;

function addonLoads(): boolean {
  try {
    sockopt();
    return true;
  } catch {
    return false;
  }
}

function sockopt(): SockoptAddon {
  if (addon) return addon;
  try {
    // build/ sits at the project root, two levels above both src/session and dist/session.
    addon = createRequire(import.meta.url)('../../build/Release/sockopt.node') as SockoptAddon;
  } catch (e) {
    throw new Error(`the socket-options addon (native/sockopt.c) is not built: run npm ci (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  return addon;
}

/** What a peer's sockets must carry. */
export interface SocketProtection {
  /** TCP-MD5 key. */
  readonly password?: string;
  /** TTL of every packet we send. */
  readonly ttl?: number;
  /** Drop packets that arrive with a smaller TTL (RFC 5082). */
  readonly minTtl?: number;
  /** A default, not a protection asked for: without the addon, connect without it. */
  readonly bestEffort?: boolean;
}

/**
 * The protection a peer's settings ask for, or null. An eBGP peer that is not multihop gets TTL 1
 * by default, as routers send: a session never reaches a peer that is further away by accident.
 */
export function protectionFor(o: { readonly password?: string; readonly ttlSecurity?: boolean; readonly multihop?: number }, ebgp = false): SocketProtection | null {
  if (o.password === undefined && !o.ttlSecurity && o.multihop === undefined) return ebgp ? { ttl: 1, bestEffort: true } : null;
  const hops = o.multihop ?? 1;
  return {
    ...(o.password === undefined ? {} : { password: o.password }),
    // RFC 5082: send 255 and accept only what came at most `hops` routers away; else TTL = hops.
    ...(o.ttlSecurity ? { ttl: 255, minTtl: 256 - hops } : o.multihop !== undefined ? { ttl: hops } : {}),
  };
}

function apply(fd: number, v6: boolean, peer: IpAddress, p: SocketProtection): void {
  const a = sockopt();
  if (p.password !== undefined) a.setMd5(fd, peer.bytes, Buffer.from(p.password, 'utf8'));
  if (p.ttl !== undefined) a.setTtl(fd, v6, p.ttl);
  if (p.minTtl !== undefined) a.setMinTtl(fd, v6, p.minTtl);
}

/** A connecting socket with the protection applied before its SYN. Throws naming the option. */
export function connectProtected(target: { readonly host: string; readonly port: number; readonly localAddress?: string }, p: SocketProtection): net.Socket {
  const peer = IpAddress.parse(target.host);
  if (!peer) throw new Error(`${target.host} is not an IP address`);
  let a: SockoptAddon;
  try {
    a = sockopt();
  } catch (e) {
    if (p.bestEffort) return net.connect(target);
    throw e;
  }
  const fd = a.tcpSocket(peer.isV6);
  try {
    apply(fd, peer.isV6, peer, p);
  } catch (e) {
    a.closeFd(fd);
    throw e;
  }
  const socket = new net.Socket({ fd, readable: true, writable: true });
  socket.connect({ host: target.host, port: target.port, ...(target.localAddress ? { localAddress: target.localAddress } : {}) });
  return socket;
}

/** The listening socket's descriptor (Node keeps it private). */
function fdOf(handle: unknown): number {
  const fd = (handle as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('no socket descriptor to set options on');
  return fd;
}

/** TCP-MD5 on the listener for one peer: its SYNs are accepted only when signed with the key. */
export function protectListener(server: net.Server, peer: string, password: string): void {
  const ip = IpAddress.parse(peer);
  if (!ip) throw new Error(`${peer} is not an IP address`);
  sockopt().setMd5(fdOf(server), ip.bytes, Buffer.from(password, 'utf8'));
}

/** TTL and minimum TTL on an accepted connection. */
export function protectAccepted(socket: net.Socket, p: SocketProtection): void {
  if (p.bestEffort && !addonLoads()) return;
  const v6 = socket.remoteFamily === 'IPv6';
  const fd = fdOf(socket);
  if (p.ttl !== undefined) sockopt().setTtl(fd, v6, p.ttl);
  if (p.minTtl !== undefined) sockopt().setMinTtl(fd, v6, p.minTtl);
}

/**
 * A UDP socket bound to address:port that receives only datagrams sent with TTL 255 (RFC 5881 5,
 * BFD's single-hop check: the kernel drops the rest), as a descriptor for dgram's bind({ fd }).
 * Null when the addon is not built; throws naming the step the kernel refused.
 */
export function udpTtl255Socket(address: string, port: number): number | null {
  const ip = IpAddress.parse(address);
  if (!ip) throw new Error(`${address} is not an IP address`);
  if (!addonLoads()) return null;
  return sockopt().udpTtl255(ip.isV6, ip.bytes, port);
}
