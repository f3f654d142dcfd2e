// Malformed OPEN messages (RFC 4271 6.2, RFC 5492, RFC 9072) and the configuration check of the
// peer's AS. Each fixture is wrong in exactly one way; the test asserts the NOTIFICATION it earns.

import { describe, expect, it } from 'vitest';
import { BgpError, checkPeerAs, decodeMessage, DEFAULT_CONTEXT, type OpenMessage } from '../../src/codec/index.js';
import { bytes, decodeError, MARKER } from './fixture.js';

/** Guards a fixture: its Length field must be the number of octets it really has. */
function whole(b: Uint8Array): Uint8Array {
  const length = (b[16]! << 8) | b[17]!;
  if (length !== b.length) throw new Error(`fixture says length ${length} but has ${b.length} octets`);
  return b;
}

/**
 * Guards a fixture whose defect is inside one capability: the optional parameters (non-extended
 * encoding) exactly fill the message and each parameter exactly fills its declared length.
 */
function framedOpen(b: Uint8Array): Uint8Array {
  whole(b);
  const paramsLen = b[28]!;
  if (29 + paramsLen !== b.length) throw new Error(`fixture: optional parameters length ${paramsLen} does not fill the message`);
  let at = 29;
  while (at < b.length) at += 2 + b[at + 1]!;
  if (at !== b.length) throw new Error('fixture: parameters do not tile the optional parameters');
  return b;
}

function decodeOpen(b: Uint8Array): OpenMessage {
  const m = decodeMessage(b, DEFAULT_CONTEXT);
  if (m.type !== 'open') throw new Error(`decoded a ${m.type}, not an OPEN`);
  return m;
}

/** The BgpError that `f` throws (fails the test if it throws nothing or something else). */
function thrown(f: () => void): BgpError {
  try {
    f();
  } catch (e) {
    if (e instanceof BgpError) return e;
    throw new Error(`threw ${String(e)}, not a BgpError`);
  }
  throw new Error('did not throw');
}

describe('malformed OPEN: fixed fields (RFC 4271 6.2)', () => {
  for (const version of [3, 5]) {
    it(`version ${version} is (2,1) with data 0x0004, the version we speak`, () => {
      const e = decodeError(
        whole(
          bytes(
            MARKER,
            0x00, 0x1d, // length 29
            0x01, // type 1 OPEN
            version, // version: not 4
            0xfd, 0xe9, // My AS 65001
            0x00, 0xb4, // hold time 180
            0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
            0x00, // optional parameters length 0
          ),
        ),
      );
      expect([e.code, e.subcode]).toEqual([2, 1]);
      expect(Array.from(e.data)).toEqual([0x00, 0x04]);
    });
  }

  for (const hold of [1, 2]) {
    it(`hold time ${hold} is (2,6) Unacceptable Hold Time`, () => {
      const e = decodeError(
        whole(
          bytes(
            MARKER,
            0x00, 0x1d, // length 29
            0x01, // type 1 OPEN
            0x04, // version 4
            0xfd, 0xe9, // My AS 65001
            0x00, hold, // hold time 1 or 2: MUST be rejected
            0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
            0x00, // optional parameters length 0
          ),
        ),
      );
      expect([e.code, e.subcode]).toEqual([2, 6]);
    });
  }

  for (const hold of [0, 3]) {
    it(`hold time ${hold} is accepted`, () => {
      const m = decodeOpen(
        whole(
          bytes(
            MARKER,
            0x00, 0x1d, // length 29
            0x01, // type 1 OPEN
            0x04, // version 4
            0xfd, 0xe9, // My AS 65001
            0x00, hold, // hold time 0 (no keepalives) or 3 (the smallest non-zero)
            0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
            0x00, // optional parameters length 0
          ),
        ),
      );
      expect(m.holdTime).toBe(hold);
    });
  }

  it('BGP identifier 0.0.0.0 is (2,3) Bad BGP Identifier (RFC 6286 2.1)', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x1d, // length 29
          0x01, // type 1 OPEN
          0x04, // version 4
          0xfd, 0xe9, // My AS 65001
          0x00, 0xb4, // hold time 180
          0x00, 0x00, 0x00, 0x00, // BGP identifier 0.0.0.0
          0x00, // optional parameters length 0
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([2, 3]);
  });
});

