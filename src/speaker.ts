// The speaker owns the RIB and the sessions, and is the only place they meet: a change to the
// desired paths marks prefixes dirty; one flush per event-loop turn sends each established peer
// the packed difference between what it has and what it should have.

import net from 'node:net';
import os from 'node:os';
import {
  BgpEncodeError,
  endOfRib,
  packAnnouncements,
  packWithdrawals,
  type Family,
  type PathAttribute,
  type UpdateMessage,
} from './codec/index.js';
import { systemClock, type Clock } from './clock.js';
import type { Logger } from './log.js';
import { AdjRibOut, type PeerView } from './rib/adj-rib-out.js';
import { Rib } from './rib/rib.js';
import { RequestError, type AnnouncedPath, type PathAttributes, type PeerStatus } from './rib/types.js';
import { validateNextHop, validatePath, validatePrefix } from './rib/validate.js';
import { normalizeAddress, PeerSession, type PeerSessionConfig } from './session/peer-session.js';
import type { PathFilter, PathInput, PathSelector, SpeakerApi } from './speaker-api.js';

export interface SpeakerOptions {
  readonly asn: number;
  readonly routerId: string;
  /** Next hop for a path added without one: an address or "self". */
  readonly nextHop: string;
  readonly listen?: { readonly address: string; readonly port: number };
  readonly peers: readonly PeerSessionConfig[];
}

interface PeerState {
  readonly session: PeerSession;
  readonly out: AdjRibOut;
  /** Keys of routes the peer announced to us (family|prefix|pathId), for counting. */
  readonly received: Set<string>;
}

export class Speaker implements SpeakerApi {
  private readonly rib = new Rib();
  private readonly peers = new Map<string, PeerState>();
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  private server: net.Server | null = null;
  private stopping = false;

  constructor(
    private readonly options: SpeakerOptions,
    private readonly log: Logger,
    clock: Clock = systemClock,
  ) {
    const local = { asn: options.asn, routerId: options.routerId, hostname: os.hostname() };
    for (const pc of options.peers) {
      const session = new PeerSession(
        pc,
        local,
        {
          established: (s) => this.onEstablished(s),
          down: (s) => this.onDown(s),
          update: (s, m) => this.onUpdate(s, m),
          routeRefresh: (s, family) => this.onRouteRefresh(s, family),
          stateChange: () => {},
        },
        clock,
        log.child({ peer: pc.name }),
      );
      this.peers.set(pc.address, { session, out: new AdjRibOut(), received: new Set() });
    }
  }

