import { describe, expect, it } from 'vitest';
import {
  BgpEncodeError,
  DEFAULT_CONTEXT,
  decodeMessage,
  encodeMessage,
  endOfRib,
  endOfRibFamily,
  forEachRoute,
  IpAddress,
  Prefix,
  type Nlri,
  type PathAttribute,
  type UpdateMessage,
} from '../../src/codec/index.js';
import { A, bytes, C, ctxWith, fixtureTests, H, MARKER, P } from './fixture.js';

// The three attributes RFC 4271 5 requires with IPv4 NLRI, shared by most fixtures below (18 octets).
const ORIGIN_IGP = [0x40, 0x01, 0x01, 0x00]; // ORIGIN: flags well-known transitive, type 1, length 1, IGP
const AS_PATH_65001 = [
  0x40, 0x02, 0x04, // AS_PATH: flags well-known transitive, type 2, length 4
  0x02, 0x01, 0xfd, 0xe9, // AS_SEQUENCE of 1 (2-octet AS): 65001
];
const AS_PATH4_65001 = [
  0x40, 0x02, 0x06, // AS_PATH: flags well-known transitive, type 2, length 6
  0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9, // AS_SEQUENCE of 1 (4-octet AS): 65001
];
const NEXT_HOP_198_51_100_1 = [0x40, 0x03, 0x04, 0xc6, 0x33, 0x64, 0x01]; // NEXT_HOP: type 3, length 4, 198.51.100.1

const ORIGIN: PathAttribute = { type: 'origin', origin: 'igp' };
const AS_PATH: PathAttribute = { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001] }] };
const NEXT_HOP: PathAttribute = { type: 'next-hop', nextHop: A('198.51.100.1') };

// IPv6 addresses as 16 octets.
const V6_2001_DB8__1 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]; // 2001:db8::1
const V6_2001_DB8__10 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10]; // 2001:db8::10
const V6_FE80__1 = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]; // fe80::1

const ADD_PATH_V4 = ctxWith({ addPathReceive: ['ipv4-unicast'], addPathSend: ['ipv4-unicast'] });
const ADD_PATH_V6 = ctxWith({ addPathReceive: ['ipv6-unicast'], addPathSend: ['ipv6-unicast'] });
const FOUR_OCTET_AS = ctxWith({ fourOctetAs: true });

describe('UPDATE: ORIGIN', () => {
  fixtureTests({
    name: 'ORIGIN IGP with AS_PATH and NEXT_HOP, one /24',
    bytes: bytes(
      MARKER,
      0x00, 0x2d, // length 45: 19 + 2 + 0 + 2 + 18 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x12, // total path attribute length 18
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: { type: 'update', withdrawn: [], attributes: [ORIGIN, AS_PATH, NEXT_HOP], nlri: [{ prefix: P('203.0.113.0/24') }] },
  });

  fixtureTests({
    name: 'ORIGIN EGP',
    bytes: bytes(
      MARKER,
      0x00, 0x2d, // length 45
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x12, // total path attribute length 18
      0x40, 0x01, 0x01, 0x01, // ORIGIN: flags well-known transitive, type 1, length 1, EGP
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [{ type: 'origin', origin: 'egp' }, AS_PATH, NEXT_HOP],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'ORIGIN INCOMPLETE',
    bytes: bytes(
      MARKER,
      0x00, 0x2d, // length 45
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x12, // total path attribute length 18
      0x40, 0x01, 0x01, 0x02, // ORIGIN: flags well-known transitive, type 1, length 1, INCOMPLETE
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [{ type: 'origin', origin: 'incomplete' }, AS_PATH, NEXT_HOP],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });
});

describe('UPDATE: AS_PATH and AS4_PATH', () => {
  fixtureTests({
    name: 'AS_PATH with an AS_SEQUENCE and an AS_SET, 2-octet AS numbers',
    bytes: bytes(
      MARKER,
      0x00, 0x37, // length 55: 19 + 2 + 2 + 28 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x1c, // total path attribute length 28 = 4 + 17 + 7
      ORIGIN_IGP,
      0x40, 0x02, 0x0e, // AS_PATH: flags well-known transitive, type 2, length 14
      0x02, 0x03, 0xfd, 0xe9, 0xfd, 0xea, 0xfd, 0xeb, // AS_SEQUENCE of 3: 65001 65002 65003
      0x01, 0x02, 0xfd, 0xf2, 0xfd, 0xf3, // AS_SET of 2: {65010 65011}
      NEXT_HOP_198_51_100_1,
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        {
          type: 'as-path',
          segments: [
            { kind: 'sequence', asns: [65001, 65002, 65003] },
            { kind: 'set', asns: [65010, 65011] },
          ],
        },
        NEXT_HOP,
      ],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'AS_PATH with 4-octet AS numbers once both sides have the capability (RFC 6793 4.1)',
    ctx: FOUR_OCTET_AS,
    bytes: bytes(
      MARKER,
      0x00, 0x3d, // length 61: 19 + 2 + 2 + 34 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x22, // total path attribute length 34 = 4 + 23 + 7
      ORIGIN_IGP,
      0x40, 0x02, 0x14, // AS_PATH: flags well-known transitive, type 2, length 20
      0x02, 0x02, 0x00, 0x00, 0xfd, 0xe9, 0xfa, 0x56, 0xea, 0x01, // AS_SEQUENCE of 2: 65001 4200000001
      0x01, 0x02, 0xfa, 0x56, 0xea, 0x02, 0xfa, 0x56, 0xea, 0x03, // AS_SET of 2: {4200000002 4200000003}
      NEXT_HOP_198_51_100_1,
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        {
          type: 'as-path',
          segments: [
            { kind: 'sequence', asns: [65001, 4200000001] },
            { kind: 'set', asns: [4200000002, 4200000003] },
          ],
        },
        NEXT_HOP,
      ],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'AS_PATH with an AS_CONFED_SEQUENCE before the AS_SEQUENCE (RFC 5065 3)',
    bytes: bytes(
      MARKER,
      0x00, 0x31, // length 49: 19 + 2 + 2 + 22 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x16, // total path attribute length 22 = 4 + 11 + 7
      ORIGIN_IGP,
      0x40, 0x02, 0x08, // AS_PATH: flags well-known transitive, type 2, length 8
      0x03, 0x01, 0xfd, 0xf2, // AS_CONFED_SEQUENCE of 1: 65010
      0x02, 0x01, 0xfd, 0xe9, // AS_SEQUENCE of 1: 65001
      NEXT_HOP_198_51_100_1,
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        {
          type: 'as-path',
          segments: [
            { kind: 'confed-sequence', asns: [65010] },
            { kind: 'sequence', asns: [65001] },
          ],
        },
        NEXT_HOP,
      ],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'AS4_PATH and AS4_AGGREGATOR beside AS_TRANS in a 2-octet session (RFC 6793 4.2.2)',
    bytes: bytes(
      MARKER,
      0x00, 0x50, // length 80: 19 + 2 + 2 + 53 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x35, // total path attribute length 53 = 4 + 9 + 7 + 9 + 13 + 11
      ORIGIN_IGP,
      0x40, 0x02, 0x06, // AS_PATH: flags well-known transitive, type 2, length 6
      0x02, 0x02, 0xfd, 0xe9, 0x5b, 0xa0, // AS_SEQUENCE of 2: 65001 23456 (AS_TRANS)
      NEXT_HOP_198_51_100_1,
      0xc0, 0x07, 0x06, // AGGREGATOR: flags optional transitive, type 7, length 6
      0x5b, 0xa0, // AS 23456 (AS_TRANS)
      0xc6, 0x33, 0x64, 0x02, // address 198.51.100.2
      0xc0, 0x11, 0x0a, // AS4_PATH: flags optional transitive, type 17, length 10
      0x02, 0x02, 0x00, 0x00, 0xfd, 0xe9, 0xfa, 0x56, 0xea, 0x01, // AS_SEQUENCE of 2 (4-octet): 65001 4200000001
      0xc0, 0x12, 0x08, // AS4_AGGREGATOR: flags optional transitive, type 18, length 8
      0xfa, 0x56, 0xea, 0x01, // AS 4200000001
      0xc6, 0x33, 0x64, 0x02, // address 198.51.100.2
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001, 23456] }] },
        NEXT_HOP,
        { type: 'aggregator', asn: 23456, address: A('198.51.100.2') },
        { type: 'as4-path', segments: [{ kind: 'sequence', asns: [65001, 4200000001] }] },
        { type: 'as4-aggregator', asn: 4200000001, address: A('198.51.100.2') },
      ],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });
});

