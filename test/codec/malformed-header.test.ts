// Malformed message headers (RFC 4271 6.1, RFC 8654 4): each fixture is wrong in exactly one way,
// and the test asserts the NOTIFICATION (code, subcode, data) the decoder answers with.

import { describe, expect, it } from 'vitest';
import { decodeMessage, DEFAULT_CONTEXT } from '../../src/codec/index.js';
import { bytes, ctxWith, decodeError, MARKER, P, u16 } from './fixture.js';

/** Guards a fixture: its Length field must be the number of octets it really has. */
function whole(b: Uint8Array): Uint8Array {
  const length = (b[16]! << 8) | b[17]!;
  if (length !== b.length) throw new Error(`fixture says length ${length} but has ${b.length} octets`);
  return b;
}

const EXTENDED = ctxWith({ extendedMessage: true });

/**
 * A well-formed UPDATE of exactly `length` octets that only withdraws: 203.0.113.10/32 (5 octets)
 * `hosts` times and 203.0.113.0/24 (4 octets) `nets` times, with 5·hosts + 4·nets = length - 23.
 */
function bigWithdrawal(length: number): { message: Uint8Array; routes: number } {
  const field = length - 23; // header 19, Withdrawn Routes Length 2, Total Path Attribute Length 2
  const hosts = field % 4; // 5·hosts ≡ hosts (mod 4)
  const nets = (field - 5 * hosts) / 4;
  const withdrawn: number[] = [];
  for (let i = 0; i < hosts; i++) withdrawn.push(0x20, 0xcb, 0x00, 0x71, 0x0a); // 203.0.113.10/32
  for (let i = 0; i < nets; i++) withdrawn.push(0x18, 0xcb, 0x00, 0x71); // 203.0.113.0/24
  const message = whole(
    bytes(
      MARKER,
      u16(length), // the length under test
      0x02, // type 2 UPDATE
      u16(withdrawn.length), // Withdrawn Routes Length
      withdrawn,
      0x00, 0x00, // Total Path Attribute Length 0; no NLRI
    ),
  );
  return { message, routes: hosts + nets };
}

/**
 * A well-formed OPEN of exactly `length` octets (RFC 9072 extended optional parameters): 676
 * multiprotocol capabilities (6 octets each, 4056 in all) and one experimental capability (code
 * 240, RFC 8810) whose value pads the message to `length`.
 */
function bigOpen(length: number): Uint8Array {
  const caps: number[] = [];
  for (let i = 0; i < 676; i++) caps.push(0x01, 0x04, 0x00, 0x01, 0x00, 0x01); // multiprotocol IPv4 unicast
  // header 19 + fixed fields 9 + RFC 9072 marker and length 4 + parameter header 3 + 4056 + capability header 2
  const pad = length - 19 - 9 - 4 - 3 - 4056 - 2;
  caps.push(0xf0, pad, ...new Array<number>(pad).fill(0)); // experimental capability 240, `pad` octets
  return whole(
    bytes(
      MARKER,
      u16(length), // the length under test
      0x01, // type 1 OPEN
      0x04, // version 4
      0xfd, 0xe9, // My AS 65001
      0x00, 0xb4, // hold time 180
      0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
      0xff, // non-extended optional parameters length 255 ...
      0xff, // ... and type 255: RFC 9072 extended encoding follows
      u16(3 + caps.length), // extended optional parameters length
      0x02, // parameter type 2 (capabilities)
      u16(caps.length), // 2-octet parameter length (RFC 9072)
      caps,
    ),
  );
}

