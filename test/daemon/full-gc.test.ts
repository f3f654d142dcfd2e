// The daemon can make a full collection on demand without a node flag (speaker/idle-collect.ts
// relies on it to give memory back after a large shrink).

import { expect, it } from 'vitest';
import { fullGarbageCollection } from '../../src/daemon/full-gc.js';

it("gets V8's full collection at run time, and leaves no gc global behind", () => {
  const gc = fullGarbageCollection();
  expect(gc).toBeTypeOf('function');
  gc!();
  expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
});
