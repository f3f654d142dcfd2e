// The desired paths on disk, so a restart loses nothing, at a cost that follows the change, not
// the table. Two files, both made of frames [u32 length][u32 CRC-32 of the payload][payload]:
//
//   STATE            the snapshot: a header line {"announcer":"state","version":3,"seq":S}, then
//                    frames whose payload is a path block (see path-block.ts), then an empty frame
//                    that says the snapshot is whole; the table as of journal record S
//   STATE.journal    records appended since, one frame per API call: [f64 seq][path block], so a
//                    call (a whole ReplacePaths too) is all or nothing (but see applyReplace in
//                    speaker/desired.ts: the records of calls answered while a large ReplacePaths
//                    is applied hold the prefixes they changed as they left them)
//
// Blocks are binary, written from the RIB's columns and read back into them: a million paths are
// about 18 MB, written and read without an object or a string per path.
//
// A call's record is on disk before the call returns (written with O_DSYNC); the calls of one turn
// of the event loop, and those that arrive while a write runs, share a write (group commit). Small
// writes run on the event loop while the disk is fast, others in the thread pool (write-mode.ts).
// When the journal grows past half the snapshot, a new snapshot is written in the background, some
// thousands of rows per turn of the event loop, while calls go on:
// the journal is set aside first (STATE.journal.old), the snapshot is "fuzzy" (rows read at
// different moments) but says which record it starts after, and every change it may have caught
// half-way is in a record after that, replayed on load. It is renamed into place only once every
// record it may contain is durable, then the old journal goes.
//
// Start-up reads the snapshot and the journal(s); the speaker puts their blocks into the RIB in
// order. A torn record at a journal's end (a crash mid-write) is dropped; any other damage stops
// the daemon with the file and the offset, leaving the files as they are. The version 1 state
// file (one JSON document) is read once and rewritten as a snapshot.

import { constants, writeSync, writevSync } from 'node:fs';
import { mkdir, open, readFile, rename, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { Slices, systemClock, type Clock, type TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import { JournalWriteMode, type WriteModeOptions } from './write-mode.js';
import { BlockError, PathBlock, PathBlockWriter, writeOps, type Dictionary, type PathDetails, type StoredPath, type StoreOp } from './path-block.js';

export { PathBlock, PathBlockWriter, writeOps, type PathDetails, type StoredPath, type StoreOp };

export const STATE_VERSION = 3;

// Version 1 is a past format, frozen: these four attributes are all its files ever held.
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
const v1File = z.object({ version: z.literal(1), paths: z.array(storedPath) });
const header = z.object({ announcer: z.literal('state'), version: z.number().int(), seq: z.number().int().min(0) });

/** The state files exist but cannot be used: the daemon must not start (and must not overwrite them). */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`state file ${file}: ${why}; refusing to start so it is not overwritten (fix or move it away)`);
  }
}

/**
 * A call's changes could not be saved (a full disk, a failing device). Nothing of the failed write
 * stays in the journal; the changes are in effect, and the whole table is saved again (a snapshot)
 * as soon as the disk takes it: the store retries by itself, and every call until then waits for
 * that save, so nothing is acknowledged that is not on disk.
 */
export class StateWriteError extends Error {
  override readonly name = 'StateWriteError';
  constructor(
    readonly file: string,
    /** The system's error code (ENOSPC, EDQUOT, EIO, EROFS...), when there is one. */
    readonly code: string | undefined,
    cause: string,
  ) {
    super(`state file ${file}: cannot save the change: ${cause}`);
  }

  /** Out of space (or quota): the operator frees some and it heals; anything else is the device. */
  get noSpace(): boolean {
    return this.code === 'ENOSPC' || this.code === 'EDQUOT';
  }
}

/** How long the store waits between attempts to save the table again after a failed write. */
const RESAVE_MS = 5_000;

/**
 * What load() read: blocks of puts and deletes, to be applied in order (the snapshot's, then the
 * journal's records after it). A put is a path's whole state; a delete removes the path.
 */
export class StoredState {
  constructor(readonly blocks: readonly PathBlock[]) {}

  /** A state of text paths, as if loaded (tests and tools). */
  static of(paths: readonly StoredPath[]): StoredState {
    const w = new PathBlockWriter();
    writeOps(
      w,
      paths.map((put) => ({ put })),
    );
    return new StoredState([PathBlock.read(Buffer.concat(w.parts()))]);
  }

