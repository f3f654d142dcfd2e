// The BGP wire codec: pure functions from bytes to typed messages (Prefix, IpAddress, numbers)
// and back. Self-contained: it imports nothing from the rest of announcer.

export * from './constants.js';
export * from './types.js';
export { BgpError, BgpEncodeError, errorName, headerError, openError, updateError, routeRefreshError } from './errors.js';
export { decodeFramed, decodeMessage, encodeMessage, writeMessage } from './message.js';
export { Framer } from './framer.js';
export { packAnnouncements, packAnnouncementRows, packWithdrawals, packWithdrawalRows, type Announcement, type NlriRows, type PackedUpdates, type PrefixColumns, type RowsAnnouncement } from './pack.js';
export { endOfRib, endOfRibFamily, forEachRoute } from './update.js';
export { checkPeerAs, myAsField, peerAsn } from './open.js';
export { attributeCode, familyOf, FAMILY_AFI_SAFI, nextHopAllowed, parseCommunity, parseLargeCommunity } from './attributes.js';
export { formatIPv4, formatIPv6, maskHostBits, parseIPv4, parseIPv6, parsePrefixInto, PREFIX_HOST_BITS, PREFIX_V6 } from './ip.js';
export { cease, encodeShutdownMessage, hardReset, notification, notificationOf, type CeaseSubcodeValue } from './notification.js';
export { toHex, fromHex } from './hex.js';
export { IpAddress, Prefix, addressFamilyName, addressFamilyOf, addressLength, unicastFamily, formatCommunityValue, formatLargeCommunityValue, type LargeCommunityValue } from './values.js';
