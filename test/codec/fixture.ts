// Fixture helpers in the mqtt-packet style: a message written out octet by octet with comments,
// and one call that turns it into decode, encode and round-trip tests.

import { expect, it } from 'vitest';
import {
  BgpError,
  DEFAULT_CONTEXT,
  decodeFramed,
  decodeMessage,
  Framer,
  encodeMessage,
  fromHex,
  IpAddress,
  Prefix,
  type BgpMessage,
  type CodecContext,
} from '../../src/codec/index.js';
import { answerTo, notificationOctets } from '../session/harness.js';

/** 16 octets of ones: the RFC 4271 4.1 marker. */
export const MARKER: readonly number[] = new Array(16).fill(0xff);

/** Flatten annotated octet groups into bytes. */
export function bytes(...parts: (number | readonly number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else out.push(...p);
  }
  for (const b of out) if (!Number.isInteger(b) || b < 0 || b > 255) throw new Error(`fixture octet ${b} out of range`);
  return Uint8Array.from(out);
}

/** The 4 octets of a 32-bit value, for fixtures. */
export function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** The 2 octets of a 16-bit value, for fixtures. */
export function u16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

/** A prefix from text, for expected values ("10.0.0.0/8"); throws on a typo in the test. */
export function P(text: string): Prefix {
  const p = Prefix.parse(text);
  if (!p) throw new Error(`fixture prefix ${text} is not a prefix`);
  return p;
}

/** An address from text, for expected values ("192.0.2.1"); throws on a typo in the test. */
export function A(text: string): IpAddress {
  const a = IpAddress.parse(text);
  if (!a) throw new Error(`fixture address ${text} is not an address`);
  return a;
}

/** A community from its two 16-bit halves, for expected values: C(65000, 100) is 65000:100. */
export function C(asn: number, value: number): number {
  return asn * 0x10000 + value;
}

/** Octets from hex text, for opaque data in expected values (H('0000fde9')); throws on a typo in the test. */
export function H(hex: string): Uint8Array {
  const b = fromHex(hex);
  if (!b) throw new Error(`fixture octets ${hex} are not hex`);
  return b;
}

export function ctxWith(over: Partial<CodecContext>): CodecContext {
  return { ...DEFAULT_CONTEXT, ...over };
}

export interface Fixture {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly message: BgpMessage;
  readonly ctx?: CodecContext;
  /** The bytes are valid but not what our encoder writes (e.g. an extended length where none is needed). */
  readonly decodeOnly?: boolean;
}

/** decode(bytes) == message; encode(message) == bytes; decode(encode(message)) == message. */
export function fixtureTests(f: Fixture): void {
  const ctx = f.ctx ?? DEFAULT_CONTEXT;
  it(`${f.name}: decodes`, () => {
    expect(decodeMessage(f.bytes, ctx)).toEqual(f.message);
  });
  it(`${f.name}: decodes as a session does, cut by the Framer (which checks the header) and its body read`, () => {
    const frames = new Framer(ctx).push(f.bytes);
    expect(frames).toHaveLength(1);
    expect(decodeFramed(frames[0]!, ctx)).toEqual(f.message);
  });
  if (!f.decodeOnly) {
    it(`${f.name}: encodes to the same octets`, () => {
      expect(Buffer.from(encodeMessage(f.message, ctx)).toString('hex')).toBe(Buffer.from(f.bytes).toString('hex'));
    });
  }
  it(`${f.name}: round-trips`, () => {
    expect(decodeMessage(encodeMessage(f.message, ctx), ctx)).toEqual(f.message);
  });
}

/**
 * The BgpError that decoding `b` throws (fails the test if it throws nothing or something else).
 * It also hands `b` to a session (the core, in memory: an OPEN in OpenSent, anything else when
 * Established with `ctx`) and checks the session answers with exactly that error's NOTIFICATION,
 * octet for octet, and closes: every malformed fixture that is a whole message is a session test too.
 */
export function decodeError(b: Uint8Array, ctx: CodecContext = DEFAULT_CONTEXT): BgpError {
  let error: BgpError | undefined;
  try {
    decodeMessage(b, ctx);
  } catch (e) {
    if (!(e instanceof BgpError)) throw new Error(`decode threw ${String(e)}, not a BgpError`);
    error = e;
  }
  if (error === undefined) throw new Error('decode did not throw');
  // On a stream, a message whose Length field runs past the octets there is still arriving: the
  // session waits for the rest (and its hold timer), so only whole messages get an answer now.
  if (b.length < 19 || ((b[16]! << 8) | b[17]!) > b.length) return error;
  const answer = answerTo(b, ctx);
  expect(Buffer.from(answer.last).toString('hex'), 'the NOTIFICATION the session sent').toBe(
    Buffer.from(notificationOctets(error.code, error.subcode, error.data)).toString('hex'),
  );
  expect(answer.closed, 'the session closed the connection').toBe(true);
  expect(answer.state).toBe('Idle');
  return error;
}
