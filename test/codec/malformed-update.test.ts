// Malformed UPDATE messages: the session resets RFC 4271 6.3 and RFC 7606 still require (the
// decoder throws the NOTIFICATION), and the RFC 7606 outcomes that keep the session (the decoder
// returns the UPDATE with `errorHandling`). Each fixture is wrong in exactly one way; the guards
// below check every length that is not the one under test.

import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  DEFAULT_CONTEXT,
  type CodecContext,
  type FamilyNlri,
  type PathAttribute,
  type UpdateMessage,
} from '../../src/codec/index.js';
import { A, bytes, ctxWith, decodeError, H, MARKER, P } from './fixture.js';

// ---- fixture guards ---------------------------------------------------------------------------

function u16at(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** The header's Length field is the number of octets the fixture has. */
function whole(b: Uint8Array): Uint8Array {
  if (u16at(b, 16) !== b.length) throw new Error(`fixture says length ${u16at(b, 16)} but has ${b.length} octets`);
  return b;
}

/** As `whole`, and the Withdrawn Routes and Total Path Attribute Lengths fit the message (RFC 4271 6.3). */
function framed(b: Uint8Array): Uint8Array {
  whole(b);
  const withdrawnLen = u16at(b, 19);
  if (23 + withdrawnLen > b.length) throw new Error('fixture: withdrawn routes run past the message');
  const attrsLen = u16at(b, 21 + withdrawnLen);
  if (23 + withdrawnLen + attrsLen > b.length) throw new Error('fixture: attributes run past the message');
  return b;
}

/** As `framed`, and the attributes exactly fill the Total Path Attribute Length. */
function tiled(b: Uint8Array): Uint8Array {
  framed(b);
  const withdrawnLen = u16at(b, 19);
  const start = 23 + withdrawnLen;
  const end = start + u16at(b, 21 + withdrawnLen);
  let at = start;
  while (at < end) {
    const extended = (b[at]! & 0x10) !== 0;
    const len = extended ? u16at(b, at + 2) : b[at + 2]!;
    at += (extended ? 4 : 3) + len;
  }
  if (at !== end) throw new Error(`fixture: attributes end at ${at}, the list at ${end}`);
  return b;
}

function decodeUpdate(b: Uint8Array, ctx: CodecContext = DEFAULT_CONTEXT): UpdateMessage {
  const m = decodeMessage(b, ctx);
  if (m.type !== 'update') throw new Error(`decoded a ${m.type}, not an UPDATE`);
  return m;
}

// ---- the parts most fixtures share ------------------------------------------------------------

/** ORIGIN IGP: 4 octets. */
const ORIGIN_IGP = [
  0x40, 0x01, 0x01, // ORIGIN: flags well-known transitive, type 1, length 1
  0x00, // IGP
];
/** AS_PATH of one 2-octet AS: 7 octets. */
const AS_PATH_65001 = [
  0x40, 0x02, 0x04, // AS_PATH: flags well-known transitive, type 2, length 4
  0x02, 0x01, // AS_SEQUENCE of 1
  0xfd, 0xe9, // AS 65001
];
/** NEXT_HOP 198.51.100.11: 7 octets. */
const NEXT_HOP_11 = [
  0x40, 0x03, 0x04, // NEXT_HOP: flags well-known transitive, type 3, length 4
  0xc6, 0x33, 0x64, 0x0b, // 198.51.100.11
];
/** 203.0.113.10/32 in an NLRI or Withdrawn Routes field: 5 octets. */
const PREFIX_10 = [0x20, 0xcb, 0x00, 0x71, 0x0a];
/** IPv6 MP_REACH_NLRI announcing 2001:db8:1::/48 via 2001:db8::b: 31 octets. */
const MP_REACH_V6 = [
  0x80, 0x0e, 0x1c, // MP_REACH_NLRI: flags optional, type 14, length 28
  0x00, 0x02, // AFI 2 (IPv6)
  0x01, // SAFI 1 (unicast)
  0x10, // next hop length 16
  0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, // 2001:db8::b
  0x00, // reserved
  0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, // 2001:db8:1::/48
];

const ORIGIN: PathAttribute = { type: 'origin', origin: 'igp' };
const AS_PATH: PathAttribute = { type: 'as-path', segments: [{ kind: 'sequence', asns: [65001] }] };
const NEXT_HOP: PathAttribute = { type: 'next-hop', nextHop: A('198.51.100.11') };
const WITHDRAW_10: FamilyNlri = { family: 'ipv4-unicast', nlri: { prefix: P('203.0.113.10/32') } };

/** Treat-as-withdraw: nothing is announced, the announced routes are listed for withdrawal. */
function expectTreatAsWithdraw(
  m: UpdateMessage,
  problems: { subcode: number; attribute?: number }[],
  withdrawn: FamilyNlri[] = [WITHDRAW_10],
): void {
  expect(m.nlri).toEqual([]);
  expect(m.attributes.filter((a) => a.type !== 'mp-unreach')).toEqual([]);
  expect(m.errorHandling?.action).toBe('treat-as-withdraw');
  expect(m.errorHandling?.problems.map((p) => ({ subcode: p.subcode, attribute: p.attribute }))).toEqual(
    problems.map((p) => ({ subcode: p.subcode, attribute: p.attribute })),
  );
  expect(m.errorHandling?.withdrawn).toEqual(withdrawn);
}

/** Attribute discard: the UPDATE stands without the bad attribute; nothing is withdrawn. */
function expectAttributeDiscard(
  m: UpdateMessage,
  problems: { subcode: number; attribute: number }[],
  attributes: PathAttribute[],
): void {
  expect(m.errorHandling?.action).toBe('attribute-discard');
  expect(m.errorHandling?.problems.map((p) => ({ action: p.action, subcode: p.subcode, attribute: p.attribute }))).toEqual(
    problems.map((p) => ({ action: 'attribute-discard', ...p })),
  );
  expect(m.errorHandling?.withdrawn).toEqual([]);
  expect(m.attributes).toEqual(attributes);
  expect(m.nlri).toEqual([{ prefix: P('203.0.113.10/32') }]);
}

// ---- session reset: RFC 4271 6.3 -----------------------------------------------------------------

describe('UPDATE session reset: the two length fields (RFC 4271 6.3: Malformed Attribute List)', () => {
  it('a Withdrawn Routes Length running past the message is (3,1)', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x1b, // length 27
          0x02, // type 2 UPDATE
          0x00, 0x08, // Withdrawn Routes Length 8, but only 6 octets follow
          0x18, 0xc6, 0x33, 0x64, // 198.51.100.0/24
          0x00, 0x00, // Total Path Attribute Length 0
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 1]);
  });

  it('a Withdrawn Routes Length leaving no room for the Total Path Attribute Length is (3,1)', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x17, // length 23
          0x02, // type 2 UPDATE
          0x00, 0x02, // Withdrawn Routes Length 2: 2 + 23 exceeds the length 23
          0x00, 0x00, // meant as Total Path Attribute Length 0
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 1]);
  });

  it('a Total Path Attribute Length running past the message is (3,1)', () => {
    const e = decodeError(
      whole(
        bytes(
          MARKER,
          0x00, 0x2e, // length 46
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x18, // Total Path Attribute Length 24, but only 23 octets follow (18 of attributes, 5 of NLRI)
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 1]);
  });
});

