// What the gRPC API (and through it the CLI) may ask of the speaker. The API layer translates
// protobuf to these types and RequestError to gRPC status codes; it never reaches past this.

import type { Family } from '../codec/types.js';
import type { StateName } from '../fsm/types.js';
import type { PackedNextHops } from '../rib/validate.js';
import type { AnnouncedPath, HealthEffect, HealthState, PathAttributes, PathHealth, PathInput } from '../rib/types.js';

/** How the daemon stops: `withdraw` (the node is leaving) or `restart` (it comes back: RFC 4724). */
export type StopMode = 'withdraw' | 'restart';

export interface PathSelector {
  readonly prefix: string;
  /** Omitted or empty: every path of the prefix. */
  readonly nextHops?: readonly string[];
  /** Only this owner's paths. */
  readonly owner?: string;
}

/**
 * What one peer is sent of some paths: a prefix's (after AddPath) or an owner's set (after
 * ReplacePaths). A peer that is not being sent the table yet is counted by its configuration.
 */
export interface PeerReach {
  /** The peer's name (its address when it has none). */
  readonly peer: string;
  /** Whether it is being sent the table now; if not, the counts are what it will get once up. */
  readonly established: boolean;
  /** Paths it is (or will be) sent. */
  readonly paths: number;
  /** Of how many. */
  readonly of: number;
  /** Why fewer, in words: "no ADD-PATH: one path per prefix", "does not carry ipv6-unicast", ... */
  readonly reasons: readonly string[];
  /** For one prefix, established: the next hops it is sent, as it gets them. */
  readonly nextHops?: readonly string[];
}

/** What every peer is sent of one prefix. */
export interface PrefixReach {
  readonly prefix: string;
  readonly peers: readonly PeerReach[];
}

/** An owner's set by family: its paths and its prefixes. */
export interface SetSize {
  readonly family: Family;
  readonly paths: number;
  readonly prefixes: number;
}

/** Paths that share everything but their prefix and path identifier, packed (a listing's block). */
export interface ListedBlock {
  /** What every path of the block has: prefix and pathId aside. */
  readonly template: Omit<AnnouncedPath, 'prefix' | 'pathId'>;
  /** The prefixes as BGP writes NLRI (RFC 4271 4.3): a length octet, then the significant octets; in prefix order. */
  readonly prefixes: Uint8Array;
  /** Each prefix's path identifier, in the same order. */
  readonly pathIds: Uint32Array;
}

export interface PathFilter {
  readonly owner?: string;
  readonly prefix?: string;
  /** Only the paths that name this health check (a configured one: RequestError on `check` otherwise). */
  readonly check?: string;
  /** Only the paths this peer is sent now (a configured peer's name or address: RequestError on `peer` otherwise). */
  readonly peer?: string;
}

/** How a watcher wants its events. */
export interface WatchOptions {
  /** Every path of a large desired-set change (default), or only its summary. */
  readonly paths?: boolean;
}

/** A desired-set change of more paths than this is told as a summary to watchers that did not ask for paths. */
export const SUMMARY_PATHS = 1000;

/** What ReplacePaths did: only the difference was sent to the peers. */
export interface ReplaceResult {
  /** Paths the owner now has that it did not have before (new, or taken over from another owner). */
  readonly added: number;
  /** Paths the owner no longer has (withdrawn unless another owner still wants them). */
  readonly removed: number;
  /** Paths whose attributes changed (re-announced). */
  readonly updated: number;
  /** Paths left exactly as they were: nothing was sent for them. */
  readonly unchanged: number;
  /** The owner's set after the call, by family (families it has paths of). */
  readonly size?: readonly SetSize[];
  /** What each peer is sent of the set (counted by family: health checks may hold back some). */
  readonly reach?: readonly PeerReach[];
  /** The paths themselves, only when asked for (a million-path answer is not free). */
  readonly details?: {
    readonly added: readonly AnnouncedPath[];
    readonly removed: readonly AnnouncedPath[];
    readonly updated: readonly AnnouncedPath[];
  };
}

export interface ReplaceOptions {
  /** Return the paths added, removed and updated, not only their counts. */
  readonly details?: boolean;
  /**
   * A re-sync guard: refuse (RequestError 'failed-precondition' on `maxRemove`, nothing changed)
   * a set that would withdraw more than this many of the owner's paths...
   */
  readonly maxRemove?: number;
  /** ... or more than this percentage of the paths the owner has before the call. */
  readonly maxRemovePercent?: number;
}

