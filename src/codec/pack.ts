// Packs many prefixes that share one set of attributes into as few UPDATEs as the message size
// limit allows (4096 octets, or 65535 with Extended Message). The shared attributes are encoded
// once; each prefix is parsed once and written once, straight into one output buffer.
//
// IPv4 unicast goes in the classic NLRI field with a NEXT_HOP attribute (understood by every
// peer, BIRD 1.6 included); IPv6 unicast in MP_REACH_NLRI, placed first as RFC 7606 5.1 asks.

import { AttrFlag, AttrType, HEADER_LENGTH, MessageType } from './constants.js';
import { attributeCode, encodeAttribute, FAMILY_AFI_SAFI, writeMpReachHead } from './attributes.js';
import { BgpEncodeError } from './errors.js';
import { maxLength, writeHeader } from './header.js';
import { writeNlri } from './nlri.js';
import type { CodecContext, Family, Nlri, PathAttribute } from './types.js';
import { Writer } from './writer.js';

export interface Announcement {
  readonly family: Family;
  readonly nextHop: string;
  /** IPv6 only: RFC 2545 link-local next hop sent after the global one. */
  readonly linkLocalNextHop?: string;
  /** Attributes shared by every prefix, without NEXT_HOP and MP_REACH_NLRI (the packer adds those). */
  readonly attributes: readonly PathAttribute[];
  readonly nlri: readonly Nlri[];
}

/**
 * Every prefix encoded once, back to back; `ends[i]` is where prefix i ends. Messages are then
 * cut from this buffer by offset, so each prefix is parsed and written exactly once.
 */
interface EncodedNlri {
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
}

function encodeAll(list: readonly Nlri[], family: Family, addPath: boolean): EncodedNlri {
  const w = new Writer(list.length * (family === 'ipv4-unicast' ? 5 : 17) + (addPath ? list.length * 4 : 0) + 16);
  const ends = new Uint32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    writeNlri(w, list[i]!, family, addPath);
    ends[i] = w.pos;
  }
  return { bytes: w.written(), ends };
}

/** Splits the encoded prefixes into runs [from, to) that each fit `budget` octets. */
function* runs(e: EncodedNlri, budget: number): Generator<readonly [number, number]> {
  const n = e.ends.length;
  let from = 0;
  while (from < n) {
    const base = from === 0 ? 0 : e.ends[from - 1]!;
    let to = from;
    // Binary search for the last prefix that still fits: ends[] is increasing.
    let lo = from;
    let hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (e.ends[mid]! - base <= budget) {
        to = mid + 1;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (to === from) throw new BgpEncodeError('the attributes leave no room for a single prefix in one UPDATE');
    yield [from, to];
    from = to;
  }
}

function slice(e: EncodedNlri, from: number, to: number): Uint8Array {
  return e.bytes.subarray(from === 0 ? 0 : e.ends[from - 1]!, e.ends[to - 1]!);
}

/** Views of `w`'s final buffer, one per message. */
function split(w: Writer, bounds: readonly number[]): Uint8Array[] {
  const all = w.finish();
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) out.push(all.subarray(bounds[i]!, bounds[i + 1]!));
  return out;
}

