// The speaker owns the RIB and the sessions, and is the only place they meet: a change to the
// desired paths marks prefixes dirty; one flush per event-loop turn sends each established peer
// the packed difference between what it has and what it should have.

import net from 'node:net';
import os from 'node:os';
import {
  BgpEncodeError,
  FAMILY_AFI_SAFI,
  endOfRib,
  packAnnouncements,
  packWithdrawals,
  formatIPv6,
  parseIp,
  type Family,
  type PathAttribute,
  type UpdateMessage,
} from './codec/index.js';
import { systemClock, type Clock } from './clock.js';
import type { Logger } from './log.js';
import { AdjRibOut, type PeerView } from './rib/adj-rib-out.js';
import { Rib, type UpsertResult } from './rib/rib.js';
import { RequestError, type AnnouncedPath, type Path, type PathAttributes, type PeerStatus } from './rib/types.js';
import { validateNextHop, validateOwner, validatePath, validatePrefix } from './rib/validate.js';
import type { StateStore, StoredPath } from './store/state-store.js';
import { normalizeAddress, PeerSession, type PeerSessionConfig } from './session/peer-session.js';
import type { PathFilter, PathInput, PathSelector, ReplaceResult, SpeakerApi, SpeakerEvent } from './speaker-api.js';

/** Whether an upsert changed what peers must be sent. */
function isChange(r: UpsertResult): boolean {
  return r === 'added' || r === 'updated';
}

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
  /** Families for which "self" could not be resolved, warned about once. */
  readonly warnedNoSelf: Set<Family>;
}

/** The global address of `family` on the interface that holds `local`, or null. */
function siblingAddress(local: string, family: Family): string | null {
  const want = family === 'ipv6-unicast' ? 'IPv6' : 'IPv4';
  for (const addrs of Object.values(os.networkInterfaces())) {
    if (!addrs?.some((a) => a.address === local)) continue;
    const hit = addrs.find((a) => a.family === want && !a.internal && !a.address.toLowerCase().startsWith('fe80:'));
    if (hit) return want === 'IPv6' ? formatIPv6(parseIp(hit.address)!.bytes) : hit.address;
  }
  return null;
}

export class Speaker implements SpeakerApi {
  private readonly rib = new Rib();
  private readonly peers = new Map<string, PeerState>();
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  private server: net.Server | null = null;
  private stopping = false;
  private started = false;
  private readonly listeners = new Set<{ listener: (e: SpeakerEvent) => void; types: ReadonlySet<SpeakerEvent['type']> | null }>();

