// A localAddress the host does not have is no config error (it may come later: a VIP, an interface
// still coming up), but it is said at start, in the log and as the peer's lastError.

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import { TcpTransport } from '../../src/session/tcp.js';
import { Speaker } from '../../src/speaker/speaker.js';

let speaker: Speaker | undefined;

afterEach(async () => {
  await speaker?.stop();
  speaker = undefined;
});

async function started(localAddress: string): Promise<{ peers: ReturnType<Speaker['listPeers']>; warnings: { peer: string; localAddress: string; msg: string }[] }> {
  const warnings: { peer: string; localAddress: string; msg: string }[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
  const peer = { name: 'r1', address: '127.0.0.1', port: 9, localAddress, asn: 65001, passive: false, holdTime: 90, connectRetry: 60, families: ['ipv4-unicast'], addPath: 'off' } as const;
  speaker = new Speaker({ asn: 65000, routerId: '192.0.2.1', nextHop: 'self', peers: [peer] }, log);
  await speaker.start();
  return { peers: speaker.listPeers(), warnings };
}

describe('a peer localAddress', () => {
  it('not on this host: a warning at start and the lastError', async () => {
    const { peers, warnings } = await started('192.0.2.99');
    const why = 'localAddress 192.0.2.99 is not an address of this host: connecting to the peer fails until it is';
    expect(warnings.map((w) => [w.peer, w.localAddress, w.msg])).toEqual([['r1', '192.0.2.99', why]]);
    expect(peers[0]?.lastError).toBe(why);
  });

  it('on this host: nothing to say', async () => {
    const { peers, warnings } = await started('127.0.0.1');
    expect(warnings).toEqual([]);
    expect(peers[0]?.lastError).toBeUndefined();
  });

  it('not on this host: each connect that fails says which setting it is', async () => {
    const t = new TcpTransport({ address: '127.0.0.1', port: 9, localAddress: '192.0.2.99' }, false, systemClock, silentLogger);
    const why = await new Promise<string>((resolve) => t.connect({ up: (link) => (link.close(), resolve('connected')), failed: (w) => resolve(w) }));
    expect(why).toBe('localAddress 192.0.2.99 is not an address of this host: cannot connect from it (EADDRNOTAVAIL)');
  });
});
