// The attribute table agrees with the proto: every attribute field of the API's Path is an entry,
// and every entry is a field there, spelled alike (src/api/convert.ts copies them by name).

import { describe, expect, it } from 'vitest';
import { attributeTable, attributesKey, attributesView, exportAttributes, NO_ATTRIBUTES, setsAttributes } from '../../src/attributes/table.js';
import { Path } from '../../src/gen/announcer/v1/announcer.js';

/** The Path fields that are not attributes: what a path is, who wants it, and what the daemon adds. */
const NOT_ATTRIBUTES = ['prefix', 'nextHop', 'owner', 'owners', 'pathId', 'family', 'check', 'health', 'weight'];

describe('the attribute table', () => {
  it('has an entry for every attribute field of the proto Path, and no other', () => {
    const fields = Object.keys(Path.decode(new Uint8Array())).filter((k) => !NOT_ATTRIBUTES.includes(k));
    expect(fields.sort()).toEqual(attributeTable().map((e) => e.name).sort());
  });

  it('keys, shows and exports a set of none as before the table', () => {
    expect(attributesKey(NO_ATTRIBUTES)).toBe('');
    // An empty list says nothing: the same set as none.
    expect(attributesKey({ communities: [], largeCommunities: [], extendedCommunities: [] })).toBe('');
    expect(attributesView(NO_ATTRIBUTES)).toEqual({ communities: [], largeCommunities: [], extendedCommunities: [] });
    // What every path carries: AS_PATH (the prepend entry's, our AS once or empty), LOCAL_PREF 100 to iBGP.
    expect(exportAttributes(NO_ATTRIBUTES, { localAsn: 65000, ebgp: true })).toEqual([{ type: 'as-path', segments: [{ kind: 'sequence', asns: [65000] }] }]);
    expect(exportAttributes(NO_ATTRIBUTES, { localAsn: 65000, ebgp: false })).toEqual([
      { type: 'local-pref', localPref: 100 },
      { type: 'as-path', segments: [] },
    ]);
    expect(setsAttributes({ communities: [], med: undefined })).toBe(false);
    expect(setsAttributes({ med: 0 })).toBe(true);
  });

  it('prepends our AS towards eBGP peers only: the path\'s count, else the peer\'s default', () => {
    const asPath = (a: object, ebgp: boolean, prepend?: number): unknown =>
      exportAttributes(a, { localAsn: 65001, ebgp }, prepend === undefined ? NO_ATTRIBUTES : { prepend }).find((x) => x.type === 'as-path');
    const seq = (n: number) => ({ type: 'as-path', segments: [{ kind: 'sequence', asns: new Array<number>(n).fill(65001) }] });
    expect(asPath({}, true)).toEqual(seq(1));
    expect(asPath({ prepend: 2 }, true)).toEqual(seq(3));
    expect(asPath({}, true, 4)).toEqual(seq(5));
    expect(asPath({ prepend: 0 }, true, 4)).toEqual(seq(1)); // the path's 0 is its own say
    expect(asPath({ prepend: 2 }, false, 4)).toEqual({ type: 'as-path', segments: [] });
    const entry = attributeTable().find((e) => e.name === 'prepend')!;
    expect(() => entry.parse(11)).toThrow('11 is not an integer in 0..10');
  });

  it('adds a peer\'s default list items to a path\'s, and uses its numbers where the path sets none', () => {
    const parse = (name: string, text: unknown): unknown => attributeTable().find((e) => e.name === name)!.parse(text as never);
    const path = { communities: parse('communities', ['65000:2']) as readonly number[], med: 5 };
    const defaults = { communities: parse('communities', ['65000:1', '65000:2']) as readonly number[], med: 9, localPref: 50 };
    expect(exportAttributes(path, { localAsn: 65001, ebgp: false }, defaults).filter((a) => a.type !== 'as-path')).toEqual([
      { type: 'communities', communities: [65000 * 65536 + 1, 65000 * 65536 + 2] },
      { type: 'local-pref', localPref: 50 },
      { type: 'med', med: 5 },
    ]);
  });

  it('gives equal sets equal keys and different sets different keys', () => {
    const communities = (text: string[]): readonly number[] => attributeTable().find((e) => e.name === 'communities')!.parse(text) as readonly number[];
    const a = { communities: communities(['65000:2', '65000:1', '65000:2']), med: 5 };
    const b = { med: 5, communities: communities(['65000:1', '65000:2']) };
    expect(attributesKey(a)).toBe(attributesKey(b));
    expect(attributesKey({ med: 5 })).not.toBe(attributesKey({ localPref: 5 }));
    expect(attributesView(a)).toEqual({ communities: ['65000:1', '65000:2'], largeCommunities: [], extendedCommunities: [], med: 5 });
  });
});