  /** Entries in all blocks (puts and deletes). */
  get entries(): number {
    return this.blocks.reduce((n, b) => n + b.count, 0);
  }

  /** The resulting paths as text, in first-put order (tests and tools; the speaker reads the blocks). */
  paths(): StoredPath[] {
    const table = new Map<string, StoredPath>();
    for (const b of this.blocks)
      for (const op of b.ops()) {
        if ('put' in op) table.set(`${op.put.prefix} ${op.put.nextHop}`, op.put);
        else table.delete(`${op.del.prefix} ${op.del.nextHop}`);
      }
    return [...table.values()];
  }
}

/**
 * Where compaction reads the table from: a walk over the desired table that adds up to `rows`
 * prefixes' paths to the writer per call, and says whether any are left.
 */
export type SnapshotSource = () => (w: PathBlockWriter, rows: number) => boolean;

/** Appends, each durable when the write returns (data and the size needed to read it back, like fdatasync). */
const JOURNAL_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_DSYNC;
const FRAME_HEAD = 8;
const SEQ = 8;
/** A frame longer than this is damage, not a call (a ReplacePaths of millions stays far below). */
const MAX_FRAME = 1 << 30;
/** The journal is compacted when it passes this share of the snapshot (and at least MIN_COMPACT). */
const COMPACT_SHARE = 0.5;
const MIN_COMPACT = 1 << 20;

interface Pending {
  /** The record's frame head and sequence number; sealFrame() fills in the head before it is written. */
  readonly head: Buffer;
  /** The record's block. */
  readonly block: readonly Uint8Array[];
  readonly size: number;
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

export interface StoreOptions {
  /** Journal bytes at which to compact, overriding the share of the snapshot (tests). */
  readonly compactAt?: number;
  /** Rows per turn of the event loop while a snapshot is written. */
  readonly snapshotChunk?: number;
  /** When journal writes may run on the event loop (tests). */
  readonly writeMode?: WriteModeOptions;
}

export class StateStore {
  private readonly journalFile: string;
  private readonly oldJournalFile: string;
  private seq = 0;
  private durableSeq = 0;
  private journal: FileHandle | null = null;
  private journalBytes = 0;
  private snapshotBytes = 0;
  private queue: Pending[] = [];
  private writing: Promise<void> | null = null;
  private compacting: Promise<void> | null = null;
  /** The journal being set aside for a snapshot: writes wait for it. */
  private rotation: Promise<void> | null = null;
  private source: SnapshotSource | null = null;
  private readonly durableWaiters: { seq: number; resolve: () => void }[] = [];
  /** Completed journal writes (each one durable write), for tests and the log. */
  writes = 0;
  /** Of those, the ones written on the event loop. */
  loopWrites = 0;
  private readonly mode: JournalWriteMode;
  /** Completed snapshots. */
  snapshots = 0;
  /** Dictionaries parsed during load(), shared by the blocks that have the same one. */
  private dictionaries = new Map<string, Dictionary>();
  /**
   * A write failed: the table in memory has changes the files lack, until a snapshot of the whole
   * table succeeds. Meanwhile every call waits for such a snapshot instead of a journal record.
   */
  private unsaved: StateWriteError | null = null;
  /** Calls waiting for the next snapshot round (they came after the round under way began). */
  private resaveWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private resaving: Promise<void> | null = null;
  private resaveTimer: TimerHandle | null = null;
  /** A failed write whose partial record could not be cut off: nothing may be appended after it. */
  private tornTail = false;

  constructor(
    readonly file: string,
    private readonly log: Logger,
    private readonly options: StoreOptions = {},
    private readonly clock: Clock = systemClock,
  ) {
    this.mode = new JournalWriteMode(options.writeMode);
    this.journalFile = `${file}.journal`;
    this.oldJournalFile = `${file}.journal.old`;
  }

