// What the operator reads: tables and event lines, exactly.

import { describe, expect, it } from 'vitest';
import {
  addReport,
  checksTable,
  eventJsonLine,
  formatDuration,
  formatEvent,
  formatHealth,
  pathsTable,
  peersTable,
  replaceSummary,
  shutdownReport,
} from '../../src/cli/format.js';
import { reachLines } from '../../src/cli/format.js';
import type { AnnouncedPath, PathHealth } from '../../src/client.js';
import { ESTABLISHED_PEER, GR_DOWN_PEER, GR_NOT_OFFERED_PEER, GR_PEER, IDLE_PEER } from '../api/sample-peers.js';

const AT = Date.UTC(2026, 10, 22, 3, 10, 0, 250);

const PATH: AnnouncedPath = {
  prefix: '203.0.113.10/32',
  family: 'ipv4-unicast',
  nextHop: '198.51.100.11',
  attributes: { communities: [], largeCommunities: [], extendedCommunities: [] },
  owner: 'lb',
  owners: ['lb'],
  pathId: 1,
};

/** Paths of one prefix behind three nodes, checked by `web`: one node up, one down, one not probed yet. */
function checked(nextHop: string, pathId: number, health: PathHealth): AnnouncedPath {
  return { ...PATH, nextHop, pathId, check: 'web', health };
}
const TARGET = (nh: string): string => `http://${nh}:80/healthz`;
const UP: PathHealth = { state: 'up', effect: 'announced', target: TARGET('198.51.100.11'), since: AT - 3_600_000, lastError: 'timeout', lastErrorAt: AT - 3_700_000 };
const DOWN: PathHealth = { state: 'down', effect: 'withdrawn', target: TARGET('198.51.100.12'), since: AT - 12_000, lastError: 'HTTP 503', lastErrorAt: AT - 2_000 };
const PENDING: PathHealth = { state: 'pending', effect: 'withdrawn', target: TARGET('198.51.100.13'), since: AT - 1_000 };

describe('pathsTable', () => {
  it('without health checks: the columns it always had', () => {
    expect(pathsTable([PATH, { ...PATH, nextHop: '198.51.100.12', pathId: 2, attributes: { communities: ['65000:100'], largeCommunities: [], extendedCommunities: [], med: 5 } }], AT)).toBe(
      [
        'PREFIX           NEXT-HOP       PATH-ID  OWNERS  ATTRIBUTES',
        '203.0.113.10/32  198.51.100.11  1        lb      -',
        '203.0.113.10/32  198.51.100.12  2        lb      communities=65000:100 med=5',
        '',
      ].join('\n'),
    );
  });

  it('with checks: each path\'s check and health, why and for how long a target is down, "-" for a path without', () => {
    const paths = [
      checked('198.51.100.11', 1, UP),
      checked('198.51.100.12', 2, DOWN),
      checked('198.51.100.13', 3, PENDING),
      { ...PATH, prefix: '203.0.113.20/32', pathId: 4 },
    ];
    expect(pathsTable(paths, AT)).toBe(
      [
        'PREFIX           NEXT-HOP       PATH-ID  OWNERS  CHECK  HEALTH                ATTRIBUTES',
        '203.0.113.10/32  198.51.100.11  1        lb      web    up                    -',
        '203.0.113.10/32  198.51.100.12  2        lb      web    down (HTTP 503, 12s)  -',
        '203.0.113.10/32  198.51.100.13  3        lb      web    pending               -',
        '203.0.113.20/32  198.51.100.11  4        lb      -      -                     -',
        '',
      ].join('\n'),
    );
  });

  it('says what the peers get when it is not the usual: demoted while down, announced while pending', () => {
    const p = (health: PathHealth): AnnouncedPath => checked('198.51.100.12', 2, health);
    expect(formatHealth(p({ ...DOWN, effect: 'demoted', since: AT - 185_000, lastError: 'timeout' }), AT)).toBe('down, demoted (timeout, 3m5s)');
    expect(formatHealth(p({ ...PENDING, effect: 'announced' }), AT)).toBe('pending, announced');
    expect(formatHealth(p({ ...UP, effect: 'announced' }), AT)).toBe('up');
    // Down without a recorded error: only how long.
    const { lastError: _e, lastErrorAt: _a, ...bare } = DOWN;
    expect(formatHealth(p(bare), AT)).toBe('down (12s)');
    expect(formatHealth(PATH, AT)).toBe('-');
  });
});