describe('UPDATE session reset: unparsable prefixes (RFC 4271 6.3, RFC 7606 5.3: Invalid Network Field)', () => {
  it('a withdrawn prefix of length 33 is (3,10)', () => {
    const e = decodeError(
      framed(
        bytes(
          MARKER,
          0x00, 0x1c, // length 28
          0x02, // type 2 UPDATE
          0x00, 0x05, // Withdrawn Routes Length 5
          0x21, 0xcb, 0x00, 0x71, 0x0a, // prefix length 33 (more than 32), 4 octets
          0x00, 0x00, // Total Path Attribute Length 0
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 10]);
  });

  it('a withdrawn prefix running past the Withdrawn Routes field is (3,10)', () => {
    const e = decodeError(
      framed(
        bytes(
          MARKER,
          0x00, 0x1a, // length 26
          0x02, // type 2 UPDATE
          0x00, 0x03, // Withdrawn Routes Length 3
          0x18, 0xc6, 0x33, // prefix length 24 needs 3 octets, the field has 2 left
          0x00, 0x00, // Total Path Attribute Length 0
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 10]);
  });

  it('an NLRI prefix of length 33 is (3,10)', () => {
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2e, // length 46
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x12, // Total Path Attribute Length 18
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0x21, 0xcb, 0x00, 0x71, 0x0a, // NLRI: prefix length 33 (more than 32), 4 octets
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 10]);
  });

  it('an NLRI prefix running past the message is (3,10)', () => {
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2d, // length 45
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x12, // Total Path Attribute Length 18
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0x20, 0xcb, 0x00, 0x71, // NLRI: prefix length 32 needs 4 octets, 3 are left
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 10]);
  });

  const addPathV4 = ctxWith({ addPathReceive: ['ipv4-unicast'] });

  it('with ADD-PATH (RFC 7911), an NLRI cut inside its path identifier is (3,10)', () => {
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x35, // length 53
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x12, // Total Path Attribute Length 18
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0x00, 0x00, 0x00, 0x01, // NLRI: path identifier 1
          PREFIX_10, // 203.0.113.10/32
          0x00, 0x00, 0x00, // 3 octets of the next path identifier, then the message ends
        ),
      ),
      addPathV4,
    );
    expect([e.code, e.subcode]).toEqual([3, 10]);
  });

  it('with ADD-PATH, a withdrawn route that is only a path identifier is (3,10)', () => {
    const e = decodeError(
      framed(
        bytes(
          MARKER,
          0x00, 0x1b, // length 27
          0x02, // type 2 UPDATE
          0x00, 0x04, // Withdrawn Routes Length 4
          0x00, 0x00, 0x00, 0x01, // path identifier 1, and no prefix
          0x00, 0x00, // Total Path Attribute Length 0
        ),
      ),
      addPathV4,
    );
    expect([e.code, e.subcode]).toEqual([3, 10]);
  });
});

