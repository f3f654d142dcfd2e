// One peer's send path. Changes to the RIB only mark prefix rows in this peer's queue; UPDATEs are
// built from the queue when the socket can take more (pulled, as BIRD's buckets are, not pushed),
// so a peer that reads slowly costs its queue of row numbers, never a copy of the table. What a
// row needs is decided when it is sent, against the Adj-RIB-Out, so a path added and withdrawn
// before it went out costs nothing on the wire.

import {
  BgpEncodeError,
  FAMILIES,
  packAnnouncementRows,
  packWithdrawalRows,
  type BgpMessage,
  type CodecContext,
  type Family,
  type IpAddress,
  type PathAttribute,
} from '../codec/index.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { AdjRibOut } from '../rib/adj-rib-out.js';
import { grow, TurnMap } from '../rib/columns.js';
import type { Rib } from '../rib/rib.js';
import { exportAttributes, weightedAttributes, type ExportContext, type NextHopResolver } from './export-policy.js';
import { attributesKey, MAX_WEIGHT } from '../attributes/table.js';
import type { PathGate } from './path-health.js';

/**
 * Next hop `nhId` in routes of route family `family`: "self" is one RIB next hop but an address
 * (and an UPDATE) per route family, whichever address family that address turns out to be.
 */
function perRouteFamily(nhId: number, family: Family): number {
  return nhId * FAMILIES.length + FAMILIES.indexOf(family);
}

/** Where the pipeline's bytes go: the established session's socket. */
export interface UpdateSink {
  /** Hand whole UPDATE messages to the socket. */
  writeUpdates(bytes: Uint8Array, messages: number): void;
  /** Send one message (End-of-RIB, BoRR, EoRR). */
  send(msg: BgpMessage): void;
  /** Octets handed to the socket that the peer's side has not taken yet. */
  readonly backlog: number;
}

/** What the session negotiated that decides what this peer is sent. */
export interface PeerExport {
  readonly families: readonly Family[];
  /** Families this peer receives every path of with its path identifier (RFC 7911). */
  readonly addPath: readonly Family[];
  readonly ctx: CodecContext;
  readonly policy: ExportContext;
  readonly nextHops: NextHopResolver;
}

/** What a peer is sent of one prefix (see SendPipeline.reach). */
export interface RowReach {
  readonly family: Family;
  /** Whether the session carries the prefix's family at all. */
  readonly carried: boolean;
  /** Whether it carries every path (ADD-PATH send negotiated), or one. */
  readonly addPath: boolean;
  /** The paths sent (path numbers), and each one's next hop as the peer gets it. */
  readonly paths: readonly number[];
  readonly nextHops: readonly IpAddress[];
  /** Paths not sent: withdrawn by their health check; next hop "self" without an address of the family. */
  readonly withdrawn: number;
  readonly unresolved: number;
}

/** One batch as written, for watchers (built only when someone asks). */
export interface SentBatch {
  readonly announced: readonly { readonly row: number; readonly pathId: number; readonly nextHop: IpAddress }[];
  readonly withdrawn: readonly { readonly row: number; readonly pathId: number }[];
}

/** What a drain does to what peers are sent: GRACEFUL_SHUTDOWN on every path, then every path withdrawn. */
export interface DrainFlags {
  readonly draining: boolean;
  readonly withdrawn: boolean;
}

/** Weighted attribute sets a session holds at most (see SendPipeline.weighted). */
const WEIGHT_VARIANTS = 4096;

export const NOT_DRAINING: DrainFlags = { draining: false, withdrawn: false };

export interface PipelineOptions {
  /** Stop building UPDATEs while this many octets wait in the socket (user space). */
  readonly highWater?: number;
  /** Prefix rows per batch (one round of packing and one write). */
  readonly batchRows?: number;
  /** Batches per turn of the event loop, so other peers and the API get their turn. */
  readonly batchesPerTurn?: number;
}

const NIL = -1;
/** Paths of a prefix compared one by one; more are looked up through a map. */
const FEW = 8;
const QUEUED = 1;
const FORCED = 2;

/**
 * Prefix rows with the path id each is sent with, and the route the peer holds for it (its
 * Adj-RIB-Out entry, or NIL for none): growable columns.
 */
