// An attribute that is not built in, added to the attribute table in this test alone: it is taken
// from a request (checked, sorted, its errors named), shown back, sent to a peer in the UPDATE's
// bytes, written to the state file and read back from it, with no other file knowing of it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttributeValueError, listAttribute } from '../../src/attributes/entry.js';
import { addAttribute } from '../../src/attributes/table.js';
import { endOfRibFamily, type BgpMessage } from '../../src/codec/index.js';
import { silentLogger } from '../../src/log.js';
import type { PathInput } from '../../src/speaker/api.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { StateStore } from '../../src/store/state-store.js';
import { messagesUntil, RawPeer } from '../speaker/raw-peer.js';

/** Type 255: reserved for development (RFC 2042), optional and transitive. */
const CODE = 255;
const OPTIONAL_TRANSITIVE = 0xc0;

/** Colour words, sent as one optional transitive attribute: the words joined by commas, in ASCII. */
const colours = listAttribute({
  name: 'colours',
  cli: { flag: '--colour', arg: '<word>', help: 'a colour (repeatable)', expected: 'a word in a-z', one: 'colour', many: 'colours' },
  items: { parse: (t) => (/^[a-z]+$/.test(t) ? t : null), format: (w) => w, compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0), what: 'a word in a-z' },
  export: (words) => ({ type: 'unknown', code: CODE, flags: OPTIONAL_TRANSITIVE, data: new TextEncoder().encode(words.join(',')) }),
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const isEor = (m: BgpMessage): boolean => m.type === 'update' && endOfRibFamily(m) !== null;

function speaker(store: StateStore, port: number): Speaker {
  return new Speaker(
    {
      asn: 65001,
      routerId: '192.0.2.100',
      nextHop: '198.51.100.11',
      listen: { address: '127.0.0.2', port },
      peers: [{ name: 'r', address: '127.0.0.1', port, asn: 65000, passive: true, holdTime: 90, connectRetry: 1, families: ['ipv4-unicast'], addPath: 'off' }],
    },
    silentLogger,
    undefined,
    store,
  );
}

/** The attribute of type CODE in the UPDATE that announces `prefix`, as the peer decoded its bytes. */
async function sentToPeer(port: number, prefix: string): Promise<unknown> {
  const peer = await RawPeer.connect('127.0.0.1', '127.0.0.2', port);
  cleanups.push(() => void peer.socket.destroy());
  await peer.establish(65000, '192.0.2.1');
  const seen = await messagesUntil(peer, isEor);
  const update = seen.find((m) => m.type === 'update' && m.nlri.some((n) => n.prefix.toString() === prefix));
  if (update?.type !== 'update') throw new Error(`no UPDATE announced ${prefix}`);
  peer.socket.destroy();
  return update.attributes.find((a) => a.type === 'unknown' && a.code === CODE);
}

describe('an attribute added to the table in a test alone', () => {
  it('flows from a request to the UPDATE bytes, and back from the state file', async () => {
    cleanups.push(addAttribute(colours));
    const dir = mkdtempSync(join(tmpdir(), 'ann-attr-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'state');
    const port = 40000 + Math.floor(Math.random() * 20000);

    const store = new StateStore(file, silentLogger);
    await store.load();
    const a = speaker(store, port);
    cleanups.push(() => a.stop());
    // A request the table's types do not know: the field is the entry's name.
    const asked = { prefix: '203.0.113.10', nextHop: '198.51.100.11', owner: 'lb', colours: ['red', 'blue', 'red'], med: 5 } as PathInput;
    const [added] = await a.addPaths([asked]);
    expect(added!.attributes).toEqual({ communities: [], largeCommunities: [], extendedCommunities: [], med: 5, colours: ['blue', 'red'] });

    // Its own check, named like any attribute's.
    const bad = { prefix: '203.0.113.11', colours: ['green', 'Red!'] } as PathInput;
    await expect(a.addPaths([bad])).rejects.toThrow('paths[0].colours[1]: "Red!" is not a word in a-z');

    await a.start();
    const wire = await sentToPeer(port, '203.0.113.10/32');
    expect(wire).toEqual({ type: 'unknown', code: CODE, flags: OPTIONAL_TRANSITIVE, data: new TextEncoder().encode('blue,red') });
    await a.stop();
    await store.close();

    const again = new StateStore(file, silentLogger);
    const state = await again.load();
    cleanups.push(() => again.close());
    expect(state.paths()).toEqual([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owners: ['lb'], colours: ['blue', 'red'], med: 5, pathId: 1, attributesOwner: 'lb' }]);
    const b = speaker(again, port + 1 > 65535 ? port - 1 : port + 1);
    cleanups.push(() => b.stop());
    expect(await b.restore(state)).toBe(1);
    expect(b.listPaths().map((p) => p.attributes)).toEqual([{ communities: [], largeCommunities: [], extendedCommunities: [], med: 5, colours: ['blue', 'red'] }]);
  });

  it('is gone from every layer once taken out again', async () => {
    const remove = addAttribute(colours);
    expect(() => addAttribute(colours)).toThrow('attribute colours is in the table already');
    remove();
    const s = new Speaker({ asn: 65001, routerId: '192.0.2.100', nextHop: '198.51.100.11', peers: [] }, silentLogger);
    const [p] = await s.addPaths([{ prefix: '203.0.113.10', colours: ['red'] } as PathInput]);
    expect(p!.attributes).toEqual({ communities: [], largeCommunities: [], extendedCommunities: [] });
    await s.stop();
  });

  it('parses its text in the entry: a list item that is not one names its index', () => {
    expect(() => colours.parse(['red', '7'])).toThrow(AttributeValueError);
    expect(colours.parse([])).toBeUndefined();
    expect(colours.text(colours.parse(['b', 'a', 'b'])!)).toEqual(['a', 'b']);
  });
});
