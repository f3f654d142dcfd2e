// What one peer has been sent, column-wise: for each RIB prefix row, the routes the peer holds
// (wire path id, next hop id, attribute set id). Written only once the UPDATE carrying a route
// has been handed to the socket, so it always says what the peer was really sent.
//
// A row the peer holds routes for is held in the RIB (it is not freed or reused), so a withdrawn
// prefix can still be named when its withdrawal is sent.

import type { Rib } from './rib.js';
import { grow } from './columns.js';

const NIL = -1;

export class AdjRibOut {
  /** RIB row -> first route, or -1. */
  private head = new Int32Array(0);
  private cap = 0;
  private top = 0;
  private readonly free: number[] = [];
  private rPathId = new Uint32Array(0);
  private rNh = new Int32Array(0);
  private rAttr = new Int32Array(0);
  private rNext = new Int32Array(0);
  /** The RIB path each route was made from (a hint for matching: path numbers are reused), or -1. */
  private rPath = new Int32Array(0);
  private count = 0;

  constructor(private readonly rib: Rib) {}

  /** Routes the peer holds. */
  get size(): number {
    return this.count;
  }

  first(row: number): number {
    return row < this.head.length ? this.head[row]! : NIL;
  }

  next(route: number): number {
    return this.rNext[route]!;
  }

  pathIdOf(route: number): number {
    return this.rPathId[route]!;
  }

  nextHopIdOf(route: number): number {
    return this.rNh[route]!;
  }

  attributeIdOf(route: number): number {
    return this.rAttr[route]!;
  }

  /** The RIB path the route was last sent from, or -1; check its path id before trusting it. */
  pathOf(route: number): number {
    return this.rPath[route]!;
  }

  /** One past the highest route number (for columns indexed by route). */
  get routeLimit(): number {
    return this.cap;
  }

  /** The route with wire path id `pathId` at `row`, or -1. */
  find(row: number, pathId: number): number {
    for (let r = this.first(row); r !== NIL; r = this.rNext[r]!) if (this.rPathId[r] === pathId) return r;
    return NIL;
  }

  /**
   * Record that the peer now holds this route (announced, or re-announced with new values).
   * `route`: its entry when the caller found it already (NIL: it has none), else it is looked up.
   * `path`: the RIB path it is made from.
   */
  announced(row: number, pathId: number, nhId: number, attrId: number, route?: number, path = NIL): void {
    const r = route ?? this.find(row, pathId);
    if (r !== NIL) {
      this.rNh[r] = nhId;
      this.rAttr[r] = attrId;
      this.rPath[r] = path;
      return;
    }
    // Doubling: a table that grows a row at a time must not copy the heads each time.
    if (row >= this.head.length) this.head = grow(this.head, Math.max(1024, this.rib.rowLimit, row + 1, this.head.length * 2), NIL);
    const n = this.alloc();
    this.rPathId[n] = pathId;
    this.rNh[n] = nhId;
    this.rAttr[n] = attrId;
    this.rPath[n] = path;
    this.rNext[n] = this.head[row]!;
    if (this.head[row] === NIL) this.rib.hold(row);
    this.head[row] = n;
    this.count++;
  }

  /** Record that the peer no longer holds the route. */
  withdrawn(row: number, pathId: number): void {
    let prev = NIL;
    for (let r = this.first(row); r !== NIL; prev = r, r = this.rNext[r]!) {
      if (this.rPathId[r] !== pathId) continue;
      if (prev === NIL) this.head[row] = this.rNext[r]!;
      else this.rNext[prev] = this.rNext[r]!;
      this.free.push(r);
      this.count--;
      if (this.head[row] === NIL) this.rib.release(row);
      if (this.count === 0 && this.cap > 1024) this.clear(); // the peer holds nothing: give the columns back
      return;
    }
  }

  /** Forget everything (the session went down): the peer holds nothing any more. */
  clear(): void {
    for (let row = 0; row < this.head.length; row++) {
      if (this.head[row] === NIL) continue;
      this.head[row] = NIL;
      this.rib.release(row);
    }
    // Give the memory back: a peer that is down may stay down.
    this.head = new Int32Array(0);
    this.rPathId = new Uint32Array(0);
    this.rNh = new Int32Array(0);
    this.rAttr = new Int32Array(0);
    this.rNext = new Int32Array(0);
    this.rPath = new Int32Array(0);
    this.free.length = 0;
    this.cap = 0;
    this.top = 0;
    this.count = 0;
  }

  private alloc(): number {
    if (this.free.length > 0) return this.free.pop()!;
    if (this.top === this.cap) {
      const cap = Math.max(1024, this.cap * 2);
      this.rPathId = grow(this.rPathId, cap);
      this.rNh = grow(this.rNh, cap);
      this.rAttr = grow(this.rAttr, cap);
      this.rNext = grow(this.rNext, cap);
      this.rPath = grow(this.rPath, cap);
      this.cap = cap;
    }
    return this.top++;
  }
}