class RowList {
  rows = new Int32Array(64);
  pathIds = new Uint32Array(64);
  routes = new Int32Array(64);
  count = 0;

  push(row: number, pathId: number, route: number): void {
    if (this.count === this.rows.length) {
      this.rows = grow(this.rows, this.count * 2);
      this.pathIds = grow(this.pathIds, this.count * 2);
      this.routes = grow(this.routes, this.count * 2);
    }
    this.rows[this.count] = row;
    this.routes[this.count] = route;
    this.pathIds[this.count++] = pathId;
  }
}

/** Announcements sharing attributes and next hop: packed into the same UPDATEs. */
class Bucket extends RowList {
  /** The RIB path each route is made from. */
  paths = new Int32Array(64);

  constructor(
    readonly family: Family,
    readonly attrId: number,
    readonly nhId: number,
    readonly nextHop: IpAddress,
  ) {
    super();
  }

  pushPath(row: number, pathId: number, route: number, path: number): void {
    if (this.count === this.paths.length) this.paths = grow(this.paths, this.count * 2);
    this.paths[this.count] = path;
    this.push(row, pathId, route);
  }
}

export class SendPipeline {
  readonly out: AdjRibOut;
  private peer: PeerExport | null = null;
  private sink: UpdateSink | null = null;

  // The queue: a ring of row numbers, each row at most once (its mark says so).
  private ring = new Int32Array(0);
  private qHead = 0;
  private qSize = 0;
  private mark = new Uint8Array(0);
  /**
   * The initial table is a sweep over the RIB's rows, [sweepNext, sweepEnd), not 1,000,000 queue
   * entries: a row added meanwhile is queued by its change; one removed meanwhile has nothing to send.
   */
  private sweepNext = 0;
  private sweepEnd = 0;

  /** Sent once the queue is empty (End-of-RIB, EoRR). Bounded: a few per family. */
  private readonly markers: BgpMessage[] = [];
  private scheduled = false;
  private readonly highWater: number;
  private readonly batchRows: number;
  private readonly batchesPerTurn: number;

  // Per batch, reused.
  private readonly buckets = new Map<number, Map<number, Bucket>>();
  private readonly withdrawals = new Map<Family, RowList>();
  private readonly attrCache = new Map<number, PathAttribute[]>();
  /** Weighted variants of attribute sets this session sends: set id x (MAX_WEIGHT + 1) + weight -> the variant's id (held). */
  private readonly weightVariants = new Map<number, number>();
  private readonly nhCache = new Map<number, IpAddress | null>();
  private desiredIds = new Uint32Array(16);
  private desiredNh = new Int32Array(16);
  private desiredAttr = new Int32Array(16);
  /** The batch each row was last looked at in (see batch()). */
  private seen = new Uint32Array(0);
  private batchNo = 0;
  /**
   * batch()'s matching of a row's routes to its paths, in columns of one row at a time: the route
   * each RIB path was sent as (by path number), and whether each route is still wanted (by route).
   */
  private readonly routeOfPath = new TurnMap();
  private readonly keptRoutes = new TurnMap();
  /** The path (number) each desired route is made from. */
  private desiredPath = new Int32Array(16);

  /** Routes written, in total (for counters). */
  routesSent = 0;

  constructor(
    private readonly rib: Rib,
    private readonly clock: Clock,
    private readonly log: Logger,
    opts: PipelineOptions = {},
    /** Called after each batch is written, when it returns true for `wants`. */
    private readonly report?: { wants(): boolean; sent(b: SentBatch): void },
    /** Health checks: a path whose target is down is withdrawn or sent with worse attributes. */
    private readonly gate: PathGate | null = null,
    /** The daemon's drain (see Speaker.drain): read as each batch is built; drainChanged() says when it changes. */
    private readonly drain: () => DrainFlags = () => NOT_DRAINING,
  ) {
    this.out = new AdjRibOut(rib);
    this.highWater = opts.highWater ?? 1 << 20;
    this.batchRows = opts.batchRows ?? 4096;
    this.batchesPerTurn = opts.batchesPerTurn ?? 16;
  }

  /** Rows waiting to be looked at (queued, or not yet reached by the initial sweep). */
  get queued(): number {
    return this.qSize + this.sweepEnd - this.sweepNext;
  }

