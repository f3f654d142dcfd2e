// Path blocks: what the state file's snapshot and journal records are made of. What is written is
// read back exactly (both families, every prefix length, deletes, path ids), a block that does not
// add up is refused naming the offset, and details carry fields a later version adds.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlockError, PathBlock, PathBlockWriter, writeOps, type StoreOp } from '../../src/store/path-block.js';

function blockOf(ops: readonly StoreOp[]): Buffer {
  const w = new PathBlockWriter();
  writeOps(w, ops);
  return Buffer.concat(w.parts());
}

describe('path blocks', () => {
  it('round-trips puts and deletes of both families, with owners, attributes and path ids', () => {
    const ops: StoreOp[] = [
      { put: { prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owners: ['cli'], pathId: 7 } },
      { put: { prefix: '203.0.113.0/24', nextHop: 'self', owners: ['a', 'b'], communities: ['65000:1'], largeCommunities: ['65000:1:2'], localPref: 200, med: 5 } },
      { put: { prefix: '2001:db8::/33', nextHop: '2001:db8::1', owners: ['lb'], pathId: 0xffffffff } },
      { put: { prefix: '0.0.0.0/0', nextHop: '198.51.100.11', owners: ['cli'] } },
      { del: { prefix: '2001:db8:1::10/128', nextHop: '2001:db8::2' } },
    ];
    const block = PathBlock.read(blockOf(ops));
    expect(block.count).toBe(5);
    expect(block.ops()).toEqual(ops);
    // Next hops and details are kept once per block, not once per path.
    expect(block.nextHops).toEqual(['198.51.100.11', 'self', '2001:db8::1', '2001:db8::2']);
    expect(block.details).toHaveLength(3);
  });

  it('any prefix of either family at any length reads back as written', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(128), fc.nat(), (v6, octets, len, id) => {
        const length = v6 ? len : len % 33;
        const bytes = octets.slice();
        // Host bits clear, as the RIB keeps prefixes.
        for (let bit = length; bit < 128; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
        const w = new PathBlockWriter();
        w.put(bytes, 0, length, v6, w.nextHop('self'), w.detail('{"owners":["x"]}'), id >>> 0);
        const c = PathBlock.read(Buffer.concat(w.parts())).cursor();
        expect(c.next()).toBe(true);
        expect([c.v6, c.length, c.pathId, [...c.bytes.subarray(c.at, c.at + ((length + 7) >> 3))]]).toEqual([v6, length, id >>> 0, [...bytes.subarray(0, (length + 7) >> 3)]]);
        expect(c.next()).toBe(false);
      }),
    );
  });

  it('keeps details a later version adds (a health check name) without a format change', () => {
    const w = new PathBlockWriter();
    const b = Uint8Array.of(203, 0, 113, 10);
    w.put(b, 0, 32, false, w.nextHop('198.51.100.11'), w.detail('{"owners":["cli"],"check":"web","future":{"x":1}}'), 3);
    expect(PathBlock.read(Buffer.concat(w.parts())).ops()).toEqual([
      { put: { prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owners: ['cli'], check: 'web', future: { x: 1 }, pathId: 3 } },
    ]);
  });

  const good = blockOf([{ put: { prefix: '203.0.113.10/32', nextHop: '198.51.100.11', owners: ['cli'] } }]);
  const dictEnd = 4 + good.readUInt32LE(0);
  const entry = dictEnd + 4;
  const damaged = (f: (b: Buffer) => Buffer | void): Buffer => {
    const b = Buffer.from(good);
    return f(b) ?? b;
  };
  it.each([
    ['cut short', good.subarray(0, good.length - 1), /entry 0 cut short/, entry],
    ['octets after the last entry', Buffer.concat([good, Buffer.of(0)]), /1 octets after the last entry/, good.length],
    ['a dictionary that is not JSON', damaged((b) => void b.write('[', 4)), /dictionary is not JSON/, 4],
    ['details without owners', blockOfRaw('{"nextHops":["self"],"details":[{"owners":[]}]}'), /details\[0\]: owners is not a non-empty list/, 4],
    ['unknown flags', damaged((b) => void (b[entry] = 0x80)), /entry 0: unknown flags 128/, entry],
    ['a prefix longer than its family', damaged((b) => void (b[entry + 1] = 33)), /entry 0: prefix length 33/, entry],
    ['host bits set', damaged((b) => void (b[entry + 1] = 30)), /entry 0: host bits set/, entry],
    ['a next hop not in the dictionary', damaged((b) => void b.writeUInt32LE(5, entry + 6)), /entry 0: next hop 5 of 1/, entry],
    ['details not in the dictionary', damaged((b) => void b.writeUInt32LE(9, entry + 10)), /entry 0: details 9 of 1/, entry],
  ])('a block with %s is refused, naming the offset', (_what, bytes, why, offset) => {
    const err = (() => {
      try {
        PathBlock.read(bytes);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(BlockError);
    expect((err as Error).message).toMatch(why);
    expect((err as BlockError).offset).toBe(offset);
  });
});

/** A block with the given dictionary and one put that refers to its first next hop and details. */
function blockOfRaw(dict: string): Buffer {
  const d = Buffer.from(dict);
  const head = Buffer.alloc(8 + d.length);
  head.writeUInt32LE(d.length, 0);
  d.copy(head, 4);
  head.writeUInt32LE(1, 4 + d.length);
  const e = Buffer.alloc(2 + 4 + 12);
  e[1] = 32;
  Buffer.of(203, 0, 113, 10).copy(e, 2);
  return Buffer.concat([head, e]);
}