/** UPDATEs announcing `a.nlri` with `a.attributes`; returns one Uint8Array per message. */
export function packAnnouncements(a: Announcement, ctx: CodecContext): Uint8Array[] {
  if (a.nlri.length === 0) return [];
  for (const attr of a.attributes) {
    if (attr.type === 'next-hop' || attr.type === 'mp-reach' || attr.type === 'mp-unreach') {
      throw new BgpEncodeError(`packAnnouncements adds the next hop itself; remove the ${attr.type} attribute`);
    }
  }
  const addPath = ctx.addPathSend.includes(a.family);
  const items = encodeAll(a.nlri, a.family, addPath);
  const max = maxLength(MessageType.UPDATE, ctx);

  const shared = new Writer(512);
  if (a.family === 'ipv4-unicast') {
    // Attributes in type-code order (RFC 4271 5: SHOULD), NEXT_HOP among them.
    const all: PathAttribute[] = [...a.attributes, { type: 'next-hop', nextHop: a.nextHop }];
    all.sort((x, y) => attributeCode(x) - attributeCode(y));
    for (const attr of all) encodeAttribute(shared, attr, ctx);
  } else {
    for (const attr of a.attributes) encodeAttribute(shared, attr, ctx);
  }
  const sharedBytes = shared.finish();

  let mpHead: Uint8Array | null = null;
  if (a.family !== 'ipv4-unicast') {
    const h = new Writer(64);
    writeMpReachHead(h, a.family, a.nextHop, a.linkLocalNextHop);
    mpHead = h.finish();
  }
  // header + withdrawn length + attribute length + shared attributes [+ MP_REACH header, extended length]
  const fixed = HEADER_LENGTH + 2 + 2 + sharedBytes.length + (mpHead ? 4 + mpHead.length : 0);
  const budget = max - fixed;
  if (mpHead) {
    // The MP_REACH value (head + NLRI) must fit its 2-octet length as well.
    if (budget + mpHead.length > 0xffff) throw new BgpEncodeError('unreachable: UPDATE larger than 64 KiB');
  }

  const cuts = [...runs(items, budget)]; // throws BgpEncodeError when not even one prefix fits
  const w = new Writer(items.bytes.length + (fixed + 8) * cuts.length + 16);
  const bounds: number[] = [0];
  for (const [from, to] of cuts) {
    const start = w.pos;
    const lengthAt = writeHeader(w, MessageType.UPDATE);
    w.u16(0); // no withdrawn routes
    const attrLenAt = w.placeholder(2);
    if (mpHead) {
      w.u8(AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH).u8(AttrType.MP_REACH_NLRI);
      const mpLenAt = w.placeholder(2);
      w.bytes(mpHead);
      w.bytes(slice(items, from, to));
      w.patch16(mpLenAt, w.since(mpLenAt + 2));
      w.bytes(sharedBytes);
      w.patch16(attrLenAt, w.since(attrLenAt + 2));
    } else {
      w.bytes(sharedBytes);
      w.patch16(attrLenAt, w.since(attrLenAt + 2));
      w.bytes(slice(items, from, to));
    }
    w.patch16(lengthAt, w.since(start));
    bounds.push(w.pos);
  }
  return split(w, bounds);
}

/** UPDATEs withdrawing `nlri` of one family. */
export function packWithdrawals(family: Family, nlri: readonly Nlri[], ctx: CodecContext): Uint8Array[] {
  if (nlri.length === 0) return [];
  const addPath = ctx.addPathSend.includes(family);
  const items = encodeAll(nlri, family, addPath);
  const max = maxLength(MessageType.UPDATE, ctx);
  const v4 = family === 'ipv4-unicast';
  const budget = max - HEADER_LENGTH - 4 - (v4 ? 0 : 4 + 3);
  const cuts = [...runs(items, budget)];
  const w = new Writer(items.bytes.length + 32 * cuts.length + 16);
  const bounds: number[] = [0];
  for (const [from, to] of cuts) {
    const start = w.pos;
    const lengthAt = writeHeader(w, MessageType.UPDATE);
    if (v4) {
      const wdAt = w.placeholder(2);
      w.bytes(slice(items, from, to));
      w.patch16(wdAt, w.since(wdAt + 2));
      w.u16(0); // no attributes
    } else {
      w.u16(0); // no withdrawn routes in the IPv4 field
      const attrLenAt = w.placeholder(2);
      w.u8(AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH).u8(AttrType.MP_UNREACH_NLRI);
      const mpLenAt = w.placeholder(2);
      const { afi, safi } = FAMILY_AFI_SAFI[family];
      w.u16(afi).u8(safi);
      w.bytes(slice(items, from, to));
      w.patch16(mpLenAt, w.since(mpLenAt + 2));
      w.patch16(attrLenAt, w.since(attrLenAt + 2));
    }
    w.patch16(lengthAt, w.since(start));
    bounds.push(w.pos);
  }
  return split(w, bounds);
}
