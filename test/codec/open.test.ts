import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTEXT, decodeMessage, encodeMessage, type OpenMessage } from '../../src/codec/index.js';
import { bytes, fixtureTests, H, MARKER } from './fixture.js';

/** The octets of printable ASCII text, for names inside fixtures (refuses anything else). */
function ascii(text: string): number[] {
  return [...text].map((c) => {
    const v = c.charCodeAt(0);
    if (v < 0x20 || v > 0x7e) throw new Error(`not printable ASCII: ${JSON.stringify(c)}`);
    return v;
  });
}

describe('OPEN', () => {
  fixtureTests({
    name: 'ADD-PATH with send/receive 0 (FRR, receive turned off) and 4 (unknown): those families offer nothing',
    decodeOnly: true, // the entries we ignore are not written back
    bytes: bytes(
      MARKER,
      0x00, 0x2d, // length 45
      0x01, // type 1 OPEN
      0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
      0x10, // optional parameters length 16
      0x02, 0x0e, // parameter type 2 (capabilities), length 14
      0x45, 0x0c, // capability 69 (ADD-PATH), length 12
      0x00, 0x01, 0x01, 0x00, // AFI 1, SAFI 1, send/receive 0: neither way
      0x00, 0x02, 0x01, 0x04, // AFI 2, SAFI 1, send/receive 4: not defined
      0x00, 0x02, 0x01, 0x03, // AFI 2, SAFI 1, send/receive 3: both
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65001,
      holdTime: 180,
      bgpId: '198.51.100.1',
      capabilities: [{ type: 'add-path', families: [{ afi: 2, safi: 1, direction: 'both' }] }],
    },
  });

  fixtureTests({
    name: 'OPEN as BIRD 2 sends it (IPv4 + IPv6, 4-octet AS, ADD-PATH, route refresh)',
    bytes: bytes(
      MARKER,
      0x00, 0x3b, // length 59
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xe9, // My AS 65001
      0x00, 0xf0, // hold time 240
      0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
      0x1e, // optional parameters length 30
      0x02, 0x1c, // parameter type 2 (capabilities), length 28
      0x01, 0x04, 0x00, 0x01, 0x00, 0x01, // multiprotocol: AFI 1 (IPv4), reserved, SAFI 1 (unicast)
      0x01, 0x04, 0x00, 0x02, 0x00, 0x01, // multiprotocol: AFI 2 (IPv6), reserved, SAFI 1
      0x02, 0x00, // route refresh
      0x46, 0x00, // enhanced route refresh
      0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9, // 4-octet AS: 65001
      0x45, 0x04, 0x00, 0x01, 0x01, 0x01, // ADD-PATH: AFI 1, SAFI 1, receive
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65001,
      holdTime: 240,
      bgpId: '198.51.100.1',
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'multiprotocol', afi: 2, safi: 1 },
        { type: 'route-refresh' },
        { type: 'enhanced-route-refresh' },
        { type: 'four-octet-as', asn: 65001 },
        { type: 'add-path', families: [{ afi: 1, safi: 1, direction: 'receive' }] },
      ],
    },
  });

  fixtureTests({
    name: 'OPEN without optional parameters (plain RFC 4271 speaker)',
    bytes: bytes(
      MARKER,
      0x00, 0x1d, // length 29: header 19 + fixed fields 10
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x00, // optional parameters length 0
    ),
    message: { type: 'open', version: 4, myAs: 65002, holdTime: 90, bgpId: '192.0.2.1', capabilities: [] },
  });

  fixtureTests({
    name: 'OPEN with hold time 0 (no KEEPALIVEs, RFC 4271 4.4)',
    bytes: bytes(
      MARKER,
      0x00, 0x1d, // length 29
      0x01, // type 1 OPEN
      0x04, // version 4
      0xff, 0xfe, // My AS 65534
      0x00, 0x00, // hold time 0
      0xcb, 0x00, 0x71, 0xfe, // BGP identifier 203.0.113.254
      0x00, // optional parameters length 0
    ),
    message: { type: 'open', version: 4, myAs: 65534, holdTime: 0, bgpId: '203.0.113.254', capabilities: [] },
  });

  fixtureTests({
    name: 'OPEN with multiprotocol IPv4 unicast and IPv6 unicast (RFC 4760 8)',
    bytes: bytes(
      MARKER,
      0x00, 0x2b, // length 43: 29 + optional parameters 14
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x0e, // optional parameters length 14
      0x02, 0x0c, // parameter type 2 (capabilities), length 12
      0x01, 0x04, 0x00, 0x01, 0x00, 0x01, // multiprotocol, length 4: AFI 1 (IPv4), reserved 0, SAFI 1 (unicast)
      0x01, 0x04, 0x00, 0x02, 0x00, 0x01, // multiprotocol, length 4: AFI 2 (IPv6), reserved 0, SAFI 1 (unicast)
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'multiprotocol', afi: 2, safi: 1 },
      ],
    },
  });

  fixtureTests({
    name: 'OPEN with route refresh (RFC 2918 2)',
    bytes: bytes(
      MARKER,
      0x00, 0x21, // length 33: 29 + optional parameters 4
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x04, // optional parameters length 4
      0x02, 0x02, // parameter type 2 (capabilities), length 2
      0x02, 0x00, // capability 2 (route refresh), length 0
    ),
    message: { type: 'open', version: 4, myAs: 65002, holdTime: 90, bgpId: '192.0.2.1', capabilities: [{ type: 'route-refresh' }] },
  });

  fixtureTests({
    name: 'OPEN with enhanced route refresh (RFC 7313 6)',
    bytes: bytes(
      MARKER,
      0x00, 0x21, // length 33: 29 + optional parameters 4
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x04, // optional parameters length 4
      0x02, 0x02, // parameter type 2 (capabilities), length 2
      0x46, 0x00, // capability 70 (enhanced route refresh), length 0
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [{ type: 'enhanced-route-refresh' }],
    },
  });

  fixtureTests({
    name: 'OPEN with extended message (RFC 8654 3)',
    bytes: bytes(
      MARKER,
      0x00, 0x21, // length 33: 29 + optional parameters 4
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x04, // optional parameters length 4
      0x02, 0x02, // parameter type 2 (capabilities), length 2
      0x06, 0x00, // capability 6 (extended message), length 0
    ),
    message: { type: 'open', version: 4, myAs: 65002, holdTime: 90, bgpId: '192.0.2.1', capabilities: [{ type: 'extended-message' }] },
  });

  fixtureTests({
    name: 'OPEN with 4-octet AS capability for a 2-octet AS (RFC 6793 4.1)',
    bytes: bytes(
      MARKER,
      0x00, 0x25, // length 37: 29 + optional parameters 8
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x08, // optional parameters length 8
      0x02, 0x06, // parameter type 2 (capabilities), length 6
      0x41, 0x04, 0x00, 0x00, 0xfd, 0xea, // capability 65 (4-octet AS), length 4: AS 65002
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [{ type: 'four-octet-as', asn: 65002 }],
    },
  });

  fixtureTests({
    name: 'OPEN from AS 4200000001: My AS is AS_TRANS 23456 (RFC 6793 4.1)',
    bytes: bytes(
      MARKER,
      0x00, 0x25, // length 37: 29 + optional parameters 8
      0x01, // type 1 OPEN
      0x04, // version 4
      0x5b, 0xa0, // My AS 23456 (AS_TRANS)
      0x00, 0xb4, // hold time 180
      0xc6, 0x33, 0x64, 0x02, // BGP identifier 198.51.100.2
      0x08, // optional parameters length 8
      0x02, 0x06, // parameter type 2 (capabilities), length 6
      0x41, 0x04, 0xfa, 0x56, 0xea, 0x01, // capability 65 (4-octet AS), length 4: AS 4200000001 (0xfa56ea01)
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 23456,
      holdTime: 180,
      bgpId: '198.51.100.2',
      capabilities: [{ type: 'four-octet-as', asn: 4200000001 }],
    },
  });

  fixtureTests({
    name: 'OPEN with ADD-PATH receive for IPv4 and send for IPv6 (RFC 7911 4)',
    bytes: bytes(
      MARKER,
      0x00, 0x29, // length 41: 29 + optional parameters 12
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x0c, // optional parameters length 12
      0x02, 0x0a, // parameter type 2 (capabilities), length 10
      0x45, 0x08, // capability 69 (ADD-PATH), length 8: two families
      0x00, 0x01, 0x01, 0x01, // AFI 1 (IPv4), SAFI 1 (unicast), Send/Receive 1 (receive)
      0x00, 0x02, 0x01, 0x02, // AFI 2 (IPv6), SAFI 1 (unicast), Send/Receive 2 (send)
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [
        {
          type: 'add-path',
          families: [
            { afi: 1, safi: 1, direction: 'receive' },
            { afi: 2, safi: 1, direction: 'send' },
          ],
        },
      ],
    },
  });

  fixtureTests({
    name: 'OPEN with ADD-PATH both directions for IPv4 and IPv6 (RFC 7911 4)',
    bytes: bytes(
      MARKER,
      0x00, 0x29, // length 41: 29 + optional parameters 12
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x0c, // optional parameters length 12
      0x02, 0x0a, // parameter type 2 (capabilities), length 10
      0x45, 0x08, // capability 69 (ADD-PATH), length 8: two families
      0x00, 0x01, 0x01, 0x03, // AFI 1 (IPv4), SAFI 1 (unicast), Send/Receive 3 (both)
      0x00, 0x02, 0x01, 0x03, // AFI 2 (IPv6), SAFI 1 (unicast), Send/Receive 3 (both)
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [
        {
          type: 'add-path',
          families: [
            { afi: 1, safi: 1, direction: 'both' },
            { afi: 2, safi: 1, direction: 'both' },
          ],
        },
      ],
    },
  });

  fixtureTests({
    name: 'OPEN with graceful restart: R and N flags, IPv4 forwarding preserved, IPv6 not (RFC 4724 3, RFC 8538 2)',
    bytes: bytes(
      MARKER,
      0x00, 0x2b, // length 43: 29 + optional parameters 14
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x0e, // optional parameters length 14
      0x02, 0x0c, // parameter type 2 (capabilities), length 12
      0x40, 0x0a, // capability 64 (graceful restart), length 10
      0xc0, 0x78, // restart flags 0b1100 (R = restarted, N = notification), restart time 0x078 = 120 s
      0x00, 0x01, 0x01, 0x80, // AFI 1 (IPv4), SAFI 1, flags 0x80 (forwarding state preserved)
      0x00, 0x02, 0x01, 0x00, // AFI 2 (IPv6), SAFI 1, flags 0x00 (forwarding state not preserved)
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [
        {
          type: 'graceful-restart',
          restarting: true,
          notification: true,
          restartTime: 120,
          families: [
            { afi: 1, safi: 1, forwardingPreserved: true },
            { afi: 2, safi: 1, forwardingPreserved: false },
          ],
        },
      ],
    },
  });

  fixtureTests({
    name: 'OPEN with graceful restart: N flag only, maximum restart time 4095, no families (helper only)',
    bytes: bytes(
      MARKER,
      0x00, 0x23, // length 35: 29 + optional parameters 6
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x06, // optional parameters length 6
      0x02, 0x04, // parameter type 2 (capabilities), length 4
      0x40, 0x02, // capability 64 (graceful restart), length 2
      0x4f, 0xff, // restart flags 0b0100 (N only), restart time 0xfff = 4095 s
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [{ type: 'graceful-restart', restarting: false, notification: true, restartTime: 4095, families: [] }],
    },
  });

  fixtureTests({
    name: 'OPEN with graceful restart: R flag only, restart time 300, IPv6 forwarding preserved',
    bytes: bytes(
      MARKER,
      0x00, 0x27, // length 39: 29 + optional parameters 10
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x0a, // optional parameters length 10
      0x02, 0x08, // parameter type 2 (capabilities), length 8
      0x40, 0x06, // capability 64 (graceful restart), length 6
      0x81, 0x2c, // restart flags 0b1000 (R only), restart time 0x12c = 300 s
      0x00, 0x02, 0x01, 0x80, // AFI 2 (IPv6), SAFI 1, flags 0x80 (forwarding state preserved)
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [
        {
          type: 'graceful-restart',
          restarting: true,
          notification: false,
          restartTime: 300,
          families: [{ afi: 2, safi: 1, forwardingPreserved: true }],
        },
      ],
    },
  });

  fixtureTests({
    name: 'OPEN with FQDN capability: hostname and domain (draft-walton-bgp-hostname-capability)',
    bytes: bytes(
      MARKER,
      0x00, 0x34, // length 52: 29 + optional parameters 23
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x17, // optional parameters length 23
      0x02, 0x15, // parameter type 2 (capabilities), length 21
      0x49, 0x13, // capability 73 (FQDN), length 19
      0x06, ascii('node-1'), // hostname length 6, "node-1"
      0x0b, ascii('example.com'), // domain name length 11, "example.com"
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [{ type: 'fqdn', hostname: 'node-1', domain: 'example.com' }],
    },
  });

  fixtureTests({
    name: 'OPEN with FQDN capability: hostname and empty domain (as FRR sends it)',
    bytes: bytes(
      MARKER,
      0x00, 0x25, // length 37: 29 + optional parameters 8
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x08, // optional parameters length 8
      0x02, 0x06, // parameter type 2 (capabilities), length 6
      0x49, 0x04, // capability 73 (FQDN), length 4
      0x02, ascii('r1'), // hostname length 2, "r1"
      0x00, // domain name length 0
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [{ type: 'fqdn', hostname: 'r1', domain: '' }],
    },
  });

  fixtureTests({
    name: 'OPEN with unknown capabilities kept raw as hex (RFC 5492 5: ignored, not refused)',
    bytes: bytes(
      MARKER,
      0x00, 0x2d, // length 45: 29 + optional parameters 16
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x10, // optional parameters length 16
      0x02, 0x0e, // parameter type 2 (capabilities), length 14
      0x80, 0x00, // capability 128 (Cisco's pre-standard route refresh, private use), length 0
      0x09, 0x01, 0x03, // capability 9 (BGP role, RFC 9234), length 1: role 3 (customer)
      0x47, 0x07, // capability 71 (long-lived graceful restart), length 7
      0x00, 0x01, 0x01, 0x80, 0x00, 0x0e, 0x10, // AFI 1, SAFI 1, flags 0x80, long-lived stale time 3600 s
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [
        { type: 'unknown', code: 128, data: H('') },
        { type: 'unknown', code: 9, data: H('03') },
        { type: 'unknown', code: 71, data: H('00010180000e10') },
      ],
    },
  });

  fixtureTests({
    name: 'OPEN with one capability per Capabilities parameter (RFC 5492 4: several parameters allowed)',
    decodeOnly: true, // we write every capability into one parameter
    bytes: bytes(
      MARKER,
      0x00, 0x33, // length 51: 29 + optional parameters 22
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0x16, // optional parameters length 22 = 8 + 4 + 10
      0x02, 0x06, // parameter type 2 (capabilities), length 6
      0x01, 0x04, 0x00, 0x01, 0x00, 0x01, // multiprotocol: AFI 1 (IPv4), reserved, SAFI 1 (unicast)
      0x02, 0x02, // parameter type 2 (capabilities), length 2
      0x02, 0x00, // route refresh, length 0
      0x02, 0x08, // parameter type 2 (capabilities), length 8
      0x41, 0x04, 0x00, 0x00, 0xfd, 0xea, // 4-octet AS, length 4: AS 65002
      0x06, 0x00, // extended message, length 0
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'route-refresh' },
        { type: 'four-octet-as', asn: 65002 },
        { type: 'extended-message' },
      ],
    },
  });

  fixtureTests({
    name: 'OPEN with RFC 9072 extended optional parameters length',
    bytes: bytes(
      MARKER,
      0x00, 0x2f, // length 47: 19 + fixed fields 9 + 0xff + 0xff + 2-octet length + parameters 15
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0xff, // Non-Ext OP Len 255: look at the next octet
      0xff, // Non-Ext OP Type 255: the extended encoding (RFC 9072 2)
      0x00, 0x0f, // Extended Opt. Parm. Length 15
      0x02, 0x00, 0x0c, // parameter type 2 (capabilities), 2-octet length 12
      0x01, 0x04, 0x00, 0x01, 0x00, 0x01, // multiprotocol: AFI 1 (IPv4), reserved, SAFI 1 (unicast)
      0x41, 0x04, 0x00, 0x00, 0xfd, 0xea, // 4-octet AS, length 4: AS 65002
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'four-octet-as', asn: 65002 },
      ],
      extendedParameters: true,
    },
  });

  fixtureTests({
    name: 'OPEN whose capabilities exceed 255 octets takes the RFC 9072 encoding',
    bytes: bytes(
      MARKER,
      0x01, 0x5f, // length 351: 19 + fixed fields 9 + 0xff + 0xff + 2-octet length + parameters 319
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0xff, // Non-Ext OP Len 255
      0xff, // Non-Ext OP Type 255: extended encoding
      0x01, 0x3f, // Extended Opt. Parm. Length 319 = 3 + 316
      0x02, 0x01, 0x3c, // parameter type 2 (capabilities), 2-octet length 316 = 6 + 155 + 155
      0x01, 0x04, 0x00, 0x01, 0x00, 0x01, // multiprotocol: AFI 1 (IPv4), reserved, SAFI 1 (unicast)
      0xc8, 0x99, new Array<number>(153).fill(0x5a), // capability 200 (private use), length 153, 153 x 0x5a
      0xc9, 0x99, new Array<number>(153).fill(0xa5), // capability 201 (private use), length 153, 153 x 0xa5
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'unknown', code: 200, data: new Uint8Array(153).fill(0x5a) },
        { type: 'unknown', code: 201, data: new Uint8Array(153).fill(0xa5) },
      ],
      extendedParameters: true,
    },
  });

  fixtureTests({
    name: 'OPEN with optional parameters of exactly 255 octets keeps the 1-octet length (RFC 9072 2)',
    bytes: bytes(
      MARKER,
      0x01, 0x1c, // length 284: 29 + optional parameters 255
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0xff, // optional parameters length 255: not extended, since the next octet is 2, not 255
      0x02, 0xfd, // parameter type 2 (capabilities), length 253 = 6 + 247
      0x01, 0x04, 0x00, 0x01, 0x00, 0x01, // multiprotocol: AFI 1 (IPv4), reserved, SAFI 1 (unicast)
      0xc8, 0xf5, new Array<number>(245).fill(0x5a), // capability 200 (private use), length 245, 245 x 0x5a
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'unknown', code: 200, data: new Uint8Array(245).fill(0x5a) },
      ],
    },
  });

  fixtureTests({
    name: 'OPEN with capabilities of 254 octets (parameters would be 256) takes the RFC 9072 encoding',
    bytes: bytes(
      MARKER,
      0x01, 0x21, // length 289: 19 + fixed fields 9 + 0xff + 0xff + 2-octet length + parameters 257
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xea, // My AS 65002
      0x00, 0x5a, // hold time 90
      0xc0, 0x00, 0x02, 0x01, // BGP identifier 192.0.2.1
      0xff, // Non-Ext OP Len 255
      0xff, // Non-Ext OP Type 255: extended encoding
      0x01, 0x01, // Extended Opt. Parm. Length 257 = 3 + 254
      0x02, 0x00, 0xfe, // parameter type 2 (capabilities), 2-octet length 254 = 6 + 248
      0x01, 0x04, 0x00, 0x01, 0x00, 0x01, // multiprotocol: AFI 1 (IPv4), reserved, SAFI 1 (unicast)
      0xc8, 0xf6, new Array<number>(246).fill(0x5a), // capability 200 (private use), length 246, 246 x 0x5a
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'unknown', code: 200, data: new Uint8Array(246).fill(0x5a) },
      ],
      extendedParameters: true,
    },
  });

  fixtureTests({
    name: 'OPEN as announcer sends it to an ADD-PATH router (every capability we negotiate)',
    bytes: bytes(
      MARKER,
      0x00, 0x45, // length 69: 29 + optional parameters 40
      0x01, // type 1 OPEN
      0x04, // version 4
      0x5b, 0xa0, // My AS 23456 (AS_TRANS: the real AS is in the 4-octet AS capability)
      0x00, 0x5a, // hold time 90
      0xc6, 0x33, 0x64, 0x02, // BGP identifier 198.51.100.2
      0x28, // optional parameters length 40
      0x02, 0x26, // parameter type 2 (capabilities), length 38
      0x01, 0x04, 0x00, 0x01, 0x00, 0x01, // multiprotocol: IPv4 unicast
      0x01, 0x04, 0x00, 0x02, 0x00, 0x01, // multiprotocol: IPv6 unicast
      0x02, 0x00, // route refresh
      0x46, 0x00, // enhanced route refresh
      0x06, 0x00, // extended message
      0x41, 0x04, 0xfa, 0x56, 0xea, 0x00, // 4-octet AS: 4200000000
      0x45, 0x08, 0x00, 0x01, 0x01, 0x02, 0x00, 0x02, 0x01, 0x02, // ADD-PATH, length 8: IPv4 send, IPv6 send
      0x40, 0x02, 0x40, 0x78, // graceful restart, length 2: flags N, restart time 120, no families
    ),
    message: {
      type: 'open',
      version: 4,
      myAs: 23456,
      holdTime: 90,
      bgpId: '198.51.100.2',
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'multiprotocol', afi: 2, safi: 1 },
        { type: 'route-refresh' },
        { type: 'enhanced-route-refresh' },
        { type: 'extended-message' },
        { type: 'four-octet-as', asn: 4200000000 },
        {
          type: 'add-path',
          families: [
            { afi: 1, safi: 1, direction: 'send' },
            { afi: 2, safi: 1, direction: 'send' },
          ],
        },
        { type: 'graceful-restart', restarting: false, notification: true, restartTime: 120, families: [] },
      ],
    },
  });
});

describe('OPEN: unknown capability data is a copy of the received octets', () => {
  it('a plain Uint8Array that the next frame in the receive buffer cannot change', () => {
    const m: OpenMessage = {
      type: 'open',
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: '192.0.2.1',
      capabilities: [{ type: 'unknown', code: 71, data: H('00010180000e10') }],
    };
    const frame = Buffer.from(encodeMessage(m, DEFAULT_CONTEXT)); // the socket hands us Buffers, and reuses them
    const decoded = decodeMessage(frame, DEFAULT_CONTEXT) as OpenMessage;
    frame.fill(0xee);
    expect(decoded).toEqual(m);
    const cap = decoded.capabilities[0]!;
    expect(cap.type === 'unknown' && Object.getPrototypeOf(cap.data)).toBe(Uint8Array.prototype);
  });
});
