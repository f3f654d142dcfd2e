// The FIFO of due targets: order kept, no target twice, and removal from anywhere.

import { describe, expect, it } from 'vitest';
import { DueQueue, type Queueable } from '../../src/health/due-queue.js';

class Item implements Queueable<Item> {
  queuePrev: Item | null = null;
  queueNext: Item | null = null;
  queued = false;
  constructor(readonly name: string) {}
}

function drain(q: DueQueue<Item>): string[] {
  const out: string[] = [];
  for (let i = q.shift(); i; i = q.shift()) out.push(i.name);
  return out;
}

describe('DueQueue', () => {
  it('is first in, first out, and holds an item once however often it is pushed', () => {
    const q = new DueQueue<Item>();
    const [a, b, c] = [new Item('a'), new Item('b'), new Item('c')];
    q.push(a);
    q.push(b);
    q.push(a);
    q.push(c);
    expect(q.length).toBe(3);
    expect(drain(q)).toEqual(['a', 'b', 'c']);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeNull();
  });

  it('removes from the head, the middle and the tail; removing what is not queued does nothing', () => {
    const q = new DueQueue<Item>();
    const items = ['a', 'b', 'c', 'd', 'e'].map((n) => new Item(n));
    for (const i of items) q.push(i);
    q.remove(items[2]!);
    q.remove(items[0]!);
    q.remove(items[4]!);
    q.remove(items[4]!);
    expect(q.length).toBe(2);
    q.push(items[0]!);
    expect(drain(q)).toEqual(['b', 'd', 'a']);
    q.push(items[1]!);
    q.clear();
    expect(q.length).toBe(0);
    expect(items[1]!.queued).toBe(false);
  });
});