describe('addReport', () => {
  it('names a path\'s check, and says when the path is not announced because of it', () => {
    expect(
      addReport([
        { ...checked('198.51.100.11', 1, { ...PENDING, target: TARGET('198.51.100.11') }), outcome: 'added' },
        { ...checked('198.51.100.12', 2, DOWN), outcome: 'added' },
        { ...checked('198.51.100.13', 3, { ...DOWN, effect: 'demoted', lastError: 'timeout' }), outcome: 'unchanged' },
        { ...checked('198.51.100.14', 4, UP), outcome: 'added' },
        // Only the check changed: no attribute did.
        { ...checked('198.51.100.15', 5, UP), outcome: 'updated', before: PATH.attributes },
        { ...PATH, pathId: 6, outcome: 'updated', before: PATH.attributes },
      ]),
    ).toBe(
      [
        'added 203.0.113.10/32 via 198.51.100.11 (path-id 1, owner lb, check web): not announced until check web passes',
        'added 203.0.113.10/32 via 198.51.100.12 (path-id 2, owner lb, check web): withdrawn: check web is down (HTTP 503)',
        'unchanged 203.0.113.10/32 via 198.51.100.13 (path-id 3, owner lb, check web): demoted: check web is down (timeout)',
        'added 203.0.113.10/32 via 198.51.100.14 (path-id 4, owner lb, check web)',
        'updated 203.0.113.10/32 via 198.51.100.15 (path-id 5, owner lb, check web): now check web, no weight',
        'updated 203.0.113.10/32 via 198.51.100.11 (path-id 6, owner lb): now no check, no weight',
        '',
      ].join('\n'),
    );
  });
});

describe('peersTable', () => {
  it('names each peer, counts prefixes and messages both ways, and says when the last error happened', () => {
    const now = ESTABLISHED_PEER.since + 90 * 60_000;
    expect(peersTable([ESTABLISHED_PEER, IDLE_PEER], now)).toBe(
      [
        'PEER         ADDRESS              ASN         STATE        SINCE  PFX-SENT  PFX-RCVD  MSG-SENT  MSG-RCVD  FAMILIES                                 LAST-ERROR',
        'router1      198.51.100.1         65001       Established  1h30m  3         0         12        10        ipv4-unicast[add-path tx], ipv6-unicast  -',
        '2001:db8::1  [2001:db8::1]:17900  4200000001  Active       1h28m  0         0         0         0         -                                        connect ECONNREFUSED 2001:db8::1:17900 (1h28m ago)',
        '',
      ].join('\n'),
    );
  });

  it('shows the BFD state beside the session state where BFD watches the link', () => {
    const out = peersTable([{ ...ESTABLISHED_PEER, bfd: { state: 'Up', flaps: 2 } }], ESTABLISHED_PEER.since);
    expect(out.split('\n')[1]).toContain('Established, BFD Up');
  });

  it('shows graceful restart in the STATE column: our restart time where negotiated, "no GR" where the router did not take it', () => {
    const state = (p: typeof GR_PEER): string => peersTable([p], p.since).split('\n')[1]!.split(/\s{2,}/)[3]!;
    expect(state(GR_PEER)).toBe('Established, GR 120s');
    expect(state({ ...GR_PEER, bfd: { state: 'Up', flaps: 0 } })).toBe('Established, BFD Up, GR 120s');
    expect(state(GR_NOT_OFFERED_PEER)).toBe('Established, no GR');
    // Not up: nothing is negotiated, nothing is claimed.
    expect(state(GR_DOWN_PEER)).toBe('Active');
    expect(state(ESTABLISHED_PEER)).toBe('Established');
  });

  it('formats durations in their two largest units', () => {
    expect([0, 45_000, 750_000, 11_100_000, 187_200_000].map(formatDuration)).toEqual(['0s', '45s', '12m30s', '3h5m', '2d4h']);
  });
});

