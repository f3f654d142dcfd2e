// What our OPEN says, and what the two OPENs agree on (RFC 5492 capabilities advertisement).

import {
  openError,
  FAMILY_AFI_SAFI,
  OpenSubcode,
  checkPeerAs,
  familyOf,
  myAsField,
  peerAsn,
  type Capability,
  type CodecContext,
  type Family,
  type OpenMessage,
} from '../codec/index.js';
import type { PeerSettings } from './peer-settings.js';

export interface LocalSpeaker {
  readonly asn: number;
  readonly routerId: string;
  readonly hostname?: string;
}

/** What our OPEN says and the negotiation checks: the part of a peer's settings about the OPEN. */
export type SessionSettings = Pick<PeerSettings, 'asn' | 'holdTime' | 'families' | 'addPath' | 'gracefulRestart'>;

/** What the peer's OPEN advertised of graceful restart (RFC 4724 3, RFC 8538 2). */
export interface PeerGracefulRestart {
  /** Seconds the peer asks us to keep its routes while it restarts. */
  readonly restartTime: number;
  /** N bit (RFC 8538): a NOTIFICATION other than Cease / Hard Reset keeps routes stale too. */
  readonly notification: boolean;
  /** R bit: the peer has just restarted. */
  readonly restarting: boolean;
  /** The families it listed with the F bit: it kept their forwarding state over its own restart. */
  readonly forwardingPreserved: readonly Family[];
}

export interface Negotiated {
  /** Both sides advertised graceful restart (RFC 4724): the peer keeps our paths stale when the session drops. */
  readonly gracefulRestart: boolean;
  /** Both set the N bit (RFC 8538): a NOTIFICATION other than Cease / Hard Reset keeps them stale too. */
  readonly gracefulNotification: boolean;
  /** The peer's graceful-restart capability as it sent it, whether or not we advertised ours; null: none. */
  readonly peerGracefulRestart: PeerGracefulRestart | null;
  readonly ctx: CodecContext;
  readonly families: readonly Family[];
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly peerAsn: number;
  readonly peerRouterId: string;
}

/** `restarting`: this speaker has restarted and the peer is not back yet (RFC 4724 3, the R bit). */
export function buildOpen(local: LocalSpeaker, peer: SessionSettings, restarting = false): OpenMessage {
  const caps: Capability[] = [];
  for (const f of peer.families) caps.push({ type: 'multiprotocol', ...FAMILY_AFI_SAFI[f] });
  caps.push({ type: 'route-refresh' }, { type: 'enhanced-route-refresh' }, { type: 'extended-message' });
  caps.push({ type: 'four-octet-as', asn: local.asn });
  if (peer.addPath !== 'off') {
    caps.push({
      type: 'add-path',
      families: peer.families.map((f) => ({ ...FAMILY_AFI_SAFI[f], direction: peer.addPath as 'send' | 'receive' | 'both' })),
    });
  }
  if (peer.gracefulRestart) {
    caps.push({
      type: 'graceful-restart',
      // R: we came back within the restart time; the router must not wait for our End-of-RIB before
      // sending its own (RFC 4724 3). The routers keep our paths by the F bits either way.
      restarting,
      notification: true,
      restartTime: peer.gracefulRestart.restartTime,
      // F: the nodes keep forwarding while the daemon restarts (it holds no forwarding state itself).
      families: peer.families.map((f) => ({ ...FAMILY_AFI_SAFI[f], forwardingPreserved: true })),
    });
  }
  if (local.hostname) caps.push({ type: 'fqdn', hostname: local.hostname.slice(0, 64), domain: '' });
  return { type: 'open', version: 4, myAs: myAsField(local.asn), holdTime: peer.holdTime, bgpId: local.routerId, capabilities: caps };
}

const sends = (d: string): boolean => d === 'send' || d === 'both';
const receives = (d: string): boolean => d === 'receive' || d === 'both';

/**
 * Check the peer's OPEN against the configuration and work out the session's shape. Throws the
 * BgpError to send (Bad Peer AS, Bad BGP Identifier, Unsupported Capability).
 */
export function negotiate(local: LocalSpeaker, peer: SessionSettings, theirs: OpenMessage): Negotiated {
  checkPeerAs(theirs, peer.asn);
  // RFC 4271 6.2: for iBGP the identifiers must differ; RFC 6286 relaxes it for eBGP.
  if (peer.asn === local.asn && theirs.bgpId === local.routerId) {
    throw openError(OpenSubcode.BAD_BGP_IDENTIFIER, `peer uses our own BGP identifier ${theirs.bgpId}`);
  }
  const caps = theirs.capabilities;
  const mp = caps.filter((c) => c.type === 'multiprotocol');
  // RFC 4760 8: a peer that advertises no multiprotocol capability speaks IPv4 unicast only.
  const theirFamilies = new Set<Family>(
    mp.length === 0 ? ['ipv4-unicast'] : mp.map((c) => familyOf(c.afi, c.safi)).filter((f): f is Family => f !== null),
  );
  const families = peer.families.filter((f) => theirFamilies.has(f));
  if (families.length === 0) {
    throw openError(
      OpenSubcode.UNSUPPORTED_CAPABILITY,
      `no address family in common (we want ${peer.families.join(', ')})`,
    );
  }
  const fourOctetAs = caps.some((c) => c.type === 'four-octet-as');
  const theirAddPath = new Map<Family, string>();
  for (const c of caps) {
    if (c.type !== 'add-path') continue;
    for (const f of c.families) {
      const fam = familyOf(f.afi, f.safi);
      if (fam) theirAddPath.set(fam, f.direction);
    }
  }
  const addPathSend: Family[] = [];
  const addPathReceive: Family[] = [];
  for (const f of families) {
    const t = theirAddPath.get(f);
    if (!t) continue;
    // RFC 7911 5: we send path ids if we said send and they said receive, and the reverse.
    if (sends(peer.addPath) && receives(t)) addPathSend.push(f);
    if (receives(peer.addPath) && sends(t)) addPathReceive.push(f);
  }
  const theirGr = caps.find((c) => c.type === 'graceful-restart');
  const peerGracefulRestart: PeerGracefulRestart | null =
    theirGr?.type === 'graceful-restart'
      ? {
          restartTime: theirGr.restartTime,
          notification: theirGr.notification,
          restarting: theirGr.restarting,
          forwardingPreserved: theirGr.families
            .filter((f) => f.forwardingPreserved)
            .map((f) => familyOf(f.afi, f.safi))
            .filter((f): f is Family => f !== null),
        }
      : null;
  const gracefulRestart = peer.gracefulRestart !== undefined && peerGracefulRestart !== null;
  return {
    gracefulRestart,
    gracefulNotification: gracefulRestart && peerGracefulRestart.notification,
    peerGracefulRestart,
    ctx: {
      fourOctetAs,
      extendedMessage: caps.some((c) => c.type === 'extended-message'),
      addPathSend,
      addPathReceive,
    },
    families,
    routeRefresh: caps.some((c) => c.type === 'route-refresh'),
    enhancedRouteRefresh: caps.some((c) => c.type === 'enhanced-route-refresh'),
    peerAsn: peerAsn(theirs),
    peerRouterId: theirs.bgpId,
  };
}
