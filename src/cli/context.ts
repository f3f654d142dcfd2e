// What every API command shares: finding the daemon, calling it, and reporting failures.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ApiError, connectClient, type ApiClient, type ClientOptions, type ClientTlsOptions } from '../client.js';
import { inCliWords, reportFailure, type CliFailure, type FieldWords } from './errors.js';
import { DEFAULT_API, EXIT, type CliIo } from './io.js';

export interface CommandContext {
  readonly io: CliIo;
  /** Records the exit status the run will return. */
  exit(code: number): void;
  /** Records that the command opened a client of the daemon's API (see Cli.calledDaemon). */
  calledDaemon(): void;
}

/** --api, else $ANNOUNCER_API, else the default socket. */
export function apiTarget(cmd: Command, io: CliIo): string {
  const flag = cmd.optsWithGlobals<GlobalOptions>().api;
  return flag ?? (io.env['ANNOUNCER_API'] || DEFAULT_API);
}

interface GlobalOptions {
  api?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServerName?: string;
}

/** The user asked wrong (an unreadable --tls-* file, a malformed --file): exit 2, no call made. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function readPem(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** --tls-ca / --tls-cert / --tls-key / --tls-server-name, else $ANNOUNCER_TLS_CA / _CERT / _KEY; none: plain. */
async function tlsOptions(cmd: Command, io: CliIo): Promise<ClientTlsOptions | undefined> {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  const ca = o.tlsCa ?? (io.env['ANNOUNCER_TLS_CA'] || undefined);
  const cert = o.tlsCert ?? (io.env['ANNOUNCER_TLS_CERT'] || undefined);
  const key = o.tlsKey ?? (io.env['ANNOUNCER_TLS_KEY'] || undefined);
  if (ca === undefined && cert === undefined && key === undefined && o.tlsServerName === undefined) return undefined;
  return {
    ...(ca !== undefined ? { ca: await readPem(ca, '--tls-ca') } : {}),
    ...(cert !== undefined ? { cert: await readPem(cert, '--tls-cert') } : {}),
    ...(key !== undefined ? { key: await readPem(key, '--tls-key') } : {}),
    ...(o.tlsServerName !== undefined ? { serverName: o.tlsServerName } : {}),
  };
}

function describeFailure(err: unknown, target: string, words: FieldWords): { message: string; code: number; status?: string; flag?: string } {
  if (err instanceof UsageError) return { message: err.message, code: EXIT.usage };
  if (!(err instanceof ApiError)) return { message: err instanceof Error ? err.message : String(err), code: EXIT.failed };
  switch (err.codeName) {
    case 'UNAVAILABLE': {
      // The daemon answered, naming what it could not do (its state file's disk): not unreachable.
      if (err.field !== undefined) return { ...inCliWords(err.message, err.field, words), code: EXIT.failed, status: err.codeName };
      const denied = /EACCES|permission denied/i.test(err.message);
      if (/SSL|TLS|certificate|handshake/i.test(err.message)) {
        return { message: `cannot reach the announcer daemon at ${target}: TLS failed: ${err.message}`, code: EXIT.unreachable };
      }
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
      return { ...inCliWords(err.message, err.field, words), code: EXIT.failed, status: err.codeName };
  }
}

function failure(d: { message: string; code: number; status?: string; flag?: string }, cmd: Command): CliFailure {
  const kind = d.code === EXIT.usage ? 'usage' : d.code === EXIT.unreachable ? 'unreachable' : 'refused';
  return {
    message: d.message,
    exitCode: d.code,
    kind,
    ...(d.status ? { status: d.status } : {}),
    ...(d.flag ? { flag: d.flag } : {}),
    ...(kind === 'usage' ? { hint: `announcer ${cmd.name()} --help` } : {}),
  };
}

/**
 * Runs `fn` with a client for the daemon; any failure goes to stderr (as JSON with --json) and sets
 * the exit status. `words` turns the daemon's field names into the command's flags.
 */
export async function withApi(cmd: Command, ctx: CommandContext, fn: (client: ApiClient) => Promise<void>, words: FieldWords = {}): Promise<void> {
  const target = apiTarget(cmd, ctx.io);
  const json = cmd.opts<{ json?: boolean }>().json === true;
  let client: ApiClient;
  try {
    const tls = await tlsOptions(cmd, ctx.io);
    const options: ClientOptions = tls ? { tls } : {};
    client = connectClient(target, options);
    ctx.calledDaemon();
  } catch (err) {
    // Only a malformed --api / $ANNOUNCER_API or a TLS flag gets here: a usage error.
    reportFailure(ctx.io, failure({ message: err instanceof Error ? err.message : String(err), code: EXIT.usage }, cmd), json);
    ctx.exit(EXIT.usage);
    return;
  }
  try {
    await fn(client);
  } catch (err) {
    const d = describeFailure(err, target, words);
    reportFailure(ctx.io, failure(d, cmd), json);
    ctx.exit(d.code);
  } finally {
    client.close();
  }
}
