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
  /** Next hop -> path. */
  readonly paths: Map<string, { readonly nextHop: string; owner: string; readonly pathId: number }>;
}

export function attributesKey(a: PathAttributes): string {
  // Communities are canonical text (digits and colons), so plain joins cannot collide.
  return `${a.communities.join(',')}|${a.largeCommunities.join(',')}|${a.localPref ?? ''}|${a.med ?? ''}`;
}

export class Rib {
  private readonly entries = new Map<string, PrefixEntry>();
  private count = 0;

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
   * Add or update a path. The prefix's attributes become `p.attributes` for all its paths (last
   * writer wins: an operator changing a community changes it on the prefix). Returns whether
   * anything changed.
   */
  upsert(p: Path): boolean {
    let e = this.entries.get(p.prefix);
    const key = attributesKey(p.attributes);
    let changed = false;
    if (!e) {
      e = { prefix: p.prefix, family: p.family, attributes: p.attributes, attributesKey: key, paths: new Map() };
      this.entries.set(p.prefix, e);
      changed = true;
    } else if (e.attributesKey !== key) {
      e.attributes = p.attributes;
      e.attributesKey = key;
      changed = true;
    }
    const existing = e.paths.get(p.nextHop);
    if (existing) {
      if (existing.owner !== p.owner) {
        existing.owner = p.owner;
      }
      return changed;
    }
    e.paths.set(p.nextHop, { nextHop: p.nextHop, owner: p.owner, pathId: lowestFreeId(e) });
    this.count++;
    return true;
  }

  /** Remove one path; returns it, or undefined if there was none. */
  remove(prefix: string, nextHop: string): AnnouncedPath | undefined {
    const e = this.entries.get(prefix);
    const p = e?.paths.get(nextHop);
    if (!e || !p) return undefined;
    e.paths.delete(nextHop);
    this.count--;
    if (e.paths.size === 0) this.entries.delete(prefix);
    return toAnnounced(e, p);
  }

  /** Every path, in insertion order of prefixes. */
  *paths(): IterableIterator<AnnouncedPath> {
    for (const e of this.entries.values()) for (const p of e.paths.values()) yield toAnnounced(e, p);
  }

  getPath(prefix: string, nextHop: string): AnnouncedPath | undefined {
    const e = this.entries.get(prefix);
    const p = e?.paths.get(nextHop);
    return e && p ? toAnnounced(e, p) : undefined;
  }

  pathsOf(prefix: string): AnnouncedPath[] {
    const e = this.entries.get(prefix);
    return e ? [...e.paths.values()].map((p) => toAnnounced(e, p)) : [];
  }
}

function lowestFreeId(e: PrefixEntry): number {
  if (e.paths.size === 0) return 1;
  // Prefixes carry a handful of paths (one per node), so a scan is cheaper than a free list.
  const used = new Set<number>();
  for (const p of e.paths.values()) used.add(p.pathId);
  let id = 1;
  while (used.has(id)) id++;
  return id;
}

function toAnnounced(e: PrefixEntry, p: { nextHop: string; owner: string; pathId: number }): AnnouncedPath {
  return { prefix: e.prefix, family: e.family, nextHop: p.nextHop, attributes: e.attributes, owner: p.owner, pathId: p.pathId };
}
