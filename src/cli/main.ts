#!/usr/bin/env node
// The `announcer` executable (package.json bin: dist/cli/main.js), and the composition root: the
// one file that may load the daemon, which sits above the CLI (test/layering.test.ts).
// `npm run build` bundles this file and what it imports into dist/cli/main.js (esbuild): loading
// some 70 modules one by one cost a third of every command's run. The daemon and bfdd are loaded
// from tsc's unbundled dist/ by a computed path, so the bundle stays the client's and they share
// their packages with nothing.

import type { BfddRunner } from './bfdd.js';
import type { DaemonRunner } from './daemon.js';
import { EXIT } from './io.js';
import { createProgram } from './program.js';

/** A module of dist/ by its path from here; a computed specifier that the bundler leaves alone. */
const sibling = (path: string): string => new URL(path, import.meta.url).href;

const EXIT_FOR = { stopped: EXIT.ok, 'bad-config': EXIT.usage, failed: EXIT.failed } as const;

/** `announcer daemon`: SIGTERM and SIGINT reach the daemon through the process. */
const runDaemonCommand: DaemonRunner = async (options, io) => {
  const { runDaemon } = (await import(sibling('../daemon/daemon.js'))) as typeof import('../daemon/daemon.js');
  return EXIT_FOR[await runDaemon(options.config, io)];
};

/** `announcer bfdd`: the BFD process; SIGTERM and SIGINT end it (AdminDown to every peer). */
const runBfddCommand: BfddRunner = async (options, io) => {
  const { runBfdd } = (await import(sibling('../daemon/bfd-process.js'))) as typeof import('../daemon/bfd-process.js');
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
