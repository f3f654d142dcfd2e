// How the CLI reports a failure: in its own words (flags, not the API's field paths), one line
// and a hint for a usage error, and as JSON when the command was asked for JSON.

import type { CliIo } from './io.js';

/** The API's field names (`nextHop`, the `paths[i].` stripped) -> the flag the user typed; '' for the argument. */
export type FieldWords = Readonly<Record<string, string>>;

export interface CliFailure {
  readonly message: string;
  readonly exitCode: number;
  /** usage (exit 2), refused or failed (1), unreachable (3). */
  readonly kind: 'usage' | 'refused' | 'unreachable';
  /** The gRPC status name, when the daemon answered. */
  readonly status?: string;
  /** The flag the error is about, in the CLI's words. */
  readonly flag?: string;
  /** For a usage error: where to read how the command is used. */
  readonly hint?: string;
}

/**
 * "paths[1].nextHop: 2001:db8::5 is IPv6 but the prefix is IPv4" -> "--next-hop 2001:db8::5 is IPv6
 * but the prefix is IPv4"; a message that does not start with a value gets a colon ("--owner: must
 * not be empty"). Fields the command has no word for keep the daemon's message.
 */
export function inCliWords(message: string, field: string | undefined, words: FieldWords): { message: string; flag?: string } {
  if (field === undefined || !message.startsWith(`${field}: `)) return { message };
  const name = field.replace(/^paths\[\d+\]\./, '').replace(/\[\d+\]$/, '');
  const flag = words[name];
  if (flag === undefined) return { message };
  const rest = message.slice(field.length + 2);
  if (flag === '') return { message: rest };
  const startsWithValue = /["':./\d]/.test(rest.split(' ', 1)[0] ?? '');
  return { message: startsWithValue ? `${flag} ${rest}` : `${flag}: ${rest}`, flag };
}

/** "announcer add-eip --help" for the subcommand among `args`, else "announcer --help". */
export function helpHint(args: readonly string[], commands: readonly string[]): string {
  const sub = args.find((a) => commands.includes(a));
  return sub === undefined ? 'announcer --help' : `announcer ${sub} --help`;
}

/** Writes the failure to stderr: `error: ...` (and `see: HINT`), or one JSON document with --json. */
export function reportFailure(io: CliIo, f: CliFailure, json: boolean): void {
  if (json) {
    const { message, exitCode, kind, status, flag, hint } = f;
    io.stderr.write(`${JSON.stringify({ error: { message, exitCode, kind, ...(status ? { status } : {}), ...(flag ? { flag } : {}), ...(hint ? { hint } : {}) } })}\n`);
    return;
  }
  io.stderr.write(`error: ${f.message}\n${f.hint ? `see: ${f.hint}\n` : ''}`);
}
