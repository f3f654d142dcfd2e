// RFC 4271 4.5 NOTIFICATION, with the RFC 8203 / RFC 9003 shutdown communication.

import { CeaseSubcode, ErrorCode, MAX_SHUTDOWN_MESSAGE_LENGTH } from './constants.js';
import { BgpEncodeError } from './errors.js';
import { fromHex, toHex } from './hex.js';
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
  const data = r.rest();
  const base: NotificationMessage = { type: 'notification', code, subcode, data: toHex(data) };
  if (!carriesShutdownMessage(code, subcode)) return base;
  const shutdownMessage = parseShutdownMessage(data);
  return shutdownMessage === undefined ? base : { ...base, shutdownMessage };
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
  w.u8(m.code).u8(m.subcode);
  if (m.shutdownMessage !== undefined && carriesShutdownMessage(m.code, m.subcode)) {
    if (m.shutdownMessage.length > 0) w.bytes(encodeShutdownMessage(m.shutdownMessage));
    return;
  }
  const data = fromHex(m.data);
  if (!data) throw new BgpEncodeError('NOTIFICATION data is not hex');
  w.bytes(data);
}
