// announcer add-eip PREFIX [--next-hop IP]... [attributes] [--owner NAME] [--check NAME]: announce a prefix.

import type { Command } from 'commander';
import { attributeTable } from '../attributes/table.js';
import type { PathInput } from '../client.js';
import { withApi, type CommandContext } from './context.js';
import type { FieldWords } from './errors.js';
import { addReachReport, json } from './format.js';
import { attributeOption, checkName, familyMismatch, nextHopArg, ownerName, prefixArg, splitNextHop, weightArg } from './options.js';
import { UsageError } from './context.js';

interface AddEipOptions {
  nextHop?: string[];
  owner?: string;
  check?: string;
  json?: boolean;
  replaceAttributes?: boolean;
  weight?: number;
  /** The attributes' options, by commander's name for each (attributeOption). */
  readonly [attributeOption: string]: unknown;
}

/** The daemon's field names as this command's flags, for its errors. */
function addEipWords(): FieldWords {
  return {
    paths: '',
    prefix: '',
    nextHop: '--next-hop',
    ...Object.fromEntries(attributeTable().map((e) => [e.name, e.cli.flag])),
    owner: '--owner',
    check: '--check',
    weight: '--weight',
  };
}

/** One path per next hop, all with the same attributes; no next hop: the daemon's default. */
export function pathInputs(prefix: string, o: AddEipOptions): PathInput[] {
  const attributes: Record<string, unknown> = {};
  for (const e of attributeTable()) {
    const v = o[attributeOption(e).attributeName()];
    if (v !== undefined) attributes[e.name] = v;
  }
  const shared: PathInput = {
    prefix,
    ...attributes,
    ...(o.owner !== undefined ? { owner: o.owner } : {}),
    ...(o.check !== undefined ? { check: o.check } : {}),
  };
  const weighted = (weight: number | undefined): PathInput => (weight === undefined ? shared : { ...shared, weight });
  if (!o.nextHop) return [weighted(o.weight)];
  return o.nextHop.map((arg) => {
    const { address, weight } = splitNextHop(arg);
    return { ...weighted(weight ?? o.weight), nextHop: address };
  });
}

export function registerAddEip(program: Command, ctx: CommandContext): void {
  const command = program
    .command('add-eip')
    .description('announce a prefix, one path per next hop (adding an existing path updates it)')
    .argument('<prefix>', 'e.g. 203.0.113.10/32 or 2001:db8::10/128; a bare address means /32 or /128', prefixArg)
    .option('--next-hop <ip[=weight]>', 'a node serving the prefix, or "self" (repeatable; default: the daemon\'s nextHop); =N gives that path weight N', nextHopArg);
  for (const e of attributeTable()) command.addOption(attributeOption(e));
  command
    .option('--owner <name>', 'who the paths belong to (default: cli)', ownerName)
    .option('--check <name>', 'a health check from the daemon\'s healthChecks: each path is announced only while its target answers', checkName)
    .option('--weight <n>', "weighted ECMP, 1-1000: each path's share of the traffic is its weight over the sum (sent as link bandwidth; FRR weighs by it)", weightArg)
    .option('--replace-attributes', "make the prefix's attributes exactly those given (without it, attributes not given are kept)")
    .option('--json', 'print the paths as announced, each with its outcome (added, owner-added, updated, unchanged), as one JSON document')
    .addHelpText(
      'after',
      `
A prefix's attributes (communities, MED, LOCAL_PREF, prepending, ...) are shared by all its paths:
a router merges only paths of equal attributes into one ECMP route. add-eip changes those it is
given and keeps the others (--replace-attributes: exactly those given). Attributes another owner
set are that owner's to change while it has a path of the prefix: add-eip then refuses, naming it.`,
    )
    .action(async (prefix: string, o: AddEipOptions, cmd: Command) => {
      await withApi(
        cmd,
        ctx,
        async (client) => {
          const mismatch = familyMismatch(prefix, o.nextHop);
          if (mismatch) throw new UsageError(mismatch);
          const { paths, reach } = await client.addPathsReach(pathInputs(prefix, o), { replaceAttributes: o.replaceAttributes === true });
          const alsoUpdated = paths.alsoUpdated;
          ctx.io.stdout.write(o.json ? json({ paths: [...paths], reach, alsoUpdated }) : addReachReport(paths, reach, alsoUpdated));
        },
        addEipWords(),
      );
    });
}