describe('UPDATE: NEXT_HOP, MED, LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR', () => {
  fixtureTests({
    name: 'iBGP: empty AS_PATH and LOCAL_PREF 100',
    bytes: bytes(
      MARKER,
      0x00, 0x30, // length 48: 19 + 2 + 2 + 21 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x15, // total path attribute length 21 = 4 + 3 + 7 + 7
      ORIGIN_IGP,
      0x40, 0x02, 0x00, // AS_PATH: flags well-known transitive, type 2, length 0 (originated inside the AS)
      NEXT_HOP_198_51_100_1,
      0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0x64, // LOCAL_PREF: flags well-known transitive, type 5, length 4, 100
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, { type: 'as-path', segments: [] }, NEXT_HOP, { type: 'local-pref', localPref: 100 }],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'NEXT_HOP and MULTI_EXIT_DISC 50',
    bytes: bytes(
      MARKER,
      0x00, 0x34, // length 52: 19 + 2 + 2 + 25 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x19, // total path attribute length 25 = 18 + 7
      ORIGIN_IGP,
      AS_PATH_65001,
      0x40, 0x03, 0x04, 0xcb, 0x00, 0x71, 0x0b, // NEXT_HOP: flags well-known transitive, type 3, length 4, 203.0.113.11
      0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x32, // MULTI_EXIT_DISC: flags optional non-transitive, type 4, length 4, 50
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, { type: 'next-hop', nextHop: A('203.0.113.11') }, { type: 'med', med: 50 }],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'MULTI_EXIT_DISC and LOCAL_PREF at their largest, 4294967295 (unsigned 32-bit)',
    bytes: bytes(
      MARKER,
      0x00, 0x3b, // length 59: 19 + 2 + 2 + 32 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x20, // total path attribute length 32 = 18 + 7 + 7
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0x80, 0x04, 0x04, 0xff, 0xff, 0xff, 0xff, // MULTI_EXIT_DISC: flags optional non-transitive, type 4, length 4, 4294967295
      0x40, 0x05, 0x04, 0xff, 0xff, 0xff, 0xff, // LOCAL_PREF: flags well-known transitive, type 5, length 4, 4294967295
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, NEXT_HOP, { type: 'med', med: 4294967295 }, { type: 'local-pref', localPref: 4294967295 }],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'ATOMIC_AGGREGATE and AGGREGATOR with a 2-octet AS',
    bytes: bytes(
      MARKER,
      0x00, 0x39, // length 57: 19 + 2 + 2 + 30 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x1e, // total path attribute length 30 = 18 + 3 + 9
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0x40, 0x06, 0x00, // ATOMIC_AGGREGATE: flags well-known transitive, type 6, length 0
      0xc0, 0x07, 0x06, // AGGREGATOR: flags optional transitive, type 7, length 6
      0xfd, 0xe9, // AS 65001
      0xc6, 0x33, 0x64, 0x01, // address 198.51.100.1
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        AS_PATH,
        NEXT_HOP,
        { type: 'atomic-aggregate' },
        { type: 'aggregator', asn: 65001, address: A('198.51.100.1') },
      ],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'AGGREGATOR with a 4-octet AS in a 4-octet session (RFC 6793 3)',
    ctx: FOUR_OCTET_AS,
    bytes: bytes(
      MARKER,
      0x00, 0x3d, // length 61: 19 + 2 + 2 + 34 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x22, // total path attribute length 34 = 4 + 9 + 7 + 3 + 11
      ORIGIN_IGP,
      AS_PATH4_65001,
      NEXT_HOP_198_51_100_1,
      0x40, 0x06, 0x00, // ATOMIC_AGGREGATE: flags well-known transitive, type 6, length 0
      0xc0, 0x07, 0x08, // AGGREGATOR: flags optional transitive, type 7, length 8
      0xfa, 0x56, 0xea, 0x01, // AS 4200000001
      0xc6, 0x33, 0x64, 0x01, // address 198.51.100.1
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        AS_PATH,
        NEXT_HOP,
        { type: 'atomic-aggregate' },
        { type: 'aggregator', asn: 4200000001, address: A('198.51.100.1') },
      ],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });
});

