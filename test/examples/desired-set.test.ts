import { describe, expect, it } from 'vitest';
import { DesiredSetError, fileField, parseDesiredSet } from '../../examples/controller/desired-set.js';

describe('desired-set file', () => {
  it('turns one entry per EIP into one path per next hop, attributes on each', () => {
    const set = parseDesiredSet(`
eips:
  - prefix: 203.0.113.10
    nextHops: [198.51.100.11, 198.51.100.12]
    communities: [65000:100]
    med: 10
  - prefix: 2001:db8:100::10/128
    nextHops: 2001:db8::11
    largeCommunities: 65000:1:2
  - 203.0.113.11
  - prefix: 203.0.113.12
    nextHops: []
`);
    expect(set.eips).toBe(4);
    expect(set.paths).toEqual([
      { prefix: '203.0.113.10', nextHop: '198.51.100.11', communities: ['65000:100'], med: 10 },
      { prefix: '203.0.113.10', nextHop: '198.51.100.12', communities: ['65000:100'], med: 10 },
      { prefix: '2001:db8:100::10/128', nextHop: '2001:db8::11', largeCommunities: ['65000:1:2'] },
      // No nextHops: the daemon's default next hop ("self" in the per-node shape).
      { prefix: '203.0.113.11' },
      // nextHops: [] announces nothing for 203.0.113.12.
    ]);
    expect(set.origins).toEqual(['eips[0].nextHops[0]', 'eips[0].nextHops[1]', 'eips[1].nextHops[0]', 'eips[2]']);
  });

  it('takes a bare list, and an empty list as "announce nothing"; an empty file is refused', () => {
    expect(parseDesiredSet('- 203.0.113.10\n').paths).toEqual([{ prefix: '203.0.113.10' }]);
    for (const text of ['eips: []\n', '[]\n']) expect(parseDesiredSet(text).paths).toEqual([]);
    // Nothing at all is a writer that died or a template that rendered nothing: refused, not "withdraw all".
    for (const text of ['', '  \n', '# nothing\n', 'eips:\n']) expect(() => parseDesiredSet(text)).toThrow('the file lists no EIPs (it is empty): to withdraw all of them on purpose, write `eips: []`');
  });

  it.each([
    ['eips: [ {prefix: 203.0.113.10\n', /^not YAML: /],
    ['paths: []\n', /^paths: unknown key/],
    ['eips: 203.0.113.10\n', /^eips: expected a list of EIPs, got "203.0.113.10"/],
    ['eips: [42]\n', /^eips\[0\]: expected an EIP/],
    ['eips: [{nextHops: [198.51.100.11]}]\n', /^eips\[0\]\.prefix: expected an address or prefix, got nothing/],
    ['eips: [{prefix: 203.0.113.10, nextHop: 198.51.100.11}]\n', /^eips\[0\]\.nextHop: unknown field \(did you mean nextHops, a list\?\)/],
    ['eips: [{prefix: 203.0.113.10, owner: x}]\n', /^eips\[0\]\.owner: unknown field/],
    ['eips: [{prefix: 203.0.113.10, nextHops: [{a: 1}]}]\n', /^eips\[0\]\.nextHops\[0\]\.a: unknown field \(expected address, readyEndpoints\)/],
    ['eips: [{prefix: 203.0.113.10, med: high}]\n', /^eips\[0\]\.med: expected a number, got "high"/],
    ['eips: [{prefix: 203.0.113.10, nextHops: [198.51.100.11, 198.51.100.11]}]\n', /^eips\[0\]\.nextHops\[1\]: 198\.51\.100\.11 is listed twice/],
    ['eips: [203.0.113.10, {prefix: 203.0.113.10/32}]\n', /^eips\[1\]\.prefix: 203\.0\.113\.10\/32 is already listed at eips\[0\]/],
  ])('refuses %j naming the field', (text, error) => {
    let err: unknown;
    try {
      parseDesiredSet(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DesiredSetError);
    expect((err as Error).message).toMatch(error);
  });

  it('passes a health check name on to every path of the EIP (the daemon probes the nodes)', () => {
    const set = parseDesiredSet('eips:\n  - {prefix: 203.0.113.10, nextHops: [198.51.100.11, 198.51.100.12], check: web}\n');
    expect(set.paths).toEqual([
      { prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' },
      { prefix: '203.0.113.10', nextHop: '198.51.100.12', check: 'web' },
    ]);
    expect(fileField(set, 'paths[1].check')).toBe('eips[0].check');
    expect(() => parseDesiredSet('eips:\n  - {prefix: 203.0.113.10, check: [web]}\n')).toThrow('eips[0].check: expected the name of a health check, got a list');
  });

  it('weighs each node by its ready endpoints (weighted ECMP); a node with none gets no path', () => {
    const set = parseDesiredSet(`
eips:
  - prefix: 203.0.113.13
    nextHops:
      - { address: 198.51.100.11, readyEndpoints: 3 }
      - { address: 198.51.100.12, readyEndpoints: 1 }
      - { address: 198.51.100.13, readyEndpoints: 0 }
      - { address: 198.51.100.14, readyEndpoints: 5000 }
`);
    expect(set.paths).toEqual([
      { prefix: '203.0.113.13', nextHop: '198.51.100.11', weight: 3 },
      { prefix: '203.0.113.13', nextHop: '198.51.100.12', weight: 1 },
      { prefix: '203.0.113.13', nextHop: '198.51.100.14', weight: 1000 },
    ]);
    expect(fileField(set, 'paths[1].weight')).toBe('eips[0].nextHops[1].readyEndpoints');
    expect(() => parseDesiredSet('eips:\n  - {prefix: 203.0.113.13, nextHops: [{address: 198.51.100.11, readyEndpoints: -1}]}\n')).toThrow(
      /^eips\[0\]\.nextHops\[0\]\.readyEndpoints: expected a whole number of 0 or more/,
    );
    expect(() => parseDesiredSet('eips:\n  - {prefix: 203.0.113.13, nextHops: [{address: 198.51.100.11, weight: 2}]}\n')).toThrow(/nextHops\[0\]\.weight: unknown field/);
  });

  it("maps the daemon's field names back to the file's", () => {
    const set = parseDesiredSet('eips:\n  - 203.0.113.9\n  - {prefix: 203.0.113.10, nextHops: [a, b]}\n');
    expect(fileField(set, 'paths[2].nextHop')).toBe('eips[1].nextHops[1]');
    expect(fileField(set, 'paths[2].prefix')).toBe('eips[1].prefix');
    expect(fileField(set, 'paths[1].communities[0]')).toBe('eips[1].communities[0]');
    expect(fileField(set, 'paths[0].med')).toBe('eips[0].med');
    expect(fileField(set, 'owner')).toBe('owner');
    expect(fileField(set, 'paths[9].nextHop')).toBe('paths[9].nextHop');
  });
});
