// The CLI's bundle, compiled with V8's code cache. Every `announcer` command starts a Node process
// that compiles the bundle (about 1 MB, two thirds of it grpc-js) and then, function by function,
// what the command runs. Node 20 keeps no cache of that for modules (Node 22's
// module.enableCompileCache does), so a CLI call paid ~55 ms of compiling each time: a fifth of a
// central controller's re-sync of 50,000 paths. Here the bundle (CommonJS, see package.json's
// `bundle`) runs as a vm.Script given the bytecode the last run left: a command compiles only what
// that run did not.
//
// The cache is code this process runs, so it is read only from a directory that this user owns
// and no one else may write (like ssh's checks of ~/.ssh), never from a shared /tmp. It is keyed by
// a hash of the bundle's bytes and Node's version: V8's own check compares only the source's length.
// Nothing about it may fail a command: every error of reading or writing it is ignored.

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

/** A CommonJS bundle as run: its exports, and how its compiled code was found. */
export interface CompiledBundle<T> {
  readonly exports: T;
  /** 'used': compiled from the cache; 'rejected': V8 refused it (another V8, flags); 'none'; 'off' (no usable directory). */
  readonly cache: 'used' | 'rejected' | 'none' | 'off';
  /** The cache file (null when caching is off). */
  readonly file: string | null;
  /**
   * Writes the code compiled so far to the cache, when it had none or V8 refused it. Called once a
   * command has run, so the cache holds the functions such a command needs, not only the bundle's
   * top level. Removes the caches of other bundles (older builds) from the directory.
   */
  save(): void;
}

/**
 * Where the cache lives: $ANNOUNCER_CODE_CACHE (a directory, or `off`), else
 * $XDG_CACHE_HOME/announcer, else ~/.cache/announcer. NODE_DISABLE_COMPILE_CACHE=1, Node's own
 * switch for its compile cache, turns it off too. Null when off.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv): string | null {
  if (env.NODE_DISABLE_COMPILE_CACHE !== undefined && env.NODE_DISABLE_COMPILE_CACHE !== '' && env.NODE_DISABLE_COMPILE_CACHE !== '0') return null;
  const own = env.ANNOUNCER_CODE_CACHE;
  if (own === 'off') return null;
  if (own !== undefined && own !== '') return own;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'announcer');
  let home: string;
  try {
    home = env.HOME || homedir();
  } catch {
    return null;
  }
  return home ? join(home, '.cache', 'announcer') : null;
}

/** Whether the directory or file is this user's alone to write: owned by us, no group or other write bit. */
function ours(s: Stats): boolean {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  return (uid < 0 || s.uid === uid) && (s.mode & 0o022) === 0;
}

function readCache(dir: string, file: string): Buffer | undefined {
  try {
    if (!ours(statSync(dir))) return undefined;
    const fd = openSync(file, 'r');
    try {
      const s = fstatSync(fd);
      return s.isFile() && ours(s) ? readFileSync(fd) : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined; // none yet, or unreadable: compile as without a cache
  }
}

/** The parameters the bundle's code is wrapped in; __bundleUrl stands for import.meta.url (esbuild --define). */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname, __bundleUrl) {';

/** Runs the CommonJS bundle `bundle` (an absolute path) with the code cache of `env`'s directory. */
export function loadBundle<T>(bundle: string, env: NodeJS.ProcessEnv): CompiledBundle<T> {
  const source = readFileSync(bundle);
  const dir = codeCacheDir(env);
  const key = createHash('sha256').update(source).update(`\0${process.version}\0${process.arch}`).digest('hex').slice(0, 20);
  const stem = basename(bundle).replace(/\.[^.]*$/, '');
  const file = dir === null ? null : join(dir, `${stem}-${key}.v8cache`);
  const cachedData = dir === null || file === null ? undefined : readCache(dir, file);
  // The closing brace on its own line: the bundle ends in a source-map comment.
  const script = new Script(`${WRAP_HEAD}${source.toString('utf8')}\n})`, { filename: bundle, cachedData });
  const rejected = cachedData !== undefined && script.cachedDataRejected === true;
  const module = { exports: {} as T };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle), pathToFileURL(bundle).href);
  let saved = false;
  return {
    exports: module.exports,
    cache: dir === null ? 'off' : cachedData === undefined ? 'none' : rejected ? 'rejected' : 'used',
    file,
    save() {
      if (saved || dir === null || file === null || (cachedData !== undefined && !rejected)) return;
      saved = true;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        if (!ours(statSync(dir))) return;
        // Written whole under another name, then renamed: a command started meanwhile reads the old file or the new.
        const part = `${file}.${process.pid}.part`;
        writeFileSync(part, script.createCachedData(), { mode: 0o600 });
        renameSync(part, file);
        for (const name of readdirSync(dir)) {
          if (name.startsWith(`${stem}-`) && name.endsWith('.v8cache') && join(dir, name) !== file) unlinkSync(join(dir, name));
        }
      } catch {
        // A read-only or full home: the next command compiles as this one did.
      }
    },
  };
}
