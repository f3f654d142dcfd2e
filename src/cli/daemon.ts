// `announcer daemon --config FILE`: the command only. The daemon itself (src/daemon/, above the
// CLI) reaches it as a DaemonRunner from the executable, cli/main.ts, which loads it only when
// this command runs (the client commands need none of the speaker).

import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import type { CliIo } from './io.js';

export interface DaemonCommandOptions {
  /** --config FILE */
  readonly config: string;
}

/** Runs the daemon and resolves to its exit status once it has stopped. */
export type DaemonRunner = (options: DaemonCommandOptions, io: CliIo) => Promise<number>;

export function registerDaemon(program: Command, ctx: CommandContext, run: DaemonRunner): void {
  program
    .command('daemon')
    .description('run the BGP speaker and serve the API')
    .requiredOption('--config <file>', 'the YAML config file')
    .action(async (o: { config: string }) => {
      ctx.exit(await run({ config: o.config }, ctx.io));
    });
}
