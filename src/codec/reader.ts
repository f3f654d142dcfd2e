import { errorOf, type ErrorKind } from './errors.js';

/** The error a reader throws when a read would go past its end: each bounded region names its own. */
export type OverrunError = ErrorKind & { readonly reason: string };

/**
 * A bounds-checked cursor over one region of a message. Reading past `end` throws the region's
 * BgpError, never a RangeError; a length-prefixed field is read through its own `sub()` reader.
 */
export class Reader {
  private readonly view: DataView;
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly overrun: OverrunError,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) {
      throw errorOf(this.overrun, `${this.overrun.reason} (needs ${n} more octets, ${this.end - this.pos} left)`);
    }
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** A view (no copy) of the next n octets. */
  bytesView(n: number): Uint8Array {
    this.need(n);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** The rest of this region, as a view. */
  rest(): Uint8Array {
    return this.bytesView(this.remaining);
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /**
   * A reader over the next n octets, which this reader then steps past. Overrunning the declared
   * length n is this reader's error; overrunning the new region is `overrun` (default: the same).
   */
  sub(n: number, overrun: OverrunError = this.overrun): Reader {
    this.need(n);
    const r = new Reader(this.bytes, overrun, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
}
