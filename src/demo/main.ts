#!/usr/bin/env node
// `npm run demo [-- --central] [-- --keep | --down]`: the one-command lab (see scenario.ts).
// This file parses the arguments, traps Ctrl-C / SIGTERM (the demo then tears down and stops),
// and turns the outcome into the exit status; nothing below it exits the process.
import { existsSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { destroyDetached } from '../lab/index.js';
import { CLI_MAIN, type Shape } from './lab-setup.js';
import { checkRoot, DemoError, ensureTools, withSbin } from './preflight.js';
import { Progress, type Output } from './progress.js';
import { runDemo } from './scenario.js';
import { readState, removeState, stateFilePath } from './state.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const USAGE = `usage: npm run demo [-- [--central] [--keep] [--requests N]]
       npm run demo -- --down

Builds a lab in network namespaces (a BIRD 2 router, three nodes, a client), announces the EIP
203.0.113.10 with announcer, shows the router's ECMP route and HTTP traffic spread over the nodes,
takes one node out and shows the route and the traffic shrink to the two left, then tears down.
Needs root; installs bird2 and iproute2 with apt-get when they are missing.

  --central        one central announcer with ADD-PATH (Porter-style) instead of one per node
  --keep           leave the lab running at the end, and print how to look around
  --down           tear down a lab left running by --keep
  --requests N     HTTP requests per round (default 300)
  -h, --help       this text

The state of a kept lab is in ${stateFilePath()} (ANNOUNCER_DEMO_STATE overrides the path).
Exit status: 0 everything happened as shown; 1 something did not (the message says what);
2 usage; 130 / 143 interrupted by SIGINT / SIGTERM (the lab is torn down first).
`;

export interface DemoArgs {
  readonly shape: Shape;
  readonly keep: boolean;
  readonly down: boolean;
  readonly help: boolean;
  readonly requests: number;
}

/** Parses the command line; throws a DemoError with the problem for a usage error. */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        central: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        down: { type: 'boolean', default: false },
        requests: { type: 'string', default: '300' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new DemoError(e instanceof Error ? e.message : String(e));
  }
  const requests = Number(values.requests);
  if (!Number.isInteger(requests) || requests < 10 || requests > 100_000) {
    throw new DemoError(`--requests: a whole number from 10 to 100000, got ${JSON.stringify(values.requests)}`);
  }
  if (values.down && (values.central || values.keep)) throw new DemoError('--down takes no other option');
  return { shape: values.central ? 'central' : 'per-node', keep: values.keep, down: values.down, help: values.help, requests };
}

/** --down: removes the kept lab recorded in the state file, if any. */
async function down(progress: Progress, stateFile: string): Promise<void> {
  const state = readState(stateFile);
  if (state === undefined) {
    progress.line(`No kept demo lab (no ${stateFile}): nothing to tear down.`);
    return;
  }
  progress.line(`Tearing down the demo lab ${state.lab.id} (${state.shape} shape, kept since ${state.createdAt})`);
  const done = await progress.step(
    `stopping its processes, deleting its ${state.lab.namespaces.length} namespaces (${state.lab.id}-*)`,
    () => destroyDetached(state.lab),
    { evenIfAborted: true, detail: (r) => `${r.processes} processes stopped, ${r.namespaces} namespaces deleted` },
  );
  removeState(stateFile);
  progress.line(`Done: ${state.lab.dir} and ${stateFile} removed${done.namespaces === 0 ? ' (the lab was already gone)' : ''}.`);
}

export async function main(argv: readonly string[], out: Output, err: Output): Promise<number> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(argv);
  } catch (e) {
    err.write(`demo: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (args.help) {
    out.write(USAGE);
    return EXIT.ok;
  }

  const interrupt = new AbortController();
  let caught: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (caught !== undefined) {
      err.write(`\ndemo: ${sig} again: still tearing down, please wait\n`);
      return;
    }
    caught = sig;
    err.write(`\ndemo: caught ${sig}: stopping and tearing the lab down\n`);
    interrupt.abort(new DemoError(`interrupted by ${sig}`));
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);

  const start = Date.now();
  const progress = new Progress(out, interrupt.signal);
  const stateFile = stateFilePath();
  try {
    checkRoot();
    process.env['PATH'] = withSbin(process.env['PATH']);
    if (args.down) {
      await down(progress, stateFile);
      return EXIT.ok;
    }
    if (!existsSync(CLI_MAIN)) throw new DemoError(`${CLI_MAIN} is missing: run \`npm run build\` first (npm run demo does)`);
    progress.line('Checking the tools');
    await ensureTools(progress, interrupt.signal);
    progress.line();
    await runDemo({ shape: args.shape, keep: args.keep, stateFile, requests: args.requests }, progress, interrupt.signal);
    const total = ((Date.now() - start) / 1000).toFixed(1);
    progress.line();
    progress.line(
      args.keep
        ? `Demo done in ${total} s; the lab keeps running until \`npm run demo -- --down\`.`
        : `Demo done in ${total} s: ECMP over three nodes, then over the two left, then a dead web server taken out by its health check and back${args.shape === 'central' ? '' : ', then a node drained and back'}; no namespace or process left behind.`,
    );
    return EXIT.ok;
  } catch (e) {
    if (caught !== undefined) {
      err.write(`demo: interrupted by ${caught}; the lab is torn down.\n`);
      return 128 + (caught === 'SIGINT' ? 2 : caught === 'SIGTERM' ? 15 : 1);
    }
    const text = e instanceof DemoError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
    err.write(`\ndemo failed: ${text}\n`);
    return EXIT.failed;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

// Run when executed (node dist/demo/main.js), not when a test imports parseDemoArgs.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2), process.stdout, process.stderr);
}
