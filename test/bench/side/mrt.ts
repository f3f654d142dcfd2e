// An MRT TABLE_DUMP_V2 file (RFC 6396 4.3) holding the bench's N /32s, for
// `gobgp mrt inject global FILE`: the fastest way into gobgpd's global RIB (one gRPC stream,
// instead of one `gobgp global rib add` process per prefix).
//
// The one peer in the PEER_INDEX_TABLE has AS 0: gobgp sets a path's source AS from it, and a path
// without a source AS is a locally originated one, which gobgpd announces like `global rib add`.
//
// gobgp 3.10's inject returns right after its last gRPC Send, without waiting for the server, and
// the paths still in its send buffers are lost (the last 0 to ~800 here, varying run to run). So the file ends with
// padding: IPv6 /128s of 2001:db8::/32 that the IPv4-only session never carries; losing some of
// them loses nothing we measure, and the bench checks that all N IPv4 paths arrived.

import { writeFileSync } from 'node:fs';
import { hostAddress } from './prefixes.js';

const TABLE_DUMP_V2 = 13;
const PEER_INDEX_TABLE = 1;
const RIB_IPV4_UNICAST = 2;
const RIB_IPV6_UNICAST = 4;
const COMMON_HEADER = 12; // timestamp, type, subtype, length
const PEER_TYPE_AS4 = 0x02; // IPv4 peer address, 4-octet AS

// Attributes of every entry: ORIGIN IGP, an empty AS_PATH (gobgpd prepends its AS towards an eBGP
// peer), NEXT_HOP. Flags 0x40: well-known transitive.
const ATTRS_LENGTH = 4 + 3 + 7;
// sequence, prefix length, 4 prefix octets, entry count | peer index, originated time, attribute length
const RIB_BODY = 4 + 1 + 4 + 2 + (2 + 4 + 2 + ATTRS_LENGTH);
// Padding: ORIGIN, AS_PATH, and a whole MP_REACH_NLRI (AFI, SAFI, next hop, reserved, NLRI): gobgp
// 3.10 does not read the abbreviated next-hop-only form RFC 6396 4.3.4 specifies.
const MP_REACH_LENGTH = 2 + 1 + 1 + 16 + 1 + (1 + 16);
const ATTRS6_LENGTH = 4 + 3 + (3 + MP_REACH_LENGTH);
const RIB6_BODY = 4 + 1 + 16 + 2 + (2 + 4 + 2 + ATTRS6_LENGTH);

/** How many padding records follow the N paths. */
export function mrtPadding(n: number): number {
  return Math.max(5_000, Math.ceil(n / 20));
}

export function writeMrtTableDump(file: string, n: number, nextHop: string, collectorId: string): void {
  const now = Math.floor(Date.now() / 1000);
  const ipv4 = (text: string): number => text.split('.').reduce((a, p) => a * 256 + Number(p), 0);
  const peerIndexBody = 4 + 2 + 2 + (1 + 4 + 4 + 4);
  const padding = mrtPadding(n);
  const buf = Buffer.alloc(
    COMMON_HEADER + peerIndexBody + n * (COMMON_HEADER + RIB_BODY) + padding * (COMMON_HEADER + RIB6_BODY),
  );
  let at = 0;
  const header = (subtype: number, length: number): void => {
    at = buf.writeUInt32BE(now, at);
    at = buf.writeUInt16BE(TABLE_DUMP_V2, at);
    at = buf.writeUInt16BE(subtype, at);
    at = buf.writeUInt32BE(length, at);
  };

  header(PEER_INDEX_TABLE, peerIndexBody);
  at = buf.writeUInt32BE(ipv4(collectorId), at);
  at = buf.writeUInt16BE(0, at); // no view name
  at = buf.writeUInt16BE(1, at); // one peer:
  at = buf.writeUInt8(PEER_TYPE_AS4, at);
  at = buf.writeUInt32BE(0, at); // BGP ID 0.0.0.0
  at = buf.writeUInt32BE(0, at); // address 0.0.0.0
  at = buf.writeUInt32BE(0, at); // AS 0: "ours"

  const hop = ipv4(nextHop);
  /** One RIB entry's head, then the attributes every entry starts with: ORIGIN IGP, an empty AS_PATH. */
  const entryHead = (attrsLength: number): void => {
    at = buf.writeUInt16BE(1, at); // one entry:
    at = buf.writeUInt16BE(0, at); // peer index
    at = buf.writeUInt32BE(now, at);
    at = buf.writeUInt16BE(attrsLength, at);
    at = buf.writeUInt8(0x40, at); // ORIGIN IGP
    at = buf.writeUInt8(1, at);
    at = buf.writeUInt8(1, at);
    at = buf.writeUInt8(0, at);
    at = buf.writeUInt8(0x40, at); // AS_PATH, empty
    at = buf.writeUInt8(2, at);
    at = buf.writeUInt8(0, at);
  };

  for (let i = 0; i < n; i++) {
    header(RIB_IPV4_UNICAST, RIB_BODY);
    at = buf.writeUInt32BE(i, at); // sequence number
    at = buf.writeUInt8(32, at);
    at = buf.writeUInt32BE(hostAddress(i, n), at);
    entryHead(ATTRS_LENGTH);
    at = buf.writeUInt8(0x40, at); // NEXT_HOP
    at = buf.writeUInt8(3, at);
    at = buf.writeUInt8(4, at);
    at = buf.writeUInt32BE(hop, at);
  }

  for (let i = 0; i < padding; i++) {
    header(RIB_IPV6_UNICAST, RIB6_BODY);
    at = buf.writeUInt32BE(n + i, at);
    at = buf.writeUInt8(128, at);
    at = buf.writeUInt32BE(0x20010db8, at); // 2001:db8:ffff::<i>
    at = buf.writeUInt32BE(0xffff0000, at);
    at = buf.writeUInt32BE(0, at);
    at = buf.writeUInt32BE(i, at);
    entryHead(ATTRS6_LENGTH);
    at = buf.writeUInt8(0x80, at); // MP_REACH_NLRI (optional)
    at = buf.writeUInt8(14, at);
    at = buf.writeUInt8(MP_REACH_LENGTH, at);
    at = buf.writeUInt16BE(2, at); // AFI IPv6
    at = buf.writeUInt8(1, at); // SAFI unicast
    at = buf.writeUInt8(16, at); // next hop 2001:db8::1
    at = buf.writeUInt32BE(0x20010db8, at);
    at = buf.writeUInt32BE(0, at);
    at = buf.writeUInt32BE(0, at);
    at = buf.writeUInt32BE(1, at);
    at = buf.writeUInt8(0, at); // reserved
    at = buf.writeUInt8(128, at); // the prefix again
    at = buf.writeUInt32BE(0x20010db8, at);
    at = buf.writeUInt32BE(0xffff0000, at);
    at = buf.writeUInt32BE(0, at);
    at = buf.writeUInt32BE(i, at);
  }
  if (at !== buf.length) throw new Error(`MRT writer: wrote ${at} of ${buf.length} octets`);
  writeFileSync(file, buf);
}
