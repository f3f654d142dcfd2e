// What our OPEN says about graceful restart (RFC 4724, RFC 8538), and what two OPENs agree on:
// a table of our settings x the peer's OPEN, each row with everything the session takes from it.

import { describe, expect, it } from 'vitest';
import {
  BgpError,
  decodeMessage,
  DEFAULT_CONTEXT,
  encodeMessage,
  type AddPathDirection,
  type Capability,
  type Family,
  type OpenMessage,
} from '../../src/codec/index.js';
import { negotiateHoldTime } from '../../src/fsm/fsm.js';
import { buildOpen, negotiate, type SessionSettings } from '../../src/session/negotiate.js';

const LOCAL = { asn: 65000, routerId: '192.0.2.1' };
const PEER: SessionSettings = { asn: 65001, holdTime: 90, families: ['ipv4-unicast', 'ipv6-unicast'], addPath: 'off' };

function theirOpen(caps: Capability[]): OpenMessage {
  return { type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.9', capabilities: [{ type: 'four-octet-as', asn: 65001 }, ...caps] };
}

const GR = (notification: boolean): Capability => ({
  type: 'graceful-restart',
  restarting: false,
  notification,
  restartTime: 120,
  families: [{ afi: 1, safi: 1, forwardingPreserved: false }],
});

describe('graceful restart in the OPEN', () => {
  it('is advertised only when configured: restart time, the N bit, and F set for every family', () => {
    expect(buildOpen(LOCAL, PEER).capabilities.some((c) => c.type === 'graceful-restart')).toBe(false);
    const open = buildOpen(LOCAL, { ...PEER, gracefulRestart: { restartTime: 90 } });
    const gr = open.capabilities.find((c) => c.type === 'graceful-restart');
    expect(gr).toEqual({
      type: 'graceful-restart',
      restarting: false,
      notification: true,
      restartTime: 90,
      families: [
        { afi: 1, safi: 1, forwardingPreserved: true },
        { afi: 2, safi: 1, forwardingPreserved: true },
      ],
    });
    // And it survives the wire byte for byte.
    const bytes = encodeMessage(open, DEFAULT_CONTEXT);
    expect(decodeMessage(bytes, DEFAULT_CONTEXT)).toEqual(open);
  });

  it.each([
    ['we do, they do with N', { restartTime: 120 }, [GR(true)], true, true],
    ['we do, they do without N', { restartTime: 120 }, [GR(false)], true, false],
    ['we do, they do not', { restartTime: 120 }, [], false, false],
    ['we do not, they do', undefined, [GR(true)], false, false],
  ] as const)('%s: graceful restart %s, notification %s', (_why, ours, caps, gracefulRestart, gracefulNotification) => {
    const settings: SessionSettings = ours ? { ...PEER, gracefulRestart: ours } : PEER;
    const n = negotiate(LOCAL, settings, theirOpen([...caps]));
    expect({ gracefulRestart: n.gracefulRestart, gracefulNotification: n.gracefulNotification }).toEqual({ gracefulRestart, gracefulNotification });
  });
});

describe("the peer's graceful restart, as `announcer peers` shows it", () => {
  it('keeps its restart time, N and R bits and the families it preserves forwarding for (F), known families only', () => {
    const theirs: Capability = {
      type: 'graceful-restart',
      restarting: true,
      notification: true,
      restartTime: 90,
      families: [
        { afi: 1, safi: 1, forwardingPreserved: true },
        { afi: 2, safi: 1, forwardingPreserved: false },
        { afi: 1, safi: 128, forwardingPreserved: true }, // a family we do not know: left out
      ],
    };
    const n = negotiate(LOCAL, { ...PEER, gracefulRestart: { restartTime: 120 } }, theirOpen([theirs]));
    expect(n.peerGracefulRestart).toEqual({ restartTime: 90, notification: true, restarting: true, forwardingPreserved: ['ipv4-unicast'] });
    expect(n.gracefulRestart).toBe(true);
  });

  it('is kept when we do not advertise ours (not negotiated), and null when the peer did not advertise it', () => {
    const n = negotiate(LOCAL, PEER, theirOpen([GR(false)]));
    expect(n.peerGracefulRestart).toEqual({ restartTime: 120, notification: false, restarting: false, forwardingPreserved: [] });
    expect(n.gracefulRestart).toBe(false);
    expect(negotiate(LOCAL, { ...PEER, gracefulRestart: { restartTime: 120 } }, theirOpen([])).peerGracefulRestart).toBeNull();
  });
});

// ---- the whole negotiation, one row per case -----------------------------------------------

/** Everything the session takes from the two OPENs, flat, so a row states all of it. */
interface Outcome {
  readonly families: readonly Family[];
  readonly addPathSend: readonly Family[];
  readonly addPathReceive: readonly Family[];
  readonly fourOctetAs: boolean;
  readonly extendedMessage: boolean;
  readonly gracefulRestart: boolean;
  readonly gracefulNotification: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly peerAsn: number;
  readonly peerRouterId: string;
  /** What the session runs with (RFC 4271 4.2: the smaller of the two; decided by the FSM). */
  readonly holdTime: number;
}

/** Refused: the NOTIFICATION's (code, subcode), and its data as hex where the RFC names it. */
interface Refusal {
  readonly refused: readonly [code: number, subcode: number];
  readonly data?: string;
}

/**
 * The peer's OPEN as it arrives (encoded, then decoded: the decoder refuses some OPENs itself),
 * then negotiated against our settings.
 */
function outcome(ours: SessionSettings, open: OpenMessage): Outcome | Refusal {
  try {
    const theirs = decodeMessage(encodeMessage(open, DEFAULT_CONTEXT), DEFAULT_CONTEXT);
    if (theirs.type !== 'open') throw new Error(`decoded a ${theirs.type}`);
    const n = negotiate(LOCAL, ours, theirs);
    return {
      families: n.families,
      addPathSend: n.ctx.addPathSend,
      addPathReceive: n.ctx.addPathReceive,
      fourOctetAs: n.ctx.fourOctetAs,
      extendedMessage: n.ctx.extendedMessage,
      gracefulRestart: n.gracefulRestart,
      gracefulNotification: n.gracefulNotification,
      routeRefresh: n.routeRefresh,
      enhancedRouteRefresh: n.enhancedRouteRefresh,
      peerAsn: n.peerAsn,
      peerRouterId: n.peerRouterId,
      holdTime: negotiateHoldTime(ours.holdTime, theirs.holdTime),
    };
  } catch (e) {
    if (!(e instanceof BgpError)) throw e;
    const data = Buffer.from(e.data).toString('hex');
    return data ? { refused: [e.code, e.subcode], data } : { refused: [e.code, e.subcode] };
  }
}

const V4 = 'ipv4-unicast';
const V6 = 'ipv6-unicast';
const MP4: Capability = { type: 'multiprotocol', afi: 1, safi: 1 };
const MP6: Capability = { type: 'multiprotocol', afi: 2, safi: 1 };
const AS4 = (asn: number): Capability => ({ type: 'four-octet-as', asn });
const ADD_PATH = (direction: AddPathDirection, afi = 1): Capability => ({ type: 'add-path', families: [{ afi, safi: 1, direction }] });

/** Our side unless a row says otherwise: eBGP, both unicast families, no ADD-PATH, no graceful restart. */
const OURS: SessionSettings = { asn: 65001, holdTime: 90, families: [V4, V6], addPath: 'off' };
/** The peer's OPEN unless a row says otherwise: both families, 4-octet AS, nothing else. */
const THEIRS: OpenMessage = { type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.9', capabilities: [MP4, MP6, AS4(65001)] };
/** THEIRS with more capabilities. */
const plus = (...caps: Capability[]): Partial<OpenMessage> => ({ capabilities: [...THEIRS.capabilities, ...caps] });
/** What OURS and THEIRS agree on. */
const AGREED: Outcome = {
  families: [V4, V6],
  addPathSend: [],
  addPathReceive: [],
  fourOctetAs: true,
  extendedMessage: false,
  gracefulRestart: false,
  gracefulNotification: false,
  routeRefresh: false,
  enhancedRouteRefresh: false,
  peerAsn: 65001,
  peerRouterId: '192.0.2.9',
  holdTime: 90,
};

interface Row {
  readonly why: string;
  readonly ours?: Partial<SessionSettings>;
  readonly theirs?: Partial<OpenMessage>;
  readonly want: Partial<Outcome> | Refusal;
}

const ROWS: readonly Row[] = [
  { why: 'the defaults', want: {} },

  // Families (RFC 4760): ours, in our order, that the peer also advertised.
  { why: 'the peer speaks IPv6 only', theirs: { capabilities: [MP6, AS4(65001)] }, want: { families: [V6] } },
  { why: 'the peer lists IPv6 first', theirs: { capabilities: [MP6, MP4, AS4(65001)] }, want: { families: [V4, V6] } },
  { why: 'no multiprotocol capability means IPv4 unicast (RFC 4760 8)', theirs: { capabilities: [AS4(65001)] }, want: { families: [V4] } },
  { why: 'a family we do not know is ignored', theirs: { capabilities: [{ type: 'multiprotocol', afi: 1, safi: 128 }, MP4, AS4(65001)] }, want: { families: [V4] } },
  { why: 'we want IPv4 only', ours: { families: [V4] }, want: { families: [V4] } },
  { why: 'no family in common', ours: { families: [V4] }, theirs: { capabilities: [MP6, AS4(65001)] }, want: { refused: [2, 7] } }, // Unsupported Capability
  { why: 'we want IPv6, the peer implies IPv4 only', ours: { families: [V6] }, theirs: { capabilities: [AS4(65001)] }, want: { refused: [2, 7] } },

  // ADD-PATH (RFC 7911 5): we send path ids where we said send and they said receive, and back.
  { why: 'ADD-PATH off, the peer both', theirs: plus(ADD_PATH('both')), want: {} },
  { why: 'ADD-PATH send, the peer none', ours: { addPath: 'send' }, want: {} },
  { why: 'ADD-PATH send, the peer receive', ours: { addPath: 'send' }, theirs: plus(ADD_PATH('receive')), want: { addPathSend: [V4] } },
  { why: 'ADD-PATH send, the peer send', ours: { addPath: 'send' }, theirs: plus(ADD_PATH('send')), want: {} },
  { why: 'ADD-PATH send, the peer both', ours: { addPath: 'send' }, theirs: plus(ADD_PATH('both')), want: { addPathSend: [V4] } },
  { why: 'ADD-PATH receive, the peer send', ours: { addPath: 'receive' }, theirs: plus(ADD_PATH('send')), want: { addPathReceive: [V4] } },
  { why: 'ADD-PATH receive, the peer receive', ours: { addPath: 'receive' }, theirs: plus(ADD_PATH('receive')), want: {} },
  { why: 'ADD-PATH receive, the peer both', ours: { addPath: 'receive' }, theirs: plus(ADD_PATH('both')), want: { addPathReceive: [V4] } },
  { why: 'ADD-PATH both, the peer send', ours: { addPath: 'both' }, theirs: plus(ADD_PATH('send')), want: { addPathReceive: [V4] } },
  { why: 'ADD-PATH both, the peer receive', ours: { addPath: 'both' }, theirs: plus(ADD_PATH('receive')), want: { addPathSend: [V4] } },
  { why: 'ADD-PATH both, the peer both', ours: { addPath: 'both' }, theirs: plus(ADD_PATH('both')), want: { addPathSend: [V4], addPathReceive: [V4] } },
  {
    why: 'ADD-PATH per family: the peer both on IPv6 only',
    ours: { addPath: 'both' },
    theirs: plus(ADD_PATH('both', 2)),
    want: { addPathSend: [V6], addPathReceive: [V6] },
  },
  {
    why: 'ADD-PATH for a family that was not negotiated counts for nothing',
    ours: { addPath: 'both' },
    theirs: { capabilities: [MP4, AS4(65001), ADD_PATH('both', 2)] },
    want: { families: [V4] },
  },

  // 4-octet AS (RFC 6793).
  { why: 'a 2-octet-only peer', theirs: { capabilities: [MP4, MP6] }, want: { fourOctetAs: false } },
  {
    why: 'a 4-octet AS behind AS_TRANS',
    ours: { asn: 4_200_000_001 },
    theirs: { myAs: 23456, capabilities: [MP4, MP6, AS4(4_200_000_001)] },
    want: { peerAsn: 4_200_000_001 },
  },
  // Bad Peer AS; the data is the 2-octet My AS field (RFC 4271 6.2).
  { why: 'the wrong AS', theirs: { myAs: 65002, capabilities: [MP4, MP6, AS4(65002)] }, want: { refused: [2, 2], data: 'fdea' } },
  { why: 'the 4-octet AS capability names another AS', theirs: { capabilities: [MP4, MP6, AS4(65002)] }, want: { refused: [2, 2], data: 'fde9' } },
  { why: 'AS_TRANS without the capability', ours: { asn: 4_200_000_001 }, theirs: { myAs: 23456, capabilities: [MP4, MP6] }, want: { refused: [2, 2], data: '5ba0' } },

  // BGP Identifier (RFC 4271 6.2, RFC 6286 2.2).
  { why: 'iBGP with our own identifier', ours: { asn: 65000 }, theirs: { myAs: 65000, bgpId: '192.0.2.1', capabilities: [MP4, MP6, AS4(65000)] }, want: { refused: [2, 3] } },
  { why: 'eBGP with our own identifier is allowed', theirs: { bgpId: '192.0.2.1' }, want: { peerRouterId: '192.0.2.1' } },
  { why: 'identifier 0.0.0.0', theirs: { bgpId: '0.0.0.0' }, want: { refused: [2, 3] } },

  // Extended message (RFC 8654), route refresh (RFC 2918, RFC 7313).
  { why: 'extended message', theirs: plus({ type: 'extended-message' }), want: { extendedMessage: true } },
  { why: 'route refresh', theirs: plus({ type: 'route-refresh' }), want: { routeRefresh: true } },
  {
    why: 'enhanced route refresh',
    theirs: plus({ type: 'route-refresh' }, { type: 'enhanced-route-refresh' }),
    want: { routeRefresh: true, enhancedRouteRefresh: true },
  },

  // Graceful restart (RFC 4724) and its N bit (RFC 8538): only when both sides advertise it.
  { why: 'graceful restart both ways, N set', ours: { gracefulRestart: { restartTime: 120 } }, theirs: plus(GR(true)), want: { gracefulRestart: true, gracefulNotification: true } },
  { why: 'graceful restart both ways, N clear', ours: { gracefulRestart: { restartTime: 120 } }, theirs: plus(GR(false)), want: { gracefulRestart: true } },
  { why: 'graceful restart ours only', ours: { gracefulRestart: { restartTime: 120 } }, want: {} },
  { why: 'graceful restart theirs only', theirs: plus(GR(true)), want: {} },

  // Hold time (RFC 4271 4.2): the smaller; 0 turns keepalives off; 1 and 2 are refused.
  { why: 'their hold time is smaller', theirs: { holdTime: 30 }, want: { holdTime: 30 } },
  { why: 'their hold time is larger', theirs: { holdTime: 240 }, want: { holdTime: 90 } },
  { why: 'their hold time is 0', theirs: { holdTime: 0 }, want: { holdTime: 0 } },
  { why: 'our hold time is 0', ours: { holdTime: 0 }, want: { holdTime: 0 } },
  { why: 'hold time 3, the least allowed', theirs: { holdTime: 3 }, want: { holdTime: 3 } },
  { why: 'hold time 1', theirs: { holdTime: 1 }, want: { refused: [2, 6] } }, // Unacceptable Hold Time
  { why: 'hold time 2', theirs: { holdTime: 2 }, want: { refused: [2, 6] } },

  // Version (RFC 4271 6.2): the data is the largest version we support.
  { why: 'BGP version 3', theirs: { version: 3 }, want: { refused: [2, 1], data: '0004' } },
];

describe('negotiate: our settings x the peer\'s OPEN', () => {
  it.each(ROWS.map((r) => [r.why, r] as const))('%s', (_why, row) => {
    const got = outcome({ ...OURS, ...row.ours }, { ...THEIRS, ...row.theirs });
    expect(got).toEqual('refused' in row.want ? row.want : { ...AGREED, ...row.want });
  });
});
