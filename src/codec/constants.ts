// Wire numbers of BGP-4. Every number the codec puts on or reads off the wire lives here.

/** RFC 4271 4.1: 16-octet marker, 2-octet length, 1-octet type. */
export const HEADER_LENGTH = 19;
export const MARKER_LENGTH = 16;
/** RFC 4271 4.1: the largest message without the Extended Message capability. */
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654 4: the largest message once Extended Message is negotiated (OPEN and KEEPALIVE stay at 4096). */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;
export const BGP_VERSION = 4;
export const DEFAULT_PORT = 179;

/** RFC 4271 4.1 message types; ROUTE-REFRESH from RFC 2918. */
export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;

/** RFC 4271 4.2, 4.3, 4.5, 4.4 and RFC 2918 3: smallest length of each message type. */
export const MIN_LENGTH = {
  [MessageType.OPEN]: 29,
  [MessageType.UPDATE]: 23,
  [MessageType.NOTIFICATION]: 21,
  [MessageType.KEEPALIVE]: 19,
  [MessageType.ROUTE_REFRESH]: 23,
} as const;

/** RFC 4271 4.5 error codes; 7 from RFC 7313, 8 from RFC 9687. */
export const ErrorCode = {
  MESSAGE_HEADER: 1,
  OPEN_MESSAGE: 2,
  UPDATE_MESSAGE: 3,
  HOLD_TIMER_EXPIRED: 4,
  FSM: 5,
  CEASE: 6,
  ROUTE_REFRESH_MESSAGE: 7,
  /** RFC 9687: the peer accepted nothing we sent for the send hold time. */
  SEND_HOLD_TIMER_EXPIRED: 8,
} as const;

/** RFC 4271 6.1. */
export const HeaderSubcode = {
  CONNECTION_NOT_SYNCHRONIZED: 1,
  BAD_MESSAGE_LENGTH: 2,
  BAD_MESSAGE_TYPE: 3,
} as const;

/** RFC 4271 6.2; 7 from RFC 5492, 11 from RFC 9072 (role mismatch is RFC 9234, not used). */
export const OpenSubcode = {
  UNSPECIFIC: 0,
  UNSUPPORTED_VERSION: 1,
  BAD_PEER_AS: 2,
  BAD_BGP_IDENTIFIER: 3,
  UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  UNACCEPTABLE_HOLD_TIME: 6,
  UNSUPPORTED_CAPABILITY: 7,
} as const;

/** RFC 4271 6.3. */
export const UpdateSubcode = {
  MALFORMED_ATTRIBUTE_LIST: 1,
  UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE: 2,
  MISSING_WELL_KNOWN_ATTRIBUTE: 3,
  ATTRIBUTE_FLAGS_ERROR: 4,
  ATTRIBUTE_LENGTH_ERROR: 5,
  INVALID_ORIGIN: 6,
  INVALID_NEXT_HOP: 8,
  OPTIONAL_ATTRIBUTE_ERROR: 9,
  INVALID_NETWORK_FIELD: 10,
  MALFORMED_AS_PATH: 11,
} as const;

/** RFC 6608 FSM error subcodes. */
export const FsmSubcode = {
  UNSPECIFIED: 0,
  UNEXPECTED_IN_OPENSENT: 1,
  UNEXPECTED_IN_OPENCONFIRM: 2,
  UNEXPECTED_IN_ESTABLISHED: 3,
} as const;

/** RFC 4486 Cease subcodes (RFC 8203 adds a message to 2 and 4). */
export const CeaseSubcode = {
  MAX_PREFIXES: 1,
  ADMINISTRATIVE_SHUTDOWN: 2,
  PEER_DECONFIGURED: 3,
  ADMINISTRATIVE_RESET: 4,
  CONNECTION_REJECTED: 5,
  OTHER_CONFIGURATION_CHANGE: 6,
  CONNECTION_COLLISION_RESOLUTION: 7,
  OUT_OF_RESOURCES: 8,
  HARD_RESET: 9,
} as const;

/** RFC 7313 5. */
export const RouteRefreshSubcode = {
  INVALID_MESSAGE_LENGTH: 1,
} as const;

/** RFC 8203 (as updated by RFC 9003): the shutdown communication is at most 255 octets of UTF-8. */
export const MAX_SHUTDOWN_MESSAGE_LENGTH = 255;

/** RFC 5492 4 / RFC 9072: optional parameter types. */
export const OptionalParameterType = {
  CAPABILITIES: 2,
  /** RFC 9072 2: marks the extended optional parameters length encoding. */
  EXTENDED_LENGTH: 255,
} as const;

/** IANA capability codes. */
export const CapabilityCode = {
  MULTIPROTOCOL: 1, // RFC 4760
  ROUTE_REFRESH: 2, // RFC 2918
  EXTENDED_MESSAGE: 6, // RFC 8654
  GRACEFUL_RESTART: 64, // RFC 4724
  FOUR_OCTET_AS: 65, // RFC 6793
  ADD_PATH: 69, // RFC 7911
  ENHANCED_ROUTE_REFRESH: 70, // RFC 7313
  FQDN: 73, // draft-walton-bgp-hostname-capability
} as const;

/** RFC 4760 address family identifiers (IANA). */
export const Afi = { IPV4: 1, IPV6: 2 } as const;
/** RFC 4760 subsequent address family identifiers (IANA). */
export const Safi = { UNICAST: 1 } as const;

/** RFC 7911 4: the Send/Receive field of the ADD-PATH capability. */
export const AddPathSendReceive = { RECEIVE: 1, SEND: 2, BOTH: 3 } as const;

/** RFC 4724 3: restart flags (R, and N from RFC 8538) and the per-family forwarding bit. */
export const GracefulRestartFlag = {
  RESTART_STATE: 0x8,
  NOTIFICATION: 0x4,
  FORWARDING_STATE: 0x80,
} as const;

/** RFC 7313 3: ROUTE-REFRESH message subtypes (the former reserved octet). */
export const RouteRefreshSubtype = {
  NORMAL: 0,
  BEGIN_OF_RIB: 1,
  END_OF_RIB: 2,
} as const;

/** RFC 4271 4.3 attribute flags. */
export const AttrFlag = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

/** IANA path attribute type codes. */
export const AttrType = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8, // RFC 1997
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14, // RFC 4760
  MP_UNREACH_NLRI: 15, // RFC 4760
  EXTENDED_COMMUNITIES: 16, // RFC 4360
  AS4_PATH: 17, // RFC 6793
  AS4_AGGREGATOR: 18, // RFC 6793
  IPV6_EXTENDED_COMMUNITIES: 25, // RFC 5701
  LARGE_COMMUNITIES: 32, // RFC 8092
} as const;

/** RFC 4271 4.3 ORIGIN values. */
export const OriginCode = { IGP: 0, EGP: 1, INCOMPLETE: 2 } as const;

/** RFC 4271 4.3 and RFC 5065 AS_PATH segment types. */
export const AsPathSegmentType = {
  AS_SET: 1,
  AS_SEQUENCE: 2,
  AS_CONFED_SEQUENCE: 3,
  AS_CONFED_SET: 4,
} as const;

/** RFC 6793 9: the 2-octet stand-in for an AS number that does not fit. */
export const AS_TRANS = 23456;