describe('UPDATE session reset: MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 7, RFC 7606 7.11)', () => {
  // RFC 4271 6.3: Optional Attribute Error, the data is the attribute (type, length, value),
  // where the type is the flags octet and the type code (RFC 4271 4.3).
  it('an IPv6 MP_REACH_NLRI with a 4-octet next hop is (3,9) with the attribute as data', () => {
    const attr = [
      0x80, 0x0e, 0x10, // MP_REACH_NLRI: flags optional, type 14, length 16
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x04, // next hop length 4: an IPv6 next hop is 16 or 32
      0xc6, 0x33, 0x64, 0x0b, // 198.51.100.11
      0x00, // reserved
      0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, // 2001:db8:1::/48
    ];
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x35, // length 53
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x1e, // Total Path Attribute Length 30
          attr, // 19 octets
          ORIGIN_IGP,
          AS_PATH_65001,
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 9]);
    expect(Array.from(e.data)).toEqual(attr);
  });

  it('an IPv4 MP_REACH_NLRI with a 16-octet next hop is (3,9) with the attribute as data', () => {
    const attr = [
      0x80, 0x0e, 0x1a, // MP_REACH_NLRI: flags optional, type 14, length 26
      0x00, 0x01, // AFI 1 (IPv4)
      0x01, // SAFI 1 (unicast)
      0x10, // next hop length 16: an IPv4 next hop is 4 (no extended next hop negotiated)
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, // 2001:db8::b
      0x00, // reserved
      0x20, 0xcb, 0x00, 0x71, 0x0a, // 203.0.113.10/32
    ];
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x3f, // length 63
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x28, // Total Path Attribute Length 40
          attr, // 29 octets
          ORIGIN_IGP,
          AS_PATH_65001,
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 9]);
    expect(Array.from(e.data)).toEqual(attr);
  });

  it('an IPv6 prefix of length 129 in MP_REACH_NLRI is (3,9) with the attribute as data', () => {
    const attr = [
      0x80, 0x0e, 0x27, // MP_REACH_NLRI: flags optional, type 14, length 39
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x10, // next hop length 16
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, // 2001:db8::b
      0x00, // reserved
      0x81, // prefix length 129 (more than 128) ...
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, // ... and its 17 octets
    ];
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x4c, // length 76
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x35, // Total Path Attribute Length 53
          attr, // 42 octets
          ORIGIN_IGP,
          AS_PATH_65001,
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 9]);
    expect(Array.from(e.data)).toEqual(attr);
  });

  it('an IPv6 prefix running past MP_REACH_NLRI is (3,9) with the attribute as data', () => {
    const attr = [
      0x80, 0x0e, 0x1a, // MP_REACH_NLRI: flags optional, type 14, length 26
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x10, // next hop length 16
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, // 2001:db8::b
      0x00, // reserved
      0x40, 0x20, 0x01, 0x0d, 0xb8, // prefix length 64 needs 8 octets, 4 are left
    ];
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x3f, // length 63
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x28, // Total Path Attribute Length 40
          attr, // 29 octets
          ORIGIN_IGP,
          AS_PATH_65001,
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 9]);
    expect(Array.from(e.data)).toEqual(attr);
  });

  it('an MP_REACH_NLRI that stops after AFI and SAFI is (3,9) with the attribute as data', () => {
    const attr = [
      0x80, 0x0e, 0x03, // MP_REACH_NLRI: flags optional, type 14, length 3
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast); no next hop length
    ];
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x28, // length 40
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x11, // Total Path Attribute Length 17
          attr, // 6 octets
          ORIGIN_IGP,
          AS_PATH_65001,
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 9]);
    expect(Array.from(e.data)).toEqual(attr);
  });

  it('an MP_REACH_NLRI whose next hop runs past the attribute is (3,9) with the attribute as data', () => {
    const attr = [
      0x80, 0x0e, 0x0c, // MP_REACH_NLRI: flags optional, type 14, length 12
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x10, // next hop length 16, 8 octets are left
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, // half of 2001:db8::b
    ];
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x31, // length 49
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x1a, // Total Path Attribute Length 26
          attr, // 15 octets
          ORIGIN_IGP,
          AS_PATH_65001,
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 9]);
    expect(Array.from(e.data)).toEqual(attr);
  });

  it('with IPv6 ADD-PATH, an MP_REACH_NLRI cut inside a path identifier is (3,9) with the attribute as data', () => {
    const attr = [
      0x80, 0x0e, 0x18, // MP_REACH_NLRI: flags optional, type 14, length 24
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x10, // next hop length 16
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, // 2001:db8::b
      0x00, // reserved
      0x00, 0x00, 0x01, // 3 octets of a 4-octet path identifier
    ];
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x3d, // length 61
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x26, // Total Path Attribute Length 38
          attr, // 27 octets
          ORIGIN_IGP,
          AS_PATH_65001,
        ),
      ),
      ctxWith({ addPathReceive: ['ipv6-unicast'] }),
    );
    expect([e.code, e.subcode]).toEqual([3, 9]);
    expect(Array.from(e.data)).toEqual(attr);
  });

  it('an IPv6 prefix running past MP_UNREACH_NLRI is (3,9) with the attribute as data', () => {
    const attr = [
      0x80, 0x0f, 0x08, // MP_UNREACH_NLRI: flags optional, type 15, length 8
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x40, 0x20, 0x01, 0x0d, 0xb8, // prefix length 64 needs 8 octets, 4 are left
    ];
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x22, // length 34
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x0b, // Total Path Attribute Length 11
          attr, // 11 octets
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 9]);
    expect(Array.from(e.data)).toEqual(attr);
  });

  // RFC 7606 3(c): Optional/Transitive bits in conflict make the attribute malformed, handled as its
  // own specification says; for MP_REACH_NLRI that is a session reset (RFC 7606 7.11).
  it('an MP_REACH_NLRI flagged optional transitive is (3,4) with the attribute as data', () => {
    const attr = [
      0xc0, 0x0e, 0x1c, // MP_REACH_NLRI: flags optional TRANSITIVE (must be optional non-transitive), type 14, length 28
      0x00, 0x02, // AFI 2 (IPv6)
      0x01, // SAFI 1 (unicast)
      0x10, // next hop length 16
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, // 2001:db8::b
      0x00, // reserved
      0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, // 2001:db8:1::/48
    ];
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x41, // length 65
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x2a, // Total Path Attribute Length 42
          attr, // 31 octets
          ORIGIN_IGP,
          AS_PATH_65001,
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 4]);
    expect(Array.from(e.data)).toEqual(attr);
  });

  it('MP_REACH_NLRI twice is (3,1) (RFC 7606 3(g))', () => {
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x60, // length 96
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x49, // Total Path Attribute Length 73
          MP_REACH_V6, // 31 octets: 2001:db8:1::/48
          0x80, 0x0e, 0x1c, // MP_REACH_NLRI again: flags optional, type 14, length 28
          0x00, 0x02, // AFI 2 (IPv6)
          0x01, // SAFI 1 (unicast)
          0x10, // next hop length 16
          0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, // 2001:db8::c
          0x00, // reserved
          0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, // 2001:db8:2::/48
          ORIGIN_IGP,
          AS_PATH_65001,
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 1]);
  });

  it('MP_UNREACH_NLRI twice is (3,1) (RFC 7606 3(g))', () => {
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x23, // length 35
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x0c, // Total Path Attribute Length 12
          0x80, 0x0f, 0x03, // MP_UNREACH_NLRI: flags optional, type 15, length 3
          0x00, 0x02, 0x01, // AFI 2 (IPv6), SAFI 1; nothing withdrawn
          0x80, 0x0f, 0x03, // MP_UNREACH_NLRI again, length 3
          0x00, 0x02, 0x01, // AFI 2 (IPv6), SAFI 1
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 1]);
  });

  // RFC 7606 4 would make an overrunning attribute treat-as-withdraw "unless some other, more severe
  // error is encountered": an MP_REACH_NLRI that cannot be parsed hides routes that cannot be withdrawn.
  it('an MP_REACH_NLRI running past the attribute list is a session reset (3,1)', () => {
    const e = decodeError(
      framed(
        bytes(
          MARKER,
          0x00, 0x39, // length 57
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x22, // Total Path Attribute Length 34
          ORIGIN_IGP,
          AS_PATH_65001,
          0x80, 0x0e, 0x1c, // MP_REACH_NLRI: flags optional, type 14, length 28, but 20 octets are left in the list
          0x00, 0x02, // AFI 2 (IPv6)
          0x01, // SAFI 1 (unicast)
          0x10, // next hop length 16
          0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, // 2001:db8::b
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 1]);
  });
});

