// What every API command shares: finding the daemon, calling it, and reporting failures.

import type { Command } from 'commander';
import { ApiError, connectClient, type ApiClient } from '../client.js';
import { DEFAULT_API, EXIT, type CliIo } from './io.js';

export interface CommandContext {
  readonly io: CliIo;
  /** Records the exit status the run will return. */
  exit(code: number): void;
}

/** --api, else $ANNOUNCER_API, else the default socket. */
export function apiTarget(cmd: Command, io: CliIo): string {
  const flag = cmd.optsWithGlobals<{ api?: string }>().api;
  return flag ?? (io.env['ANNOUNCER_API'] || DEFAULT_API);
}

function describeFailure(err: unknown, target: string): { message: string; code: number } {
  if (!(err instanceof ApiError)) return { message: err instanceof Error ? err.message : String(err), code: EXIT.failed };
  switch (err.codeName) {
    case 'UNAVAILABLE': {
      const denied = /EACCES|permission denied/i.test(err.message);
      return {
        message: denied
          ? `cannot reach the announcer daemon at ${target}: permission denied (run as a user allowed to open the socket)`
          : `cannot reach the announcer daemon at ${target} (is \`announcer daemon\` running?)`,
        code: EXIT.unreachable,
      };
    }
    case 'DEADLINE_EXCEEDED':
      return { message: `the announcer daemon at ${target} did not answer in time`, code: EXIT.unreachable };
    default:
      return { message: err.message, code: EXIT.failed };
  }
}

/** Runs `fn` with a client for the daemon; any failure goes to stderr and sets the exit status. */
export async function withApi(cmd: Command, ctx: CommandContext, fn: (client: ApiClient) => Promise<void>): Promise<void> {
  const target = apiTarget(cmd, ctx.io);
  let client: ApiClient;
  try {
    client = connectClient(target);
  } catch (err) {
    // Only a malformed --api / $ANNOUNCER_API gets here: a usage error.
    ctx.io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    ctx.exit(EXIT.usage);
    return;
  }
  try {
    await fn(client);
  } catch (err) {
    const { message, code } = describeFailure(err, target);
    ctx.io.stderr.write(`error: ${message}\n`);
    ctx.exit(code);
  } finally {
    client.close();
  }
}
