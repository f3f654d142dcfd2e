// Option parsers shared by the subcommands.

import { InvalidArgumentError, Option } from 'commander';
import { AttributeValueError, type AnyAttributeEntry } from '../attributes/entry.js';
import { MAX_WEIGHT } from '../attributes/table.js';
// The codec's modules themselves, not its index: the CLI starts without loading the whole codec.
import { formatIPv4, formatIPv6, parsePrefixInto, PREFIX_HOST_BITS, PREFIX_V6 } from '../codec/ip.js';
import { IpAddress } from '../codec/values.js';

/** For repeatable options: --next-hop A --next-hop B -> ['A', 'B']. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** An owner's name: never empty, which the API would read as "not given" (the owner cli; any owner). */
export function ownerName(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a name, not an empty string.');
  return value;
}

/** A health check's name: never empty, which the API would read as "no check". */
export function checkName(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected the name of a health check, not an empty string.');
  return value;
}

/** An integer the wire carries in 32 bits (LOCAL_PREF, MED). */
export function uint32(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n > 0xffffffff) throw new InvalidArgumentError('expected an integer in 0..4294967295.');
  return n;
}

// The values checked before the daemon is asked: a malformed one is a usage error (exit 2) whether
// or not a daemon answers, as every other flag is. What only the daemon knows (allowPrefixes,
// health checks, the families its peers carry) it still says.

const scratch = new Uint8Array(16);

/** A prefix, or a bare address (a /32 or /128); host bits set are refused, both readings offered. */
export function prefixArg(value: string): string {
  const text = value.trim();
  const r = parsePrefixInto(text, scratch);
  if (r < 0) throw new InvalidArgumentError(`expected an IPv4 or IPv6 prefix (e.g. 203.0.113.10/32, 2001:db8::10/128), got ${JSON.stringify(value)}.`);
  if (r & PREFIX_HOST_BITS) {
    const v6 = (r & PREFIX_V6) !== 0;
    const network = `${v6 ? formatIPv6(scratch) : formatIPv4(scratch)}/${r & 0xff}`;
    throw new InvalidArgumentError(`${text} has host bits set: did you mean ${network} (the network) or ${text.slice(0, text.indexOf('/'))} (the address alone)?`);
  }
  return text;
}

/** A next hop: an address or "self" (repeatable). */
export function nextHopArg(value: string, previous: string[] = []): string[] {
  const v = value.trim();
  const eq = v.lastIndexOf('=');
  const [address, weight] = eq < 0 ? [v, undefined] : [v.slice(0, eq), v.slice(eq + 1)];
  if (address !== 'self' && !IpAddress.parse(address)) throw new InvalidArgumentError(`expected an IP address or "self", optionally with =WEIGHT (198.51.100.11=2), got ${JSON.stringify(value)}.`);
  if (weight !== undefined) weightArg(weight);
  return [...previous, v];
}

/** A next hop as --next-hop gives it: the address, and its weight when it says =WEIGHT. */
export function splitNextHop(arg: string): { address: string; weight?: number } {
  const eq = arg.lastIndexOf('=');
  return eq < 0 ? { address: arg } : { address: arg.slice(0, eq), weight: Number(arg.slice(eq + 1)) };
}

/** --weight N (and --next-hop IP=N): a whole number from 1 to 1000. */
export function weightArg(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WEIGHT) throw new InvalidArgumentError(`a weight is a whole number from 1 to ${MAX_WEIGHT}, got ${JSON.stringify(value)}.`);
  return n;
}

/**
 * An attribute's add-eip option, from the attribute table: a list's values are repeatable and each
 * checked by the attribute's own parser; a number is an integer in 0..its maximum.
 */
export function attributeOption(e: AnyAttributeEntry): Option {
  const option = new Option(`${e.cli.flag} ${e.cli.arg}`, e.cli.help);
  if (e.form === 'number') {
    const max = e.max ?? 0xffffffff;
    return option.argParser((value: string) => {
      const n = uint32(value);
      if (n > max) throw new InvalidArgumentError(`expected an integer in 0..${max}.`);
      return n;
    });
  }
  return option.argParser((value: string, previous: string[] = []) => {
    try {
      e.parse([value.trim()]);
    } catch (err) {
      if (!(err instanceof AttributeValueError)) throw err;
      throw new InvalidArgumentError(`expected ${e.cli.expected ?? 'a value'}, got ${JSON.stringify(value)}.`);
    }
    return [...previous, value.trim()];
  });
}

/** Next hops of the other family than the prefix: refused before the call, like the daemon would. */
export function familyMismatch(prefix: string, nextHops: readonly string[] | undefined): string | undefined {
  const v6 = prefix.includes(':');
  const other = nextHops?.map((n) => splitNextHop(n).address).find((n) => n !== 'self' && n.includes(':') !== v6);
  return other === undefined ? undefined : `--next-hop ${other} is ${v6 ? 'IPv4' : 'IPv6'} but the prefix is ${v6 ? 'IPv6' : 'IPv4'}`;
}
