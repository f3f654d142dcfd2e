// One peer's settings: the one shape of a peer from the config (which validates it and fills in the
// defaults) through the speaker to the session and its socket. Each part of the session takes the
// fields it needs as a Pick of it (negotiate.ts, tcp.ts), so a new setting is declared here once.

import type { Attributes } from '../attributes/table.js';
import type { AddPathSetting, Family } from '../codec/index.js';

export interface PeerSettings {
  /** Label for logs and the API; defaults to the address. */
  readonly name: string;
  /** IPv4, or IPv6 in RFC 5952 canonical text (so it compares equal to the socket's remote address). */
  readonly address: string;
  readonly asn: number;
  readonly port: number;
  /** Only wait for the peer to connect; never connect to it. */
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
  /**
   * RFC 4724 graceful restart: ask the peer to keep our paths this many seconds when the session
   * drops (the restart time we advertise); absent: off.
   */
  readonly gracefulRestart?: { readonly restartTime: number };
  /** TCP-MD5 key (RFC 2385): the config's `password`, or what it read from `passwordFile`. */
  readonly password?: string;
  /** RFC 5082: send TTL 255 and accept only packets from at most `multihop` (1) hops away. */
  readonly ttlSecurity?: boolean;
  /** eBGP multihop: the peer is this many hops away; the TTL we send. */
  readonly multihop?: number;
  /** RFC 5880/5881 BFD on the session's link, milliseconds; absent: off. */
  readonly bfd?: { readonly minRx: number; readonly minTx: number; readonly multiplier: number };
  /**
   * The RFC 8203 shutdown communication of this peer's Cease: its own text, or false for a bare
   * Cease (for a peer that cannot parse one, like ExaBGP 4.2); absent: what stop() is given (the
   * daemon's own).
   */
  readonly shutdownMessage?: string | false;
  /**
   * Attributes every path sent to this peer gets (the config's `defaults`, parsed by the attribute
   * table): a list's items are added to the path's, a number (MED, LOCAL_PREF, prepend) is used
   * where the path sets none.
   */
  readonly defaults?: Attributes;
}