describe('malformed header: marker (RFC 4271 6.1: Connection Not Synchronized)', () => {
  it('a KEEPALIVE whose last marker octet is 0xfe is (1,1)', () => {
    const e = decodeError(
      whole(
        bytes(
          new Array<number>(15).fill(0xff), // marker octets 1-15
          0xfe, // marker octet 16: not all ones
          0x00, 0x13, // length 19
          0x04, // type 4 KEEPALIVE
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([1, 1]);
  });

  it('an OPEN with an all-zero marker (the RFC 1771 authentication marker) is (1,1)', () => {
    const e = decodeError(
      whole(
        bytes(
          new Array<number>(16).fill(0x00), // marker: all zeros
          0x00, 0x1d, // length 29
          0x01, // type 1 OPEN
          0x04, // version 4
          0xfd, 0xe9, // My AS 65001
          0x00, 0xb4, // hold time 180
          0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
          0x00, // optional parameters length 0
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([1, 1]);
  });
});

describe('malformed header: type (RFC 4271 6.1: Bad Message Type, data = the type octet)', () => {
  for (const type of [0, 6, 255]) {
    it(`type ${type} is (1,3) with data 0x${type.toString(16).padStart(2, '0')}`, () => {
      const e = decodeError(
        whole(
          bytes(
            MARKER,
            0x00, 0x13, // length 19
            type, // type: not one of 1..5
          ),
        ),
      );
      expect([e.code, e.subcode]).toEqual([1, 3]);
      expect(Array.from(e.data)).toEqual([type]);
    });
  }
});

describe("malformed header: length (RFC 4271 6.1: Bad Message Length, data = the Length field)", () => {
  it("an OPEN of 28 octets (below OPEN's minimum of 29) is (1,2) with data 0x001c", () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x1c, // length 28
          0x01, // type 1 OPEN
          0x04, // version 4
          0xfd, 0xe9, // My AS 65001
          0x00, 0xb4, // hold time 180
          0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1; no optional parameters length octet
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([1, 2]);
    expect(Array.from(e.data)).toEqual([0x00, 0x1c]);
  });

  it("an UPDATE of 22 octets (below UPDATE's minimum of 23) is (1,2) with data 0x0016", () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x16, // length 22
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, // one octet of the 2-octet Total Path Attribute Length
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([1, 2]);
    expect(Array.from(e.data)).toEqual([0x00, 0x16]);
  });

  it("a NOTIFICATION of 20 octets (below NOTIFICATION's minimum of 21) is (1,2) with data 0x0014", () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x14, // length 20
          0x03, // type 3 NOTIFICATION
          0x06, // error code 6 (Cease); no subcode octet
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([1, 2]);
    expect(Array.from(e.data)).toEqual([0x00, 0x14]);
  });

  it('a KEEPALIVE whose Length field says 18 is (1,2) with data 0x0012', () => {
    const e = decodeError(
      bytes(
        MARKER,
        0x00, 0x12, // length 18: below the 19 octets of any message
        0x04, // type 4 KEEPALIVE
      ),
    );
    expect([e.code, e.subcode]).toEqual([1, 2]);
    expect(Array.from(e.data)).toEqual([0x00, 0x12]);
  });

  it('a KEEPALIVE of 20 octets (a KEEPALIVE is exactly 19) is (1,2) with data 0x0014', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x14, // length 20
          0x04, // type 4 KEEPALIVE
          0x00, // one octet of body a KEEPALIVE cannot have
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([1, 2]);
    expect(Array.from(e.data)).toEqual([0x00, 0x14]);
  });

  it('an UPDATE of exactly 4096 octets is accepted without Extended Message', () => {
    const { message, routes } = bigWithdrawal(4096);
    const m = decodeMessage(message, DEFAULT_CONTEXT);
    expect(m.type === 'update' && m.withdrawn.length).toBe(routes);
  });

  it('an UPDATE of 4097 octets without Extended Message is (1,2) with data 0x1001', () => {
    const e = decodeError(bigWithdrawal(4097).message);
    expect([e.code, e.subcode]).toEqual([1, 2]);
    expect(Array.from(e.data)).toEqual([0x10, 0x01]);
  });

  it('an UPDATE of 5000 octets is accepted once Extended Message is negotiated (RFC 8654)', () => {
    const { message, routes } = bigWithdrawal(5000);
    const m = decodeMessage(message, EXTENDED);
    expect(m.type).toBe('update');
    expect(m.type === 'update' && m.withdrawn.length).toBe(routes);
    expect(m.type === 'update' && m.withdrawn[0]).toEqual({ prefix: P('203.0.113.10/32') });
  });

  it('the same 5000-octet UPDATE without Extended Message is (1,2) with data 0x1388', () => {
    const e = decodeError(bigWithdrawal(5000).message);
    expect([e.code, e.subcode]).toEqual([1, 2]);
    expect(Array.from(e.data)).toEqual([0x13, 0x88]);
  });

  it('an OPEN of exactly 4096 octets is accepted with Extended Message', () => {
    const m = decodeMessage(bigOpen(4096), EXTENDED);
    expect(m.type === 'open' && m.capabilities.length).toBe(677);
  });

  it('an OPEN of 4097 octets is (1,2) with data 0x1001 even with Extended Message (RFC 8654 4)', () => {
    const e = decodeError(bigOpen(4097), EXTENDED);
    expect([e.code, e.subcode]).toEqual([1, 2]);
    expect(Array.from(e.data)).toEqual([0x10, 0x01]);
  });

  it('an OPEN of 4097 octets without Extended Message is (1,2) with data 0x1001', () => {
    const e = decodeError(bigOpen(4097));
    expect([e.code, e.subcode]).toEqual([1, 2]);
    expect(Array.from(e.data)).toEqual([0x10, 0x01]);
  });

  it('a KEEPALIVE of 4097 octets is (1,2) with data 0x1001 even with Extended Message', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x10, 0x01, // length 4097
          0x04, // type 4 KEEPALIVE
          new Array<number>(4078).fill(0), // 4097 - 19 octets of body
        ),
      ),
      EXTENDED,
    );
    expect([e.code, e.subcode]).toEqual([1, 2]);
    expect(Array.from(e.data)).toEqual([0x10, 0x01]);
  });
});

describe('malformed header: the Length field disagrees with the octets there (truncated)', () => {
  it('a buffer shorter than a header is (1,2)', () => {
    const e = decodeError(bytes(new Array<number>(10).fill(0xff))); // 10 octets of marker, nothing else
    expect([e.code, e.subcode]).toEqual([1, 2]);
  });

  it('an OPEN whose Length field says 29 but which stops after 24 octets is (1,2)', () => {
    const e = decodeError(
      bytes(
        MARKER,
        0x00, 0x1d, // length 29
        0x01, // type 1 OPEN
        0x04, // version 4
        0xfd, 0xe9, // My AS 65001
        0x00, 0xb4, // hold time 180; BGP identifier and optional parameters length missing
      ),
    );
    expect([e.code, e.subcode]).toEqual([1, 2]);
  });

  it('an UPDATE whose Length field says 46 but which stops after 41 octets is (1,2)', () => {
    const e = decodeError(
      bytes(
        MARKER,
        0x00, 0x2e, // length 46
        0x02, // type 2 UPDATE
        0x00, 0x00, // Withdrawn Routes Length 0
        0x00, 0x12, // Total Path Attribute Length 18
        0x40, 0x01, 0x01, 0x00, // ORIGIN IGP
        0x40, 0x02, 0x04, 0x02, 0x01, 0xfd, 0xe9, // AS_PATH: AS_SEQUENCE 65001
        0x40, 0x03, 0x04, 0xc6, 0x33, 0x64, 0x0b, // NEXT_HOP 198.51.100.11; NLRI (5 octets) missing
      ),
    );
    expect([e.code, e.subcode]).toEqual([1, 2]);
  });
});
