// The executable's code cache (src/cli/code-cache.ts) as a fresh `announcer` process meets it: each
// load below is a new Node process running the built loader (dist/; `npm test` builds first) on a
// small CommonJS bundle, so V8 really compiles from the cache file or without it.

import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeCacheDir } from '../../src/cli/code-cache.js';

const LOADER = fileURLToPath(new URL('../../dist/cli/code-cache.js', import.meta.url));

let dir: string;
beforeAll(async () => {
  if (!existsSync(LOADER)) throw new Error(`${LOADER} is missing: run \`npm run build\` first (npm test does)`);
  dir = await mkdtemp(join(tmpdir(), 'announcer-code-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A bundle whose functions run when loaded: what the cache holds is more than its top level. */
function bundleText(answer: number): string {
  const fns = Array.from({ length: 200 }, (_, i) => `function f${i}(x) { return x + ${i} - ${i}; }`).join('\n');
  return `${fns}\nlet v = ${answer};\n${Array.from({ length: 200 }, (_, i) => `v = f${i}(v);`).join('\n')}\nmodule.exports = { value: v, url: __bundleUrl, file: __filename, req: typeof require('node:os').tmpdir };\n//# sourceMappingURL=none.map`;
}

interface Load {
  cache: string;
  file: string | null;
  value: number;
  url: string;
  req: string;
}

/** Loads `bundle` in a new process with `env` (and saves the cache, unless told not to). */
function load(bundle: string, env: Record<string, string>, save = true): Promise<Load> {
  const script = `import { loadBundle } from ${JSON.stringify(LOADER)};
const b = loadBundle(${JSON.stringify(bundle)}, process.env);
console.log(JSON.stringify({ cache: b.cache, file: b.file, value: b.exports.value, url: b.exports.url, req: b.exports.req }));
${save ? 'b.save();' : ''}`;
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['ANNOUNCER_CODE_CACHE', 'NODE_DISABLE_COMPILE_CACHE', 'XDG_CACHE_HOME'].includes(k)));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { env: { ...clean, ...env } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Load);
    });
  });
}

const cacheFiles = (d: string): string[] => (existsSync(d) ? readdirSync(d).filter((n) => n.endsWith('.v8cache')) : []);