  /**
   * What this peer is sent of `row` (when it is being sent the table): the paths, their next hops
   * as the peer sees them, and why the others are not sent. Null while it is sent nothing.
   */
  /** What the peer negotiated, while it is being sent the table (else null). */
  get sending(): PeerExport | null {
    return this.peer;
  }

  /** The paths (numbers) this peer is sent of `row`, or null while it is sent nothing: list --peer's filter. */
  sentPaths(row: number): number[] | null {
    const peer = this.peer;
    if (!peer) return null;
    const n = this.desired(row, peer);
    return Array.from(this.desiredPath.subarray(0, n));
  }

  reach(row: number): RowReach | null {
    const peer = this.peer;
    if (!peer) return null;
    const rib = this.rib;
    const family = rib.familyOf(row);
    const paths = this.sentPaths(row)!;
    const nextHops = paths.map((_, i) => this.nextHopOf(this.desiredNh[i]!, family, peer)!);
    let withdrawn = 0;
    let unresolved = 0;
    const rowAttr = rib.attributeId(row);
    for (let p = rib.firstPath(row); p !== NIL; p = rib.nextPath(p)) {
      if (this.nextHopOf(rib.nextHopIdOf(p), family, peer) === null) unresolved++;
      else if (this.gate && this.gate.attributeOf(p, rowAttr) === NIL) withdrawn++;
    }
    return { family, carried: peer.families.includes(family), addPath: peer.addPath.includes(family), paths, nextHops, withdrawn, unresolved };
  }

  /** The session is established: send the whole table, then End-of-RIB per family. */
  start(peer: PeerExport, sink: UpdateSink, endOfRib: readonly BgpMessage[]): void {
    this.reset();
    this.peer = peer;
    this.sink = sink;
    this.sweepNext = 0;
    this.sweepEnd = this.rib.rowLimit;
    this.markers.push(...endOfRib);
    this.schedule();
  }

  /** The session went down: the peer holds nothing, nothing is waiting. */
  reset(): void {
    this.peer = null;
    this.sink = null;
    while (this.qSize > 0) this.rib.release(this.dequeue().row);
    this.sweepNext = this.sweepEnd = 0;
    this.ring = new Int32Array(0);
    this.mark = new Uint8Array(0);
    this.qHead = 0;
    this.out.clear();
    this.markers.length = 0;
    this.attrCache.clear();
    this.nhCache.clear();
    this.releaseWeightVariants();
  }

  /** A row changed in the RIB. */
  changed(row: number): void {
    if (!this.peer) return;
    this.enqueue(row);
    this.schedule();
  }

  /**
   * Send every route of `family` again, even those the peer has (ROUTE-REFRESH), with `before`
   * sent now and `after` once they have all gone out (RFC 7313 BoRR / EoRR).
   */
  resend(family: Family, before: BgpMessage | null, after: BgpMessage | null): void {
    if (!this.peer || !this.sink) return;
    if (before) this.sink.send(before);
    this.forceAll(family);
    if (after) this.markers.push(after);
    this.schedule();
  }

  /** Queue every row (of `family` when given) to be sent whole, even what the peer has. */
  private forceAll(family?: Family): void {
    for (const row of this.rib.rows()) if (family === undefined || this.rib.familyOf(row) === family) this.enqueue(row, FORCED);
    // Rows the peer holds that the RIB no longer has are queued already (their change queued them).
  }

  /**
   * The daemon's drain changed: every route the peer holds is sent again (with or without
   * GRACEFUL_SHUTDOWN), or withdrawn, as an ordinary difference.
   */
  drainChanged(): void {
    if (!this.peer) return;
    this.attrCache.clear();
    this.forceAll();
    this.schedule();
  }

  /** The socket took what it had: build more. */
  drained(): void {
    this.schedule();
  }

