// The path file's fast path: a large file of the common shape (`- PREFIX`, or a flow mapping of
// prefix, nextHop and check per line) is read without the YAML parser, and must read exactly as
// the YAML parser reads it; anything it is not sure of goes to the YAML parser.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePathFile, parseYamlPathFile, simpleYamlList } from '../../src/cli/path-file.js';

const addresses = ['203.0.113.10', '203.0.113.0/24', '2001:db8::10', '2001:db8::/32', '::ffff:192.0.2.1', '10.0.0.1/32', 'self'];
// Values the YAML parser may read as something other than the string written.
const tricky = ['1.5', '1e5', '123', 'null', '~', 'true', 'yes', '2001:db8::', '0x1f', "'203.0.113.1'", '"2001:db8::1"', '10.0.0.1 # note', 'on', ''];

describe('simpleYamlList', () => {
  it('reads the common shapes as the YAML parser does', () => {
    const text = [
      '# the controller\'s set',
      '- 203.0.113.10',
      '- 2001:db8::10/128',
      '',
      '- { prefix: 203.0.113.11, nextHop: 198.51.100.11 }',
      '- {prefix: 203.0.113.12, nextHop: self, check: web}',
      '- { nextHop: 2001:db8::11, prefix: 2001:db8::12 }',
    ].join('\n');
    expect(simpleYamlList(text)).toEqual(parseYamlPathFile(text));
    expect(simpleYamlList(text)).toHaveLength(5);
  });

  it('leaves to the YAML parser what it is not sure of', () => {
    for (const line of ['- { prefix: 203.0.113.1, med: 5 }', 'paths:', '  - 203.0.113.1', '- 1.5', '- { prefix: 2001:db8:: }', '- 203.0.113.1 # a comment', '- { prefix: 203.0.113.1, check: null }', '- { prefix: 203.0.113.1, prefix: 203.0.113.2 }', '[203.0.113.1]'])
      expect(simpleYamlList(`- 203.0.113.9\n${line}\n`)).toBeNull();
    expect(simpleYamlList('')).toBeNull();
  });

  it('agrees with the YAML parser on any file it takes', () => {
    const value = fc.constantFrom(...addresses, ...tricky);
    const line = fc.oneof(
      value.map((v) => `- ${v}`),
      fc.tuple(value, fc.option(value, { nil: undefined }), fc.option(fc.constantFrom('web', 'dns', 'null', 'True', 'a-b_1', '9x'), { nil: undefined }), fc.boolean()).map(([p, nh, ck, tight]) => {
        const fields = [`prefix: ${p}`, ...(nh !== undefined ? [`nextHop: ${nh}`] : []), ...(ck !== undefined ? [`check: ${ck}`] : [])];
        return tight ? `- {${fields.join(', ')}}` : `- { ${fields.join(', ')} }`;
      }),
      fc.constantFrom('', '# comment', '  # indented comment'),
    );
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), (lines) => {
        const text = lines.join('\n') + '\n';
        const fast = simpleYamlList(text);
        if (fast === null) return;
        expect(fast).toStrictEqual(parseYamlPathFile(text));
      }),
      { numRuns: 500 },
    );
  });

  it('reads a large file of the common shape, every line as written', () => {
    const text = Array.from({ length: 200_000 }, (_, i) => `- { prefix: 198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32, nextHop: 198.51.100.${11 + (i % 50)} }`).join('\n');
    const paths = parsePathFile(text);
    expect(paths).toHaveLength(200_000);
    expect(paths[199_999]).toEqual({ prefix: '198.21.13.63/32', nextHop: '198.51.100.60' });
  });
});
