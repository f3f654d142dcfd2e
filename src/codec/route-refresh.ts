// RFC 2918 ROUTE-REFRESH and the RFC 7313 enhanced route refresh subtypes.

import { HEADER_LENGTH, RouteRefreshSubcode, RouteRefreshSubtype } from './constants.js';
import { routeRefreshError } from './errors.js';
import type { Reader } from './reader.js';
import type { RouteRefreshMessage, RouteRefreshSubtypeName } from './types.js';
import type { Writer } from './writer.js';

const SUBTYPE_NAMES: Record<number, RouteRefreshSubtypeName> = {
  [RouteRefreshSubtype.NORMAL]: 'normal',
  [RouteRefreshSubtype.BEGIN_OF_RIB]: 'begin-of-rib',
  [RouteRefreshSubtype.END_OF_RIB]: 'end-of-rib',
};

/** `message` is the whole message, which RFC 7313 5 puts in the NOTIFICATION data on a length error. */
export function decodeRouteRefresh(r: Reader, message: Uint8Array): RouteRefreshMessage {
  const afi = r.u16();
  const subtypeCode = r.u8();
  const safi = r.u8();
  const subtype = SUBTYPE_NAMES[subtypeCode];
  // RFC 7313 5: BoRR and EoRR are exactly 4 octets of body. Extra octets after a normal request
  // belong to ORF (RFC 5291), which we do not negotiate and so ignore.
  if ((subtype === 'begin-of-rib' || subtype === 'end-of-rib') && !r.atEnd) {
    throw routeRefreshError(
      RouteRefreshSubcode.INVALID_MESSAGE_LENGTH,
      `${subtype} ROUTE-REFRESH of ${message.length} octets, expected ${HEADER_LENGTH + 4}`,
      message,
    );
  }
  if (subtype === undefined) return { type: 'route-refresh', afi, safi, subtype: 'reserved', reservedSubtype: subtypeCode };
  return { type: 'route-refresh', afi, safi, subtype };
}

const SUBTYPE_CODES: Record<Exclude<RouteRefreshSubtypeName, 'reserved'>, number> = {
  normal: RouteRefreshSubtype.NORMAL,
  'begin-of-rib': RouteRefreshSubtype.BEGIN_OF_RIB,
  'end-of-rib': RouteRefreshSubtype.END_OF_RIB,
};

export function encodeRouteRefresh(w: Writer, m: RouteRefreshMessage): void {
  const code = m.subtype === 'reserved' ? (m.reservedSubtype ?? 255) : SUBTYPE_CODES[m.subtype];
  w.u16(m.afi).u8(code).u8(m.safi);
}
