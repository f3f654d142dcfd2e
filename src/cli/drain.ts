// announcer drain [--for DURATION] | announcer undrain: move traffic off this node before its
// paths go (RFC 8326 GRACEFUL_SHUTDOWN), and back.

import { InvalidArgumentError, type Command } from 'commander';
import type { DrainStatus } from '../client.js';
import { withApi, type CommandContext } from './context.js';
import { json } from './format.js';
import { nowOf } from './io.js';

/** The longest drain the daemon takes: a day. */
const MAX_MS = 86_400_000;

/** "30s", "500ms", "2m", "1h" or a bare number of seconds -> milliseconds. */
export function drainDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const ms = m ? Math.round(Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h']) : NaN;
  if (!Number.isFinite(ms) || ms > MAX_MS) throw new InvalidArgumentError(`expected a time of at most 24h, like 30s, 500ms, 2m or 1h (a bare number is seconds), got ${JSON.stringify(value)}`);
  return ms;
}

/** "draining since 12:00:01: every path is sent with GRACEFUL_SHUTDOWN; withdrawn in 30 s (12:00:31)". */
export function drainLine(d: DrainStatus, now: number): string {
  const clock = (t: number): string => new Date(t).toISOString().slice(11, 19);
  switch (d.state) {
    case 'announcing':
      return 'announcing: not draining';
    case 'withdrawn':
      return `drained since ${clock(d.since ?? now)} UTC: every path is withdrawn from every peer (announcer undrain announces them again)`;
    case 'draining': {
      const then = d.withdrawAt === undefined ? 'until undrain' : `withdrawn in ${Math.max(0, Math.round((d.withdrawAt - now) / 1000))} s (${clock(d.withdrawAt)} UTC)`;
      return `draining since ${clock(d.since ?? now)} UTC: every path is sent with GRACEFUL_SHUTDOWN (65535:0), and LOCAL_PREF 0 to iBGP peers; ${then}`;
    }
  }
}

export function registerDrain(program: Command, ctx: CommandContext): void {
  program
    .command('drain')
    .description('move traffic off this node: every path is sent again with GRACEFUL_SHUTDOWN (65535:0), then, with --for, withdrawn')
    .option('--for <time>', 'withdraw every path this long after now (30s, 2m; a bare number is seconds); without it the paths stay, drained, until undrain', drainDuration)
    .option('--status', 'only say whether the daemon is draining')
    .option('--json', 'print the drain state as one JSON document (since, withdrawAt: ms since the epoch)')
    .addHelpText(
      'after',
      `
Routers that honour GRACEFUL_SHUTDOWN (RFC 8326) give the paths the lowest preference, so traffic
moves to the other nodes while this one still forwards; then --for withdraws them. FRR does so
on its own for eBGP sessions; BIRD needs one line in the session's import filter:
  if (65535, 0) ~ bgp_community then bgp_local_pref = 0;
Sessions stay up, the desired table is kept (calls change it as usual, sent drained), and
"announcer undrain" announces every path as before. A restarted daemon is not draining.`,
    )
    .action(async (o: { for?: number; status?: boolean; json?: boolean }, cmd: Command) => {
      await withApi(cmd, ctx, async (client) => {
        const d = await client.drain(o.status === true ? { status: true } : o.for !== undefined ? { withdrawAfterMs: o.for } : {});
        ctx.io.stdout.write(o.json ? json(d) : `${drainLine(d, nowOf(ctx.io))}\n`);
      }, { withdrawAfterMs: '--for' });
    });
  program
    .command('undrain')
    .description('end a drain: every path is announced as before')
    .option('--json', 'print the drain state as one JSON document')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      await withApi(cmd, ctx, async (client) => {
        const d = await client.drain({ undrain: true });
        ctx.io.stdout.write(o.json ? json(d) : `${drainLine(d, nowOf(ctx.io))}\n`);
      });
    });
}
