// announcer shutdown [--restart]: stop the daemon, withdrawing its paths or leaving them with the
// routers for a restart (RFC 4724 graceful restart).

import type { Command } from 'commander';
import { withApi, type CommandContext } from './context.js';
import { json } from './format.js';

export function registerShutdown(program: Command, ctx: CommandContext): void {
  program
    .command('shutdown')
    .description('stop the daemon: every path is withdrawn, or with --restart kept by the routers while it restarts')
    .option('--restart', 'routers that negotiated graceful restart keep the paths as stale until the daemon is back (restartTime)')
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      `
Without --restart every router drops the daemon's paths at once (the node is leaving). With it,
routers with graceful restart keep forwarding to the node; start the daemon again within the
restart time and it re-announces the same paths (from its state file) and ends with End-of-RIB.`,
    )
    .action(async (o: { restart?: boolean; json?: boolean }, cmd: Command) => {
      await withApi(cmd, ctx, async (client) => {
        await client.shutdown({ restart: o.restart === true });
        const mode = o.restart ? 'restart' : 'withdraw';
        ctx.io.stdout.write(
          o.json
            ? json({ stopping: true, mode })
            : o.restart
              ? 'the daemon is stopping for a restart: routers with graceful restart keep its paths until it is back\n'
              : 'the daemon is stopping: its paths are withdrawn\n',
        );
      });
    });
}
