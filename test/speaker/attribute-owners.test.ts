// A prefix's attributes have a home: they are the prefix's (a router merges only paths of equal
// attributes into one ECMP route), the owner that set them is the one who may change them while it
// has a path of the prefix, and a request changes only the attributes it states. The case that
// started it: `add-eip 203.0.113.50 --next-hop .12 --owner lb --community 65000:777`, then another
// owner's `add-eip 203.0.113.50 --next-hop .13`, silently took lb's community away.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { RequestError } from '../../src/rib/request-error.js';
import type { SpeakerEvent } from '../../src/speaker/api.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { StateStore, StoredState } from '../../src/store/state-store.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const OPTS = { asn: 65000, routerId: '192.0.2.1', nextHop: '198.51.100.1', peers: [] };
const EIP = '203.0.113.50';
const PREFIX = '203.0.113.50/32';

function speaker(store: StateStore | null = null): { s: Speaker; events: SpeakerEvent[] } {
  const s = new Speaker(OPTS, silentLogger, undefined, store);
  cleanups.push(() => s.stop());
  const events: SpeakerEvent[] = [];
  cleanups.push(s.watch((e) => events.push(e)));
  return { s, events };
}

/** Each path of the prefix as "next hop: communities med" (what a router would be sent). */
function held(s: Speaker): string[] {
  return s
    .listPaths({ prefix: PREFIX })
    .map((p) => `${p.nextHop}: ${p.attributes.communities.join(' ')}${p.attributes.med !== undefined ? ` med ${p.attributes.med}` : ''}`)
    .sort();
}

/** The rib events' paths since `from`, as "next hop: communities". */
function told(events: readonly SpeakerEvent[], from: number): string[] {
  return events
    .slice(from)
    .flatMap((e) => (e.type === 'rib' ? e.added : []))
    .map((p) => `${p.nextHop}: ${p.attributes.communities.join(' ')}`)
    .sort();
}

async function refusal(p: Promise<unknown>): Promise<RequestError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof RequestError)) throw new Error(`expected a RequestError, got ${String(e)}`);
  return e;
}

