// Placeholders filled in per path: IPv6 bracketed only where it is a host, literal braces, and
// what makes two paths' targets the same one.

import { describe, expect, it } from 'vitest';
import { expandArg, expandHostPort, expandProbe, expandUrl, placeholdersInUrlHost, splitHostPort, targetKey, targetText, unknownPlaceholders } from '../../src/health/expand.js';

const V4 = { prefix: '203.0.113.10/32', address: '203.0.113.10', nextHop: '198.51.100.11' };
const V6 = { prefix: '2001:db8:200::10/128', address: '2001:db8:200::10', nextHop: '2001:db8::11' };

describe('placeholders', () => {
  it('fills a URL, bracketing an IPv6 address in the host only', () => {
    expect(expandUrl('http://{nextHop}:80/healthz?eip={address}&p={prefix}', V4)).toBe('http://198.51.100.11:80/healthz?eip=203.0.113.10&p=203.0.113.10/32');
    expect(expandUrl('http://{nextHop}:80/healthz?eip={address}', V6)).toBe('http://[2001:db8::11]:80/healthz?eip=2001:db8:200::10');
    expect(expandUrl('https://{address}/', V6)).toBe('https://[2001:db8:200::10]/');
    // Already bracketed by the writer: not twice.
    expect(expandUrl('http://[{nextHop}]/', V6)).toBe('http://[2001:db8::11]/');
  });

  it('fills host:port with brackets for IPv6, and arguments as they are', () => {
    expect(expandHostPort('{nextHop}:53', V4)).toBe('198.51.100.11:53');
    expect(expandHostPort('{nextHop}:53', V6)).toBe('[2001:db8::11]:53');
    expect(expandArg('--eip={address}', V6)).toBe('--eip=2001:db8:200::10');
    expect(expandArg('{prefix}', V6)).toBe('2001:db8:200::10/128');
  });

  it('{{ and }} are literal braces; anything else in braces is no placeholder', () => {
    expect(expandArg('{{.status}} {nextHop}', V4)).toBe('{.status} 198.51.100.11');
    expect(unknownPlaceholders('http://{nexthop}/{prefix}/{}')).toEqual(['nexthop', '']);
    expect(unknownPlaceholders('{{nexthop}}')).toEqual([]);
    expect(() => expandArg('{eip}', V4)).toThrow('unknown placeholder {eip}');
  });

  it('knows which placeholders stand for a URL host', () => {
    expect(placeholdersInUrlHost('http://{nextHop}:80/{prefix}')).toEqual(['nextHop']);
    expect(placeholdersInUrlHost('http://h/{address}')).toEqual([]);
  });

  it('splits host:port', () => {
    expect(splitHostPort('198.51.100.11:53')).toEqual({ host: '198.51.100.11', port: 53 });
    expect(splitHostPort('[2001:db8::11]:53')).toEqual({ host: '2001:db8::11', port: 53 });
    expect(splitHostPort('localhost:8080')).toEqual({ host: 'localhost', port: 8080 });
    for (const bad of ['198.51.100.11', '2001:db8::11:53', '[198.51.100.11]:53', 'h:0', 'h:65536', ':53']) expect(splitHostPort(bad), bad).toBeNull();
  });
});

describe('targets', () => {
  it('expands each kind of probe, and names the target', () => {
    const tcp = expandProbe({ kind: 'tcp', address: '{nextHop}:53', timeout: 1000 }, V6);
    expect(tcp).toEqual({ kind: 'tcp', address: '[2001:db8::11]:53', host: '2001:db8::11', port: 53, timeout: 1000 });
    expect(targetText(tcp)).toBe('[2001:db8::11]:53');
    const exec = expandProbe({ kind: 'exec', command: ['/bin/check', '{prefix}', 'two words', ''], shell: false, timeout: 1000 }, V4);
    expect(targetText(exec)).toBe('/bin/check 203.0.113.10/32 "two words" ""');
    const shell = expandProbe({ kind: 'exec', command: ['check {address} | grep ok'], shell: true, timeout: 1000 }, V4);
    expect(targetText(shell)).toBe('check 203.0.113.10 | grep ok');
    expect(() => expandProbe({ kind: 'tcp', address: '{nextHop}', timeout: 1000 }, V4)).toThrow('"198.51.100.11" is not a host:port to connect to');
  });

  it('two argvs that print alike are still two targets', () => {
    const a = expandProbe({ kind: 'exec', command: ['/bin/check', 'a b'], shell: false, timeout: 1000 }, V4);
    const b = expandProbe({ kind: 'exec', command: ['/bin/check', 'a', 'b'], shell: false, timeout: 1000 }, V4);
    expect(targetKey('s', a)).not.toBe(targetKey('s', b));
    expect(targetKey('s', a)).not.toBe(targetKey('t', a));
  });
});