  private enqueue(row: number, bits = QUEUED): void {
    if (row >= this.mark.length) {
      // Doubling: a table that grows a row at a time must not copy the marks each time.
      const m = new Uint8Array(Math.max(1024, this.rib.rowLimit, row + 1, this.mark.length * 2));
      m.set(this.mark);
      this.mark = m;
    }
    if (this.mark[row]! & QUEUED) {
      this.mark[row]! |= bits;
      return;
    }
    this.mark[row] = bits | QUEUED;
    this.rib.hold(row);
    if (this.qSize === this.ring.length) {
      const ring = new Int32Array(Math.max(1024, this.ring.length * 2));
      for (let i = 0; i < this.qSize; i++) ring[i] = this.ring[(this.qHead + i) % this.ring.length]!;
      this.ring = ring;
      this.qHead = 0;
    }
    this.ring[(this.qHead + this.qSize) % this.ring.length] = row;
    this.qSize++;
  }

  /** Takes the next row off the queue (still held: release it once done). */
  private dequeue(): { row: number; forced: boolean } {
    const row = this.ring[this.qHead]!;
    this.qHead = (this.qHead + 1) % this.ring.length;
    this.qSize--;
    const forced = (this.mark[row]! & FORCED) !== 0;
    this.mark[row] = 0;
    return { row, forced };
  }

