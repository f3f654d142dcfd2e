// When a journal write may run on the event loop: small ones while the disk is fast; a slow write
// sends the next ones to the thread pool for a back-off that doubles while the disk stays slow.

import { describe, expect, it } from 'vitest';
import { JournalWriteMode } from '../../src/store/write-mode.js';

const options = { maxBytes: 1000, slowMs: 20, firstBackoffMs: 10_000, maxBackoffMs: 80_000 };

describe('JournalWriteMode', () => {
  it('writes small batches on the event loop and large ones in the thread pool', () => {
    const mode = new JournalWriteMode(options);
    expect(mode.onLoop(1000, 0)).toBe(true);
    expect(mode.onLoop(1001, 0)).toBe(false);
  });

  it('a fast write changes nothing; a slow one sends writes to the thread pool for the back-off', () => {
    const mode = new JournalWriteMode(options);
    expect(mode.took(20, 5)).toBeNull();
    expect(mode.onLoop(10, 5)).toBe(true);
    expect(mode.took(21, 100)).toBe(10_000);
    expect(mode.onLoop(10, 101)).toBe(false);
    expect(mode.onLoop(10, 10_099)).toBe(false);
    expect(mode.onLoop(10, 10_100)).toBe(true);
  });

  it('doubles the back-off while the disk stays slow, up to the limit, and starts small again after a long fast spell', () => {
    const mode = new JournalWriteMode(options);
    let now = 0;
    const backoffs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const b = mode.took(50, now)!;
      backoffs.push(b);
      now += b; // slow again as soon as the back-off ends
    }
    expect(backoffs).toEqual([10_000, 20_000, 40_000, 80_000, 80_000]);
    // Fast for longer than the limit after the last back-off ended: the next slow write starts small.
    now += 80_001;
    expect(mode.took(50, now)).toBe(10_000);
    // Slow again shortly after: doubling resumes.
    expect(mode.took(50, now + 10_000 + 5_000)).toBe(20_000);
  });
});
