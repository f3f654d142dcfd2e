// The desired paths on disk, so a restart loses nothing, at a cost that follows the change, not
// the table. Two files:
//
//   STATE            the snapshot: a header line {"announcer":"state","version":2,"seq":S}, then one
//                    stored path per line (JSON), the table as of journal record S
//   STATE.journal    records appended since: [u32 length][u32 CRC-32][JSON {"seq":N,"ops":[...]}],
//                    one per API call, so a call (a whole ReplacePaths too) is all or nothing
//
// A call's record is fsync'd before the call returns; calls that arrive while a write runs share
// the next one (group commit). When the journal grows past half the snapshot, a new snapshot is
// written in the background, a few thousand rows per turn of the event loop, while calls go on:
// the journal is set aside first (STATE.journal.old), the snapshot is "fuzzy" (rows read at
// different moments) but says which record it starts after, and every change it may have caught
// half-way is in a record after that, replayed on load. It is renamed into place only once every
// record it may contain is durable, then the old journal goes.
//
// Start-up reads the snapshot and replays the journal(s). A torn record at a journal's end (a
// crash mid-write) is dropped; any other damage stops the daemon with the file and the offset,
// leaving the files as they are. The version 1 state file (one JSON document) is read once and
// rewritten as a snapshot.

import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdir, open, readFile, rename, stat, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { OpsWriter } from './ops-writer.js';

export { OpsWriter };

export const STATE_VERSION = 2;

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

/** One change in a journal record: a path's whole state now, or its removal. */
export type StoreOp = { readonly put: StoredPath } | { readonly del: { readonly prefix: string; readonly nextHop: string } };

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
const header = z.object({ announcer: z.literal('state'), version: z.literal(STATE_VERSION), seq: z.number().int().min(0) });
const op = z.union([z.object({ put: storedPath }), z.object({ del: z.object({ prefix: z.string(), nextHop: z.string() }) })]);
const record = z.object({ seq: z.number().int().min(1), ops: z.array(op) });

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

/** Where the table is read from for a snapshot: rows of stored paths, each path as its JSON text. */
export type SnapshotSource = () => Iterator<readonly string[]>;

const RECORD_HEAD = 8;
/** A record longer than this is damage, not a call (a ReplacePaths of millions stays far below). */
const MAX_RECORD = 1 << 30;
/** The journal is compacted when it passes this share of the snapshot (and at least MIN_COMPACT). */
const COMPACT_SHARE = 0.5;
const MIN_COMPACT = 1 << 20;

interface Pending {
  /** The record's parts, written with one writev: head, body, tail. */
  readonly parts: readonly Uint8Array[];
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
}

