// protobuf <-> domain, both directions: every field survives, optional ones stay absent, and the
// API passes request fields through as they came.

import { describe, expect, it } from 'vitest';
import {
  announcedPathFromPb,
  announcedPathToPb,
  eventFromPb,
  eventToPb,
  packedPieces,
  pathInputFromPb,
  pathInputToPb,
  peerFromPb,
  peerToPb,
  healthChecksFromPb,
  healthChecksToPb,
  shutdownFromPb,
  shutdownToPb,
  replaceResultFromPb,
  replaceResultToPb,
  replaceToPb,
  UnexpectedReplyError,
} from '../../src/api/convert.js';
import { Event, HealthEffect, HealthState, ListHealthChecksResponse, ListPathsRequest, Path, Peer, ReplacePathsRequest, ShutdownResponse } from '../../src/gen/announcer/v1/announcer.js';
import { filterFromPb, filterToPb } from '../../src/api/convert.js';
import type { HealthCheckDetail, PeerShutdownOutcome } from '../../src/speaker/api.js';
import type { AnnouncedPath, PathInput } from '../../src/rib/types.js';
import type { SpeakerEvent } from '../../src/speaker/api.js';
import { ESTABLISHED_PEER, GR_DOWN_PEER, GR_NOT_OFFERED_PEER, GR_PEER, IDLE_PEER } from './sample-peers.js';

const PATH: AnnouncedPath = {
  prefix: '203.0.113.10/32',
  family: 'ipv4-unicast',
  nextHop: '198.51.100.11',
  attributes: { communities: ['65000:100'], largeCommunities: ['65000:1:2'], extendedCommunities: [], localPref: 0, med: 7 },
  owner: 'lb',
  owners: ['lb', 'ops'],
  pathId: 3,
};

const V6_PATH: AnnouncedPath = {
  prefix: '2001:db8::10/128',
  family: 'ipv6-unicast',
  nextHop: 'self',
  attributes: { communities: [], largeCommunities: [], extendedCommunities: [] },
  owner: 'cli',
  owners: ['cli'],
  pathId: 1,
};

/** A path with a check whose target is down: every health field set. */
const DOWN_PATH: AnnouncedPath = {
  ...PATH,
  check: 'web',
  health: {
    state: 'down',
    effect: 'withdrawn',
    target: 'http://198.51.100.11:80/healthz',
    since: 1_795_000_000_500,
    lastError: 'HTTP 503',
    lastErrorAt: 1_795_000_000_400,
  },
};

/** A path with a check not probed yet: the optional health fields absent. */
const PENDING_PATH: AnnouncedPath = {
  ...V6_PATH,
  check: 'dns',
  health: { state: 'pending', effect: 'announced', target: '[2001:db8::11]:53', since: 1_795_000_000_000 },
};

