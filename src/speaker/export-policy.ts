// What a peer is sent for our paths: the attributes as a table of per-attribute export rules
// (RFC 4271 5.1), and next hop "self" resolved to the session's own address. Computed once per
// attribute set and session, never per path.

import os from 'node:os';
import { addressFamilyName, addressFamilyOf, IpAddress, type AddressFamily, type Family, type PathAttribute } from '../codec/index.js';
import type { Attributes, NextHop } from '../rib/types.js';

/** The session facts export rules depend on. */
export interface ExportContext {
  readonly localAsn: number;
  /** The peer is in another AS. */
  readonly ebgp: boolean;
}

interface ExportRule {
  readonly attribute: PathAttribute['type'];
  /** The attribute as this peer receives it, or null when it is not sent. */
  readonly export: (a: Attributes, peer: ExportContext) => PathAttribute | null;
}

/** In type-code order. */
const EXPORT_RULES: readonly ExportRule[] = [
  // Our own paths: learned from no one.
  { attribute: 'origin', export: () => ({ type: 'origin', origin: 'igp' }) },
  // 5.1.2: to an external peer we prepend our AS; to an internal one the path is empty.
  {
    attribute: 'as-path',
    export: (_a, p) => ({ type: 'as-path', segments: p.ebgp ? [{ kind: 'sequence', asns: [p.localAsn] }] : [] }),
  },
  { attribute: 'med', export: (a) => (a.med === undefined ? null : { type: 'med', med: a.med }) },
  // 5.1.5: LOCAL_PREF is for internal peers only.
  { attribute: 'local-pref', export: (a, p) => (p.ebgp ? null : { type: 'local-pref', localPref: a.localPref ?? 100 }) },
  {
    attribute: 'communities',
    export: (a) => (a.communities.length ? { type: 'communities', communities: a.communities } : null),
  },
  {
    attribute: 'large-communities',
    export: (a) => (a.largeCommunities.length ? { type: 'large-communities', communities: a.largeCommunities } : null),
  },
];

/** The attributes of our paths as `peer` receives them (without NEXT_HOP: the packer adds it). */
export function exportAttributes(a: Attributes, peer: ExportContext): PathAttribute[] {
  const out: PathAttribute[] = [];
  for (const rule of EXPORT_RULES) {
    const v = rule.export(a, peer);
    if (v) out.push(v);
  }
  return out;
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
