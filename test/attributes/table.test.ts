// The attribute table agrees with the proto: every attribute field of the API's Path is an entry,
// and every entry is a field there, spelled alike (src/api/convert.ts copies them by name).

import { describe, expect, it } from 'vitest';
import { attributeTable, attributesKey, attributesView, exportAttributes, NO_ATTRIBUTES, setsAttributes } from '../../src/attributes/table.js';
import { Path } from '../../src/gen/announcer/v1/announcer.js';

/** The Path fields that are not attributes: what a path is, who wants it, and what the daemon adds. */
const NOT_ATTRIBUTES = ['prefix', 'nextHop', 'owner', 'owners', 'pathId', 'family', 'check', 'health'];

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
    expect(exportAttributes(NO_ATTRIBUTES, { localAsn: 65000, ebgp: true })).toEqual([]);
    expect(exportAttributes(NO_ATTRIBUTES, { localAsn: 65000, ebgp: false })).toEqual([{ type: 'local-pref', localPref: 100 }]);
    expect(setsAttributes({ communities: [], med: undefined })).toBe(false);
    expect(setsAttributes({ med: 0 })).toBe(true);
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
