// `announcer bfdd`: the command only. The BFD process itself (src/bfd/process.ts, wired in
// src/daemon/bfd-process.ts) reaches it as a BfddRunner from the executable, cli/main.ts.

import { Option, type Command } from 'commander';
import type { CommandContext } from './context.js';
import type { CliIo } from './io.js';

export interface BfddCommandOptions {
  readonly config?: string;
  readonly socket?: string;
  readonly exitWhenIdle?: boolean;
  readonly logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

/** Runs the BFD process and resolves to its exit status once it has stopped. */
export type BfddRunner = (options: BfddCommandOptions, io: CliIo) => Promise<number>;

export function registerBfdd(program: Command, ctx: CommandContext, run: BfddRunner): void {
  program
    .command('bfdd')
    .description("run the BFD process: the daemon's BFD sessions, kept Up while the daemon restarts (the daemon starts one itself unless bfd.spawn is false)")
    .option('--config <file>', "the daemon's config: its bfd.socket and logLevel")
    .option('--socket <path>', 'the control socket (overrides the config)')
    .option('--exit-when-idle', 'exit once no daemon is connected and no session is left (how the daemon starts it)')
    .addOption(new Option('--log-level <level>', 'log level (default: the config\'s, else info)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace']))
    .action(async (o: BfddCommandOptions) => {
      ctx.exit(await run(o, ctx.io));
    });
}
