import { describe } from 'vitest';
import { bytes, fixtureTests, MARKER } from './fixture.js';

describe('ROUTE-REFRESH', () => {
  fixtureTests({
    name: 'normal request for IPv4 unicast (RFC 2918 3)',
    bytes: bytes(
      MARKER,
      0x00, 0x17, // length 23: header 19 + AFI 2 + subtype 1 + SAFI 1
      0x05, // type 5 ROUTE-REFRESH
      0x00, 0x01, // AFI 1 (IPv4)
      0x00, // subtype 0 (normal request; the reserved octet of RFC 2918)
      0x01, // SAFI 1 (unicast)
    ),
    message: { type: 'route-refresh', afi: 1, safi: 1, subtype: 'normal' },
  });

  fixtureTests({
    name: 'normal request for IPv6 unicast',
    bytes: bytes(
      MARKER,
      0x00, 0x17, // length 23
      0x05, // type 5 ROUTE-REFRESH
      0x00, 0x02, // AFI 2 (IPv6)
      0x00, // subtype 0 (normal request)
      0x01, // SAFI 1 (unicast)
    ),
    message: { type: 'route-refresh', afi: 2, safi: 1, subtype: 'normal' },
  });

  fixtureTests({
    name: 'Beginning of Route Refresh (BoRR) for IPv4 unicast (RFC 7313 3)',
    bytes: bytes(
      MARKER,
      0x00, 0x17, // length 23
      0x05, // type 5 ROUTE-REFRESH
      0x00, 0x01, // AFI 1 (IPv4)
      0x01, // subtype 1 (BoRR)
      0x01, // SAFI 1 (unicast)
    ),
    message: { type: 'route-refresh', afi: 1, safi: 1, subtype: 'begin-of-rib' },
  });

  fixtureTests({
    name: 'End of Route Refresh (EoRR) for IPv6 unicast (RFC 7313 3)',
    bytes: bytes(
      MARKER,
      0x00, 0x17, // length 23
      0x05, // type 5 ROUTE-REFRESH
      0x00, 0x02, // AFI 2 (IPv6)
      0x02, // subtype 2 (EoRR)
      0x01, // SAFI 1 (unicast)
    ),
    message: { type: 'route-refresh', afi: 2, safi: 1, subtype: 'end-of-rib' },
  });

  fixtureTests({
    name: 'reserved subtype 3 decodes as reserved, to be ignored (RFC 7313 4)',
    bytes: bytes(
      MARKER,
      0x00, 0x17, // length 23
      0x05, // type 5 ROUTE-REFRESH
      0x00, 0x01, // AFI 1 (IPv4)
      0x03, // subtype 3 (reserved)
      0x01, // SAFI 1 (unicast)
    ),
    message: { type: 'route-refresh', afi: 1, safi: 1, subtype: 'reserved', reservedSubtype: 3 },
  });

  fixtureTests({
    name: 'reserved subtype 255 decodes as reserved (RFC 7313 3: 255 is reserved)',
    bytes: bytes(
      MARKER,
      0x00, 0x17, // length 23
      0x05, // type 5 ROUTE-REFRESH
      0x00, 0x02, // AFI 2 (IPv6)
      0xff, // subtype 255 (reserved)
      0x01, // SAFI 1 (unicast)
    ),
    message: { type: 'route-refresh', afi: 2, safi: 1, subtype: 'reserved', reservedSubtype: 255 },
  });

  fixtureTests({
    name: 'normal request followed by an ORF entry (RFC 5291 4): the ORF octets are ignored',
    decodeOnly: true, // we never negotiate ORF, so never write one
    bytes: bytes(
      MARKER,
      0x00, 0x26, // length 38: 23 + ORF part 15
      0x05, // type 5 ROUTE-REFRESH
      0x00, 0x01, // AFI 1 (IPv4)
      0x00, // subtype 0 (normal request)
      0x01, // SAFI 1 (unicast)
      0x01, // When-to-refresh 1 (IMMEDIATE)
      0x40, // ORF type 64 (Address Prefix ORF, RFC 5292)
      0x00, 0x0b, // length of ORF entries 11
      0x00, // action ADD, match PERMIT
      0x00, 0x00, 0x00, 0x0a, // sequence 10
      0x18, // minlen 24
      0x20, // maxlen 32
      0x18, 0xcb, 0x00, 0x71, // prefix 203.0.113.0/24
    ),
    message: { type: 'route-refresh', afi: 1, safi: 1, subtype: 'normal' },
  });
});