describe('formatEvent', () => {
  it('peer state changes, with the reason when there is one', () => {
    expect(formatEvent({ type: 'peer-state', at: AT, peer: '198.51.100.1', address: '198.51.100.1', from: 'OpenConfirm', to: 'Established' })).toBe(
      '2026-11-22T03:10:00Z peer 198.51.100.1 OpenConfirm -> Established\n',
    );
    expect(formatEvent({ type: 'peer-state', at: AT, peer: '198.51.100.1', address: '198.51.100.1', from: 'Established', to: 'Idle', reason: 'Hold Timer Expired' })).toBe(
      '2026-11-22T03:10:00Z peer 198.51.100.1 Established -> Idle (Hold Timer Expired)\n',
    );
  });

  it('what a peer was sent: one line per path, withdrawals first', () => {
    expect(
      formatEvent({
        type: 'peer-paths',
        at: AT,
        peer: '198.51.100.1',
        address: '198.51.100.1',
        announced: [
          { prefix: '203.0.113.10/32', nextHop: '198.51.100.11', pathId: 1 },
          { prefix: '203.0.113.10/32', nextHop: '198.51.100.12', pathId: 2 },
        ],
        withdrawn: [{ prefix: '203.0.113.9/32', pathId: 4 }],
      }),
    ).toBe(
      [
        '2026-11-22T03:10:00Z peer 198.51.100.1 withdrew 203.0.113.9/32 (path 4)',
        '2026-11-22T03:10:00Z peer 198.51.100.1 announced 203.0.113.10/32 via 198.51.100.11 (path 1)',
        '2026-11-22T03:10:00Z peer 198.51.100.1 announced 203.0.113.10/32 via 198.51.100.12 (path 2)',
        '',
      ].join('\n'),
    );
  });

  it('changes to the desired paths, with their owners', () => {
    expect(formatEvent({ type: 'rib', at: AT, added: [{ ...PATH, owners: ['lb', 'ops'] }], removed: [{ ...PATH, prefix: '203.0.113.9/32', pathId: 3 }] })).toBe(
      [
        '2026-11-22T03:10:00Z rib removed 203.0.113.9/32 via 198.51.100.11 (path 3, owner lb)',
        '2026-11-22T03:10:00Z rib added 203.0.113.10/32 via 198.51.100.11 (path 1, owners lb,ops)',
        '',
      ].join('\n'),
    );
  });

  it('a health check target going down or up: the check, the target, why, and what its paths now get', () => {
    const health = { type: 'health', at: AT, check: 'web', target: 'http://198.51.100.12:80/healthz' } as const;
    expect(formatEvent({ ...health, from: 'up', to: 'down', reason: 'HTTP 503', effect: 'withdrawn', paths: 3 })).toBe(
      '2026-11-22T03:10:00Z health web http://198.51.100.12:80/healthz up -> down (HTTP 503): 3 paths withdrawn\n',
    );
    expect(formatEvent({ ...health, from: 'down', to: 'up', reason: '2 passes in a row', effect: 'announced', paths: 1 })).toBe(
      '2026-11-22T03:10:00Z health web http://198.51.100.12:80/healthz down -> up (2 passes in a row): 1 path announced\n',
    );
    expect(formatEvent({ ...health, from: 'pending', to: 'down', reason: '', effect: 'demoted', paths: 2 })).toBe(
      '2026-11-22T03:10:00Z health web http://198.51.100.12:80/healthz pending -> down: 2 paths demoted\n',
    );
    expect(eventJsonLine({ ...health, from: 'up', to: 'down', reason: 'HTTP 503', effect: 'withdrawn', paths: 3 })).toBe(
      '{"time":"2026-11-22T03:10:00.250Z","type":"health","at":1795317000250,"check":"web","target":"http://198.51.100.12:80/healthz","from":"up","to":"down","reason":"HTTP 503","effect":"withdrawn","paths":3}\n',
    );
  });

  it('as JSON: the event on one line, its time also in ISO 8601 to the millisecond', () => {
    const line = eventJsonLine({ type: 'peer-state', at: AT, peer: '198.51.100.1', address: '198.51.100.1', from: 'Idle', to: 'Connect' });
    expect(line).toBe('{"time":"2026-11-22T03:10:00.250Z","type":"peer-state","at":1795317000250,"peer":"198.51.100.1","address":"198.51.100.1","from":"Idle","to":"Connect"}\n');
  });
});

describe('replaceSummary', () => {
  it('counts each kind of change', () => {
    expect(replaceSummary({ added: 1, removed: 0, updated: 2, unchanged: 5 })).toBe('added 1, removed 0, updated 2, unchanged 5');
  });
});

