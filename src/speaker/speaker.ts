// The speaker owns the desired table and the sessions, and is the only place they meet: a change
// to the desired paths queues its prefix row in every established peer's send pipeline, which
// builds UPDATEs as that peer's socket takes them.

import net from 'node:net';
import os from 'node:os';
import { endOfRib, FAMILY_AFI_SAFI, forEachRoute, IpAddress, type Family, type UpdateMessage } from '../codec/index.js';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import type { Rib } from '../rib/rib.js';
import { ReceivedRoutes } from '../rib/received.js';
import { RequestError } from '../rib/request-error.js';
import { PrefixPolicy } from '../rib/special-addresses.js';
import type { AnnouncedPath } from '../rib/types.js';
import { validatePrefix } from '../rib/validate.js';
import type { StateStore, StoredState } from '../store/state-store.js';
import { PeerSession, type PeerSessionConfig } from '../session/peer-session.js';
import { normalizeAddress, TcpTransport } from '../session/tcp.js';
import { protectListener } from '../platform/socket-options.js';
import { isHostAddress } from '../loopback.js';
import type { AddedPaths, AddOptions, DrainStatus, HealthCheckDetail, HealthCheckStatus, ListedBlock, PathFilter, PrefixReach, WatchOptions, PeerShutdownOutcome, PeerGracefulRestartStatus, PathInput, PathSelector, PeerStatus, ReplaceOptions, ReplaceResult, ReplaceTransaction, SpeakerApi, SpeakerEvent, StopMode } from './api.js';
import { DesiredTable, type SentTo } from './desired.js';
import { EventHub } from './events.js';
import { IdleCollector } from './idle-collect.js';
import { NextHopResolver } from './export-policy.js';
import { prefixReach, setReach, type ReachPeer } from './reach.js';
import { NOT_DRAINING, SendPipeline, type DrainFlags, type PipelineOptions, type SentBatch } from './send-pipeline.js';
import { warmUpSendPath } from './warm-up.js';
import { HealthGate } from './path-health.js';
import { HealthMonitor } from '../health/monitor.js';
import type { Prober } from '../health/prober.js';
import type { HealthCheckSpec } from '../health/spec.js';
import type { BfdHandle, BfdService } from '../bfd/client.js';

/** The longest a drain may wait before it withdraws: a day. */
const MAX_DRAIN_MS = 86_400_000;

/** RFC 5880 4.1 diagnostics, as `announcer peers` says them. */
const BFD_DIAG_TEXT: Record<number, string> = {
  1: 'Control Detection Time Expired',
  2: 'Echo Function Failed',
  3: 'Neighbor Signaled Session Down',
  4: 'Forwarding Plane Reset',
  5: 'Path Down',
  7: 'Administratively Down',
};

/** How long after a failed start BFD is tried again for an established peer. */
const BFD_RETRY_MS = 10_000;

/** Ours from the config, theirs from the OPEN of the session now up, and whether both. */
function gracefulRestartOf(s: PeerSession): PeerGracefulRestartStatus {
  const ours = s.config.gracefulRestart;
  const n = s.session;
  const theirs = n?.peerGracefulRestart;
  return {
    ...(ours ? { ours: { restartTime: ours.restartTime } } : {}),
    ...(n
      ? {
          theirs: theirs
            ? { advertised: true, restartTime: theirs.restartTime, forwardingPreserved: theirs.forwardingPreserved, notification: theirs.notification }
            : { advertised: false, forwardingPreserved: [], notification: false },
        }
      : {}),
    negotiated: n?.gracefulRestart ?? false,
  };
}

