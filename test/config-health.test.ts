// The config's healthChecks (issue 10): defaults filled in, durations read as written, and every
// problem named by its field, down to the argument or header it is about.

import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, type HealthCheckConfig } from '../src/config.js';
import { problemLines } from './config-helpers.js';

/** A config with no peers and these lines under `healthChecks:`. */
function withChecks(lines: string): string {
  return `asn: 65000\nrouterId: 198.51.100.2\npeers: []\nhealthChecks:\n${lines
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `  ${l}\n`)
    .join('')}`;
}

function checks(lines: string): readonly HealthCheckConfig[] {
  return parseConfig(withChecks(lines)).healthChecks ?? [];
}

describe('healthChecks: valid', () => {
  it('reads the issue example, filling in every default', () => {
    const got = checks(`
- name: web
  http: { url: "http://{nextHop}:80/healthz", expectStatus: [200, 204], timeout: 500ms }
  interval: 1s
  rise: 2
  fall: 2
- name: dns
  tcp: { address: "{nextHop}:53" }
- name: script
  exec: { command: ["/usr/local/bin/check-eip", "{prefix}"], timeout: 2s }
`);
    expect(got).toStrictEqual([
      {
        name: 'web',
        probe: { kind: 'http', url: 'http://{nextHop}:80/healthz', method: 'GET', headers: {}, expectStatus: [200, 204], insecureSkipVerify: false, timeout: 500 },
        interval: 1000,
        rise: 2,
        fall: 2,
        initial: 'down',
        onFail: { action: 'withdraw' },
      },
      {
        name: 'dns',
        probe: { kind: 'tcp', address: '{nextHop}:53', timeout: 2000 },
        interval: 2000,
        rise: 2,
        fall: 2,
        initial: 'down',
        onFail: { action: 'withdraw' },
      },
      {
        name: 'script',
        probe: { kind: 'exec', command: ['/usr/local/bin/check-eip', '{prefix}'], shell: false, timeout: 2000 },
        interval: 2000,
        rise: 2,
        fall: 2,
        initial: 'down',
        onFail: { action: 'withdraw' },
      },
    ]);
  });

  it('omitted, empty or all commented out: no health checks', () => {
    expect(parseConfig('asn: 65000\nrouterId: 198.51.100.2\npeers: []\n').healthChecks).toBeUndefined();
    expect(parseConfig('asn: 65000\nrouterId: 198.51.100.2\npeers: []\nhealthChecks: []\n').healthChecks).toBeUndefined();
    expect(parseConfig('asn: 65000\nrouterId: 198.51.100.2\npeers: []\nhealthChecks:\n  # - name: web\n').healthChecks).toBeUndefined();
  });

  it('the timeout defaults to the interval, but to no more than 2s', () => {
    expect(checks('- { name: a, tcp: { address: "h:1" }, interval: 500ms }')[0]!.probe.timeout).toBe(500);
    expect(checks('- { name: a, tcp: { address: "h:1" }, interval: 1m }')[0]!.probe.timeout).toBe(2000);
    expect(checks('- { name: a, tcp: { address: "h:1", timeout: 1m }, interval: 1m }')[0]!.probe.timeout).toBe(60_000);
  });

  it('durations: ms, s, m, a bare number of milliseconds (also quoted), fractions', () => {
    const interval = (v: string): number => checks(`- { name: a, tcp: { address: "h:1", timeout: 1 }, interval: ${v} }`)[0]!.interval;
    expect(interval('250ms')).toBe(250);
    expect(interval('3s')).toBe(3000);
    expect(interval('2m')).toBe(120_000);
    expect(interval('1500')).toBe(1500);
    expect(interval('"1500"')).toBe(1500);
    expect(interval('1.5s')).toBe(1500);
    expect(interval('"2 s"')).toBe(2000);
  });

  it('http: https with a CA or insecureSkipVerify, method, headers, one expected status', () => {
    const [a, b] = checks(`
- name: a
  http: { url: "https://{nextHop}/healthz", ca: /etc/announcer/ca.pem, method: HEAD, headers: { Host: web.example, X-Count: 3 }, expectStatus: 204 }
- name: b
  http: { url: "https://{nextHop}:8443/", insecureSkipVerify: true }
`);
    expect(a!.probe).toStrictEqual({
      kind: 'http',
      url: 'https://{nextHop}/healthz',
      method: 'HEAD',
      headers: { Host: 'web.example', 'X-Count': '3' },
      expectStatus: [204],
      ca: '/etc/announcer/ca.pem',
      insecureSkipVerify: false,
      timeout: 2000,
    });
    expect(b!.probe).toMatchObject({ insecureSkipVerify: true });
    expect(b!.probe).not.toHaveProperty('expectStatus');
  });

  it('exec: argv as given; with shell: true, one command line (a string or a list of one)', () => {
    expect(checks('- { name: a, exec: { command: "curl -sf http://{nextHop}/ | grep -q ok", shell: true } }')[0]!.probe).toStrictEqual({
      kind: 'exec',
      command: ['curl -sf http://{nextHop}/ | grep -q ok'],
      shell: true,
      timeout: 2000,
    });
    expect(checks('- { name: a, exec: { command: ["exit 0"], shell: true } }')[0]!.probe).toMatchObject({ command: ['exit 0'], shell: true });
    // A number is an argument like any other.
    expect(checks('- { name: a, exec: { command: [/bin/check-port, 8080] } }')[0]!.probe).toMatchObject({ command: ['/bin/check-port', '8080'] });
    // {{ and }} are literal braces, not placeholders.
    expect(checks('- { name: a, exec: { command: [/bin/jq, "{{.ok}}"] } }')[0]!.probe).toMatchObject({ command: ['/bin/jq', '{{.ok}}'] });
  });

  it('initial, rise, fall and onFail: withdraw or demote (communities as RFC 1997 values)', () => {
    const [a, b] = checks(`
- { name: a, tcp: { address: "h:1" }, initial: up, rise: 5, fall: 1, onFail: withdraw }
- { name: b, tcp: { address: "h:1" }, onFail: { demote: { med: 1000, localPref: 50, communities: ["65000:666"] } } }
`);
    expect(a).toMatchObject({ initial: 'up', rise: 5, fall: 1, onFail: { action: 'withdraw' } });
    expect(b!.onFail).toStrictEqual({ action: 'demote', med: 1000, localPref: 50, communities: [65000 * 65536 + 666] });
    expect(checks('- { name: c, tcp: { address: "h:1" }, onFail: { demote: { localPref: 0 } } }')[0]!.onFail).toStrictEqual({ action: 'demote', localPref: 0 });
  });

  it('IPv6 placeholders and literals are fine in hosts', () => {
    expect(checks('- { name: a, tcp: { address: "[2001:db8::1]:53" } }')[0]!.probe).toMatchObject({ address: '[2001:db8::1]:53' });
    expect(checks('- { name: a, http: { url: "http://[2001:db8::1]:80/?eip={address}" } }')[0]!.probe).toMatchObject({ url: 'http://[2001:db8::1]:80/?eip={address}' });
  });
});

