// announcer watch [--json] [--paths]: print events as they happen, until Ctrl-C (exit 0).

import type { Command } from 'commander';
import { withApi, type CommandContext } from './context.js';
import { eventJsonLine, formatEvent } from './format.js';
import { EXIT } from './io.js';

export function registerWatch(program: Command, ctx: CommandContext): void {
  program
    .command('watch')
    .description('print session state changes, path changes and health check changes as they happen, until Ctrl-C')
    .option('--json', 'one JSON object per line (at: milliseconds since the epoch)')
    .option('--paths', 'every path of a large change too (a replace, or a request of over 1,000 paths), not only its summary')
    .action(async (o: { json?: boolean; paths?: boolean }, cmd: Command) => {
      await withApi(cmd, ctx, async (client) => {
        const out = ctx.io.stdout;
        const w = client.watch((e) => out.write(o.json ? eventJsonLine(e) : formatEvent(e)), undefined, { paths: o.paths === true });
        const signals = ctx.io.signals ?? process;
        const stop = (): void => w.cancel();
        signals.once('SIGINT', stop);
        signals.once('SIGTERM', stop);
        try {
          await w.started;
          ctx.io.stderr.write(`watching ${client.target} (Ctrl-C to stop)\n`);
          const err = await w.ended;
          if (err) {
            // The stream was up, so the daemon was there: say how it ended rather than "is it running?".
            ctx.io.stderr.write(`error: watch ended: ${err.message}\n`);
            ctx.exit(err.codeName === 'UNAVAILABLE' ? EXIT.unreachable : EXIT.failed);
          }
        } finally {
          signals.off('SIGINT', stop);
          signals.off('SIGTERM', stop);
        }
      });
    });
}
