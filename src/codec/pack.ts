// Packs many prefixes that share one set of attributes into as few UPDATEs as the message size
// limit allows (4096 octets, or 65535 with Extended Message). The shared attributes are encoded
// once; each prefix is written once, straight into one buffer, and messages are cut from it by
// offset.
//
// Two inputs, one assembler: NLRI as decoded messages carry them (`packAnnouncements`: Prefix
// values), and NLRI as rows of typed columns (`packAnnouncementRows`), which is how a large table
// is sent: no object per prefix. Both write their octets with the same `putPrefix`; no text is parsed.
//
// IPv4 unicast with an IPv4 next hop goes in the classic NLRI field with a NEXT_HOP attribute
// (understood by every peer, BIRD 1.6 included); IPv6 unicast, and IPv4 unicast with an IPv6 next
// hop (RFC 8950, only where the session allows it), in MP_REACH_NLRI, placed first as RFC 7606 5.1 asks.

import { AttrFlag, AttrType, HEADER_LENGTH, MessageType } from './constants.js';
import { attributeCode, encodeAttribute, FAMILY_AFI_SAFI, nextHopAllowed, writeMpReachHead } from './attributes.js';
import { BgpEncodeError } from './errors.js';
import { maxLength, writeHeader } from './header.js';
import { checkNlri, MAX_PREFIX_LENGTH, maxNlriSize, putPrefix } from './nlri.js';
import type { CodecContext, Family, Nlri, PathAttribute } from './types.js';
import { addressFamilyName, type IpAddress } from './values.js';
import { Writer } from './writer.js';

export interface Announcement {
  readonly family: Family;
  /** Of `family`'s address family, or IPv6 for IPv4 prefixes where the session allows it (nextHopAllowed). */
  readonly nextHop: IpAddress;
  /** With an IPv6 next hop only: RFC 2545 link-local next hop sent after the global one. */
  readonly linkLocalNextHop?: IpAddress;
  /** Attributes shared by every prefix, without NEXT_HOP and MP_REACH_NLRI (the packer adds those). */
  readonly attributes: readonly PathAttribute[];
  /** Prefixes of `family`. */
  readonly nlri: readonly Nlri[];
}

/**
 * Prefixes held column-wise, as a large table keeps them: row r's address octets start at
 * `addr[r * 16]` (4 of them for IPv4, 16 for IPv6; host bits clear), its length is `len[r]`.
 */
export interface PrefixColumns {
  readonly addr: Uint8Array;
  readonly len: Uint8Array;
}

/** `count` rows of `cols` to send, `rows[i]` with path identifier `pathIds[i]` (used with ADD-PATH). */
export interface NlriRows {
  readonly family: Family;
  readonly cols: PrefixColumns;
  readonly rows: Int32Array;
  readonly pathIds: Uint32Array;
  readonly count: number;
}

/** What the announcement of rows shares: next hop and attributes. */
export interface RowsAnnouncement {
  readonly nextHop: IpAddress;
  readonly linkLocalNextHop?: IpAddress;
  /** Without NEXT_HOP and MP_REACH_NLRI (the packer adds those). */
  readonly attributes: readonly PathAttribute[];
}

/** Whole UPDATE messages back to back in `bytes`. */
export interface PackedUpdates {
  readonly bytes: Uint8Array;
  readonly messages: number;
}

/**
 * Every prefix encoded once, back to back; `ends[i]` is where prefix i ends. Messages are then
 * cut from this buffer by offset.
 */
interface EncodedNlri {
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
}

/** RFC 4271 4.3 / RFC 7911 3 encoding of Prefix values (each checked to be of `family`). */
function encodeList(list: readonly Nlri[], family: Family, addPath: boolean): EncodedNlri {
  const out = new Uint8Array(list.length * maxNlriSize(family, addPath));
  const ends = new Uint32Array(list.length);
  let pos = 0;
  for (let i = 0; i < list.length; i++) {
    const n = list[i]!;
    const id = checkNlri(n, family, addPath);
    pos = putPrefix(out, pos, n.prefix.bytes, 0, n.prefix.length, id, addPath);
    ends[i] = pos;
  }
  return { bytes: out.subarray(0, pos), ends };
}

/** The same for rows: the hot path of a table send. */
function encodeRows(r: NlriRows, addPath: boolean): EncodedNlri {
  const maxBits = MAX_PREFIX_LENGTH[r.family];
  const out = new Uint8Array(r.count * maxNlriSize(r.family, addPath));
  const ends = new Uint32Array(r.count);
  const { addr, len } = r.cols;
  let pos = 0;
  for (let i = 0; i < r.count; i++) {
    const row = r.rows[i]!;
    const bits = len[row]!;
    if (bits > maxBits) throw new BgpEncodeError(`prefix length ${bits} is not valid for ${r.family}`);
    pos = putPrefix(out, pos, addr, row * 16, bits, r.pathIds[i]!, addPath);
    ends[i] = pos;
  }
  return { bytes: out.subarray(0, pos), ends };
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

/**
 * Announce-side assembly. `shared` is every attribute but MP_REACH_NLRI, already in order;
 * `mpHead` is the MP_REACH_NLRI value before its NLRI (null for IPv4 in the classic field).
 */
function assembleAnnouncements(items: EncodedNlri, shared: Uint8Array, mpHead: Uint8Array | null, ctx: CodecContext): PackedUpdates {
  const max = maxLength(MessageType.UPDATE, ctx);
  // header + withdrawn length + attribute length + shared attributes [+ MP_REACH header, extended length]
  const fixed = HEADER_LENGTH + 2 + 2 + shared.length + (mpHead ? 4 + mpHead.length : 0);
  const budget = max - fixed;
  // The MP_REACH value (head + NLRI) must fit its 2-octet length as well.
  if (mpHead && budget + mpHead.length > 0xffff) throw new BgpEncodeError('unreachable: UPDATE larger than 64 KiB');
  const cuts = [...runs(items, budget)]; // throws BgpEncodeError when not even one prefix fits
  const w = new Writer(items.bytes.length + (fixed + 8) * cuts.length + 16);
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
      w.bytes(shared);
      w.patch16(attrLenAt, w.since(attrLenAt + 2));
    } else {
      w.bytes(shared);
      w.patch16(attrLenAt, w.since(attrLenAt + 2));
      w.bytes(slice(items, from, to));
    }
    w.patch16(lengthAt, w.since(start));
  }
  return { bytes: w.finish(), messages: cuts.length };
}