  /**
   * The stored table: the snapshot's blocks and the journal records after it, to apply in order;
   * empty when there is nothing yet. Throws StateFileError when a file is damaged anywhere but a
   * journal's torn tail. Leaves the store ready to append (a version 1 file is rewritten as a
   * snapshot first, and a journal set aside by an unfinished snapshot is merged back).
   */
  async load(): Promise<StoredState> {
    const blocks: PathBlock[] = [];
    let snapshotSeq = 0;
    const bytes = await readOrNull(this.file);
    let migrated: PathBlockWriter | null = null;
    if (bytes !== null) {
      this.snapshotBytes = bytes.length;
      if (/^\s*\{\s*"version"\s*:\s*1\b/.test(bytes.subarray(0, 64).toString('latin1'))) {
        migrated = this.parseV1(bytes.toString('utf8'));
        blocks.push(PathBlock.read(Buffer.concat(migrated.parts())));
      } else {
        snapshotSeq = this.parseSnapshot(bytes, blocks);
      }
    }
    this.seq = snapshotSeq;
    const journals: Buffer[] = [];
    for (const file of [this.oldJournalFile, this.journalFile]) {
      const bytes = await readOrNull(file);
      if (bytes === null) continue;
      const good = this.replay(file, bytes, snapshotSeq, blocks);
      if (good < bytes.length) {
        this.log.warn({ file, offset: good, dropped: bytes.length - good }, 'dropping a torn record at the end of the journal (a crash mid-write)');
        await truncate(file, good);
      }
      journals.push(bytes.subarray(0, good));
    }
    this.durableSeq = this.seq;
    this.dictionaries = new Map();
    if (migrated) {
      // One snapshot of what was read, then a fresh journal: the old format goes.
      let once: PathBlockWriter | null = migrated;
      await this.writeSnapshot(() => {
        const w = once;
        once = null;
        return w;
      }, this.seq);
      await unlink(this.journalFile).catch(() => {});
      this.log.info({ file: this.file, paths: migrated.count }, 'state file migrated to version 3 (snapshot and journal)');
    } else if (journals.length === 2) {
      // A snapshot did not finish: both journals' records, in order, become the journal again.
      const tmp = `${this.journalFile}.tmp-${process.pid}`;
      await writeDurably(tmp, Buffer.concat(journals));
      await rename(tmp, this.journalFile);
      await syncDir(dirname(this.file));
      await unlink(this.oldJournalFile);
    }
    await this.openJournal();
    return new StoredState(blocks);
  }

  /** Where compaction reads the table from (the desired table's rows). */
  attach(source: SnapshotSource): void {
    this.source = source;
  }

  /** Appends one call's changes given as text (tests and tools). */
  append(ops: readonly StoreOp[]): Promise<void> {
    const w = new PathBlockWriter();
    writeOps(w, ops);
    return this.appendBlock(w);
  }

  /**
   * Appends one call's changes (the speaker writes a call's paths straight into the writer);
   * resolves once they are on disk. Records are written in the order of these calls,
   * whatever order their writes complete in. The writer must not be used again.
   */
  appendBlock(w: PathBlockWriter): Promise<void> {
    // The table has unsaved changes: this call is durable only with the whole table (its own
    // change may even be none: a retry of the call that failed).
    if (this.unsaved) return this.awaitResave();
    if (w.count === 0) return Promise.resolve();
    const seq = ++this.seq;
    const block = w.parts();
    const head = Buffer.allocUnsafe(FRAME_HEAD + SEQ);
    head.writeDoubleLE(seq, FRAME_HEAD);
    let size = FRAME_HEAD + SEQ;
    for (const b of block) size += b.length;
    // The checksum is taken by drain(), in slices when the record is large (18 MB for a million paths).
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ head, block, size, seq, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** Resolves when every record appended so far is durable and no snapshot is being written. */
  async flush(): Promise<void> {
    while (this.writing || this.compacting) await (this.writing ?? this.compacting);
  }

  async close(): Promise<void> {
    this.resaveTimer?.cancel();
    this.resaveTimer = null;
    await this.resaving?.catch(() => {});
    await this.flush();
    if (this.unsaved) this.log.error({ file: this.file, err: this.unsaved.message }, 'stopping with changes that are not in the state file: they are lost');
    await this.journal?.close();
    this.journal = null;
  }

  // ---- writing ----------------------------------------------------------------------------

  private async drain(): Promise<void> {
    // The calls that arrive in this turn of the event loop share the first write.
    await new Promise<void>((resolve) => this.clock.soon(resolve));
    try {
      while (this.queue.length > 0) {
        if (this.rotation) await this.rotation;
        const batch = this.queue;
        this.queue = [];
        let fh: FileHandle | null = null;
        try {
          for (const p of batch) await sealFrame(p.head, [p.head.subarray(FRAME_HEAD), ...p.block]);
          fh = this.journal ?? (await this.openJournal());
          if (this.tornTail) await this.cutTornTail(fh);
          const parts = batch.flatMap((p) => [p.head, ...p.block]);
          let size = 0;
          for (const p of batch) size += p.size;
          // O_DSYNC: the write returns once the data is on disk (no separate fsync).
          if (this.mode.onLoop(size, this.clock.now())) this.writeOnLoop(fh.fd, parts, size);
          else await writeAllAsync(fh, parts, size);
          this.writes++;
          for (const p of batch) this.journalBytes += p.size;
          this.durableSeq = batch.at(-1)!.seq;
          for (const p of batch) p.resolve();
          this.wakeDurable();
        } catch (e) {
          const err = this.writeFailed(e, fh);
          for (const p of batch) p.reject(err);
          // Their changes are in the table and will be in the snapshot that saves it again.
          this.durableSeq = batch.at(-1)!.seq;
          this.wakeDurable();
          if (fh) await this.cutTornTail(fh).catch(() => {});
        }
      }
    } finally {
      this.writing = null;
    }
    this.maybeCompact();
  }

  /** A small write on the event loop (see write-mode.ts); a slow one sends the next ones to the thread pool for a while. */
  private writeOnLoop(fd: number, parts: readonly Uint8Array[], size: number): void {
    const t0 = this.clock.now();
    writeAll(fd, parts, size);
    this.loopWrites++;
    const now = this.clock.now();
    const backoff = this.mode.took(now - t0, now);
    if (backoff !== null) {
      this.log.warn(
        { file: this.journalFile, ms: now - t0, seconds: backoff / 1000 },
        'a state journal write held the event loop: journal writes go through the thread pool for a while, so BGP, BFD and the API do not wait on the disk',
      );
    }
  }

  /**
   * A journal write failed, maybe part-way (a full disk): the partial record must go before anything
   * is appended after it (drain() cuts it), and the table is saved again as a whole later.
   */
  private writeFailed(e: unknown, fh: FileHandle | null): StateWriteError {
    const code = (e as NodeJS.ErrnoException).code;
    const err = new StateWriteError(this.file, code, describeFsError(e));
    if (fh) this.tornTail = true;
    const first = this.unsaved === null;
    this.unsaved = err;
    this.log.error(
      { err: err.message, code, file: this.journalFile },
      first
        ? 'cannot write the state journal: the change is announced but not saved; the whole table is saved again once the disk takes it (retried every 5 s)'
        : 'cannot write the state journal',
    );
    this.scheduleResave();
    return err;
  }

  /** Cuts the journal back to its last whole record (what a failed write may have left after it). */
  private async cutTornTail(fh: FileHandle): Promise<void> {
    try {
      await fh.truncate(this.journalBytes);
      this.tornTail = false;
    } catch (e) {
      throw new StateWriteError(this.file, (e as NodeJS.ErrnoException).code, `cannot cut a failed write off the journal: ${describeFsError(e)}`);
    }
  }

  /** Resolves once a snapshot that began after this call has saved the whole table. */
  private awaitResave(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.resaveWaiters.push({ resolve, reject });
      this.resaving ??= this.resave();
    });
  }

