// The path attributes a path may carry, one entry each (entry.ts), and what the layers above the
// codec do with a path's attributes, driven by the entries: the key a set is interned by, the text
// the API shows, what a peer is sent, whether a request sets any. Adding an attribute is an entry
// here, its field in the proto's Path (same name; test/attributes checks the two agree) and tests.

// The codec's modules themselves, not its index: the CLI loads this table and starts faster without the rest.
import { parseCommunity, parseLargeCommunity } from '../codec/attributes.js';
import { compareExtendedCommunities, formatExtendedCommunity, isIpv6Specific, isTransitive, parseExtendedCommunity } from '../codec/ext-community.js';
import type { PathAttribute } from '../codec/types.js';
import { formatCommunityValue, formatLargeCommunityValue } from '../codec/values.js';
import { AttributeValueError, listAttribute, numberAttribute, type AnyAttributeEntry, type AttributeEntry, type AttributeForm, type ExportContext, type TextOf } from './entry.js';

const communities = listAttribute({
  name: 'communities',
  cli: {
    flag: '--community',
    arg: '<a:b>',
    help: 'a COMMUNITY, e.g. 65000:100 (repeatable)',
    expected: 'A:B with each part in 0..65535 (e.g. 65000:100)',
    one: 'community',
    many: 'communities',
  },
  items: { parse: parseCommunity, format: formatCommunityValue, compare: (a, b) => a - b, what: 'a community ASN:VALUE with both parts in 0..65535' },
  export: (c) => ({ type: 'communities', communities: c }),
});

const largeCommunities = listAttribute({
  name: 'largeCommunities',
  cli: {
    flag: '--large-community',
    arg: '<a:b:c>',
    help: 'a LARGE_COMMUNITY, e.g. 65000:1:2 (repeatable)',
    expected: 'A:B:C with each part in 0..4294967295 (e.g. 65000:1:2)',
    one: 'large-community',
    many: 'large-communities',
  },
  items: {
    parse: parseLargeCommunity,
    format: formatLargeCommunityValue,
    compare: (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2],
    what: 'a large community A:B:C with each part in 0..4294967295',
  },
  export: (c) => ({ type: 'large-communities', communities: c }),
});

const extendedCommunities = listAttribute({
  name: 'extendedCommunities',
  cli: {
    flag: '--ext-community',
    arg: '<rt:a:b>',
    help: 'an EXTENDED_COMMUNITY: rt:65000:100, rt:192.0.2.1:100, rt:2001:db8::1:100, soo:65000:1, lb:65000:BYTES_PER_S, raw:HEX (repeatable)',
    expected: 'rt:ASN:N, rt:IPV4:N, rt:IPV6:N, soo:ASN:N, lb:ASN:BYTES_PER_SECOND or raw: and 16 or 40 hex digits (e.g. rt:65000:100)',
    one: 'ext-community',
    many: 'ext-communities',
  },
  items: {
    parse: parseExtendedCommunity,
    format: formatExtendedCommunity,
    compare: compareExtendedCommunities,
    what: 'an extended community (rt:ASN:N, rt:IPV4:N, rt:IPV6:N, soo:ASN:N, lb:ASN:BYTES_PER_SECOND, raw: and 16 or 40 hex digits)',
  },
  // RFC 4360 6 (and RFC 5701 2): a non-transitive one stays in our AS. The IPv6-address-specific
  // ones go in an attribute of their own.
  export: (c, peer) => {
    const sent = peer.ebgp ? c.filter(isTransitive) : c;
    const v6 = sent.filter(isIpv6Specific);
    const v4 = v6.length === 0 ? sent : sent.filter((x) => !isIpv6Specific(x));
    const out: PathAttribute[] = [];
    if (v4.length > 0) out.push({ type: 'extended-communities', communities: v4 });
    if (v6.length > 0) out.push({ type: 'ipv6-extended-communities', communities: v6 });
    return out;
  },
});

const localPref = numberAttribute({
  name: 'localPref',
  cli: { flag: '--local-pref', arg: '<n>', help: 'LOCAL_PREF (iBGP only)', one: 'local-pref', many: 'local-pref' },
  // RFC 4271 5.1.5: for internal peers only, and to them always (100 unless set).
  export: (v, peer) => (peer.ebgp ? null : { type: 'local-pref', localPref: v ?? 100 }),
});

