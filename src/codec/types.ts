// Decoded BGP messages: readonly data holding typed values, parsed once by the decoder: prefixes
// and addresses as Prefix / IpAddress (octets; their toJSON gives canonical text, so a message
// still serialises to readable JSON), communities as 32-bit numbers, large communities as three
// numbers. Opaque octets (extended communities, unknown capabilities and attributes) are lowercase hex.

import type { ExtendedCommunity } from './ext-community.js';
import type { AddressFamily, Family, IpAddress, LargeCommunityValue, Prefix } from './values.js';

/** The route families (AFI/SAFI) this codec decodes fully; an address's own family is AddressFamily. */
export type { AddressFamily, Family };
export const FAMILIES: readonly Family[] = ['ipv4-unicast', 'ipv6-unicast'];

/** What the session negotiated; every encode and decode is relative to it. */
export interface CodecContext {
  /** RFC 6793: both sides sent the 4-octet AS capability, so AS_PATH and AGGREGATOR carry 4-octet AS numbers. */
  readonly fourOctetAs: boolean;
  /** RFC 8654: messages other than OPEN and KEEPALIVE may be up to 65535 octets. */
  readonly extendedMessage: boolean;
  /** RFC 7911: families whose NLRI the peer sends with path identifiers (we decode them). */
  readonly addPathReceive: readonly Family[];
  /** RFC 7911: families whose NLRI we send with path identifiers (we encode them). */
  readonly addPathSend: readonly Family[];
  /**
   * RFC 8950: families whose MP_REACH_NLRI may carry an IPv6 next hop though their prefixes are
   * IPv4 (Extended Next Hop Encoding). Absent: none, as before the capability is negotiated.
   */
  readonly extendedNextHop?: readonly Family[];
}

/** Before OPEN is exchanged: plain RFC 4271. */
export const DEFAULT_CONTEXT: CodecContext = {
  fourOctetAs: false,
  extendedMessage: false,
  addPathReceive: [],
  addPathSend: [],
};

/** One prefix, with its ADD-PATH path identifier when the session carries them. */
export interface Nlri {
  readonly prefix: Prefix;
  readonly pathId?: number;
}

// ---- OPEN -----------------------------------------------------------------------------------

/** Which way ADD-PATH (RFC 7911) runs for a family, as the capability says. */
export type AddPathDirection = 'receive' | 'send' | 'both';
/** What a peer's config asks for: a direction, or no ADD-PATH at all. */
export type AddPathSetting = 'off' | AddPathDirection;

export type Capability =
  | { readonly type: 'multiprotocol'; readonly afi: number; readonly safi: number }
  | { readonly type: 'route-refresh' }
  | { readonly type: 'enhanced-route-refresh' }
  | { readonly type: 'extended-message' }
  | { readonly type: 'four-octet-as'; readonly asn: number }
  | {
      readonly type: 'add-path';
      readonly families: readonly { readonly afi: number; readonly safi: number; readonly direction: AddPathDirection }[];
    }
  | {
      readonly type: 'graceful-restart';
      /** R bit: the sender has restarted. */
      readonly restarting: boolean;
      /** N bit (RFC 8538): the sender supports graceful restart for NOTIFICATIONs. */
      readonly notification: boolean;
      /** Seconds, 0..4095. */
      readonly restartTime: number;
      readonly families: readonly { readonly afi: number; readonly safi: number; readonly forwardingPreserved: boolean }[];
    }
  | { readonly type: 'fqdn'; readonly hostname: string; readonly domain: string }
  /** A capability the codec does not decode: its value octets, kept as received. */
  | { readonly type: 'unknown'; readonly code: number; readonly data: Uint8Array };

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** The 2-octet My AS field: AS_TRANS (23456) when the real AS needs 4 octets (see the four-octet-as capability). */
  readonly myAs: number;
  readonly holdTime: number;
  readonly bgpId: string;
  /** From every Capabilities optional parameter, in order (RFC 5492). */
  readonly capabilities: readonly Capability[];
  /** RFC 9072: the optional parameters were (or are to be) sent with the extended length encoding. */
  readonly extendedParameters?: boolean;
}

// ---- UPDATE ---------------------------------------------------------------------------------

export type Origin = 'igp' | 'egp' | 'incomplete';
export type AsPathSegmentKind = 'sequence' | 'set' | 'confed-sequence' | 'confed-set';

export interface AsPathSegment {
  readonly kind: AsPathSegmentKind;
  readonly asns: readonly number[];
}