  private scheduleResave(): void {
    if (this.resaveTimer || !this.unsaved) return;
    this.resaveTimer = this.clock.after(RESAVE_MS, () => {
      this.resaveTimer = null;
      if (!this.unsaved) return;
      this.resaving ??= this.resave();
      void this.resaving.catch(() => {});
    });
  }

  /**
   * Saves the whole table (a snapshot) while writes have failed, in rounds: the calls waiting when a
   * round begins get its outcome; those that come during it wait for the next.
   */
  private async resave(): Promise<void> {
    try {
      do {
        while (this.writing || this.compacting) await (this.writing ?? this.compacting);
        // Even once saved: a call that came during the last round may have changed the table
        // after the snapshot read its rows, so it gets a round of its own.
        const waiters = this.resaveWaiters;
        this.resaveWaiters = [];
        const err = await this.compact();
        if (err === null) {
          this.log.info({ file: this.file }, 'state file saved again: every change is on disk');
          this.unsaved = null;
          for (const w of waiters) w.resolve();
        } else {
          const e = new StateWriteError(this.file, err.code, describeFsError(err));
          this.unsaved = e;
          for (const w of waiters) w.reject(e);
          this.scheduleResave();
        }
      } while (this.resaveWaiters.length > 0);
    } finally {
      this.resaving = null;
    }
  }

