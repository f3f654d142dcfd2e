// What the operator reads: tables and event lines, exactly.

import { describe, expect, it } from 'vitest';
import { eventJsonLine, formatDuration, formatEvent, peersTable, replaceSummary, sortPaths } from '../../src/cli/format.js';
import type { AnnouncedPath } from '../../src/client.js';
import { ESTABLISHED_PEER, IDLE_PEER } from '../api/sample-peers.js';

const AT = Date.UTC(2026, 10, 22, 3, 10, 0, 250);

const PATH: AnnouncedPath = {
  prefix: '203.0.113.10/32',
  family: 'ipv4-unicast',
  nextHop: '198.51.100.11',
  attributes: { communities: [], largeCommunities: [] },
  owner: 'lb',
  owners: ['lb'],
  pathId: 1,
};

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

describe('sortPaths', () => {
  it('orders by family, address (numerically), length and path id', () => {
    const p = (prefix: string, pathId: number) => ({ ...PATH, prefix, pathId });
    const sorted = sortPaths([p('2001:db8::1/128', 1), p('203.0.113.10/32', 7), p('10.0.0.0/16', 3), p('10.0.0.0/8', 4), p('9.0.0.0/8', 5), p('203.0.113.10/32', 2)]);
    expect(sorted.map((x) => `${x.prefix}#${x.pathId}`)).toEqual(['9.0.0.0/8#5', '10.0.0.0/8#4', '10.0.0.0/16#3', '203.0.113.10/32#2', '203.0.113.10/32#7', '2001:db8::1/128#1']);
  });
});
