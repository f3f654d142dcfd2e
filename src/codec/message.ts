// One whole message <-> its domain value: the header, then the body codec of its type.

import { HEADER_LENGTH, MessageType } from './constants.js';
import { BgpEncodeError } from './errors.js';
import { checkHeader, maxLength, writeHeader } from './header.js';
import { decodeNotification, encodeNotification } from './notification.js';
import { decodeOpen, encodeOpen } from './open.js';
import { Reader, type OverrunError } from './reader.js';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.js';
import type { BgpMessage, CodecContext } from './types.js';
import { decodeUpdate, encodeUpdate } from './update.js';
import { Writer } from './writer.js';
import { ErrorCode, HeaderSubcode } from './constants.js';

const HEADER_OVERRUN: OverrunError = { code: ErrorCode.MESSAGE_HEADER, subcode: HeaderSubcode.BAD_MESSAGE_LENGTH, reason: 'truncated message' };
const BODY_OVERRUN: OverrunError = { ...HEADER_OVERRUN, reason: 'message body shorter than its fields' };

/**
 * Decode one whole message (header included), from anywhere: its header is checked here. Throws
 * only BgpError, whose (code, subcode, data) is the NOTIFICATION to send.
 */
export function decodeMessage(bytes: Uint8Array, ctx: CodecContext): BgpMessage {
  new Reader(bytes, HEADER_OVERRUN).skip(HEADER_LENGTH);
  const { length, type } = checkHeader(bytes, 0, ctx);
  if (length !== bytes.length) {
    new Reader(bytes, HEADER_OVERRUN).skip(length); // a short buffer is a truncated message
  }
  return decodeBody(bytes, type, length, ctx);
}

/**
 * Decode one message as the Framer cut it: the Framer checked its header (marker, length, type)
 * when it arrived, so only the body is read here (decodeMessage checks both, for bytes from
 * anywhere else).
 */
export function decodeFramed(bytes: Uint8Array, ctx: CodecContext): BgpMessage {
  return decodeBody(bytes, bytes[HEADER_LENGTH - 1]!, bytes.length, ctx);
}

function decodeBody(bytes: Uint8Array, type: number, length: number, ctx: CodecContext): BgpMessage {
  const body = new Reader(bytes, BODY_OVERRUN, HEADER_LENGTH, length);
  switch (type) {
    case MessageType.OPEN:
      return decodeOpen(body);
    case MessageType.UPDATE:
      return decodeUpdate(body, ctx);
    case MessageType.NOTIFICATION:
      return decodeNotification(body);
    case MessageType.KEEPALIVE:
      return { type: 'keepalive' };
    default: // ROUTE_REFRESH: checkHeader admits no other type
      return decodeRouteRefresh(body, bytes.subarray(0, length));
  }
}

const TYPE_CODES = {
  open: MessageType.OPEN,
  update: MessageType.UPDATE,
  notification: MessageType.NOTIFICATION,
  keepalive: MessageType.KEEPALIVE,
  'route-refresh': MessageType.ROUTE_REFRESH,
} as const;

/** Append one message to `w`. */
export function writeMessage(w: Writer, msg: BgpMessage, ctx: CodecContext): void {
  const start = w.pos;
  const type = TYPE_CODES[msg.type];
  const lengthAt = writeHeader(w, type);
  switch (msg.type) {
    case 'open':
      encodeOpen(w, msg);
      break;
    case 'update':
      encodeUpdate(w, msg, ctx);
      break;
    case 'notification':
      encodeNotification(w, msg);
      break;
    case 'keepalive':
      break;
    case 'route-refresh':
      encodeRouteRefresh(w, msg);
      break;
  }
  const length = w.since(start);
  const max = maxLength(type, ctx);
  if (length > max) throw new BgpEncodeError(`${msg.type} message of ${length} octets exceeds the ${max}-octet limit`);
  w.patch16(lengthAt, length);
}

/** Encode one message. Throws BgpEncodeError if it cannot be carried (too large, bad values). */
export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Uint8Array {
  const w = new Writer(msg.type === 'update' ? 512 : 64);
  writeMessage(w, msg, ctx);
  return w.finish();
}
