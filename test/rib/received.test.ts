// The set of routes received from a peer: what the speaker counts as prefixesReceived. Checked
// against a plain Set of text keys over random announce / withdraw sequences, through growth and
// the deletions that shift later entries back.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Prefix, type Family } from '../../src/codec/index.js';
import { ReceivedRoutes } from '../../src/rib/received.js';

const P = (text: string): Prefix => Prefix.parse(text)!;

describe('ReceivedRoutes', () => {
  it('a route is its family, prefix octets, length and path id', () => {
    const r = new ReceivedRoutes();
    expect(r.add(P('10.0.0.0/8'))).toBe(true);
    expect(r.add(P('10.0.0.0/8'))).toBe(false);
    expect(r.add(P('10.1.2.3/8'))).toBe(false); // the same prefix: host bits are not part of it
    expect(r.add(P('10.0.0.0/8'), 0)).toBe(false); // no path id is path id 0
    expect(r.add(P('10.0.0.0/8'), 1)).toBe(true);
    expect(r.add(P('10.0.0.0/9'))).toBe(true);
    expect(r.add(P('0.0.0.0/0'))).toBe(true);
    expect(r.add(P('::/0'))).toBe(true); // the other family
    expect(r.add(P('::a00:0/8'))).toBe(true); // the same leading octets, the other family
    expect(r.size).toBe(6);
    expect(r.has(P('10.0.0.0/8'), 1)).toBe(true);
    expect(r.delete(P('10.0.0.0/8'), 2)).toBe(false);
    expect(r.delete(P('10.0.0.0/8'), 1)).toBe(true);
    expect(r.has(P('10.0.0.0/8'), 1)).toBe(false);
    expect(r.has(P('10.0.0.0/8'))).toBe(true);
    expect(r.size).toBe(5);
    r.clear();
    expect(r.size).toBe(0);
    expect(r.has(P('10.0.0.0/8'))).toBe(false);
    expect(r.delete(P('::/0'))).toBe(false);
  });

  it('counts a large table exactly, and empties again', () => {
    const r = new ReceivedRoutes();
    const n = 100_000;
    const v4 = (i: number) => Prefix.fromBytes('ipv4-unicast', Uint8Array.of(198, 18 + (i >> 16), (i >> 8) & 255, i & 255), 32);
    for (let i = 0; i < n; i++) r.add(v4(i), i % 3);
    expect(r.size).toBe(n);
    for (let i = 0; i < n; i++) expect(r.has(v4(i), i % 3)).toBe(true);
    for (let i = 0; i < n; i += 2) r.delete(v4(i), i % 3);
    expect(r.size).toBe(n / 2);
    for (let i = 0; i < n; i++) if (r.has(v4(i), i % 3) !== (i % 2 === 1)) throw new Error(`route ${i} wrong after deletions`);
    for (let i = 1; i < n; i += 2) r.delete(v4(i), i % 3);
    expect(r.size).toBe(0);
  });

  it('behaves as a Set of (family, prefix, path id) over random announce / withdraw runs', () => {
    // A small key space, so the same routes come and go and collide in the table.
    const route = fc.record({
      family: fc.constantFrom<Family>('ipv4-unicast', 'ipv6-unicast'),
      octet: fc.integer({ min: 0, max: 7 }),
      length: fc.constantFrom(0, 8, 16, 32),
      pathId: fc.constantFrom(0, 1, 0xffffffff),
    });
    const op = fc.record({ add: fc.boolean(), route });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const r = new ReceivedRoutes();
        const model = new Set<string>();
        for (const { add, route: x } of ops) {
          const bytes = new Uint8Array(x.family === 'ipv4-unicast' ? 4 : 16).fill(x.octet * 32);
          const p = Prefix.fromBytes(x.family, bytes, x.length);
          const key = `${p.toString()}#${x.pathId}`;
          const expected = add ? !model.has(key) : model.has(key);
          if (add) model.add(key);
          else model.delete(key);
          expect(add ? r.add(p, x.pathId) : r.delete(p, x.pathId)).toBe(expected);
          expect(r.size).toBe(model.size);
        }
        for (const key of model) {
          const [text, id] = key.split('#');
          expect(r.has(P(text!), Number(id))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
