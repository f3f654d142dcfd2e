// Malformed ROUTE-REFRESH messages (RFC 2918, RFC 7313 5). Each fixture is wrong in exactly one way.

import { describe, expect, it } from 'vitest';
import { decodeMessage, DEFAULT_CONTEXT } from '../../src/codec/index.js';
import { bytes, decodeError, MARKER } from './fixture.js';

/** Guards a fixture: its Length field must be the number of octets it really has. */
function whole(b: Uint8Array): Uint8Array {
  const length = (b[16]! << 8) | b[17]!;
  if (length !== b.length) throw new Error(`fixture says length ${length} but has ${b.length} octets`);
  return b;
}

describe('malformed ROUTE-REFRESH: enhanced route refresh borders (RFC 7313 5)', () => {
  it('a Begin-of-RIB of 24 octets is (7,1) with the complete message as data', () => {
    const message = whole(
      bytes(
        MARKER,
        0x00, 0x18, // length 24 (must be 23)
        0x05, // type 5 ROUTE-REFRESH
        0x00, 0x01, // AFI 1 (IPv4)
        0x01, // subtype 1: Begin-of-RIB
        0x01, // SAFI 1 (unicast)
        0x00, // one octet too many
      ),
    );
    const e = decodeError(message);
    expect([e.code, e.subcode]).toEqual([7, 1]);
    expect(Buffer.from(e.data).toString('hex')).toBe(Buffer.from(message).toString('hex'));
  });

  it('an End-of-RIB of 27 octets is (7,1) with the complete message as data', () => {
    const message = whole(
      bytes(
        MARKER,
        0x00, 0x1b, // length 27 (must be 23)
        0x05, // type 5 ROUTE-REFRESH
        0x00, 0x02, // AFI 2 (IPv6)
        0x02, // subtype 2: End-of-RIB
        0x01, // SAFI 1 (unicast)
        0x01, 0x40, 0x00, 0x04, // four octets an End-of-RIB cannot have (ORF-like)
      ),
    );
    const e = decodeError(message);
    expect([e.code, e.subcode]).toEqual([7, 1]);
    expect(Buffer.from(e.data).toString('hex')).toBe(Buffer.from(message).toString('hex'));
  });

  it('a Begin-of-RIB of exactly 23 octets is accepted', () => {
    const m = decodeMessage(
      whole(
        bytes(
          MARKER,
          0x00, 0x17, // length 23
          0x05, // type 5 ROUTE-REFRESH
          0x00, 0x01, // AFI 1 (IPv4)
          0x01, // subtype 1: Begin-of-RIB
          0x01, // SAFI 1 (unicast)
        ),
      ),
      DEFAULT_CONTEXT,
    );
    expect(m).toEqual({ type: 'route-refresh', afi: 1, safi: 1, subtype: 'begin-of-rib' });
  });
});

describe('ROUTE-REFRESH: a normal request with extra octets (ORF, RFC 5291, not negotiated)', () => {
  it('is accepted and the extra octets ignored', () => {
    const m = decodeMessage(
      whole(
        bytes(
          MARKER,
          0x00, 0x1b, // length 27
          0x05, // type 5 ROUTE-REFRESH
          0x00, 0x01, // AFI 1 (IPv4)
          0x00, // subtype 0: normal request
          0x01, // SAFI 1 (unicast)
          0x01, 0x40, 0x00, 0x00, // when-to-refresh IMMEDIATE, ORF type 64, a length of 0: ignored
        ),
      ),
      DEFAULT_CONTEXT,
    );
    expect(m).toEqual({ type: 'route-refresh', afi: 1, safi: 1, subtype: 'normal' });
  });

  it('a reserved subtype with extra octets is accepted as reserved (RFC 7313 4: ignored)', () => {
    const m = decodeMessage(
      whole(
        bytes(
          MARKER,
          0x00, 0x18, // length 24
          0x05, // type 5 ROUTE-REFRESH
          0x00, 0x01, // AFI 1 (IPv4)
          0x03, // subtype 3: reserved
          0x01, // SAFI 1 (unicast)
          0x00, // one more octet: no length rule for a reserved subtype
        ),
      ),
      DEFAULT_CONTEXT,
    );
    expect(m).toEqual({ type: 'route-refresh', afi: 1, safi: 1, subtype: 'reserved', reservedSubtype: 3 });
  });
});

describe('malformed ROUTE-REFRESH: shorter than 23 octets (RFC 4271 6.1 via RFC 2918 3)', () => {
  it('a ROUTE-REFRESH of 22 octets is (1,2) with data 0x0016', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x16, // length 22
          0x05, // type 5 ROUTE-REFRESH
          0x00, 0x01, // AFI 1 (IPv4)
          0x00, // subtype 0: normal request; no SAFI
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([1, 2]);
    expect(Array.from(e.data)).toEqual([0x00, 0x16]);
  });

  it('an End-of-RIB of 22 octets is (1,2), not (7,1): the header check comes first', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x16, // length 22
          0x05, // type 5 ROUTE-REFRESH
          0x00, 0x01, // AFI 1 (IPv4)
          0x02, // subtype 2: End-of-RIB; no SAFI
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([1, 2]);
    expect(Array.from(e.data)).toEqual([0x00, 0x16]);
  });
});
