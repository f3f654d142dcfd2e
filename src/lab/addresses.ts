/**
 * IP address helpers the lab shares: the IP version of an address or prefix, the host prefix of a
 * bare address, and a numeric order of addresses (for sorted next hops).
 */
import { isIP } from 'node:net';

/** An IP version as BIRD names its channels and tables (`ipv4 { ... }`, master4 / master6). */
export type IpVersion = 'ipv4' | 'ipv6';

/** Adds the host-route length to a bare address. */
export function hostPrefix(prefix: string): string {
  if (prefix.includes('/')) return prefix;
  return `${prefix}/${isIP(prefix) === 6 ? 128 : 32}`;
}

/** The IP version of an address or prefix. */
export function ipVersionOf(address: string): IpVersion {
  return isIP(address.split('/')[0] ?? '') === 6 ? 'ipv6' : 'ipv4';
}

/** Orders addresses numerically (198.51.100.9 before 198.51.100.11; IPv4 before IPv6). */
export function compareAddresses(a: string, b: string): number {
  const ka = addressKey(a);
  const kb = addressKey(b);
  if (ka === undefined || kb === undefined) return a < b ? -1 : a > b ? 1 : 0;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** IPv4 as a 32-bit number, IPv6 above all of them; undefined for forms it does not read (x::1.2.3.4). */
function addressKey(address: string): bigint | undefined {
  const version = isIP(address);
  if (version === 4) return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  if (version !== 6 || address.includes('.')) return undefined;
  const [head = '', tail] = address.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) + (1n << 128n);
}