// ---- RFC 7606: treat-as-withdraw ---------------------------------------------------------------

describe('RFC 7606 treat-as-withdraw: malformed well-known attributes', () => {
  it('ORIGIN of length 2 (RFC 7606 7.1; Attribute Length Error, 5)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2f, // length 47
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x13, // Total Path Attribute Length 19
          0x40, 0x01, 0x02, // ORIGIN: flags well-known transitive, type 1, length 2 (must be 1)
          0x00, 0x00, // IGP and a stray octet
          AS_PATH_65001,
          NEXT_HOP_11,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 5, attribute: 1 }]);
  });

  it('ORIGIN value 3 (RFC 7606 7.1; Invalid ORIGIN Attribute, 6)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2e, // length 46
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x12, // Total Path Attribute Length 18
          0x40, 0x01, 0x01, // ORIGIN: flags well-known transitive, type 1, length 1
          0x03, // 3: not IGP, EGP or INCOMPLETE
          AS_PATH_65001,
          NEXT_HOP_11,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 6, attribute: 1 }]);
  });

  it('keeps the Withdrawn Routes field as it was, next to the routes it adds for withdrawal', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x32, // length 50
          0x02, // type 2 UPDATE
          0x00, 0x04, // Withdrawn Routes Length 4
          0x18, 0xc6, 0x33, 0x64, // 198.51.100.0/24
          0x00, 0x12, // Total Path Attribute Length 18
          0x40, 0x01, 0x01, // ORIGIN: flags well-known transitive, type 1, length 1
          0x03, // 3: undefined
          AS_PATH_65001,
          NEXT_HOP_11,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expect(m.withdrawn).toEqual([{ prefix: P('198.51.100.0/24') }]);
    expectTreatAsWithdraw(m, [{ subcode: 6, attribute: 1 }]);
  });

  it('with ADD-PATH, each path identifier is withdrawn', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x3b, // length 59
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x12, // Total Path Attribute Length 18
          0x40, 0x01, 0x01, // ORIGIN: flags well-known transitive, type 1, length 1
          0x03, // 3: undefined
          AS_PATH_65001,
          NEXT_HOP_11,
          0x00, 0x00, 0x00, 0x01, // NLRI: path identifier 1
          PREFIX_10, // 203.0.113.10/32
          0x00, 0x00, 0x00, 0x02, // path identifier 2
          PREFIX_10, // 203.0.113.10/32
        ),
      ),
      ctxWith({ addPathReceive: ['ipv4-unicast'] }),
    );
    expectTreatAsWithdraw(
      m,
      [{ subcode: 6, attribute: 1 }],
      [
        { family: 'ipv4-unicast', nlri: { prefix: P('203.0.113.10/32'), pathId: 1 } },
        { family: 'ipv4-unicast', nlri: { prefix: P('203.0.113.10/32'), pathId: 2 } },
      ],
    );
  });

  it('AS_PATH with segment type 5 (RFC 7606 7.2; Malformed AS_PATH, 11)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2e, // length 46
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x12, // Total Path Attribute Length 18
          ORIGIN_IGP,
          0x40, 0x02, 0x04, // AS_PATH: flags well-known transitive, type 2, length 4
          0x05, 0x01, // segment type 5 (undefined), 1 AS
          0xfd, 0xe9, // AS 65001
          NEXT_HOP_11,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 11, attribute: 2 }]);
  });

  it('AS_PATH with a zero-length segment (RFC 7606 7.2)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2c, // length 44
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x10, // Total Path Attribute Length 16
          ORIGIN_IGP,
          0x40, 0x02, 0x02, // AS_PATH: flags well-known transitive, type 2, length 2
          0x02, 0x00, // AS_SEQUENCE of 0 ASes
          NEXT_HOP_11,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 11, attribute: 2 }]);
  });

  it('AS_PATH whose segment runs past the attribute (RFC 7606 7.2)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2e, // length 46
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x12, // Total Path Attribute Length 18
          ORIGIN_IGP,
          0x40, 0x02, 0x04, // AS_PATH: flags well-known transitive, type 2, length 4
          0x02, 0x02, // AS_SEQUENCE of 2 ASes: needs 4 octets, 2 are left
          0xfd, 0xe9, // AS 65001
          NEXT_HOP_11,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 11, attribute: 2 }]);
  });

  it('AS_PATH with a stray octet after its last segment (RFC 7606 7.2)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2f, // length 47
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x13, // Total Path Attribute Length 19
          ORIGIN_IGP,
          0x40, 0x02, 0x05, // AS_PATH: flags well-known transitive, type 2, length 5
          0x02, 0x01, // AS_SEQUENCE of 1
          0xfd, 0xe9, // AS 65001
          0x02, // half a segment header
          NEXT_HOP_11,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 11, attribute: 2 }]);
  });

  it('a 2-octet AS_PATH on a 4-octet AS session (RFC 6793) overruns its segment', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2e, // length 46
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x12, // Total Path Attribute Length 18
          ORIGIN_IGP,
          AS_PATH_65001, // AS_SEQUENCE of 1 AS in 2 octets: a 4-octet AS needs 4
          NEXT_HOP_11,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
      ctxWith({ fourOctetAs: true }),
    );
    expectTreatAsWithdraw(m, [{ subcode: 11, attribute: 2 }]);
  });

  it('NEXT_HOP of length 5 (RFC 7606 7.3)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2f, // length 47
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x13, // Total Path Attribute Length 19
          ORIGIN_IGP,
          AS_PATH_65001,
          0x40, 0x03, 0x05, // NEXT_HOP: flags well-known transitive, type 3, length 5 (must be 4)
          0xc6, 0x33, 0x64, 0x0b, 0x00, // 198.51.100.11 and a stray octet
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 5, attribute: 3 }]);
  });

  it('NEXT_HOP of length 3 (RFC 7606 7.3)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2d, // length 45
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x11, // Total Path Attribute Length 17
          ORIGIN_IGP,
          AS_PATH_65001,
          0x40, 0x03, 0x03, // NEXT_HOP: flags well-known transitive, type 3, length 3 (must be 4)
          0xc6, 0x33, 0x64, // three octets of an address
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 5, attribute: 3 }]);
  });

  it('LOCAL_PREF of length 5 (RFC 7606 7.5)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x36, // length 54
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x1a, // Total Path Attribute Length 26
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0x40, 0x05, 0x05, // LOCAL_PREF: flags well-known transitive, type 5, length 5 (must be 4)
          0x00, 0x00, 0x00, 0x64, 0x00, // 100 and a stray octet
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 5, attribute: 5 }]);
  });
});

