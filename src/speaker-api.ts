// What the gRPC API (and through it the CLI) may ask of the speaker. The API layer translates
// protobuf to these types and RequestError to gRPC status codes; it never reaches past this.

import type { AnnouncedPath, PeerStatus } from './rib/types.js';

/** A path as a client asks for it; the speaker validates and canonicalises every field. */
export interface PathInput {
  /** "203.0.113.10/32", "2001:db8::10/128", or a bare address (a host route). */
  readonly prefix: string;
  /** An address of the prefix's family, or "self"; omitted: the config's `nextHop`. */
  readonly nextHop?: string;
  readonly communities?: readonly string[];
  readonly largeCommunities?: readonly string[];
  readonly localPref?: number;
  readonly med?: number;
  /** Omitted: "cli". */
  readonly owner?: string;
}

export interface PathSelector {
  readonly prefix: string;
  /** Omitted or empty: every path of the prefix. */
  readonly nextHops?: readonly string[];
  /** Only this owner's paths. */
  readonly owner?: string;
}

export interface PathFilter {
  readonly owner?: string;
  readonly prefix?: string;
}

export interface SpeakerApi {
  /**
   * Announce paths. All are validated before any changes (RequestError 'invalid-argument' naming
   * the field, e.g. `paths[2].nextHop`); a path that exists is updated in place. Returns them as held.
   */
  addPaths(paths: readonly PathInput[]): AnnouncedPath[];
  /** Withdraw the selected paths; RequestError 'not-found' when none match. Returns those removed. */
  deletePaths(selector: PathSelector): AnnouncedPath[];
  listPaths(filter?: PathFilter): AnnouncedPath[];
  listPeers(): PeerStatus[];
}

export type { AnnouncedPath, PeerStatus };
