// `announcer daemon --config FILE`: the command only. The daemon itself is src/daemon/, loaded
// when this command runs (the client commands need none of the speaker).

import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { EXIT, type CliIo } from './io.js';

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

const EXIT_FOR = { stopped: EXIT.ok, 'bad-config': EXIT.usage, failed: EXIT.failed } as const;

/** The real runner (main.ts): SIGTERM and SIGINT reach the daemon through the process. */
export const runDaemonCommand: DaemonRunner = async (options, io) => {
  const { runDaemon } = await import('../daemon/daemon.js');
  return EXIT_FOR[await runDaemon(options.config, io)];
};
