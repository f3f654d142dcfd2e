// The example controller as a program:
//   npx tsx examples/controller/main.ts --api unix:/run/announcer/announcer.sock --owner my-lb --file desired.yaml
// Logs as the daemon does (its logger, announcer/log): one JSON object a line, or pino-pretty's
// readable lines on a terminal or with --log-format pretty. Stops cleanly on SIGTERM or SIGINT.

import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { EventEmitter } from 'node:events';
import { createLogger, LOG_FORMATS, type LogFormat } from 'announcer/log';
import { runController, type LogEntry } from './controller.js';

const DEFAULT_API = 'unix:/run/announcer/announcer.sock';

const USAGE = `usage: controller --owner NAME --file FILE [--api unix:PATH|HOST:PORT] [--resync SECONDS] [--debug]
                  [--log-format auto|json|pretty] [--max-remove N|P%]

Keeps the EIPs listed in FILE announced by the announcer daemon as owner NAME (ReplacePaths),
syncing on start, when FILE changes, every --resync seconds (default 60) and when the daemon
comes back. --api defaults to $ANNOUNCER_API, else ${DEFAULT_API}. Logs go to stdout, as
JSON lines unless stdout is a terminal (--log-format, like the daemon's logFormat, decides).
--max-remove: the daemon refuses (and nothing changes) a sync that would withdraw more than N
of the owner's paths, or P% of them: a file that lost its EIPs to a bug cannot empty the router.

FILE:
  eips:
    - prefix: 203.0.113.10
      nextHops: [198.51.100.11, 198.51.100.12]
      communities: [65000:100]
`;

export interface MainIo {
  readonly stdout: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(s: string): unknown };
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Runs until SIGTERM or SIGINT arrives on `signals`; resolves to the exit status (2: usage). */
/** "100" or "10%"; null when it is neither. */
function removeLimit(text: string): { paths: number } | { percent: number } | null {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (m[2] === '%') return n <= 100 ? { percent: n } : null;
  return Number.isInteger(n) ? { paths: n } : null;
}

export async function main(argv: readonly string[], io: MainIo, signals: Pick<EventEmitter, 'once' | 'off'> = process): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        api: { type: 'string' },
        owner: { type: 'string' },
        file: { type: 'string' },
        resync: { type: 'string' },
        debug: { type: 'boolean' },
        'log-format': { type: 'string' },
        'max-remove': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    io.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (!values.owner) problems.push('--owner is required');
  if (!values.file) problems.push('--file is required');
  const resync = values.resync === undefined ? 60 : Number(values.resync);
  if (!(resync > 0)) problems.push(`--resync: expected a number of seconds above 0, got ${JSON.stringify(values.resync)}`);
  const maxRemove = values['max-remove'] === undefined ? undefined : removeLimit(values['max-remove']);
  if (maxRemove === null) problems.push(`--max-remove: expected a number of paths (100) or a percentage (10%), got ${JSON.stringify(values['max-remove'])}`);
  const format = values['log-format'] ?? 'auto';
  if (!(LOG_FORMATS as readonly string[]).includes(format)) problems.push(`--log-format: expected ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  if (problems.length || !values.owner || !values.file) {
    io.stderr.write(`${problems.join('\n')}\n${USAGE}`);
    return 2;
  }
  const api = values.api ?? io.env?.['ANNOUNCER_API'] ?? DEFAULT_API;
  const logger = createLogger(values.debug ? 'debug' : 'info', io.stdout, format as LogFormat, 'announcer-controller');
  const log = (entry: LogEntry): void => {
    const { level, msg, ...fields } = entry;
    logger[level](fields, msg);
  };

  let controller;
  try {
    controller = runController({ api, owner: values.owner, file: resolve(values.file), resyncMs: resync * 1000, ...(maxRemove ? { maxRemove } : {}) }, { log });
  } catch (e) {
    // connectClient refuses a malformed --api at once.
    io.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const signal = await new Promise<string>((done) => {
    const on = (name: string) => () => {
      signals.off('SIGTERM', term);
      signals.off('SIGINT', int);
      done(name);
    };
    const term = on('SIGTERM');
    const int = on('SIGINT');
    signals.once('SIGTERM', term);
    signals.once('SIGINT', int);
  });
  log({ level: 'info', msg: 'stopping', signal });
  await controller.stop();
  return 0;
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(realpathSync(resolve(entry))).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