const med = numberAttribute({
  name: 'med',
  cli: { flag: '--med', arg: '<n>', help: 'MULTI_EXIT_DISC', one: 'med', many: 'med' },
  export: (v) => (v === undefined ? null : { type: 'med', med: v }),
});

/** How often a path's AS may be prepended: enough to make any path the last resort, not a typo's 1,000. */
export const MAX_PREPEND = 10;

/**
 * The largest weight of a path (weighted ECMP). Not an attribute of this table: a weight is the
 * path's own, not its prefix's; it is sent as a link-bandwidth extended community per path.
 */
export const MAX_WEIGHT = 1000;

const prepend = numberAttribute({
  name: 'prepend',
  max: MAX_PREPEND,
  cli: { flag: '--prepend', arg: '<n>', help: `AS-path prepending towards eBGP peers: our AS N more times (0..${MAX_PREPEND}; default: the peer's defaults.prepend)`, one: 'prepend', many: 'prepend' },
  // RFC 4271 5.1.2: to an external peer our AS leads the path (once, and `prepend` times more); to
  // an internal one the path is empty: prepending only means something to another AS.
  export: (v, peer) => ({ type: 'as-path', segments: peer.ebgp ? [{ kind: 'sequence', asns: new Array<number>(1 + (v ?? 0)).fill(peer.localAsn) }] : [] }),
});

/** In the order the state file writes them: a change of order is a change of its bytes. */
const BUILT_IN = [communities, largeCommunities, localPref, med, extendedCommunities, prepend] as const;

const table: AnyAttributeEntry[] = [...BUILT_IN];

/** Every attribute a path may carry, in their order. */
export function attributeTable(): readonly AnyAttributeEntry[] {
  return table;
}

/**
 * Adds an entry after the others, for an attribute that is not built in (a test's made-up one);
 * returns what takes it out again.
 */
export function addAttribute(entry: AnyAttributeEntry): () => void {
  if (table.some((e) => e.name === entry.name)) throw new Error(`attribute ${entry.name} is in the table already`);
  table.push(entry);
  return () => {
    const i = table.indexOf(entry);
    if (i >= 0) table.splice(i, 1);
  };
}

/** A path's attribute fields as a program writes them: the name, and a list of strings or a number. */
export interface AttributeField {
  readonly name: string;
  readonly form: AttributeForm;
}

/** The attribute fields a path may have (what a controller's own file format can pass on by name). */
export function attributeFields(): AttributeField[] {
  return table.map((e) => ({ name: e.name, form: e.form }));
}

type BuiltIn = (typeof BUILT_IN)[number];
type ValueOf<E> = E extends AttributeEntry<string, AttributeForm, infer V> ? V : never;
type Lists = Extract<BuiltIn, { readonly form: 'list' }>;
type Numbers = Extract<BuiltIn, { readonly form: 'number' }>;

/** A request's attributes as text: the attribute fields of PathInput, path files and the proto's Path. */
export type AttributeTexts = { readonly [E in BuiltIn as E['name']]?: TextOf<E['form']> };

/** A path's attributes parsed and canonical; one not set is absent. Shared by every path of a prefix. */
export type Attributes = { readonly [E in BuiltIn as E['name']]?: ValueOf<E> };

/** Attributes as the API shows them: every list (empty when not set), and the numbers that are set. */
export type AttributeView = { readonly [E in Lists as E['name']]: readonly string[] } & { readonly [E in Numbers as E['name']]?: number };

/** The attributes' names as the built-in entries spell them. */
export type AttributeName = BuiltIn['name'];

/** A path that sets none. */
export const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** The value (or text) of `entry` in a set of attributes, by name: the table's users never name one. */
export function fieldOf(fields: object, entry: AnyAttributeEntry): unknown {
  return (fields as Readonly<Record<string, unknown>>)[entry.name];
}

/** Whether a value or text says something: absent and an empty list say nothing. */
export function isSet(v: unknown): boolean {
  return v !== undefined && !(Array.isArray(v) && v.length === 0);
}

/** Whether a request's text sets any attribute (most set none: the common case costs one look per entry). */
export function setsAttributes(texts: object): boolean {
  for (const e of table) if (isSet(fieldOf(texts, e))) return true;
  return false;
}

