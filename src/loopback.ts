// Which TCP addresses may serve the API in the clear: loopback only. Shared by the config check
// and the API server (which checks again, for callers that skip the config); it lives beside
// both so that neither imports the other for it (the API imports the config, never the reverse).

import { isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { formatIPv6, parseIPv6 } from './codec/ip.js';

/** "[::1]:50051" -> "[::1]", "127.0.0.1:50051" -> "127.0.0.1" (brackets kept). */
export function hostOf(address: string): string {
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped ::ffff:127.x.y.z) and "localhost": reachable from this host only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  const v6 = isIPv6(h) ? parseIPv6(h) : null;
  if (!v6) return false;
  if (formatIPv6(v6) === '::1') return true;
  // ::ffff:127.x.y.z: ten zero octets, two 0xff, then an IPv4 loopback address.
  return v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff && v6[12] === 127;
}

/** Why a TCP listen setting is unsafe, or undefined when it is fine. The config checks the same. */
export function insecureTcpProblem(address: string, tls: unknown, insecure: boolean | undefined): string | undefined {
  if (tls !== undefined || insecure === true || isLoopbackHost(hostOf(address))) return undefined;
  return (
    `${address} is not a loopback address, and anyone who reaches the API controls what is announced: ` +
    'give api.tls {cert, key, clientCa} (mutual TLS), or set api.insecure: true to serve it in the clear'
  );
}

/** Whether an interface of this host has `address` now (compared as octets: any IPv6 spelling). */
export function isHostAddress(address: string): boolean {
  const octets = (a: string): string | undefined => {
    const bare = a.split('%', 1)[0]!;
    if (isIPv4(bare)) return bare;
    const v6 = isIPv6(bare) ? parseIPv6(bare) : null;
    return v6 ? formatIPv6(v6) : undefined;
  };
  const want = octets(address);
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => octets(i.address) === want));
}
