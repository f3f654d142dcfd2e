// Cuts a TCP byte stream into whole BGP messages. The header is checked as soon as it arrives, so
// a desynchronised or hostile stream fails fast instead of making us buffer up to 64 KiB of junk.
// Work is linear in the bytes received however the stream is split (a peer dribbling one octet at
// a time costs one copy per octet, not one per buffered octet).

import { HEADER_LENGTH } from './constants.js';
import { checkHeader } from './header.js';
import type { CodecContext } from './types.js';

export class Framer {
  private buf = new Uint8Array(4096);
  private len = 0;
  private ctx: Pick<CodecContext, 'extendedMessage'>;

  constructor(ctx: Pick<CodecContext, 'extendedMessage'> = { extendedMessage: false }) {
    this.ctx = ctx;
  }

  /** Extended Message (RFC 8654) takes effect once both OPENs are exchanged. */
  setContext(ctx: Pick<CodecContext, 'extendedMessage'>): void {
    this.ctx = ctx;
  }

  /** Octets held back waiting for the rest of a message. */
  get buffered(): number {
    return this.len;
  }

  /**
   * Feed a chunk; returns every message it completes, each a whole message (header included).
   * Messages lying wholly inside `chunk` are views into it; the others are fresh copies.
   * Throws BgpError on a bad header.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = 0;
    if (this.len > 0) {
      // Complete the buffered message first, taking from the chunk only what it needs.
      while (this.len > 0 && at < chunk.length) {
        const need = this.len < HEADER_LENGTH ? HEADER_LENGTH - this.len : this.messageLength() - this.len;
        const take = Math.min(need, chunk.length - at);
        this.append(chunk.subarray(at, at + take));
        at += take;
        if (this.len === HEADER_LENGTH) this.messageLength(); // validate the header as soon as it is whole
        if (this.len >= HEADER_LENGTH && this.len === this.messageLength()) {
          out.push(this.buf.slice(0, this.len));
          this.len = 0;
        }
      }
      if (this.len > 0) return out;
    }
    while (chunk.length - at >= HEADER_LENGTH) {
      const { length } = checkHeader(chunk, at, this.ctx);
      if (chunk.length - at < length) break;
      out.push(chunk.subarray(at, at + length));
      at += length;
    }
    if (at < chunk.length) this.append(chunk.subarray(at));
    return out;
  }

  private messageLength(): number {
    return checkHeader(this.buf, 0, this.ctx).length;
  }

  private append(b: Uint8Array): void {
    if (this.len + b.length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + b.length));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(b, this.len);
    this.len += b.length;
  }
}
