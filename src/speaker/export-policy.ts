// What a peer is sent for our paths: the attributes by their export rules (RFC 4271 5.1; the
// attribute table's entries have their own), and next hop "self" resolved to the session's own
// address. Computed once per attribute set and session, never per path.

import os from 'node:os';
import { addressFamilyName, addressFamilyOf, attributeCode, IpAddress, type AddressFamily, type Family, type PathAttribute } from '../codec/index.js';
import type { ExportContext as SessionFacts } from '../attributes/entry.js';
import { exportAttributes as exportTableAttributes, type Attributes } from '../attributes/table.js';
import type { NextHop } from '../rib/types.js';
import { AS_TRANS } from '../codec/constants.js';
import { compareExtendedCommunities, type ExtendedCommunity } from '../codec/ext-community.js';

/**
 * What a peer's export depends on: the session's facts, the peer's `defaults` from the config, and
 * whether the daemon is draining (`announcer drain`).
 */
export interface ExportContext extends SessionFacts {
  readonly defaults?: Attributes;
  readonly draining?: boolean;
}

/**
 * A path's weight as link bandwidth (RFC 10005), in bytes per second per unit of weight: 1 Mbit/s,
 * so FRR shows weight 3 as "3.000 Mbps". Routers that weigh ECMP next hops by it use the ratios
 * alone (FRR 8.4: 100 x a path's bandwidth over the sum, rounded down).
 */
export const BANDWIDTH_PER_WEIGHT = 125_000;

/**
 * The attributes of a path of weight `weight` (1..1000): the prefix's, with a transitive link
 * bandwidth extended community of weight x BANDWIDTH_PER_WEIGHT from our AS (AS_TRANS for a
 * 4-octet one) in place of any link bandwidth they carry. Transitive, as FRR sends it and as eBGP
 * needs (a non-transitive one is not sent to eBGP peers).
 */
export function weightedAttributes(a: Attributes, weight: number, localAsn: number): Attributes {
  const lb: ExtendedCommunity = { kind: 'link-bandwidth', transitive: true, asn: localAsn > 0xffff ? AS_TRANS : localAsn, bandwidth: weight * BANDWIDTH_PER_WEIGHT };
  const ext = [...(a.extendedCommunities ?? []).filter((e) => e.kind !== 'link-bandwidth'), lb].sort(compareExtendedCommunities);
  return { ...a, extendedCommunities: ext };
}

/** The GRACEFUL_SHUTDOWN community, 65535:0 (RFC 8326 5). */
export const GRACEFUL_SHUTDOWN = 0xffff0000;

/**
 * The attributes of our paths as `peer` receives them, in type-code order as on the wire (without
 * NEXT_HOP: the packer adds it): ORIGIN, ours (we learned them from no one), and each of the
 * attribute table's by its own rule (AS_PATH is the prepend entry's). While draining, every path
 * carries GRACEFUL_SHUTDOWN, and LOCAL_PREF 0 towards iBGP peers (RFC 8326 4.1): a receiver that
 * honours it prefers any other path, so traffic moves off this node before its paths go.
 */
export function exportAttributes(a: Attributes, peer: ExportContext): PathAttribute[] {
  const out: PathAttribute[] = [{ type: 'origin', origin: 'igp' }];
  for (const attr of exportTableAttributes(peer.draining === true ? drained(a, peer.ebgp) : a, peer, peer.defaults)) out.push(attr);
  return out.sort((x, y) => attributeCode(x) - attributeCode(y));
}

/** A path's attributes while draining (named here on purpose: this is about these two). */
function drained(a: Attributes, ebgp: boolean): Attributes {
  const communities = a.communities?.includes(GRACEFUL_SHUTDOWN) ? a.communities : [...(a.communities ?? []), GRACEFUL_SHUTDOWN].sort((x, y) => x - y);
  return { ...a, communities, ...(ebgp ? {} : { localPref: 0 }) };
}

/** The global address of address family `af` on the interface that holds `local`, or null. */
export function siblingAddress(local: IpAddress, af: AddressFamily): IpAddress | null {
  const want = addressFamilyName(af); // Node names them as we do: 'IPv4', 'IPv6'
  const text = local.toString();
  for (const addrs of Object.values(os.networkInterfaces())) {
    if (!addrs?.some((a) => IpAddress.parse(a.address)?.equals(local) ?? a.address === text)) continue;
    for (const a of addrs) {
      if (a.family !== want || a.internal) continue;
      const ip = IpAddress.parse(a.address);
      if (ip && !ip.isLinkLocal) return ip;
    }
  }
  return null;
}

/**
 * Next hops as one session sends them. "self" for a route is an address of the address family its
 * route family wants: the session's local address when that is of it; otherwise (IPv6 EIPs on an
 * IPv4 session) this host's address of that address family on the interface the session runs
 * over, as BIRD does for `next hop self`. Null: cannot be sent to this peer.
 */
export class NextHopResolver {
  private readonly other = new Map<AddressFamily, IpAddress | null>();

  constructor(
    private readonly local: IpAddress | undefined,
    /** Told once per route family that "self" has no address here. */
    private readonly onMissingSelf: (family: Family) => void,
    private readonly sibling: (local: IpAddress, af: AddressFamily) => IpAddress | null = siblingAddress,
  ) {}

  resolve(nh: NextHop, family: Family): IpAddress | null {
    if (nh !== 'self') return nh;
    const want = selfAddressFamily(family);
    const local = this.local;
    if (local && local.af === want) return local;
    let v = this.other.get(want);
    if (v === undefined) {
      v = local ? this.sibling(local, want) : null;
      this.other.set(want, v);
      if (v === null) this.onMissingSelf(family);
    }
    return v;
  }
}

/** The address family "self" stands for in routes of `family`: the prefixes' own (a session with RFC 8950 may later choose otherwise). */
function selfAddressFamily(family: Family): AddressFamily {
  return addressFamilyOf(family);
}
