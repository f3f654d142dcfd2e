// announcer shutdown [--restart]: stop the daemon, withdrawing its paths or leaving them with the
// routers for a restart (RFC 4724 graceful restart). It says per peer what the router is left
// with, as the daemon decided it: only a router with graceful restart negotiated keeps anything.

import type { Command } from 'commander';
import { systemClock } from '../clock.js';
import { UsageError, withApi, type CommandContext } from './context.js';
import { drainDuration, drainLine } from './drain.js';
import { json, shutdownReport } from './format.js';
import { nowOf } from './io.js';

export function registerShutdown(program: Command, ctx: CommandContext): void {
  program
    .command('shutdown')
    .description('stop the daemon: every path is withdrawn, or with --restart kept by the routers while it restarts')
    .option('--restart', 'routers that negotiated graceful restart keep the paths as stale until the daemon is back (restartTime)')
    .option('--drain <time>', 'drain first (announcer drain --for TIME): traffic moves off the node, then the daemon stops', drainDuration)
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      `
Without --restart every router drops the daemon's paths at once (the node is leaving). With it,
routers with graceful restart negotiated keep forwarding to the node; start the daemon again
within the restart time and it re-announces the same paths (from its state file) and ends with
End-of-RIB. Either way it prints one line per peer saying what that router is left with:
  router1 198.51.100.1: kept as stale for 120 s
  router2 198.51.100.2: withdrawn: graceful restart not negotiated (the router did not offer it)

With --drain 30s it first drains (see announcer drain --help), waits the 30 s while routers move
traffic to other nodes, and then stops; the paths are withdrawn at the end of the 30 s either way.`,
    )
    .action(async (o: { restart?: boolean; json?: boolean; drain?: number }, cmd: Command) => {
      await withApi(cmd, ctx, async (client) => {
        const restart = o.restart === true;
        if (o.drain !== undefined) {
          if (restart) throw new UsageError('--drain and --restart: a drain moves traffic away for good, a restart keeps it flowing; give one');
          const d = await client.drain({ withdrawAfterMs: o.drain });
          if (!o.json) ctx.io.stdout.write(`${drainLine(d, nowOf(ctx.io))}\n`);
          await new Promise<void>((done) => systemClock.after(o.drain!, done));
        }
        const peers = await client.shutdown({ restart });
        const mode = restart ? 'restart' : 'withdraw';
        ctx.io.stdout.write(o.json ? json({ stopping: true, mode, peers }) : shutdownReport(mode, peers));
      });
    });
}
