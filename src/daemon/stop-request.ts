// What ends the daemon: a signal, or `announcer shutdown` through the API. SIGTERM does what
// gracefulRestart.onSigterm says (a Kubernetes rolling update or `systemctl restart` can keep
// traffic flowing); SIGINT withdraws.

import type { EventEmitter } from 'node:events';
import type { StopMode } from '../speaker/api.js';

export interface StopRequest {
  /** 'SIGTERM', 'SIGINT' or 'announcer shutdown', for the log and the NOTIFICATION's message. */
  readonly why: string;
  readonly mode: StopMode;
}

/** Resolves at the first of the three; the signal listeners are removed when it does. */
export function stopRequested(
  signals: Pick<EventEmitter, 'once' | 'off'>,
  onSigterm: StopMode,
  shutdownRequested: Promise<StopMode>,
): Promise<StopRequest> {
  return new Promise<StopRequest>((resolve) => {
    const done = (v: StopRequest): void => {
      signals.off('SIGTERM', term);
      signals.off('SIGINT', int);
      resolve(v);
    };
    const term = (): void => done({ why: 'SIGTERM', mode: onSigterm });
    const int = (): void => done({ why: 'SIGINT', mode: 'withdraw' });
    signals.once('SIGTERM', term);
    signals.once('SIGINT', int);
    void shutdownRequested.then((m) => done({ why: 'announcer shutdown', mode: m }));
  });
}