describe('RFC 7606 treat-as-withdraw: malformed optional attributes', () => {
  it('MULTI_EXIT_DISC of length 2 (RFC 7606 7.4)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x33, // length 51
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x17, // Total Path Attribute Length 23
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0x80, 0x04, 0x02, // MULTI_EXIT_DISC: flags optional, type 4, length 2 (must be 4)
          0x00, 0x64, // 100 in 2 octets
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 5, attribute: 4 }]);
  });

  it('COMMUNITIES of length 6 (RFC 7606 7.8)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x37, // length 55
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x1b, // Total Path Attribute Length 27
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0x08, 0x06, // COMMUNITIES: flags optional transitive, type 8, length 6 (a multiple of 4)
          0xfd, 0xe8, 0x00, 0x64, // 65000:100
          0xfd, 0xe8, // half a community
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 5, attribute: 8 }]);
  });

  it('COMMUNITIES of length 0 (RFC 7606 7.8: a non-zero multiple of 4)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x31, // length 49
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x15, // Total Path Attribute Length 21
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0x08, 0x00, // COMMUNITIES: flags optional transitive, type 8, length 0
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 5, attribute: 8 }]);
  });

  it('EXTENDED_COMMUNITIES of length 12 (RFC 7606 7.14)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x3d, // length 61
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x21, // Total Path Attribute Length 33
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0x10, 0x0c, // EXTENDED_COMMUNITIES: flags optional transitive, type 16, length 12 (a multiple of 8)
          0x00, 0x02, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x64, // route target 65000:100
          0x00, 0x02, 0xfd, 0xe8, // half an extended community
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 5, attribute: 16 }]);
  });

  it('IPV6_EXTENDED_COMMUNITIES of length 16 (RFC 7606 7.14)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x41, // length 65
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x25, // Total Path Attribute Length 37
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0x19, 0x10, // IPV6_EXTENDED_COMMUNITIES: flags optional transitive, type 25, length 16 (not a multiple of 20)
          0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // most of one
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 5, attribute: 25 }]);
  });

  it('LARGE_COMMUNITY of length 8 (RFC 8092 6)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x39, // length 57
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x1d, // Total Path Attribute Length 29
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0x20, 0x08, // LARGE_COMMUNITY: flags optional transitive, type 32, length 8 (a multiple of 12)
          0x00, 0x00, 0xfd, 0xe8, // global administrator 65000
          0x00, 0x00, 0x00, 0x01, // local data part 1; no local data part 2
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 5, attribute: 32 }]);
  });
});

describe('RFC 7606 treat-as-withdraw: attribute flags (RFC 7606 3(c), RFC 4271 4.3)', () => {
  it('ORIGIN flagged optional transitive is an Attribute Flags Error (4)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2e, // length 46
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x12, // Total Path Attribute Length 18
          0xc0, 0x01, 0x01, // ORIGIN: flags OPTIONAL transitive (must be well-known), type 1, length 1
          0x00, // IGP
          AS_PATH_65001,
          NEXT_HOP_11,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 4, attribute: 1 }]);
  });

  it('NEXT_HOP without the Transitive bit is an Attribute Flags Error (4)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2e, // length 46
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x12, // Total Path Attribute Length 18
          ORIGIN_IGP,
          AS_PATH_65001,
          0x00, 0x03, 0x04, // NEXT_HOP: flags 0 (well-known must be transitive), type 3, length 4
          0xc6, 0x33, 0x64, 0x0b, // 198.51.100.11
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 4, attribute: 3 }]);
  });

  it('the Partial bit on a well-known attribute (ORIGIN) is an Attribute Flags Error (4)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2e, // length 46
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x12, // Total Path Attribute Length 18
          0x60, 0x01, 0x01, // ORIGIN: flags well-known transitive + PARTIAL, type 1, length 1
          0x00, // IGP
          AS_PATH_65001,
          NEXT_HOP_11,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 4, attribute: 1 }]);
  });

  it('the Partial bit on an optional non-transitive attribute (MULTI_EXIT_DISC) is an Attribute Flags Error (4)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x35, // length 53
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x19, // Total Path Attribute Length 25
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xa0, 0x04, 0x04, // MULTI_EXIT_DISC: flags optional + PARTIAL, type 4, length 4
          0x00, 0x00, 0x00, 0x64, // 100
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 4, attribute: 4 }]);
  });

  it('an unrecognized well-known attribute is Unrecognized Well-known Attribute (2)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x33, // length 51
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x17, // Total Path Attribute Length 23
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0x40, 0xff, 0x02, // flags WELL-KNOWN transitive, type 255 (reserved for development), length 2
          0x00, 0x00, // its value
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 2, attribute: 255 }]);
  });
});

