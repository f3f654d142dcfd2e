// A journal record's operations written straight into one growing buffer, each as JSON text:
// a call that changes a million paths makes short-lived strings, not a million retained ones.

export class OpsWriter {
  private buf = Buffer.allocUnsafe(1 << 12);
  private len = 0;
  private ops = 0;

  /** Adds one operation (its JSON text); operations are separated by commas. */
  add(json: string): void {
    const need = this.len + 1 + json.length * 3; // UTF-8 never takes more than 3 octets per UTF-16 unit
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    if (this.ops++ > 0) this.buf[this.len++] = 0x2c; // ','
    this.len += this.buf.write(json, this.len, 'utf8');
  }

  get count(): number {
    return this.ops;
  }

  /** The operations written so far, comma-separated (a view, not a copy). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}
