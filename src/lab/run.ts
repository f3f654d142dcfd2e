/**
 * Running commands on the host and waiting for things: run() collects a command's output (or
 * throws with it), waitFor() polls until a condition holds and on timeout says what it saw last.
 * The lab, its BIRD helpers, the tests and the demo all build on these two.
 */
import { execFile } from 'node:child_process';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface ExecOptions {
  /** Resolve with the exit code instead of throwing when the command fails. */
  readonly allowFail?: boolean;
  readonly timeoutMs?: number;
}

/** Runs a command on the host (never one that changes the host's network config) and collects its output. */
export function run(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      [...args],
      { timeout: opts.timeoutMs ?? 10_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const err = error as (Error & { code?: number | string; killed?: boolean }) | null;
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        if (err !== null && (typeof err.code !== 'number' || !opts.allowFail)) {
          const why = err.killed ? 'timed out' : typeof err.code === 'number' ? `exit code ${err.code}` : err.message;
          reject(new Error(`${[cmd, ...args].join(' ')}: ${why}\n${stderr}${stdout}`.trimEnd()));
          return;
        }
        resolve({ stdout, stderr, code });
      },
    );
  });
}

export interface WaitOptions<T> {
  /** What is awaited, for the timeout message: "3 next hops for 203.0.113.10 in R". */
  readonly what: string;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** When the observed value is good enough; default: truthy. */
  readonly until?: (value: T) => boolean;
  /** Stops waiting at once, throwing the signal's reason (e.g. the awaited process died). */
  readonly signal?: AbortSignal;
}

/**
 * Calls `probe` every `intervalMs` until `until(value)` holds and returns that value. A probe that
 * throws counts as "not yet". On timeout the error names what was awaited and the last observation.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, opts: WaitOptions<T>): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 100;
  const until = opts.until ?? ((v: T) => Boolean(v));
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing (the probe never finished)';
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const value = await probe();
      if (until(value)) return value;
      last = show(value);
    } catch (e) {
      last = `error: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what}; last observed: ${last}`);
    }
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 2000 ? `${value.slice(0, 2000)}...` : value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
