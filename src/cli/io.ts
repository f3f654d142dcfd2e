// What the CLI touches of the outside world, passed in so tests can capture it.

import { systemClock } from '../clock.js';

export interface CliIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Milliseconds since the epoch (the peers' SINCE column); default Date.now. */
  readonly now?: () => number;
  /** Read by `replace --file -`; default process.stdin. */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
  /** Where SIGINT / SIGTERM arrive (they end `watch`); default the process. */
  readonly signals?: Signals;
}

/** The time now by `io` (for "how long ago" columns). */
export function nowOf(io: CliIo): number {
  return io.now ? io.now() : systemClock.now();
}

/** The part of an EventEmitter (such as `process`) that delivers signals. */
export interface Signals {
  once(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/** Exit statuses, so scripts can tell "you asked wrong" from "nobody is listening". */
export const EXIT = {
  ok: 0,
  /** The daemon refused the request (bad argument, nothing to delete) or failed. */
  failed: 1,
  /** The command line itself is wrong. */
  usage: 2,
  /** The daemon could not be reached (or did not answer in time). */
  unreachable: 3,
} as const;

export const DEFAULT_API = 'unix:/run/announcer/announcer.sock';
