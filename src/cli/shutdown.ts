// announcer shutdown [--restart]: stop the daemon, withdrawing its paths or leaving them with the
// routers for a restart (RFC 4724 graceful restart). It says per peer what the router is left
// with, as the daemon decided it: only a router with graceful restart negotiated keeps anything.

import type { Command } from 'commander';
import { withApi, type CommandContext } from './context.js';
import { json, shutdownReport } from './format.js';

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
routers with graceful restart negotiated keep forwarding to the node; start the daemon again
within the restart time and it re-announces the same paths (from its state file) and ends with
End-of-RIB. Either way it prints one line per peer saying what that router is left with:
  router1 198.51.100.1: kept as stale for 120 s
  router2 198.51.100.2: withdrawn: graceful restart not negotiated (the router did not offer it)`,
    )
    .action(async (o: { restart?: boolean; json?: boolean }, cmd: Command) => {
      await withApi(cmd, ctx, async (client) => {
        const restart = o.restart === true;
        const peers = await client.shutdown({ restart });
        const mode = restart ? 'restart' : 'withdraw';
        ctx.io.stdout.write(o.json ? json({ stopping: true, mode, peers }) : shutdownReport(mode, peers));
      });
    });
}
