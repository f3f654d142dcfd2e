// protobuf <-> domain, both directions: every field survives, optional ones stay absent, and the
// API passes request fields through as they came.

import { describe, expect, it } from 'vitest';
import {
  eventFromPb,
  eventToPb,
  peerFromPb,
  peerToPb,
  replaceResultFromPb,
  replaceResultToPb,
} from '../../src/api/convert.js';
import { Event } from '../../src/gen/announcer/v1/announcer.js';
import type { AnnouncedPath } from '../../src/rib/types.js';
import type { SpeakerEvent } from '../../src/speaker/api.js';
import { ESTABLISHED_PEER, IDLE_PEER } from './sample-peers.js';

const PATH: AnnouncedPath = {
  prefix: '203.0.113.10/32',
  family: 'ipv4-unicast',
  nextHop: '198.51.100.11',
  attributes: { communities: ['65000:100'], largeCommunities: ['65000:1:2'], localPref: 0, med: 7 },
  owner: 'lb',
  owners: ['lb', 'ops'],
  pathId: 3,
};

const V6_PATH: AnnouncedPath = {
  prefix: '2001:db8::10/128',
  family: 'ipv6-unicast',
  nextHop: 'self',
  attributes: { communities: [], largeCommunities: [] },
  owner: 'cli',
  owners: ['cli'],
  pathId: 1,
};

describe('convert', () => {
  it('round-trips peers, optional fields absent when unset', () => {
    for (const p of [ESTABLISHED_PEER, IDLE_PEER]) expect(peerFromPb(peerToPb(p))).toStrictEqual(p);
  });

  it('round-trips every kind of event, through the wire bytes too', () => {
    const events: SpeakerEvent[] = [
      { type: 'peer-state', at: 1_795_000_000_123, peer: 'router1', address: '198.51.100.1', from: 'OpenConfirm', to: 'Established' },
      { type: 'peer-state', at: 1_795_000_000_456, peer: '2001:db8::1', address: '2001:db8::1', from: 'Established', to: 'Idle', reason: 'Hold Timer Expired' },
      { type: 'rib', at: 1_795_000_001_000, added: [PATH], removed: [V6_PATH] },
      {
        type: 'peer-paths',
        at: 1_795_000_002_000,
        peer: 'router1',
        address: '198.51.100.1',
        announced: [{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11', pathId: 3 }],
        withdrawn: [{ prefix: '203.0.113.9/32', pathId: 1 }],
      },
    ];
    for (const e of events) {
      expect(eventFromPb(eventToPb(e))).toStrictEqual(e);
      expect(eventFromPb(Event.decode(Event.encode(eventToPb(e)).finish()))).toStrictEqual(e);
    }
  });

  it('skips an event of a kind it does not know', () => {
    expect(eventFromPb({ time: new Date(0), event: undefined })).toBeUndefined();
  });

  it('round-trips a ReplacePaths result', () => {
    const r = { added: 1, removed: 1, updated: 0, unchanged: 7, details: { added: [PATH], removed: [V6_PATH], updated: [] } };
    expect(replaceResultFromPb(replaceResultToPb(r), true)).toStrictEqual(r);
    // Without details: the counts alone.
    const { details: _, ...counts } = r;
    expect(replaceResultFromPb(replaceResultToPb(counts), false)).toStrictEqual(counts);
  });
});
