// What the session core needs of a network: connections that carry octets both ways, and a way to
// open one to the peer. The TCP adapter (tcp.ts) is the real one; tests use an in-memory one, so
// the core (peer-session.ts) runs without sockets and with a manual clock.

/** What a connection tells the session once the session has attached to it. */
export interface ConnectionEvents {
  data(bytes: Uint8Array): void;
  /** Everything written so far has been taken by the network: the session may write more. */
  drain(): void;
  /** Closed, by either side or by an error. */
  closed(): void;
}

/** One connection with the peer. */
export interface Connection {
  /** Ours (we connected) or the peer's (we accepted). */
  readonly outgoing: boolean;
  /** Our address on it, as text ("198.51.100.11", never an IPv4-mapped IPv6 form). */
  readonly localAddress: string | undefined;
  /** Octets written that the network has not taken yet (they wait in this process). */
  readonly backlog: number;
  /** Starts the flow of events; nothing arrives before. */
  attach(events: ConnectionEvents): void;
  write(bytes: Uint8Array): void;
  /** Flush what was written, then close; forced after a grace period. */
  close(): void;
  /** Resolves once the connection is closed. */
  closed(): Promise<void>;
}

export interface ConnectCallbacks {
  up(c: Connection): void;
  /**
   * The attempt failed. `note` is worth showing the operator as the peer's last error (a
   * protection that could not be set); otherwise it is only logged.
   */
  failed(why: string, note: boolean): void;
}

export interface Transport {
  /** Starts connecting to the peer; one of the callbacks follows unless cancelled first. */
  connect(cb: ConnectCallbacks): { cancel(): void };
  /**
   * Why a connection attempt that got no answer may have got none, when the transport knows a
   * likely reason (TCP-MD5: a peer without the key drops our segments without a word).
   */
  readonly unansweredHint: string | undefined;
}