  /** Listen (when configured) and start every session. */
  async start(): Promise<void> {
    if (this.options.listen) {
      const { address, port } = this.options.listen;
      const server = net.createServer((socket) => this.onIncoming(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: address, port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => this.log.error({ err }, 'BGP listener error'));
      this.server = server;
      this.log.info({ address, port }, 'listening for BGP connections');
    }
    for (const p of this.peers.values()) p.session.start();
  }

  /** Cease / Administrative Shutdown to every peer, with an RFC 8203 message; then stop listening. */
  async stop(message = 'announcer shutting down'): Promise<void> {
    this.stopping = true;
    this.server?.close();
    await Promise.all([...this.peers.values()].map((p) => p.session.stop(message)));
  }

  private onIncoming(socket: net.Socket): void {
    const remote = normalizeAddress(socket.remoteAddress ?? '');
    const peer = this.peers.get(remote);
    if (!peer || this.stopping) {
      this.log.warn({ remote }, 'refusing BGP connection from an address that is not a configured peer');
      socket.destroy();
      return;
    }
    peer.session.acceptIncoming(socket);
  }

  // ---- the API ------------------------------------------------------------------------------

  addPaths(inputs: readonly PathInput[]): AnnouncedPath[] {
    const paths = inputs.map((p, i) => validatePath(p, this.options.nextHop, () => `paths[${i}]`));
    for (const p of paths) if (this.rib.upsert(p)) this.markDirty(p.prefix);
    return paths.map((p) => this.rib.getPath(p.prefix, p.nextHop)!);
  }

  deletePaths(sel: PathSelector): AnnouncedPath[] {
    const { prefix, family } = validatePrefix(sel.prefix, 'prefix');
    const nextHops = (sel.nextHops ?? []).map((nh, i) => validateNextHop(nh, family, `nextHops[${i}]`));
    const existing = this.rib.pathsOf(prefix);
    const victims = existing.filter(
      (p) => (nextHops.length === 0 || nextHops.includes(p.nextHop)) && (sel.owner === undefined || p.owner === sel.owner),
    );
    if (victims.length === 0) {
      const what = nextHops.length ? `${prefix} via ${nextHops.join(', ')}` : prefix;
      throw new RequestError('not-found', 'prefix', `no path ${what}${sel.owner !== undefined ? ` owned by ${sel.owner}` : ''} is announced`);
    }
    for (const v of victims) this.rib.remove(prefix, v.nextHop);
    this.markDirty(prefix);
    return victims;
  }

  listPaths(filter: PathFilter = {}): AnnouncedPath[] {
    let paths: AnnouncedPath[];
    if (filter.prefix !== undefined && filter.prefix !== '') {
      paths = this.rib.pathsOf(validatePrefix(filter.prefix, 'prefix').prefix);
    } else {
      paths = [...this.rib.paths()];
    }
    return filter.owner ? paths.filter((p) => p.owner === filter.owner) : paths;
  }

  listPeers(): PeerStatus[] {
    return [...this.peers.values()].map(({ session: s, out, received }) => {
      const n = s.session;
      const families = n
        ? n.families.map((family) => ({
            family,
            addPathSend: n.ctx.addPathSend.includes(family),
            addPathReceive: n.ctx.addPathReceive.includes(family),
          }))
        : [];
      return {
        address: s.config.address,
        port: s.config.port,
        asn: s.config.asn,
        state: s.state,
        since: s.since,
        ...(s.localAddress ? { localAddress: s.localAddress } : {}),
        ...(n ? { remoteRouterId: n.peerRouterId, holdTime: s.holdTime } : {}),
        families,
        prefixesSent: out.size,
        prefixesReceived: received.size,
        ...s.stats,
        ...(s.lastError ? { lastError: s.lastError } : {}),
      };
    });
  }

  // ---- sending ------------------------------------------------------------------------------

  private markDirty(prefix: string): void {
    this.dirty.add(prefix);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Coalesce every change made in this turn of the event loop into one round of UPDATEs.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.dirty.size === 0) return;
    const prefixes = [...this.dirty];
    this.dirty.clear();
    for (const p of this.peers.values()) {
      if (p.session.state === 'Established') this.sync(p, prefixes);
    }
  }

  private view(p: PeerState): PeerView | null {
    const n = p.session.session;
    if (!n) return null;
    const local = p.session.localAddress;
    const localFamily = local === undefined ? null : local.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast';
    return {
      families: new Set(n.families),
      addPath: new Set(n.ctx.addPathSend),
      resolveNextHop: (nh, family) => {
        if (nh !== 'self') return nh;
        return localFamily === family ? local! : null;
      },
    };
  }

  private sync(p: PeerState, prefixes: Iterable<string>): void {
    const view = this.view(p);
    const n = p.session.session;
    if (!view || !n) return;
    const changes = p.out.update(this.rib, prefixes, view);
    const messages: Uint8Array[] = [];
    for (const [family, nlri] of changes.withdraw) messages.push(...packWithdrawals(family, nlri, n.ctx));
    const ebgp = n.peerAsn !== this.options.asn;
    for (const g of changes.announce) {
      try {
        messages.push(
          ...packAnnouncements(
            { family: g.family, nextHop: g.nextHop, attributes: this.attributesFor(g.attributes, ebgp), nlri: g.nlri },
            n.ctx,
          ),
        );
      } catch (e) {
        if (!(e instanceof BgpEncodeError)) throw e;
        this.log.error({ err: e.message, nextHop: g.nextHop }, 'cannot encode paths');
      }
    }
    if (messages.length > 0) {
      p.session.sendRaw(messages);
      p.session.log.debug({ messages: messages.length, routes: changes.count }, 'sent UPDATEs');
    }
  }