/**
 * A set of attributes from their text, each parsed by its entry; `refused` hears every value that
 * is not one (the entry's name, the list item at fault or undefined, why) and may throw.
 */
export function parseAttributes(texts: object, refused: (name: string, index: number | undefined, why: string) => void): Attributes {
  const parsed: Record<string, unknown> = {};
  for (const e of table) {
    const text = fieldOf(texts, e);
    if (text === undefined) continue;
    try {
      const v = e.parse(text as TextOf<AttributeForm>); // of its form: typed in requests, checked in files and the config
      if (v !== undefined) parsed[e.name] = v;
    } catch (err) {
      if (!(err instanceof AttributeValueError)) throw err;
      refused(e.name, err.index, err.why);
    }
  }
  return parsed as Attributes;
}

/** The attribute fields `from` sets (an empty list or an absent value left out), copied by name. */
export function setFields(from: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of table) {
    const v = fieldOf(from, e);
    if (isSet(v)) out[e.name] = v;
  }
  return out;
}

/**
 * A canonical key of an attribute set: paths of equal sets share one interned copy. Only what is
 * set is named, so a set of none is '' whatever the table holds.
 */
export function attributesKey(a: Attributes): string {
  let k = '';
  for (const e of table) {
    const v = fieldOf(a, e);
    if (isSet(v)) k += `${e.name}=${e.key(v)}|`;
  }
  return k;
}

/**
 * `current` with every attribute `stated` sets taken from `stated`: what a request that names some
 * attributes makes of a prefix's (the others stay). `current` itself when `stated` sets none.
 */
export function mergeStated(current: Attributes, stated: Attributes): Attributes {
  let out: Record<string, unknown> | null = null;
  for (const e of table) {
    const v = fieldOf(stated, e);
    if (!isSet(v)) continue;
    out ??= { ...current };
    out[e.name] = v;
  }
  return (out as Attributes | null) ?? current;
}

/** The name of the first attribute (in the table's order) whose value differs between two sets; undefined when none does. */
export function firstDifference(a: Attributes, b: Attributes): AttributeName | undefined {
  for (const e of table) {
    const [x, y] = [fieldOf(a, e), fieldOf(b, e)];
    if ((isSet(x) ? e.key(x) : '') !== (isSet(y) ? e.key(y) : '')) return e.name as AttributeName;
  }
  return undefined;
}

const views = new WeakMap<Attributes, AttributeView>();

/** Attributes as the API shows them (one shared object per interned set). */
export function attributesView(a: Attributes): AttributeView {
  let v = views.get(a);
  if (!v) {
    const out: Record<string, unknown> = {};
    for (const e of table) {
      const value = fieldOf(a, e);
      if (isSet(value)) out[e.name] = e.text(value);
      else if (e.form === 'list') out[e.name] = [];
    }
    views.set(a, (v = out as AttributeView));
  }
  return v;
}

/**
 * The attributes as `peer` receives them, in table order (the packer orders them by type code):
 * each path's value merged with the peer's `defaults` (lists added to, numbers where the path sets none).
 */
export function exportAttributes(a: Attributes, peer: ExportContext, defaults: Attributes = NO_ATTRIBUTES): PathAttribute[] {
  const out: PathAttribute[] = [];
  for (const e of table) {
    const v = fieldOf(a, e);
    const d = fieldOf(defaults, e);
    const merged = e.merge(isSet(v) ? v : undefined, isSet(d) ? d : undefined);
    const attr = e.export(isSet(merged) ? merged : undefined, peer);
    if (attr === null) continue;
    if (Array.isArray(attr)) out.push(...(attr as readonly PathAttribute[]));
    else out.push(attr as PathAttribute);
  }
  return out;
}

/** What is wrong with the form of an attribute's text read from JSON (not its values), or undefined. */
export function textFormProblem(entry: AnyAttributeEntry, t: unknown): string | undefined {
  if (entry.form === 'list') return Array.isArray(t) && t.every((c) => typeof c === 'string') ? undefined : `${entry.name} is not a list of text`;
  return Number.isInteger(t) ? undefined : `${entry.name} is not a whole number`;
}
