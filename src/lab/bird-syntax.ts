/**
 * What both BIRD config generators (bird-config.ts, speaker-config.ts) share: the checks that make
 * a bad option an error naming its field rather than a config BIRD refuses, and the neighbor line.
 */
import { isIP } from 'node:net';

/** A BIRD symbol (protocol or template name): a letter or _, then letters, digits, _. */
export const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkAsn(field: string, asn: number): void {
  if (!Number.isInteger(asn) || asn < 1 || asn > 4294967295) throw new Error(`${field}: not an AS number: ${asn}`);
}

export function checkAddress(field: string, address: string, family?: 4 | 6): void {
  const v = isIP(address);
  if (v === 0 || (family !== undefined && v !== family)) {
    throw new Error(`${field}: not an IPv${family ?? '4 or IPv6'} address: ${JSON.stringify(address)}`);
  }
}

/** `neighbor ADDR [port N] as ASN;` */
export function neighborLine(address: string, port: number | undefined, asn: number): string {
  return `neighbor ${address}${port === undefined || port === 179 ? '' : ` port ${port}`} as ${asn};`;
}
