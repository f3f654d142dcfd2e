#!/usr/bin/env node
// The `announcer` executable (package.json bin: dist/cli/main.js).

import { runDaemonCommand } from './daemon.js';
import { createProgram } from './program.js';

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
  { daemon: runDaemonCommand },
);
process.exitCode = await cli.run(process.argv.slice(2));