describe('UPDATE: communities', () => {
  fixtureTests({
    name: 'COMMUNITIES, including the well-known NO_EXPORT (RFC 1997)',
    bytes: bytes(
      MARKER,
      0x00, 0x3c, // length 60: 19 + 2 + 2 + 33 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x21, // total path attribute length 33 = 18 + 15
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0xc0, 0x08, 0x0c, // COMMUNITIES: flags optional transitive, type 8, length 12
      0xfd, 0xe9, 0x00, 0x64, // 65001:100
      0xfd, 0xe9, 0x00, 0xc8, // 65001:200
      0xff, 0xff, 0xff, 0x01, // 65535:65281 (NO_EXPORT)
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, NEXT_HOP, { type: 'communities', communities: [C(65001, 100), C(65001, 200), C(65535, 65281)] }],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'COMMUNITIES with the Partial bit set still decode (RFC 4271 4.3)',
    decodeOnly: true, // the decoded attribute does not carry the Partial bit
    bytes: bytes(
      MARKER,
      0x00, 0x34, // length 52: 19 + 2 + 2 + 25 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x19, // total path attribute length 25 = 18 + 7
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0xe0, 0x08, 0x04, // COMMUNITIES: flags optional transitive partial, type 8, length 4
      0xfd, 0xe9, 0x00, 0x64, // 65001:100
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, NEXT_HOP, { type: 'communities', communities: [C(65001, 100)] }],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'EXTENDED_COMMUNITIES: two route targets (RFC 4360 4)',
    bytes: bytes(
      MARKER,
      0x00, 0x40, // length 64: 19 + 2 + 2 + 37 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x25, // total path attribute length 37 = 18 + 19
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0xc0, 0x10, 0x10, // EXTENDED_COMMUNITIES: flags optional transitive, type 16, length 16
      0x00, 0x02, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x64, // type 0x00 (2-octet AS), subtype 0x02 (route target), 65001:100
      0x02, 0x02, 0xfa, 0x56, 0xea, 0x01, 0x00, 0x64, // type 0x02 (4-octet AS), subtype 0x02 (route target), 4200000001:100
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        AS_PATH,
        NEXT_HOP,
        {
          type: 'extended-communities',
          communities: [
            { kind: 'route-target', form: 'as2', global: 65001, local: 100 },
            { kind: 'route-target', form: 'as4', global: 4200000001, local: 100 },
          ],
        },
      ],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'IPV6_EXTENDED_COMMUNITIES: a route target of an IPv6 address (RFC 5701 2)',
    bytes: bytes(
      MARKER,
      0x00, 0x44, // length 68: 19 + 2 + 2 + 41 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x29, // total path attribute length 41 = 18 + 23
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0xc0, 0x19, 0x14, // IPV6_EXTENDED_COMMUNITIES: flags optional transitive, type 25, length 20
      0x00, 0x02, // type 0x00 (transitive IPv6 address specific), subtype 0x02 (route target)
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, // global administrator 2001:db8::1
      0x00, 0x64, // local administrator 100
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        AS_PATH,
        NEXT_HOP,
        {
          type: 'ipv6-extended-communities',
          communities: [{ kind: 'route-target', form: 'ipv6', address: Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01), local: 100 }],
        },
      ],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'LARGE_COMMUNITIES (RFC 8092 3)',
    bytes: bytes(
      MARKER,
      0x00, 0x48, // length 72: 19 + 2 + 2 + 45 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x2d, // total path attribute length 45 = 18 + 27
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0xc0, 0x20, 0x18, // LARGE_COMMUNITIES: flags optional transitive, type 32, length 24
      0xfa, 0x56, 0xea, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, // 4200000001:1:2
      0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x64, 0xff, 0xff, 0xff, 0xff, // 65001:100:4294967295
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, NEXT_HOP, { type: 'large-communities', communities: [[4200000001, 1, 2], [65001, 100, 4294967295]] }],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'COMMUNITIES of 280 octets take the extended length (RFC 4271 4.3)',
    bytes: bytes(
      MARKER,
      0x01, 0x49, // length 329: 19 + 2 + 2 + 302 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x01, 0x2e, // total path attribute length 302 = 18 + 284
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0xd0, 0x08, // COMMUNITIES: flags optional transitive extended-length, type 8
      0x01, 0x18, // 2-octet length 280 = 70 communities x 4 octets
      Array.from({ length: 70 }, (_, i) => [0xfd, 0xe9, 0x00, i + 1]).flat(), // 65001:1 .. 65001:70
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        AS_PATH,
        NEXT_HOP,
        { type: 'communities', communities: Array.from({ length: 70 }, (_, i) => C(65001, i + 1)) },
      ],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });
});

describe('UPDATE: attributes kept raw', () => {
  fixtureTests({
    name: 'unknown optional transitive attribute with the Partial bit (OTC, RFC 9234) kept with its flags',
    bytes: bytes(
      MARKER,
      0x00, 0x34, // length 52: 19 + 2 + 2 + 25 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x19, // total path attribute length 25 = 18 + 7
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0xe0, 0x23, 0x04, // flags optional transitive partial, type 35 (OTC, unknown to us), length 4
      0x00, 0x00, 0xfd, 0xe9, // value: AS 65001
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, NEXT_HOP, { type: 'unknown', code: 35, flags: 0xe0, data: H('0000fde9') }],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'unknown attribute of exactly 255 octets keeps the 1-octet length',
    bytes: bytes(
      MARKER,
      0x01, 0x2f, // length 303: 19 + 2 + 2 + 276 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x01, 0x14, // total path attribute length 276 = 18 + 3 + 255
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0xc0, 0xff, 0xff, // flags optional transitive, type 255 (reserved for development), 1-octet length 255
      new Array<number>(255).fill(0x01), // value: 255 x 0x01
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, NEXT_HOP, { type: 'unknown', code: 255, flags: 0xc0, data: new Uint8Array(255).fill(0x01) }],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'unknown attribute of 256 octets takes the extended length',
    bytes: bytes(
      MARKER,
      0x01, 0x31, // length 305: 19 + 2 + 2 + 278 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x01, 0x16, // total path attribute length 278 = 18 + 4 + 256
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0xd0, 0xff, // flags optional transitive extended-length, type 255 (reserved for development)
      0x01, 0x00, // 2-octet length 256
      new Array<number>(256).fill(0x02), // value: 256 x 0x02
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, NEXT_HOP, { type: 'unknown', code: 255, flags: 0xc0, data: new Uint8Array(256).fill(0x02) }],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'unknown optional non-transitive attributes (ORIGINATOR_ID, CLUSTER_LIST) kept raw',
    bytes: bytes(
      MARKER,
      0x00, 0x3e, // length 62: 19 + 2 + 2 + 35 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x23, // total path attribute length 35 = 4 + 3 + 7 + 7 + 7 + 7
      ORIGIN_IGP,
      0x40, 0x02, 0x00, // AS_PATH: flags well-known transitive, type 2, length 0
      NEXT_HOP_198_51_100_1,
      0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0x64, // LOCAL_PREF: flags well-known transitive, type 5, length 4, 100
      0x80, 0x09, 0x04, 0xc6, 0x33, 0x64, 0x02, // ORIGINATOR_ID: flags optional, type 9, length 4, 198.51.100.2
      0x80, 0x0a, 0x04, 0xc6, 0x33, 0x64, 0xfe, // CLUSTER_LIST: flags optional, type 10, length 4, 198.51.100.254
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        { type: 'as-path', segments: [] },
        NEXT_HOP,
        { type: 'local-pref', localPref: 100 },
        { type: 'unknown', code: 9, flags: 0x80, data: H('c6336402') },
        { type: 'unknown', code: 10, flags: 0x80, data: H('c63364fe') },
      ],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });
});

