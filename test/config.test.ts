// The YAML config: defaults filled in, every problem reported at once with the field it is about.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, type Config } from '../src/config.js';
import { errorOf, problemLines } from './config-helpers.js';

const EXAMPLE = `
asn: 65000
routerId: 198.51.100.2
nextHop: 198.51.100.2
listen: { address: 0.0.0.0, port: 179 }
api: { socket: /run/announcer/announcer.sock }
stateFile: /var/lib/announcer/state.json
logLevel: info
peers:
  - address: 198.51.100.1
    asn: 65001
    port: 179
    passive: false
    holdTime: 90
    connectRetry: 5
    localAddress: 198.51.100.2
    families: [ipv4-unicast, ipv6-unicast]
    addPath: send
    name: router1
`;

/** The smallest useful config with `peer` lines added to its one peer and `top` lines at the top. */
function minimal(peer = '', top = ''): string {
  const indent = (s: string, by: string): string =>
    s
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => by + l + '\n')
      .join('');
  return `asn: 65000\nrouterId: 198.51.100.2\n${indent(top, '')}peers:\n  - address: 198.51.100.1\n    asn: 65001\n${indent(peer, '    ')}`;
}

describe('parseConfig: valid configs', () => {
  it('parses the documented example to the defaulted object', () => {
    const expected: Config = {
      asn: 65000,
      routerId: '198.51.100.2',
      nextHop: '198.51.100.2',
      listen: { address: '0.0.0.0', port: 179 },
      api: { kind: 'unix', socket: '/run/announcer/announcer.sock', socketMode: 0o660 },
      stateFile: '/var/lib/announcer/state.json',
      logLevel: 'info',
      logFormat: 'auto',
      gracefulRestart: { onSigterm: 'withdraw' },
      bfd: { socket: '/run/announcer/announcer-bfd.sock', spawn: true },
      peers: [
        {
          name: 'router1',
          address: '198.51.100.1',
          asn: 65001,
          port: 179,
          passive: false,
          holdTime: 90,
          connectRetry: 5,
          localAddress: '198.51.100.2',
          families: ['ipv4-unicast', 'ipv6-unicast'],
          addPath: 'send',
        },
      ],
    };
    expect(parseConfig(EXAMPLE)).toStrictEqual(expected);
  });

  it('fills every default into a minimal config', () => {
    const config = parseConfig(minimal());
    expect(config).toStrictEqual({
      asn: 65000,
      routerId: '198.51.100.2',
      nextHop: 'self',
      api: { kind: 'unix', socket: '/run/announcer/announcer.sock', socketMode: 0o660 },
      logLevel: 'info',
      logFormat: 'auto',
      gracefulRestart: { onSigterm: 'withdraw' },
      bfd: { socket: '/run/announcer/announcer-bfd.sock', spawn: true },
      peers: [
        {
          name: '198.51.100.1',
          address: '198.51.100.1',
          asn: 65001,
          port: 179,
          passive: false,
          holdTime: 90,
          connectRetry: 5,
          families: ['ipv4-unicast', 'ipv6-unicast'],
          addPath: 'off',
        },
      ],
    });
    expect(config.listen).toBeUndefined();
    expect(config.stateFile).toBeUndefined();
  });

  it('accepts a speaker with no peers yet, as an empty list or an emptied-out key', () => {
    expect(parseConfig('asn: 65000\nrouterId: 192.0.2.1\npeers: []\n').peers).toEqual([]);
    expect(parseConfig('asn: 65000\nrouterId: 192.0.2.1\npeers:\n  # - address: 192.0.2.2\n').peers).toEqual([]);
  });

  it('takes allowPrefixes as canonical prefix text; omitted, there is none', () => {
    expect(parseConfig(minimal('', 'allowPrefixes: [203.0.113.0/24, "2001:DB8:200:0::/64", 198.51.100.7]')).allowPrefixes).toEqual(['203.0.113.0/24', '2001:db8:200::/64', '198.51.100.7/32']);
    expect(parseConfig(minimal()).allowPrefixes).toBeUndefined();
  });

  it('takes a passive peer when something listens', () => {
    expect(parseConfig(minimal('passive: true', 'listen: { port: 179 }')).peers[0]?.passive).toBe(true);
  });

  it('accepts the edges of every range and a TCP API address', () => {
    const config = parseConfig(
      minimal(
        'port: 65535\nholdTime: 3\nconnectRetry: 65535\nfamilies: [ipv6-unicast]\naddPath: both\npassive: true',
        'asn: 4294967295\napi: { address: "[::1]:50051" }\nlisten: {}\nlogLevel: trace',
      ).replace('asn: 65000\n', ''),
    );
    expect(config.asn).toBe(4294967295);
    expect(config.api).toEqual({ kind: 'tcp', address: '[::1]:50051', host: '::1', port: 50051, insecure: false });
    expect(config.listen).toEqual({ address: '0.0.0.0', port: 179 });
    expect(config.logLevel).toBe('trace');
    expect(config.peers[0]).toMatchObject({ port: 65535, holdTime: 3, connectRetry: 65535, passive: true });
    expect(config.peers[0]?.families).toEqual(['ipv6-unicast']);
    expect(parseConfig(minimal('holdTime: 0')).peers[0]?.holdTime).toBe(0);
    // RFC 4724: off unless asked; a peer's own setting wins over the top-level default.
    expect(parseConfig(minimal('holdTime: 90')).peers[0]?.gracefulRestart).toBeUndefined();
    expect(parseConfig(minimal('gracefulRestart: true')).peers[0]?.gracefulRestart).toEqual({ restartTime: 120 });
    expect(parseConfig(minimal('gracefulRestart: { restartTime: 30 }')).peers[0]?.gracefulRestart).toEqual({ restartTime: 30 });
    const top = parseConfig(`gracefulRestart: { restartTime: 60, onSigterm: restart }\n${minimal('gracefulRestart: { enabled: false }')}`);
    expect(top.peers[0]?.gracefulRestart).toBeUndefined();
    expect(top.gracefulRestart).toEqual({ onSigterm: 'restart' });
    expect(parseConfig(`gracefulRestart: { restartTime: 60 }\n${minimal('holdTime: 90')}`).peers[0]?.gracefulRestart).toEqual({ restartTime: 60 });
    // BFD: off unless asked; true means 300 ms x 3.
    expect(parseConfig(minimal('holdTime: 90')).peers[0]?.bfd).toBeUndefined();
    expect(parseConfig(minimal('bfd: true')).peers[0]?.bfd).toEqual({ minRx: 300, minTx: 300, multiplier: 3 });
    expect(parseConfig(minimal('bfd: false')).peers[0]?.bfd).toBeUndefined();
    expect(parseConfig(minimal('bfd: { minRx: 100, minTx: 100 }')).peers[0]?.bfd).toEqual({ minRx: 100, minTx: 100, multiplier: 3 });
    // The BFD process: its socket beside the API's unless named, started by the daemon unless told not to.
    expect(parseConfig(minimal('', 'api: { socket: /run/n1/api.sock }')).bfd).toEqual({ socket: '/run/n1/api-bfd.sock', spawn: true });
    expect(parseConfig(minimal('', 'api: { address: "127.0.0.1:50051" }')).bfd).toEqual({ socket: '/run/announcer/bfd.sock', spawn: true });
    expect(parseConfig(minimal('', 'bfd: { socket: /run/b.sock, spawn: false }')).bfd).toEqual({ socket: '/run/b.sock', spawn: false });
    // RFC 9687: omitted means the default (8 minutes or twice the hold time), 0 turns it off.
    expect(parseConfig(minimal('holdTime: 90')).peers[0]?.sendHoldTime).toBeUndefined();
    expect(parseConfig(minimal('sendHoldTime: 0')).peers[0]?.sendHoldTime).toBe(0);
    expect(parseConfig(minimal('sendHoldTime: 600')).peers[0]?.sendHoldTime).toBe(600);
    expect(parseConfig(minimal('', 'api: { address: 127.0.0.1:50051 }')).api).toEqual({
      kind: 'tcp',
      address: '127.0.0.1:50051',
      host: '127.0.0.1',
      port: 50051,
      insecure: false,
    });
  });

  it('writes IPv6 addresses in canonical form so they match socket addresses', () => {
    const config = parseConfig(
      'asn: 65000\nrouterId: 192.0.2.1\nnextHop: 2001:DB8:0:0::A\npeers:\n' +
        '  - { address: 2001:0db8::0001, asn: 65001, localAddress: "2001:db8::2" }\n',
    );
    expect(config.nextHop).toBe('2001:db8::a');
    expect(config.peers[0]).toMatchObject({ address: '2001:db8::1', name: '2001:db8::1', localAddress: '2001:db8::2' });
  });

  it('reads the socket mode as octal however it is written', () => {
    const mode = (v: string): number | undefined => {
      const api = parseConfig(minimal('', `api: { socket: /tmp/a.sock, socketMode: ${v} }`)).api;
      return api.kind === 'unix' ? api.socketMode : undefined;
    };
    expect(mode('"0660"')).toBe(0o660);
    // YAML 1.2 would read an unquoted 0660 as decimal 660; it is octal, as written.
    expect(mode('0660')).toBe(0o660);
    expect(mode('0600')).toBe(0o600);
    expect(mode('0o640')).toBe(0o640);
    expect(mode('"770"')).toBe(0o770);
    expect(mode('432')).toBe(0o660);
    expect(parseConfig(minimal('', 'api: { socket: /tmp/a.sock }')).api).toEqual({ kind: 'unix', socket: '/tmp/a.sock', socketMode: 0o660 });
    // Neither socket nor address: the default socket (here with its own mode).
    expect(parseConfig(minimal('', 'api: { socketMode: "0600" }')).api).toEqual({ kind: 'unix', socket: '/run/announcer/announcer.sock', socketMode: 0o600 });
    expect(parseConfig(minimal('', 'api: {}')).api).toEqual({ kind: 'unix', socket: '/run/announcer/announcer.sock', socketMode: 0o660 });
  });

  it('accepts plain TCP on every loopback form, and elsewhere with TLS or an explicit insecure', () => {
    for (const address of ['127.0.0.1:50051', '127.1.2.3:50051', '"[::1]:50051"', 'localhost:50051']) {
      expect(parseConfig(minimal('', `api: { address: ${address} }`)).api).toMatchObject({ kind: 'tcp', insecure: false });
      expect(parseConfig(minimal('', `api: { address: ${address} }`)).api).not.toHaveProperty('tls');
    }
    expect(parseConfig(minimal('', 'api: { address: 0.0.0.0:50051, tls: { cert: /etc/a/api.crt, key: /etc/a/api.key, clientCa: /etc/a/ca.crt } }')).api).toStrictEqual({
      kind: 'tcp',
      address: '0.0.0.0:50051',
      host: '0.0.0.0',
      port: 50051,
      tls: { cert: '/etc/a/api.crt', key: '/etc/a/api.key', clientCa: '/etc/a/ca.crt' },
      insecure: false,
    });
    expect(parseConfig(minimal('', 'api: { address: 198.51.100.2:50051, tls: { cert: a.crt, key: a.key } }')).api).toMatchObject({ tls: { cert: 'a.crt', key: 'a.key' } });
    expect(parseConfig(minimal('', 'api: { address: "[2001:db8::2]:50051", insecure: true }')).api).toStrictEqual({
      kind: 'tcp',
      address: '[2001:db8::2]:50051',
      host: '2001:db8::2',
      port: 50051,
      insecure: true,
    });
  });

  it('reads the metrics endpoint, defaulting its address', () => {
    expect(parseConfig(minimal('', 'metrics: { address: "127.0.0.1:9179" }')).metrics).toEqual({ address: '127.0.0.1:9179', host: '127.0.0.1', port: 9179 });
    expect(parseConfig(minimal('', 'metrics: { address: "[::]:9100" }')).metrics).toEqual({ address: '[::]:9100', host: '::', port: 9100 });
    expect(parseConfig(minimal('', 'metrics: {}')).metrics).toEqual({ address: '127.0.0.1:9179', host: '127.0.0.1', port: 9179 });
    expect(parseConfig(minimal()).metrics).toBeUndefined();
  });

  it("reads a peer's shutdown message: its own text, or false for a bare Cease", () => {
    expect(parseConfig(minimal('shutdownMessage: "node drained"')).peers[0]!.shutdownMessage).toBe('node drained');
    expect(parseConfig(minimal('shutdownMessage: false')).peers[0]!.shutdownMessage).toBe(false);
    expect(parseConfig(minimal()).peers[0]!.shutdownMessage).toBeUndefined();
  });

  it('returns a frozen config', () => {
    const config = parseConfig(minimal());
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.peers[0]?.families)).toBe(true);
  });
});

