// announcer list [--owner NAME] [--prefix PREFIX] [--check NAME]: the announced paths.

import type { Command } from 'commander';
import { withApi, type CommandContext } from './context.js';
import { json, pathsTable, sortPaths } from './format.js';
import { nowOf } from './io.js';
import { checkName, ownerName } from './options.js';

interface ListOptions {
  owner?: string;
  prefix?: string;
  check?: string;
  json?: boolean;
}

export function registerList(program: Command, ctx: CommandContext): void {
  program
    .command('list')
    .description('list the announced paths')
    .option('--owner <name>', "only this owner's paths", ownerName)
    .option('--prefix <prefix>', 'only the paths of this prefix')
    .option('--check <name>', "only the paths that name this health check (from the daemon's healthChecks)", checkName)
    .option('--json', 'print one JSON document (health.since, health.lastErrorAt: milliseconds since the epoch)')
    .action(async (o: ListOptions, cmd: Command) => {
      await withApi(cmd, ctx, async (client) => {
        const paths = sortPaths(
          await client.listPaths({
            ...(o.owner !== undefined ? { owner: o.owner } : {}),
            ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
            ...(o.check !== undefined ? { check: o.check } : {}),
          }),
        );
        if (o.json) ctx.io.stdout.write(json({ paths }));
        else if (paths.length === 0) ctx.io.stdout.write('no paths\n');
        else ctx.io.stdout.write(pathsTable(paths, nowOf(ctx.io)));
      }, { owner: '--owner', prefix: '--prefix', check: '--check' });
    });
}
