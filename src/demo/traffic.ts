// Sends the demo's HTTP requests from the client namespace to the EIP and counts who answered:
// runs traffic-client.js there (a tracked lab process, so a teardown stops it too).
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../lab/index.js';
import type { TrafficResult } from './traffic-client.js';

export type { TrafficResult } from './traffic-client.js';

const CLIENT_SCRIPT = fileURLToPath(new URL('./traffic-client.js', import.meta.url));

export interface TrafficOptions {
  readonly url: string;
  readonly requests: number;
  readonly concurrency: number;
  /** Gives up on the whole run after this long; default 30 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export async function sendTraffic(lab: Lab, opts: TrafficOptions): Promise<TrafficResult> {
  const client = lab.client;
  if (client === undefined) throw new Error(`lab ${lab.id} has no client namespace`);
  const proc = lab.spawn(
    client.ns,
    process.execPath,
    [CLIENT_SCRIPT, '--url', opts.url, '--requests', String(opts.requests), '--concurrency', String(opts.concurrency), '--lab', lab.id],
    { name: 'http-client' },
  );
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const aborted = new Promise<'aborted'>((resolve) => {
    if (opts.signal?.aborted === true) resolve('aborted');
    opts.signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  const outcome = await Promise.race([proc.exited, delay(timeoutMs, 'timeout' as const, { ref: false }), aborted]);
  if (outcome === 'timeout' || outcome === 'aborted') {
    await proc.stop({ graceMs: 500 });
    if (outcome === 'aborted') throw opts.signal?.reason ?? new Error('aborted');
    throw new Error(`the HTTP client did not finish within ${timeoutMs} ms; its output:\n${proc.tail(10)}`);
  }
  const lines = proc.output().trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (outcome.code !== 0 || !last.startsWith('{')) {
    throw new Error(`the HTTP client failed (exit code ${outcome.code}, signal ${outcome.signal}); its output:\n${proc.tail(10)}`);
  }
  return JSON.parse(last) as TrafficResult;
}