describe('UPDATE: MP attributes of a family we do not speak are kept raw', () => {
  fixtureTests({
    name: 'MP_REACH_NLRI for IPv6 multicast (AFI 2, SAFI 2) kept raw',
    bytes: bytes(
      MARKER,
      0x00, 0x41, // length 65: 19 + 2 + 2 + 42
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x2a, // total path attribute length 42 = 4 + 7 + 31
      ORIGIN_IGP,
      AS_PATH_65001,
      0x80, 0x0e, 0x1c, // MP_REACH_NLRI: flags optional, type 14, length 28
      0x00, 0x02, // AFI 2 (IPv6)
      0x02, // SAFI 2 (multicast)
      0x10, // next hop length 16
      V6_2001_DB8__1, // next hop 2001:db8::1
      0x00, // reserved
      0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, // NLRI 2001:db8:1::/48
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        AS_PATH,
        { type: 'unknown', code: 14, flags: 0x80, data: H('000202' + '10' + '20010db8000000000000000000000001' + '00' + '3020010db80001') },
      ],
      nlri: [],
    },
  });

  const eorMulticast: UpdateMessage = {
    type: 'update',
    withdrawn: [],
    attributes: [{ type: 'unknown', code: 15, flags: 0x80, data: H('000202') }],
    nlri: [],
  };
  fixtureTests({
    name: 'End-of-RIB for IPv6 multicast (empty MP_UNREACH_NLRI, AFI 2, SAFI 2) kept raw',
    bytes: bytes(
      MARKER,
      0x00, 0x1d, // length 29: 19 + 2 + 2 + 6
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x06, // total path attribute length 6
      0x80, 0x0f, 0x03, // MP_UNREACH_NLRI: flags optional, type 15, length 3
      0x00, 0x02, // AFI 2 (IPv6)
      0x02, // SAFI 2 (multicast)
    ),
    message: eorMulticast,
  });

  it('endOfRibFamily is null for the End-of-RIB of a family we do not speak', () => {
    expect(endOfRibFamily(eorMulticast)).toBeNull();
  });
});

describe('UPDATE: raw attribute data is a copy of the received octets', () => {
  const cases: { name: string; raw: PathAttribute; attributes: PathAttribute[]; nlri: UpdateMessage['nlri'] }[] = [
    {
      name: 'an unknown optional attribute',
      raw: { type: 'unknown', code: 35, flags: 0xe0, data: H('0000fde9') },
      attributes: [ORIGIN, AS_PATH, NEXT_HOP],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
    { name: 'an MP attribute of a family we do not speak', raw: { type: 'unknown', code: 15, flags: 0x80, data: H('000202') }, attributes: [], nlri: [] },
  ];
  for (const c of cases) {
    it(`${c.name}: a plain Uint8Array that the next frame in the receive buffer cannot change`, () => {
      const m: UpdateMessage = { type: 'update', withdrawn: [], attributes: [...c.attributes, c.raw], nlri: c.nlri };
      const frame = Buffer.from(encodeMessage(m, DEFAULT_CONTEXT)); // the socket hands us Buffers, and reuses them
      const decoded = decodeMessage(frame, DEFAULT_CONTEXT) as UpdateMessage;
      frame.fill(0xee);
      expect(decoded).toEqual(m);
      const raw = decoded.attributes.at(-1)!;
      expect(raw.type === 'unknown' && Object.getPrototypeOf(raw.data)).toBe(Uint8Array.prototype);
    });
  }
});

describe('UPDATE: Extended Message (RFC 8654)', () => {
  fixtureTests({
    name: 'UPDATE of 4849 octets, beyond 4096, once Extended Message is negotiated',
    ctx: ctxWith({ extendedMessage: true }),
    bytes: bytes(
      MARKER,
      0x12, 0xf1, // length 4849: 19 + 2 + 2 + 4822 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x12, 0xd6, // total path attribute length 4822 = 18 + 4804
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0xd0, 0x08, // COMMUNITIES: flags optional transitive extended-length, type 8
      0x12, 0xc0, // 2-octet length 4800 = 1200 communities x 4 octets
      Array.from({ length: 1200 }, (_, i) => [0xfd, 0xe9, (i + 1) >> 8, (i + 1) & 0xff]).flat(), // 65001:1 .. 65001:1200
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        AS_PATH,
        NEXT_HOP,
        { type: 'communities', communities: Array.from({ length: 1200 }, (_, i) => C(65001, i + 1)) },
      ],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });
});

describe('UPDATE: withdrawn routes and prefixes', () => {
  fixtureTests({
    name: 'IPv4 Withdrawn Routes field, no attributes',
    bytes: bytes(
      MARKER,
      0x00, 0x20, // length 32: 19 + 2 + 9 + 2
      0x02, // type 2 UPDATE
      0x00, 0x09, // withdrawn routes length 9
      0x18, 0xcb, 0x00, 0x71, // 203.0.113.0/24
      0x20, 0xc6, 0x33, 0x64, 0x0a, // 198.51.100.10/32
      0x00, 0x00, // total path attribute length 0
    ),
    message: { type: 'update', withdrawn: [{ prefix: P('203.0.113.0/24') }, { prefix: P('198.51.100.10/32') }], attributes: [], nlri: [] },
  });

  fixtureTests({
    name: 'withdraw one prefix and announce another in one UPDATE',
    bytes: bytes(
      MARKER,
      0x00, 0x31, // length 49: 19 + 2 + 4 + 2 + 18 + 4
      0x02, // type 2 UPDATE
      0x00, 0x04, // withdrawn routes length 4
      0x18, 0xc6, 0x33, 0x64, // 198.51.100.0/24
      0x00, 0x12, // total path attribute length 18
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0x18, 0xcb, 0x00, 0x71, // NLRI 203.0.113.0/24
    ),
    message: {
      type: 'update',
      withdrawn: [{ prefix: P('198.51.100.0/24') }],
      attributes: [ORIGIN, AS_PATH, NEXT_HOP],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });

  fixtureTests({
    name: 'IPv4 prefixes of length /0, /8, /17, /24 and /32 (RFC 4271 4.3: only the significant octets)',
    bytes: bytes(
      MARKER,
      0x00, 0x39, // length 57: 19 + 2 + 2 + 18 + 16
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x12, // total path attribute length 18
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0x00, // 0.0.0.0/0: no address octets
      0x08, 0xcb, // 203.0.0.0/8: 1 octet
      0x11, 0xc6, 0x33, 0x80, // 198.51.128.0/17: 3 octets, the last one's top bit only
      0x18, 0xcb, 0x00, 0x71, // 203.0.113.0/24: 3 octets
      0x20, 0xc0, 0x00, 0x02, 0x01, // 192.0.2.1/32: 4 octets
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, NEXT_HOP],
      nlri: [
        { prefix: P('0.0.0.0/0') },
        { prefix: P('203.0.0.0/8') },
        { prefix: P('198.51.128.0/17') },
        { prefix: P('203.0.113.0/24') },
        { prefix: P('192.0.2.1/32') },
      ],
    },
  });

  fixtureTests({
    name: 'IPv4 NLRI with host bits set after the prefix length decodes to the masked prefix',
    decodeOnly: true, // we never write host bits
    bytes: bytes(
      MARKER,
      0x00, 0x2e, // length 46: 19 + 2 + 2 + 18 + 5
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x12, // total path attribute length 18
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0x19, 0xcb, 0x00, 0x71, 0xc8, // length 25, 203.0.113.200: bits after the 25th are host bits
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, NEXT_HOP],
      nlri: [{ prefix: P('203.0.113.128/25') }],
    },
  });
});

