// announcer replace --owner NAME --file FILE: make NAME's paths exactly the file's list.

import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { attributeTable } from '../attributes/table.js';
import { UsageError, withApi, type CommandContext } from './context.js';
import { json, replaceReport } from './format.js';
import type { CliIo } from './io.js';
import { ownerName } from './options.js';
import type { PathSet } from '../client.js';
import { PathFileError, ReadAgain, readPathSet, readPathSetWhole } from './path-file.js';

interface ReplaceOptions {
  owner: string;
  file: string;
  json?: boolean;
  details?: boolean;
  maxRemove?: { paths: number } | { percent: number };
}

/** --max-remove N or P%: how many of the owner's paths a replace may withdraw. */
function maxRemoveArg(value: string): { paths: number } | { percent: number } {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(value.trim());
  const n = m ? Number(m[1]) : NaN;
  if (m && m[2] === '%' && n <= 100) return { percent: n };
  if (m && m[2] === '' && Number.isInteger(n) && n <= 0xffffffff) return { paths: n };
  throw new InvalidArgumentError(`expected a number of paths (e.g. 100) or a percentage (e.g. 10%), got ${JSON.stringify(value)}`);
}

async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
  return Buffer.concat(chunks);
}

/** The file's bytes: a large JSON file is read from them, without decoding it to a string. */
async function readSource(file: string, io: CliIo): Promise<Buffer> {
  if (file === '-') return readAll(io.stdin ?? process.stdin);
  try {
    return await readFile(file);
  } catch (e) {
    throw new UsageError(`--file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export function registerReplace(program: Command, ctx: CommandContext): void {
  program
    .command('replace')
    .description("make an owner's paths exactly those in a file: the rest of its paths are withdrawn, unchanged ones untouched")
    .requiredOption('--owner <name>', 'whose paths these are (e.g. the controller\'s name)', ownerName)
    .requiredOption('--file <file>', `YAML or JSON list of {${['prefix', 'nextHop?', ...attributeTable().map((e) => `${e.name}?`), 'check?'].join(', ')}}; - reads stdin`)
    .option('--json', 'print the counts (and with --details the paths) as one JSON document')
    .option('--details', 'also list every path added, removed and updated (a large set makes a long answer)')
    .option('--max-remove <n|p%>', "refuse (changing nothing) if the set would withdraw more than N of the owner's paths, or more than P% of them: a re-sync guard for controllers", maxRemoveArg)
    .addHelpText(
      'after',
      `
The file is JSON or YAML; large sets (a million paths) are sent to the daemon in parts and
applied together, all or nothing.

A file with nothing in it is refused: an empty list, [], withdraws all of the owner's paths.

File example:
  - { prefix: 203.0.113.10/32, nextHop: 198.51.100.11 }
  - { prefix: 203.0.113.10/32, nextHop: 198.51.100.12, communities: [65000:100] }
  - { prefix: 203.0.113.20/32, nextHop: 198.51.100.12, check: web }   # announced while web answers`,
    )
    .action(async (o: ReplaceOptions, cmd: Command) => {
      await withApi(cmd, ctx, async (client) => {
        client.connect(); // while the file is read and packed
        const text = await readSource(o.file, ctx.io);
        const fileError = (e: unknown): unknown => (e instanceof PathFileError ? new UsageError(`${o.file}: ${e.message}`) : e);
        const m = o.maxRemove;
        const guard = m === undefined ? {} : 'paths' in m ? { maxRemove: m.paths } : { maxRemovePercent: m.percent };
        const replace = (paths: PathSet) => client.replacePaths(o.owner, paths, { details: o.details === true, ...guard });
        let result;
        try {
          result = await replace(readPathSet(text));
        } catch (e) {
          // A JSON file the fast reader left half way: what went of it was not applied.
          if (!(e instanceof ReadAgain)) throw fileError(e);
          let whole;
          try {
            whole = readPathSetWhole(text);
          } catch (e2) {
            throw fileError(e2);
          }
          result = await replace(whole);
        }
        ctx.io.stdout.write(o.json ? json(result) : replaceReport(result));
      }, { maxRemove: '--max-remove', maxRemovePercent: '--max-remove' });
    });
}