describe('RFC 7606 treat-as-withdraw: missing well-known attributes (RFC 7606 3(d))', () => {
  it('no ORIGIN with NLRI present is Missing Well-known Attribute (3)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x2a, // length 42
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x0e, // Total Path Attribute Length 14
          AS_PATH_65001,
          NEXT_HOP_11,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 3, attribute: 1 }]);
  });

  it('no AS_PATH with NLRI present is (3)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x27, // length 39
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x0b, // Total Path Attribute Length 11
          ORIGIN_IGP,
          NEXT_HOP_11,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 3, attribute: 2 }]);
  });

  it('no NEXT_HOP with IPv4 NLRI present is (3)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x27, // length 39
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x0b, // Total Path Attribute Length 11
          ORIGIN_IGP,
          AS_PATH_65001,
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 3, attribute: 3 }]);
  });

  it('NLRI with no attributes at all lists all three', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x1c, // length 28
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x00, // Total Path Attribute Length 0
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [
      { subcode: 3, attribute: 1 },
      { subcode: 3, attribute: 2 },
      { subcode: 3, attribute: 3 },
    ]);
  });

  it('an IPv6 MP_REACH_NLRI without ORIGIN needs no NEXT_HOP, and its prefixes are withdrawn', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x3d, // length 61
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x26, // Total Path Attribute Length 38
          MP_REACH_V6, // 31 octets: 2001:db8:1::/48
          AS_PATH_65001,
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 3, attribute: 1 }], [{ family: 'ipv6-unicast', nlri: { prefix: P('2001:db8:1::/48') } }]);
  });

  it('an UPDATE that only withdraws IPv4 routes needs no attributes', () => {
    const m = decodeUpdate(
      framed(
        bytes(
          MARKER,
          0x00, 0x1c, // length 28
          0x02, // type 2 UPDATE
          0x00, 0x05, // Withdrawn Routes Length 5
          PREFIX_10, // 203.0.113.10/32
          0x00, 0x00, // Total Path Attribute Length 0
        ),
      ),
    );
    expect(m).toEqual({ type: 'update', withdrawn: [{ prefix: P('203.0.113.10/32') }], attributes: [], nlri: [] });
  });

  it('an UPDATE that only withdraws IPv6 routes (MP_UNREACH_NLRI) needs no other attributes', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x24, // length 36
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x0d, // Total Path Attribute Length 13
          0x80, 0x0f, 0x0a, // MP_UNREACH_NLRI: flags optional, type 15, length 10
          0x00, 0x02, // AFI 2 (IPv6)
          0x01, // SAFI 1 (unicast)
          0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, // 2001:db8:1::/48
        ),
      ),
    );
    expect(m.errorHandling).toBeUndefined();
    expect(m.attributes).toEqual([{ type: 'mp-unreach', family: 'ipv6-unicast', withdrawn: [{ prefix: P('2001:db8:1::/48') }] }]);
  });
});

describe('RFC 7606 4: attribute lengths in conflict with the Total Path Attribute Length', () => {
  it('an attribute running past the list is treat-as-withdraw, and the NLRI after the list is still found', () => {
    const m = decodeUpdate(
      framed(
        bytes(
          MARKER,
          0x00, 0x39, // length 57
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x19, // Total Path Attribute Length 25
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0x08, 0x08, // COMMUNITIES: flags optional transitive, type 8, length 8, but 4 octets are left in the list
          0xfd, 0xe8, 0x00, 0x64, // 65000:100
          PREFIX_10, // NLRI 203.0.113.10/32
          0x18, 0xc6, 0x33, 0x64, // NLRI 198.51.100.0/24
        ),
      ),
    );
    expectTreatAsWithdraw(
      m,
      [{ subcode: 1, attribute: 8 }],
      [WITHDRAW_10, { family: 'ipv4-unicast', nlri: { prefix: P('198.51.100.0/24') } }],
    );
  });

  it('fewer than 3 octets left at the end of the list is treat-as-withdraw', () => {
    const m = decodeUpdate(
      framed(
        bytes(
          MARKER,
          0x00, 0x30, // length 48
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x14, // Total Path Attribute Length 20
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0x08, // 2 octets: flags and type of an attribute with no room for its length
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 1 }]);
  });

  it('fewer than 4 octets left for an attribute with the Extended Length bit is treat-as-withdraw', () => {
    const m = decodeUpdate(
      framed(
        bytes(
          MARKER,
          0x00, 0x31, // length 49
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x15, // Total Path Attribute Length 21
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xd0, 0x08, // COMMUNITIES: flags optional transitive EXTENDED LENGTH, type 8
          0x00, // one octet of the 2-octet length
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 1, attribute: 8 }]);
  });
});