describe('parseConfig: each problem names its field', () => {
  const cases: { name: string; text: string; path: string; message: string }[] = [
    { name: 'asn not a number', text: minimal('', 'asn: abc').replace('asn: 65000\n', ''), path: 'asn', message: 'expected an AS number (1..4294967295), got "abc"' },
    { name: 'asn 0', text: 'asn: 0\nrouterId: 192.0.2.1\n', path: 'asn', message: 'expected an AS number (1..4294967295), got 0' },
    { name: 'asn too large', text: 'asn: 4294967296\nrouterId: 192.0.2.1\n', path: 'asn', message: 'got 4294967296' },
    { name: 'asn not an integer', text: 'asn: 65000.5\nrouterId: 192.0.2.1\n', path: 'asn', message: 'got 65000.5' },
    { name: 'peer asn not a number', text: minimal().replace('asn: 65001', 'asn: "abc"'), path: 'peers[0].asn', message: 'expected an AS number (1..4294967295), got "abc"' },
    { name: 'asn missing', text: 'routerId: 192.0.2.1\n', path: 'asn', message: 'missing: expected an AS number' },
    { name: 'routerId IPv6', text: 'asn: 1\nrouterId: 2001:db8::1\n', path: 'routerId', message: 'expected a non-zero IPv4 address, got "2001:db8::1"' },
    { name: 'routerId 0.0.0.0', text: 'asn: 1\nrouterId: 0.0.0.0\n', path: 'routerId', message: 'got "0.0.0.0"' },
    { name: 'routerId a number', text: 'asn: 1\nrouterId: 12345\n', path: 'routerId', message: 'got 12345' },
    { name: 'hold time 1', text: minimal('holdTime: 1'), path: 'peers[0].holdTime', message: 'expected a hold time of 0 or 3..65535 seconds, got 1' },
    { name: 'hold time 2', text: minimal('holdTime: 2'), path: 'peers[0].holdTime', message: 'got 2' },
    { name: 'hold time too large', text: minimal('holdTime: 65536'), path: 'peers[0].holdTime', message: 'got 65536' },
    { name: 'send hold time 2', text: minimal('sendHoldTime: 2'), path: 'peers[0].sendHoldTime', message: 'got 2' },
    { name: 'BFD interval 5 ms', text: minimal('bfd: { minRx: 5 }'), path: 'peers[0].bfd.minRx', message: '10..60000 milliseconds' },
    { name: 'password and passwordFile', text: minimal('password: a\npasswordFile: /k'), path: 'peers[0].passwordFile', message: 'keep one' },
    { name: 'a long password', text: minimal(`password: ${'x'.repeat(81)}`), path: 'peers[0].password', message: '1..80 characters' },
    { name: 'multihop 0', text: minimal('multihop: 0'), path: 'peers[0].multihop', message: 'hop count of 1..255' },
    { name: 'defaults: prepend 11', text: minimal('defaults: { prepend: 11 }'), path: 'peers[0].defaults.prepend', message: '11 is not an integer in 0..10' },
    { name: 'defaults: a bad community', text: minimal('defaults: { communities: ["65000:1", "70000:1"] }'), path: 'peers[0].defaults.communities[1]', message: '"70000:1" is not a community' },
    { name: 'defaults: an unknown attribute', text: minimal('defaults: { colour: red }'), path: 'peers[0].defaults.colour', message: 'unknown field' },
    { name: 'shutdown message true', text: minimal('shutdownMessage: true'), path: 'peers[0].shutdownMessage', message: 'or false for none' },
    { name: 'a shutdown message of 256 octets', text: minimal(`shutdownMessage: "${'\u00e9'.repeat(128)}"`), path: 'peers[0].shutdownMessage', message: 'at most 255 octets' },
    { name: 'BFD multiplier 0', text: minimal('bfd: { multiplier: 0 }'), path: 'peers[0].bfd.multiplier', message: 'multiplier of 1..255' },
    { name: 'BFD process socket too long', text: minimal('', `bfd: { socket: /${'x'.repeat(107)} }`), path: 'bfd.socket', message: 'at most 107 octets' },
    { name: 'BFD process spawn not a boolean', text: minimal('', 'bfd: { spawn: yes please }'), path: 'bfd.spawn', message: 'a service manager runs it' },
    { name: 'BFD process unknown key', text: minimal('', 'bfd: { minRx: 100 }'), path: 'bfd.minRx', message: 'unknown field' },
    { name: 'restart time 0', text: minimal('gracefulRestart: { restartTime: 0 }'), path: 'peers[0].gracefulRestart.restartTime', message: 'restart time' },
    { name: 'restart time too large', text: minimal('gracefulRestart: { restartTime: 4096 }'), path: 'peers[0].gracefulRestart.restartTime', message: 'restart time' },
    { name: 'peer port 0', text: minimal('port: 0'), path: 'peers[0].port', message: 'expected a port number (1..65535), got 0' },
    { name: 'peer port 65536', text: minimal('port: 65536'), path: 'peers[0].port', message: 'got 65536' },
    { name: 'listen port text', text: minimal('', 'listen: { port: http }'), path: 'listen.port', message: 'got "http"' },
    { name: 'connectRetry 0', text: minimal('connectRetry: 0'), path: 'peers[0].connectRetry', message: 'got 0' },
    { name: 'passive yes (YAML 1.2 string)', text: minimal('passive: yes'), path: 'peers[0].passive', message: 'expected true or false, got "yes"' },
    { name: 'unknown addPath value', text: minimal('addPath: sned'), path: 'peers[0].addPath', message: 'expected off, send, receive or both, got "sned" (did you mean send?)' },
    { name: 'unknown family', text: minimal('families: [ipv4-unicast, ipv4-multicast]'), path: 'peers[0].families[1]', message: 'expected ipv4-unicast or ipv6-unicast, got "ipv4-multicast"' },
    { name: 'family shorthand', text: minimal('families: [ipv4]'), path: 'peers[0].families[0]', message: '(did you mean ipv4-unicast?)' },
    { name: 'duplicate family', text: minimal('families: [ipv6-unicast, ipv4-unicast, ipv6-unicast]'), path: 'peers[0].families[2]', message: 'duplicate family ipv6-unicast' },
    { name: 'no family', text: minimal('families: []'), path: 'peers[0].families', message: 'expected at least one address family' },
    { name: 'families not a list', text: minimal('families: ipv4-unicast'), path: 'peers[0].families', message: 'got "ipv4-unicast"' },
    {
      name: 'duplicate peer',
      text: minimal() + '  - address: 198.51.100.3\n    asn: 65003\n  - address: 198.51.100.1\n    asn: 65002\n',
      path: 'peers[2].address',
      message: 'duplicate peer 198.51.100.1',
    },
    {
      name: 'duplicate peer, IPv6 written two ways',
      text: 'asn: 1\nrouterId: 192.0.2.1\npeers:\n  - { address: "2001:db8::1", asn: 2 }\n  - { address: "2001:DB8:0::1", asn: 3 }\n',
      path: 'peers[1].address',
      message: 'duplicate peer 2001:db8::1',
    },
    {
      name: 'duplicate peer name',
      text: minimal('name: r1') + '  - { address: 198.51.100.3, asn: 65003, name: r1 }\n',
      path: 'peers[1].name',
      message: 'duplicate peer name r1',
    },
    { name: 'peer address not an address', text: minimal().replace('address: 198.51.100.1', 'address: router1'), path: 'peers[0].address', message: 'expected an IPv4 or IPv6 address, got "router1"' },
    { name: 'peer not a mapping', text: 'asn: 1\nrouterId: 192.0.2.1\npeers:\n  - 198.51.100.1\n', path: 'peers[0]', message: 'got "198.51.100.1"' },
    { name: 'unknown peer key with did-you-mean', text: minimal('holdtime: 90'), path: 'peers[0].holdtime', message: 'unknown field (did you mean holdTime?)' },
    { name: 'unknown top-level key with did-you-mean', text: minimal('', 'router_id: 1.2.3.4'), path: 'router_id', message: 'unknown field (did you mean routerId?)' },
    { name: 'unknown key with no near miss', text: minimal('', 'colour: blue'), path: 'colour', message: 'unknown field' },
    { name: 'unknown api key', text: minimal('', 'api: { sockt: /tmp/a.sock }'), path: 'api.sockt', message: 'unknown field (did you mean socket?)' },
    { name: 'localAddress of the other family', text: minimal('localAddress: 2001:db8::2'), path: 'peers[0].localAddress', message: 'expected an IPv4 address like the peer address 198.51.100.1, got "2001:db8::2"' },
    { name: 'api with both socket and address', text: minimal('', 'api: { socket: /tmp/a.sock, address: 127.0.0.1:50051 }'), path: 'api', message: 'give either socket or address, not both' },
    { name: 'api address without port', text: minimal('', 'api: { address: 127.0.0.1 }'), path: 'api.address', message: 'expected host:port with a port 1..65535 (IPv6 as "[::1]:50051"), got "127.0.0.1"' },
    { name: 'api address with bare IPv6', text: minimal('', 'api: { address: "::1:50051" }'), path: 'api.address', message: 'got "::1:50051"' },
    { name: 'api address port too large', text: minimal('', 'api: { address: "localhost:70000" }'), path: 'api.address', message: 'got "localhost:70000"' },
    { name: 'socketMode not octal', text: minimal('', 'api: { socket: /tmp/a.sock, socketMode: "0999" }'), path: 'api.socketMode', message: 'expected a file mode in octal, like "0660" (at most 0777), got "0999"' },
    { name: 'socketMode with special bits', text: minimal('', 'api: { socket: /tmp/a.sock, socketMode: "4755" }'), path: 'api.socketMode', message: 'got "4755"' },
    { name: 'socketMode as decimal 660', text: minimal('', 'api: { socket: /tmp/a.sock, socketMode: 660 }'), path: 'api.socketMode', message: 'got 660' },
    { name: 'socketMode a list', text: minimal('', 'api: { socket: /tmp/a.sock, socketMode: [6, 6, 0] }'), path: 'api.socketMode', message: 'expected a file mode in octal, like "0660" (at most 0777), got a list' },
    { name: 'socketMode for TCP', text: minimal('', 'api: { address: 127.0.0.1:50051, socketMode: "0660" }'), path: 'api.socketMode', message: 'applies to a unix socket only' },
    { name: 'tls on a socket', text: minimal('', 'api: { socket: /tmp/a.sock, tls: { cert: a, key: b } }'), path: 'api.tls', message: 'applies to a TCP address only' },
    { name: 'insecure on a socket', text: minimal('', 'api: { insecure: true }'), path: 'api.insecure', message: 'applies to a TCP address only' },
    {
      name: 'non-loopback TCP without TLS',
      text: minimal('', 'api: { address: 0.0.0.0:50051 }'),
      path: 'api.address',
      message: '0.0.0.0:50051 is not a loopback address, and anyone who reaches the API controls what is announced: give api.tls {cert, key, clientCa} (mutual TLS), or set api.insecure: true',
    },
    { name: 'non-loopback IPv6 TCP without TLS', text: minimal('', 'api: { address: "[2001:db8::2]:50051" }'), path: 'api.address', message: '[2001:db8::2]:50051 is not a loopback address' },
    { name: 'a host name that is not localhost, without TLS', text: minimal('', 'api: { address: "api.example.com:50051" }'), path: 'api.address', message: 'is not a loopback address' },
    { name: 'insecure false is no exemption', text: minimal('', 'api: { address: 0.0.0.0:50051, insecure: false }'), path: 'api.address', message: 'is not a loopback address' },
    { name: 'insecure not a boolean', text: minimal('', 'api: { address: 0.0.0.0:50051, insecure: yes }'), path: 'api.insecure', message: 'expected true or false, got "yes"' },
    { name: 'tls and insecure together', text: minimal('', 'api: { address: 0.0.0.0:50051, insecure: true, tls: { cert: a, key: b } }'), path: 'api.insecure', message: 'give either tls or insecure: true, not both' },
    { name: 'tls without key', text: minimal('', 'api: { address: 0.0.0.0:50051, tls: { cert: a.crt } }'), path: 'api.tls.key', message: 'missing: expected a private key file (PEM)' },
    { name: 'tls with an empty cert', text: minimal('', 'api: { address: 0.0.0.0:50051, tls: { cert: "", key: a.key } }'), path: 'api.tls.cert', message: 'expected a certificate file (PEM), got ""' },
    { name: 'tls misspelt clientCa', text: minimal('', 'api: { address: 0.0.0.0:50051, tls: { cert: a, key: b, clientCA: c } }'), path: 'api.tls.clientCA', message: 'unknown field (did you mean clientCa?)' },
    { name: 'tls not a mapping', text: minimal('', 'api: { address: 0.0.0.0:50051, tls: true }'), path: 'api.tls', message: 'expected a mapping with cert, key and optionally clientCa, got true' },
    { name: 'metrics address without port', text: minimal('', 'metrics: { address: 127.0.0.1 }'), path: 'metrics.address', message: 'expected host:port with a port 1..65535 (IPv6 as "[::1]:50051"), got "127.0.0.1"' },
    { name: 'metrics port 0', text: minimal('', 'metrics: { address: "127.0.0.1:0" }'), path: 'metrics.address', message: 'got "127.0.0.1:0"' },
    { name: 'metrics not a mapping', text: minimal('', 'metrics: 127.0.0.1:9179'), path: 'metrics', message: 'expected a mapping with address (host:port), got "127.0.0.1:9179"' },
    { name: 'unknown metrics key', text: minimal('', 'metrics: { adress: "127.0.0.1:9179" }'), path: 'metrics.adress', message: 'unknown field (did you mean address?)' },
    { name: 'nextHop neither address nor self', text: minimal('', 'nextHop: me'), path: 'nextHop', message: 'expected an IPv4 or IPv6 address, or "self", got "me"' },
    { name: 'nextHop 0.0.0.0', text: minimal('', 'nextHop: 0.0.0.0'), path: 'nextHop', message: '0.0.0.0 is the unspecified address, which no router forwards to: give the address of a node that serves the prefix, or "self"' },
    { name: 'nextHop loopback', text: minimal('', 'nextHop: "::1"'), path: 'nextHop', message: '::1 is the loopback address' },
    { name: 'nextHop IPv6 link-local', text: minimal('', 'nextHop: fe80::1'), path: 'nextHop', message: 'fe80::1 is a link-local address, which a router takes only beside a global one (RFC 2545)' },
    { name: 'allowPrefixes not a prefix', text: minimal('', 'allowPrefixes: [203.0.113.0/24, pool-a]'), path: 'allowPrefixes[1]', message: 'expected a prefix like 203.0.113.0/24 or "2001:db8:200::/64", got "pool-a"' },
    { name: 'allowPrefixes with host bits', text: minimal('', 'allowPrefixes: [203.0.113.5/24]'), path: 'allowPrefixes[0]', message: '203.0.113.5/24 has host bits set: did you mean 203.0.113.0/24?' },
    { name: 'allowPrefixes empty', text: minimal('', 'allowPrefixes: []'), path: 'allowPrefixes', message: 'expected at least one prefix (omit allowPrefixes to allow any prefix but the special ones)' },
    { name: 'allowPrefixes not a list', text: minimal('', 'allowPrefixes: 203.0.113.0/24'), path: 'allowPrefixes', message: 'expected a list of prefixes, like [203.0.113.0/24, "2001:db8:200::/64"], got "203.0.113.0/24"' },
    { name: 'passive without listen', text: minimal('passive: true'), path: 'peers[0].passive', message: 'true waits for the router to connect, but nothing listens: add listen: { address: 0.0.0.0, port: 179 } at the top, or set passive: false' },
    { name: 'no peers key', text: 'asn: 65000\nrouterId: 192.0.2.1\n', path: 'peers', message: 'missing: expected a list of peers, the routers to announce to (peers: [] for none yet)' },
    { name: 'a misspelt peers key', text: 'asn: 65000\nrouterId: 192.0.2.1\npeer:\n  - { address: 192.0.2.2, asn: 65001 }\n', path: 'peers', message: 'missing: expected a list of peers' },
    { name: 'a long value, quoted short', text: minimal('', `logLevel: ${'x'.repeat(500)}`), path: 'logLevel', message: `got "${'x'.repeat(60)}"...` },
    { name: 'unknown logLevel', text: minimal('', 'logLevel: verbose'), path: 'logLevel', message: 'expected fatal, error, warn, info, debug or trace, got "verbose"' },
    { name: 'empty stateFile', text: minimal('', 'stateFile: ""'), path: 'stateFile', message: 'expected a file path, got ""' },
    { name: 'peers not a list', text: 'asn: 1\nrouterId: 192.0.2.1\npeers: 198.51.100.1\n', path: 'peers', message: 'expected a list of peers' },
    { name: 'empty file', text: '', path: '(top level)', message: 'expected a mapping with asn, routerId and peers, got nothing' },
    { name: 'YAML syntax error', text: 'asn: 65000\nrouterId: 198.51.100.2\npeers:\n  - address: 198.51.100.1\n   asn: 65001\n', path: 'line 5, column 1', message: 'Sequence item' },
    { name: 'YAML duplicate key', text: 'asn: 65000\nrouterId: 198.51.100.2\nasn: 65001\n', path: 'line 3, column 1', message: 'duplicate key' },
    { name: 'YAML unquoted [IPv6]:port', text: minimal('', 'api: { address: [::1]:50051 }'), path: 'line 3, column', message: 'quote an IPv6 host:port' },
  ];

  it.each(cases)('$name -> $path', ({ text, path, message }) => {
    const lines = problemLines(text);
    const line = lines.find((l) => l.startsWith(`${path}: `) || (path.startsWith('line') && l.startsWith(path)));
    expect(line, `no "${path}: ..." line in:\n${lines.join('\n')}`).toBeDefined();
    expect(line).toContain(message);
  });

  it('names the file and counts the problems in the first line', () => {
    const err = errorOf(minimal('holdTime: 1'), '/etc/announcer.yaml');
    expect(err.message).toBe('/etc/announcer.yaml: 1 problem\npeers[0].holdTime: expected a hold time of 0 or 3..65535 seconds, got 1');
    expect(err.source).toBe('/etc/announcer.yaml');
    expect(err.problems).toEqual([
      { path: 'peers[0].holdTime', message: 'expected a hold time of 0 or 3..65535 seconds, got 1', line: 6 },
    ]);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
  });

  it('reports several problems together, in the order they appear in the file', () => {
    const text = `asn: abc
routerId: 198.51.100.2
logLevel: loud
peers:
  - address: 198.51.100.1
    asn: 65001
    holdtime: 90
  - address: 198.51.100.9
    asn: abc
    addPath: sometimes
    port: 0
`;
    expect(errorOf(text, '/etc/announcer.yaml').message).toBe(
      [
        '/etc/announcer.yaml: 6 problems',
        'asn: expected an AS number (1..4294967295), got "abc"',
        'logLevel: expected fatal, error, warn, info, debug or trace, got "loud"',
        'peers[0].holdtime: unknown field (did you mean holdTime?)',
        'peers[1].asn: expected an AS number (1..4294967295), got "abc"',
        'peers[1].addPath: expected off, send, receive or both, got "sometimes"',
        'peers[1].port: expected a port number (1..65535), got 0',
      ].join('\n'),
    );
  });

  it('reports every missing required field', () => {
    expect(problemLines('peers:\n  - {}\n')).toEqual([
      'asn: missing: expected an AS number (1..4294967295)',
      'routerId: missing: expected a non-zero IPv4 address',
      'peers[0].address: missing: expected an IPv4 or IPv6 address',
      'peers[0].asn: missing: expected an AS number (1..4294967295)',
    ]);
  });
});