  private async openJournal(): Promise<FileHandle> {
    await mkdir(dirname(this.file), { recursive: true });
    this.journal = await open(this.journalFile, JOURNAL_FLAGS, 0o600);
    this.journalBytes = (await this.journal.stat()).size;
    if (this.journalBytes === 0) await syncDir(dirname(this.file)); // a new file's name must survive too
    return this.journal;
  }

  private maybeCompact(): void {
    if (this.compacting || !this.source || this.unsaved) return;
    const at = this.options.compactAt ?? Math.max(MIN_COMPACT, COMPACT_SHARE * this.snapshotBytes);
    if (this.journalBytes < at) return;
    void this.compact();
  }

  /**
   * A new snapshot while calls go on (see the file's comment for why it is safe). Resolves to null
   * when written, or to what stopped it (the old files stay as they were, and load() reads them).
   */
  private compact(): Promise<NodeJS.ErrnoException | null> {
    const run = this.compactNow();
    this.compacting = run.then(() => undefined);
    void run.finally(() => {
      this.compacting = null;
    });
    return run;
  }

  private async compactNow(): Promise<NodeJS.ErrnoException | null> {
    if (!this.source) return Object.assign(new Error('no table to take a snapshot of'), { code: 'ENOTSUP' });
    const fill = this.source();
    // Set the journal aside between two writes, so every record goes wholly to one file: writes
    // wait for the rotation (drain() awaits it) and it waits for the write under way.
    while (this.writing) await this.writing;
    const from = this.seq;
    this.rotation = this.rotate();
    try {
      await this.rotation;
    } catch (e) {
      this.log.error({ err: (e as Error).message, file: this.journalFile }, 'cannot set the journal aside for a snapshot');
      return e as NodeJS.ErrnoException;
    } finally {
      this.rotation = null;
    }
    const t0 = this.clock.now();
    try {
      const chunk = this.options.snapshotChunk ?? 16_384;
      let more = true;
      const bytes = await this.writeSnapshot(
        () => {
          if (!more) return null;
          const w = new PathBlockWriter(chunk * 24);
          more = fill(w, chunk);
          return w;
        },
        from,
        // Everything the snapshot may have caught has a record; those must be durable first.
        () => this.durable(this.seq),
      );
      await unlink(this.oldJournalFile);
      this.snapshots++;
      this.log.info({ file: this.file, bytes, after: from, ms: this.clock.now() - t0 }, 'state snapshot written, journal compacted');
      return null;
    } catch (e) {
      // The old journal stays beside the new one: load() replays both.
      this.log.error({ err: (e as Error).message, file: this.file }, 'cannot write a state snapshot');
      return e as NodeJS.ErrnoException;
    }
  }

  /**
   * Writes a snapshot of the blocks `next` gives until it gives null, taken after record `seq`,
   * to a new file, letting calls in between blocks, and renames it into place (after `before`,
   * when given). Returns its size.
   */
  private async writeSnapshot(next: () => PathBlockWriter | null, seq: number, before?: () => Promise<void>): Promise<number> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fh = await open(tmp, 'w', 0o600);
    const fd = fh.fd;
    let bytes = 0;
    try {
      // Blocks of some thousand rows go to the page cache on the loop (well under a millisecond
      // each); the one sync of the whole file runs in the thread pool.
      bytes += writeSync(fd, `${JSON.stringify({ announcer: 'state', version: STATE_VERSION, seq })}\n`);
      for (let w = next(); w !== null; w = next()) {
        if (w.count > 0) {
          const parts = w.parts();
          const head = Buffer.allocUnsafe(FRAME_HEAD);
          bytes += writeAll(fd, [head, ...parts], frameHead(head, parts));
        }
        await new Promise<void>((resolve) => this.clock.soon(resolve)); // let calls in between
      }
      bytes += writeSync(fd, Buffer.alloc(FRAME_HEAD)); // the end: an empty frame
      await fh.sync();
    } catch (e) {
      // A half-written snapshot must not hold the space a full disk needs.
      await fh.close();
      await unlink(tmp).catch(() => {});
      throw e;
    }
    await fh.close();
    await before?.();
    await rename(tmp, this.file);
    await syncDir(dirname(this.file));
    this.snapshotBytes = bytes;
    return bytes;
  }

