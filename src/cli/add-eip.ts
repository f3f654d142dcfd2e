// announcer add-eip PREFIX [--next-hop IP]... [attributes] [--owner NAME] [--check NAME]: announce a prefix.

import { Option, type Command } from 'commander';
import type { PathInput } from '../client.js';
import { withApi, type CommandContext } from './context.js';
import type { FieldWords } from './errors.js';
import { addReachReport, json } from './format.js';
import { checkName, communityArg, familyMismatch, largeCommunityArg, nextHopArg, ownerName, prefixArg, uint32 } from './options.js';
import { UsageError } from './context.js';

interface AddEipOptions {
  nextHop?: string[];
  community?: string[];
  largeCommunity?: string[];
  localPref?: number;
  med?: number;
  owner?: string;
  check?: string;
  json?: boolean;
}

/** The daemon's field names as this command's flags, for its errors. */
const ADD_EIP_WORDS: FieldWords = {
  paths: '',
  prefix: '',
  nextHop: '--next-hop',
  communities: '--community',
  largeCommunities: '--large-community',
  localPref: '--local-pref',
  med: '--med',
  owner: '--owner',
  check: '--check',
};

/** One path per next hop, all with the same attributes; no next hop: the daemon's default. */
export function pathInputs(prefix: string, o: AddEipOptions): PathInput[] {
  const shared = {
    prefix,
    ...(o.community ? { communities: o.community } : {}),
    ...(o.largeCommunity ? { largeCommunities: o.largeCommunity } : {}),
    ...(o.localPref !== undefined ? { localPref: o.localPref } : {}),
    ...(o.med !== undefined ? { med: o.med } : {}),
    ...(o.owner !== undefined ? { owner: o.owner } : {}),
    ...(o.check !== undefined ? { check: o.check } : {}),
  };
  return o.nextHop ? o.nextHop.map((nextHop) => ({ ...shared, nextHop })) : [shared];
}

export function registerAddEip(program: Command, ctx: CommandContext): void {
  program
    .command('add-eip')
    .description('announce a prefix, one path per next hop (adding an existing path updates it)')
    .argument('<prefix>', 'e.g. 203.0.113.10/32 or 2001:db8::10/128; a bare address means /32 or /128', prefixArg)
    .option('--next-hop <ip>', 'a node serving the prefix, or "self" (repeatable; default: the daemon\'s nextHop)', nextHopArg)
    .option('--community <a:b>', 'a COMMUNITY, e.g. 65000:100 (repeatable)', communityArg)
    .option('--large-community <a:b:c>', 'a LARGE_COMMUNITY, e.g. 65000:1:2 (repeatable)', largeCommunityArg)
    .addOption(new Option('--local-pref <n>', 'LOCAL_PREF (iBGP only)').argParser(uint32))
    .addOption(new Option('--med <n>', 'MULTI_EXIT_DISC').argParser(uint32))
    .option('--owner <name>', 'who the paths belong to (default: cli)', ownerName)
    .option('--check <name>', 'a health check from the daemon\'s healthChecks: each path is announced only while its target answers', checkName)
    .option('--json', 'print the paths as announced, each with its outcome (added, owner-added, updated, unchanged), as one JSON document')
    .action(async (prefix: string, o: AddEipOptions, cmd: Command) => {
      await withApi(
        cmd,
        ctx,
        async (client) => {
          const mismatch = familyMismatch(prefix, o.nextHop);
          if (mismatch) throw new UsageError(mismatch);
          const { paths, reach } = await client.addPathsReach(pathInputs(prefix, o));
          ctx.io.stdout.write(o.json ? json({ paths, reach }) : addReachReport(paths, reach));
        },
        ADD_EIP_WORDS,
      );
    });
}
