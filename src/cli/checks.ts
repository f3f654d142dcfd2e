// announcer checks: the configured health checks and the state of every target they probe.

import type { Command } from 'commander';
import { withApi, type CommandContext } from './context.js';
import { checksTable, json } from './format.js';
import { nowOf } from './io.js';

export function registerChecks(program: Command, ctx: CommandContext): void {
  program
    .command('checks')
    .description('list the health checks and the state of each target they probe')
    .option('--json', 'print one JSON document (since, lastErrorAt: milliseconds since the epoch; lag: milliseconds)')
    .addHelpText(
      'after',
      `
One line per target (what is probed, made from a check and a path's values): its state and for
how long, how many paths use it, how late its latest probe started after it was due (LAG: a few ms
while the daemon keeps the check's interval), and the last error. \`announcer list --check NAME\`
lists those paths.`,
    )
    .action(async (o: { json?: boolean }, cmd: Command) => {
      await withApi(cmd, ctx, async (client) => {
        const checks = await client.listHealthChecks();
        if (o.json) ctx.io.stdout.write(json({ checks }));
        else if (checks.length === 0) ctx.io.stdout.write('no health checks configured\n');
        else ctx.io.stdout.write(checksTable(checks, nowOf(ctx.io)));
      });
    });
}