describe('convert', () => {
  it('round-trips a path\'s check and health, through the wire bytes too; a path without a check has neither', () => {
    const demoted: AnnouncedPath = { ...DOWN_PATH, health: { ...DOWN_PATH.health!, effect: 'demoted' } };
    const up: AnnouncedPath = { ...DOWN_PATH, health: { ...DOWN_PATH.health!, state: 'up', effect: 'announced' } };
    for (const p of [PATH, V6_PATH, DOWN_PATH, PENDING_PATH, demoted, up]) {
      expect(announcedPathFromPb(announcedPathToPb(p))).toStrictEqual(p);
      expect(announcedPathFromPb(Path.decode(Path.encode(announcedPathToPb(p)).finish()))).toStrictEqual(p);
    }
    expect(announcedPathToPb(PATH)).toMatchObject({ check: '', health: undefined });
    expect(announcedPathToPb(DOWN_PATH).health).toStrictEqual({
      state: HealthState.HEALTH_STATE_DOWN,
      effect: HealthEffect.HEALTH_EFFECT_WITHDRAWN,
      target: 'http://198.51.100.11:80/healthz',
      since: new Date(1_795_000_000_500),
      lastError: 'HTTP 503',
      lastErrorAt: new Date(1_795_000_000_400),
    });
  });

  it('passes a request\'s check through, and leaves an empty one out ("no check")', () => {
    const input: PathInput = { prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' };
    expect(pathInputToPb(input).check).toBe('web');
    expect(pathInputFromPb(pathInputToPb(input))).toStrictEqual(input);
    expect(pathInputFromPb(pathInputToPb({ prefix: '203.0.113.10', check: '' }))).toStrictEqual({ prefix: '203.0.113.10' });
    expect(pathInputFromPb(pathInputToPb({ prefix: '203.0.113.10' }))).toStrictEqual({ prefix: '203.0.113.10' });
  });

  it('carries a packed block\'s check; none is the empty string', () => {
    const prefixes = new Uint8Array([32, 203, 0, 113, 10]);
    const withCheck = ReplacePathsRequest.decode(ReplacePathsRequest.encode(replaceToPb('lb', [], false, { family: 'ipv4-unicast', prefixes, nextHop: '198.51.100.11', check: 'web' })).finish());
    expect(withCheck.block).toMatchObject({ nextHop: '198.51.100.11', check: 'web' });
    expect(replaceToPb('lb', [], false, { family: 'ipv4-unicast', prefixes, nextHop: '' }).block?.check).toBe('');
  });

  it('refuses a health state or effect this version does not know', () => {
    const pb = announcedPathToPb(DOWN_PATH);
    expect(() => announcedPathFromPb({ ...pb, health: { ...pb.health!, state: 99 as HealthState } })).toThrow(UnexpectedReplyError);
    expect(() => announcedPathFromPb({ ...pb, health: { ...pb.health!, effect: 0 } })).toThrow(/unknown health effect 0/);
  });

  it('round-trips peers, optional fields absent when unset', () => {
    for (const p of [ESTABLISHED_PEER, IDLE_PEER]) expect(peerFromPb(peerToPb(p))).toStrictEqual(p);
  });

  it('round-trips graceful restart, ours, theirs (F bits, N bit) and negotiated, through the wire bytes too', () => {
    for (const p of [GR_PEER, GR_NOT_OFFERED_PEER, GR_DOWN_PEER]) {
      expect(peerFromPb(Peer.decode(Peer.encode(peerToPb(p)).finish()))).toStrictEqual(p);
    }
    // A daemon from before the field: no graceful-restart claim at all.
    expect(peerFromPb({ ...peerToPb(ESTABLISHED_PEER), gracefulRestart: undefined })).not.toHaveProperty('gracefulRestart');
  });

  it('round-trips what a shutdown leaves per peer, kept or not and why', () => {
    const outcomes: PeerShutdownOutcome[] = [
      { name: 'router1', address: '198.51.100.1', kept: true, restartTime: 120 },
      { name: 'router2', address: '198.51.100.2', kept: false, reason: 'graceful restart not negotiated (the router did not offer it)' },
      { name: '198.51.100.3', address: '198.51.100.3', kept: false },
    ];
    expect(shutdownFromPb(ShutdownResponse.decode(ShutdownResponse.encode(shutdownToPb(outcomes)).finish()))).toStrictEqual(outcomes);
  });

  it('round-trips health checks with their targets, optional fields absent when unset (a lag of 0 is not unset)', () => {
    const checks: HealthCheckDetail[] = [
      {
        name: 'web',
        up: 1,
        down: 1,
        pending: 0,
        transitions: 3,
        targets: [
          { target: 'http://198.51.100.11:80/healthz', state: 'up', since: 1_795_000_000_000, paths: 2, effect: 'announced', lag: 0 },
          { target: 'http://198.51.100.12:80/healthz', state: 'down', since: 1_795_000_000_500, lastError: 'HTTP 503', lastErrorAt: 1_795_000_000_400, paths: 1, effect: 'demoted', lag: 1_500 },
          { target: 'http://198.51.100.13:80/healthz', state: 'pending', since: 1_795_000_000_600, paths: 1, effect: 'withdrawn' },
        ],
        lag: 1_500,
      },
      { name: 'dns', up: 0, down: 0, pending: 0, transitions: 0, targets: [] },
    ];
    expect(healthChecksFromPb(ListHealthChecksResponse.decode(ListHealthChecksResponse.encode(healthChecksToPb(checks)).finish()))).toStrictEqual(checks);
  });

  it("carries ListPaths' check filter; an empty one is no filter", () => {
    expect(filterFromPb(ListPathsRequest.decode(ListPathsRequest.encode(filterToPb({ check: 'web' })).finish()))).toStrictEqual({ check: 'web' });
    expect(filterFromPb(filterToPb({}))).toStrictEqual({});
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
      { type: 'rib', at: 1_795_000_003_000, added: [DOWN_PATH, PENDING_PATH], removed: [] },
      {
        type: 'health',
        at: 1_795_000_004_000,
        check: 'web',
        target: 'http://198.51.100.12:80/healthz',
        from: 'up',
        to: 'down',
        reason: 'HTTP 503',
        effect: 'withdrawn',
        paths: 3,
      },
      { type: 'health', at: 1_795_000_005_000, check: 'dns', target: '198.51.100.12:53', from: 'pending', to: 'up', reason: '', effect: 'announced', paths: 1 },
      { type: 'health', at: 1_795_000_006_000, check: 'web', target: 'http://198.51.100.13:80/healthz', from: 'up', to: 'down', reason: 'timeout', effect: 'demoted', paths: 0 },
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
    const r = {
      added: 1,
      removed: 1,
      updated: 0,
      unchanged: 7,
      size: [{ family: 'ipv4-unicast' as const, paths: 6, prefixes: 2 }, { family: 'ipv6-unicast' as const, paths: 2, prefixes: 2 }],
      reach: [
        { peer: 'router1', established: true, paths: 8, of: 8, reasons: [] },
        { peer: 'router2', established: false, paths: 2, of: 8, reasons: ['not established (Active)', 'no ADD-PATH: one path per prefix', 'does not carry ipv6-unicast'] },
      ],
      details: { added: [PATH], removed: [V6_PATH], updated: [] },
    };
    expect(replaceResultFromPb(replaceResultToPb(r), true)).toStrictEqual(r);
    // Without details: the counts alone.
    const { details: _, ...counts } = r;
    expect(replaceResultFromPb(replaceResultToPb(counts), false)).toStrictEqual(counts);
  });
});

describe('packedPieces', () => {
  // 198.51.100.0/24, 10.0.0.0/8, 0.0.0.0/0, 2001:db8::/32: 4, 2, 1 and 5 octets.
  const packed = Uint8Array.from([24, 198, 51, 100, 8, 10, 0, 32, 1, 0xdb, 8]);
  const pieces = (p: Uint8Array, max: number) => [...packedPieces(p, max)].map((x) => [...x]);

  it('cuts packed prefixes at prefix boundaries, at most `max` a piece, without copying', () => {
    expect(pieces(packed, 2)).toEqual([[24, 198, 51, 100, 8, 10], [0, 32, 1, 0xdb, 8]]);
    expect(pieces(packed, 3)).toEqual([[24, 198, 51, 100, 8, 10, 0], [32, 1, 0xdb, 8]]);
    expect(pieces(packed, 4)).toEqual([[...packed]]);
    expect(pieces(packed, 100)).toEqual([[...packed]]);
    const [first] = packedPieces(packed, 1);
    expect(first!.buffer).toBe(packed.buffer);
  });

  it('gives one empty piece for none, and leaves a prefix cut short in the last piece for validation to name', () => {
    expect(pieces(new Uint8Array(0), 2)).toEqual([[]]);
    expect(pieces(Uint8Array.from([24, 198, 51, 100, 24, 198]), 1)).toEqual([[24, 198, 51, 100], [24, 198]]);
  });
});