/** A ReplacePaths arriving in parts: each part is validated as it comes; nothing changes until commit. */
export interface ReplaceTransaction {
  /** Validate and stage more of the owner's paths (errors name `paths[i]` counted across parts). */
  add(paths: readonly PathInput[]): void;
  /**
   * The same for paths that share everything but their prefix, packed as BGP writes NLRI (a
   * length octet, then the significant octets): a large table without an object per path.
   */
  addPacked(family: Family, prefixes: Uint8Array, nextHop?: string | PackedNextHops, check?: string): void;
  /**
   * The set will have about this many paths (a streamed set's announced total): room is made now,
   * at once, not by doubling on the way (each doubling near a million copies megabytes at once).
   */
  reserve(paths: number): void;
  /** Apply the whole set at once. */
  commit(options?: ReplaceOptions): Promise<ReplaceResult>;
  /** Paths staged so far. */
  readonly count: number;
}

/** What AddPath did to a path: new, the caller's owner joined others', new attributes, or nothing. */
export type AddOutcome = 'added' | 'owner-added' | 'updated' | 'unchanged';

/** A path as AddPath left it, and what the call did to it. */
export interface AddedPath extends AnnouncedPath {
  readonly outcome: AddOutcome;
  /** For 'updated': the attributes the path had before the call. */
  readonly before?: PathAttributes;
}

/**
 * What addPaths did: one AddedPath per requested path, in request order; and `alsoUpdated`, the
 * other paths of those prefixes whose attributes the call changed (a prefix's paths share them).
 */
export type AddedPaths = AddedPath[] & { alsoUpdated: readonly AddedPath[] };

/** `announcer drain`: where the daemon is (times in ms since the epoch). */
export interface DrainStatus {
  /** announcing: not draining; draining: every path sent with GRACEFUL_SHUTDOWN; withdrawn: every path withdrawn from every peer. */
  readonly state: 'announcing' | 'draining' | 'withdrawn';
  /** When the drain began. */
  readonly since?: number;
  /** While draining: when every path will be withdrawn (absent: not until told). */
  readonly withdrawAt?: number;
}

/** How addPaths treats a prefix's attributes. */
export interface AddOptions {
  /**
   * Make the attributes exactly the request's (those it does not state are removed). Without it,
   * a request changes only the attributes it states.
   */
  readonly replaceAttributes?: boolean;
}

/** A change a watcher is told about (WatchEvents, `announcer watch`). `at` is ms since the epoch. */
export type SpeakerEvent =
  | {
      readonly type: 'peer-state';
      readonly at: number;
      /** The peer's name (its address when the config gives none). */
      readonly peer: string;
      readonly address: string;
      readonly from: StateName;
      readonly to: StateName;
      /** Why, when the session went down: "received NOTIFICATION Cease / ...", "Hold Timer Expired"... */
      readonly reason?: string;
    }
  | {
      /**
       * The desired set changed (API or CLI): paths added to or removed from the RIB. A large
       * change (a ReplacePaths, or a request of more than SUMMARY_PATHS paths) ends in a summary
       * (`summary` set, the lists empty); a watcher that asked for paths gets them first, in
       * events with `more` set.
       */
      readonly type: 'rib';
      readonly at: number;
      readonly added: readonly AnnouncedPath[];
      readonly removed: readonly AnnouncedPath[];
      /** Whose call it was (ReplacePaths: the owner's set). */
      readonly owner?: string;
      /** Part of a change told in several events: its summary follows. */
      readonly more?: boolean;
      /** The change in counts, without its paths. */
      readonly summary?: { readonly added: number; readonly removed: number; readonly updated: number };
    }
  | {
      /** What one peer was actually sent, per flush (one event for a whole packed batch). */
      readonly type: 'peer-paths';
      readonly at: number;
      /** The peer's name (its address when the config gives none). */
      readonly peer: string;
      readonly address: string;
      readonly announced: readonly { readonly prefix: string; readonly nextHop: string; readonly pathId: number }[];
      readonly withdrawn: readonly { readonly prefix: string; readonly pathId: number }[];
    }
  | {
      /** A health check's target changed state: its paths were withdrawn, demoted or announced again. */
      readonly type: 'health';
      readonly at: number;
      readonly check: string;
      /** What is probed, e.g. "http://198.51.100.11:80/healthz". */
      readonly target: string;
      readonly from: HealthState;
      readonly to: HealthState;
      /** Why: "HTTP 503", "timeout", "connection refused", "2 passes in a row"... */
      readonly reason: string;
      /** What its paths now get from the peers (per the check's onFail when down). */
      readonly effect: HealthEffect;
      /** The paths that name this target. */
      readonly paths: number;
    };