describe('healthChecks: each problem names its field', () => {
  const cases: { name: string; lines: string; path: string; message: string }[] = [
    { name: 'not a list', lines: '', path: 'healthChecks', message: 'expected a list of health checks' },
    { name: 'an entry that is no mapping', lines: '- web', path: 'healthChecks[0]', message: 'expected a health check (a mapping with name and one of http, tcp or exec), got "web"' },
    { name: 'no name', lines: '- { tcp: { address: "h:1" } }', path: 'healthChecks[0].name', message: 'missing: expected a name of 1..64 letters' },
    { name: 'a name with a space', lines: '- { name: "my check", tcp: { address: "h:1" } }', path: 'healthChecks[0].name', message: 'got "my check"' },
    { name: 'a name too long', lines: `- { name: ${'x'.repeat(65)}, tcp: { address: "h:1" } }`, path: 'healthChecks[0].name', message: 'expected a name of 1..64' },
    { name: 'a duplicate name', lines: '- { name: web, tcp: { address: "h:1" } }\n- { name: web, tcp: { address: "h:2" } }', path: 'healthChecks[1].name', message: 'duplicate check name web' },
    { name: 'no probe', lines: '- { name: web }', path: 'healthChecks[0]', message: 'missing: give one of http, tcp or exec (what to probe)' },
    { name: 'two probes', lines: '- { name: web, http: { url: "http://h/" }, tcp: { address: "h:1" } }', path: 'healthChecks[0].tcp', message: 'give one of http, tcp or exec, not both http and tcp' },
    { name: 'a misspelt probe', lines: '- { name: web, htpp: { url: "http://h/" } }', path: 'healthChecks[0].htpp', message: 'unknown field (did you mean http?)' },
    { name: 'http without url', lines: '- { name: web, http: {} }', path: 'healthChecks[0].http.url', message: 'missing: expected an http:// or https:// URL' },
    { name: 'an ftp URL', lines: '- { name: web, http: { url: "ftp://h/" } }', path: 'healthChecks[0].http.url', message: 'expected an http:// or https:// URL like "http://{nextHop}:80/healthz", got "ftp://h/"' },
    { name: 'not a URL', lines: '- { name: web, http: { url: "{nextHop}/healthz" } }', path: 'healthChecks[0].http.url', message: 'got "{nextHop}/healthz"' },
    { name: 'an unknown placeholder', lines: '- { name: web, http: { url: "http://{nexthop}/" } }', path: 'healthChecks[0].http.url', message: 'unknown placeholder {nexthop} (did you mean {nextHop}?): use {prefix}, {address} or {nextHop}' },
    { name: '{prefix} as a URL host', lines: '- { name: web, http: { url: "http://{prefix}/" } }', path: 'healthChecks[0].http.url', message: '{prefix} cannot be the host' },
    { name: 'expectStatus 99', lines: '- { name: web, http: { url: "http://h/", expectStatus: [200, 99] } }', path: 'healthChecks[0].http.expectStatus[1]', message: 'expected an HTTP status code (100..599), got 99' },
    { name: 'expectStatus empty', lines: '- { name: web, http: { url: "http://h/", expectStatus: [] } }', path: 'healthChecks[0].http.expectStatus', message: 'expected at least one status code (omit expectStatus for any 2xx)' },
    { name: 'an unknown method', lines: '- { name: web, http: { url: "http://h/", method: get } }', path: 'healthChecks[0].http.method', message: 'expected GET, HEAD, POST, PUT or OPTIONS, got "get" (did you mean GET?)' },
    { name: 'a header name with a space', lines: '- { name: web, http: { url: "http://h/", headers: { "X Probe": 1 } } }', path: 'healthChecks[0].http.headers["X Probe"]', message: '"X Probe" is not a header name' },
    { name: 'a header value that is a list', lines: '- { name: web, http: { url: "http://h/", headers: { Host: [a] } } }', path: 'healthChecks[0].http.headers.Host', message: 'expected a header value (text), got a list' },
    { name: 'ca on http://', lines: '- { name: web, http: { url: "http://h/", ca: /ca.pem } }', path: 'healthChecks[0].http.ca', message: 'applies to https:// URLs only' },
    { name: 'insecureSkipVerify on http://', lines: '- { name: web, http: { url: "http://h/", insecureSkipVerify: false } }', path: 'healthChecks[0].http.insecureSkipVerify', message: 'applies to https:// URLs only' },
    { name: 'ca and insecureSkipVerify', lines: '- { name: web, http: { url: "https://h/", ca: /ca.pem, insecureSkipVerify: true } }', path: 'healthChecks[0].http.insecureSkipVerify', message: 'give either ca or insecureSkipVerify: true, not both' },
    { name: 'an unknown http key', lines: '- { name: web, http: { url: "http://h/", expectedStatus: 200 } }', path: 'healthChecks[0].http.expectedStatus', message: 'unknown field (did you mean expectStatus?)' },
    { name: 'a tcp address without a port', lines: '- { name: dns, tcp: { address: "{nextHop}" } }', path: 'healthChecks[0].tcp.address', message: 'expected host:port, like "{nextHop}:53"' },
    { name: 'a tcp address with an unbracketed IPv6 literal', lines: '- { name: dns, tcp: { address: "2001:db8::1:53" } }', path: 'healthChecks[0].tcp.address', message: 'an IPv6 address in brackets' },
    { name: '{prefix} in a tcp address', lines: '- { name: dns, tcp: { address: "{prefix}:53" } }', path: 'healthChecks[0].tcp.address', message: '{prefix} is not an address to connect to: use {address} or {nextHop}' },
    { name: 'a tcp port 0', lines: '- { name: dns, tcp: { address: "{nextHop}:0" } }', path: 'healthChecks[0].tcp.address', message: 'expected host:port' },
    { name: 'exec as one string without shell', lines: '- { name: s, exec: { command: "/bin/check {prefix}" } }', path: 'healthChecks[0].exec.command', message: 'expected a list of arguments, like [/usr/local/bin/check-eip, "{prefix}"] (or shell: true to run one command line with /bin/sh -c)' },
    { name: 'exec with no program', lines: '- { name: s, exec: { command: [] } }', path: 'healthChecks[0].exec.command', message: 'the program first' },
    { name: 'exec with an empty program', lines: '- { name: s, exec: { command: ["", x] } }', path: 'healthChecks[0].exec.command[0]', message: 'the program first' },
    { name: 'an unknown placeholder in an argument', lines: '- { name: s, exec: { command: [/bin/check, "{eip}"] } }', path: 'healthChecks[0].exec.command[1]', message: 'unknown placeholder {eip}' },
    { name: 'a mapping as an argument', lines: '- { name: s, exec: { command: [/bin/check, { a: 1 }] } }', path: 'healthChecks[0].exec.command', message: 'expected a list of arguments' },
    { name: 'a placeholder in brackets', lines: '- { name: web, http: { url: "http://[{nextHop}]:80/" } }', path: 'healthChecks[0].http.url', message: 'write {nextHop} without brackets: an IPv6 address gets them by itself' },
    { name: 'a placeholder in brackets in a tcp address', lines: '- { name: dns, tcp: { address: "[{address}]:53" } }', path: 'healthChecks[0].tcp.address', message: 'write {address} without brackets' },
    { name: 'shell with two strings', lines: '- { name: s, exec: { command: [a, b], shell: true } }', path: 'healthChecks[0].exec.command', message: 'with shell: true, expected one command line for /bin/sh -c' },
    { name: 'shell not a boolean', lines: '- { name: s, exec: { command: [a], shell: yes } }', path: 'healthChecks[0].exec.shell', message: 'expected true or false, got "yes"' },
    { name: 'an interval in hours', lines: '- { name: a, tcp: { address: "h:1" }, interval: 2h }', path: 'healthChecks[0].interval', message: 'expected an interval of 100ms to 60m, like 500ms, 2s or 1m (a bare number is milliseconds), got "2h"' },
    { name: 'an interval too short', lines: '- { name: a, tcp: { address: "h:1" }, interval: 10ms }', path: 'healthChecks[0].interval', message: 'got "10ms"' },
    { name: 'a timeout of 0', lines: '- { name: a, tcp: { address: "h:1", timeout: 0 } }', path: 'healthChecks[0].tcp.timeout', message: 'expected a timeout of 1ms to 60m' },
    { name: 'a timeout longer than the interval', lines: '- { name: a, http: { url: "http://h/", timeout: 3s }, interval: 1s }', path: 'healthChecks[0].http.timeout', message: '3s is longer than the interval (1s): a probe must end before the next one is due' },
    { name: 'a timeout longer than the default interval', lines: '- { name: a, exec: { command: [a], timeout: 5s } }', path: 'healthChecks[0].exec.timeout', message: 'longer than the interval (2s, the default)' },
    { name: 'rise 0', lines: '- { name: a, tcp: { address: "h:1" }, rise: 0 }', path: 'healthChecks[0].rise', message: 'expected a count of 1..100, got 0' },
    { name: 'fall text', lines: '- { name: a, tcp: { address: "h:1" }, fall: two }', path: 'healthChecks[0].fall', message: 'got "two"' },
    { name: 'initial unknown', lines: '- { name: a, tcp: { address: "h:1" }, initial: pending }', path: 'healthChecks[0].initial', message: 'expected up or down, got "pending"' },
    { name: 'onFail misspelt', lines: '- { name: a, tcp: { address: "h:1" }, onFail: withdrawl }', path: 'healthChecks[0].onFail', message: 'expected withdraw, or { demote: { med, localPref, communities } }, got "withdrawl" (did you mean withdraw?)' },
    { name: 'onFail demote empty', lines: '- { name: a, tcp: { address: "h:1" }, onFail: { demote: {} } }', path: 'healthChecks[0].onFail.demote', message: 'give at least one of med, localPref or communities' },
    { name: 'a negative MED', lines: '- { name: a, tcp: { address: "h:1" }, onFail: { demote: { med: -1 } } }', path: 'healthChecks[0].onFail.demote.med', message: 'expected a MED (0..4294967295), got -1' },
    { name: 'a LOCAL_PREF too large', lines: '- { name: a, tcp: { address: "h:1" }, onFail: { demote: { localPref: 4294967296 } } }', path: 'healthChecks[0].onFail.demote.localPref', message: 'got 4294967296' },
    { name: 'a bad community', lines: '- { name: a, tcp: { address: "h:1" }, onFail: { demote: { communities: ["65000:70000"] } } }', path: 'healthChecks[0].onFail.demote.communities[0]', message: 'expected a community ASN:VALUE with both parts in 0..65535, like "65000:666", got "65000:70000"' },
    { name: 'a misspelt demote field', lines: '- { name: a, tcp: { address: "h:1" }, onFail: { demote: { localpref: 5 } } }', path: 'healthChecks[0].onFail.demote.localpref', message: 'unknown field (did you mean localPref?)' },
    { name: 'an unknown check key', lines: '- { name: a, tcp: { address: "h:1" }, intervall: 1s }', path: 'healthChecks[0].intervall', message: 'unknown field (did you mean interval?)' },
  ];

  it.each(cases)('$name -> $path', ({ lines, path, message }) => {
    const text = lines === '' ? 'asn: 65000\nrouterId: 198.51.100.2\npeers: []\nhealthChecks: web\n' : withChecks(lines);
    const got = problemLines(text);
    const line = got.find((l) => l.startsWith(`${path}: `));
    expect(line, `no "${path}: ..." line in:\n${got.join('\n')}`).toBeDefined();
    expect(line).toContain(message);
  });
});

