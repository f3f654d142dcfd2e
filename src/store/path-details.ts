// A stored path's details: everything of it but its prefix, next hop and path id. A block's
// dictionary (path-block.ts) holds each set of details once as JSON, and its entries refer to them
// by index; a table shares a handful, so a new per-path field costs no format change (an older
// reader ignores what it does not know). This file is the one place that knows that JSON:
//
//   {"owners":["lb","cli"],"communities":["65000:1"],"largeCommunities":["65000:1:2"],"localPref":200,"med":5,"check":"web","weight":2,"attributesOwner":"lb"}
//
// Keys in that order (the attributes in the attribute table's), an empty list or an absent value
// left out (a path of no attributes and no check is {"owners":[...]}), numbers as JSON writes
// them. `attributesOwner` is the owner that set the prefix's attributes (absent: nobody; a file of
// an older version has none, and its prefixes' attributes then belong to nobody until set again).
// The bytes are the file's: a change here is a change of format.

import { attributeTable, fieldOf, setFields, textFormProblem, type AttributeTexts } from '../attributes/table.js';

/** Everything of a stored path but its prefix, next hop and path id, as plain values. */
export interface PathDetails extends AttributeTexts {
  readonly owners: readonly string[];
  /** The name of the path's health check; omitted (or empty): none. */
  readonly check?: string;
  /** The path's weight (weighted ECMP); omitted: none. */
  readonly weight?: number;
  /** The owner that set the prefix's attributes; omitted: nobody. */
  readonly attributesOwner?: string;
}

/** The JSON the state file keeps for `d` (see the top of this file). */
export function encodePathDetails(d: PathDetails): string {
  const out: Record<string, unknown> = { owners: d.owners, ...setFields(d) };
  if (d.check) out.check = d.check;
  if (d.weight) out.weight = d.weight;
  if (d.attributesOwner) out.attributesOwner = d.attributesOwner;
  return JSON.stringify(out);
}

/**
 * What is wrong with the form of details parsed from a dictionary, or undefined when they are
 * PathDetails (fields a later version adds are kept). The form only: the values (owner names,
 * communities, numbers in range) are validated when the path is restored, as a request's would be.
 */
export function pathDetailsProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return 'not an object';
  const p = v as Record<string, unknown>;
  if (!Array.isArray(p.owners) || p.owners.length === 0 || !p.owners.every((o) => typeof o === 'string')) return 'owners is not a non-empty list of text';
  for (const e of attributeTable()) {
    const t = fieldOf(p, e);
    const why = t === undefined ? undefined : textFormProblem(e, t);
    if (why !== undefined) return why;
  }
  if (p.check !== undefined && typeof p.check !== 'string') return 'check is not text';
  if (p.weight !== undefined && typeof p.weight !== 'number') return 'weight is not a number';
  if (p.attributesOwner !== undefined && typeof p.attributesOwner !== 'string') return 'attributesOwner is not text';
  return undefined;
}