describe('malformed OPEN: optional parameters (RFC 4271 6.2, RFC 5492, RFC 9072)', () => {
  it('optional parameter type 1 (the deprecated authentication parameter) is (2,4)', () => {
    const e = decodeError(
      framedOpen(
        bytes(
          MARKER,
          0x00, 0x21, // length 33
          0x01, // type 1 OPEN
          0x04, // version 4
          0xfd, 0xe9, // My AS 65001
          0x00, 0xb4, // hold time 180
          0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
          0x04, // optional parameters length 4
          0x01, 0x02, // parameter type 1, length 2
          0x00, 0x00, // its value
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([2, 4]);
  });

  // RFC 4271 6.2: "All errors detected while processing the OPEN message MUST be indicated by
  // sending the NOTIFICATION message with the Error Code OPEN Message Error"; no subcode fits, so 0.
  it('an optional parameters length running past the message is (2,0)', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x21, // length 33
          0x01, // type 1 OPEN
          0x04, // version 4
          0xfd, 0xe9, // My AS 65001
          0x00, 0xb4, // hold time 180
          0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
          0x08, // optional parameters length 8, but only 4 octets follow
          0x02, 0x02, // parameter type 2 (capabilities), length 2
          0x02, 0x00, // route refresh capability
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([2, 0]);
  });

  it('an RFC 9072 extended optional parameters length running past the message is (2,0)', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x25, // length 37
          0x01, // type 1 OPEN
          0x04, // version 4
          0xfd, 0xe9, // My AS 65001
          0x00, 0xb4, // hold time 180
          0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
          0xff, // non-extended optional parameters length 255 ...
          0xff, // ... and type 255: the extended encoding
          0x00, 0x07, // extended optional parameters length 7, but only 5 octets follow
          0x02, 0x00, 0x02, // parameter type 2 (capabilities), 2-octet length 2
          0x02, 0x00, // route refresh capability
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([2, 0]);
  });

  it('a parameter length running past the optional parameters is (2,0)', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x21, // length 33
          0x01, // type 1 OPEN
          0x04, // version 4
          0xfd, 0xe9, // My AS 65001
          0x00, 0xb4, // hold time 180
          0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
          0x04, // optional parameters length 4
          0x02, 0x05, // parameter type 2 (capabilities), length 5, but only 2 octets are left
          0x02, 0x00, // route refresh capability
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([2, 0]);
  });

  it('an RFC 9072 2-octet parameter length running past the optional parameters is (2,0)', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x25, // length 37
          0x01, // type 1 OPEN
          0x04, // version 4
          0xfd, 0xe9, // My AS 65001
          0x00, 0xb4, // hold time 180
          0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
          0xff, // non-extended optional parameters length 255 ...
          0xff, // ... and type 255: the extended encoding
          0x00, 0x05, // extended optional parameters length 5
          0x02, 0x00, 0x03, // parameter type 2 (capabilities), 2-octet length 3, but only 2 octets are left
          0x02, 0x00, // route refresh capability
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([2, 0]);
  });

  it('a parameter header cut short by the optional parameters length is (2,0)', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x1e, // length 30
          0x01, // type 1 OPEN
          0x04, // version 4
          0xfd, 0xe9, // My AS 65001
          0x00, 0xb4, // hold time 180
          0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
          0x01, // optional parameters length 1
          0x02, // parameter type 2, and no room for its length octet
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([2, 0]);
  });

  it('octets after the optional parameters are (2,0)', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x22, // length 34
          0x01, // type 1 OPEN
          0x04, // version 4
          0xfd, 0xe9, // My AS 65001
          0x00, 0xb4, // hold time 180
          0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
          0x04, // optional parameters length 4
          0x02, 0x02, // parameter type 2 (capabilities), length 2
          0x02, 0x00, // route refresh capability
          0x00, // one octet beyond the optional parameters
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([2, 0]);
  });

  it('octets after an empty optional parameters field are (2,0)', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x1f, // length 31
          0x01, // type 1 OPEN
          0x04, // version 4
          0xfd, 0xe9, // My AS 65001
          0x00, 0xb4, // hold time 180
          0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
          0x00, // optional parameters length 0
          0x02, 0x00, // two octets the length does not cover
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([2, 0]);
  });
});

