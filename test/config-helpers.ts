// What the config tests share: the ConfigError a config text makes, and its problem lines.

import { ConfigError, parseConfig } from '../src/config.js';

/** The ConfigError that parsing `text` throws. */
export function errorOf(text: string, source?: string): ConfigError {
  try {
    parseConfig(text, source);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

/** The `path: message` lines under the header. */
export function problemLines(text: string): string[] {
  return errorOf(text).message.split('\n').slice(1);
}