export type PathAttribute =
  | { readonly type: 'origin'; readonly origin: Origin }
  | { readonly type: 'as-path'; readonly segments: readonly AsPathSegment[] }
  | { readonly type: 'next-hop'; readonly nextHop: IpAddress }
  | { readonly type: 'med'; readonly med: number }
  | { readonly type: 'local-pref'; readonly localPref: number }
  | { readonly type: 'atomic-aggregate' }
  | { readonly type: 'aggregator'; readonly asn: number; readonly address: IpAddress }
  /** RFC 1997: each a 32-bit value (AS in the high 16 bits); formatCommunityValue makes "65000:100". */
  | { readonly type: 'communities'; readonly communities: readonly number[] }
  /** RFC 4360: typed where the kind is known, octets otherwise (ext-community.ts). */
  | { readonly type: 'extended-communities'; readonly communities: readonly ExtendedCommunity[] }
  /** RFC 5701: the IPv6-address-specific ones (20 octets each). */
  | { readonly type: 'ipv6-extended-communities'; readonly communities: readonly ExtendedCommunity[] }
  /** RFC 8092: three 32-bit values each. */
  | { readonly type: 'large-communities'; readonly communities: readonly LargeCommunityValue[] }
  | { readonly type: 'as4-path'; readonly segments: readonly AsPathSegment[] }
  | { readonly type: 'as4-aggregator'; readonly asn: number; readonly address: IpAddress }
  | {
      readonly type: 'mp-reach';
      readonly family: Family;
      /** The global next hop: of the family's address family, or IPv6 for IPv4 prefixes under RFC 8950 (see CodecContext.extendedNextHop). */
      readonly nextHop: IpAddress;
      /** RFC 2545 3 (and RFC 8950 3): an optional IPv6 link-local next hop after an IPv6 global one. */
      readonly linkLocalNextHop?: IpAddress;
      readonly nlri: readonly Nlri[];
    }
  | { readonly type: 'mp-unreach'; readonly family: Family; readonly withdrawn: readonly Nlri[] }
  /** Any attribute the codec does not decode (or an MP attribute of a family it does not know), kept for pass-through. */
  | { readonly type: 'unknown'; readonly code: number; readonly flags: number; readonly data: Uint8Array };

export type AttributeKind = PathAttribute['type'];

/** RFC 7606 2: what was done about one malformed attribute. */
export type ErrorAction = 'attribute-discard' | 'treat-as-withdraw';

export interface UpdateProblem {
  readonly action: ErrorAction;
  /** The RFC 4271 UPDATE error subcode the error would have had. */
  readonly subcode: number;
  /** The attribute's type code, when one attribute is at fault. */
  readonly attribute?: number;
  readonly reason: string;
}

export interface FamilyNlri {
  readonly family: Family;
  readonly nlri: Nlri;
}

/**
 * Present when RFC 7606 error handling changed the UPDATE. For treat-as-withdraw the message's
 * reachable NLRI (the `nlri` field and MP_REACH_NLRI) have been removed and are listed here, to
 * be withdrawn as if the peer had withdrawn them.
 */
export interface UpdateErrorHandling {
  /** The most severe action applied. */
  readonly action: ErrorAction;
  readonly problems: readonly UpdateProblem[];
  readonly withdrawn: readonly FamilyNlri[];
}

export interface UpdateMessage {
  readonly type: 'update';
  /** The IPv4 Withdrawn Routes field. */
  readonly withdrawn: readonly Nlri[];
  readonly attributes: readonly PathAttribute[];
  /** The IPv4 NLRI field. */
  readonly nlri: readonly Nlri[];
  readonly errorHandling?: UpdateErrorHandling;
}

// ---- NOTIFICATION, KEEPALIVE, ROUTE-REFRESH ----------------------------------------------

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  /** The data field, as sent. */
  readonly data: Uint8Array;
  /**
   * RFC 8203 / RFC 9003: the operator's shutdown communication that `data` carries, for Cease /
   * Administrative Shutdown or Administrative Reset (decoded, for logs; cease() builds both).
   */
  readonly shutdownMessage?: string;
}

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

/** RFC 7313 3: a normal request, the borders of an enhanced refresh, or a reserved value (to be ignored). */
export type RouteRefreshSubtypeName = 'normal' | 'begin-of-rib' | 'end-of-rib' | 'reserved';

export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  readonly subtype: RouteRefreshSubtypeName;
  /** With 'reserved': the subtype octet (3..255); RFC 7313 4 says the message is ignored. */
  readonly reservedSubtype?: number;
}

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;
