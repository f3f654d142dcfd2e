import { ErrorCode, HeaderSubcode, OpenSubcode, RouteRefreshSubcode, UpdateSubcode } from './constants.js';

const EMPTY = new Uint8Array(0);

/**
 * A protocol error found while decoding: exactly what goes into the NOTIFICATION (RFC 4271 4.5)
 * that the session sends before it closes, with its data as octets. The only thing a decoder
 * throws. Made by headerError(), openError(), updateError() and routeRefreshError(), which take
 * only that message's named subcodes.
 */
export class BgpError extends Error {
  override readonly name = 'BgpError';

  constructor(
    readonly code: number,
    readonly subcode: number,
    readonly reason: string,
    readonly data: Uint8Array = EMPTY,
  ) {
    super(`${errorName(code, subcode)}: ${reason}`);
  }
}

type Values<T> = T[keyof T];

/**
 * Which NOTIFICATION an error is: an error code and one of that code's named subcodes. A region's
 * overrun and an NLRI field's malformed prefix carry one, made where the region is known.
 */
export type ErrorKind =
  | { readonly code: typeof ErrorCode.MESSAGE_HEADER; readonly subcode: Values<typeof HeaderSubcode> }
  | { readonly code: typeof ErrorCode.OPEN_MESSAGE; readonly subcode: Values<typeof OpenSubcode> }
  | { readonly code: typeof ErrorCode.UPDATE_MESSAGE; readonly subcode: Values<typeof UpdateSubcode> }
  | { readonly code: typeof ErrorCode.ROUTE_REFRESH_MESSAGE; readonly subcode: Values<typeof RouteRefreshSubcode> };

/** An error of a kind made elsewhere (a reader's overrun, an NLRI field's error). */
export function errorOf(kind: ErrorKind, reason: string, data?: Uint8Array): BgpError {
  return new BgpError(kind.code, kind.subcode, reason, data);
}

/**
 * An error found earlier, told again at the message's boundary: the same code and subcode, the
 * reason and data the boundary knows (RFC 4271 6.3: the whole attribute; RFC 7606 5.2).
 */
export function retold(earlier: { readonly code: number; readonly subcode: number }, reason: string, data: Uint8Array): BgpError {
  return new BgpError(earlier.code, earlier.subcode, reason, data);
}

/** RFC 4271 6.1: the header (marker, length, type) is wrong. */
export function headerError(subcode: Values<typeof HeaderSubcode>, reason: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.MESSAGE_HEADER, subcode, reason, data);
}

/** RFC 4271 6.2: the OPEN is unacceptable. */
export function openError(subcode: Values<typeof OpenSubcode>, reason: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.OPEN_MESSAGE, subcode, reason, data);
}

/** RFC 4271 6.3 (where RFC 7606 does not soften it): the UPDATE costs the session. */
export function updateError(subcode: Values<typeof UpdateSubcode>, reason: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.UPDATE_MESSAGE, subcode, reason, data);
}

/** RFC 7313 5: a ROUTE-REFRESH of the wrong length. */
export function routeRefreshError(subcode: Values<typeof RouteRefreshSubcode>, reason: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.ROUTE_REFRESH_MESSAGE, subcode, reason, data);
}

/**
 * Thrown by an encoder when it is handed a value the wire cannot carry (an unparsable prefix, an
 * attribute set too large for one message). It means a bug or unvalidated input upstream, never a
 * misbehaving peer.
 */
export class BgpEncodeError extends Error {
  override readonly name = 'BgpEncodeError';
}

const CODE_NAMES: Record<number, string> = {
  [ErrorCode.MESSAGE_HEADER]: 'Message Header Error',
  [ErrorCode.OPEN_MESSAGE]: 'OPEN Message Error',
  [ErrorCode.UPDATE_MESSAGE]: 'UPDATE Message Error',
  [ErrorCode.HOLD_TIMER_EXPIRED]: 'Hold Timer Expired',
  [ErrorCode.FSM]: 'Finite State Machine Error',
  [ErrorCode.CEASE]: 'Cease',
  [ErrorCode.ROUTE_REFRESH_MESSAGE]: 'ROUTE-REFRESH Message Error',
  [ErrorCode.SEND_HOLD_TIMER_EXPIRED]: 'Send Hold Timer Expired',
};

const SUBCODE_NAMES: Record<number, Record<number, string>> = {
  [ErrorCode.MESSAGE_HEADER]: {
    1: 'Connection Not Synchronized',
    2: 'Bad Message Length',
    3: 'Bad Message Type',
  },
  [ErrorCode.OPEN_MESSAGE]: {
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
  },
  [ErrorCode.UPDATE_MESSAGE]: {
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  [ErrorCode.FSM]: {
    1: 'Unexpected Message in OpenSent',
    2: 'Unexpected Message in OpenConfirm',
    3: 'Unexpected Message in Established',
  },
  [ErrorCode.CEASE]: {
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
  },
  [ErrorCode.ROUTE_REFRESH_MESSAGE]: { 1: 'Invalid Message Length' },
};

/** Human name of an error (code, subcode), as operators see it in logs: "UPDATE Message Error / Malformed AS_PATH". */
export function errorName(code: number, subcode: number): string {
  const codeName = CODE_NAMES[code] ?? `Error code ${code}`;
  if (subcode === 0) return codeName;
  const subName = SUBCODE_NAMES[code]?.[subcode] ?? `subcode ${subcode}`;
  return `${codeName} / ${subName}`;
}
