/**
 * BIRD 2 as an interop receiver: the lab's own router config (src/lab/bird-config.ts) with one
 * session per daemon, ADD-PATH receive unless a session turns it off, and kernel protocols that
 * merge equal paths into ECMP routes. What it holds is read from `birdc show route PREFIX all`.
 */
import { birdc, hostPrefix, routerConfig, run } from '../lab.js';
import type { HeldPath, Receiver } from './receiver.js';

/**
 * The paths in `show route PREFIX all`: each starts at a line `via` matches (the next hop its first
 * group), its AS path follows. BIRD 1.6 passes its own `via` (bird16.ts).
 */
export function parseBirdRoutes(text: string, via: RegExp = /^\s+via\s+(\S+)/): HeldPath[] {
  const held: HeldPath[] = [];
  let current: { nextHop: string; asPath: number[]; extended: string[] } | undefined;
  for (const line of text.split('\n')) {
    const hop = via.exec(line);
    if (hop) {
      current = { nextHop: hop[1]!, asPath: [], extended: [] };
      held.push(current);
      continue;
    }
    const asPath = /^\s+BGP\.as_path:\s*(.*)$/.exec(line);
    if (asPath && current) current.asPath = asPath[1]!.trim() === '' ? [] : asPath[1]!.trim().split(/\s+/).map(Number);
    // "(rt, 65000, 100) (ro, 65000, 7)"
    const ext = /^\s+BGP\.ext_community:\s*(.*)$/.exec(line);
    if (ext && current) current.extended = [...ext[1]!.matchAll(/\(([^)]*)\)/g)].map((m) => extendedText(m[1]!.split(/,\s*/))).sort();
  }
  return held.sort((a, b) => (a.nextHop < b.nextHop ? -1 : 1));
}

/** BIRD's (kind, global, local) as our text: rt and ro (route origin, our soo). */
function extendedText([kind, global, local]: string[]): string {
  return kind === 'rt' ? `rt:${global}:${local}` : kind === 'ro' ? `soo:${global}:${local}` : `(${kind}, ${global}, ${local})`;
}

export const bird2Receiver: Receiver = {
  id: 'bird2',
  name: 'BIRD 2',
  kernel: true,
  extendedMessage: false,
  ipv6OverIpv4: true,
  routeRefresh: true,
  async version() {
    const r = await run('bird', ['--version'], { allowFail: true });
    return /BIRD version (\S+)/.exec(r.stdout + r.stderr)?.[1] ?? (r.stdout + r.stderr).trim();
  },
  async start(lab, setup) {
    const config = routerConfig({
      routerId: setup.routerId,
      asn: setup.asn,
      peers: setup.sessions.map((s) => ({ name: s.name, address: s.address, asn: s.asn, ...(s.addPath === false ? { addPaths: 'off' as const } : {}) })),
    });
    const bird = await lab.startBird(lab.router.ns, config, { name: 'router' });
    return {
      async paths(prefix) {
        const p = hostPrefix(prefix);
        try {
          return parseBirdRoutes(await birdc(bird.socket, `show route ${p} all`));
        } catch (e) {
          // birdc exits non-zero when BIRD answers "Network not found": it holds nothing.
          if (e instanceof Error && e.message.includes('Network not found')) return [];
          throw e;
        }
      },
      async restart() {
        await lab.restartBird(bird);
      },
      async refreshIn(session) {
        // Without an import table BIRD asks the peer to send the routes again (ROUTE-REFRESH).
        await birdc(bird.socket, `reload in ${session.name}`);
      },
      async dump() {
        return `${await birdc(bird.socket, 'show protocols all')}\n${await birdc(bird.socket, 'show route all')}`;
      },
    };
  },
};

