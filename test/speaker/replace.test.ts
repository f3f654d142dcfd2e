// ReplacePaths on a live session, seen from the peer: each change sends exactly its difference,
// and paths that did not change send nothing.

import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { RequestError } from '../../src/rib/request-error.js';
import { Speaker } from '../../src/speaker/speaker.js';
import type { PathInput, SpeakerEvent } from '../../src/speaker/api.js';
import { messagesUntil, RawPeer, summarizeUpdates, type UpdateSummary } from './raw-peer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const A11 = { prefix: '203.0.113.1', nextHop: '198.51.100.11' };
const A12 = { prefix: '203.0.113.1', nextHop: '198.51.100.12' };
const B11 = { prefix: '203.0.113.2', nextHop: '198.51.100.11' };
const C13 = { prefix: '203.0.113.3', nextHop: '198.51.100.13' };
// A path of its own owner, re-announced after each change to prove the change was sent in full.
const MARKER = { prefix: '192.0.2.99', nextHop: '198.51.100.99', owner: 'marker' };
const MARKER_PREFIX = '192.0.2.99/32';

describe('ReplacePaths on a live ADD-PATH session', () => {
  it('sends exactly the difference of each change', async () => {
    const port = 30000 + Math.floor(Math.random() * 10000);
    const speaker = new Speaker(
      {
        asn: 65001,
        routerId: '192.0.2.100',
        nextHop: 'self',
        listen: { address: '127.0.0.2', port },
        peers: [{ name: 'r', address: '127.0.0.1', port, asn: 65000, passive: true, holdTime: 90, connectRetry: 1, families: ['ipv4-unicast'], addPath: 'send' }],
      },
      silentLogger,
    );
    await speaker.start();
    cleanups.push(() => speaker.stop());
    const events: SpeakerEvent[] = [];
    cleanups.push(speaker.watch((e) => events.push(e)));
    // The marker exists before the session, so it takes path id 1 and is in the initial table.
    await speaker.addPaths([MARKER]);
    const p = await RawPeer.connect('127.0.0.1', '127.0.0.2', port);
    cleanups.push(() => void p.socket.destroy());
    p.ctx = { ...p.ctx, addPathReceive: ['ipv4-unicast'] };
    await p.establish(65000, '192.0.2.1', [{ type: 'add-path', families: [{ afi: 1, safi: 1, direction: 'receive' }] }]);
    // The initial table ends with End-of-RIB (an empty UPDATE): nothing but the marker before it.
    const initial = await messagesUntil(p, (m) => m.type === 'update' && m.nlri.length + m.withdrawn.length + m.attributes.length === 0);
    expect(summarizeUpdates(initial, MARKER_PREFIX)).toMatchObject({ announced: [], withdrawn: [] });
    expect(summarizeUpdates(initial).announced).toEqual([`${MARKER_PREFIX}#1 via 198.51.100.99`]);

    // Everything the speaker sends for a change, known complete without waiting for quiet: the
    // marker's new attributes queue its prefix behind every prefix the change queued (the send
    // queue is first in, first out), so once the marker has arrived, so has the batch it went out
    // in; and once the peer holds as many UPDATEs as the speaker counts written, nothing is in flight.
    let round = 0;
    const sentForChange = async (): Promise<UpdateSummary> => {
      await speaker.addPaths([{ ...MARKER, communities: [`65000:${++round}`] }]);
      const seen = await messagesUntil(p, (m) => m.type === 'update' && m.nlri.some((n) => `${n.prefix}` === MARKER_PREFIX));
      await p.until('every UPDATE the speaker wrote', () => p.updatesReceived === speaker.listPeers()[0]!.updatesSent);
      return summarizeUpdates([...seen, ...p.takeAll()], MARKER_PREFIX);
    };

    // Path ids: 1 is the marker's.
    const table: { change: string; set: PathInput[]; result: object; announced: string[]; withdrawn: string[] }[] = [
      {
        change: 'first set',
        set: [A11, A12, B11],
        result: { added: 3, removed: 0, updated: 0, unchanged: 0 },
        announced: ['203.0.113.1/32#2 via 198.51.100.11', '203.0.113.1/32#3 via 198.51.100.12', '203.0.113.2/32#4 via 198.51.100.11'],
        withdrawn: [],
      },
      { change: 'the same set again', set: [A12, B11, A11], result: { added: 0, removed: 0, updated: 0, unchanged: 3 }, announced: [], withdrawn: [] },
      {
        change: 'one path replaced by another',
        set: [A11, B11, C13],
        result: { added: 1, removed: 1, updated: 0, unchanged: 2 },
        announced: ['203.0.113.3/32#5 via 198.51.100.13'],
        withdrawn: ['203.0.113.1/32#3'],
      },
      {
        change: 'new attributes on one prefix',
        set: [{ ...A11, communities: ['65000:1'] }, B11, C13],
        result: { added: 0, removed: 0, updated: 1, unchanged: 2 },
        announced: ['203.0.113.1/32#2 via 198.51.100.11'],
        withdrawn: [],
      },
      {
        change: 'the empty set',
        set: [],
        result: { added: 0, removed: 3, updated: 0, unchanged: 0 },
        announced: [],
        withdrawn: ['203.0.113.1/32#2', '203.0.113.2/32#4', '203.0.113.3/32#5'],
      },
    ];
    for (const row of table) {
      const r = await speaker.replacePaths('controller', row.set);
      expect({ added: r.added, removed: r.removed, updated: r.updated, unchanged: r.unchanged }, row.change).toEqual(row.result);
      const seen = await sentForChange();
      expect({ announced: seen.announced, withdrawn: seen.withdrawn }, row.change).toEqual({ announced: row.announced, withdrawn: row.withdrawn });
      // The daemon's own counter agrees: no UPDATE at all when nothing changed.
      if (row.announced.length + row.withdrawn.length === 0) expect(seen.updates, row.change).toBe(0);
    }
    expect(events.some((e) => e.type === 'peer-paths' && e.withdrawn.length === 3)).toBe(true);
  });

  it('is all or nothing: one bad path changes nothing and sends nothing', async () => {
    const speaker = new Speaker({ asn: 65001, routerId: '192.0.2.100', nextHop: 'self', peers: [] }, silentLogger);
    await speaker.replacePaths('controller', [A11]);
    const before = speaker.listPaths();
    const err = await speaker.replacePaths('controller', [B11, { prefix: '203.0.113.4', nextHop: '2001:db8::1' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect((err as RequestError).message).toBe('paths[1].nextHop: 2001:db8::1 is IPv6 but the prefix is IPv4');
    expect(speaker.listPaths()).toEqual(before);
    await expect(speaker.replacePaths('', [A11])).rejects.toThrow(/^owner: must not be empty/);
  });

  it('owners share paths: a path stays while another owner still wants it', async () => {
    const speaker = new Speaker({ asn: 65001, routerId: '192.0.2.100', nextHop: 'self', peers: [] }, silentLogger);
    await speaker.addPaths([{ ...A11, owner: 'cli' }]);
    await speaker.replacePaths('controller', [A11, B11]);
    expect(speaker.listPaths({ owner: 'controller' }).map((p) => p.prefix)).toEqual(['203.0.113.1/32', '203.0.113.2/32']);
    const r = await speaker.replacePaths('controller', []);
    expect(r.removed).toBe(2);
    expect(speaker.listPaths().map((p) => [p.prefix, p.owners])).toEqual([['203.0.113.1/32', ['cli']]]);
  });
});
