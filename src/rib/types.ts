// The domain of desired paths: what the API, the CLI, the store and the speaker agree on.

import type { Family } from '../codec/types.js';
import type { IpAddress, Prefix } from '../codec/values.js';
import type { Attributes, AttributeTexts, AttributeView } from '../attributes/table.js';

export type { Attributes };

/**
 * A path as a client asks for it; validated into a DesiredPath and canonicalises every field. Its
 * attributes (communities, med, ...) are the attribute table's fields (src/attributes/table.ts).
 */
export interface PathInput extends AttributeTexts {
  /** "203.0.113.10/32", "2001:db8::10/128", or a bare address (a host route). */
  readonly prefix: string;
  /** An address of the prefix's family, or "self"; omitted: the config's `nextHop`. */
  readonly nextHop?: string;
  /** Omitted: "cli". */
  readonly owner?: string;
  /**
   * The name of a configured health check (`healthChecks`): the path is announced only while its
   * target answers. Omitted or empty: no check.
   */
  readonly check?: string;
  /**
   * The path's weight for weighted ECMP, 1..1000: its share of the prefix's traffic is its weight
   * over the sum of its paths' weights, at routers that weigh next hops by the link-bandwidth
   * extended community it is sent with (FRR). Omitted: none (an equal share).
   */
  readonly weight?: number;
}

/** Attributes shared by every path of a prefix, as the API shows them (text): "65000:100", "65000:1:2". */
export type PathAttributes = AttributeView;

/** One desired path as the API shows it: a prefix reachable via one next hop. */
export interface Path {
  /** Canonical prefix text: "203.0.113.10/32", "2001:db8::1/128". */
  readonly prefix: string;
  readonly family: Family;
  /** An address of the prefix's family, or "self": each session's own local address. */
  readonly nextHop: string;
  readonly attributes: PathAttributes;
  /** Who asked for it (an API client's name; the CLI's default is "cli"). */
  readonly owner: string;
  /** Its weight for weighted ECMP (1..1000); absent: none. */
  readonly weight?: number;
}

// ---- typed values: what the RIB, the Adj-RIB-Out, export policy and the packer work on --------

/** An address of the prefix's family, or "self": each session's own local address. */
export type NextHop = IpAddress | 'self';

/** A validated request for one path. */
export interface DesiredPath {
  readonly prefix: Prefix;
  readonly nextHop: NextHop;
  readonly attributes: Attributes;
  readonly owner: string;
  /** Its health check: 1 + the index of a configured check; 0 or omitted for none. */
  readonly check?: number;
  /** Its weight for weighted ECMP (1..1000); 0 or omitted for none. */
  readonly weight?: number;
}

/** A path as the speaker holds it: with its ADD-PATH identifier (stable while the path lives). */
export interface AnnouncedPath extends Path {
  readonly pathId: number;
  /**
   * Everyone who wants this path (`owner` is the first of them). The path stays announced while
   * any owner still wants it.
   */
  readonly owners: readonly string[];
  /** The health check the path names, and what it found (only for a path with a check). */
  readonly check?: string;
  readonly health?: PathHealth;
}

/** What a health check found for a path's target: up, down, or not probed yet. */
export type HealthState = 'up' | 'down' | 'pending';

/** What the peers get of a path: the path as it is, nothing (withdrawn), or the path less preferred (demoted). */
export type HealthEffect = 'announced' | 'withdrawn' | 'demoted';

/** A path's health, as list and watch show it. */
export interface PathHealth {
  readonly state: HealthState;
  readonly effect: HealthEffect;
  /** What is probed, e.g. "http://198.51.100.11:80/healthz". */
  readonly target: string;
  /** When the state last changed (ms since the epoch). */
  readonly since: number;
  /** Why the last probe failed: "HTTP 503", "timeout", "connection refused", "exit status 1". */
  readonly lastError?: string;
  readonly lastErrorAt?: number;
}
