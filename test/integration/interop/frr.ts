/**
 * FRR as an interop receiver: zebra, bfdd and bgpd (../frr.ts) in the router's namespace, every
 * session with both unicast families, ADD-PATH receive as FRR offers it by default, up to 8 equal
 * paths merged into the kernel's ECMP route. What it holds is read from `show bgp ... json`.
 */
import { isIP } from 'node:net';
import { FRR_DIR, frrConfig, startFrr } from '../frr.js';
import { hostPrefix, run } from '../lab.js';
import type { HeldPath, Receiver } from './receiver.js';

interface FrrRoute {
  paths?: { aspath?: { segments?: { list?: number[] }[] }; nexthops?: { ip: string; scope?: string }[]; extendedCommunity?: { string?: string } }[];
}

export const frrReceiver: Receiver = {
  id: 'frr',
  name: 'FRR',
  kernel: true,
  extendedMessage: true,
  ipv6OverIpv4: true,
  routeRefresh: true,
  async version() {
    const { stdout } = await run(`${FRR_DIR}/bgpd`, ['--version']);
    return /version\s+(\S+)/.exec(stdout)?.[1] ?? stdout.trim().split('\n')[0]!;
  },
  async start(lab, setup) {
    const frr = await startFrr(
      lab,
      lab.router.ns,
      frrConfig({ asn: setup.asn, routerId: setup.routerId, holdTime: 9, peers: setup.sessions.map((s) => ({ address: s.address, asn: s.asn, addPath: s.addPath ?? true })) }),
    );
    const afi = (prefix: string): string => (isIP(prefix.split('/')[0]!) === 6 ? 'ipv6' : 'ipv4');
    return {
      async paths(prefix) {
        const p = hostPrefix(prefix);
        const text = await frr.vtysh(`show bgp ${afi(p)} unicast ${p} json`);
        const route = (text.trim().startsWith('{') ? JSON.parse(text) : {}) as FrrRoute;
        const held: HeldPath[] = (route.paths ?? []).map((path) => {
          const hops = path.nexthops ?? [];
          const hop = hops.find((h) => h.scope === undefined || h.scope === 'global') ?? hops[0];
          // "RT:65000:100 SoO:65000:7"
          const extended = (path.extendedCommunity?.string ?? '').split(/\s+/).filter((x) => x !== '').map((x) => x.replace(/^RT:/, 'rt:').replace(/^SoO:/, 'soo:')).sort();
          return { nextHop: hop?.ip ?? '?', asPath: (path.aspath?.segments ?? []).flatMap((s) => s.list ?? []), extended };
        });
        return held.sort((a, b) => (a.nextHop < b.nextHop ? -1 : 1));
      },
      restart: () => frr.restart(),
      async refreshIn(session) {
        // With route refresh negotiated (and no soft-reconfiguration inbound) FRR asks the peer.
        await frr.vtysh(`clear bgp ${afi(session.address)} unicast ${session.address} soft in`);
      },
      async dump() {
        return frr.vtysh('show bgp summary', 'show bgp ipv4 unicast', 'show bgp ipv6 unicast');
      },
    };
  },
};