  private async rotate(): Promise<void> {
    await this.journal?.close();
    this.journal = null;
    const old = await readOrNull(this.oldJournalFile);
    if (old === null) {
      await rename(this.journalFile, this.oldJournalFile);
    } else {
      // A snapshot that failed left its journal set aside, and the snapshot on disk is older than
      // its records: this journal's records go after them, never over them.
      const current = (await readOrNull(this.journalFile)) ?? Buffer.alloc(0);
      const fh = await open(this.oldJournalFile, 'a', 0o600);
      try {
        await writeAllAsync(fh, [current], current.length);
        await fh.sync();
      } catch (e) {
        await fh.truncate(old.length).catch(() => {});
        throw e;
      } finally {
        await fh.close();
      }
      await unlink(this.journalFile);
    }
    await this.openJournal();
  }

  private durable(seq: number): Promise<void> {
    if (this.durableSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => this.durableWaiters.push({ seq, resolve }));
  }

  private wakeDurable(): void {
    for (let i = this.durableWaiters.length - 1; i >= 0; i--) {
      const w = this.durableWaiters[i]!;
      if (w.seq <= this.durableSeq) {
        this.durableWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  // ---- reading ----------------------------------------------------------------------------

  private parseV1(text: string): PathBlockWriter {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new StateFileError(this.file, `not valid JSON (${(e as Error).message})`);
    }
    const parsed = v1File.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new StateFileError(this.file, `not an announcer state file (${issue.path.join('.') || 'top level'}: ${issue.message})`);
    }
    const w = new PathBlockWriter();
    parsed.data.paths.forEach((p, i) => {
      try {
        writeOps(w, [{ put: p }]);
      } catch (e) {
        throw new StateFileError(this.file, `paths.${i}: ${(e as Error).message}`);
      }
    });
    return w;
  }

  /** A snapshot's blocks (added to `blocks`); returns the record it was taken after. */
  private parseSnapshot(bytes: Buffer, blocks: PathBlock[]): number {
    const nl = bytes.indexOf(0x0a);
    const head = header.safeParse(nl < 0 ? undefined : tryJson(bytes.subarray(0, nl).toString('utf8')));
    if (!head.success) throw new StateFileError(this.file, 'not an announcer state file (no header line)');
    if (head.data.version !== STATE_VERSION) {
      throw new StateFileError(this.file, `version ${head.data.version}, but this announcer reads version ${STATE_VERSION} (and migrates version 1)`);
    }
    let at = nl + 1;
    for (;;) {
      if (bytes.length - at < FRAME_HEAD) throw new StateFileError(this.file, `cut short at offset ${at} (no end frame)`);
      const len = bytes.readUInt32LE(at);
      if (len === 0) break;
      if (len > MAX_FRAME || at + FRAME_HEAD + len > bytes.length) throw new StateFileError(this.file, `damaged frame at offset ${at} (length ${len})`);
      const payload = bytes.subarray(at + FRAME_HEAD, at + FRAME_HEAD + len);
      if (crc32(payload) !== bytes.readUInt32LE(at + 4)) throw new StateFileError(this.file, `damaged frame at offset ${at} (checksum mismatch)`);
      blocks.push(this.block(this.file, payload, at + FRAME_HEAD));
      at += FRAME_HEAD + len;
    }
    if (at + FRAME_HEAD !== bytes.length) throw new StateFileError(this.file, `${bytes.length - at - FRAME_HEAD} octets after the end frame (offset ${at + FRAME_HEAD})`);
    return head.data.seq;
  }

  private block(file: string, payload: Uint8Array, offset: number): PathBlock {
    try {
      return PathBlock.read(payload, this.dictionaries);
    } catch (e) {
      if (!(e instanceof BlockError)) throw e;
      throw new StateFileError(file, `unreadable block at offset ${offset + e.offset} (${e.message})`);
    }
  }

  /** Adds a journal's records after `after` to `blocks`; returns the offset where good records end. */
  private replay(file: string, bytes: Buffer, after: number, blocks: PathBlock[]): number {
    let at = 0;
    while (at < bytes.length) {
      const left = bytes.length - at;
      if (left < FRAME_HEAD) return at; // a torn head
      const len = bytes.readUInt32LE(at);
      if (len > MAX_FRAME || len < SEQ) throw new StateFileError(file, `damaged record at offset ${at} (length ${len})`);
      if (FRAME_HEAD + len > left) return at; // a torn body: the write never finished
      const payload = bytes.subarray(at + FRAME_HEAD, at + FRAME_HEAD + len);
      if (crc32(payload) !== bytes.readUInt32LE(at + 4)) {
        // The last record: torn mid-write. Anything before good records: damage.
        if (FRAME_HEAD + len === left) return at;
        throw new StateFileError(file, `damaged record at offset ${at} (checksum mismatch)`);
      }
      const seq = payload.readDoubleLE(0);
      if (!Number.isSafeInteger(seq) || seq < 1) throw new StateFileError(file, `unreadable record at offset ${at} (sequence number ${seq})`);
      if (seq > after) blocks.push(this.block(file, payload.subarray(SEQ), at + FRAME_HEAD + SEQ));
      this.seq = Math.max(this.seq, seq);
      at += FRAME_HEAD + len;
    }
    return at;
  }
}

/** Fills in a frame head (length and CRC-32 of `payload`'s parts) at head[0..8); returns the frame's size. */
function frameHead(head: Buffer, payload: readonly Uint8Array[]): number {
  let len = 0;
  let crc = 0;
  for (const p of payload) {
    len += p.length;
    crc = crc32(p, crc);
  }
  head.writeUInt32LE(len, 0);
  head.writeUInt32LE(crc, 4);
  return FRAME_HEAD + len;
}

/** Octets of a record checksummed between two looks at the time. */
const CRC_PIECE = 1 << 20;

/**
 * frameHead() for a journal record, letting the event loop turn now and then when the record is
 * large: 18 MB of a million-path ReplacePaths take about 10 ms to checksum.
 */
async function sealFrame(head: Buffer, payload: readonly Uint8Array[]): Promise<void> {
  const slices = new Slices();
  let len = 0;
  let crc = 0;
  for (const p of payload) {
    for (let at = 0; at < p.length; at += CRC_PIECE) {
      const piece = p.subarray(at, at + CRC_PIECE);
      crc = crc32(piece, crc);
      if (slices.spent(piece.length >> 10)) await slices.next(); // a unit a KiB
    }
    len += p.length;
  }
  head.writeUInt32LE(len, 0);
  head.writeUInt32LE(crc, 4);
}

/** writev until all of `size` octets are written. */
function writeAll(fd: number, parts: readonly Uint8Array[], size: number): number {
  const done = writevSync(fd, parts as Uint8Array[]);
  if (done < size) {
    // A short write (rare): the rest from where it stopped.
    const rest = Buffer.concat(parts as Uint8Array[]).subarray(done);
    for (let at = 0; at < rest.length; ) at += writeSync(fd, rest, at);
  }
  return size;
}

/** writev through the thread pool until all of `size` octets are written (a write may be short). */
async function writeAllAsync(fh: FileHandle, parts: readonly Uint8Array[], size: number): Promise<void> {
  const { bytesWritten } = await fh.writev(parts as Uint8Array[]);
  if (bytesWritten >= size) return;
  const rest = Buffer.concat(parts as Uint8Array[]).subarray(bytesWritten);
  for (let at = 0; at < rest.length; ) at += (await fh.write(rest, at)).bytesWritten;
}

/** "no space left on device (ENOSPC)", not Node's "ENOSPC: no space left on device, write". */
function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (typeof err.code === 'string' && typeof err.message === 'string') {
    const text = err.message.replace(/^[A-Z]+: /, '').replace(/, \w+( '[^']*')?$/, '');
    return `${text} (${err.code})`;
  }
  return e instanceof Error ? e.message : String(e);
}

async function writeDurably(file: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(file, 'w', 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readOrNull(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateFileError(file, `cannot read it: ${(e as Error).message}`);
  }
}

/** A rename must survive a power cut too: sync the directory entry. */
async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