  private schedule(): void {
    if (this.scheduled || !this.peer) return;
    this.scheduled = true;
    this.clock.soon(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Build and write batches while the socket takes them; then End-of-RIB and friends. */
  pump(): void {
    const sink = this.sink;
    if (!this.peer || !sink) return;
    for (let b = 0; b < this.batchesPerTurn; b++) {
      if (this.queued === 0 || sink.backlog >= this.highWater) break;
      this.batch(this.peer, sink);
      if (!this.peer) return; // the session went down while writing
    }
    if (this.queued === 0) {
      for (const m of this.markers.splice(0)) sink.send(m);
      return;
    }
    // Blocked: the session's 'drain' calls drained(). Otherwise: more next turn.
    if (sink.backlog < this.highWater) this.schedule();
  }

  private nextHopOf(nhId: number, family: Family, peer: PeerExport): IpAddress | null {
    const key = perRouteFamily(nhId, family); // "self" resolves per route family: one RIB next hop, an answer each
    let v = this.nhCache.get(key);
    if (v === undefined) {
      if (this.nhCache.size >= 4096) this.nhCache.clear();
      v = peer.nextHops.resolve(this.rib.nextHop(nhId), family);
      this.nhCache.set(key, v);
    }
    return v;
  }

  private attributesOf(attrId: number, peer: PeerExport): PathAttribute[] {
    let v = this.attrCache.get(attrId);
    if (!v) {
      if (this.attrCache.size >= 4096) this.attrCache.clear();
      v = exportAttributes(this.rib.attributes(attrId), this.drain().draining ? { ...peer.policy, draining: true } : peer.policy);
      this.attrCache.set(attrId, v);
    }
    return v;
  }

  private bucket(family: Family, attrId: number, nhId: number, nextHop: IpAddress): Bucket {
    let byNh = this.buckets.get(attrId);
    if (!byNh) this.buckets.set(attrId, (byNh = new Map()));
    const key = perRouteFamily(nhId, family);
    let b = byNh.get(key);
    if (!b) byNh.set(key, (b = new Bucket(family, attrId, nhId, nextHop)));
    return b;
  }

  private withdrawList(family: Family): RowList {
    let l = this.withdrawals.get(family);
    if (!l) this.withdrawals.set(family, (l = new RowList()));
    return l;
  }

  /** The routes `row` should have at this peer, into desiredIds/desiredNh/desiredAttr; returns how many. */
  private desired(row: number, peer: PeerExport): number {
    const rib = this.rib;
    const family = rib.familyOf(row);
    if (rib.pathCountOf(row) === 0 || !peer.families.includes(family) || this.drain().withdrawn) return 0;
    const rowAttr = rib.attributeId(row);
    if (peer.addPath.includes(family)) {
      let n = 0;
      for (let p = rib.firstPath(row); p !== NIL; p = rib.nextPath(p)) {
        const nhId = rib.nextHopIdOf(p);
        if (this.nextHopOf(nhId, family, peer) === null) continue;
        const gated = this.gate ? this.gate.attributeOf(p, rowAttr) : rowAttr;
        if (gated === NIL) continue; // its health check's target is down: withdrawn
        const w = rib.weightOf(p);
        const attr = w === 0 ? gated : this.weighted(gated, w, peer);
        if (n === this.desiredIds.length) {
          this.desiredIds = grow(this.desiredIds, n * 2);
          this.desiredNh = grow(this.desiredNh, n * 2);
          this.desiredAttr = grow(this.desiredAttr, n * 2);
          this.desiredPath = grow(this.desiredPath, n * 2);
        }
        this.desiredPath[n] = p;
        this.desiredIds[n] = rib.pathIdOf(p);
        this.desiredAttr[n] = attr;
        this.desiredNh[n++] = nhId;
      }
      return n;
    }
    // Without ADD-PATH the peer can hold one path: the oldest that can be sent, so adding paths
    // never moves it; a path demoted by its health check only when no other is left.
    let fallback = NIL;
    let fallbackAttr = NIL;
    for (let p = rib.firstPath(row); p !== NIL; p = rib.nextPath(p)) {
      const nhId = rib.nextHopIdOf(p);
      if (this.nextHopOf(nhId, family, peer) === null) continue;
      const attr = this.gate ? this.gate.attributeOf(p, rowAttr) : rowAttr;
      if (attr === NIL) continue;
      if (attr !== rowAttr) {
        if (fallback === NIL) {
          fallback = p;
          fallbackAttr = attr;
        }
        continue;
      }
      return this.single(p, nhId, attr);
    }
    return fallback === NIL ? 0 : this.single(fallback, rib.nextHopIdOf(fallback), fallbackAttr);
  }

  private single(p: number, nhId: number, attr: number): number {
    const w = this.rib.weightOf(p);
    this.desiredPath[0] = p;
    this.desiredIds[0] = 0;
    this.desiredNh[0] = nhId;
    // Without ADD-PATH the weight still goes: routers weigh the paths of several neighbours (per-node).
    this.desiredAttr[0] = w === 0 || this.peer === null ? attr : this.weighted(attr, w, this.peer);
    return 1;
  }

  /**
   * The attribute set `attr` with a path's weight as link bandwidth (weightedAttributes), interned
   * once per set and weight and held while this session lasts (at most WEIGHT_VARIANTS; past that
   * they are let go and made again, which costs a resend of the same bytes at worst).
   */
  private weighted(attr: number, weight: number, peer: PeerExport): number {
    const key = attr * (MAX_WEIGHT + 1) + weight;
    let id = this.weightVariants.get(key);
    if (id === undefined) {
      if (this.weightVariants.size >= WEIGHT_VARIANTS) this.releaseWeightVariants();
      const v = weightedAttributes(this.rib.attributes(attr), weight, peer.policy.localAsn);
      id = this.rib.internAttributes(v, attributesKey(v));
      this.weightVariants.set(key, id);
    }
    return id;
  }

  private releaseWeightVariants(): void {
    for (const id of this.weightVariants.values()) this.rib.releaseAttributes(id);
    this.weightVariants.clear();
  }

  private batch(peer: PeerExport, sink: UpdateSink): void {
    const rib = this.rib;
    const out = this.out;
    // Rows taken off the queue are held until written; swept rows are live and need no hold.
    const held = new Int32Array(Math.min(this.batchRows, this.qSize));
    let n = 0;
    let looked = 0;
    for (const byNh of this.buckets.values()) for (const b of byNh.values()) b.count = 0;
    for (const l of this.withdrawals.values()) l.count = 0;
    if (this.seen.length < rib.rowLimit) this.seen = grow(this.seen, Math.max(1024, rib.rowLimit, this.seen.length * 2));
    if (++this.batchNo === 0xffffffff) {
      this.seen.fill(0);
      this.batchNo = 1;
    }
    while (looked < this.batchRows) {
      let row: number;
      let forced = false;
      if (this.qSize > 0) {
        ({ row, forced } = this.dequeue());
        held[n++] = row;
      } else if (this.sweepNext < this.sweepEnd) {
        row = this.sweepNext++;
        if (rib.pathCountOf(row) === 0) continue; // a free row, or one whose paths are gone
      } else {
        break;
      }
      looked++;
      // A row changed during the sweep is queued, and may come again from the sweep in this
      // batch: once is enough, and the routes found below must not be made twice.
      if (this.seen[row] === this.batchNo) continue;
      this.seen[row] = this.batchNo;
      const family = rib.familyOf(row);
      const want = this.desired(row, peer);
      // The peer's routes of the row matched to the paths it should have: a walk each over
      // columns stamped for this row, so a prefix of K paths costs K, not K^2, and no hashing (a
      // few paths are compared directly). A route is matched by the path it was made from, and
      // that path's id: path numbers are reused, ids are not.
      const many = want > FEW;
      const routeOf = this.routeOfPath;
      const kept = this.keptRoutes;
      if (many) {
        routeOf.begin(rib.pathLimit);
        kept.begin(out.routeLimit);
        for (let r = out.first(row); r !== NIL; r = out.next(r)) {
          const p = out.pathOf(r);
          if (p !== NIL) routeOf.set(p, r);
        }
      }
      for (let i = 0; i < want; i++) {
        const id = this.desiredIds[i]!;
        const nhId = this.desiredNh[i]!;
        const attrId = this.desiredAttr[i]!;
        const p = this.desiredPath[i]!;
        let r: number;
        if (many) {
          r = routeOf.get(p);
          if (r !== NIL && out.pathIdOf(r) !== id) r = NIL;
          if (r !== NIL) kept.set(r, 1);
        } else {
          r = out.find(row, id);
        }
        if (!forced && r !== NIL && out.nextHopIdOf(r) === nhId && out.attributeIdOf(r) === attrId) continue;
        this.bucket(family, attrId, nhId, this.nextHopOf(nhId, family, peer)!).pushPath(row, id, r, p);
      }
      for (let r = out.first(row); r !== NIL; r = out.next(r)) {
        let wanted = false;
        if (many) wanted = kept.has(r);
        else for (let i = 0, id = out.pathIdOf(r); i < want && !wanted; i++) wanted = this.desiredIds[i] === id;
        if (!wanted) this.withdrawList(family).push(row, out.pathIdOf(r), r);
      }
    }
    this.write(peer, sink);
    for (let i = 0; i < n; i++) rib.release(held[i]!);
  }

  /** Pack, write, then record what the peer now holds. */
  private write(peer: PeerExport, sink: UpdateSink): void {
    const rib = this.rib;
    const cols = rib.columns;
    const details = this.report?.wants() ? { announced: [] as SentBatch['announced'][number][], withdrawn: [] as SentBatch['withdrawn'][number][] } : null;
    for (const [family, l] of this.withdrawals) {
      if (l.count === 0) continue;
      const packed = packWithdrawalRows({ family, cols, rows: l.rows, pathIds: l.pathIds, count: l.count }, peer.ctx);
      sink.writeUpdates(packed.bytes, packed.messages);
      if (!this.peer) return;
      for (let i = 0; i < l.count; i++) {
        this.out.withdrawn(l.rows[i]!, l.pathIds[i]!);
        details?.withdrawn.push({ row: l.rows[i]!, pathId: l.pathIds[i]! });
      }
      this.routesSent += l.count;
    }
    for (const byNh of this.buckets.values()) {
      for (const b of byNh.values()) {
        if (b.count === 0) continue;
        let packed;
        try {
          packed = packAnnouncementRows(
            { nextHop: b.nextHop, attributes: this.attributesOf(b.attrId, peer) },
            { family: b.family, cols, rows: b.rows, pathIds: b.pathIds, count: b.count },
            peer.ctx,
          );
        } catch (e) {
          if (!(e instanceof BgpEncodeError)) throw e;
          this.log.error({ err: e.message, nextHop: b.nextHop.toString(), paths: b.count }, 'cannot encode paths: not sent to this peer');
          continue;
        }
        sink.writeUpdates(packed.bytes, packed.messages);
        if (!this.peer) return;
        for (let i = 0; i < b.count; i++) {
          this.out.announced(b.rows[i]!, b.pathIds[i]!, b.nhId, b.attrId, b.routes[i]!, b.paths[i]!);
          details?.announced.push({ row: b.rows[i]!, pathId: b.pathIds[i]!, nextHop: b.nextHop });
        }
        this.routesSent += b.count;
      }
    }
    // Buckets of attribute sets that are gone would pile up over a long life: keep only live ones.
    if (this.buckets.size > 64) this.buckets.clear();
    if (details && (details.announced.length || details.withdrawn.length)) this.report!.sent(details);
  }
}
