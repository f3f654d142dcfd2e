// The one root logger. Components get children with their own fields ({peer}, {component}).
// JSON lines for machines; pino-pretty's human-readable lines when a person is reading (a
// terminal, or `logFormat: pretty`).

import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger };

/** json: one JSON object a line; pretty: one readable line each; auto: pretty on a terminal, else json. */
export type LogFormat = 'auto' | 'json' | 'pretty';

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const satisfies readonly LogFormat[];

interface Destination {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

/** Whether `format` comes out pretty on `destination`. */
export function isPretty(format: LogFormat, destination: Destination): boolean {
  return format === 'pretty' || (format === 'auto' && destination.isTTY === true);
}

export function createLogger(level: LevelWithSilent = 'info', destination: Destination = process.stderr, format: LogFormat = 'auto', name = 'announcer'): Logger {
  const options = { level, base: { name } };
  if (!isPretty(format, destination)) return pino(options, destination as DestinationStream);
  // pino-pretty's formatter, applied line by line and synchronously (its stream form pipes
  // through a transform, which could lose the last lines of a process that is exiting).
  const prettify = prettyFactory({
    colorize: destination.isTTY === true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
  const pretty: DestinationStream = { write: (line) => void destination.write(prettify(line)) };
  return pino(options, pretty);
}

/** A logger that drops everything: for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
