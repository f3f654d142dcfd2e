// The loaded config as the speaker takes it: the daemon's settings, optional fields passed only
// when the config sets them, and each peer's settings as the config gives them.

import type { Config, PeerConfig } from '../config.js';
import type { SpeakerOptions } from '../speaker/speaker.js';
import type { PeerSettings } from '../session/peer-settings.js';

export function speakerOptions(c: Config): SpeakerOptions {
  return {
    asn: c.asn,
    routerId: c.routerId,
    nextHop: c.nextHop,
    ...(c.allowPrefixes ? { allowPrefixes: c.allowPrefixes } : {}),
    ...(c.healthChecks ? { healthChecks: c.healthChecks } : {}),
    ...(c.listen ? { listen: { address: c.listen.address, port: c.listen.port } } : {}),
    warmUp: true,
    peers: c.peers.map(withoutKeyFile),
  };
}

/** Without `passwordFile`: where the key came from is the config's to say (in its messages); the session takes the key itself. */
function withoutKeyFile({ passwordFile: _, ...settings }: PeerConfig): PeerSettings {
  return settings;
}