describe('malformed OPEN: capabilities (RFC 5492 and each capability\'s RFC) are (2,0)', () => {
  const cases: { name: string; why: RegExp; message: number[] }[] = [
    {
      name: 'multiprotocol with length 3',
      why: /multiprotocol/, // the reason names the capability at fault
      message: [
        ...MARKER,
        0x00, 0x24, // length 36
        0x01, // type 1 OPEN
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
        0x07, // optional parameters length 7
        0x02, 0x05, // parameter type 2 (capabilities), length 5
        0x01, 0x03, // capability 1 (multiprotocol), length 3 (must be 4)
        0x00, 0x01, 0x00, // AFI 1, reserved; no SAFI
      ],
    },
    {
      name: 'multiprotocol with length 5',
      why: /multiprotocol/, // the reason names the capability at fault
      message: [
        ...MARKER,
        0x00, 0x26, // length 38
        0x01, // type 1 OPEN
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
        0x09, // optional parameters length 9
        0x02, 0x07, // parameter type 2 (capabilities), length 7
        0x01, 0x05, // capability 1 (multiprotocol), length 5 (must be 4)
        0x00, 0x01, 0x00, 0x01, // AFI 1, reserved, SAFI 1
        0x00, // one octet too many
      ],
    },
    {
      name: '4-octet AS with length 2',
      why: /4-octet AS/, // the reason names the capability at fault
      message: [
        ...MARKER,
        0x00, 0x23, // length 35
        0x01, // type 1 OPEN
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
        0x06, // optional parameters length 6
        0x02, 0x04, // parameter type 2 (capabilities), length 4
        0x41, 0x02, // capability 65 (4-octet AS), length 2 (must be 4)
        0xfd, 0xe9, // AS 65001 in 2 octets
      ],
    },
    {
      name: '4-octet AS with length 5',
      why: /4-octet AS/, // the reason names the capability at fault
      message: [
        ...MARKER,
        0x00, 0x26, // length 38
        0x01, // type 1 OPEN
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
        0x09, // optional parameters length 9
        0x02, 0x07, // parameter type 2 (capabilities), length 7
        0x41, 0x05, // capability 65 (4-octet AS), length 5 (must be 4)
        0x00, 0x00, 0xfd, 0xe9, // AS 65001
        0x00, // one octet too many
      ],
    },
    {
      name: 'route refresh with a value',
      why: /^malformed route refresh/, // the reason names the capability at fault
      message: [
        ...MARKER,
        0x00, 0x22, // length 34
        0x01, // type 1 OPEN
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
        0x05, // optional parameters length 5
        0x02, 0x03, // parameter type 2 (capabilities), length 3
        0x02, 0x01, // capability 2 (route refresh), length 1 (must be 0)
        0x00, // a value route refresh does not have
      ],
    },
    {
      name: 'enhanced route refresh with a value',
      why: /enhanced route refresh/, // the reason names the capability at fault
      message: [
        ...MARKER,
        0x00, 0x22, // length 34
        0x01, // type 1 OPEN
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
        0x05, // optional parameters length 5
        0x02, 0x03, // parameter type 2 (capabilities), length 3
        0x46, 0x01, // capability 70 (enhanced route refresh), length 1 (must be 0)
        0x00, // a value it does not have
      ],
    },
    {
      name: 'extended message with a value',
      why: /extended message/, // the reason names the capability at fault
      message: [
        ...MARKER,
        0x00, 0x22, // length 34
        0x01, // type 1 OPEN
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
        0x05, // optional parameters length 5
        0x02, 0x03, // parameter type 2 (capabilities), length 3
        0x06, 0x01, // capability 6 (extended message), length 1 (must be 0)
        0x00, // a value it does not have
      ],
    },
    {
      name: 'ADD-PATH with length 5 (not a multiple of 4)',
      why: /ADD-PATH.*multiple of 4/, // the reason names the capability at fault
      message: [
        ...MARKER,
        0x00, 0x26, // length 38
        0x01, // type 1 OPEN
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
        0x09, // optional parameters length 9
        0x02, 0x07, // parameter type 2 (capabilities), length 7
        0x45, 0x05, // capability 69 (ADD-PATH), length 5
        0x00, 0x01, 0x01, 0x03, // AFI 1, SAFI 1, send/receive 3 (both)
        0x00, // a stray fifth octet
      ],
    },
    {
      name: 'graceful restart with length 1 (no room for flags and time)',
      why: /graceful restart/, // the reason names the capability at fault
      message: [
        ...MARKER,
        0x00, 0x22, // length 34
        0x01, // type 1 OPEN
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
        0x05, // optional parameters length 5
        0x02, 0x03, // parameter type 2 (capabilities), length 3
        0x40, 0x01, // capability 64 (graceful restart), length 1 (at least 2)
        0x00, // half of restart flags and time
      ],
    },
    {
      name: 'graceful restart with length 5 (2 + a partial family)',
      why: /graceful restart/, // the reason names the capability at fault
      message: [
        ...MARKER,
        0x00, 0x26, // length 38
        0x01, // type 1 OPEN
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
        0x09, // optional parameters length 9
        0x02, 0x07, // parameter type 2 (capabilities), length 7
        0x40, 0x05, // capability 64 (graceful restart), length 5 (2 + a multiple of 4)
        0x00, 0x78, // restart flags 0, restart time 120
        0x00, 0x01, 0x01, // AFI 1, SAFI 1; the flags octet is missing
      ],
    },
    {
      name: 'FQDN whose hostname runs past the capability',
      why: /capability 73/, // the reason names the capability at fault
      message: [
        ...MARKER,
        0x00, 0x24, // length 36
        0x01, // type 1 OPEN
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
        0x07, // optional parameters length 7
        0x02, 0x05, // parameter type 2 (capabilities), length 5
        0x49, 0x03, // capability 73 (FQDN), length 3
        0x05, // hostname length 5, but only 2 octets are left
        0x72, 0x31, // "r1"
      ],
    },
    {
      name: 'FQDN with an octet after the domain name',
      why: /FQDN/, // the reason names the capability at fault
      message: [
        ...MARKER,
        0x00, 0x26, // length 38
        0x01, // type 1 OPEN
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
        0x09, // optional parameters length 9
        0x02, 0x07, // parameter type 2 (capabilities), length 7
        0x49, 0x05, // capability 73 (FQDN), length 5
        0x01, 0x72, // hostname length 1, "r"
        0x01, 0x65, // domain length 1, "e"
        0x00, // one octet too many
      ],
    },
    {
      name: 'a capability whose length runs past the parameter',
      why: /overrun/, // the reason names the capability at fault
      message: [
        ...MARKER,
        0x00, 0x21, // length 33
        0x01, // type 1 OPEN
        0x04, 0xfd, 0xe9, 0x00, 0xb4, 0xc6, 0x33, 0x64, 0x01, // version 4, AS 65001, hold 180, id 198.51.100.1
        0x04, // optional parameters length 4
        0x02, 0x02, // parameter type 2 (capabilities), length 2
        0x41, 0x04, // capability 65 (4-octet AS), length 4, but the parameter has ended
      ],
    },
  ];
  for (const c of cases) {
    it(`${c.name} is (2,0)`, () => {
      const e = decodeError(framedOpen(bytes(c.message)));
      expect([e.code, e.subcode]).toEqual([2, 0]);
      expect(e.reason).toMatch(c.why);
    });
  }
});

