#!/usr/bin/env node
// The `announcer` executable (package.json bin: dist/cli/main.js), and the composition root: the
// one file that may load the daemon, which sits above the CLI (test/layering.test.ts).
// `npm run build` bundles the program (./program.ts and what it imports) into dist/cli/program.cjs
// (esbuild): loading some 70 modules one by one cost a third of every command's run. It is run with
// V8's code cache (./code-cache.ts), which spares each command most of its compiling. The daemon
// and bfdd are loaded from tsc's unbundled dist/ by a computed path, so the bundle stays the
// client's and they share their packages with nothing.

import { fileURLToPath } from 'node:url';
import type { BfddRunner } from './bfdd.js';
import { loadBundle } from './code-cache.js';
import type { DaemonRunner } from './daemon.js';

const bundle = loadBundle<typeof import('./program.js')>(fileURLToPath(new URL('./program.cjs', import.meta.url)), process.env);
const { createProgram, EXIT } = bundle.exports;

const EXIT_FOR = { stopped: EXIT.ok, 'bad-config': EXIT.usage, failed: EXIT.failed } as const;

/** `announcer daemon`: SIGTERM and SIGINT reach the daemon through the process. */
const runDaemonCommand: DaemonRunner = async (options, io) => {
  const { runDaemon } = (await import('../daemon/daemon.js')) as typeof import('../daemon/daemon.js');
  return EXIT_FOR[await runDaemon(options.config, io)];
};

/** `announcer bfdd`: the BFD process; SIGTERM and SIGINT end it (AdminDown to every peer). */
const runBfddCommand: BfddRunner = async (options, io) => {
  const { runBfdd } = (await import('../daemon/bfd-process.js')) as typeof import('../daemon/bfd-process.js');
  return EXIT_FOR[await runBfdd(options, io)];
};

// `announcer watch | head -3`: once the reader is gone there is nothing left to do; end quietly
// instead of dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
}

const cli = createProgram(
  { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin, signals: process },
  { daemon: runDaemonCommand, bfdd: runBfddCommand },
);
process.exitCode = await cli.run(process.argv.slice(2));
// After a command that called the daemon: the cache then holds what such commands compile.
if (cli.calledDaemon) bundle.save();