describe('loadConfig', () => {
  it('says plainly that a missing file is missing', async () => {
    const path = join(tmpdir(), 'announcer-no-such-dir', 'announcer.yaml');
    await expect(loadConfig(path)).rejects.toBeInstanceOf(ConfigError);
    await expect(loadConfig(path)).rejects.toThrow(`${path}: file not found`);
  });

  it('reads a file, and names it in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'announcer-config-'));
    try {
      const good = join(dir, 'announcer.yaml');
      await writeFile(good, EXAMPLE);
      const config = await loadConfig(good);
      expect(config.peers[0]?.name).toBe('router1');
      expect(config.peers[0]?.addPath).toBe('send');

      const bad = join(dir, 'bad.yaml');
      await writeFile(bad, 'asn: 65000\nrouterId: 198.51.100.2\npeers:\n  - { address: 198.51.100.1, asn: 0 }\n');
      await expect(loadConfig(bad)).rejects.toThrow(`${bad}: 1 problem\npeers[0].asn: expected an AS number (1..4294967295), got 0`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a TCP-MD5 key from passwordFile, and names the field when it cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'announcer-config-'));
    try {
      const keyFile = join(dir, 'bgp.key');
      await writeFile(keyFile, 's3cret\n');
      const file = join(dir, 'announcer.yaml');
      await writeFile(file, minimal(`passwordFile: ${keyFile}\nttlSecurity: true`));
      const config = await loadConfig(file);
      expect(config.peers[0]).toMatchObject({ password: 's3cret', passwordFile: keyFile, ttlSecurity: true });
      await writeFile(file, minimal(`passwordFile: ${join(dir, 'missing.key')}`));
      await expect(loadConfig(file)).rejects.toThrow(`peers[0].passwordFile: ${join(dir, 'missing.key')}: file not found`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says in one line that a binary file is no config, quoting none of it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'announcer-config-'));
    try {
      const file = join(dir, 'announcer.yaml');
      // An ELF header, then a line of text: what `--config /usr/bin/announcer` would read.
      await writeFile(file, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]), Buffer.alloc(4000, 0x41)]));
      await expect(loadConfig(file)).rejects.toMatchObject({ message: `${file}: not a YAML config: binary data on line 1 (a config is UTF-8 text)` });
      await writeFile(file, 'asn: 65000\nrouterId: 192.0.2.1\npeers: []\n\u0000\u0001');
      await expect(loadConfig(file)).rejects.toMatchObject({ message: `${file}: not a YAML config: binary data on line 4 (a config is UTF-8 text)` });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a directory', async () => {
    await expect(loadConfig(tmpdir())).rejects.toThrow(`${tmpdir()}: is a directory, not a config file`);
  });
});