describe('UPDATE: MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760)', () => {
  fixtureTests({
    name: 'MP_REACH_NLRI for IPv4 unicast',
    bytes: bytes(
      MARKER,
      0x00, 0x33, // length 51: 19 + 2 + 2 + 28
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x1c, // total path attribute length 28 = 4 + 7 + 17
      ORIGIN_IGP,
      AS_PATH_65001,
      0x80, 0x0e, 0x0e, // MP_REACH_NLRI: flags optional, type 14, length 14
      0x00, 0x01, // AFI 1 (IPv4)
      0x01, // SAFI 1 (unicast)
      0x04, 0xc6, 0x33, 0x64, 0x01, // next hop length 4: 198.51.100.1
      0x00, // reserved
      0x20, 0xcb, 0x00, 0x71, 0x0a, // NLRI 203.0.113.10/32
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, { type: 'mp-reach', family: 'ipv4-unicast', nextHop: A('198.51.100.1'), nlri: [{ prefix: P('203.0.113.10/32') }] }],
      nlri: [],
    },
  });

  fixtureTests({
    name: 'MP_REACH_NLRI with an extended length it does not need (as some speakers always send it)',
    decodeOnly: true, // we use the extended length only above 255 octets
    bytes: bytes(
      MARKER,
      0x00, 0x34, // length 52: 19 + 2 + 2 + 29
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x1d, // total path attribute length 29 = 4 + 7 + 18
      ORIGIN_IGP,
      AS_PATH_65001,
      0x90, 0x0e, // MP_REACH_NLRI: flags optional extended-length, type 14
      0x00, 0x0e, // 2-octet length 14
      0x00, 0x01, // AFI 1 (IPv4)
      0x01, // SAFI 1 (unicast)
      0x04, 0xc6, 0x33, 0x64, 0x01, // next hop length 4: 198.51.100.1
      0x00, // reserved
      0x20, 0xcb, 0x00, 0x71, 0x0a, // NLRI 203.0.113.10/32
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, { type: 'mp-reach', family: 'ipv4-unicast', nextHop: A('198.51.100.1'), nlri: [{ prefix: P('203.0.113.10/32') }] }],
      nlri: [],
    },
  });

  fixtureTests({
    name: 'MP_REACH_NLRI for IPv6 unicast with a global next hop',
    bytes: bytes(
      MARKER,
      0x00, 0x52, // length 82: 19 + 2 + 2 + 59
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x3b, // total path attribute length 59 = 4 + 7 + 48
      ORIGIN_IGP,
      AS_PATH_65001,
      0x80, 0x0e, 0x2d, // MP_REACH_NLRI: flags optional, type 14, length 45
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x10, // next hop length 16
      V6_2001_DB8__1, // next hop 2001:db8::1
      0x00, // reserved
      0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, // NLRI 2001:db8:1::/48: 6 octets
      0x80, V6_2001_DB8__10, // NLRI 2001:db8::10/128: 16 octets
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        AS_PATH,
        {
          type: 'mp-reach',
          family: 'ipv6-unicast',
          nextHop: A('2001:db8::1'),
          nlri: [{ prefix: P('2001:db8:1::/48') }, { prefix: P('2001:db8::10/128') }],
        },
      ],
      nlri: [],
    },
  });

  fixtureTests({
    name: 'MP_REACH_NLRI for IPv6 unicast with global and link-local next hops (RFC 2545 3)',
    bytes: bytes(
      MARKER,
      0x00, 0x51, // length 81: 19 + 2 + 2 + 58
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x3a, // total path attribute length 58 = 4 + 7 + 47
      ORIGIN_IGP,
      AS_PATH_65001,
      0x80, 0x0e, 0x2c, // MP_REACH_NLRI: flags optional, type 14, length 44
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x20, // next hop length 32: global then link-local
      V6_2001_DB8__1, // global next hop 2001:db8::1
      V6_FE80__1, // link-local next hop fe80::1
      0x00, // reserved
      0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, // NLRI 2001:db8:1::/48
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        AS_PATH,
        {
          type: 'mp-reach',
          family: 'ipv6-unicast',
          nextHop: A('2001:db8::1'),
          linkLocalNextHop: A('fe80::1'),
          nlri: [{ prefix: P('2001:db8:1::/48') }],
        },
      ],
      nlri: [],
    },
  });

  fixtureTests({
    name: 'IPv6 prefixes of length /0, /32, /64 and /128 in MP_REACH_NLRI',
    bytes: bytes(
      MARKER,
      0x00, 0x5a, // length 90: 19 + 2 + 2 + 67
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x43, // total path attribute length 67 = 4 + 7 + 56
      ORIGIN_IGP,
      AS_PATH_65001,
      0x80, 0x0e, 0x35, // MP_REACH_NLRI: flags optional, type 14, length 53
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x10, // next hop length 16
      V6_2001_DB8__1, // next hop 2001:db8::1
      0x00, // reserved
      0x00, // ::/0: no address octets
      0x20, 0x20, 0x01, 0x0d, 0xb8, // 2001:db8::/32: 4 octets
      0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x01, // 2001:db8:0:1::/64: 8 octets
      0x80, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, // 2001:db8::ff/128: 16 octets
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        AS_PATH,
        {
          type: 'mp-reach',
          family: 'ipv6-unicast',
          nextHop: A('2001:db8::1'),
          nlri: [{ prefix: P('::/0') }, { prefix: P('2001:db8::/32') }, { prefix: P('2001:db8:0:1::/64') }, { prefix: P('2001:db8::ff/128') }],
        },
      ],
      nlri: [],
    },
  });

  fixtureTests({
    name: 'IPv6 NLRI with host bits set after the prefix length decodes to the masked prefix',
    decodeOnly: true, // we never write host bits
    bytes: bytes(
      MARKER,
      0x00, 0x43, // length 67: 19 + 2 + 2 + 44
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x2c, // total path attribute length 44 = 4 + 7 + 33
      ORIGIN_IGP,
      AS_PATH_65001,
      0x80, 0x0e, 0x1e, // MP_REACH_NLRI: flags optional, type 14, length 30
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x10, // next hop length 16
      V6_2001_DB8__1, // next hop 2001:db8::1
      0x00, // reserved
      0x3c, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x1f, // length 60, 2001:db8:0:1f::: the low 4 bits of 0x1f are host bits
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, { type: 'mp-reach', family: 'ipv6-unicast', nextHop: A('2001:db8::1'), nlri: [{ prefix: P('2001:db8:0:10::/60') }] }],
      nlri: [],
    },
  });

  fixtureTests({
    name: 'MP_UNREACH_NLRI for IPv6 unicast',
    bytes: bytes(
      MARKER,
      0x00, 0x35, // length 53: 19 + 2 + 2 + 30
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x1e, // total path attribute length 30
      0x80, 0x0f, 0x1b, // MP_UNREACH_NLRI: flags optional, type 15, length 27
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, // withdrawn 2001:db8:1::/48
      0x80, V6_2001_DB8__10, // withdrawn 2001:db8::10/128
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [{ type: 'mp-unreach', family: 'ipv6-unicast', withdrawn: [{ prefix: P('2001:db8:1::/48') }, { prefix: P('2001:db8::10/128') }] }],
      nlri: [],
    },
  });
});

