// The built executable is one bundle (`npm run bundle`, esbuild): a client command reads a few
// files instead of some seventy modules, and runs it as a script with V8's code cache
// (src/cli/code-cache.ts). What could break there is what a bundler cannot see: a package that
// finds its own files through __dirname when it loads, a require that reaches back into the
// unbundled dist/, or an import() (a script has none). `npm test` builds first.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/cli/code-cache.js';

const CLI_DIR = fileURLToPath(new URL('../../dist/cli/', import.meta.url));
const BUNDLE = `${CLI_DIR}program.cjs`;

describe('the bundled executable', () => {
  it('loads as the executable loads it, and builds the program', () => {
    const bundle = loadBundle<typeof import('../../src/cli/program.js')>(BUNDLE, { ANNOUNCER_CODE_CACHE: 'off' });
    expect(bundle.cache).toBe('off');
    const cli = bundle.exports.createProgram({ stdout: process.stdout, stderr: process.stderr, env: {}, stdin: process.stdin, signals: process });
    expect(cli.program.commands.map((c) => c.name())).toEqual(expect.arrayContaining(['add-eip', 'replace', 'list', 'watch', 'peers']));
    expect(bundle.exports.EXIT.ok).toBe(0);
  });

  it('requires nothing of dist/ and imports nothing: the daemon and bfdd are loaded by main.js, unbundled', async () => {
    const text = await readFile(BUNDLE, 'utf8');
    const relative = [...text.matchAll(/\brequire\("(\.[^"]*)"\)/g)].map((m) => m[1]);
    expect(relative, 'relative requires').toEqual([]);
    expect([...text.matchAll(/\bimport\(\s*[^)]/g)].length, 'import() calls').toBe(0);
    expect(text).not.toContain('import.meta');
    const main = await readFile(`${CLI_DIR}main.js`, 'utf8');
    expect(main).toContain("import('../daemon/daemon.js')");
    expect(main).toContain("import('../daemon/bfd-process.js')");
  });
});