export interface SpeakerOptions {
  readonly asn: number;
  readonly routerId: string;
  /** Next hop for a path added without one: an address or "self". */
  readonly nextHop: string;
  /** The ranges prefixes must lie in (checked prefix text); omitted: any but the special ones. */
  readonly allowPrefixes?: readonly string[];
  readonly listen?: { readonly address: string; readonly port: number };
  readonly peers: readonly PeerSessionConfig[];
  /** Tuning of the per-peer send pipelines (tests use small batches). */
  readonly pipeline?: PipelineOptions;
  /** Compile the send path at start-up, before the first router connects (the daemon does). */
  readonly warmUp?: boolean;
  /** The health checks paths may name (`check`). */
  readonly healthChecks?: readonly HealthCheckSpec[];
  /** How health checks probe (tests give a fake); default the real HTTP, TCP and command probes. */
  readonly prober?: Prober;
  /** Where BFD sessions run (the daemon's BFD process); needed when a peer has `bfd`. */
  readonly bfd?: BfdService;
  /** How long the daemon was down before this start, when it knows (a restart marker); absent: a first start. */
  readonly downForMs?: number;
  /**
   * One full garbage collection (the daemon passes V8's): made once the daemon is idle after a
   * large shrink of the table, so its memory returns (see idle-collect.ts). Absent: never.
   */
  readonly collectGarbage?: () => void;
}

interface PeerState {
  readonly session: PeerSession;
  readonly transport: TcpTransport;
  readonly pipeline: SendPipeline;
  /** The BFD session on this peer's link, once the first connection told us the local address. */
  bfd: BfdHandle | null;
  bfdOpening: boolean;
  /** The routes the peer currently announces to us (prefix and path id), for counting. */
  readonly received: ReceivedRoutes;
}

export class Speaker implements SpeakerApi {
  private readonly events: EventHub;
  private readonly desired: DesiredTable;
  private readonly collector: IdleCollector | null;
  /** Holds on the idle collection (deferCollection), e.g. watchers still sending a change. */
  private collectionHolds = 0;
  private readonly peers = new Map<string, PeerState>();
  private server: net.Server | null = null;
  private stopping = false;
  private started = false;
  /** `announcer drain`: since when, and when every path is withdrawn (null: not draining). */
  private draining: { since: number; withdrawAt: number | null; withdrawn: boolean; timer: TimerHandle | null } | null = null;
  /** What the drain does to the peers now: one object per change, read by every pipeline per row. */
  private drainNow: DrainFlags = NOT_DRAINING;
  private readonly drainFlags = (): DrainFlags => this.drainNow;

  constructor(
    private readonly options: SpeakerOptions,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
    private readonly store: StateStore | null = null,
  ) {
    this.events = new EventHub(log);
    // A prefix row changed (a request, or a health check's target): every peer's pipeline hears.
    const rowChanged = (row: number): void => {
      for (const p of this.peers.values()) p.pipeline.changed(row);
    };
    const checks = options.healthChecks?.length ? options.healthChecks : null;
    this.desired = new DesiredTable({
      defaultNextHop: options.nextHop,
      events: this.events,
      clock,
      store,
      changed: rowChanged,
      policy: new PrefixPolicy(options.allowPrefixes),
      ...(checks
        ? {
            gate: (rib: Rib) => {
              const hlog = log.child({ component: 'health' });
              const monitor = new HealthMonitor(checks, { clock, log: hlog, ...(options.prober ? { prober: options.prober } : {}) });
              // {nextHop} of a path via "self": this host, as the config's nextHop or router id names it.
              const self = IpAddress.parse(options.nextHop) ? options.nextHop : options.routerId;
              return new HealthGate({ rib, checks, monitor, selfAddress: self, changed: rowChanged, events: this.events, clock, log: hlog });
            },
          }
        : {}),
    });
    const collect = options.collectGarbage;
    this.collector = collect
      ? new IdleCollector({
          collect,
          clock,
          // Not while a replace is applied or a router is being sent: the pause would be theirs.
          busy: () => this.desired.applying || this.collectionHolds > 0 || [...this.peers.values()].some((p) => p.pipeline.queued > 0),
          collected: ({ ms, peak, size }) => this.log.info({ ms, pathsBefore: peak, paths: size }, 'memory given back after a large shrink: one full garbage collection'),
        })
      : null;
    const local = { asn: options.asn, routerId: options.routerId, hostname: os.hostname() };
    for (const pc of options.peers) {
      const log = this.log.child({ peer: pc.name });
      const transport = new TcpTransport(pc, pc.asn !== options.asn, clock, log);
      const session = new PeerSession(
        pc,
        local,
        {
          established: (s) => this.onEstablished(s),
          down: (s) => this.onDown(s),
          update: (s, m) => this.onUpdate(s, m),
          routeRefresh: (s, family) => this.onRouteRefresh(s, family),
          drain: (s) => this.peers.get(s.config.address)?.pipeline.drained(),
          stateChange: (s, from, to) =>
            this.events.emit('peer-state', () => ({
              type: 'peer-state',
              at: this.clock.now(),
              peer: s.config.name,
              address: s.config.address,
              from,
              to,
              ...(to !== 'Established' && s.lastError ? { reason: s.lastError } : {}),
            })),
        },
        clock,
        log,
        transport,
        Math.random,
        // Back within this peer's restart time (RFC 4724 3: the R bit in our OPENs until it is up).
        options.downForMs !== undefined && pc.gracefulRestart !== undefined && options.downForMs < pc.gracefulRestart.restartTime * 1000,
      );
      const pipeline = new SendPipeline(
        this.desired.rib,
        clock,
        log,
        options.pipeline,
        {
          wants: () => this.events.wants('peer-paths'),
          sent: (b) => this.emitSent(pc.name, pc.address, b),
        },
        this.desired.gate,
        this.drainFlags,
      );
      this.peers.set(pc.address, { session, transport, pipeline, received: new ReceivedRoutes(), bfd: null, bfdOpening: false });
    }
  }

