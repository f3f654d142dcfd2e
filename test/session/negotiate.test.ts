// What our OPEN says about graceful restart (RFC 4724, RFC 8538), and what two OPENs agree on.

import { describe, expect, it } from 'vitest';
import { decodeMessage, DEFAULT_CONTEXT, encodeMessage, type Capability, type OpenMessage } from '../../src/codec/index.js';
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
