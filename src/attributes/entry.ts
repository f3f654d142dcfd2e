// One announceable path attribute above the codec, as one entry: how its value is read from the
// text that requests, path files and the state file carry, shown back, keyed for interning, sent to
// a peer, and worded by the CLI. Everything above the codec that handles attributes goes through
// these entries (table.ts), so an attribute is added in one place.

import type { PathAttribute } from '../codec/types.js';

/** The session facts export rules depend on. */
export interface ExportContext {
  readonly localAsn: number;
  /** The peer is in another AS. */
  readonly ebgp: boolean;
}

/** How an attribute is written as text: a list of strings, or one whole number in 0..2^32-1. */
export type AttributeForm = 'list' | 'number';

/** The text of a form: what requests, views, path files and the state file carry. */
export type TextOf<F extends AttributeForm> = F extends 'list' ? readonly string[] : number;

/** Text that is not a valid value: the item of a list at fault (undefined for a lone value) and why. */
export class AttributeValueError extends Error {
  override readonly name = 'AttributeValueError';
  constructor(
    readonly index: number | undefined,
    readonly why: string,
  ) {
    super(why);
  }
}

/** The CLI's words for an attribute. */
export interface AttributeWords {
  /** add-eip's option, repeatable for a list: "--large-community". */
  readonly flag: string;
  /** Its argument: "<a:b:c>". */
  readonly arg: string;
  readonly help: string;
  /** What one value must look like, in a usage error (lists): "A:B:C with each part in 0..4294967295 (e.g. 65000:1:2)". */
  readonly expected?: string;
  /** One value's name in a change: "large-community 65000:1:2 added". */
  readonly one: string;
  /** The values' name in a listing: "large-communities=65000:1:2". */
  readonly many: string;
}

export interface AttributeEntry<N extends string = string, F extends AttributeForm = AttributeForm, V = unknown> {
  /**
   * The field's name wherever a path is written as fields: requests (the domain's and the proto's
   * Path, in ts-proto's spelling), views, path files, the state file's details.
   */
  readonly name: N;
  readonly form: F;
  /** A number's largest value (its smallest is 0); 4294967295 unless said. */
  readonly max?: number;
  readonly cli: AttributeWords;
  /** The value of its text, canonical (a list sorted, without duplicates); undefined when it says nothing. Throws AttributeValueError. */
  parse(text: TextOf<F>): V | undefined;
  /** The canonical text that the API, the CLI and the state file show. */
  text(value: V): TextOf<F>;
  /** Equal values, equal keys: a part of an attribute set's key (without '|'). */
  key(value: V): string;
  /**
   * A path's value with a peer's default (its config's `defaults`): a list gets the default's items
   * added, a number is the default where the path sets none.
   */
  merge(value: V | undefined, peerDefault: V | undefined): V | undefined;
  /**
   * The attribute as `peer` receives it (or the attributes: one value may go in two, as extended
   * communities do), or null when it is not sent; `value` undefined: the path does not set it.
   */
  export(value: V | undefined, peer: ExportContext): PathAttribute | readonly PathAttribute[] | null;
}

/**
 * Any entry, as the table's users iterate them: its value is the entry's own business (users pass
 * back only what its parse returned; method parameters let a typed entry stand here).
 */
export type AnyAttributeEntry = AttributeEntry<string, AttributeForm, unknown>;

/** The items of a list attribute. */
export interface ListItems<I> {
  /** An item from its text (trimmed), or null when it is not one. */
  parse(text: string): I | null;
  format(item: I): string;
  compare(a: I, b: I): number;
  /** What an item must be, for the daemon's error: "a community ASN:VALUE with both parts in 0..65535". */
  readonly what: string;
}

/** An attribute written as a list of strings: items checked, sorted and made unique. */
export function listAttribute<N extends string, I>(o: {
  readonly name: N;
  readonly cli: AttributeWords;
  readonly items: ListItems<I>;
  /** The attribute (or attributes) for a list of at least one item (an empty list is not sent). */
  readonly export: (items: readonly I[], peer: ExportContext) => PathAttribute | readonly PathAttribute[] | null;
}): AttributeEntry<N, 'list', readonly I[]> {
  const { items } = o;
  const sortedUnique = (list: I[]): readonly I[] => {
    list.sort(items.compare);
    return list.filter((v, i) => i === 0 || items.compare(list[i - 1]!, v) !== 0);
  };
  return {
    name: o.name,
    form: 'list',
    cli: o.cli,
    parse(text) {
      if (text.length === 0) return undefined;
      const parsed = text.map((c, i) => {
        const v = items.parse(c.trim());
        if (v === null) throw new AttributeValueError(i, `${JSON.stringify(c)} is not ${items.what}`);
        return v;
      });
      return sortedUnique(parsed);
    },
    merge: (value, peerDefault) => (value === undefined || value.length === 0 ? peerDefault : peerDefault === undefined ? value : sortedUnique([...value, ...peerDefault])),
    text: (value) => value.map(items.format),
    key(value) {
      let k = '';
      for (const item of value) k += `${items.format(item)},`;
      return k;
    },
    export: (value, peer) => (value !== undefined && value.length > 0 ? o.export(value, peer) : null),
  };
}

/** An attribute written as one whole number in 0..max (0..4294967295 unless said). */
export function numberAttribute<N extends string>(o: {
  readonly name: N;
  readonly max?: number;
  readonly cli: AttributeWords;
  readonly export: (value: number | undefined, peer: ExportContext) => PathAttribute | null;
}): AttributeEntry<N, 'number', number> {
  const max = o.max ?? 0xffffffff;
  return {
    name: o.name,
    form: 'number',
    max,
    cli: o.cli,
    parse(text) {
      if (!Number.isInteger(text) || text < 0 || text > max) throw new AttributeValueError(undefined, `${text} is not an integer in 0..${max}`);
      return text;
    },
    text: (value) => value,
    key: (value) => String(value),
    merge: (value, peerDefault) => value ?? peerDefault,
    export: o.export,
  };
}
