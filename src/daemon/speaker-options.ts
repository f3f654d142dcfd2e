// The loaded config as the speaker takes it: the daemon's settings and each peer's, optional
// fields passed only when the config sets them.

import type { Config } from '../config.js';
import type { SpeakerOptions } from '../speaker/speaker.js';

export function speakerOptions(c: Config): SpeakerOptions {
  return {
    asn: c.asn,
    routerId: c.routerId,
    nextHop: c.nextHop,
    ...(c.allowPrefixes ? { allowPrefixes: c.allowPrefixes } : {}),
    ...(c.healthChecks ? { healthChecks: c.healthChecks } : {}),
    ...(c.listen ? { listen: { address: c.listen.address, port: c.listen.port } } : {}),
    warmUp: true,
    peers: c.peers.map((p) => ({
      name: p.name,
      address: p.address,
      port: p.port,
      asn: p.asn,
      passive: p.passive,
      holdTime: p.holdTime,
      ...(p.sendHoldTime === undefined ? {} : { sendHoldTime: p.sendHoldTime }),
      ...(p.gracefulRestart === undefined ? {} : { gracefulRestart: p.gracefulRestart }),
      ...(p.bfd === undefined ? {} : { bfd: p.bfd }),
      ...(p.password === undefined ? {} : { password: p.password }),
      ...(p.ttlSecurity ? { ttlSecurity: true } : {}),
      ...(p.multihop === undefined ? {} : { multihop: p.multihop }),
      ...(p.shutdownMessage === undefined ? {} : { shutdownMessage: p.shutdownMessage }),
      connectRetry: p.connectRetry,
      families: p.families,
      addPath: p.addPath,
      ...(p.localAddress ? { localAddress: p.localAddress } : {}),
    })),
  };
}