describe('UPDATE: End-of-RIB (RFC 4724 2)', () => {
  const eorV4: UpdateMessage = { type: 'update', withdrawn: [], attributes: [], nlri: [] };
  fixtureTests({
    name: 'End-of-RIB for IPv4 unicast: an empty UPDATE',
    bytes: bytes(
      MARKER,
      0x00, 0x17, // length 23: the smallest UPDATE
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x00, // total path attribute length 0
    ),
    message: eorV4,
  });

  const eorV6: UpdateMessage = {
    type: 'update',
    withdrawn: [],
    attributes: [{ type: 'mp-unreach', family: 'ipv6-unicast', withdrawn: [] }],
    nlri: [],
  };
  fixtureTests({
    name: 'End-of-RIB for IPv6 unicast: an UPDATE with only an empty MP_UNREACH_NLRI',
    bytes: bytes(
      MARKER,
      0x00, 0x1d, // length 29: 19 + 2 + 2 + 6
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x06, // total path attribute length 6
      0x80, 0x0f, 0x03, // MP_UNREACH_NLRI: flags optional, type 15, length 3
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast), no withdrawn routes
    ),
    message: eorV6,
  });

  it('endOfRibFamily recognises both markers and endOfRib builds them', () => {
    expect(endOfRibFamily(eorV4)).toBe('ipv4-unicast');
    expect(endOfRibFamily(eorV6)).toBe('ipv6-unicast');
    expect(endOfRib('ipv4-unicast')).toEqual(eorV4);
    expect(endOfRib('ipv6-unicast')).toEqual(eorV6);
  });

  it('endOfRibFamily is null for an UPDATE that carries routes', () => {
    const announce: UpdateMessage = { type: 'update', withdrawn: [], attributes: [ORIGIN, AS_PATH, NEXT_HOP], nlri: [{ prefix: P('203.0.113.0/24') }] };
    const withdraw: UpdateMessage = { type: 'update', withdrawn: [{ prefix: P('203.0.113.0/24') }], attributes: [], nlri: [] };
    const withdrawV6: UpdateMessage = {
      type: 'update',
      withdrawn: [],
      attributes: [{ type: 'mp-unreach', family: 'ipv6-unicast', withdrawn: [{ prefix: P('2001:db8::/32') }] }],
      nlri: [],
    };
    expect(endOfRibFamily(announce)).toBeNull();
    expect(endOfRibFamily(withdraw)).toBeNull();
    expect(endOfRibFamily(withdrawV6)).toBeNull();
  });
});

