// The state file of a lab left running by `npm run demo -- --keep`, so that a later
// `npm run demo -- --down` (another process) can find and remove it.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DetachedLab } from '../lab/index.js';
import type { Shape } from './lab-setup.js';

/** A fixed place, so `--down` needs no argument; ANNOUNCER_DEMO_STATE overrides it (tests). */
export const DEFAULT_STATE_FILE = '/run/announcer-demo/lab.json';

export function stateFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env['ANNOUNCER_DEMO_STATE'];
  return path === undefined || path === '' ? DEFAULT_STATE_FILE : path;
}

export interface KeptLab {
  readonly version: 1;
  readonly shape: Shape;
  /** ISO time. */
  readonly createdAt: string;
  readonly lab: DetachedLab;
}

/** The kept lab, or undefined when there is no state file; a file that is not one is an error. */
export function readState(path: string): KeptLab | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not JSON (${e instanceof Error ? e.message : String(e)}); remove it if no demo lab runs`);
  }
  if (!isKeptLab(value)) throw new Error(`${path}: not a demo lab state file; remove it if no demo lab runs`);
  return value;
}

function isKeptLab(v: unknown): v is KeptLab {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  const lab = s['lab'] as Record<string, unknown> | undefined;
  return (
    s['version'] === 1 &&
    typeof lab === 'object' &&
    lab !== null &&
    typeof lab['id'] === 'string' &&
    typeof lab['dir'] === 'string' &&
    Array.isArray(lab['namespaces']) &&
    lab['namespaces'].every((n) => typeof n === 'string') &&
    Array.isArray(lab['processes']) &&
    lab['processes'].every(
      (p: unknown) =>
        typeof p === 'object' &&
        p !== null &&
        typeof (p as Record<string, unknown>)['pid'] === 'number' &&
        typeof (p as Record<string, unknown>)['ns'] === 'string',
    )
  );
}

/** Written atomically (a temp file renamed over it). */
export function writeState(path: string, state: KeptLab): void {
  // Only the last level (/run/announcer-demo): Node's recursive mkdir spins forever under /proc.
  try {
    mkdirSync(dirname(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}

export function removeState(path: string): void {
  rmSync(path, { force: true });
}

/** Whether any of the kept lab's namespaces still exists. */
export function isRunning(state: KeptLab): boolean {
  return state.lab.namespaces.some((ns) => existsSync(join('/run/netns', ns)));
}