  constructor(
    private readonly options: SpeakerOptions,
    private readonly log: Logger,
    clock: Clock = systemClock,
    private readonly store: StateStore | null = null,
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
          stateChange: (s, from, to) =>
            this.emit('peer-state', () => ({
              type: 'peer-state',
              at: Date.now(),
              peer: s.config.address,
              from,
              to,
              ...(to !== 'Established' && s.lastError ? { reason: s.lastError } : {}),
            })),
        },
        clock,
        log.child({ peer: pc.name }),
      );
      this.peers.set(pc.address, { session, out: new AdjRibOut(), received: new Set(), warnedNoSelf: new Set() });
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
    this.started = true;
  }

  /** Cease / Administrative Shutdown to every peer, with an RFC 8203 message; then stop listening. */
  async stop(message = 'announcer shutting down'): Promise<void> {
    this.stopping = true;
    this.server?.close();
    await Promise.all([...this.peers.values()].map((p) => p.session.stop(message)));
    await this.store?.flush();
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

  get ready(): boolean {
    return this.started && !this.stopping;
  }

  /** Put stored paths back (before start): validated like API input; a bad entry is an error. */
  restore(stored: readonly StoredPath[]): number {
    const paths: Path[] = [];
    stored.forEach((sp, i) => {
      for (const owner of sp.owners) {
        paths.push(validatePath({ ...sp, owner }, this.options.nextHop, () => `paths[${i}]`));
      }
    });
    for (const p of paths) if (isChange(this.rib.upsert(p))) this.markDirty(p.prefix);
    return paths.length;
  }

  async addPaths(inputs: readonly PathInput[]): Promise<AnnouncedPath[]> {
    const paths = inputs.map((p, i) => validatePath(p, this.options.nextHop, () => `paths[${i}]`));
    const added: Path[] = [];
    for (const p of paths) {
      const r = this.rib.upsert(p);
      if (isChange(r)) {
        this.markDirty(p.prefix);
        added.push(p);
      }
    }
    const result = paths.map((p) => this.rib.getPath(p.prefix, p.nextHop)!);
    this.emitRib(() => added.map((p) => this.rib.getPath(p.prefix, p.nextHop)!), () => []);
    await this.persist();
    return result;
  }

  async deletePaths(sel: PathSelector): Promise<AnnouncedPath[]> {
    const { prefix, family } = validatePrefix(sel.prefix, 'prefix');
    const nextHops = (sel.nextHops ?? []).map((nh, i) => validateNextHop(nh, family, `nextHops[${i}]`));
    if (sel.owner !== undefined) validateOwner(sel.owner, 'owner');
    const victims = this.rib
      .pathsOf(prefix)
      .filter((p) => (nextHops.length === 0 || nextHops.includes(p.nextHop)) && (sel.owner === undefined || p.owners.includes(sel.owner)));
    if (victims.length === 0) {
      const what = nextHops.length ? `${prefix} via ${nextHops.join(', ')}` : prefix;
      throw new RequestError('not-found', 'prefix', `prefix: no path ${what}${sel.owner !== undefined ? ` owned by ${sel.owner}` : ''} is announced`);
    }
    const gone: AnnouncedPath[] = [];
    for (const v of victims) {
      const r = this.rib.release(prefix, v.nextHop, sel.owner);
      if (r?.gone) gone.push(r.path);
    }
    if (gone.length) this.markDirty(prefix);
    this.emitRib(() => [], () => gone);
    await this.persist();
    return victims;
  }

  async replacePaths(owner: string, inputs: readonly PathInput[]): Promise<ReplaceResult> {
    validateOwner(typeof owner === 'string' ? owner : '', 'owner'); // an owner is required here: no default
    const paths = inputs.map((p, i) => validatePath({ ...p, owner }, this.options.nextHop, () => `paths[${i}]`));
    // Everything is valid: from here on nothing can fail, so the change is all or nothing.
    const wanted = new Set(paths.map((p) => `${p.prefix} ${p.nextHop}`));
    const removed: AnnouncedPath[] = [];
    const gone: AnnouncedPath[] = [];
    for (const e of [...this.rib.prefixes()]) {
      for (const rp of [...e.paths]) {
        if (!rp.owners.includes(owner) || wanted.has(`${e.prefix} ${rp.nextHop}`)) continue;
        const r = this.rib.release(e.prefix, rp.nextHop, owner)!;
        removed.push(r.path);
        if (r.gone) {
          gone.push(r.path);
          this.markDirty(e.prefix);
        }
      }
    }
    const added: AnnouncedPath[] = [];
    const updated: AnnouncedPath[] = [];
    let unchanged = 0;
    for (const p of paths) {
      const r = this.rib.upsert(p);
      if (isChange(r)) this.markDirty(p.prefix);
      if (r === 'unchanged') unchanged++;
      else (r === 'updated' ? updated : added).push(this.rib.getPath(p.prefix, p.nextHop)!);
    }
    this.emitRib(() => [...added, ...updated], () => gone);
    await this.persist();
    return { added, removed, updated, unchanged };
  }

  listPaths(filter: PathFilter = {}): AnnouncedPath[] {
    let paths: AnnouncedPath[];
    if (filter.prefix !== undefined && filter.prefix !== '') {
      paths = this.rib.pathsOf(validatePrefix(filter.prefix, 'prefix').prefix);
    } else {
      paths = [...this.rib.paths()];
    }
    return filter.owner ? paths.filter((p) => p.owners.includes(filter.owner!)) : paths;
  }

  watch(listener: (e: SpeakerEvent) => void, types?: readonly SpeakerEvent['type'][]): () => void {
    const entry = { listener, types: types ? new Set(types) : null };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** Builds the event only when someone listens for its type (a 100,000-path event is not free). */
  private emit(type: SpeakerEvent['type'], make: () => SpeakerEvent): void {
    let e: SpeakerEvent | undefined;
    for (const { listener, types } of this.listeners) {
      if (types && !types.has(type)) continue;
      e ??= make();
      try {
        listener(e);
      } catch (err) {
        this.log.error({ err }, 'event listener failed');
      }
    }
  }

  private emitRib(added: () => AnnouncedPath[], removed: () => AnnouncedPath[]): void {
    this.emit('rib', () => ({ type: 'rib', at: Date.now(), added: added(), removed: removed() }));
  }

  private persist(): Promise<void> {
    return this.store ? this.store.save(() => this.snapshot()) : Promise.resolve();
  }

  /** The desired paths as stored: one entry per path, with all its owners. */
  snapshot(): StoredPath[] {
    const out: StoredPath[] = [];
    for (const e of this.rib.prefixes()) {
      const a = e.attributes;
      for (const p of e.paths) {
        out.push({
          prefix: e.prefix,
          nextHop: p.nextHop,
          owners: [...p.owners],
          ...(a.communities.length ? { communities: a.communities } : {}),
          ...(a.largeCommunities.length ? { largeCommunities: a.largeCommunities } : {}),
          ...(a.localPref !== undefined ? { localPref: a.localPref } : {}),
          ...(a.med !== undefined ? { med: a.med } : {}),
        });
      }
    }
    return out;
  }

  listPeers(filter: { readonly peer?: string } = {}): PeerStatus[] {
    let peers = [...this.peers.values()];
    if (filter.peer !== undefined && filter.peer !== '') {
      const ip = parseIp(filter.peer.trim());
      const address = ip ? (ip.family === 'ipv6' ? formatIPv6(ip.bytes) : filter.peer.trim()) : filter.peer;
      const one = this.peers.get(address);
      if (!one) {
        const known = [...this.peers.keys()].join(', ') || 'none';
        throw new RequestError('invalid-argument', 'peer', `peer: ${filter.peer} is not a configured peer (configured: ${known})`);
      }
      peers = [one];
    }
    return peers.map(({ session: s, out, received }) => {
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
    let other: string | null | undefined;
    return {
      families: new Set(n.families),
      addPath: new Set(n.ctx.addPathSend),
      resolveNextHop: (nh, family) => {
        if (nh !== 'self') return nh;
        if (localFamily === family) return local!;
        // The other family over this session (IPv6 EIPs on an IPv4 session): this host's address
        // of that family on the interface the session runs over, as BIRD does for `next hop self`.
        if (other === undefined) other = local === undefined ? null : siblingAddress(local, family);
        if (other === null) this.warnNoSelf(p, family);
        return other;
      },
    };
  }

  private warnNoSelf(p: PeerState, family: Family): void {
    if (p.warnedNoSelf.has(family)) return;
    p.warnedNoSelf.add(family);
    p.session.log.warn(
      { family, localAddress: p.session.localAddress },
      'next hop "self" has no address of this family on the session\'s interface: those paths are not sent to this peer',
    );
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
    if (changes.count > 0) {
      this.emit('peer-paths', () => ({
        type: 'peer-paths',
        at: Date.now(),
        peer: p.session.config.address,
        announced: changes.announce.flatMap((g) => g.nlri.map((n) => ({ prefix: n.prefix, nextHop: g.nextHop, pathId: n.pathId ?? 0 }))),
        withdrawn: [...changes.withdraw.values()].flatMap((l) => l.map((n) => ({ prefix: n.prefix, pathId: n.pathId ?? 0 }))),
      }));
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
    const { afi, safi } = FAMILY_AFI_SAFI[family];
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