describe('UPDATE: ADD-PATH NLRI (RFC 7911 3)', () => {
  fixtureTests({
    name: 'ADD-PATH IPv4 NLRI: a path identifier before each prefix',
    ctx: ADD_PATH_V4,
    bytes: bytes(
      MARKER,
      0x00, 0x3b, // length 59: 19 + 2 + 2 + 18 + 18
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x12, // total path attribute length 18
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0x00, 0x00, 0x00, 0x01, // path identifier 1
      0x20, 0xcb, 0x00, 0x71, 0x0a, // 203.0.113.10/32
      0x80, 0x00, 0x00, 0x01, // path identifier 2147483649 (top bit set: unsigned)
      0x20, 0xcb, 0x00, 0x71, 0x14, // 203.0.113.20/32
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [ORIGIN, AS_PATH, NEXT_HOP],
      nlri: [
        { prefix: P('203.0.113.10/32'), pathId: 1 },
        { prefix: P('203.0.113.20/32'), pathId: 2147483649 },
      ],
    },
  });

  fixtureTests({
    name: 'ADD-PATH IPv4 Withdrawn Routes field',
    ctx: ADD_PATH_V4,
    bytes: bytes(
      MARKER,
      0x00, 0x20, // length 32: 19 + 2 + 9 + 2
      0x02, // type 2 UPDATE
      0x00, 0x09, // withdrawn routes length 9
      0x00, 0x00, 0x00, 0x01, // path identifier 1
      0x20, 0xcb, 0x00, 0x71, 0x0a, // 203.0.113.10/32
      0x00, 0x00, // total path attribute length 0
    ),
    message: { type: 'update', withdrawn: [{ prefix: P('203.0.113.10/32'), pathId: 1 }], attributes: [], nlri: [] },
  });

  fixtureTests({
    name: 'ADD-PATH IPv6 NLRI in MP_REACH_NLRI',
    ctx: ADD_PATH_V6,
    bytes: bytes(
      MARKER,
      0x00, 0x4f, // length 79: 19 + 2 + 2 + 56
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x38, // total path attribute length 56 = 4 + 7 + 45
      ORIGIN_IGP,
      AS_PATH_65001,
      0x80, 0x0e, 0x2a, // MP_REACH_NLRI: flags optional, type 14, length 42
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x10, // next hop length 16
      V6_2001_DB8__1, // next hop 2001:db8::1
      0x00, // reserved
      0x00, 0x00, 0x00, 0x07, // path identifier 7
      0x80, V6_2001_DB8__10, // 2001:db8::10/128
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        AS_PATH,
        { type: 'mp-reach', family: 'ipv6-unicast', nextHop: A('2001:db8::1'), nlri: [{ prefix: P('2001:db8::10/128'), pathId: 7 }] },
      ],
      nlri: [],
    },
  });

  fixtureTests({
    name: 'ADD-PATH IPv6 withdrawn routes in MP_UNREACH_NLRI',
    ctx: ADD_PATH_V6,
    bytes: bytes(
      MARKER,
      0x00, 0x32, // length 50: 19 + 2 + 2 + 27
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x1b, // total path attribute length 27
      0x80, 0x0f, 0x18, // MP_UNREACH_NLRI: flags optional, type 15, length 24
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x00, 0x00, 0x00, 0x07, // path identifier 7
      0x80, V6_2001_DB8__10, // 2001:db8::10/128
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [{ type: 'mp-unreach', family: 'ipv6-unicast', withdrawn: [{ prefix: P('2001:db8::10/128'), pathId: 7 }] }],
      nlri: [],
    },
  });

  fixtureTests({
    name: 'ADD-PATH is per family: IPv6 has path identifiers, IPv4 NLRI in the same UPDATE has none',
    ctx: ADD_PATH_V6,
    bytes: bytes(
      MARKER,
      0x00, 0x5a, // length 90: 19 + 2 + 2 + 63 + 4
      0x02, // type 2 UPDATE
      0x00, 0x00, // withdrawn routes length 0
      0x00, 0x3f, // total path attribute length 63 = 4 + 7 + 7 + 45
      ORIGIN_IGP,
      AS_PATH_65001,
      NEXT_HOP_198_51_100_1,
      0x80, 0x0e, 0x2a, // MP_REACH_NLRI: flags optional, type 14, length 42
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x10, // next hop length 16
      V6_2001_DB8__1, // next hop 2001:db8::1
      0x00, // reserved
      0x00, 0x00, 0x00, 0x07, // path identifier 7
      0x80, V6_2001_DB8__10, // 2001:db8::10/128
      0x18, 0xcb, 0x00, 0x71, // IPv4 NLRI 203.0.113.0/24, no path identifier
    ),
    message: {
      type: 'update',
      withdrawn: [],
      attributes: [
        ORIGIN,
        AS_PATH,
        NEXT_HOP,
        { type: 'mp-reach', family: 'ipv6-unicast', nextHop: A('2001:db8::1'), nlri: [{ prefix: P('2001:db8::10/128'), pathId: 7 }] },
      ],
      nlri: [{ prefix: P('203.0.113.0/24') }],
    },
  });
});

describe('UPDATE: decoded values are typed, and JSON shows them as canonical text', () => {
  const wire = bytes(
    MARKER,
    0x00, 0x8d, // length 141: 19 + 2 + 5 + 2 + 109 + 4
    0x02, // type 2 UPDATE
    0x00, 0x05, // withdrawn routes length 5
    0x20, 0xc6, 0x33, 0x64, 0x0a, // withdrawn 198.51.100.10/32
    0x00, 0x6d, // total path attribute length 109 = 4 + 7 + 7 + 9 + 11 + 15 + 56
    ORIGIN_IGP,
    AS_PATH_65001,
    NEXT_HOP_198_51_100_1,
    0xc0, 0x07, 0x06, // AGGREGATOR: flags optional transitive, type 7, length 6 (2-octet AS)
    0xfd, 0xe9, // AS 65001
    0xc0, 0x00, 0x02, 0x01, // address 192.0.2.1
    0xc0, 0x08, 0x08, // COMMUNITIES: flags optional transitive, type 8, length 8
    0xfd, 0xe9, 0x00, 0x64, // 65001:100
    0xff, 0xff, 0xff, 0x01, // 65535:65281 (NO_EXPORT)
    0xc0, 0x20, 0x0c, // LARGE_COMMUNITY: flags optional transitive, type 32, length 12
    0xfa, 0x56, 0xea, 0x01, // global administrator 4200000001
    0x00, 0x00, 0x00, 0x01, // local data 1
    0x00, 0x00, 0x00, 0x02, // local data 2
    0x80, 0x0e, 0x35, // MP_REACH_NLRI: flags optional, type 14, length 53
    0x00, 0x02, // AFI 2 (IPv6)
    0x01, // SAFI 1 (unicast)
    0x20, // next hop length 32: global + link-local
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, // 2001:0db8:0000:...:0001
    V6_FE80__1, // link-local fe80::1
    0x00, // reserved
    0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, // 2001:db8:1::/48
    0x3c, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x1f, // 2001:db8:0:1f::/60 sent with host bits set (0x1f)
    0x18, 0xcb, 0x00, 0x71, // IPv4 NLRI 203.0.113.0/24
  );

  it('prefixes and addresses decode to Prefix and IpAddress, communities to numbers', () => {
    const m = decodeMessage(wire, DEFAULT_CONTEXT);
    if (m.type !== 'update') throw new Error(m.type);
    expect(m.withdrawn[0]!.prefix).toBeInstanceOf(Prefix);
    expect(m.nlri[0]!.prefix).toEqual(P('203.0.113.0/24'));
    expect(m.attributes.find((a) => a.type === 'next-hop')).toEqual({ type: 'next-hop', nextHop: A('198.51.100.1') });
    const mp = m.attributes.find((a) => a.type === 'mp-reach');
    expect(mp?.type === 'mp-reach' && mp.nextHop).toBeInstanceOf(IpAddress);
    expect(mp?.type === 'mp-reach' && mp.linkLocalNextHop?.isLinkLocal).toBe(true);
    expect(mp?.type === 'mp-reach' && mp.nlri[1]!.prefix.equals(P('2001:db8:0:10::/60'))).toBe(true);
    expect(m.attributes.find((a) => a.type === 'communities')).toEqual({ type: 'communities', communities: [C(65001, 100), C(65535, 65281)] });
    // Encoded again: the same octets, except the host bits the decoder cleared.
    const again = Buffer.from(wire);
    again[again.length - 5] = 0x10;
    expect(Buffer.from(encodeMessage(m, DEFAULT_CONTEXT)).toString('hex')).toBe(again.toString('hex'));
  });

  it('JSON.stringify gives canonical text: dotted quads, RFC 5952 IPv6, host bits cleared, communities as numbers', () => {
    expect(JSON.stringify(decodeMessage(wire, DEFAULT_CONTEXT))).toBe(
      JSON.stringify({
        type: 'update',
        withdrawn: [{ prefix: '198.51.100.10/32' }],
        attributes: [
          { type: 'origin', origin: 'igp' },
          { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001] }] },
          { type: 'next-hop', nextHop: '198.51.100.1' },
          { type: 'aggregator', asn: 65001, address: '192.0.2.1' },
          { type: 'communities', communities: [4259905636, 4294967041] },
          { type: 'large-communities', communities: [[4200000001, 1, 2]] },
          {
            type: 'mp-reach',
            family: 'ipv6-unicast',
            nextHop: '2001:db8::1',
            linkLocalNextHop: 'fe80::1',
            nlri: [{ prefix: '2001:db8:1::/48' }, { prefix: '2001:db8:0:10::/60' }],
          },
        ],
        nlri: [{ prefix: '203.0.113.0/24' }],
      }),
    );
  });
});

