// A TCP connect: pass when the handshake completes. The connection is closed at once; nothing is sent.

import { connect } from 'node:net';
import type { ExpandedTcpProbe } from './expand.js';
import { ABORTED, socketErrorDetail, type ProbeResult } from './prober.js';

export function probeTcp(p: ExpandedTcpProbe, signal: AbortSignal): Promise<ProbeResult> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve) => {
    let done = false;
    const socket = connect({ host: p.host, port: p.port });
    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = (): void => finish(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ ok: true, detail: 'connected' }));
    socket.on('error', (e) => finish({ ok: false, detail: socketErrorDetail(e) }));
    socket.on('close', () => finish({ ok: false, detail: 'connection closed' }));
  });
}
