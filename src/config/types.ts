// The validated config's types, and the defaults other layers name (the API socket, the BGP port):
// what parseConfig returns, apart from how it is checked.

import type { LogFormat } from '../log.js';
import type { HealthCheckSpec } from '../health/spec.js';
import type { PeerSettings } from '../session/peer-settings.js';

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

/** A peer as the config gives it: its settings with the defaults filled in, and where its key came from. */
export interface PeerConfig extends PeerSettings {
  /** Where the TCP-MD5 key (`password`) came from, when it was a file (for messages). */
  readonly passwordFile?: string;
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
