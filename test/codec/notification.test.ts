import { describe } from 'vitest';
import { fromHex } from '../../src/codec/index.js';
import { bytes, fixtureTests, MARKER } from './fixture.js';

/** Hex to octets: the NOTIFICATION data field of a fixture. */
const h = (hex: string): Uint8Array => fromHex(hex)!;

/** The octets of printable ASCII text, for shutdown communications inside fixtures. */
function ascii(text: string): number[] {
  return [...text].map((c) => {
    const v = c.charCodeAt(0);
    if (v < 0x20 || v > 0x7e) throw new Error(`not printable ASCII: ${JSON.stringify(c)}`);
    return v;
  });
}

describe('NOTIFICATION', () => {
  fixtureTests({
    name: 'Hold Timer Expired, no data',
    bytes: bytes(
      MARKER,
      0x00, 0x15, // length 21: header 19 + code + subcode
      0x03, // type 3 NOTIFICATION
      0x04, // error code 4 (Hold Timer Expired)
      0x00, // subcode 0 (unspecific)
    ),
    message: { type: 'notification', code: 4, subcode: 0, data: h('') },
  });

  fixtureTests({
    name: 'OPEN Message Error / Unsupported Version Number, data = largest supported version',
    bytes: bytes(
      MARKER,
      0x00, 0x17, // length 23: 21 + data 2
      0x03, // type 3 NOTIFICATION
      0x02, // error code 2 (OPEN Message Error)
      0x01, // subcode 1 (Unsupported Version Number)
      0x00, 0x04, // data: version 4 (RFC 4271 6.2)
    ),
    message: { type: 'notification', code: 2, subcode: 1, data: h('0004') },
  });

  fixtureTests({
    name: 'OPEN Message Error / Bad Peer AS, data = the My AS field',
    bytes: bytes(
      MARKER,
      0x00, 0x17, // length 23: 21 + data 2
      0x03, // type 3 NOTIFICATION
      0x02, // error code 2 (OPEN Message Error)
      0x02, // subcode 2 (Bad Peer AS)
      0xfd, 0xe9, // data: My AS 65001
    ),
    message: { type: 'notification', code: 2, subcode: 2, data: h('fde9') },
  });

  fixtureTests({
    name: 'UPDATE Message Error / Attribute Flags Error, data = the erroneous attribute',
    bytes: bytes(
      MARKER,
      0x00, 0x19, // length 25: 21 + data 4
      0x03, // type 3 NOTIFICATION
      0x03, // error code 3 (UPDATE Message Error)
      0x04, // subcode 4 (Attribute Flags Error)
      0x80, 0x01, 0x01, 0x00, // data: ORIGIN with flags 0x80 (optional), type 1, length 1, IGP (RFC 4271 6.3)
    ),
    message: { type: 'notification', code: 3, subcode: 4, data: h('80010100') },
  });

  fixtureTests({
    name: 'Cease / Maximum Number of Prefixes Reached, data = AFI, SAFI, upper bound (RFC 4486 4)',
    bytes: bytes(
      MARKER,
      0x00, 0x1c, // length 28: 21 + data 7
      0x03, // type 3 NOTIFICATION
      0x06, // error code 6 (Cease)
      0x01, // subcode 1 (Maximum Number of Prefixes Reached)
      0x00, 0x01, // AFI 1 (IPv4)
      0x01, // SAFI 1 (unicast)
      0x00, 0x00, 0x03, 0xe8, // prefix upper bound 1000
    ),
    message: { type: 'notification', code: 6, subcode: 1, data: h('000101000003e8') },
  });

  fixtureTests({
    name: 'Cease / Administrative Shutdown without a shutdown communication',
    bytes: bytes(
      MARKER,
      0x00, 0x15, // length 21: no data
      0x03, // type 3 NOTIFICATION
      0x06, // error code 6 (Cease)
      0x02, // subcode 2 (Administrative Shutdown)
    ),
    message: { type: 'notification', code: 6, subcode: 2, data: h('') },
  });

  fixtureTests({
    name: 'Cease / Administrative Shutdown with a zero-length shutdown communication (RFC 9003 2)',
    bytes: bytes(
      MARKER,
      0x00, 0x16, // length 22: 21 + data 1
      0x03, // type 3 NOTIFICATION
      0x06, // error code 6 (Cease)
      0x02, // subcode 2 (Administrative Shutdown)
      0x00, // shutdown communication length 0: no message follows
    ),
    message: { type: 'notification', code: 6, subcode: 2, data: h('00') },
  });

  fixtureTests({
    name: 'Cease / Administrative Shutdown with an ASCII shutdown communication (RFC 8203 2)',
    bytes: bytes(
      MARKER,
      0x00, 0x34, // length 52: 21 + length octet 1 + message 30
      0x03, // type 3 NOTIFICATION
      0x06, // error code 6 (Cease)
      0x02, // subcode 2 (Administrative Shutdown)
      0x1e, // shutdown communication length 30
      ascii('maintenance: back at 14:00 UTC'), // 30 octets of UTF-8 (all ASCII)
    ),
    message: {
      type: 'notification',
      code: 6,
      subcode: 2,
      data: h('1e6d61696e74656e616e63653a206261636b2061742031343a303020555443'),
      shutdownMessage: 'maintenance: back at 14:00 UTC',
    },
  });

  fixtureTests({
    name: 'Cease / Administrative Shutdown with a non-ASCII UTF-8 shutdown communication',
    bytes: bytes(
      MARKER,
      0x00, 0x30, // length 48: 21 + length octet 1 + message 26
      0x03, // type 3 NOTIFICATION
      0x06, // error code 6 (Cease)
      0x02, // subcode 2 (Administrative Shutdown)
      0x1a, // shutdown communication length 26 (octets, not characters)
      ascii('Wartung '), // 8 octets
      0xf0, 0x9f, 0x94, 0xa7, // U+1F527 WRENCH, 4 octets of UTF-8
      ascii(' zur'), // 4 octets
      0xc3, 0xbc, // U+00FC LATIN SMALL LETTER U WITH DIAERESIS, 2 octets of UTF-8
      ascii('ck 14:00'), // 8 octets
    ),
    message: {
      type: 'notification',
      code: 6,
      subcode: 2,
      data: h('1a57617274756e6720f09f94a7207a7572c3bc636b2031343a3030'),
      shutdownMessage: 'Wartung \u{1f527} zur\u00fcck 14:00',
    },
  });

  fixtureTests({
    name: 'Cease / Administrative Reset with a shutdown communication (RFC 8203 3)',
    bytes: bytes(
      MARKER,
      0x00, 0x23, // length 35: 21 + length octet 1 + message 13
      0x03, // type 3 NOTIFICATION
      0x06, // error code 6 (Cease)
      0x04, // subcode 4 (Administrative Reset)
      0x0d, // shutdown communication length 13
      ascii('config change'), // 13 octets
    ),
    message: { type: 'notification', code: 6, subcode: 4, data: h('0d636f6e666967206368616e6765'), shutdownMessage: 'config change' },
  });

  fixtureTests({
    name: 'Cease / Administrative Shutdown with invalid UTF-8 (0xff): no shutdownMessage, data kept (RFC 8203 4)',
    bytes: bytes(
      MARKER,
      0x00, 0x19, // length 25: 21 + data 4
      0x03, // type 3 NOTIFICATION
      0x06, // error code 6 (Cease)
      0x02, // subcode 2 (Administrative Shutdown)
      0x03, // shutdown communication length 3
      0x66, 0x6f, // "fo"
      0xff, // never valid in UTF-8
    ),
    message: { type: 'notification', code: 6, subcode: 2, data: h('03666fff') },
  });

  fixtureTests({
    name: 'Cease / Administrative Reset with a truncated UTF-8 sequence: no shutdownMessage, data kept',
    bytes: bytes(
      MARKER,
      0x00, 0x1a, // length 26: 21 + data 5
      0x03, // type 3 NOTIFICATION
      0x06, // error code 6 (Cease)
      0x04, // subcode 4 (Administrative Reset)
      0x04, // shutdown communication length 4
      0x7a, 0x75, 0x72, // "zur"
      0xc3, // first octet of a 2-octet sequence with no continuation octet
    ),
    message: { type: 'notification', code: 6, subcode: 4, data: h('047a7572c3') },
  });

  fixtureTests({
    name: 'Cease / Peer De-configured: data is not read as a shutdown communication',
    bytes: bytes(
      MARKER,
      0x00, 0x19, // length 25: 21 + data 4
      0x03, // type 3 NOTIFICATION
      0x06, // error code 6 (Cease)
      0x03, // subcode 3 (Peer De-configured): RFC 8203 covers subcodes 2 and 4 only
      0x03, ascii('abc'), // looks like a length octet and text, but is just data here
    ),
    message: { type: 'notification', code: 6, subcode: 3, data: h('03616263') },
  });
});
