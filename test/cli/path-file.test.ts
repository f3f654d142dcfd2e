// The path file's fast path: a large file of the common shape (`- PREFIX`, or a flow mapping of
// prefix, nextHop and check per line) is read without the YAML parser, and must read exactly as
// the YAML parser reads it; anything it is not sure of goes to the YAML parser.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PathSet } from '../../src/api/replace-parts.js';
import { parsePathFile, parseYamlPathFile, readPathSet, simpleJsonList, simpleYamlList } from '../../src/cli/path-file.js';

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

describe('simpleJsonList', () => {
  it('reads lists of prefixes and of flat objects, any spacing, as JSON.parse does', () => {
    const text = '[\n {"prefix": "203.0.113.10/32", "nextHop": "198.51.100.11"},\n{ "nextHop":"self" ,"prefix":"2001:db8::10","check":"web" },\r\n\t"203.0.113.11"\n]\n';
    expect(simpleJsonList(text)).toStrictEqual(parseYamlPathFile(text));
    expect(simpleJsonList(text)).toHaveLength(3);
    const wrapped = '{ "paths" : [{"prefix":"203.0.113.10"}] }';
    expect(simpleJsonList(wrapped)).toStrictEqual([{ prefix: '203.0.113.10' }]);
  });

  it('leaves to JSON.parse and the checks what it does not read exactly', () => {
    for (const text of [
      '[]',
      '{"paths": []}',
      '[{"prefix": "203.0.113.1", "med": 5}]',
      '[{"prefix": "203.0.113.1", "prefix": "203.0.113.2"}]',
      '[{"nextHop": "198.51.100.1"}]',
      '[{"prefix": "203.0.113.1", "check": " "}]',
      '[{"prefix": "203.0.113.1", "nextHop": ""}]',
      '[{"prefix": "203.0.113.1", "nextHop": null}]',
      '["203.0.113.\\u0031"]',
      '["203.0.113.1",]',
      '["203.0.113.1"] x',
      '{"paths": ["203.0.113.1"], "owner": "b"}',
      '["203.0.113.1"',
      '[5]',
    ])
      expect(simpleJsonList(text), text).toBeNull();
  });

  it('agrees with JSON.parse and the checks on any file it takes', () => {
    const str = fc.constantFrom('203.0.113.10', '2001:db8::/32', 'self', 'web', ' ', '', 'not a prefix', 'a\\"b', 'é');
    const field = fc.tuple(fc.constantFrom('prefix', 'nextHop', 'check', 'med', 'owner'), fc.oneof(str.map((v) => JSON.stringify(v)), fc.constantFrom('5', 'null', '[]')));
    const space = fc.constantFrom('', ' ', '\n', '\t ', '\r\n  ');
    const item = fc.oneof(
      str.map((v) => JSON.stringify(v)),
      fc.tuple(fc.array(field, { maxLength: 4 }), space).map(([fields, sp]) => `{${sp}${fields.map(([k, v]) => `"${k}"${sp}:${sp}${v}`).join(`,${sp}`)}${sp}}`),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 6 }), space, fc.boolean(), (items, sp, wrap) => {
        const list = `[${sp}${items.join(`,${sp}`)}${sp}]`;
        const text = wrap ? `{${sp}"paths":${sp}${list}}` : list;
        const fast = simpleJsonList(text);
        if (fast === null) return;
        expect(fast).toStrictEqual(parseYamlPathFile(text));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('readPathSet', () => {
  it('packs a large JSON file of the common shape as it reads it: the same set as its paths one by one', () => {
    const paths = Array.from({ length: 3000 }, (_, i) => ({ prefix: `198.18.${i >> 8}.${i & 255}/32`, nextHop: `198.51.100.${11 + (i % 50)}` }));
    const set = readPathSet(Buffer.from(JSON.stringify(paths)));
    expect(set.size).toBe(3000);
    expect(set.seal()).toEqual(PathSet.of(paths).seal());
  });

  it('falls back to the parser for other shapes, and still refuses an empty file', () => {
    const set = readPathSet(Buffer.from('- { prefix: 203.0.113.1, med: 5 }\n- 203.0.113.2\n'));
    expect([...set.written()]).toEqual([[{ prefix: '203.0.113.1', med: 5 }, 0]]);
    expect(set.size).toBe(2);
    expect(() => readPathSet(Buffer.from('  \n'))).toThrow(/empty/);
    expect(() => readPathSet(Buffer.alloc(0))).toThrow(/empty/);
  });
});
