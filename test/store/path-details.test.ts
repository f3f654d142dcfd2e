// A stored path's details: the JSON is the state file's, so the encoder writes exactly the bytes
// the speaker always wrote (the strings below were taken from the speaker's journal records before
// the encoder moved into src/store), and what it writes reads back as it was. Details of the wrong
// form are refused, naming the entry of the dictionary.

import { describe, expect, it } from 'vitest';
import { BlockError, PathBlock, PathBlockWriter } from '../../src/store/path-block.js';
import { encodePathDetails, pathDetailsProblem, type PathDetails } from '../../src/store/path-details.js';

/** The details as a block's dictionary holds them, read back through a block. */
function readBack(text: string): PathDetails {
  const w = new PathBlockWriter();
  w.put(Uint8Array.of(203, 0, 113, 10), 0, 32, false, w.nextHop('self'), w.detail(text), 0);
  return PathBlock.read(Buffer.concat(w.parts())).details[0]!;
}

const every: PathDetails = {
  owners: ['lb', 'a'],
  communities: ['0:0', '65000:1', '65000:2', '65535:65535'],
  largeCommunities: ['65000:1:2', '4294967295:0:4294967295'],
  localPref: 200,
  med: 0,
  check: 'web',
};

describe('path details', () => {
  it.each<[string, PathDetails, string]>([
    ['every field', every, '{"owners":["lb","a"],"communities":["0:0","65000:1","65000:2","65535:65535"],"largeCommunities":["65000:1:2","4294967295:0:4294967295"],"localPref":200,"med":0,"check":"web"}'],
    ['none but owners', { owners: ['cli'] }, '{"owners":["cli"]}'],
    ['a MED only', { owners: ['cli'], med: 5 }, '{"owners":["cli"],"med":5}'],
    ['communities only', { owners: ['cli'], communities: ['65000:100'] }, '{"owners":["cli"],"communities":["65000:100"]}'],
    ['large communities only', { owners: ['cli'], largeCommunities: ['1:2:3'] }, '{"owners":["cli"],"largeCommunities":["1:2:3"]}'],
    // Added after the others: it comes after them, before the check.
    [
      'extended communities',
      { owners: ['cli'], med: 5, extendedCommunities: ['rt:65000:100', 'lb-nt:65000:1000'], check: 'web' },
      '{"owners":["cli"],"med":5,"extendedCommunities":["rt:65000:100","lb-nt:65000:1000"],"check":"web"}',
    ],
    [
      'text JSON escapes, and the largest local-pref',
      { owners: ['ops "team"/é\u2028\u0001'], localPref: 4294967295, check: 'db "x"' },
      '{"owners":["ops \\"team\\"/é\u2028\\u0001"],"localPref":4294967295,"check":"db \\"x\\""}',
    ],
  ])('%s: written as the speaker always wrote them, and read back as they were', (_what, details, text) => {
    expect(encodePathDetails(details)).toBe(text);
    expect(readBack(text)).toEqual(details);
  });

  it('keys go in their fixed order whatever the order given, and empty lists and an empty check are left out', () => {
    const { check, med, localPref, largeCommunities, communities, owners } = every;
    expect(encodePathDetails({ check, med, localPref, largeCommunities, communities, owners })).toBe(encodePathDetails(every));
    expect(encodePathDetails({ owners: ['cli'], communities: [], largeCommunities: [], extendedCommunities: [], check: '' })).toBe('{"owners":["cli"]}');
  });

  // The messages are those of the reader before the move, word for word.
  it.each([
    ['1', 'not an object'],
    ['{"owners":[]}', 'owners is not a non-empty list of text'],
    ['{"owners":"lb"}', 'owners is not a non-empty list of text'],
    ['{"owners":["lb"],"communities":"65000:1"}', 'communities is not a list of text'],
    ['{"owners":["lb"],"largeCommunities":[1]}', 'largeCommunities is not a list of text'],
    ['{"owners":["lb"],"localPref":1.5}', 'localPref is not a whole number'],
    ['{"owners":["lb"],"med":"5"}', 'med is not a whole number'],
    ['{"owners":["lb"],"check":1}', 'check is not text'],
  ])('details %s are refused: %s', (text, why) => {
    expect(pathDetailsProblem(JSON.parse(text))).toBe(why);
    const err = (() => {
      try {
        readBack(text);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(BlockError);
    expect((err as BlockError).message).toBe(`dictionary: details[0]: ${why}`);
  });
});
