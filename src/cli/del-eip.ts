// announcer del-eip PREFIX [--next-hop IP]... [--owner NAME]: withdraw paths of a prefix.

import type { Command } from 'commander';
import { withApi, type CommandContext } from './context.js';
import { describePath, json } from './format.js';
import { nextHopArg, ownerName, prefixArg } from './options.js';

interface DelEipOptions {
  nextHop?: string[];
  owner?: string;
  json?: boolean;
}

export function registerDelEip(program: Command, ctx: CommandContext): void {
  program
    .command('del-eip')
    .description('withdraw paths of a prefix: the given next hops, or all of them')
    .argument('<prefix>', 'e.g. 203.0.113.10/32; a bare address means /32 or /128', prefixArg)
    .option('--next-hop <ip>', 'withdraw only the path via this next hop (repeatable)', nextHopArg)
    .option('--owner <name>', "withdraw only this owner's paths", ownerName)
    .option('--json', 'print the withdrawn paths as one JSON document')
    .action(async (prefix: string, o: DelEipOptions, cmd: Command) => {
      await withApi(cmd, ctx, async (client) => {
        const removed = await client.deletePaths({
          prefix,
          ...(o.nextHop ? { nextHops: o.nextHop } : {}),
          ...(o.owner !== undefined ? { owner: o.owner } : {}),
        });
        ctx.io.stdout.write(o.json ? json({ removed }) : removed.map((p) => `withdrew ${describePath(p)}\n`).join(''));
      }, { prefix: '', nextHops: '--next-hop', owner: '--owner' });
    });
}