const key = (prefix: string, nextHop: string): string => `${prefix} ${nextHop}`;

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
  /** Completed journal writes (each one fsync), for tests and the log. */
  writes = 0;
  /** Completed snapshots. */
  snapshots = 0;

  constructor(
    readonly file: string,
    private readonly log: Logger,
    private readonly options: StoreOptions = {},
    private readonly clock: Clock = systemClock,
  ) {
    this.journalFile = `${file}.journal`;
    this.oldJournalFile = `${file}.journal.old`;
  }

  /**
   * The stored paths: the snapshot with the journal(s) replayed; [] when there is nothing yet.
   * Throws StateFileError when a file is damaged anywhere but a journal's torn tail. Leaves the
   * store ready to append (a version 1 file is rewritten as a snapshot first).
   */
  async load(): Promise<StoredPath[]> {
    let base: StoredPath[] = [];
    let snapshotSeq = 0;
    let migrate = false;
    const text = await readOrNull(this.file);
    if (text !== null) {
      this.snapshotBytes = Buffer.byteLength(text);
      if (/^\s*\{\s*"version"\s*:\s*1\b/.test(text.slice(0, 64))) {
        base = this.parseV1(text);
        migrate = true;
      } else {
        ({ seq: snapshotSeq, paths: base } = this.parseSnapshot(text));
      }
    }
    this.seq = snapshotSeq;
    // The table as a map only when a journal has something to apply to it.
    let table: Map<string, StoredPath> | null = null;
    const tableOf = (): Map<string, StoredPath> => (table ??= new Map(base.map((p) => [key(p.prefix, p.nextHop), p])));
    for (const file of [this.oldJournalFile, this.journalFile]) {
      const bytes = await readOrNull(file, null);
      if (bytes === null) continue;
      const good = this.replay(file, bytes, snapshotSeq, tableOf);
      if (good < bytes.length) {
        this.log.warn({ file, offset: good, dropped: bytes.length - good }, 'dropping a torn record at the end of the journal (a crash mid-write)');
        await truncate(file, good);
      }
    }
    this.durableSeq = this.seq;
    const paths = table === null ? base : [...(table as Map<string, StoredPath>).values()];
    if (migrate || (await exists(this.oldJournalFile))) {
      // One snapshot of what was read, then a fresh journal: the old formats and files go.
      await this.writeSnapshotOf(paths, this.seq);
      await unlink(this.journalFile).catch(() => {});
      await unlink(this.oldJournalFile).catch(() => {});
      if (migrate) this.log.info({ file: this.file, paths: paths.length }, 'state file migrated to version 2 (snapshot and journal)');
    }
    await this.openJournal();
    return paths;
  }

  /** Where compaction reads the table from (the desired table's rows). */
  attach(source: SnapshotSource): void {
    this.source = source;
  }

  /**
   * Appends one call's changes; resolves once they are on disk (fsync'd). Records are written in
   * the order of these calls, whatever order their writes complete in.
   */
  append(ops: readonly StoreOp[]): Promise<void> {
    return this.appendEncoded(ops.map((o) => JSON.stringify(o)));
  }

  /** append() of ops already written as JSON text. */
  appendEncoded(ops: readonly string[]): Promise<void> {
    const w = new OpsWriter();
    for (const o of ops) w.add(o);
    return this.appendOps(w);
  }

  /**
   * append() of the ops an OpsWriter holds (the speaker writes a call's paths straight into one).
   * The writer must not be used again: its buffer is written as it is.
   */
  appendOps(w: OpsWriter): Promise<void> {
    if (w.count === 0) return Promise.resolve();
    const seq = ++this.seq;
    const open = Buffer.from(`{"seq":${seq},"ops":[`);
    const body = w.bytes();
    const close = Buffer.from(']}');
    const len = open.length + body.length + close.length;
    const head = Buffer.allocUnsafe(RECORD_HEAD);
    head.writeUInt32LE(len, 0);
    head.writeUInt32LE(crc32(close, crc32(body, crc32(open))), 4);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ parts: [head, open, body, close], size: RECORD_HEAD + len, seq, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** Resolves when every record appended so far is durable and no snapshot is being written. */
  async flush(): Promise<void> {
    while (this.writing || this.compacting) await (this.writing ?? this.compacting);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.journal?.close();
    this.journal = null;
  }

  // ---- writing ----------------------------------------------------------------------------

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        if (this.rotation) await this.rotation;
        const batch = this.queue;
        this.queue = [];
        try {
          const fh = this.journal ?? (await this.openJournal());
          await fh.writev(batch.flatMap((p) => p.parts));
          await fh.datasync();
          this.writes++;
          for (const p of batch) this.journalBytes += p.size;
          this.durableSeq = batch.at(-1)!.seq;
          for (const p of batch) p.resolve();
          this.wakeDurable();
        } catch (e) {
          this.log.error({ err: (e as Error).message, file: this.journalFile }, 'cannot write the state journal');
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.writing = null;
    }
    this.maybeCompact();
  }

  private async openJournal(): Promise<FileHandle> {
    await mkdir(dirname(this.file), { recursive: true });
    this.journal = await open(this.journalFile, 'a', 0o600);
    this.journalBytes = (await this.journal.stat()).size;
    if (this.journalBytes === 0) await syncDir(dirname(this.file)); // a new file's name must survive too
    return this.journal;
  }

  private maybeCompact(): void {
    if (this.compacting || !this.source) return;
    const at = this.options.compactAt ?? Math.max(MIN_COMPACT, COMPACT_SHARE * this.snapshotBytes);
    if (this.journalBytes < at) return;
    this.compacting = this.compact().finally(() => {
      this.compacting = null;
    });
  }

  /** A new snapshot while calls go on (see the file's comment for why it is safe). */
  private async compact(): Promise<void> {
    const source = this.source!;
    // Set the journal aside between two writes, so every record goes wholly to one file: writes
    // wait for the rotation (drain() awaits it) and it waits for the write under way.
    while (this.writing) await this.writing;
    const from = this.seq;
    this.rotation = this.rotate();
    await this.rotation;
    this.rotation = null;
    const t0 = Date.now();
    try {
      const tmp = `${this.file}.tmp-${process.pid}`;
      const fd = openSync(tmp, 'w', 0o600);
      let bytes = 0;
      try {
        bytes += writeSync(fd, `${JSON.stringify({ announcer: 'state', version: STATE_VERSION, seq: from })}\n`);
        const rows = source();
        const chunk = this.options.snapshotChunk ?? 4096;
        let r = rows.next();
        while (!r.done) {
          let lines = '';
          for (let n = 0; !r.done && n < chunk; n++, r = rows.next()) for (const p of r.value) lines += `${p}\n`;
          if (lines) bytes += writeSync(fd, lines);
          if (!r.done) await new Promise<void>((resolve) => this.clock.soon(resolve)); // let calls in between
        }
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      // Everything the snapshot may have caught has a record; those must be durable first.
      await this.durable(this.seq);
      await rename(tmp, this.file);
      await syncDir(dirname(this.file));
      await unlink(this.oldJournalFile);
      this.snapshotBytes = bytes;
      this.snapshots++;
      this.log.info({ file: this.file, bytes, after: from, ms: Date.now() - t0 }, 'state snapshot written, journal compacted');
    } catch (e) {
      // The old journal stays beside the new one: load() replays both.
      this.log.error({ err: (e as Error).message, file: this.file }, 'cannot write a state snapshot');
    }
  }

  private async rotate(): Promise<void> {
    await this.journal?.close();
    this.journal = null;
    await rename(this.journalFile, this.oldJournalFile);
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

  private async writeSnapshotOf(paths: readonly StoredPath[], seq: number): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    let body = `${JSON.stringify({ announcer: 'state', version: STATE_VERSION, seq })}\n`;
    for (const p of paths) body += `${JSON.stringify(p)}\n`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(body);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
    await syncDir(dirname(this.file));
    this.snapshotBytes = Buffer.byteLength(body);
  }

  // ---- reading ----------------------------------------------------------------------------

  private parseV1(text: string): StoredPath[] {
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
    return parsed.data.paths;
  }

  /** A version 2 snapshot's paths, and the record it was taken after. */
  private parseSnapshot(text: string): { seq: number; paths: StoredPath[] } {
    let at = text.indexOf('\n');
    if (at < 0) throw new StateFileError(this.file, 'not an announcer state file (no header line)');
    const head = header.safeParse(tryJson(text.slice(0, at)));
    if (!head.success) throw new StateFileError(this.file, 'not an announcer state file (its first line is not a version 2 header)');
    // Fast: the lines as one JSON array (one parse of the whole body). Only when that fails, or an
    // entry is not a path, the slow walk below finds the line and says what is wrong with it.
    if (text.endsWith('\n')) {
      const all = tryJson(`[${text.slice(at + 1, -1).replaceAll('\n', ',')}]`);
      if (Array.isArray(all) && all.every(isStoredPath)) return { seq: head.data.seq, paths: all as StoredPath[] };
    }
    const paths: StoredPath[] = [];
    let line = 2;
    while (at + 1 < text.length) {
      const end = text.indexOf('\n', at + 1);
      if (end < 0) throw new StateFileError(this.file, `line ${line} is cut short (offset ${at + 1})`);
      const json = tryJson(text.slice(at + 1, end));
      // The common case is checked by hand; zod only explains what is wrong.
      if (!isStoredPath(json)) {
        const why = storedPath.safeParse(json);
        throw new StateFileError(this.file, `line ${line} (offset ${at + 1}) is not a stored path${why.success ? '' : ` (${why.error.issues[0]!.path.join('.')}: ${why.error.issues[0]!.message})`}`);
      }
      paths.push(json);
      at = end;
      line++;
    }
    return { seq: head.data.seq, paths };
  }

  /** Applies a journal's records after `after`; returns the offset where good records end. */
  private replay(file: string, bytes: Buffer, after: number, tableOf: () => Map<string, StoredPath>): number {
    let at = 0;
    while (at < bytes.length) {
      const left = bytes.length - at;
      if (left < RECORD_HEAD) return at; // a torn head
      const len = bytes.readUInt32LE(at);
      if (len > MAX_RECORD) throw new StateFileError(file, `damaged record at offset ${at} (length ${len})`);
      if (RECORD_HEAD + len > left) return at; // a torn body: the write never finished
      const payload = bytes.subarray(at + RECORD_HEAD, at + RECORD_HEAD + len);
      if (crc32(payload) !== bytes.readUInt32LE(at + 4)) {
        // The last record: torn mid-write. Anything before good records: damage.
        if (RECORD_HEAD + len === left) return at;
        throw new StateFileError(file, `damaged record at offset ${at} (checksum mismatch)`);
      }
      const json = tryJson(payload.toString('utf8'));
      // The common case is checked by hand; zod only explains what is wrong.
      if (!isRecord(json)) {
        const why = record.safeParse(json);
        throw new StateFileError(file, `unreadable record at offset ${at}${why.success ? '' : ` (${why.error.issues[0]!.path.join('.')}: ${why.error.issues[0]!.message})`}`);
      }
      if (json.seq > after) {
        const table = tableOf();
        for (const o of json.ops) {
          if ('put' in o) table.set(key(o.put.prefix, o.put.nextHop), o.put);
          else table.delete(key(o.del.prefix, o.del.nextHop));
        }
      }
      this.seq = Math.max(this.seq, json.seq);
      at += RECORD_HEAD + len;
    }
    return at;
  }
}

function isStoredPath(v: unknown): v is StoredPath {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  return typeof p.prefix === 'string' && typeof p.nextHop === 'string' && Array.isArray(p.owners) && p.owners.length > 0 && p.owners.every((o) => typeof o === 'string');
}

function isRecord(v: unknown): v is { seq: number; ops: StoreOp[] } {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { seq?: unknown; ops?: unknown };
  if (typeof r.seq !== 'number' || !Number.isInteger(r.seq) || r.seq < 1 || !Array.isArray(r.ops)) return false;
  return r.ops.every((o: unknown) => {
    if (typeof o !== 'object' || o === null) return false;
    const x = o as { put?: unknown; del?: { prefix?: unknown; nextHop?: unknown } };
    if ('put' in x) return isStoredPath(x.put);
    return typeof x.del === 'object' && x.del !== null && typeof x.del.prefix === 'string' && typeof x.del.nextHop === 'string';
  });
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readOrNull(file: string): Promise<string | null>;
async function readOrNull(file: string, encoding: null): Promise<Buffer | null>;
async function readOrNull(file: string, encoding: 'utf8' | null = 'utf8'): Promise<string | Buffer | null> {
  try {
    return encoding === null ? await readFile(file) : await readFile(file, encoding);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateFileError(file, `cannot read it: ${(e as Error).message}`);
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
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
