// The desired paths on disk, so a restart loses nothing. Every write replaces the whole file
// atomically (temp file, fsync, rename, fsync of the directory): a crash at any moment leaves
// either the old state or the new one, never a mix. Writes are coalesced: however many changes
// arrive while one write runs, the next write carries all of them.

import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log.js';

export const STATE_VERSION = 1;

export interface StoredPath {
  readonly prefix: string;
  readonly nextHop: string;
  readonly owners: readonly string[];
  readonly communities?: readonly string[];
  readonly largeCommunities?: readonly string[];
  readonly localPref?: number;
  readonly med?: number;
  /** The ADD-PATH path id, kept over a restart so a router sees the same path again (graceful restart). */
  readonly pathId?: number;
}

const storedPath = z.object({
  prefix: z.string(),
  nextHop: z.string(),
  owners: z.array(z.string()).min(1),
  communities: z.array(z.string()).optional(),
  largeCommunities: z.array(z.string()).optional(),
  localPref: z.number().int().optional(),
  med: z.number().int().optional(),
  pathId: z.number().int().min(1).max(0xffffffff).optional(),
});
const stateFile = z.object({ version: z.literal(STATE_VERSION), paths: z.array(storedPath) });

/** The state file exists but cannot be used: the daemon must not start (and must not overwrite it). */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`state file ${file}: ${why}; refusing to start so it is not overwritten (fix or move it away)`);
  }
}

export class StateStore {
  private writing: Promise<void> | null = null;
  private pending: { snapshot: () => readonly StoredPath[]; done: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | null = null;
  /** Completed writes, for tests and the log. */
  writes = 0;

  constructor(
    readonly file: string,
    private readonly log: Logger,
  ) {}

  /** The stored paths; [] when there is no file yet. Throws StateFileError when it is unreadable. */
  async load(): Promise<StoredPath[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new StateFileError(this.file, `cannot read it: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new StateFileError(this.file, `not valid JSON (${(e as Error).message})`);
    }
    const parsed = stateFile.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new StateFileError(this.file, `not an announcer state file (${issue.path.join('.') || 'top level'}: ${issue.message})`);
    }
    return parsed.data.paths;
  }

  /**
   * Persist the state `snapshot()` returns when the write starts. Resolves once a write that
   * includes every change made before this call is on disk.
   */
  save(snapshot: () => readonly StoredPath[]): Promise<void> {
    if (this.pending) {
      this.pending.snapshot = snapshot;
      return this.pending.done;
    }
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.pending = { snapshot, done, resolve, reject };
    if (!this.writing) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const job = this.pending;
      this.pending = null;
      this.writing = this.writeNow(job.snapshot());
      try {
        await this.writing;
        job.resolve();
      } catch (e) {
        this.log.error({ err: (e as Error).message, file: this.file }, 'cannot write the state file');
        job.reject(e);
      } finally {
        this.writing = null;
      }
    }
  }

  private async writeNow(paths: readonly StoredPath[]): Promise<void> {
    const dir = dirname(this.file);
    await mkdir(dir, { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    const body = JSON.stringify({ version: STATE_VERSION, paths });
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(body);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, this.file);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
    // The rename itself must survive a power cut: sync the directory entry too.
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
    this.writes++;
  }

  /** Resolves when no write is running or queued. */
  async flush(): Promise<void> {
    while (this.writing || this.pending) await (this.pending?.done ?? this.writing);
  }
}
