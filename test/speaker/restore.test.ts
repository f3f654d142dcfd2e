// A state file written under other rules (a wider allowPrefixes, a version that took 0.0.0.0 as a
// next hop): what the rules refuse now is left out with a warning naming it, the rest comes back,
// and a malformed entry still stops the start.

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RequestError } from '../../src/rib/request-error.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { StoredState, type StoredPath } from '../../src/store/state-store.js';

function speakerLogging(allowPrefixes?: string[]): { speaker: Speaker; warnings: { entry: string; why: string; msg: string }[] } {
  const warnings: { entry: string; why: string; msg: string }[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
  const speaker = new Speaker({ asn: 65000, routerId: '192.0.2.1', nextHop: 'self', peers: [], ...(allowPrefixes ? { allowPrefixes } : {}) }, log);
  return { speaker, warnings };
}

describe('Speaker.restore', () => {
  it('leaves out, with a warning each, the paths the rules refuse now', async () => {
    const { speaker, warnings } = speakerLogging(['203.0.113.0/24']);
    const n = await speaker.restore(
      StoredState.of([
        { prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owners: ['lb'], pathId: 1 },
        { prefix: '192.0.2.0/24', nextHop: '198.51.100.11', owners: ['lb'], pathId: 2 },
        { prefix: '203.0.113.11/32', nextHop: '0.0.0.0', owners: ['cli'], pathId: 3 },
      ]),
    );
    expect(n).toBe(1);
    expect((await speaker.listPaths()).map((p) => `${p.prefix} via ${p.nextHop}`)).toEqual(['203.0.113.10/32 via 198.51.100.11']);
    expect(warnings.map((w) => [w.msg, w.entry, w.why])).toEqual([
      [
        'state file: path left out, it may not be announced',
        'paths[192.0.2.0/24 via 198.51.100.11].prefix',
        'paths[192.0.2.0/24 via 198.51.100.11].prefix: 192.0.2.0/24 is outside allowPrefixes (203.0.113.0/24)',
      ],
      [
        'state file: path left out, it may not be announced',
        'paths[203.0.113.11/32 via 0.0.0.0].nextHop',
        expect.stringContaining('paths[203.0.113.11/32 via 0.0.0.0].nextHop: 0.0.0.0 is the unspecified address'),
      ],
    ]);
  });

  it('still refuses a malformed entry, naming it', async () => {
    const { speaker } = speakerLogging();
    const bad = StoredState.of([{ prefix: '203.0.113.30/32', nextHop: '198.51.100.11', owners: ['lb'], communities: ['65000:x'] }]);
    await expect(speaker.restore(bad)).rejects.toThrow(RequestError);
    await expect(speaker.restore(bad)).rejects.toThrow(/paths\[203\.0\.113\.30\/32 via 198\.51\.100\.11\]\.communities\[0\]/);
  });

  // Word for word the messages of the restore before the stored form moved into src/store.
  it.each<[Partial<StoredPath>, string]>([
    [{ owners: [''] }, 'owners[0]: must not be empty'],
    [{ owners: ['lb', 'x'.repeat(129)] }, 'owners[1]: longer than 128 characters'],
    [{ communities: ['65000:x'] }, 'communities[0]: "65000:x" is not a community ASN:VALUE with both parts in 0..65535'],
    [{ largeCommunities: ['1:2'], extendedCommunities: [] }, 'largeCommunities[0]: "1:2" is not a large community A:B:C with each part in 0..4294967295'],
    [{ localPref: -1 }, 'localPref: -1 is not an integer in 0..4294967295'],
    [{ med: 4294967296 }, 'med: 4294967296 is not an integer in 0..4294967295'],
  ])('refuses stored details %j with the message a request gets', async (over, why) => {
    const { speaker } = speakerLogging();
    const bad = StoredState.of([{ prefix: '203.0.113.30/32', nextHop: '198.51.100.11', owners: ['lb'], ...over }]);
    const err = await speaker.restore(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect((err as RequestError).message).toBe(`paths[203.0.113.30/32 via 198.51.100.11].${why}`);
  });
});