describe('Bad Peer AS (RFC 4271 6.2, RFC 6793): checkPeerAs', () => {
  const open2 = decodeOpen(
    framedOpen(
      bytes(
        MARKER,
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
  const open4 = decodeOpen(
    framedOpen(
      bytes(
        MARKER,
        0x00, 0x25, // length 37
        0x01, // type 1 OPEN
        0x04, // version 4
        0x5b, 0xa0, // My AS 23456 (AS_TRANS)
        0x00, 0xb4, // hold time 180
        0xc6, 0x33, 0x64, 0x01, // BGP identifier 198.51.100.1
        0x08, // optional parameters length 8
        0x02, 0x06, // parameter type 2 (capabilities), length 6
        0x41, 0x04, // capability 65 (4-octet AS), length 4
        0xfa, 0x56, 0xea, 0x01, // AS 4200000001
      ),
    ),
  );

  it('a peer in the configured 2-octet AS passes', () => {
    expect(() => checkPeerAs(open2, 65001)).not.toThrow();
  });

  it('a peer in another 2-octet AS is (2,2) with data = My AS', () => {
    const e = thrown(() => checkPeerAs(open2, 65002));
    expect([e.code, e.subcode]).toEqual([2, 2]);
    expect(Array.from(e.data)).toEqual([0xfd, 0xe9]);
  });

  it('a peer whose 4-octet AS capability names the configured AS passes', () => {
    expect(() => checkPeerAs(open4, 4200000001)).not.toThrow();
  });

  it('a peer whose 4-octet AS capability names another AS is (2,2) with data = My AS (AS_TRANS)', () => {
    const e = thrown(() => checkPeerAs(open4, 4200000002));
    expect([e.code, e.subcode]).toEqual([2, 2]);
    expect(Array.from(e.data)).toEqual([0x5b, 0xa0]);
  });

  it('AS_TRANS in My AS is not taken for the real AS when the capability is there', () => {
    const e = thrown(() => checkPeerAs(open4, 23456));
    expect([e.code, e.subcode]).toEqual([2, 2]);
  });
});