  /** Listen (when configured) and start every session. */
  async start(): Promise<void> {
    if (this.options.warmUp) this.log.debug({ ms: Math.round(warmUpSendPath(this.log)) }, 'send path warmed up');
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
      // TCP-MD5 keys on the listener, per peer: the kernel checks them on the SYN already.
      for (const pc of this.options.peers) {
        if (pc.password === undefined) continue;
        try {
          protectListener(server, pc.address, pc.password);
        } catch (e) {
          server.close();
          throw new Error(`peer ${pc.name}: password: cannot set TCP-MD5 on the listener: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      this.log.info({ address, port }, 'listening for BGP connections');
    }
    for (const p of this.peers.values()) {
      // Not an error: the address may come later (a VIP, an interface still coming up).
      const local = p.session.config.localAddress;
      if (local !== undefined && !p.session.config.passive && !isHostAddress(local)) {
        const why = `localAddress ${local} is not an address of this host: connecting to the peer fails until it is`;
        p.session.log.warn({ localAddress: local }, why);
        p.session.noteProblem(why);
      }
      p.session.start();
    }
    this.started = true;
  }

  deferCollection(): () => void {
    this.collectionHolds++;
    let held = true;
    return () => {
      if (held) this.collectionHolds--;
      held = false;
    };
  }

  /**
   * Drain (RFC 8326): every path goes to every peer again with GRACEFUL_SHUTDOWN (and LOCAL_PREF 0
   * towards iBGP peers), so routers that honour it move traffic to other paths; after
   * `withdrawAfterMs` (if given) every path is withdrawn from every peer. The desired table stays
   * as it is (calls change it as usual, sent drained); undrain() announces it as before. A drain
   * under way is restarted with the new time.
   */
  drain(withdrawAfterMs?: number): DrainStatus {
    if (withdrawAfterMs !== undefined && (!Number.isInteger(withdrawAfterMs) || withdrawAfterMs < 0 || withdrawAfterMs > MAX_DRAIN_MS)) {
      throw new RequestError('invalid-argument', 'withdrawAfterMs', `withdrawAfterMs: a whole number of ms from 0 to ${MAX_DRAIN_MS} (24 hours), got ${withdrawAfterMs}`);
    }
    const now = this.clock.now();
    const before = this.draining;
    before?.timer?.cancel();
    const d = (this.draining = { since: before?.since ?? now, withdrawAt: withdrawAfterMs === undefined ? null : now + withdrawAfterMs, withdrawn: withdrawAfterMs === 0, timer: null as TimerHandle | null });
    if (withdrawAfterMs !== undefined && withdrawAfterMs > 0) {
      d.timer = this.clock.after(withdrawAfterMs, () => {
        d.timer = null;
        d.withdrawn = true;
        this.log.info({}, 'drain: every path withdrawn from every peer');
        this.drainChanged();
      });
    }
    this.log.info({ withdrawAfterMs: withdrawAfterMs ?? null }, before ? 'drain changed' : 'draining: every path is sent with GRACEFUL_SHUTDOWN');
    // Sent again only when what peers get changes (not for a new timer alone).
    if (!before || before.withdrawn !== d.withdrawn) this.drainChanged();
    return this.drainStatus();
  }

  /** Ends a drain: every path is announced as before. */
  undrain(): DrainStatus {
    if (this.draining) {
      this.draining.timer?.cancel();
      this.draining = null;
      this.log.info({}, 'drain ended: every path announced as before');
      this.drainChanged();
    }
    return this.drainStatus();
  }

  drainStatus(): DrainStatus {
    const d = this.draining;
    if (!d) return { state: 'announcing' };
    return { state: d.withdrawn ? 'withdrawn' : 'draining', since: d.since, ...(d.withdrawAt !== null && !d.withdrawn ? { withdrawAt: d.withdrawAt } : {}) };
  }

  private drainChanged(): void {
    const d = this.draining;
    this.drainNow = d === null ? NOT_DRAINING : { draining: true, withdrawn: d.withdrawn };
    for (const p of this.peers.values()) p.pipeline.drainChanged();
  }

  /**
   * Close every session and stop listening. `withdraw`: every router drops our paths now (Cease with
   * an RFC 8203 message, Hard Reset where RFC 8538 is negotiated). `restart`: routers that
   * negotiated graceful restart keep them as stale until we are back (RFC 4724).
   */
  async stop(message = 'announcer shutting down', mode: StopMode = 'withdraw'): Promise<void> {
    this.stopping = true;
    this.draining?.timer?.cancel();
    this.collector?.stop();
    this.server?.close();
    await Promise.all([...this.peers.values()].map((p) => p.session.stop(message, mode)));
    // A restart leaves BFD Up in the BFD process for each peer's restart time, so routers keep
    // forwarding while graceful restart covers BGP (RFC 5882 4.3); a withdrawing stop ends it with
    // AdminDown.
    if (mode === 'restart') await this.options.bfd?.detach();
    else await this.options.bfd?.closeAll();
    await this.desired.gate?.stop();
    await this.store?.flush();
  }

  private requestStop: (mode: StopMode) => void = () => {};
  /** Resolves when a client asks the daemon to stop (`announcer shutdown`), with how. */
  readonly shutdownRequested: Promise<StopMode> = new Promise((resolve) => {
    this.requestStop = resolve;
  });

  shutdown(mode: StopMode): PeerShutdownOutcome[] {
    if (!this.ready) throw new RequestError('unavailable', 'mode', 'the daemon is already shutting down');
    // What each router is left with, decided now, by the rule stop() applies.
    const outcomes = [...this.peers.values()].map(({ session: s }): PeerShutdownOutcome => {
      const o = s.stopOutcome(mode);
      return {
        name: s.config.name,
        address: s.config.address,
        ...(o.kept ? { kept: true, restartTime: o.restartTime } : { kept: false, ...(o.reason !== undefined ? { reason: o.reason } : {}) }),
      };
    });
    this.log.info({ mode, kept: outcomes.filter((o) => o.kept).map((o) => o.name) }, 'shutdown requested through the API');
    this.requestStop(mode);
    return outcomes;
  }

  private onIncoming(socket: net.Socket): void {
    const remote = normalizeAddress(socket.remoteAddress ?? '');
    const peer = this.peers.get(remote);
    if (!peer || this.stopping) {
      this.log.warn({ remote }, 'refusing BGP connection from an address that is not a configured peer');
      socket.destroy();
      return;
    }
    const link = peer.transport.accept(socket);
    if (link) peer.session.acceptIncoming(link);
  }

  // ---- the API ------------------------------------------------------------------------------

  get ready(): boolean {
    return this.started && !this.stopping;
  }

  /** Puts the stored table back (before start), in slices: resolves with the paths held. */
  restore(stored: StoredState): Promise<number> {
    // Written under other rules (a wider allowPrefixes, an older version): never sent, said once each.
    return this.desired.restore(stored, (e) => this.log.warn({ entry: e.field, why: e.message }, 'state file: path left out, it may not be announced'));
  }

  addPaths(inputs: readonly PathInput[], options?: AddOptions): Promise<AddedPaths> {
    return this.desired.addPaths(inputs, options);
  }

  async deletePaths(sel: PathSelector): Promise<AnnouncedPath[]> {
    try {
      return await this.desired.deletePaths(sel);
    } finally {
      this.collector?.sized(this.desired.rib.size);
    }
  }

  async replacePaths(owner: string, inputs: readonly PathInput[], options?: ReplaceOptions): Promise<ReplaceResult> {
    try {
      return this.withReach(await this.desired.replacePaths(owner, inputs, options));
    } finally {
      this.collector?.sized(this.desired.rib.size);
    }
  }

  beginReplace(owner: string): ReplaceTransaction {
    const t = this.desired.beginReplace(owner);
    return {
      add: (paths) => t.add(paths),
      addPacked: (family, prefixes, nextHop, check) => t.addPacked(family, prefixes, nextHop, check),
      reserve: (n) => t.reserve(n),
      get count() {
        return t.count;
      },
      commit: async (options) => {
        try {
          return this.withReach(await t.commit(options));
        } finally {
          this.collector?.sized(this.desired.rib.size);
        }
      },
    };
  }

  /** A replace's result with what each peer is sent of the owner's set. */
  private withReach(r: ReplaceResult): ReplaceResult {
    return { ...r, reach: setReach(r.size ?? [], this.reachPeers()) };
  }

  reach(prefixes: readonly string[]): PrefixReach[] {
    const rib = this.desired.rib;
    const peers = this.reachPeers();
    return prefixes.map((text, i) => {
      const prefix = validatePrefix(text, `prefixes[${i}]`);
      return { prefix: prefix.toString(), peers: prefixReach(rib, rib.find(prefix), prefix.family, peers) };
    });
  }

  private reachPeers(): ReachPeer[] {
    return [...this.peers.values()].map(({ session: s, pipeline }) => ({
      name: s.config.name || s.config.address,
      state: s.state,
      families: s.config.families,
      addPath: s.config.addPath,
      pipeline,
    }));
  }

  listPaths(filter: PathFilter = {}): AnnouncedPath[] {
    return [...this.listPathChunks(filter, Infinity)].flat();
  }

  listPathChunks(filter: PathFilter, chunk: number): Iterable<readonly AnnouncedPath[]> {
    return this.desired.listPathChunks(filter, chunk, this.sentTo(filter));
  }

  listPathBlocks(filter: PathFilter, chunk: number): Iterable<readonly ListedBlock[]> {
    return this.desired.listPathBlocks(filter, chunk, this.sentTo(filter));
  }

  /** A listing's peer filter: what that peer is sent of a row (nothing while it is not up). */
  private sentTo(filter: PathFilter): SentTo | undefined {
    if (filter.peer === undefined || filter.peer === '') return undefined;
    const { pipeline } = this.peerNamed(filter.peer, 'peer');
    return (row) => pipeline.sentPaths(row) ?? [];
  }

  watch(listener: (e: SpeakerEvent) => void, types?: readonly SpeakerEvent['type'][], options?: WatchOptions): () => void {
    return this.events.watch(listener, types, options);
  }

  healthChecks(): HealthCheckStatus[] {
    return this.desired.gate?.statuses() ?? [];
  }

  listHealthChecks(): HealthCheckDetail[] {
    return this.desired.gate?.details() ?? [];
  }

  /** Calls `listener` as each health probe starts, with its check and how late it is (ms); returns the unsubscribe. */
  onHealthProbeStart(listener: (check: string, lagMs: number) => void): () => void {
    return this.desired.gate?.onProbeStart(listener) ?? (() => {});
  }

  /** A configured peer by name or address (RequestError on `field` naming the configured ones). */
  private peerNamed(name: string, field: string): PeerState {
    const ip = IpAddress.parse(name.trim());
    const one = this.peers.get(ip ? ip.toString() : name) ?? [...this.peers.values()].find((p) => p.session.config.name === name);
    if (!one) {
      const known = [...this.peers.values()].map((p) => p.session.config.name).join(', ') || 'none';
      throw new RequestError('invalid-argument', field, `${field}: ${name} is not a configured peer (configured: ${known})`);
    }
    return one;
  }

  listPeers(filter: { readonly peer?: string } = {}): PeerStatus[] {
    let peers = [...this.peers.values()];
    if (filter.peer !== undefined && filter.peer !== '') peers = [this.peerNamed(filter.peer, 'peer')];
    return peers.map(({ session: s, pipeline, received, bfd }) => {
      const n = s.session;
      const families = n
        ? n.families.map((family) => ({
            family,
            addPathSend: n.ctx.addPathSend.includes(family),
            addPathReceive: n.ctx.addPathReceive.includes(family),
          }))
        : [];
      return {
        name: s.config.name,
        address: s.config.address,
        port: s.config.port,
        asn: s.config.asn,
        state: s.state,
        since: s.since,
        ...(s.localAddress ? { localAddress: s.localAddress } : {}),
        ...(n ? { remoteRouterId: n.peerRouterId, holdTime: s.holdTime } : {}),
        families,
        // What the peer holds: routes whose UPDATEs were handed to its socket.
        prefixesSent: pipeline.out.size,
        prefixesReceived: received.size,
        ...s.stats,
        ...(s.lastError ? { lastError: s.lastError, ...(s.lastErrorAt !== undefined ? { lastErrorAt: s.lastErrorAt } : {}) } : {}),
        ...(bfd ? { bfd: { state: bfd.state, flaps: bfd.flaps } } : {}),
        gracefulRestart: gracefulRestartOf(s),
      };
    });
  }

  // ---- sessions -----------------------------------------------------------------------------

  private emitSent(peer: string, address: string, b: SentBatch): void {
    const rib = this.desired.rib;
    this.events.emit('peer-paths', () => ({
      type: 'peer-paths',
      at: this.clock.now(),
      peer,
      address,
      announced: b.announced.map((a) => ({ prefix: rib.prefixOf(a.row).toString(), nextHop: a.nextHop.toString(), pathId: a.pathId })),
      withdrawn: b.withdrawn.map((w) => ({ prefix: rib.prefixOf(w.row).toString(), pathId: w.pathId })),
    }));
  }

  /** The longest a check may take to give every path its first verdict: two intervals of the slowest check. */
  private get firstVerdictMs(): number {
    return 2 * Math.max(0, ...(this.options.healthChecks ?? []).map((c) => c.interval));
  }

  /** Starts BFD with the peer once a connection has told us our address on its link. */
  private startBfd(p: PeerState, s: PeerSession): void {
    const timers = s.config.bfd;
    const local = s.localAddress;
    if (!timers || !local || p.bfd || p.bfdOpening || this.stopping) return;
    const service = this.options.bfd;
    if (!service) {
      s.log.error('BFD is configured for this peer but this speaker has no BFD process to run it');
      return;
    }
    p.bfdOpening = true;
    // Held over our restart for as long as the router keeps our paths: only when it negotiated
    // graceful restart with us, or it drops them at once anyway.
    const holdMs = s.session?.gracefulRestart && s.config.gracefulRestart ? s.config.gracefulRestart.restartTime * 1000 : 0;
    service
      .open(local, s.config.address, timers, holdMs, (from, to, diag) => {
        s.log.info({ from, to, diag }, 'BFD state change');
        if (from === 'Up' && to !== 'Up') s.linkDown(`BFD session down (${BFD_DIAG_TEXT[diag] ?? `diagnostic ${diag}`})`);
      })
      .then(
        (h) => {
          p.bfdOpening = false;
          p.bfd = h;
        },
        (err: unknown) => {
          p.bfdOpening = false;
          s.log.error({ err: err instanceof Error ? err.message : String(err), retryInSeconds: BFD_RETRY_MS / 1000 }, 'cannot start BFD for this peer');
          // A BFD process that a service manager starts late (bfd.spawn: false) is found later.
          this.clock.after(BFD_RETRY_MS, () => {
            if (s.state === 'Established') this.startBfd(p, s);
          });
        },
      );
  }

  private onEstablished(s: PeerSession): void {
    const p = this.peers.get(s.config.address)!;
    this.startBfd(p, s);
    const n = s.session!;
    p.received.clear();
    const local = s.localAddress === undefined ? undefined : (IpAddress.parse(s.localAddress) ?? undefined);
    const warned = new Set<Family>();
    const nextHops = new NextHopResolver(local, (family) => {
      if (warned.has(family)) return;
      warned.add(family);
      s.log.warn(
        { family, localAddress: s.localAddress },
        'next hop "self" has no address of this family on the session\'s interface: those paths are not sent to this peer',
      );
    });
    // RFC 4724 2: End-of-RIB after the initial table, per family. While a health check has not yet
    // given some path its first verdict (a probe or so after a start), the whole initial table
    // waits: after a restart the router holds our paths as stale, and prefers any fresh path to
    // them, so sending a prefix's paths piecemeal (those already checked first) would shrink its
    // ECMP route to those few, and End-of-RIB would drop the rest.
    const start = (): void =>
      p.pipeline.start(
        {
          families: n.families,
          addPath: n.ctx.addPathSend,
          ctx: n.ctx,
          policy: { localAsn: this.options.asn, ebgp: n.peerAsn !== this.options.asn, ...(s.config.defaults ? { defaults: s.config.defaults } : {}) },
          nextHops,
        },
        s,
        n.families.map((f) => endOfRib(f)),
      );
    const gate = this.desired.gate;
    if (gate?.settling !== true) start();
    else {
      s.log.info({ maxWaitMs: this.firstVerdictMs }, 'waiting for the health checks\' first verdicts before sending the table');
      void gate.settled(this.firstVerdictMs).then(() => {
        if (s.session === n && s.state === 'Established') start();
      });
    }
  }

  private onDown(s: PeerSession): void {
    const p = this.peers.get(s.config.address)!;
    p.pipeline.reset();
    p.received.clear();
  }

  private onRouteRefresh(s: PeerSession, family: Family): void {
    const p = this.peers.get(s.config.address)!;
    const n = s.session!;
    const { afi, safi } = FAMILY_AFI_SAFI[family];
    s.log.info({ family }, 'ROUTE-REFRESH: sending the table again');
    // RFC 7313 4: with enhanced route refresh the re-sent table is framed by BoRR and EoRR, so the
    // peer can drop what we no longer have.
    const enhanced = n.enhancedRouteRefresh;
    p.pipeline.resend(
      family,
      enhanced ? { type: 'route-refresh', afi, safi, subtype: 'begin-of-rib' } : null,
      enhanced ? { type: 'route-refresh', afi, safi, subtype: 'end-of-rib' } : null,
    );
  }

  private onUpdate(s: PeerSession, m: UpdateMessage): void {
    const received = this.peers.get(s.config.address)!.received;
    forEachRoute(
      m,
      (n) => received.delete(n.prefix, n.pathId),
      (n) => received.add(n.prefix, n.pathId),
    );
  }
}
