// The validated config's types, and the defaults other layers name (the API socket, the BGP port):
// what parseConfig returns, apart from how it is checked.

import type { AddPathSetting, Family } from '../codec/types.js';
import type { LogFormat } from '../log.js';
import type { HealthCheckSpec } from '../health/spec.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Certificate files (PEM) for a TCP API. */
export interface ApiTlsConfig {
  /** The server's certificate chain. */
  readonly cert: string;
  /** The server's private key. */
  readonly key: string;
  /** Given: clients must present a certificate that chains to this CA bundle (mutual TLS). */
  readonly clientCa?: string;
}

/** Where the gRPC API listens: a unix socket, or TCP (`address` as written, e.g. "[::1]:50051"). */
export type ApiEndpoint =
  | {
      readonly kind: 'unix';
      readonly socket: string;
      /** Permission bits of the socket file; default 0o660 (the daemon's user and group). */
      readonly socketMode: number;
    }
  | {
      readonly kind: 'tcp';
      readonly address: string;
      readonly host: string;
      readonly port: number;
      /** Required unless the host is loopback or `insecure` is set. */
      readonly tls?: ApiTlsConfig;
      /** Plain TCP on a non-loopback address, explicitly asked for. */
      readonly insecure: boolean;
    };

/** The Prometheus endpoint (served by src/metrics.ts). */
export interface MetricsConfig {
  /** As written, e.g. "127.0.0.1:9179" or "[::1]:9179". */
  readonly address: string;
  readonly host: string;
  readonly port: number;
}

export interface ListenConfig {
  readonly address: string;
  readonly port: number;
}

export interface PeerConfig {
  /** Label for logs and the API; defaults to the address. */
  readonly name: string;
  /** IPv4, or IPv6 in RFC 5952 canonical text (so it compares equal to the socket's remote address). */
  readonly address: string;
  readonly asn: number;
  readonly port: number;
  readonly passive: boolean;
  /** Seconds; 0 means no keepalives and no hold timer (RFC 4271 4.2). */
  readonly holdTime: number;
  /** Seconds between connection attempts. */
  readonly connectRetry: number;
  /** Source address for the active connection; same family as `address`. */
  readonly localAddress?: string;
  readonly families: readonly Family[];
  readonly addPath: AddPathSetting;
  /**
   * RFC 9687: seconds the peer may take nothing we send before the session is dropped; 0 = off.
   * Omitted: the larger of 8 minutes and twice the negotiated hold time.
   */
  readonly sendHoldTime?: number;
  /** RFC 4724 graceful restart: the restart time (seconds) we ask routers to keep our paths for; absent: off. */
  readonly gracefulRestart?: { readonly restartTime: number };
  /** TCP-MD5 key (RFC 2385), from `password` or read from `passwordFile`. */
  readonly password?: string;
  /** Where the key came from, when it was a file (for messages). */
  readonly passwordFile?: string;
  /** RFC 5082: send TTL 255 and accept only packets from at most `multihop` (1) hops away. */
  readonly ttlSecurity?: boolean;
  /** eBGP multihop: the peer is this many hops away; the TTL we send. */
  readonly multihop?: number;
  /** RFC 5880/5881 BFD on the session's link, milliseconds; absent: off. */
  readonly bfd?: { readonly minRx: number; readonly minTx: number; readonly multiplier: number };
  /**
   * The RFC 8203 shutdown communication of this peer's Cease: its own text, or false for a bare
   * Cease (for a peer that cannot parse one, like ExaBGP 4.2); absent: the daemon's own.
   */
  readonly shutdownMessage?: string | false;
}

/**
 * A health check (issue 10): what src/health/ runs, named so paths can refer to it. Durations are
 * milliseconds; placeholders ({prefix}, {address}, {nextHop}) are left in for each path to fill.
 */
export type HealthCheckConfig = HealthCheckSpec;

/** What SIGTERM means: withdraw every path (the node is leaving), or keep them at the routers (a restart). */
export type SigtermMode = 'withdraw' | 'restart';

export interface Config {
  readonly asn: number;
  readonly routerId: string;
  /** Next hop for a path added without one: an address, or "self" (each session's local address). */
  readonly nextHop: string;
  /**
   * The ranges every announced prefix must lie in (prefix text, host bits clear); omitted: any
   * prefix but the special ones (default route, loopback, multicast, link-local, reserved).
   */
  readonly allowPrefixes?: readonly string[];
  /** Omitted: no BGP listener (active peers only). */
  readonly listen?: ListenConfig;
  readonly api: ApiEndpoint;
  /** Omitted: no metrics endpoint. */
  readonly metrics?: MetricsConfig;
  /** Omitted: desired paths are not persisted. */
  readonly stateFile?: string;
  readonly gracefulRestart: { readonly onSigterm: SigtermMode };
  readonly logLevel: LogLevel;
  /** json, pretty (pino-pretty), or auto: pretty when the log goes to a terminal. */
  readonly logFormat: LogFormat;
  /** Omitted: no health checks (a path that names one is refused). */
  readonly healthChecks?: readonly HealthCheckConfig[];
  /** Where the BFD process listens, for the peers with `bfd` (always filled in). */
  readonly bfd: BfdProcessConfig;
  readonly peers: readonly PeerConfig[];
}

/** The BFD process (`announcer bfdd`): BFD runs there, apart from the daemon's event loop. */
export interface BfdProcessConfig {
  /** Its control socket; default beside the API socket (NAME-bfd.sock), else /run/announcer/bfd.sock. */
  readonly socket: string;
  /** Start one when none answers (default); false: a service manager runs it (announcer-bfd.service). */
  readonly spawn: boolean;
}

export const DEFAULT_API_SOCKET = '/run/announcer/announcer.sock';
export const DEFAULT_SOCKET_MODE = 0o660;
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9179';
export const DEFAULT_BGP_PORT = 179;
