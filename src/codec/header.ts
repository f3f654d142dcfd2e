// RFC 4271 4.1 message header: 16 octets of ones, a 2-octet length, a 1-octet type, checked per
// RFC 4271 6.1 as soon as the 19 octets are there.

import {
  HEADER_LENGTH,
  HeaderSubcode,
  MARKER_LENGTH,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
  MIN_LENGTH,
} from './constants.js';
import { BgpError, headerError } from './errors.js';
import type { CodecContext } from './types.js';
import type { Writer } from './writer.js';

export interface Header {
  readonly length: number;
  readonly type: number;
}

function badLength(length: number, why: string): BgpError {
  return headerError(HeaderSubcode.BAD_MESSAGE_LENGTH, `length ${length}: ${why}`, new Uint8Array([length >> 8, length & 0xff]));
}

/** The largest message of `type` this session accepts (RFC 8654 4: OPEN and KEEPALIVE never grow). */
export function maxLength(type: number, ctx: Pick<CodecContext, 'extendedMessage'>): number {
  return ctx.extendedMessage && type !== MessageType.OPEN && type !== MessageType.KEEPALIVE
    ? MAX_EXTENDED_MESSAGE_LENGTH
    : MAX_MESSAGE_LENGTH;
}

/** Validate the header at `at` (19 octets must be there) and return its length and type. */
export function checkHeader(b: Uint8Array, at: number, ctx: Pick<CodecContext, 'extendedMessage'>): Header {
  for (let i = 0; i < MARKER_LENGTH; i++) {
    if (b[at + i] !== 0xff) throw headerError(HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, 'marker is not all ones');
  }
  const length = (b[at + 16]! << 8) | b[at + 17]!;
  const type = b[at + 18]!;
  const min = (MIN_LENGTH as Record<number, number>)[type];
  if (min === undefined) {
    throw headerError(HeaderSubcode.BAD_MESSAGE_TYPE, `message type ${type}`, new Uint8Array([type]));
  }
  if (length < min) throw badLength(length, `shorter than the ${min} octets of the smallest message of type ${type}`);
  const max = maxLength(type, ctx);
  if (length > max) throw badLength(length, `longer than the ${max} octets allowed`);
  if (type === MessageType.KEEPALIVE && length !== HEADER_LENGTH) throw badLength(length, 'a KEEPALIVE is exactly 19 octets');
  return { length, type };
}

export function writeHeader(w: Writer, type: number): number {
  w.fill(0xff, MARKER_LENGTH);
  const lengthAt = w.placeholder(2);
  w.u8(type);
  return lengthAt;
}
