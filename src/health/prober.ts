// What runs one probe. The monitor decides when and how many; a prober only checks a target once
// and says whether it passed and why, in words a person reads in `announcer list` and the log.

import type { ExpandedProbe } from './expand.js';

export interface ProbeResult {
  readonly ok: boolean;
  /** Why, briefly: "HTTP 503 Service Unavailable", "connection refused", "exit status 3: no backend". */
  readonly detail: string;
}

export interface Prober {
  /**
   * Checks `target` once. The signal aborts it (its timeout passed, or it is no longer wanted):
   * the prober then lets go of everything it holds (sockets, the child process) and settles soon.
   */
  probe(target: ExpandedProbe, signal: AbortSignal): Promise<ProbeResult>;
}

/** What a probe settles with once its signal aborts it. */
export const ABORTED: ProbeResult = Object.freeze({ ok: false, detail: 'aborted' });

/** At most this much of any text that goes into a detail (a line of a script's output, a status text). */
const DETAIL_MAX = 200;

export function clip(text: string, max = DETAIL_MAX): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

const SOCKET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  EADDRNOTAVAIL: 'address not available',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ABORT_ERR: 'aborted',
  ECONNABORTED: 'aborted',
};

/** A socket or TLS error in words: "connection refused", "TLS: self-signed certificate". */
export function socketErrorDetail(e: unknown): string {
  const err: NodeJS.ErrnoException = e instanceof Error ? e : new Error(String(e));
  const code = typeof err.code === 'string' ? err.code : '';
  const known = SOCKET_ERRORS[code];
  if (known !== undefined) return known;
  if (err.name === 'AbortError') return 'aborted';
  // OpenSSL's verification codes (DEPTH_ZERO_SELF_SIGNED_CERT, ...) and Node's ERR_TLS_*.
  if (/CERT|TLS|SSL|SIGNATURE|ISSUER/.test(code)) return clip(`TLS: ${err.message}`);
  return clip(err.message || code || 'failed');
}