describe('UPDATE: the encoder refuses typed values the field cannot carry (BgpEncodeError)', () => {
  const update = (attributes: PathAttribute[], nlri: UpdateMessage['nlri'] = []): UpdateMessage => ({ type: 'update', withdrawn: [], attributes, nlri });
  const cases: [string, UpdateMessage][] = [
    ['an IPv6 NEXT_HOP', update([ORIGIN, AS_PATH, { type: 'next-hop', nextHop: A('2001:db8::1') }])],
    ['an IPv6 AGGREGATOR address', update([{ type: 'aggregator', asn: 65001, address: A('2001:db8::1') }])],
    ['an IPv6 AS4_AGGREGATOR address', update([{ type: 'as4-aggregator', asn: 65001, address: A('2001:db8::1') }])],
    ['an IPv4 next hop in IPv6 MP_REACH_NLRI', update([{ type: 'mp-reach', family: 'ipv6-unicast', nextHop: A('192.0.2.1'), nlri: [] }])],
    ['an IPv6 next hop in IPv4 MP_REACH_NLRI', update([{ type: 'mp-reach', family: 'ipv4-unicast', nextHop: A('2001:db8::1'), nlri: [] }])],
    ['an IPv4 link-local next hop', update([{ type: 'mp-reach', family: 'ipv6-unicast', nextHop: A('2001:db8::1'), linkLocalNextHop: A('192.0.2.1'), nlri: [] }])],
    ['a link-local next hop for IPv4', update([{ type: 'mp-reach', family: 'ipv4-unicast', nextHop: A('192.0.2.1'), linkLocalNextHop: A('fe80::1'), nlri: [] }])],
    ['an IPv6 prefix in the IPv4 NLRI field', update([ORIGIN, AS_PATH, NEXT_HOP], [{ prefix: P('2001:db8::/32') }])],
    ['an IPv4 prefix in IPv6 MP_UNREACH_NLRI', update([{ type: 'mp-unreach', family: 'ipv6-unicast', withdrawn: [{ prefix: P('10.0.0.0/8') }] }])],
    ['a community above 32 bits', update([{ type: 'communities', communities: [2 ** 32] }])],
    ['a negative community', update([{ type: 'communities', communities: [-1] }])],
    ['a large community part above 32 bits', update([{ type: 'large-communities', communities: [[1, 2 ** 32, 3]] }])],
    ['a large community of two parts', update([{ type: 'large-communities', communities: [[1, 2] as unknown as readonly [number, number, number]] }])],
  ];
  for (const [name, m] of cases) {
    it(name, () => {
      expect(() => encodeMessage(m, DEFAULT_CONTEXT)).toThrow(BgpEncodeError);
    });
  }
});

describe('forEachRoute: every route an UPDATE withdraws or announces, whichever field carries it', () => {
  it('takes the IPv4 fields, MP_REACH and MP_UNREACH, and treat-as-withdraw, in the message\'s order', () => {
    const seen: string[] = [];
    const n = (text: string, pathId?: number): Nlri => ({ prefix: P(text), ...(pathId !== undefined ? { pathId } : {}) });
    const m: UpdateMessage = {
      type: 'update',
      withdrawn: [n('203.0.113.1/32')],
      nlri: [n('203.0.113.2/32', 7)],
      attributes: [
        { type: 'mp-reach', family: 'ipv6-unicast', nextHop: A('2001:db8::1'), nlri: [n('2001:db8:1::/48')] },
        { type: 'mp-unreach', family: 'ipv6-unicast', withdrawn: [n('2001:db8:2::/48')] },
      ],
      errorHandling: { action: 'treat-as-withdraw', problems: [], withdrawn: [{ family: 'ipv4-unicast', nlri: n('203.0.113.3/32') }] },
    };
    forEachRoute(
      m,
      (r) => seen.push(`- ${r.prefix.toString()}${r.pathId ? ` #${r.pathId}` : ''}`),
      (r) => seen.push(`+ ${r.prefix.toString()}${r.pathId ? ` #${r.pathId}` : ''}`),
    );
    expect(seen).toEqual(['- 203.0.113.1/32', '+ 203.0.113.2/32 #7', '+ 2001:db8:1::/48', '- 2001:db8:2::/48', '- 203.0.113.3/32']);
  });
});
