// The built executable is one bundle (`npm run bundle`, esbuild): a client command reads a few
// files instead of some seventy modules. What could break there is what a bundler cannot see: a
// package that finds its own files through __dirname when it loads, or a chunk that reaches back
// into the unbundled dist/. `npm test` builds first.

import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI_DIR = fileURLToPath(new URL('../../dist/cli/', import.meta.url));

/** The bundle's files: main.js and its chunks. */
async function bundleFiles(): Promise<string[]> {
  const names = await readdir(CLI_DIR);
  return ['main.js', ...names.filter((n) => /^chunk-[A-Z0-9]+\.js$/.test(n))];
}

describe('the bundled executable', () => {
  it('has chunks, and every one of them loads (no package looks for its files where the bundle is not)', async () => {
    const files = await bundleFiles();
    expect(files.length, 'main.js and at least one chunk (the lazily loaded commands)').toBeGreaterThan(1);
    for (const f of files.slice(1)) await expect(import(`${CLI_DIR}${f}`), f).resolves.toBeDefined();
  });

  it('imports nothing of dist/ statically: the daemon and bfdd are the only modules loaded from there, by a computed path', async () => {
    for (const f of await bundleFiles()) {
      const text = await readFile(`${CLI_DIR}${f}`, 'utf8');
      const relative = [...text.matchAll(/^(?:import|export|\}).*\bfrom\s+"(\.[^"]*)";$|\bimport\("(\.[^"]*)"\)/gm)]
        .map((m) => m[1] ?? m[2])
        .filter((spec) => !/^\.\/chunk-[A-Z0-9]+\.js$/.test(spec ?? ''));
      expect(relative, `${f} imports only its own chunks`).toEqual([]);
    }
    const main = await readFile(`${CLI_DIR}main.js`, 'utf8');
    expect(main).toContain("sibling(\"../daemon/daemon.js\")");
  });
});