describe('shutdownReport', () => {
  const KEPT = { name: 'router1', address: '198.51.100.1', kept: true, restartTime: 120 };
  const NOT_OFFERED = { name: 'router2', address: '198.51.100.2', kept: false, reason: 'graceful restart not negotiated (the router did not offer it)' };

  it('says per router what a restart leaves there, and how many keep the paths', () => {
    expect(shutdownReport('restart', [KEPT, NOT_OFFERED])).toBe(
      [
        'the daemon is stopping for a restart: 1 of 2 routers keep its paths until it is back',
        'router1 198.51.100.1: kept as stale for 120 s',
        'router2 198.51.100.2: withdrawn: graceful restart not negotiated (the router did not offer it)',
        '',
      ].join('\n'),
    );
    expect(shutdownReport('restart', [KEPT]).split('\n')[0]).toBe('the daemon is stopping for a restart: every router keeps its paths until it is back');
    expect(shutdownReport('restart', [NOT_OFFERED]).split('\n')[0]).toBe('the daemon is stopping for a restart, but no router keeps its paths: they are withdrawn');
  });

  it('says every path is withdrawn without --restart; a peer without a name is its address once', () => {
    expect(
      shutdownReport('withdraw', [
        { name: 'router1', address: '198.51.100.1', kept: false },
        { name: '198.51.100.3', address: '198.51.100.3', kept: false, reason: 'session not established: the router holds nothing from us' },
      ]),
    ).toBe(
      [
        'the daemon is stopping: every path is withdrawn',
        'router1 198.51.100.1: withdrawn',
        '198.51.100.3: withdrawn: session not established: the router holds nothing from us',
        '',
      ].join('\n'),
    );
  });
});

describe('checksTable', () => {
  it('one row per target: its state and for how long, the paths using it, how late its latest probe started and the last error; a check without targets says so', () => {
    const now = 1_795_000_100_000;
    expect(
      checksTable(
        [
          {
            name: 'web',
            up: 1,
            down: 1,
            pending: 1,
            transitions: 2,
            targets: [
              { target: 'http://198.51.100.11:80/healthz', state: 'up', since: now - 185_000, lastError: 'timeout', lastErrorAt: now - 600_000, paths: 2, effect: 'announced', lag: 1 },
              { target: 'http://198.51.100.12:80/healthz', state: 'down', since: now - 12_000, lastError: 'HTTP 503', lastErrorAt: now - 12_000, paths: 1, effect: 'demoted', lag: 2_340 },
              { target: 'http://198.51.100.13:80/healthz', state: 'pending', since: now - 1_000, paths: 1, effect: 'withdrawn' },
            ],
            lag: 2_340,
          },
          { name: 'dns', up: 0, down: 0, pending: 0, transitions: 0, targets: [] },
        ],
        now,
      ),
    ).toBe(
      [
        'CHECK  TARGET                           STATE                          PATHS  LAG   LAST-ERROR',
        'web    http://198.51.100.11:80/healthz  up (3m5s)                      2      1ms   timeout (10m0s ago)',
        'web    http://198.51.100.12:80/healthz  down, demoted (HTTP 503, 12s)  1      2.3s  HTTP 503 (12s ago)',
        'web    http://198.51.100.13:80/healthz  pending                        1      -     -',
        'dns    -                                -                              0      -     -',
        '',
      ].join('\n'),
    );
  });
});

describe('reachLines', () => {
  it('says per peer how many paths it gets, via what, and why fewer', () => {
    expect(
      reachLines([
        { peer: 'router1', established: true, paths: 3, of: 3, reasons: [], nextHops: ['198.51.100.11', '198.51.100.12', '198.51.100.13'] },
        { peer: 'router2', established: true, paths: 1, of: 3, reasons: ['no ADD-PATH: one path per prefix'], nextHops: ['198.51.100.11'] },
        { peer: 'router3', established: false, paths: 3, of: 3, reasons: ['not established (Active)'] },
      ]),
    ).toBe(
      [
        '  to router1: 3 of 3 paths, via 198.51.100.11, 198.51.100.12, 198.51.100.13',
        '  to router2: 1 of 3 paths, via 198.51.100.11 (no ADD-PATH: one path per prefix)',
        '  to router3: 3 of 3 paths once up (not established (Active))',
        '',
      ].join('\n'),
    );
  });

  it('says when nothing goes anywhere: no peer carries the family, or there are no peers', () => {
    const no6 = { established: true, paths: 0, of: 1, reasons: ['does not carry ipv6-unicast'] };
    expect(reachLines([{ peer: 'router1', ...no6 }, { peer: 'router2', ...no6 }])).toBe('  no peer carries ipv6-unicast: announced to nobody\n');
    expect(reachLines([])).toBe('  no peers are configured: announced to nobody\n');
  });
});
