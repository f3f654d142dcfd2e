// Peer statuses as the speaker reports them: one up with every field, one that never got anywhere.

import type { PeerStatus } from '../../src/speaker/api.js';

export const ESTABLISHED_PEER: PeerStatus = {
  name: 'router1',
  address: '198.51.100.1',
  port: 179,
  asn: 65001,
  state: 'Established',
  since: 1_700_000_000_000,
  localAddress: '198.51.100.2',
  remoteRouterId: '198.51.100.1',
  holdTime: 90,
  families: [
    { family: 'ipv4-unicast', addPathSend: true, addPathReceive: false },
    { family: 'ipv6-unicast', addPathSend: false, addPathReceive: false },
  ],
  prefixesSent: 3,
  prefixesReceived: 0,
  messagesSent: 12,
  messagesReceived: 10,
  updatesSent: 2,
  updatesReceived: 1,
};

/** A peer that never got anywhere: no optional field but the error set. */
export const IDLE_PEER: PeerStatus = {
  name: '2001:db8::1',
  address: '2001:db8::1',
  port: 17900,
  asn: 4_200_000_001,
  state: 'Active',
  since: 1_700_000_100_000,
  families: [],
  prefixesSent: 0,
  prefixesReceived: 0,
  messagesSent: 0,
  messagesReceived: 0,
  updatesSent: 0,
  updatesReceived: 0,
  lastError: 'connect ECONNREFUSED 2001:db8::1:17900',
  lastErrorAt: 1_700_000_100_020,
};

/** Up, graceful restart negotiated: every graceful-restart field set. */
export const GR_PEER: PeerStatus = {
  ...ESTABLISHED_PEER,
  gracefulRestart: {
    ours: { restartTime: 120 },
    theirs: { advertised: true, restartTime: 90, forwardingPreserved: ['ipv4-unicast'], notification: true },
    negotiated: true,
  },
};

/** Up, graceful restart configured here, the router did not offer it. */
export const GR_NOT_OFFERED_PEER: PeerStatus = {
  ...ESTABLISHED_PEER,
  name: 'router2',
  gracefulRestart: { ours: { restartTime: 120 }, theirs: { advertised: false, forwardingPreserved: [], notification: false }, negotiated: false },
};

/** Not up: only our side is known. */
export const GR_DOWN_PEER: PeerStatus = { ...IDLE_PEER, gracefulRestart: { ours: { restartTime: 120 }, negotiated: false } };
