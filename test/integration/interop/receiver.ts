/**
 * A receiver: a BGP implementation run as the lab's router (in lab.router.ns, 198.51.100.1 and
 * 2001:db8:100::1), which the interop scenarios (scenarios.ts) drive the daemon against. A new
 * receiver is a new adapter of this interface, not new tests.
 */
import type { Lab } from '../lab.js';

/** One BGP session the receiver keeps with a daemon. */
export interface ReceiverSession {
  /** Letters and digits: a protocol or neighbor name where the receiver wants one. */
  readonly name: string;
  /** The daemon's address (a node's IPv4 or IPv6 address). */
  readonly address: string;
  readonly asn: number;
  /** ADD-PATH receive on this session (RFC 7911); default true. */
  readonly addPath?: boolean;
}

export interface ReceiverSetup {
  readonly asn: number;
  readonly routerId: string;
  readonly sessions: readonly ReceiverSession[];
}

/** One path the receiver holds for a prefix. */
export interface HeldPath {
  readonly nextHop: string;
  readonly asPath: readonly number[];
  /**
   * Its route targets and route origins in our text ("rt:65000:100", "soo:65000:7"), sorted, as
   * far as the receiver's output shows them; what else it shows, as it shows it.
   */
  readonly extended: readonly string[];
}

export interface RunningReceiver {
  /** Every path the receiver holds for the prefix (with ADD-PATH, one per path id), sorted by next hop. */
  paths(prefix: string): Promise<HeldPath[]>;
  /** Stops it and starts it again with the same config; resolves once it runs. */
  restart(): Promise<void>;
  /**
   * Asks the daemon on `session` to send its table again (ROUTE-REFRESH, RFC 2918); absent where
   * the receiver cannot send one.
   */
  readonly refreshIn?: (session: ReceiverSession) => Promise<void>;
  /** What it holds and says, for a failure message. */
  dump(): Promise<string>;
}

export interface Receiver {
  /** File-name form: "bird2", "frr". */
  readonly id: string;
  /** As users name it: "BIRD 2", "FRR". */
  readonly name: string;
  /** Installs what it selects in the namespace's kernel table (ECMP where it merges paths). */
  readonly kernel: boolean;
  /** Negotiates Extended Message (RFC 8654), so it takes UPDATEs over 4,096 octets. */
  readonly extendedMessage: boolean;
  /** Carries IPv6 routes over an IPv4 session (MP-BGP with IPv6 next hops). */
  readonly ipv6OverIpv4: boolean;
  /** Can be told to send a ROUTE-REFRESH (its RunningReceiver has refreshIn). */
  readonly routeRefresh: boolean;
  /** Settings every daemon's peer entry for this receiver needs (e.g. `shutdownMessage: false`). */
  readonly daemonPeerOptions?: object;
  /** Its version, as it reports it. */
  version(): Promise<string>;
  start(lab: Lab, setup: ReceiverSetup): Promise<RunningReceiver>;
}
