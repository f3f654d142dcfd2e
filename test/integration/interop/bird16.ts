/**
 * BIRD 1.6 as an interop receiver: Debian's `bird` 1.6 (unpacked by ../bird16.ts), one daemon per
 * IP version as 1.x runs it: `bird` for the sessions over IPv4 (carrying IPv4 routes only), `bird6`
 * for those over IPv6. Each gets routerConfig16() with ADD-PATH receive unless a session turns it
 * off, and a kernel protocol that merges equal paths into ECMP routes. What it holds is read from
 * `birdc show route PREFIX all` (birdc6 for IPv6 prefixes).
 */
import { isIP } from 'node:net';
import { locateBird16, routerConfig16, startBird16, type Bird16, type Bird16Binaries } from '../bird16.js';
import { hostPrefix, type IpVersion, type Lab } from '../lab.js';
import { parseBirdRoutes } from './bird2.js';
import type { HeldPath, Receiver, ReceiverSetup } from './receiver.js';

const familyOf = (address: string): IpVersion => (isIP(address.split('/')[0]!) === 6 ? 'ipv6' : 'ipv4');

/**
 * The paths in BIRD 1.6's `show route PREFIX all`. Unlike BIRD 2, the next hop sits on the route's
 * own line (`PREFIX via HOP on IF [proto ...]`, further paths indented), its AS path follows.
 */
export function parseBird16Routes(text: string): HeldPath[] {
  return parseBirdRoutes(text, /^(?:\S+)?\s+via\s+(\S+)\s+on\s/);
}

/** The config of one daemon (`bird` or `bird6`) with the sessions of its family. */
function configFor(family: IpVersion, setup: ReceiverSetup): string {
  return routerConfig16({
    family,
    routerId: setup.routerId,
    asn: setup.asn,
    debug: true,
    peers: setup.sessions
      .filter((s) => familyOf(s.address) === family)
      .map((s) => ({ name: s.name, address: s.address, asn: s.asn, ...(s.addPath === false ? { addPaths: 'off' as const } : {}) })),
  });
}

/** Starts bird and/or bird6, as the sessions need them, under names unique in the lab (`generation`). */
async function startAll(lab: Lab, bins: Bird16Binaries, setup: ReceiverSetup, generation: number): Promise<Map<IpVersion, Bird16>> {
  const birds = new Map<IpVersion, Bird16>();
  for (const family of ['ipv4', 'ipv6'] as const) {
    if (!setup.sessions.some((s) => familyOf(s.address) === family)) continue;
    const name = `router-${family}${generation === 1 ? '' : `-${generation}`}`;
    birds.set(family, await startBird16(lab, bins, lab.router.ns, family, configFor(family, setup), name));
  }
  return birds;
}

export const bird16Receiver: Receiver = {
  id: 'bird16',
  name: 'BIRD 1.6',
  kernel: true,
  // BIRD 1.6 predates RFC 8654 (BIRD 2.0.8 added it): it never offers Extended Message.
  extendedMessage: false,
  // `bird` is built for IPv4 only: it neither offers nor takes the IPv6 family on its sessions, and
  // bird6 speaks BGP over IPv6 only.
  ipv6OverIpv4: false,
  // `birdc reload in NAME` sends a ROUTE-REFRESH (the daemon offers it) even with `enable route refresh off`.
  routeRefresh: true,
  async version() {
    return (await locateBird16()).version;
  },
  async start(lab, setup) {
    const bins = await locateBird16();
    let generation = 1;
    let birds = await startAll(lab, bins, setup, generation);
    const birdFor = (address: string): Bird16 | undefined => birds.get(familyOf(address));
    return {
      async paths(prefix) {
        const p = hostPrefix(prefix);
        const bird = birdFor(p);
        return bird === undefined ? [] : parseBird16Routes(await bird.birdc(`show route ${p} all`));
      },
      async restart() {
        await Promise.all([...birds.values()].map((b) => b.process.stop()));
        generation += 1;
        birds = await startAll(lab, bins, setup, generation);
      },
      async refreshIn(session) {
        const bird = birdFor(session.address);
        if (bird === undefined) throw new Error(`BIRD 1.6 has no daemon for session ${session.name} (${session.address})`);
        // Without an import table BIRD asks the peer to send the routes again (ROUTE-REFRESH).
        await bird.birdc(`reload in ${session.name}`);
      },
      async dump() {
        const parts: string[] = [];
        for (const bird of birds.values()) {
          parts.push(`${bird.process.name}:`, await bird.birdc('show protocols all'), await bird.birdc('show route all'));
        }
        return parts.join('\n');
      },
    };
  },
};