/** One configured health check's targets, by state (Prometheus gauges and counters). */
export interface HealthCheckStatus {
  readonly name: string;
  readonly up: number;
  readonly down: number;
  readonly pending: number;
  /** Up-to-down and down-to-up changes since start. */
  readonly transitions: number;
}

/** One target of a health check: what is probed, what was found, and what its paths get. */
export interface HealthTargetStatus {
  /** What is probed, e.g. "http://198.51.100.12:80/healthz", "198.51.100.12:53" or a command line. */
  readonly target: string;
  readonly state: HealthState;
  /** When it entered `state`, ms since the epoch. */
  readonly since: number;
  /** Why the last failed probe failed ("HTTP 503", "timeout"); kept after it is up again. */
  readonly lastError?: string;
  readonly lastErrorAt?: number;
  /** How many paths name the check and make this target. */
  readonly paths: number;
  /** What those paths get from the peers now. */
  readonly effect: HealthEffect;
  /**
   * How late its latest probe started after it was due, ms; absent before its first probe. A few ms
   * while the daemon keeps the check's interval; more when it cannot (too many commands that hang).
   */
  readonly lag?: number;
}

/** A configured health check with every target it probes (ListHealthChecks, `announcer checks`). */
export interface HealthCheckDetail extends HealthCheckStatus {
  /** Sorted by target text; empty while no path names the check. */
  readonly targets: readonly HealthTargetStatus[];
  /** The largest lag of its targets' latest probes, ms; absent while none has been probed. */
  readonly lag?: number;
}

/** A peer's graceful restart (RFC 4724): what we advertise, what it advertised, and whether both did. */
export interface PeerGracefulRestartStatus {
  /** Ours, from the config: the restart time we advertise (how long the router keeps our paths when we restart); absent: off for this peer. */
  readonly ours?: { readonly restartTime: number };
  /** The peer's, from its OPEN of the session now up; absent while the session is not Established. */
  readonly theirs?: {
    readonly advertised: boolean;
    /** Seconds it asks us to keep its routes while it restarts (when advertised). */
    readonly restartTime?: number;
    /** The families whose forwarding state it preserves over its restart (its F bits). */
    readonly forwardingPreserved: readonly Family[];
    /** Its N bit (RFC 8538): graceful restart for NOTIFICATIONs too. */
    readonly notification: boolean;
  };
  /** Both sides advertised it on the session now up: a restart (`shutdown --restart`) leaves our paths with the router. */
  readonly negotiated: boolean;
}

/** What `shutdown` leaves with one peer, decided when it was asked. */
export interface PeerShutdownOutcome {
  readonly name: string;
  readonly address: string;
  /** The router keeps our paths as stale (graceful restart) while the daemon restarts. */
  readonly kept: boolean;
  /** When kept: for how many seconds (the restart time we advertised). */
  readonly restartTime?: number;
  /**
   * When not kept: why, if it is not simply what was asked (a withdrawing shutdown of a session
   * that is up): "graceful restart not negotiated (the router did not offer it)", "graceful restart
   * not configured for this peer", "session not established: the router holds nothing from us".
   */
  readonly reason?: string;
}

/** One peer as the speaker reports it (ListPeers, `announcer peers`, the metrics). */
export interface PeerStatus {
  /** The config's name for the peer, its address when it gives none: what logs, metrics and events call it. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly asn: number;
  readonly state: StateName;
  /**
   * Milliseconds since the epoch when the session came up (Established) or, while it is not up,
   * when it went down or first failed to come up: the Connect/Active flips of retries do not move it.
   */
  readonly since: number;
  readonly localAddress?: string;
  readonly remoteRouterId?: string;
  readonly holdTime?: number;
  /** Families negotiated, and whether we send ADD-PATH for each. */
  readonly families: readonly { readonly family: Family; readonly addPathSend: boolean; readonly addPathReceive: boolean }[];
  readonly prefixesSent: number;
  readonly prefixesReceived: number;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  readonly updatesSent: number;
  readonly updatesReceived: number;
  /** The last error, in words, e.g. "received NOTIFICATION Cease / Administrative Shutdown: maintenance". */
  readonly lastError?: string;
  /** When lastError happened, ms since the epoch. */
  readonly lastErrorAt?: number;
  /** The BFD session on the peer's link, when BFD is on for it. */
  readonly bfd?: { readonly state: 'AdminDown' | 'Down' | 'Init' | 'Up'; readonly flaps: number };
  /** Graceful restart with this peer; absent only from a daemon older than this field. */
  readonly gracefulRestart?: PeerGracefulRestartStatus;
}

