#!/usr/bin/env node
// The `announcer` executable (package.json bin: dist/cli/main.js).

import { createProgram } from './program.js';

const cli = createProgram(
  { stdout: process.stdout, stderr: process.stderr, env: process.env },
  // Loaded only for `announcer daemon`: the client commands need none of the speaker.
  { daemon: async (options, io) => (await import('./daemon.js')).runDaemon(options, io) },
);
process.exitCode = await cli.run(process.argv.slice(2));
