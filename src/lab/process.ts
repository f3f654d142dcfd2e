/**
 * A process the lab started inside a namespace (Lab.spawn()): its pid, its exit, the last of its
 * output, and a stop() that escalates from SIGTERM to SIGKILL.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const OUTPUT_LIMIT = 64 * 1024;

/**
 * A process the lab started inside a namespace; its stdout and stderr are kept (the last 64 KiB),
 * in memory or, for a detachable lab, in `logFile`.
 */
export class LabProcess {
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  #output = '';
  #status: ExitStatus | undefined;

  constructor(
    readonly name: string,
    readonly ns: string,
    readonly child: ChildProcess,
    readonly logFile?: string,
  ) {
    if (child.pid === undefined) throw new Error(`${name}: could not start ${child.spawnfile}`);
    this.pid = child.pid;
    const keep = (chunk: Buffer): void => {
      this.#output += chunk.toString('utf8');
      if (this.#output.length > OUTPUT_LIMIT) this.#output = this.#output.slice(-OUTPUT_LIMIT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#status = { code, signal };
        resolve(this.#status);
      });
    });
  }

  /** Everything it printed so far (stdout and stderr interleaved). */
  output(): string {
    if (this.logFile === undefined) return this.#output;
    try {
      const text = readFileSync(this.logFile, 'utf8');
      return text.length > OUTPUT_LIMIT ? text.slice(-OUTPUT_LIMIT) : text;
    } catch {
      return '';
    }
  }

  get running(): boolean {
    return this.#status === undefined;
  }

  get status(): ExitStatus | undefined {
    return this.#status;
  }

  /** SIGTERM (or `signal`), then SIGKILL if it is still running after `graceMs`. */
  async stop(opts: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<ExitStatus> {
    if (this.#status !== undefined) return this.#status;
    this.child.kill(opts.signal ?? 'SIGTERM');
    // A cleared timer, so a quick exit leaves no pending grace period holding the event loop open.
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, opts.graceMs ?? 2_000, undefined)));
    const graceful = await Promise.race([this.exited, grace]);
    clearTimeout(timer);
    if (graceful !== undefined) return graceful;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** The last lines of its output, for error messages. */
  tail(lines = 30): string {
    return this.output().trimEnd().split('\n').slice(-lines).join('\n');
  }
}