export interface SpeakerApi {
  /**
   * Announce paths (each for `owner`, default "cli"). All are validated before any changes
   * (RequestError 'invalid-argument' naming the field, e.g. `paths[2].nextHop`); a path that exists
   * gains the owner and takes the new attributes. Resolves once the change is persisted.
   */
  addPaths(paths: readonly PathInput[], options?: AddOptions): Promise<AddedPaths>;
  /** Drain: GRACEFUL_SHUTDOWN on every path now, every path withdrawn after `withdrawAfterMs` (if given). */
  drain(withdrawAfterMs?: number): DrainStatus;
  /** End a drain: every path announced as before. */
  undrain(): DrainStatus;
  drainStatus(): DrainStatus;
  /** Withdraw the selected paths (only `owner`'s claim when given); RequestError 'not-found' when none match. */
  deletePaths(selector: PathSelector): Promise<AnnouncedPath[]>;
  /**
   * Make `owner`'s paths exactly `paths`, atomically: validated first (nothing changes on any error),
   * then only the difference is announced or withdrawn. An empty list withdraws all of the owner's paths.
   */
  replacePaths(owner: string, paths: readonly PathInput[], options?: ReplaceOptions): Promise<ReplaceResult>;
  /** The same in parts (a streamed request): the owner is checked now, the paths as they are added. */
  beginReplace(owner: string): ReplaceTransaction;
  listPaths(filter?: PathFilter): AnnouncedPath[];
  /** What every peer is sent of each of these prefixes (text as in a path; unknown ones: what they would be sent of none). */
  reach(prefixes: readonly string[]): PrefixReach[];
  /** The same in parts of at most `chunk` paths, made as they are read (a table is streamed, never held as views). */
  listPathChunks(filter: PathFilter, chunk: number): Iterable<readonly AnnouncedPath[]>;
  /** The same packed (see ListedBlock): parts of blocks, made as they are read. An empty part is a step of work with nothing to send. */
  listPathBlocks(filter: PathFilter, chunk: number): Iterable<readonly ListedBlock[]>;
  /** Every peer, or only `filter.peer`, a name or an address (RequestError 'invalid-argument' on `peer` when it is not configured). */
  listPeers(filter?: { readonly peer?: string }): PeerStatus[];
  /** Every configured health check, with its targets counted by state. */
  healthChecks(): HealthCheckStatus[];
  /** Every configured health check with each of its targets (what is probed, its state, how many paths use it). */
  listHealthChecks(): HealthCheckDetail[];
  /**
   * Holds off the memory collection after a large shrink (see idle-collect.ts) until the returned
   * function is called: a watcher still sending a large change's views keeps them alive.
   */
  deferCollection?(): () => void;
  /**
   * Subscribe to events (only `types`, when given: events nobody wants are never built); returns
   * the unsubscribe function. `options.paths` false: large desired-set changes come as summaries
   * only (see the rib event).
   */
  watch(listener: (e: SpeakerEvent) => void, types?: readonly SpeakerEvent['type'][], options?: WatchOptions): () => void;
  /**
   * Ask the daemon to stop (`announcer shutdown`): `withdraw` takes every path off the routers,
   * `restart` leaves them with routers that negotiated graceful restart. Returns at once, saying
   * per peer what it leaves there; the daemon stops right after answering.
   */
  shutdown(mode: StopMode): PeerShutdownOutcome[];
  /** True once the speaker has started and until it begins to shut down (the health service's SERVING). */
  readonly ready: boolean;
}

// StateName: a peer's session state, by the RFC 4271 FSM's own names.
export type { AnnouncedPath, HealthEffect, HealthState, PathAttributes, PathHealth, PathInput, StateName };
// Defined beside the validation that throws it most; part of what the speaker answers.
export { RequestError } from '../rib/request-error.js';
