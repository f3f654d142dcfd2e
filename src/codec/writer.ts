import { BgpEncodeError } from './errors.js';

function check(v: number, max: number, what: string): void {
  // One comparison chain, cheap on the hot path; NaN and fractions fail it too.
  if (!(v >= 0 && v <= max && v === Math.floor(v))) throw new BgpEncodeError(`${v} does not fit an unsigned ${what} field`);
}

/**
 * A growable big-endian byte writer. Length fields are written as placeholders and patched once
 * their body is written, so nothing is encoded twice.
 */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Values that do not fit the field throw BgpEncodeError: the wire never carries a wrapped number. */
  u8(v: number): this {
    check(v, 0xff, '8-bit');
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    check(v, 0xffff, '16-bit');
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    check(v, 0xffffffff, '32-bit');
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  fill(value: number, n: number): this {
    this.ensure(n);
    this.buf.fill(value, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }

  /** Reserve a 1- or 2-octet length field; returns its offset for `patch8` / `patch16`. */
  placeholder(size: 1 | 2): number {
    const at = this.pos;
    this.fill(0, size);
    return at;
  }

  patch8(at: number, v: number): void {
    this.buf[at] = v & 0xff;
  }

  patch16(at: number, v: number): void {
    this.view.setUint16(at, v);
  }

  /**
   * Turn the 2-octet length placeholder at `at` into a 1-octet one holding `len`, moving the
   * `len` octets written after it back by one: an attribute whose size was unknown when its
   * header was written only takes the extended length when it needs it.
   */
  shrinkLength16(at: number, len: number): void {
    this.buf.copyWithin(at + 1, at + 2, this.pos);
    this.pos -= 1;
    this.buf[at] = len;
  }

  /** Set bits in an octet already written. */
  orAt(at: number, bits: number): void {
    this.buf[at]! |= bits;
  }

  /** Octets written since `from`. */
  since(from: number): number {
    return this.pos - from;
  }

  /** A view (no copy) of what was written; valid until the next write. */
  written(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of what was written, sized exactly. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