describe('healthChecks: loadConfig', () => {
  it('a CA file that cannot be read stops the daemon before it starts, naming the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'announcer-config-'));
    try {
      const ca = join(dir, 'ca.pem');
      const file = join(dir, 'announcer.yaml');
      const text = withChecks(`- { name: web, http: { url: "https://{nextHop}/healthz", ca: ${ca} } }`);
      await writeFile(file, text);
      await expect(loadConfig(file)).rejects.toThrow(`healthChecks[0].http.ca: ${ca}: file not found`);
      await mkdir(ca);
      await expect(loadConfig(file)).rejects.toThrow(`healthChecks[0].http.ca: ${ca}: is a directory, not a CA bundle (PEM file)`);
      await rmdir(ca);
      await writeFile(ca, '-----BEGIN CERTIFICATE-----\n');
      expect((await loadConfig(file)).healthChecks?.[0]?.probe).toMatchObject({ ca });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the example config's commented-out checks are a valid config once uncommented", async () => {
    const example = await readFile(new URL('../examples/announcer.yaml', import.meta.url), 'utf8');
    // The block from `# healthChecks:` on, as long as its lines are commented-out YAML.
    const uncommented = example.replace(/^# healthChecks:\n(?:#   .*\n)+/m, (block) => block.replace(/^# healthChecks:$/m, 'healthChecks:').replace(/^#   /gm, '  '));
    const config = parseConfig(uncommented, 'examples/announcer.yaml');
    expect(config.healthChecks?.map((c) => `${c.name} ${c.probe.kind} ${c.onFail.action}`)).toEqual(['web http withdraw', 'dns tcp demote', 'script exec withdraw']);
  });

  it('the config is frozen down to the checks', () => {
    const config = parseConfig(withChecks('- { name: a, exec: { command: [a, b] } }'));
    expect(Object.isFrozen(config.healthChecks)).toBe(true);
    const probe = config.healthChecks![0]!.probe;
    expect(probe.kind === 'exec' && Object.isFrozen(probe.command)).toBe(true);
  });
});
