// The demo's HTTP client, run inside the client namespace:
//
//   node dist/demo/traffic-client.js --url http://203.0.113.10/ --requests 300 --concurrency 20
//
// Every request opens a new TCP connection (no keep-alive), so each has its own source port and
// the router's L4 hash spreads them over the next hops. Prints one line of JSON on stdout:
//   {"counts":{"node1":104,"node2":98,"node3":98},"errors":0,"ms":812}
// where a count is keyed by the body of the answer (the node's name).
import { get } from 'node:http';
import { parseArgs } from 'node:util';

export interface TrafficResult {
  readonly counts: Record<string, number>;
  readonly errors: number;
  /** The first error's message, when there were errors. */
  readonly firstError?: string;
  readonly ms: number;
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    requests: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '20' },
    'timeout-ms': { type: 'string', default: '3000' },
    lab: { type: 'string' },
  },
});

function once(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // agent: false: a fresh connection (and source port) per request, closed after it.
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

async function main(url: string, requests: number, concurrency: number, timeoutMs: number): Promise<TrafficResult> {
  const start = Date.now();
  const counts: Record<string, number> = {};
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests) {
      next += 1;
      try {
        const who = await once(url, timeoutMs);
        counts[who] = (counts[who] ?? 0) + 1;
      } catch (e) {
        errors += 1;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
  return { counts, errors, ...(firstError === undefined ? {} : { firstError }), ms: Date.now() - start };
}

const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const timeoutMs = Number(values['timeout-ms']);
if (values.url === undefined || ![requests, concurrency, timeoutMs].every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write('usage: traffic-client.js --url URL [--requests N] [--concurrency N] [--timeout-ms N]\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${JSON.stringify(await main(values.url, requests, concurrency, timeoutMs))}\n`);
}
