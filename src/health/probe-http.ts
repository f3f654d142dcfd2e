// One HTTP(S) request: pass when the status is one the check expects (any 2xx unless it says).
// A fresh connection each time (no keep-alive), so a probe sees what a new client would: a
// server that accepts no new connections fails, even if an old one still answers.

import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { HttpProbeSpec } from './spec.js';
import { ABORTED, clip, socketErrorDetail, type ProbeResult } from './prober.js';

/** What is read of a body before the connection is dropped: it is discarded anyway. */
const BODY_LIMIT = 64 * 1024;

/** `ca`: the contents of the check's CA file, already read. */
export function probeHttp(p: HttpProbeSpec, signal: AbortSignal, ca?: Buffer): Promise<ProbeResult> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve) => {
    let done = false;
    let req: ClientRequest | undefined;
    let res: IncomingMessage | undefined;
    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      res?.destroy();
      req?.destroy();
      resolve(r);
    };
    const onAbort = (): void => finish(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });

    let url: URL;
    try {
      url = new URL(p.url);
    } catch {
      finish({ ok: false, detail: `not a URL: ${clip(p.url)}` });
      return;
    }
    const https = url.protocol === 'https:';
    const headers: Record<string, string> = { ...p.headers };
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'user-agent')) headers['User-Agent'] = 'announcer-health-check';
    const options: RequestOptions & { ca?: Buffer; rejectUnauthorized?: boolean; servername?: string } = { method: p.method, headers, agent: false };
    if (https) {
      options.rejectUnauthorized = !p.insecureSkipVerify;
      if (ca) options.ca = ca;
      // A Host header names the virtual host: the certificate must be that name's (and SNI asks for it).
      const host = Object.entries(headers).find(([h]) => h.toLowerCase() === 'host')?.[1];
      const name = host?.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      if (name && isIP(name) === 0) options.servername = name;
    }
    try {
      req = (https ? httpsRequest : httpRequest)(url, options, (r) => {
        res = r;
        const status = r.statusCode ?? 0;
        const ok = p.expectStatus ? p.expectStatus.includes(status) : status >= 200 && status <= 299;
        const result = { ok, detail: clip(`HTTP ${status}${r.statusMessage ? ` ${r.statusMessage}` : ''}`) };
        let read = 0;
        r.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > BODY_LIMIT) finish(result);
        });
        r.on('end', () => finish(result));
        // The status has come: a connection cut in the body does not change what it said.
        r.on('error', () => finish(result));
        r.on('close', () => finish(result));
      });
    } catch (e) {
      // e.g. a header value Node refuses.
      finish({ ok: false, detail: socketErrorDetail(e) });
      return;
    }
    req.on('error', (e) => finish({ ok: false, detail: socketErrorDetail(e) }));
    req.end();
  });
}