describe('environment variables: ${VAR} and ${VAR:-default}', () => {
  const env = { NODE_IP: '198.51.100.7', ASN: '65010', EMPTY: '', MODE: '0640' };

  it('substitutes values, with defaults for unset (or empty) variables', () => {
    const config = parseConfig(
      'asn: ${ASN}\nrouterId: ${NODE_IP}\nnextHop: "${NEXT_HOP:-self}"\n' +
        'api:\n  socket: "${RUNTIME:-/run/announcer}/announcer.sock"\n  socketMode: ${MODE}\n' +
        'peers:\n  - address: ${ROUTER:-198.51.100.1}\n    asn: ${PEER_ASN:-65001}\n    name: "r-${EMPTY:-one}"\n',
      'config',
      env,
    );
    expect(config).toMatchObject({ asn: 65010, routerId: '198.51.100.7', nextHop: 'self' });
    expect(config.api).toEqual({ kind: 'unix', socket: '/run/announcer/announcer.sock', socketMode: 0o640 });
    expect(config.peers[0]).toMatchObject({ address: '198.51.100.1', asn: 65001, name: 'r-one' });
  });

  it('a quoted value stays text; a plain one is read as YAML reads it (asn: ${ASN} is a number)', () => {
    expect(() => parseConfig(minimal('', 'logLevel: ${LEVEL}').replace('asn: 65000', 'asn: "${ASN}"'), 'config', { ...env, LEVEL: 'debug' })).toThrow(
      'asn: expected an AS number (1..4294967295), got "65010"',
    );
  });

  it('an unset variable without a default is an error naming it, the field and the line', () => {
    const e = (() => {
      try {
        parseConfig(minimal('localAddress: ${LOCAL}').replace('routerId: 198.51.100.2', 'routerId: ${NODE_IPS}'), 'announcer.yaml', env);
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('accepted');
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toBe(
      'announcer.yaml: 2 problems\n' +
        'routerId: environment variable NODE_IPS is not set (line 2; or give a default: ${NODE_IPS:-value})\n' +
        'peers[0].localAddress: environment variable LOCAL is not set (line 6; or give a default: ${LOCAL:-value})',
    );
    expect(e.problems.map((p) => p.line)).toEqual([2, 6]);
  });

  it('$${ is a literal ${; a $ elsewhere is kept; comments and keys are left alone', () => {
    const config = parseConfig(minimal('password: "pa$$word$${NOT_A_VAR}$x"\nname: ${NODE_IP}   # ${UNSET} in a comment'), 'config', env);
    expect(config.peers[0]).toMatchObject({ password: 'pa$$word${NOT_A_VAR}$x', name: '198.51.100.7' });
  });

  it('a malformed reference is an error, not text passed on', () => {
    expect(() => parseConfig(minimal('name: ${NODE IP}'), 'config', env)).toThrow(
      'peers[0].name: malformed ${NODE IP}: expected ${NAME} or ${NAME:-default} (write $${ for a literal ${)',
    );
    expect(() => parseConfig(minimal('name: "${NODE_IP"'), 'config', env)).toThrow('peers[0].name: ${ without a closing }');
  });

  it('works inside flow mappings and lists, where YAML reads braces as structure', () => {
    const text = minimal('', 'api: { socket: ${DIR}/a.sock, socketMode: ${MODE} }\nallowPrefixes: [${POOL}, "${POOL6:-2001:db8:200::/64}"]').replace(
      '  - address: 198.51.100.1',
      '  - { address: ${ROUTER}, asn: 65001, localAddress: ${NODE_IP} }\n  - address: 198.51.100.9',
    );
    const config = parseConfig(text, 'config', { ...env, DIR: '/run/n1', POOL: '203.0.113.0/24', ROUTER: '198.51.100.1' });
    expect(config.api).toEqual({ kind: 'unix', socket: '/run/n1/a.sock', socketMode: 0o640 });
    expect(config.allowPrefixes).toEqual(['203.0.113.0/24', '2001:db8:200::/64']);
    expect(config.peers[0]).toMatchObject({ address: '198.51.100.1', localAddress: '198.51.100.7' });
    // Unset, in a flow mapping: the usual one-line problem, at the right line, not a YAML error.
    expect(() => parseConfig(minimal('', 'api: { socket: ${NOPE}/a.sock }'), 'config', env)).toThrow(/^config: 1 problem\napi\.socket: environment variable NOPE is not set \(line 3;/);
    // And $${ stays a literal there too.
    expect(parseConfig(minimal('name: "a$${b}"'), 'config', env).peers[0]?.name).toBe('a${b}');
  });

  it('loadConfig reads the process environment by default', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'announcer-config-'));
    const name = 'ANNOUNCER_TEST_ROUTER_ID';
    try {
      const file = join(dir, 'announcer.yaml');
      await writeFile(file, minimal().replace('routerId: 198.51.100.2', `routerId: \${${name}}`));
      process.env[name] = '198.51.100.9';
      expect((await loadConfig(file)).routerId).toBe('198.51.100.9');
      delete process.env[name];
      await expect(loadConfig(file)).rejects.toThrow(`routerId: environment variable ${name} is not set`);
    } finally {
      delete process.env[name];
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('logFormat', () => {
  it('is auto unless given; json and pretty are the others', () => {
    expect(parseConfig(minimal()).logFormat).toBe('auto');
    expect(parseConfig(minimal('', 'logFormat: pretty')).logFormat).toBe('pretty');
    expect(parseConfig(minimal('', 'logFormat: json')).logFormat).toBe('json');
    expect(problemLines(minimal('', 'logFormat: text'))).toEqual(['logFormat: expected auto, json or pretty, got "text"']);
  });
});
