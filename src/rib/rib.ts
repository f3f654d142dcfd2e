// The desired paths, keyed by (prefix, next hop). All paths of a prefix share one attribute set
// (receivers merge only equal paths into ECMP), and each path keeps the ADD-PATH identifier it was
// given (the lowest free one for its prefix) for as long as it lives.

import type { Family } from '../codec/types.js';
import type { AnnouncedPath, Path, PathAttributes } from './types.js';

export interface PrefixEntry {
  readonly prefix: string;
  readonly family: Family;
  attributes: PathAttributes;
  /** A canonical string of `attributes`: paths group into one UPDATE by it. */
  attributesKey: string;
  /** One per next hop. An array, not a Map: prefixes carry a handful of paths (one per node). */
  readonly paths: RibPath[];
}

export interface RibPath {
  readonly nextHop: string;
  /** Everyone who wants the path; it lives while this is not empty. */
  readonly owners: string[];
  readonly pathId: number;
}

/** What an upsert did; 'added' and 'updated' change what peers must be sent. */
export type UpsertResult = 'added' | 'owner-added' | 'updated' | 'unchanged';

export function attributesKey(a: PathAttributes): string {
  // Communities are canonical text (digits and colons), so plain joins cannot collide.
  return `${a.communities.join(',')}|${a.largeCommunities.join(',')}|${a.localPref ?? ''}|${a.med ?? ''}`;
}

export class Rib {
  private readonly entries = new Map<string, PrefixEntry>();
  /** One shared object per distinct attribute set (a million paths usually have a handful). */
  private readonly interned = new Map<string, { attributes: PathAttributes; users: number }>();
  private count = 0;

  private intern(a: PathAttributes, key: string): PathAttributes {
    let i = this.interned.get(key);
    if (!i) this.interned.set(key, (i = { attributes: a, users: 0 }));
    i.users++;
    return i.attributes;
  }

  private unintern(key: string): void {
    const i = this.interned.get(key);
    if (i && --i.users === 0) this.interned.delete(key);
  }

  get size(): number {
    return this.count;
  }

  get prefixCount(): number {
    return this.entries.size;
  }

  get(prefix: string): PrefixEntry | undefined {
    return this.entries.get(prefix);
  }

  prefixes(): IterableIterator<PrefixEntry> {
    return this.entries.values();
  }

  /**
   * Add a path for `p.owner`, or add the owner to an existing path. The prefix's attributes become
   * `p.attributes` for all its paths (last writer wins: an operator changing a community changes it
   * on the prefix).
   */
  upsert(p: Path): UpsertResult {
    let e = this.entries.get(p.prefix);
    const key = attributesKey(p.attributes);
    let updated = false;
    if (!e) {
      e = { prefix: p.prefix, family: p.family, attributes: this.intern(p.attributes, key), attributesKey: key, paths: [] };
      this.entries.set(p.prefix, e);
    } else if (e.attributesKey !== key) {
      this.unintern(e.attributesKey);
      e.attributes = this.intern(p.attributes, key);
      e.attributesKey = key;
      updated = true;
    }
    const existing = findPath(e, p.nextHop);
    if (!existing) {
      e.paths.push({ nextHop: p.nextHop, owners: [p.owner], pathId: lowestFreeId(e) });
      this.count++;
      return 'added';
    }
    if (updated) {
      if (!existing.owners.includes(p.owner)) existing.owners.push(p.owner);
      return 'updated';
    }
    if (existing.owners.includes(p.owner)) return 'unchanged';
    existing.owners.push(p.owner);
    return 'owner-added';
  }

  /**
   * Drop `owner`'s claim on a path (every claim when owner is undefined). Returns the path as it
   * was and whether it is now gone from the RIB; undefined when there was no such claim.
   */
  release(prefix: string, nextHop: string, owner?: string): { path: AnnouncedPath; gone: boolean } | undefined {
    const e = this.entries.get(prefix);
    if (!e) return undefined;
    const i = e.paths.findIndex((x) => x.nextHop === nextHop);
    if (i < 0) return undefined;
    const p = e.paths[i]!;
    const before = toAnnounced(e, p);
    if (owner !== undefined) {
      const k = p.owners.indexOf(owner);
      if (k < 0) return undefined;
      p.owners.splice(k, 1);
      if (p.owners.length > 0) return { path: before, gone: false };
    }
    e.paths.splice(i, 1);
    this.count--;
    if (e.paths.length === 0) {
      this.entries.delete(prefix);
      this.unintern(e.attributesKey);
    }
    return { path: before, gone: true };
  }

  /** Remove a path whatever its owners; returns it, or undefined if there was none. */
  remove(prefix: string, nextHop: string): AnnouncedPath | undefined {
    return this.release(prefix, nextHop)?.path;
  }

  /** Every path, in insertion order of prefixes. */
  *paths(): IterableIterator<AnnouncedPath> {
    for (const e of this.entries.values()) for (const p of e.paths) yield toAnnounced(e, p);
  }

  getPath(prefix: string, nextHop: string): AnnouncedPath | undefined {
    const e = this.entries.get(prefix);
    const p = e && findPath(e, nextHop);
    return e && p ? toAnnounced(e, p) : undefined;
  }

  pathsOf(prefix: string): AnnouncedPath[] {
    const e = this.entries.get(prefix);
    return e ? e.paths.map((p) => toAnnounced(e, p)) : [];
  }
}

function findPath(e: PrefixEntry, nextHop: string): RibPath | undefined {
  for (const p of e.paths) if (p.nextHop === nextHop) return p;
  return undefined;
}

function lowestFreeId(e: PrefixEntry): number {
  // Prefixes carry a handful of paths, so a scan is cheaper than a free list.
  let id = 1;
  while (e.paths.some((p) => p.pathId === id)) id++;
  return id;
}

function toAnnounced(e: PrefixEntry, p: RibPath): AnnouncedPath {
  return {
    prefix: e.prefix,
    family: e.family,
    nextHop: p.nextHop,
    attributes: e.attributes,
    owner: p.owners[0]!,
    owners: [...p.owners],
    pathId: p.pathId,
  };
}