describe('the code cache of the CLI bundle', () => {
  it('is written after the first run, used by the next, and never made a command fail', async () => {
    const root = join(dir, 'first');
    mkdirSync(root);
    const bundle = join(root, 'program.cjs');
    writeFileSync(bundle, bundleText(41));
    const cacheDir = join(root, 'cache', 'announcer');
    const env = { ANNOUNCER_CODE_CACHE: cacheDir };

    const first = await load(bundle, env);
    expect(first).toMatchObject({ cache: 'none', value: 41, req: 'function' });
    expect(first.url).toBe(`file://${bundle}`);
    expect(cacheFiles(cacheDir)).toHaveLength(1);
    expect(join(cacheDir, cacheFiles(cacheDir)[0]!)).toBe(first.file);
    // This user's alone: the cache is code the next command runs.
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(statSync(first.file!).mode & 0o777).toBe(0o600);

    const written = readFileSync(first.file!);
    const second = await load(bundle, env);
    expect(second).toMatchObject({ cache: 'used', value: 41 });
    // Used, so not written again.
    expect(readFileSync(first.file!).equals(written)).toBe(true);
  });

  it('is keyed by the bundle\'s bytes: a new build of the same length compiles afresh and replaces the old cache', async () => {
    const root = join(dir, 'rebuilt');
    mkdirSync(root);
    const bundle = join(root, 'program.cjs');
    const env = { ANNOUNCER_CODE_CACHE: join(root, 'cache') };
    writeFileSync(bundle, bundleText(41));
    const old = await load(bundle, env);
    // V8's own check is the source's length alone: this bundle would pass it.
    const changed = bundleText(42);
    expect(changed.length).toBe(bundleText(41).length);
    writeFileSync(bundle, changed);
    const rebuilt = await load(bundle, env);
    expect(rebuilt).toMatchObject({ cache: 'none', value: 42 });
    expect(rebuilt.file).not.toBe(old.file);
    expect(cacheFiles(env.ANNOUNCER_CODE_CACHE)).toEqual([rebuilt.file!.split('/').pop()]);
    expect(await load(bundle, env)).toMatchObject({ cache: 'used', value: 42 });
  });

  it('survives a damaged cache file: V8 refuses it, the command runs, and the file is written anew', async () => {
    const root = join(dir, 'damaged');
    mkdirSync(root);
    const bundle = join(root, 'program.cjs');
    const env = { ANNOUNCER_CODE_CACHE: join(root, 'cache') };
    writeFileSync(bundle, bundleText(7));
    const { file } = await load(bundle, env);
    writeFileSync(file!, Buffer.alloc(4096, 0x5a), { mode: 0o600 });
    expect(await load(bundle, env)).toMatchObject({ cache: 'rejected', value: 7 });
    expect(readFileSync(file!).every((b) => b === 0x5a)).toBe(false);
    expect(await load(bundle, env)).toMatchObject({ cache: 'used', value: 7 });
  });

  it('is neither read nor written where others may write, and a file others may write is replaced', async () => {
    const root = join(dir, 'shared');
    mkdirSync(root);
    const bundle = join(root, 'program.cjs');
    const cacheDir = join(root, 'cache');
    writeFileSync(bundle, bundleText(5));
    const { file } = await load(bundle, { ANNOUNCER_CODE_CACHE: cacheDir });
    chmodSync(cacheDir, 0o777);
    const before = readFileSync(file!);
    expect(await load(bundle, { ANNOUNCER_CODE_CACHE: cacheDir })).toMatchObject({ cache: 'none', value: 5 });
    expect(readFileSync(file!).equals(before)).toBe(true);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o777);
    // A file others may write, in a directory of ours: not read, and replaced by one of ours.
    chmodSync(cacheDir, 0o700);
    chmodSync(file!, 0o666);
    expect(await load(bundle, { ANNOUNCER_CODE_CACHE: cacheDir })).toMatchObject({ cache: 'none', value: 5 });
    expect(statSync(file!).mode & 0o777).toBe(0o600);
  });

  it('is off with ANNOUNCER_CODE_CACHE=off or NODE_DISABLE_COMPILE_CACHE=1, and a directory it cannot make fails nothing', async () => {
    const root = join(dir, 'off');
    mkdirSync(root);
    const bundle = join(root, 'program.cjs');
    writeFileSync(bundle, bundleText(3));
    const home = join(root, 'home');
    mkdirSync(home);
    expect(await load(bundle, { ANNOUNCER_CODE_CACHE: 'off', HOME: home })).toMatchObject({ cache: 'off', file: null, value: 3 });
    expect(await load(bundle, { NODE_DISABLE_COMPILE_CACHE: '1', HOME: home })).toMatchObject({ cache: 'off', file: null, value: 3 });
    expect(existsSync(join(home, '.cache'))).toBe(false);
    // A file where the directory would be.
    const blocked = join(root, 'not-a-dir');
    writeFileSync(blocked, '');
    expect(await load(bundle, { ANNOUNCER_CODE_CACHE: join(blocked, 'announcer') })).toMatchObject({ cache: 'none', value: 3 });
  });

  it('lives in $ANNOUNCER_CODE_CACHE, else $XDG_CACHE_HOME/announcer, else ~/.cache/announcer', () => {
    expect(codeCacheDir({ ANNOUNCER_CODE_CACHE: '/var/cache/x', XDG_CACHE_HOME: '/c', HOME: '/h' })).toBe('/var/cache/x');
    expect(codeCacheDir({ XDG_CACHE_HOME: '/c', HOME: '/h' })).toBe('/c/announcer');
    expect(codeCacheDir({ HOME: '/h' })).toBe('/h/.cache/announcer');
    expect(codeCacheDir({ HOME: '/h', NODE_DISABLE_COMPILE_CACHE: '0' })).toBe('/h/.cache/announcer');
    expect(codeCacheDir({ HOME: '/h', ANNOUNCER_CODE_CACHE: 'off' })).toBeNull();
  });
});
