// announcer peers: the BGP peers and their sessions.

import type { Command } from 'commander';
import { withApi, type CommandContext } from './context.js';
import { json, peersTable } from './format.js';
import { drainLine } from './drain.js';
import { nowOf } from './io.js';

export function registerPeers(program: Command, ctx: CommandContext): void {
  program
    .command('peers')
    .description('list the BGP peers and the state of their sessions')
    .option('--peer <name>', 'only this peer: its name, or its address')
    .option('--json', 'print one JSON document (since, lastErrorAt: milliseconds since the epoch)')
    .action(async (o: { json?: boolean; peer?: string }, cmd: Command) => {
      await withApi(cmd, ctx, async (client) => {
        const { peers, drain } = await client.peersStatus(o.peer === undefined ? {} : { peer: o.peer });
        const now = nowOf(ctx.io);
        // A drain changes what every peer is sent: said first, and only when there is one.
        const draining = drain !== undefined && drain.state !== 'announcing' ? `${drainLine(drain, now)}\n` : '';
        if (o.json) ctx.io.stdout.write(json({ peers, ...(draining ? { drain } : {}) }));
        else if (peers.length === 0) ctx.io.stdout.write(`${draining}no peers configured\n`);
        else ctx.io.stdout.write(draining + peersTable(peers, now));
      }, { peer: '--peer' });
    });
}