  /** The attributes of our paths as this peer receives them (RFC 4271 5.1). */
  private attributesFor(a: PathAttributes, ebgp: boolean): PathAttribute[] {
    const out: PathAttribute[] = [
      { type: 'origin', origin: 'igp' },
      // 5.1.2: to an external peer we prepend our AS; to an internal one the path is empty.
      { type: 'as-path', segments: ebgp ? [{ kind: 'sequence', asns: [this.options.asn] }] : [] },
    ];
    if (a.med !== undefined) out.push({ type: 'med', med: a.med });
    // 5.1.5: LOCAL_PREF is for internal peers only.
    if (!ebgp) out.push({ type: 'local-pref', localPref: a.localPref ?? 100 });
    if (a.communities.length) out.push({ type: 'communities', communities: a.communities });
    if (a.largeCommunities.length) out.push({ type: 'large-communities', communities: a.largeCommunities });
    return out;
  }

  private sendTable(p: PeerState, family?: Family): void {
    const prefixes: string[] = [];
    for (const e of this.rib.prefixes()) if (family === undefined || e.family === family) prefixes.push(e.prefix);
    this.sync(p, prefixes);
  }

  private onEstablished(s: PeerSession): void {
    const p = this.peers.get(s.config.address)!;
    p.out.clear();
    p.received.clear();
    this.sendTable(p);
    // RFC 4724 2: End-of-RIB after the initial table, per family.
    const n = s.session!;
    for (const f of n.families) s.send(endOfRib(f));
  }

  private onDown(s: PeerSession): void {
    const p = this.peers.get(s.config.address)!;
    p.out.clear();
    p.received.clear();
  }

  private onRouteRefresh(s: PeerSession, family: Family): void {
    const p = this.peers.get(s.config.address)!;
    const n = s.session!;
    const { afi, safi } = family === 'ipv4-unicast' ? { afi: 1, safi: 1 } : { afi: 2, safi: 1 };
    s.log.info({ family }, 'ROUTE-REFRESH: sending the table again');
    // RFC 7313 4: with enhanced route refresh the re-sent table is framed by BoRR and EoRR, so the
    // peer can drop what we no longer have.
    if (n.enhancedRouteRefresh) s.send({ type: 'route-refresh', afi, safi, subtype: 'begin-of-rib' });
    p.out.forgetFamily(family);
    this.sendTable(p, family);
    if (n.enhancedRouteRefresh) s.send({ type: 'route-refresh', afi, safi, subtype: 'end-of-rib' });
  }

  private onUpdate(s: PeerSession, m: UpdateMessage): void {
    const p = this.peers.get(s.config.address)!;
    const key = (f: Family, prefix: string, pathId?: number) => `${f}|${prefix}|${pathId ?? 0}`;
    for (const n of m.withdrawn) p.received.delete(key('ipv4-unicast', n.prefix, n.pathId));
    for (const n of m.nlri) p.received.add(key('ipv4-unicast', n.prefix, n.pathId));
    for (const a of m.attributes) {
      if (a.type === 'mp-reach') for (const n of a.nlri) p.received.add(key(a.family, n.prefix, n.pathId));
      if (a.type === 'mp-unreach') for (const n of a.withdrawn) p.received.delete(key(a.family, n.prefix, n.pathId));
    }
    for (const w of m.errorHandling?.withdrawn ?? []) p.received.delete(key(w.family, w.nlri.prefix, w.nlri.pathId));
  }

}