describe('RFC 7606 treat-as-withdraw of MP_REACH_NLRI routes', () => {
  it('a malformed COMMUNITIES after an IPv6 MP_REACH_NLRI withdraws the IPv6 prefixes', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x4e, // length 78
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x37, // Total Path Attribute Length 55
          0x80, 0x0e, 0x23, // MP_REACH_NLRI: flags optional, type 14, length 35
          0x00, 0x02, // AFI 2 (IPv6)
          0x01, // SAFI 1 (unicast)
          0x10, // next hop length 16
          0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, // 2001:db8::b
          0x00, // reserved
          0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, // 2001:db8:1::/48
          0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, // 2001:db8:2::/48
          ORIGIN_IGP,
          AS_PATH_65001,
          0xc0, 0x08, 0x03, // COMMUNITIES: flags optional transitive, type 8, length 3 (a multiple of 4)
          0xfd, 0xe8, 0x00, // three octets of a community
        ),
      ),
    );
    expectTreatAsWithdraw(
      m,
      [{ subcode: 5, attribute: 8 }],
      [
        { family: 'ipv6-unicast', nlri: { prefix: P('2001:db8:1::/48') } },
        { family: 'ipv6-unicast', nlri: { prefix: P('2001:db8:2::/48') } },
      ],
    );
    expect(m.attributes).toEqual([]);
  });

  it('keeps the MP_UNREACH_NLRI of a treat-as-withdraw UPDATE', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x52, // length 82
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x3b, // Total Path Attribute Length 59
          0x80, 0x0f, 0x0a, // MP_UNREACH_NLRI: flags optional, type 15, length 10
          0x00, 0x02, // AFI 2 (IPv6)
          0x01, // SAFI 1 (unicast)
          0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x03, // 2001:db8:3::/48
          MP_REACH_V6, // 31 octets: 2001:db8:1::/48
          ORIGIN_IGP,
          AS_PATH_65001,
          0xc0, 0x08, 0x01, // COMMUNITIES: flags optional transitive, type 8, length 1 (a multiple of 4)
          0x00, // one octet of a community
        ),
      ),
    );
    expectTreatAsWithdraw(m, [{ subcode: 5, attribute: 8 }], [{ family: 'ipv6-unicast', nlri: { prefix: P('2001:db8:1::/48') } }]);
    expect(m.attributes).toEqual([{ type: 'mp-unreach', family: 'ipv6-unicast', withdrawn: [{ prefix: P('2001:db8:3::/48') }] }]);
  });
});

// ---- RFC 7606: attribute discard ---------------------------------------------------------------

describe('RFC 7606 attribute discard', () => {
  it('ATOMIC_AGGREGATE with a value (RFC 7606 7.6)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x32, // length 50
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x16, // Total Path Attribute Length 22
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0x40, 0x06, 0x01, // ATOMIC_AGGREGATE: flags well-known transitive, type 6, length 1 (must be 0)
          0x00, // a value it cannot have
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectAttributeDiscard(m, [{ subcode: 5, attribute: 6 }], [ORIGIN, AS_PATH, NEXT_HOP]);
  });

  it('AGGREGATOR of length 8 on a 2-octet AS session (RFC 7606 7.7)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x39, // length 57
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x1d, // Total Path Attribute Length 29
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0x07, 0x08, // AGGREGATOR: flags optional transitive, type 7, length 8 (6 without 4-octet AS)
          0x00, 0x00, 0xfd, 0xe9, // AS 65001 in 4 octets
          0xc6, 0x33, 0x64, 0x0b, // 198.51.100.11
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectAttributeDiscard(m, [{ subcode: 5, attribute: 7 }], [ORIGIN, AS_PATH, NEXT_HOP]);
  });

  it('AGGREGATOR of length 6 on a 4-octet AS session (RFC 7606 7.7)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x39, // length 57
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x1d, // Total Path Attribute Length 29
          ORIGIN_IGP,
          0x40, 0x02, 0x06, // AS_PATH: flags well-known transitive, type 2, length 6
          0x02, 0x01, // AS_SEQUENCE of 1
          0x00, 0x00, 0xfd, 0xe9, // AS 65001 in 4 octets
          NEXT_HOP_11,
          0xc0, 0x07, 0x06, // AGGREGATOR: flags optional transitive, type 7, length 6 (8 with 4-octet AS)
          0xfd, 0xe9, // AS 65001 in 2 octets
          0xc6, 0x33, 0x64, 0x0b, // 198.51.100.11
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
      ctxWith({ fourOctetAs: true }),
    );
    expectAttributeDiscard(m, [{ subcode: 5, attribute: 7 }], [ORIGIN, AS_PATH, NEXT_HOP]);
  });

  it('AS4_PATH with segment type 0 (RFC 6793 6)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x37, // length 55
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x1b, // Total Path Attribute Length 27
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0x11, 0x06, // AS4_PATH: flags optional transitive, type 17, length 6
          0x00, 0x01, // segment type 0 (undefined), 1 AS
          0x00, 0x00, 0xfd, 0xe9, // AS 65001
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectAttributeDiscard(m, [{ subcode: 11, attribute: 17 }], [ORIGIN, AS_PATH, NEXT_HOP]);
  });

  it('AS4_PATH whose segment runs past the attribute (RFC 6793 6)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x37, // length 55
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x1b, // Total Path Attribute Length 27
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0x11, 0x06, // AS4_PATH: flags optional transitive, type 17, length 6
          0x02, 0x02, // AS_SEQUENCE of 2 ASes: needs 8 octets, 4 are left
          0x00, 0x00, 0xfd, 0xe9, // AS 65001
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectAttributeDiscard(m, [{ subcode: 11, attribute: 17 }], [ORIGIN, AS_PATH, NEXT_HOP]);
  });

  it('AS4_PATH with a zero-length segment (RFC 6793 6)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x33, // length 51
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x17, // Total Path Attribute Length 23
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0x11, 0x02, // AS4_PATH: flags optional transitive, type 17, length 2
          0x02, 0x00, // AS_SEQUENCE of 0 ASes
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectAttributeDiscard(m, [{ subcode: 11, attribute: 17 }], [ORIGIN, AS_PATH, NEXT_HOP]);
  });

  // RFC 6793 6: malformed if "the attribute length is not a multiple of two or is too small (i.e.,
  // less than 6) for the attribute to carry at least one AS number".
  it('AS4_PATH of length 0 (RFC 6793 6: less than 6)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x31, // length 49
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x15, // Total Path Attribute Length 21
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0x11, 0x00, // AS4_PATH: flags optional transitive, type 17, length 0
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expect(m.errorHandling?.action).toBe('attribute-discard');
    expect(m.errorHandling?.problems.map((p) => p.attribute)).toEqual([17]);
    expect(m.errorHandling?.withdrawn).toEqual([]);
    expect(m.attributes).toEqual([ORIGIN, AS_PATH, NEXT_HOP]);
    expect(m.nlri).toEqual([{ prefix: P('203.0.113.10/32') }]);
  });

  it('AS4_AGGREGATOR of length 6 (RFC 6793 6: must be 8)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x37, // length 55
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x1b, // Total Path Attribute Length 27
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0x12, 0x06, // AS4_AGGREGATOR: flags optional transitive, type 18, length 6 (must be 8)
          0xfd, 0xe9, // AS 65001 in 2 octets
          0xc6, 0x33, 0x64, 0x0b, // 198.51.100.11
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectAttributeDiscard(m, [{ subcode: 5, attribute: 18 }], [ORIGIN, AS_PATH, NEXT_HOP]);
  });

  it('a repeated attribute keeps the first and discards the rest (RFC 7606 3(g); Malformed Attribute List, 1)', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x32, // length 50
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x16, // Total Path Attribute Length 22
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0x40, 0x01, 0x01, // ORIGIN again: flags well-known transitive, type 1, length 1
          0x02, // INCOMPLETE
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectAttributeDiscard(m, [{ subcode: 1, attribute: 1 }], [ORIGIN, AS_PATH, NEXT_HOP]);
  });

  it('a repeated unrecognized optional attribute keeps the first (RFC 7606 3(g): "recognized or unrecognized")', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x3a, // length 58
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x1e, // Total Path Attribute Length 30
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0xc0, 0xff, 0x03, // flags optional transitive, type 255 (reserved for development), length 3
          0x01, 0x02, 0x03, // its value
          0xc0, 0xff, 0x03, // type 255 again, length 3
          0x04, 0x05, 0x06, // another value
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectAttributeDiscard(
      m,
      [{ subcode: 1, attribute: 255 }],
      [ORIGIN, AS_PATH, NEXT_HOP, { type: 'unknown', code: 255, flags: 0xc0, data: H('010203') }],
    );
  });

  it('a discard and a treat-as-withdraw in one UPDATE: the more severe action wins, both are listed', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x37, // length 55
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x1b, // Total Path Attribute Length 27
          ORIGIN_IGP,
          AS_PATH_65001,
          NEXT_HOP_11,
          0x40, 0x06, 0x01, // ATOMIC_AGGREGATE: length 1 (must be 0): discard
          0x00, // a value it cannot have
          0x80, 0x04, 0x02, // MULTI_EXIT_DISC: length 2 (must be 4): treat-as-withdraw
          0x00, 0x64, // 100 in 2 octets
          PREFIX_10, // NLRI 203.0.113.10/32
        ),
      ),
    );
    expectTreatAsWithdraw(m, [
      { subcode: 5, attribute: 6 },
      { subcode: 5, attribute: 4 },
    ]);
    expect(m.errorHandling?.problems.map((p) => p.action)).toEqual(['attribute-discard', 'treat-as-withdraw']);
  });
});

