/**
 * What each receiver's interop run found, kept for the interop table of docs/interop.md: every
 * suite writes $TMPDIR/announcer-interop/<receiver>.json when it ends, and `npm run interop:table`
 * (table.ts) turns those files into the table between that file's interop markers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Receiver } from './receiver.js';

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly outcome: 'passed' | 'failed' | 'not applicable';
  /** Why not applicable. */
  readonly why?: string;
}

export interface ReceiverResults {
  readonly receiver: string;
  readonly id: string;
  readonly version: string;
  readonly at: string;
  readonly scenarios: readonly ScenarioResult[];
}

export function resultsDir(): string {
  return process.env.ANNOUNCER_INTEROP_DIR ?? join(tmpdir(), 'announcer-interop');
}

export function recordResults(receiver: Receiver, version: string, scenarios: readonly ScenarioResult[]): void {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const out: ReceiverResults = { receiver: receiver.name, id: receiver.id, version, at: new Date().toISOString(), scenarios };
  writeFileSync(join(dir, `${receiver.id}.json`), `${JSON.stringify(out, null, 2)}\n`);
}
