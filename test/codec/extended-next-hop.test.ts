// IPv4 unicast routes with an IPv6 next hop in MP_REACH_NLRI (RFC 8950 3): AFI 1, SAFI 1, and a
// next hop of 16 octets (global) or 32 (global, then link-local, as RFC 2545 3 has it for IPv6).
// The codec writes and reads them only where the session's context allows it (extendedNextHop);
// nothing negotiates that yet, so without it the same octets stay an error.

import { describe, expect, it } from 'vitest';
import {
  BgpEncodeError,
  DEFAULT_CONTEXT,
  decodeMessage,
  encodeMessage,
  packAnnouncements,
  type PathAttribute,
  type UpdateMessage,
} from '../../src/codec/index.js';
import { A, bytes, ctxWith, decodeError, fixtureTests, MARKER, P } from './fixture.js';

const ORIGIN_IGP = [0x40, 0x01, 0x01, 0x00]; // ORIGIN: flags well-known transitive, type 1, length 1, IGP
const AS_PATH_65001 = [
  0x40, 0x02, 0x04, // AS_PATH: flags well-known transitive, type 2, length 4
  0x02, 0x01, 0xfd, 0xe9, // AS_SEQUENCE of 1 (2-octet AS): 65001
];
const V6_2001_DB8__1 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]; // 2001:db8::1
const V6_FE80__1 = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]; // fe80::1

const ORIGIN: PathAttribute = { type: 'origin', origin: 'igp' };
const AS_PATH: PathAttribute = { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001] }] };

/** As if the Extended Next Hop capability had been negotiated for IPv4 unicast. */
const EXTENDED = ctxWith({ extendedNextHop: ['ipv4-unicast'] });

const GLOBAL_ONLY = bytes(
  MARKER,
  0x00, 0x43, // length 67: 19 + 2 + 2 + 44
  0x02, // type 2 UPDATE
  0x00, 0x00, // withdrawn routes length 0
  0x00, 0x2c, // total path attribute length 44 = 4 + 7 + 33
  ORIGIN_IGP,
  AS_PATH_65001,
  0x80, 0x0e, 0x1e, // MP_REACH_NLRI: flags optional, type 14, length 30
  0x00, 0x01, // AFI 1 (IPv4)
  0x01, // SAFI 1 (unicast)
  0x10, // next hop length 16: one IPv6 address (RFC 8950 3)
  V6_2001_DB8__1, // next hop 2001:db8::1
  0x00, // reserved
  0x20, 0xcb, 0x00, 0x71, 0x0a, // NLRI 203.0.113.10/32
  0x18, 0xc6, 0x33, 0x64, // NLRI 198.51.100.0/24
);

const GLOBAL_ONLY_MESSAGE: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attributes: [
    ORIGIN,
    AS_PATH,
    {
      type: 'mp-reach',
      family: 'ipv4-unicast',
      nextHop: A('2001:db8::1'),
      nlri: [{ prefix: P('203.0.113.10/32') }, { prefix: P('198.51.100.0/24') }],
    },
  ],
  nlri: [],
};

describe('UPDATE: IPv4 unicast with an IPv6 next hop in MP_REACH_NLRI (RFC 8950 3)', () => {
  fixtureTests({
    name: 'a 16-octet next hop, the global address',
    ctx: EXTENDED,
    bytes: GLOBAL_ONLY,
    message: GLOBAL_ONLY_MESSAGE,
  });

  fixtureTests({
    name: 'a 32-octet next hop, global then link-local',
    ctx: EXTENDED,
    bytes: bytes(
      MARKER,
      0x00, 0x4f, // length 79: 19 + 2 + 2 + 56
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x38, // total path attribute length 56 = 4 + 7 + 45
      ORIGIN_IGP,
      AS_PATH_65001,
      0x80, 0x0e, 0x2a, // MP_REACH_NLRI: flags optional, type 14, length 42
      0x00, 0x01, // AFI 1 (IPv4)
      0x01, // SAFI 1 (unicast)
      0x20, // next hop length 32: global then link-local (RFC 8950 3, RFC 2545 3)
      V6_2001_DB8__1, // global next hop 2001:db8::1
      V6_FE80__1, // link-local next hop fe80::1
      0x00, // reserved
      0x20, 0xcb, 0x00, 0x71, 0x0a, // NLRI 203.0.113.10/32
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        AS_PATH,
        {
          type: 'mp-reach',
          family: 'ipv4-unicast',
          nextHop: A('2001:db8::1'),
          linkLocalNextHop: A('fe80::1'),
          nlri: [{ prefix: P('203.0.113.10/32') }],
        },
      ],
      nlri: [],
    },
  });

  it('without the extended next hop the same octets are an Optional Attribute Error (3,9), as before', () => {
    const e = decodeError(GLOBAL_ONLY);
    expect([e.code, e.subcode]).toEqual([3, 9]);
  });

  it('without it the encoder refuses an IPv6 next hop for IPv4 prefixes', () => {
    expect(() => encodeMessage(GLOBAL_ONLY_MESSAGE, DEFAULT_CONTEXT)).toThrow(BgpEncodeError);
  });

  it('IPv6 prefixes gain nothing from it: an IPv4 next hop for them is still refused', () => {
    const ctx = ctxWith({ extendedNextHop: ['ipv4-unicast', 'ipv6-unicast'] });
    const m: UpdateMessage = { type: 'update', withdrawn: [], attributes: [{ type: 'mp-reach', family: 'ipv6-unicast', nextHop: A('192.0.2.1'), nlri: [] }], nlri: [] };
    expect(() => encodeMessage(m, ctx)).toThrow(BgpEncodeError);
  });
});

describe('packAnnouncements: IPv4 prefixes via an IPv6 next hop', () => {
  const nlri = [{ prefix: P('203.0.113.10/32') }, { prefix: P('198.51.100.0/24') }];

  it('go in MP_REACH_NLRI (AFI 1), with no NEXT_HOP and an empty IPv4 NLRI field', () => {
    const msgs = packAnnouncements({ family: 'ipv4-unicast', nextHop: A('2001:db8::1'), linkLocalNextHop: A('fe80::1'), attributes: [ORIGIN, AS_PATH], nlri }, EXTENDED);
    expect(msgs).toHaveLength(1);
    const m = decodeMessage(msgs[0]!, EXTENDED);
    expect(m).toEqual({
      type: 'update',
      withdrawn: [],
      attributes: [{ type: 'mp-reach', family: 'ipv4-unicast', nextHop: A('2001:db8::1'), linkLocalNextHop: A('fe80::1'), nlri }, ORIGIN, AS_PATH],
      nlri: [],
    });
  });

  it('are refused without the extended next hop, as before', () => {
    expect(() => packAnnouncements({ family: 'ipv4-unicast', nextHop: A('2001:db8::1'), attributes: [ORIGIN, AS_PATH], nlri }, DEFAULT_CONTEXT)).toThrow(
      'an IPv6 next hop for ipv4-unicast prefixes',
    );
  });

  it('with an IPv4 next hop still use NEXT_HOP and the IPv4 NLRI field, extended or not', () => {
    const a = { family: 'ipv4-unicast', nextHop: A('198.51.100.1'), attributes: [ORIGIN, AS_PATH], nlri } as const;
    const plain = packAnnouncements(a, DEFAULT_CONTEXT);
    expect(packAnnouncements(a, EXTENDED)).toEqual(plain);
    expect(decodeMessage(plain[0]!, DEFAULT_CONTEXT)).toMatchObject({ nlri });
  });
});
