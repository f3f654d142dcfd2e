// The control protocol between the daemon and the BFD process (`announcer bfdd`): one JSON object a
// line over a unix stream socket. Pure: parsing and framing only, no sockets. Each side parses what
// it reads here, once, into typed messages; a line that does not parse is refused with the reason.

import { z } from 'zod';
import type { BfdState } from './packet.js';
import type { BfdTimers } from './session.js';

/** Bumped when a message changes meaning; a daemon and a BFD process of one version talk. */
export const CONTROL_VERSION = 1;

/** No control line is near this; a peer that sends more without a newline is cut off. */
export const MAX_LINE = 64 * 1024;

/** One BFD session as the BFD process reports it. */
export interface SessionView {
  readonly local: string;
  readonly peer: string;
  readonly state: BfdState;
  readonly flaps: number;
}

/** Daemon -> BFD process. */
export type ControlRequest =
  | { readonly op: 'hello'; readonly version: number; readonly client: string }
  /**
   * Run (or adopt, when the BFD process holds it already) the session from `local` to `peer`.
   * `holdMs`: if this client goes away without closing it, keep the session Up this long (the
   * peer's graceful restart time), so the router keeps forwarding while a new daemon comes back.
   */
  | { readonly op: 'open'; readonly local: string; readonly peer: string; readonly timers: BfdTimers; readonly holdMs: number }
  /** Stop the session: AdminDown to the peer (we are leaving on purpose), then forget it. */
  | { readonly op: 'close'; readonly local: string; readonly peer: string };

/** BFD process -> daemon. */
export type ControlEvent =
  | { readonly op: 'hello'; readonly version: number; readonly pid: number; readonly sessions: readonly SessionView[] }
  /** The session runs for this client; `adopted`: it was running already (held over a restart). */
  | ({ readonly op: 'opened'; readonly adopted: boolean } & SessionView)
  | { readonly op: 'closed'; readonly local: string; readonly peer: string }
  | ({ readonly op: 'state'; readonly from: BfdState; readonly diag: number } & SessionView)
  /** Another client opened this session: this one no longer hears of it. */
  | { readonly op: 'released'; readonly local: string; readonly peer: string }
  | { readonly op: 'error'; readonly local?: string; readonly peer?: string; readonly message: string }
  /** A log record of the BFD process, for the daemon's log (one log stream for the operator). */
  | { readonly op: 'log'; readonly level: LogLevel; readonly msg: string; readonly fields: Readonly<Record<string, unknown>> };

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const ADDRESS = z.string().min(1).max(64);
const STATE = z.enum(['AdminDown', 'Down', 'Init', 'Up']);
const TIMERS = z.object({
  minTx: z.number().int().min(1).max(60_000),
  minRx: z.number().int().min(1).max(60_000),
  multiplier: z.number().int().min(1).max(255),
});
const ENDS = { local: ADDRESS, peer: ADDRESS };
const VIEW = { ...ENDS, state: STATE, flaps: z.number().int().min(0) };

const REQUEST = z.discriminatedUnion('op', [
  z.object({ op: z.literal('hello'), version: z.number().int(), client: z.string().max(256) }),
  z.object({ op: z.literal('open'), ...ENDS, timers: TIMERS, holdMs: z.number().int().min(0).max(3_600_000) }),
  z.object({ op: z.literal('close'), ...ENDS }),
]);

const EVENT = z.discriminatedUnion('op', [
  z.object({ op: z.literal('hello'), version: z.number().int(), pid: z.number().int(), sessions: z.array(z.object(VIEW)) }),
  z.object({ op: z.literal('opened'), adopted: z.boolean(), ...VIEW }),
  z.object({ op: z.literal('closed'), ...ENDS }),
  z.object({ op: z.literal('state'), from: STATE, diag: z.number().int().min(0).max(31), ...VIEW }),
  z.object({ op: z.literal('released'), ...ENDS }),
  z.object({ op: z.literal('error'), local: ADDRESS.optional(), peer: ADDRESS.optional(), message: z.string() }),
  z.object({ op: z.literal('log'), level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']), msg: z.string(), fields: z.record(z.string(), z.unknown()) }),
]);

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: string };

function parseWith<T>(schema: z.ZodType<T>, line: string): Parsed<T> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, why: 'not JSON' };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0]!;
  return { ok: false, why: `${issue.path.join('.') || 'message'}: ${issue.message}` };
}

export const parseRequest = (line: string): Parsed<ControlRequest> => parseWith<ControlRequest>(REQUEST, line);
export const parseEvent = (line: string): Parsed<ControlEvent> => parseWith<ControlEvent>(EVENT, line);

export function encodeLine(m: ControlRequest | ControlEvent): string {
  return `${JSON.stringify(m)}\n`;
}

/** The key of a session: one per (local address, peer address), as RFC 5881 demultiplexes them. */
export function sessionKey(local: string, peer: string): string {
  return `${local} ${peer}`;
}

/**
 * Cuts a byte stream into lines. A line longer than MAX_LINE is an error (the other side is not
 * speaking this protocol), never an unbounded buffer.
 */
export class LineSplitter {
  private rest = '';

  /** The whole lines in `chunk` (with what came before it); throws once a line grows past MAX_LINE. */
  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop()!;
    if (this.rest.length > MAX_LINE) throw new Error(`a control line longer than ${MAX_LINE} octets`);
    return lines.filter((l) => l.length > 0);
  }
}
