// TCP-MD5 and TTL security settings, and the addon that applies them (native/sockopt.c).

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectProtected, protectionFor } from '../../src/platform/socket-options.js';

describe('protectionFor', () => {
  it.each([
    [{}, null],
    [{ password: 'k' }, { password: 'k' }],
    [{ ttlSecurity: true }, { ttl: 255, minTtl: 255 }],
    [{ ttlSecurity: true, multihop: 2 }, { ttl: 255, minTtl: 254 }],
    [{ multihop: 3 }, { ttl: 3 }],
    [{ password: 'k', ttlSecurity: true }, { password: 'k', ttl: 255, minTtl: 255 }],
  ])('%j -> %j', (settings, want) => {
    expect(protectionFor(settings)).toEqual(want);
  });

  it('gives an eBGP peer TTL 1 unless it is multihop (as routers do); iBGP keeps the system default', () => {
    expect(protectionFor({}, true)).toEqual({ ttl: 1, bestEffort: true });
    expect(protectionFor({ multihop: 2 }, true)).toEqual({ ttl: 2 });
    expect(protectionFor({}, false)).toBeNull();
  });
});

describe('connectProtected', () => {
  it('connects a socket whose options were set before its SYN (loopback, no key needed there)', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const s = connectProtected({ host: '127.0.0.1', port }, { ttl: 255, minTtl: 1 });
      await new Promise<void>((resolve, reject) => {
        s.once('connect', resolve);
        s.once('error', reject);
      });
      expect(s.remotePort).toBe(port);
      s.destroy();
    } finally {
      server.close();
    }
  });

  it('refuses what the kernel refuses, naming the option', () => {
    expect(() => connectProtected({ host: '127.0.0.1', port: 1 }, { ttl: 1000 })).toThrow(/IP_TTL/);
  });
});
