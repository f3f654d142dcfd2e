// What one peer has been sent, and the difference to what it should have. Changes are computed
// only for the prefixes that changed, and grouped by (attributes, next hop) so the packer can
// put every prefix of a group into shared UPDATEs.

import type { Family, Nlri } from '../codec/types.js';
import type { PrefixEntry } from './rib.js';
import type { Rib } from './rib.js';
import type { PathAttributes } from './types.js';

export interface PeerView {
  readonly families: ReadonlySet<Family>;
  /** Families for which this peer receives every path with its path identifier (RFC 7911). */
  readonly addPath: ReadonlySet<Family>;
  /** The address to send as next hop ("self" resolved), or null when this peer cannot be given one. */
  resolveNextHop(nextHop: string, family: Family): string | null;
}

interface OutRoute {
  /** 0 on a session without ADD-PATH for the family. */
  readonly pathId: number;
  readonly nextHop: string;
  readonly key: string;
}

export interface AnnounceGroup {
  readonly family: Family;
  readonly nextHop: string;
  readonly attributes: PathAttributes;
  readonly nlri: Nlri[];
}

export interface Changes {
  readonly announce: AnnounceGroup[];
  readonly withdraw: Map<Family, Nlri[]>;
  readonly count: number;
}

const NONE: readonly OutRoute[] = [];

export class AdjRibOut {
  private readonly sent = new Map<string, readonly OutRoute[]>();
  private routes = 0;

  /** Routes currently announced to the peer. */
  get size(): number {
    return this.routes;
  }

  clear(): void {
    this.sent.clear();
    this.routes = 0;
  }

  /** Forget what was sent for one family, so the next update sends all of it again (route refresh). */
  forgetFamily(family: Family): void {
    const v6 = family === 'ipv6-unicast';
    for (const [prefix, routes] of this.sent) {
      if (prefix.includes(':') !== v6) continue;
      this.routes -= routes.length;
      this.sent.delete(prefix);
    }
  }

  /** The routes `e` should have at this peer (none when the prefix is gone). */
  private desired(e: PrefixEntry | undefined, view: PeerView): OutRoute[] {
    if (!e || !view.families.has(e.family)) return [];
    const out: OutRoute[] = [];
    if (view.addPath.has(e.family)) {
      for (const p of e.paths.values()) {
        const nh = view.resolveNextHop(p.nextHop, e.family);
        if (nh !== null) out.push({ pathId: p.pathId, nextHop: nh, key: e.attributesKey });
      }
      return out;
    }
    // Without ADD-PATH only one path can exist per prefix: the oldest (lowest id), so adding paths
    // never changes what the peer has.
    let best: { pathId: number; nextHop: string } | null = null;
    for (const p of e.paths.values()) {
      if (best && p.pathId >= best.pathId) continue;
      const nh = view.resolveNextHop(p.nextHop, e.family);
      if (nh !== null) best = { pathId: p.pathId, nextHop: nh };
    }
    return best ? [{ pathId: 0, nextHop: best.nextHop, key: e.attributesKey }] : [];
  }

  /** Bring the peer's view of `prefixes` in line with the RIB; returns what to send. */
  update(rib: Rib, prefixes: Iterable<string>, view: PeerView): Changes {
    // attributes key -> next hop -> group (nested maps: no key string built per route)
    const groups = new Map<string, Map<string, AnnounceGroup>>();
    const all: AnnounceGroup[] = [];
    const withdraw = new Map<Family, Nlri[]>();
    let count = 0;
    for (const prefix of prefixes) {
      const e = rib.get(prefix);
      const want = this.desired(e, view);
      const had = this.sent.get(prefix) ?? NONE;
      for (const r of want) {
        const old = had.length === 0 ? undefined : had.find((h) => h.pathId === r.pathId);
        if (old && old.nextHop === r.nextHop && old.key === r.key) continue;
        let byNextHop = groups.get(r.key);
        if (!byNextHop) groups.set(r.key, (byNextHop = new Map()));
        // Families differ in next-hop syntax, so the next hop also separates IPv4 from IPv6.
        let g = byNextHop.get(r.nextHop);
        if (!g) {
          g = { family: e!.family, nextHop: r.nextHop, attributes: e!.attributes, nlri: [] };
          byNextHop.set(r.nextHop, g);
          all.push(g);
        }
        g.nlri.push(r.pathId === 0 ? { prefix } : { prefix, pathId: r.pathId });
        count++;
      }
      for (const h of had) {
        if (want.some((r) => r.pathId === h.pathId)) continue;
        const family: Family = prefix.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast';
        let list = withdraw.get(family);
        if (!list) withdraw.set(family, (list = []));
        list.push(h.pathId === 0 ? { prefix } : { prefix, pathId: h.pathId });
        count++;
      }
      this.routes += want.length - had.length;
      if (want.length === 0) this.sent.delete(prefix);
      else this.sent.set(prefix, want);
    }
    return { announce: all, withdraw, count };
  }
}
