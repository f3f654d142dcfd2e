// Why a connect failed, in the words of docs/troubleshooting.md, never Node's raw
// `connect ENETUNREACH 198.51.100.1:179 - Local (0.0.0.0:0)`; the code stays, for searching.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectFailure } from '../../src/session/tcp.js';

/** docs/troubleshooting.md as one line of words: a phrase may wrap there. */
const TROUBLESHOOTING = readFileSync(new URL('../../docs/troubleshooting.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');

const peer = { address: '198.51.100.1', port: 179 };
const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`connect ${code} 198.51.100.1:179 - Local (0.0.0.0:0)`), { code });

describe('connectFailure', () => {
  it.each([
    ['ECONNREFUSED', 'connection refused by 198.51.100.1:179: nothing listens there'],
    ['ENETUNREACH', 'no route to 198.51.100.1 from this host: network unreachable (ENETUNREACH)'],
    ['EHOSTUNREACH', '198.51.100.1 is unreachable: no answer on the link (ARP or neighbour discovery failed) or a route says so (EHOSTUNREACH)'],
    ['ETIMEDOUT', 'connect to 198.51.100.1:179 timed out'],
    ['EPERM', 'not permitted: a firewall rule'],
  ])('%s', (code, words) => {
    const why = connectFailure(err(code), peer);
    expect(why).toContain(words);
    expect(why).toContain(`(${code})`);
    expect(why).not.toContain('Local (0.0.0.0:0)');
    // What an operator reads in `announcer peers` is what the troubleshooting page lists.
    expect(TROUBLESHOOTING, `docs/troubleshooting.md lists: ${why}`).toContain(why);
  });

  it('names localAddress when the host lacks it', () => {
    expect(connectFailure(err('EADDRNOTAVAIL'), { ...peer, localAddress: '192.0.2.99' })).toBe('localAddress 192.0.2.99 is not an address of this host: cannot connect from it (EADDRNOTAVAIL)');
    expect(TROUBLESHOOTING).toContain('localAddress 192.0.2.99 is not an address of this host: cannot connect from it (EADDRNOTAVAIL)');
  });
});
