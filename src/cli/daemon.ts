// `announcer daemon --config FILE`: the command only. The daemon itself (src/daemon/, above the
// CLI) reaches it as a DaemonRunner from the executable, cli/main.ts, which loads it only when
// this command runs (the client commands need none of the speaker).

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
    .option('--check', 'only read and validate the config (and the files it names), then exit: 0 when it is good, 2 naming every problem')
    .action(async (o: { config: string; check?: boolean }) => {
      ctx.exit(o.check ? await checkConfig(o.config, ctx.io) : await run({ config: o.config }, ctx.io));
    });
}

/** `announcer daemon --check`: the daemon's own start-up validation, without starting anything. */
async function checkConfig(file: string, io: CliIo): Promise<number> {
  // Loaded here, not at the top: the config's schema (zod) costs every other command, `replace`
  // included, about a fifth of a second of start-up.
  const { ConfigError, loadConfig } = await import('../config.js');
  try {
    const c = await loadConfig(file, io.env);
    const bfd = c.peers.filter((p) => p.bfd).length;
    const gr = c.peers.filter((p) => p.gracefulRestart).length;
    const facts = [
      `AS ${c.asn}`,
      `router id ${c.routerId}`,
      `${c.peers.length} peer${c.peers.length === 1 ? '' : 's'} (${c.peers.map((p) => p.name).join(', ')})`,
      ...(gr > 0 ? [`graceful restart with ${gr}`] : []),
      ...(bfd > 0 ? [`BFD with ${bfd} (BFD process on ${c.bfd.socket})`] : []),
      `API on ${c.api.kind === 'unix' ? `unix:${c.api.socket}` : c.api.address}`,
      ...(c.stateFile ? [`state file ${c.stateFile}`] : ['no state file']),
      ...(c.healthChecks ? [`${c.healthChecks.length} health check${c.healthChecks.length === 1 ? '' : 's'}`] : []),
    ];
    io.stdout.write(`${file}: good: ${facts.join(', ')}\n`);
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return EXIT.usage;
  }
}
