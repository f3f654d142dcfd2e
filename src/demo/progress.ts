// Where the demo writes, and its one-line-per-step progress with timings:
//
//   [  1.2 s] starting BIRD 2 on the router ... ok (0.21 s)

export interface Output {
  write(text: string): void;
}

export interface StepOptions<T> {
  /** What to say of the result after "ok". */
  readonly detail?: (value: T) => string;
  /** Run even when the demo was interrupted (the teardown). */
  readonly evenIfAborted?: boolean;
}

export class Progress {
  readonly #t0 = Date.now();

  /** `signal`: once aborted (Ctrl-C), no further step starts. */
  constructor(
    readonly out: Output,
    readonly signal?: AbortSignal,
  ) {}

  /** Seconds since the demo started. */
  elapsed(): number {
    return (Date.now() - this.#t0) / 1000;
  }

  /** "[  1.2 s]" */
  stamp(): string {
    return `[${this.elapsed().toFixed(1).padStart(5)} s]`;
  }

  line(text = ''): void {
    this.out.write(`${text}\n`);
  }

  /** Several lines, each indented. */
  block(text: string, indent = '    '): void {
    for (const line of text.replace(/\t/g, '    ').trimEnd().split('\n')) this.line(`${indent}${line.trimEnd()}`);
  }

  /**
   * Runs one step on one line: its title first, so a slow step shows what it waits for, then
   * "ok" (with what `detail` says of the result) and how long it took, or "FAILED".
   */
  async step<T>(title: string, fn: () => Promise<T>, opts: StepOptions<T> = {}): Promise<T> {
    if (opts.evenIfAborted !== true) this.signal?.throwIfAborted();
    const start = Date.now();
    this.out.write(`  ${this.stamp()} ${title} ... `);
    let value: T;
    try {
      value = await fn();
    } catch (e) {
      this.out.write(`FAILED (${seconds(Date.now() - start)})\n`);
      throw e;
    }
    const said = opts.detail?.(value);
    this.out.write(`ok${said === undefined || said === '' ? '' : `, ${said}`} (${seconds(Date.now() - start)})\n`);
    return value;
  }
}

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}