describe('the attributes of a prefix', () => {
  it("are kept when another owner adds a path that states none, and that owner cannot change them", async () => {
    const { s } = speaker();
    await s.addPaths([{ prefix: EIP, nextHop: '198.51.100.12', owner: 'lb', communities: ['65000:777'], med: 1000 }]);
    const ops = await s.addPaths([{ prefix: EIP, nextHop: '198.51.100.13', owner: 'ops' }]);
    expect(ops.map((p) => p.outcome)).toEqual(['added']);
    expect(ops.alsoUpdated).toEqual([]);
    expect(held(s)).toEqual(['198.51.100.12: 65000:777 med 1000', '198.51.100.13: 65000:777 med 1000']);

    // Restating lb's values changes nothing; another value is refused, naming lb and the attribute.
    expect((await s.addPaths([{ prefix: EIP, nextHop: '198.51.100.13', owner: 'ops', med: 1000 }])).map((p) => p.outcome)).toEqual(['unchanged']);
    const e = await refusal(s.addPaths([{ prefix: EIP, nextHop: '198.51.100.13', owner: 'ops', communities: ['65535:0'] }]));
    expect(e.kind).toBe('failed-precondition');
    expect(e.field).toBe('paths[0].communities');
    expect(e.message).toContain(`the attributes of ${PREFIX} were set by owner lb, which still has a path of it`);
    // A replace of ops's paths that states other attributes is refused whole, too.
    const r = await refusal(s.replacePaths('ops', [{ prefix: '192.0.2.7', nextHop: '198.51.100.13' }, { prefix: EIP, nextHop: '198.51.100.13', med: 5 }]));
    // (A replace makes a prefix's attributes exactly the set's: the communities would go first.)
    expect([r.kind, r.field]).toEqual(['failed-precondition', 'paths[1].communities']);
    expect(s.listPaths({ prefix: '192.0.2.7/32' })).toEqual([]);
    // ... but one that states none keeps ops's path, with lb's attributes.
    await s.replacePaths('ops', [{ prefix: EIP, nextHop: '198.51.100.13' }]);
    expect(held(s)).toEqual(['198.51.100.12: 65000:777 med 1000', '198.51.100.13: 65000:777 med 1000']);
  });

  it("change only where a request states them, unless it asks to replace them", async () => {
    const { s } = speaker();
    await s.addPaths([{ prefix: EIP, nextHop: '198.51.100.12', owner: 'lb', communities: ['65000:777'], med: 1000 }]);
    const drain = await s.addPaths([{ prefix: EIP, nextHop: '198.51.100.12', owner: 'lb', communities: ['65535:0'] }]);
    expect(drain.map((p) => [p.outcome, p.before?.communities])).toEqual([['updated', ['65000:777']]]);
    expect(held(s)).toEqual(['198.51.100.12: 65535:0 med 1000']); // the MED stays
    await s.addPaths([{ prefix: EIP, nextHop: '198.51.100.12', owner: 'lb', communities: ['65000:1'] }], { replaceAttributes: true });
    expect(held(s)).toEqual(['198.51.100.12: 65000:1']);
  });

  it("changed by their owner are reported on every path of the prefix, in the answer and to watchers", async () => {
    const { s, events } = speaker();
    await s.addPaths([{ prefix: EIP, nextHop: '198.51.100.12', owner: 'lb', communities: ['65000:777'] }]);
    await s.addPaths([{ prefix: EIP, nextHop: '198.51.100.13', owner: 'ops' }]);
    const from = events.length;
    const r = await s.addPaths([{ prefix: EIP, nextHop: '198.51.100.12', owner: 'lb', communities: ['65000:778'] }]);
    expect(r.map((p) => `${p.outcome} ${p.nextHop}`)).toEqual(['updated 198.51.100.12']);
    expect(r.alsoUpdated.map((p) => [p.outcome, p.nextHop, p.owner, p.before?.communities, p.attributes.communities])).toEqual([['updated', '198.51.100.13', 'ops', ['65000:777'], ['65000:778']]]);
    expect(told(events, from)).toEqual(['198.51.100.12: 65000:778', '198.51.100.13: 65000:778']);

    // A replace by lb that changes them updates ops's path too: counted, listed and told.
    const at = events.length;
    const rr = await s.replacePaths('lb', [{ prefix: EIP, nextHop: '198.51.100.12', communities: ['65000:779'] }], { details: true });
    expect([rr.updated, rr.details?.updated.map((p) => `${p.nextHop} ${p.owner}`)]).toEqual([2, ['198.51.100.12 lb', '198.51.100.13 ops']]);
    expect(told(events, at)).toEqual(['198.51.100.12: 65000:779', '198.51.100.13: 65000:779']);
  });

  it('belong to nobody once their owner has no path of the prefix: then any owner may set them', async () => {
    const { s } = speaker();
    await s.addPaths([{ prefix: EIP, nextHop: '198.51.100.12', owner: 'lb', communities: ['65000:777'] }]);
    await s.addPaths([{ prefix: EIP, nextHop: '198.51.100.13', owner: 'ops' }]);
    await s.deletePaths({ prefix: EIP, owner: 'lb' });
    expect(held(s)).toEqual(['198.51.100.13: 65000:777']); // kept, but no longer lb's
    await s.addPaths([{ prefix: EIP, nextHop: '198.51.100.13', owner: 'ops', communities: ['65000:1'] }]);
    expect(held(s)).toEqual(['198.51.100.13: 65000:1']);
    // A replace of an owner's own prefixes makes them exactly its set's: leftovers go.
    await s.replacePaths('ops', [{ prefix: EIP, nextHop: '198.51.100.13' }]);
    expect(held(s)).toEqual(['198.51.100.13: ']);
  });

  it("and their owner survive a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'announcer-attr-owner-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'state');
    const store = new StateStore(file, silentLogger);
    await store.load();
    const { s: a } = speaker(store);
    await a.addPaths([{ prefix: EIP, nextHop: '198.51.100.12', owner: 'lb', communities: ['65000:777'] }]);
    await a.addPaths([{ prefix: EIP, nextHop: '198.51.100.13', owner: 'ops' }]);
    await store.close();
    const again = new StateStore(file, silentLogger);
    const state = await again.load();
    cleanups.push(() => again.close());
    const { s: b } = speaker();
    await b.restore(StoredState.of(state.paths()));
    expect(held(b)).toEqual(['198.51.100.12: 65000:777', '198.51.100.13: 65000:777']);
    const e = await refusal(b.addPaths([{ prefix: EIP, nextHop: '198.51.100.13', owner: 'ops', communities: ['65000:1'] }]));
    expect(e.message).toContain('set by owner lb');
  });
});
