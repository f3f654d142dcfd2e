// The `announcer` command line: a commander program built around injected io, so it runs the
// same under test as from the shell. Nothing here calls process.exit: run() returns the status.

import { Command, CommanderError } from 'commander';
import { registerAddEip } from './add-eip.js';
import { registerBfdd, type BfddRunner } from './bfdd.js';
import { registerChecks } from './checks.js';
import { registerCompletion } from './completion.js';
import type { CommandContext } from './context.js';
import { registerDaemon, type DaemonRunner } from './daemon.js';
import { registerDelEip } from './del-eip.js';
import { helpHint, reportFailure } from './errors.js';
import { registerHealth } from './health.js';
import { DEFAULT_API, EXIT, type CliIo } from './io.js';
import { registerList } from './list.js';
import { registerDrain } from './drain.js';
import { registerPeers } from './peers.js';
import { registerReplace } from './replace.js';
import { registerShutdown } from './shutdown.js';
import { packageVersion, registerVersion } from './version.js';
import { registerWatch } from './watch.js';

export type { CliIo };
export { EXIT };

export interface ProgramHooks {
  /**
   * Runs `announcer daemon --config FILE` and resolves to its exit status once it has stopped.
   * Without it the program has no daemon command (the CLI alone needs none of the speaker).
   */
  readonly daemon?: DaemonRunner;
  /** Runs `announcer bfdd`; without it the program has no bfdd command. */
  readonly bfdd?: BfddRunner;
}

export interface Cli {
  /** The commander program (for inspection; use run() to execute). */
  readonly program: Command;
  /** Parses `args` (without node and script: process.argv.slice(2)) and runs; once per Cli. */
  run(args: readonly string[]): Promise<number>;
  /** Whether the run opened a client of the daemon's API (the executable then keeps its code cache). */
  readonly calledDaemon: boolean;
}

export function createProgram(io: CliIo, hooks: ProgramHooks = {}): Cli {
  let status: number = EXIT.ok;
  // Commander's own message for a usage error, reported by run() in one line with a hint.
  let usageMessage: string | undefined;
  let calledDaemon = false;
  const ctx: CommandContext = {
    io,
    exit(code) {
      status = code;
    },
    calledDaemon() {
      calledDaemon = true;
    },
  };

  const program = new Command('announcer')
    .description('BGP speaker that announces external IPs (EIPs) with one path per serving node')
    .version(packageVersion(), '-V, --version')
    .option('--api <target>', `the daemon's API: unix:PATH or HOST:PORT (default: $ANNOUNCER_API, else ${DEFAULT_API})`)
    .option('--tls-ca <file>', "TLS to a HOST:PORT API: CA bundle to verify the daemon with (or $ANNOUNCER_TLS_CA)")
    .option('--tls-cert <file>', 'TLS client certificate, for mutual TLS (or $ANNOUNCER_TLS_CERT)')
    .option('--tls-key <file>', 'TLS client key, with --tls-cert (or $ANNOUNCER_TLS_KEY)')
    .option('--tls-server-name <name>', "the name in the daemon's certificate, when the address is not it")
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      outputError: (s) => {
        usageMessage = s.replace(/^error: /, '').trim();
      },
    })
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  announcer add-eip 203.0.113.10 --next-hop 198.51.100.11 --next-hop 198.51.100.12
  announcer del-eip 203.0.113.10 --next-hop 198.51.100.12
  announcer list --owner lb --json
  announcer replace --owner lb --file paths.yaml
  announcer watch

Exit status: ${EXIT.ok} done, ${EXIT.failed} refused or failed, ${EXIT.usage} usage error, ${EXIT.unreachable} daemon not reachable.
With --json, an error is one JSON document on stderr: {"error": {"message", "exitCode", "kind", ...}}.`,
    );

  // Subcommands copy output, exit and help settings from the program: register them after.
  if (hooks.daemon) registerDaemon(program, ctx, hooks.daemon);
  if (hooks.bfdd) registerBfdd(program, ctx, hooks.bfdd);
  registerAddEip(program, ctx);
  registerDelEip(program, ctx);
  registerList(program, ctx);
  registerPeers(program, ctx);
  registerChecks(program, ctx);
  registerReplace(program, ctx);
  registerShutdown(program, ctx);
  registerDrain(program, ctx);
  registerWatch(program, ctx);
  registerHealth(program, ctx);
  registerVersion(program, ctx);
  registerCompletion(program, ctx);

  return {
    program,
    async run(args) {
      try {
        await program.parseAsync([...args], { from: 'user' });
        return status;
      } catch (err) {
        // exitOverride turns usage errors, --help and --version into CommanderError.
        if (err instanceof CommanderError) {
          if (err.exitCode === 0) return EXIT.ok;
          if (err.code === 'commander.help') return EXIT.usage; // `announcer` alone: the help, on stderr
          // One line and where to read more, not the whole help.
          const hint = helpHint(args, program.commands.map((c) => c.name()));
          reportFailure(io, { message: usageMessage ?? err.message, exitCode: EXIT.usage, kind: 'usage', hint }, args.includes('--json'));
          return EXIT.usage;
        }
        io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
        return EXIT.failed;
      }
    },
    get calledDaemon() {
      return calledDaemon;
    },
  };
}
