// Real speakers on loopback addresses for tests of several of them talking BGP over TCP: each
// started one is stopped after the test, whatever happened.

import { afterEach } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { SpeakerEvent } from '../../src/speaker/api.js';
import { Speaker, type SpeakerOptions } from '../../src/speaker/speaker.js';
import type { PeerSessionConfig } from '../../src/session/peer-session.js';

const started: Speaker[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop('test over')));
});

/** A peer as tests write one: active, hold time 9, retry 1 s, both families, no ADD-PATH unless told. */
export function peer(over: Partial<PeerSessionConfig> & Pick<PeerSessionConfig, 'address' | 'asn' | 'port'>): PeerSessionConfig {
  return {
    name: over.address,
    passive: false,
    holdTime: 9,
    connectRetry: 1,
    families: ['ipv4-unicast', 'ipv6-unicast'],
    addPath: 'off',
    ...over,
  };
}

/** A started speaker; `events` (when given) receives everything it reports from before it starts. */
export async function speaker(opts: SpeakerOptions, events?: SpeakerEvent[]): Promise<Speaker> {
  const s = new Speaker(opts, silentLogger);
  started.push(s);
  if (events) s.watch((e) => events.push(e));
  await s.start();
  return s;
}

/** Polls `fn` until `ok` holds; `ms` is a deadline for a clear failure, not a wait. */
export async function until<T>(what: string, fn: () => T, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let v = fn();
  while (!ok(v)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25)); // poll interval: the counters have no event of their own
    v = fn();
  }
  return v;
}
