// Option parsers shared by the subcommands.

import { InvalidArgumentError } from 'commander';

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