// ---- RFC 7606 5.2: no reachable NLRI ---------------------------------------------------------------

// RFC 7606 5.2: an UPDATE "that does contain path attributes other than MP_UNREACH_NLRI and doesn't
// encode any reachable NLRI" may hide NLRI we failed to find, so "if any encountered error specifies
// an error-handling approach other than 'attribute discard', then the 'session reset' approach MUST
// be used."
describe('RFC 7606 5.2: attribute errors in an UPDATE without reachable NLRI', () => {
  it('a malformed ORIGIN in an UPDATE that only withdraws is a session reset (3,5) with the attribute as data', () => {
    const e = decodeError(
      tiled(
        bytes(
          MARKER,
          0x00, 0x21, // length 33
          0x02, // type 2 UPDATE
          0x00, 0x05, // Withdrawn Routes Length 5
          PREFIX_10, // 203.0.113.10/32
          0x00, 0x05, // Total Path Attribute Length 5
          0x40, 0x01, 0x02, // ORIGIN: flags well-known transitive, type 1, length 2 (must be 1)
          0x00, 0x00, // IGP and a stray octet; no NLRI
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 5]);
    expect(Array.from(e.data)).toEqual([0x40, 0x01, 0x02, 0x00, 0x00]);
  });

  it('an attribute running past the list of an UPDATE without NLRI is a session reset (3,1)', () => {
    const e = decodeError(
      framed(
        bytes(
          MARKER,
          0x00, 0x29, // length 41
          0x02, // type 2 UPDATE
          0x00, 0x00, // Withdrawn Routes Length 0
          0x00, 0x12, // Total Path Attribute Length 18
          ORIGIN_IGP,
          AS_PATH_65001,
          0xc0, 0x08, 0x08, // COMMUNITIES: length 8, but 4 octets are left in the list (an MP_REACH_NLRI could hide there)
          0xfd, 0xe8, 0x00, 0x64, // 65000:100; no NLRI
        ),
      ),
    );
    expect([e.code, e.subcode]).toEqual([3, 1]);
  });

  it('an attribute-discard error in an UPDATE without NLRI is still only a discard', () => {
    const m = decodeUpdate(
      tiled(
        bytes(
          MARKER,
          0x00, 0x24, // length 36
          0x02, // type 2 UPDATE
          0x00, 0x05, // Withdrawn Routes Length 5
          PREFIX_10, // 203.0.113.10/32
          0x00, 0x08, // Total Path Attribute Length 8
          ORIGIN_IGP,
          0x40, 0x06, 0x01, // ATOMIC_AGGREGATE: flags well-known transitive, type 6, length 1 (must be 0)
          0x00, // a value it cannot have; no NLRI
        ),
      ),
    );
    expect(m.errorHandling?.action).toBe('attribute-discard');
    expect(m.errorHandling?.problems.map((p) => ({ subcode: p.subcode, attribute: p.attribute }))).toEqual([
      { subcode: 5, attribute: 6 },
    ]);
    expect(m.withdrawn).toEqual([{ prefix: P('203.0.113.10/32') }]);
    expect(m.attributes).toEqual([ORIGIN]);
  });
});
