// RFC 4271 4.5 NOTIFICATION, with the RFC 8203 / RFC 9003 shutdown communication and the RFC 8538
// Hard Reset. Every NOTIFICATION the speaker sends is made here: notificationOf() for a decode
// error, cease() and hardReset() for the ones we send on purpose, notification() for the rest.

import { CeaseSubcode, ErrorCode, MAX_SHUTDOWN_MESSAGE_LENGTH } from './constants.js';
import type { BgpError } from './errors.js';
import type { Reader } from './reader.js';
import type { NotificationMessage } from './types.js';
import type { Writer } from './writer.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8enc = new TextEncoder();

function carriesShutdownMessage(code: number, subcode: number): boolean {
  return (
    code === ErrorCode.CEASE &&
    (subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || subcode === CeaseSubcode.ADMINISTRATIVE_RESET)
  );
}

/** RFC 8203 2: a length octet then that many octets of UTF-8; anything else is not a shutdown communication. */
function parseShutdownMessage(data: Uint8Array): string | undefined {
  if (data.length === 0) return undefined;
  const len = data[0]!;
  if (len === 0 || len + 1 !== data.length) return undefined;
  try {
    return strictUtf8.decode(data.subarray(1));
  } catch {
    return undefined; // RFC 8203 4: invalid UTF-8 is logged as raw data, never an error.
  }
}

/** Never throws for content: RFC 4271 6.4 forbids answering a NOTIFICATION with one. */
export function decodeNotification(r: Reader): NotificationMessage {
  const code = r.u8();
  const subcode = r.u8();
  const data = new Uint8Array(r.rest()); // a copy, and a plain Uint8Array even when the frame is a Buffer
  const base: NotificationMessage = { type: 'notification', code, subcode, data };
  if (!carriesShutdownMessage(code, subcode)) return base;
  const shutdownMessage = parseShutdownMessage(data);
  return shutdownMessage === undefined ? base : { ...base, shutdownMessage };
}

const EMPTY = new Uint8Array(0);

export type CeaseSubcodeValue = (typeof CeaseSubcode)[keyof typeof CeaseSubcode];

/** A NOTIFICATION with this code, subcode and data. */
export function notification(code: number, subcode: number, data: Uint8Array = EMPTY): NotificationMessage {
  return { type: 'notification', code, subcode, data };
}

/** The NOTIFICATION a decode error asks for (RFC 4271 6). */
export function notificationOf(e: BgpError): NotificationMessage {
  return notification(e.code, e.subcode, e.data);
}

/** A Cease (RFC 4486); Administrative Shutdown and Reset carry the operator's message (RFC 8203). */
export function cease(subcode: CeaseSubcodeValue, shutdownMessage?: string): NotificationMessage {
  if (shutdownMessage === undefined || shutdownMessage.length === 0 || !carriesShutdownMessage(ErrorCode.CEASE, subcode)) {
    return notification(ErrorCode.CEASE, subcode);
  }
  const data = encodeShutdownMessage(shutdownMessage);
  // The text as the peer will read it (cut to 255 octets): decoded as decodeNotification() does.
  return { ...notification(ErrorCode.CEASE, subcode, data), shutdownMessage: parseShutdownMessage(data)! };
}

/**
 * RFC 8538 3: a Hard Reset, whose data is the Cease it stands for (its subcode, then that Cease's
 * data). Where the N bit is negotiated, only this makes a peer drop our paths at once.
 */
export function hardReset(inner: CeaseSubcodeValue, shutdownMessage?: string): NotificationMessage {
  const innerData = cease(inner, shutdownMessage).data;
  const data = new Uint8Array(1 + innerData.length);
  data[0] = inner;
  data.set(innerData, 1);
  return notification(ErrorCode.CEASE, CeaseSubcode.HARD_RESET, data);
}

/** The shutdown communication as sent: UTF-8, cut to 255 octets on a character boundary. */
export function encodeShutdownMessage(text: string): Uint8Array {
  let bytes = utf8enc.encode(text);
  if (bytes.length > MAX_SHUTDOWN_MESSAGE_LENGTH) {
    let end = MAX_SHUTDOWN_MESSAGE_LENGTH;
    while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // do not split a multi-octet character
    bytes = bytes.subarray(0, end);
  }
  const out = new Uint8Array(bytes.length + 1);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

export function encodeNotification(w: Writer, m: NotificationMessage): void {
  w.u8(m.code).u8(m.subcode).bytes(m.data);
}