function assembleWithdrawals(items: EncodedNlri, family: Family, ctx: CodecContext): PackedUpdates {
  const max = maxLength(MessageType.UPDATE, ctx);
  const v4 = family === 'ipv4-unicast';
  const budget = max - HEADER_LENGTH - 4 - (v4 ? 0 : 4 + 3);
  const cuts = [...runs(items, budget)];
  const w = new Writer(items.bytes.length + 32 * cuts.length + 16);
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
  }
  return { bytes: w.finish(), messages: cuts.length };
}

function checkShared(attributes: readonly PathAttribute[]): void {
  for (const attr of attributes) {
    if (attr.type === 'next-hop' || attr.type === 'mp-reach' || attr.type === 'mp-unreach') {
      throw new BgpEncodeError(`the packer adds the next hop itself; remove the ${attr.type} attribute`);
    }
  }
}

/** The shared attributes in type-code order (RFC 4271 5: SHOULD), with `nextHop` (4 octets) as NEXT_HOP for IPv4. */
function encodeShared(attributes: readonly PathAttribute[], ipv4NextHop: Uint8Array | null, ctx: CodecContext): Uint8Array {
  checkShared(attributes);
  const sorted = [...attributes].sort((x, y) => attributeCode(x) - attributeCode(y));
  const w = new Writer(512);
  let nextHopDone = ipv4NextHop === null;
  for (const attr of sorted) {
    if (!nextHopDone && attributeCode(attr) > AttrType.NEXT_HOP) {
      w.u8(AttrFlag.TRANSITIVE).u8(AttrType.NEXT_HOP).u8(4).bytes(ipv4NextHop!);
      nextHopDone = true;
    }
    encodeAttribute(w, attr, ctx);
  }
  if (!nextHopDone) w.u8(AttrFlag.TRANSITIVE).u8(AttrType.NEXT_HOP).u8(4).bytes(ipv4NextHop!);
  return w.finish();
}

function splitMessages(p: PackedUpdates): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < p.messages; i++) {
    const len = (p.bytes[at + 16]! << 8) | p.bytes[at + 17]!;
    out.push(p.bytes.subarray(at, at + len));
    at += len;
  }
  return out;
}

/**
 * The announcement of encoded prefixes of `family`: NEXT_HOP among the shared attributes for IPv4
 * via IPv4, MP_REACH_NLRI for the rest (IPv6, and IPv4 via IPv6 where the session allows it).
 */
function announce(a: RowsAnnouncement, family: Family, items: EncodedNlri, ctx: CodecContext): PackedUpdates {
  const af = a.nextHop.af;
  if (!nextHopAllowed(family, af, ctx)) throw new BgpEncodeError(`an ${addressFamilyName(af)} next hop for ${family} prefixes`);
  if (family === 'ipv4-unicast' && af === 'ipv4') {
    return assembleAnnouncements(items, encodeShared(a.attributes, a.nextHop.bytes, ctx), null, ctx);
  }
  const h = new Writer(64);
  writeMpReachHead(h, family, a.nextHop, a.linkLocalNextHop, ctx);
  return assembleAnnouncements(items, encodeShared(a.attributes, null, ctx), h.finish(), ctx);
}

/** UPDATEs announcing `a.nlri` with `a.attributes`; returns one Uint8Array per message. */
export function packAnnouncements(a: Announcement, ctx: CodecContext): Uint8Array[] {
  if (a.nlri.length === 0) return [];
  checkShared(a.attributes);
  return splitMessages(announce(a, a.family, encodeList(a.nlri, a.family, ctx.addPathSend.includes(a.family)), ctx));
}

/** UPDATEs withdrawing `nlri` of one family. */
export function packWithdrawals(family: Family, nlri: readonly Nlri[], ctx: CodecContext): Uint8Array[] {
  if (nlri.length === 0) return [];
  return splitMessages(assembleWithdrawals(encodeList(nlri, family, ctx.addPathSend.includes(family)), family, ctx));
}

/** UPDATEs announcing rows of typed prefixes, back to back in one buffer. */
export function packAnnouncementRows(a: RowsAnnouncement, rows: NlriRows, ctx: CodecContext): PackedUpdates {
  if (rows.count === 0) return { bytes: new Uint8Array(0), messages: 0 };
  return announce(a, rows.family, encodeRows(rows, ctx.addPathSend.includes(rows.family)), ctx);
}

/** UPDATEs withdrawing rows of typed prefixes, back to back in one buffer. */
export function packWithdrawalRows(rows: NlriRows, ctx: CodecContext): PackedUpdates {
  if (rows.count === 0) return { bytes: new Uint8Array(0), messages: 0 };
  return assembleWithdrawals(encodeRows(rows, ctx.addPathSend.includes(rows.family)), rows.family, ctx);
}
