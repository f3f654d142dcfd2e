// announcer list [--owner NAME] [--prefix PREFIX] [--check NAME] [--peer NAME]: the announced paths, printed as
// they arrive (the daemon sends them in prefix order), so a table of a million paths starts at once.

import type { Command } from 'commander';
import type { AnnouncedPath } from '../speaker/api.js';
import { withApi, type CommandContext } from './context.js';
import { json, pathColumns, pathsTable, table, tableWidths } from './format.js';
import { nowOf } from './io.js';
import { checkName, ownerName } from './options.js';

interface ListOptions {
  owner?: string;
  prefix?: string;
  check?: string;
  peer?: string;
  json?: boolean;
}

export function registerList(program: Command, ctx: CommandContext): void {
  program
    .command('list')
    .description('list the announced paths')
    .option('--owner <name>', "only this owner's paths", ownerName)
    .option('--prefix <prefix>', 'only the paths of this prefix')
    .option('--check <name>', "only the paths that name this health check (from the daemon's healthChecks)", checkName)
    .option('--peer <name>', 'only the paths this peer (a configured name or address) is sent now: one per prefix without ADD-PATH')
    .option('--json', 'print one JSON document (health.since, health.lastErrorAt: milliseconds since the epoch)')
    .action(async (o: ListOptions, cmd: Command) => {
      await withApi(cmd, ctx, async (client) => {
        const out = ctx.io.stdout;
        const parts = client.listPathParts({
          ...(o.owner !== undefined ? { owner: o.owner } : {}),
          ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
          ...(o.check !== undefined ? { check: o.check } : {}),
          ...(o.peer !== undefined ? { peer: o.peer } : {}),
        })[Symbol.asyncIterator]();
        // Two parts are read before anything is printed: a listing that fits prints as one table
        // (columns as wide as they need); a longer one keeps the widths of its start.
        const start: AnnouncedPath[] = [];
        let more = true;
        for (let i = 0; i < 2 && more; i++) {
          const r = await parts.next();
          if (r.done) more = false;
          else start.push(...r.value);
        }
        if (o.json) {
          out.write(start.length === 0 ? json({ paths: [] }) : '{\n  "paths": [\n' + jsonPaths(start));
          if (start.length === 0) return;
          for (let r = more ? await parts.next() : undefined; r && !r.done; r = await parts.next()) if (r.value.length > 0) out.write(',\n' + jsonPaths(r.value));
          out.write('\n  ]\n}\n');
          return;
        }
        const now = nowOf(ctx.io);
        if (!more) {
          out.write(start.length === 0 ? 'no paths\n' : pathsTable(start, now));
          return;
        }
        // Whether CHECK and HEALTH are shown must hold for the whole listing: ask the daemon.
        const checked = start.some((p) => p.check !== undefined) || (await client.listHealthChecks()).length > 0;
        const { headers, row } = pathColumns(checked, now);
        const widths = tableWidths(headers, start.map(row));
        out.write(table(headers, start.map(row), widths));
        for (let r = await parts.next(); !r.done; r = await parts.next()) out.write(table(null, r.value.map(row), widths));
      }, { owner: '--owner', prefix: '--prefix', check: '--check', peer: '--peer' });
    });
}

/** Paths as the elements of json({paths}) print them, joined by commas, without the last newline. */
function jsonPaths(paths: readonly AnnouncedPath[]): string {
  return paths.map((p) => JSON.stringify(p, null, 2).replace(/^/gm, '    ')).join(',\n');
}
