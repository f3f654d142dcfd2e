// What a health check is, as the config gives it: a probe (HTTP, TCP or a command) with its
// placeholders still unfilled, how often it runs, how many results in a row change a target's
// state, and what a failed target's paths become. Plain data, validated by src/config/health-checks.ts.

/** Milliseconds. */
export type Millis = number;

export interface HttpProbeSpec {
  readonly kind: 'http';
  /** http:// or https://, with {prefix}, {address} and {nextHop} still in it. */
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The status codes that pass; omitted: any 2xx. */
  readonly expectStatus?: readonly number[];
  readonly timeout: Millis;
  /** https only: a CA bundle (PEM file) the server's certificate must chain to, instead of the system's. */
  readonly ca?: string;
  /** https only: accept any certificate (the connection is still encrypted). */
  readonly insecureSkipVerify: boolean;
}

export interface TcpProbeSpec {
  readonly kind: 'tcp';
  /** host:port, with placeholders ("{nextHop}:53"). */
  readonly address: string;
  readonly timeout: Millis;
}

export interface ExecProbeSpec {
  readonly kind: 'exec';
  /** argv, with placeholders in any argument; with `shell`, one command line for /bin/sh -c. */
  readonly command: readonly string[];
  readonly shell: boolean;
  readonly timeout: Millis;
}

export type ProbeSpec = HttpProbeSpec | TcpProbeSpec | ExecProbeSpec;

/** What a down target's paths become: gone from every peer, or still announced but less preferred. */
export type OnFail =
  | { readonly action: 'withdraw' }
  | {
      readonly action: 'demote';
      readonly med?: number;
      readonly localPref?: number;
      /** Added to the path's own: RFC 1997 values, ASN << 16 | VALUE. */
      readonly communities?: readonly number[];
    };

export interface HealthCheckSpec {
  /** Unique; what a path's `check` refers to. */
  readonly name: string;
  readonly probe: ProbeSpec;
  /** Time between the starts of two probes of one target. */
  readonly interval: Millis;
  /** Consecutive passes before a down target is up again. */
  readonly rise: number;
  /** Consecutive failures before an up target is down. */
  readonly fall: number;
  /** Whether a target that was never probed counts as up (announced) or down. */
  readonly initial: 'up' | 'down';
  readonly onFail: OnFail;
}
