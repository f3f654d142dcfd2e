// An example sidecar controller: keeps the desired set in a file announced by the daemon, as one
// owner, with ReplacePaths. It syncs on start, when the file changes, every `resyncMs`, when the
// daemon comes back after being unreachable, and when someone else withdraws one of its paths.
// Stopping it leaves its paths announced: the daemon (and its state file) keeps them, and the next
// controller to start with the same owner takes them over without a blip.

import { watch as watchDir, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ApiError, connectClient, type ApiClient, type EventWatch, type ReplaceResult, type SpeakerEvent } from 'announcer/client';
import { DesiredSetError, fileField, parseDesiredSet, type DesiredSet } from './desired-set.js';

export interface ControllerOptions {
  /** The daemon's API: "unix:/run/announcer/announcer.sock" or "127.0.0.1:50051". */
  readonly api: string;
  /** Whose paths these are: ReplacePaths only ever touches this owner's paths. */
  readonly owner: string;
  /** The desired-set file (see desired-set.ts). */
  readonly file: string;
  /** Re-sync this often even when nothing seems to have changed (default 60 s). */
  readonly resyncMs?: number;
  /** Wait this long after the last change to the file before syncing (default 300 ms). */
  readonly debounceMs?: number;
  /** Retry an unreachable daemon after `initialMs`, doubling up to `maxMs` (default 500 ms .. 30 s). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Deadline of each API call (default 10 s). */
  readonly timeoutMs?: number;
  /**
   * The re-sync guard: a set that would withdraw more than this many of the owner's paths, or this
   * percentage of them, is refused by the daemon and nothing changes (a file that lost its EIPs to a
   * bug must not empty the router). Unset: no limit.
   */
  readonly maxRemove?: { readonly paths: number } | { readonly percent: number };
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One structured log record: `msg` says what happened, the other fields the details. */
export interface LogEntry {
  readonly level: LogLevel;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface ControllerIo {
  log(entry: LogEntry): void;
}

/** Why a sync ran. */
export type SyncReason = 'start' | 'reconnect' | 'file' | 'resync' | 'drift';

export interface Controller {
  /**
   * Stops watching and syncing (SIGTERM, SIGINT): lets a call in flight finish, closes the
   * connection, and leaves the owner's paths announced. Resolves when everything is closed.
   */
  stop(): Promise<void>;
}

const DEFAULTS = { resyncMs: 60_000, debounceMs: 300, backoff: { initialMs: 500, maxMs: 30_000 }, timeoutMs: 10_000 };
/** At most this many changed paths are listed in a log line (the counts are always complete). */
const MAX_LOGGED_CHANGES = 20;

function pathKey(p: { readonly prefix: string; readonly nextHop: string }): string {
  return `${p.prefix} ${p.nextHop}`;
}

function changes(result: ReplaceResult): string[] {
  const d = result.details;
  const all = d
    ? [
        ...d.added.map((p) => `+${p.prefix} via ${p.nextHop}`),
        ...d.removed.map((p) => `-${p.prefix} via ${p.nextHop}`),
        ...d.updated.map((p) => `~${p.prefix} via ${p.nextHop}`),
      ]
    : [];
  return all.length > MAX_LOGGED_CHANGES ? [...all.slice(0, MAX_LOGGED_CHANGES), `... ${all.length - MAX_LOGGED_CHANGES} more`] : all;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Starts the controller; it runs until stop(). Throws only for a malformed `api`; every other
 * problem (no daemon, a bad file, a refused set) is logged and retried.
 */
export function runController(options: ControllerOptions, io: ControllerIo): Controller {
  const resyncMs = options.resyncMs ?? DEFAULTS.resyncMs;
  const debounceMs = options.debounceMs ?? DEFAULTS.debounceMs;
  const backoff = options.backoff ?? DEFAULTS.backoff;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const { owner, file } = options;
  const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void => io.log({ level, msg, ...fields });
  let firstClient: ApiClient | null = connectClient(options.api, { timeoutMs });

  let stopped = false;
  let wakeStop!: () => void;
  const stopSignal = new Promise<void>((r) => (wakeStop = r));
  /** The live connection: set while a WatchEvents stream is open (our sign that the daemon is there). */
  let conn: { readonly client: ApiClient; readonly watch: EventWatch } | null = null;
  /** The last set the daemon accepted: re-sent when the file is broken and the daemon lost it (a restart). */
  let good: DesiredSet | null = null;
  /** The file text the last sync acted on: a file event with the same text needs no call. */
  let lastText: string | null = null;
  /** Keys ("prefix nextHop") of the paths the owner has, as the daemon spells them. */
  let owned = new Set<string>();
  /** Whether the daemon answered the last ReplacePaths (a reconnect that cannot sync keeps backing off). */
  let answered = false;

  // One sync at a time; requests that arrive meanwhile are folded into one more run.
  let syncing: Promise<void> | null = null;
  let again: SyncReason | null = null;
  function requestSync(reason: SyncReason): Promise<void> {
    if (stopped) return Promise.resolve();
    if (syncing) {
      // A file event never downgrades a pending start, reconnect or resync (those always call).
      if (again === null || again === 'file') again = reason;
      return syncing;
    }
    syncing = (async () => {
      let next: SyncReason | null = reason;
      while (next !== null && !stopped) {
        again = null;
        try {
          await syncOnce(next);
        } catch (e) {
          log('error', 'sync failed unexpectedly', { reason: next, error: message(e) });
        }
        next = again;
      }
    })().finally(() => {
      syncing = null;
    });
    return syncing;
  }

  /** Reads and parses the file; logs why not and returns null when it cannot be used. */
  async function readDesired(reason: SyncReason): Promise<{ text: string; set: DesiredSet | null } | null> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      log('error', 'cannot read the desired-set file: keeping what is announced', { file, error: (e as NodeJS.ErrnoException).code ?? message(e) });
      return { text: '', set: null };
    }
    if (reason === 'file' && text === lastText) return null; // an event for another file, or a touch
    lastText = text;
    try {
      return { text, set: parseDesiredSet(text) };
    } catch (e) {
      if (!(e instanceof DesiredSetError)) throw e;
      log('error', 'bad desired-set file: keeping what is announced', { file, error: e.message });
      return { text, set: null };
    }
  }

  /** Sends one set; 'refused' when the daemon rejected it (INVALID_ARGUMENT: nothing changed). */
  async function send(client: ApiClient, set: DesiredSet, reason: SyncReason, what: string): Promise<'ok' | 'refused' | 'failed'> {
    let result: ReplaceResult;
    try {
      // A controller's set is small: ask for the paths themselves, to log what changed.
      const m = options.maxRemove;
      const guard = m === undefined ? {} : 'paths' in m ? { maxRemove: m.paths } : { maxRemovePercent: m.percent };
      result = await client.replacePaths(owner, set.paths, { details: true, ...guard });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.codeName === 'FAILED_PRECONDITION') {
        // The re-sync guard: the daemon says how many would go, of how many.
        log('error', `the daemon refused ${what} (the --max-remove guard): nothing changed; fix the file, or raise the limit to withdraw them on purpose`, { file, error: e.message });
        answered = true;
        return 'refused';
      }
      if (e.codeName === 'INVALID_ARGUMENT') {
        // The daemon names the field of its request ("paths[7].nextHop: ..."): name the file's instead.
        const field = e.field === undefined ? undefined : fileField(set, e.field);
        const error = e.field !== undefined && field !== undefined && e.message.startsWith(`${e.field}:`) ? `${field}${e.message.slice(e.field.length)}` : e.message;
        log('error', `the daemon refused ${what}: nothing changed`, { file, field, error });
        answered = true;
        return 'refused';
      }
      log('warn', 'sync failed', { reason, code: e.codeName, error: e.message });
      // The daemon went away: reconnecting re-syncs once it is back. Anything else (a deadline,
      // a failed state-file write) is retried by the periodic re-sync.
      if (e.codeName === 'UNAVAILABLE') conn?.watch.cancel();
      answered = false;
      return 'failed';
    }
    answered = true;
    try {
      owned = new Set((await client.listPaths({ owner })).map(pathKey));
    } catch {
      // Only used to notice drift; the next sync refreshes it.
    }
    const changed = result.added + result.removed + result.updated;
    // A periodic re-sync that found everything in place is not news.
    const quiet = changed === 0 && (reason === 'resync' || reason === 'drift');
    log(quiet ? 'debug' : 'info', 'synced', {
      reason,
      ...(what === 'the file' ? {} : { source: what }),
      eips: set.eips,
      paths: set.paths.length,
      added: result.added,
      removed: result.removed,
      updated: result.updated,
      unchanged: result.unchanged,
      ...(changed ? { changes: changes(result) } : {}),
    });
    return 'ok';
  }

  async function syncOnce(reason: SyncReason): Promise<void> {
    const read = await readDesired(reason);
    if (read === null) return;
    const client = conn?.client;
    if (!client) {
      log('debug', 'daemon not connected: will sync once it is', { reason });
      return;
    }
    if (read.set) {
      const r = await send(client, read.set, reason, 'the file');
      if (r === 'ok') good = read.set;
      if (r !== 'refused') return;
    }
    // The file is unusable. After a file change the daemon still has the previous set (ReplacePaths
    // is all or nothing); after a reconnect it may have lost it, so send the last good one again.
    if (good && reason !== 'file') await send(client, good, reason, 'the last good set');
  }

  // The file: watch its directory, not the file, so that editors that write a new file and rename
  // it, and Kubernetes ConfigMap volumes (which swap a `..data` symlink), are seen too.
  let debounce: NodeJS.Timeout | undefined;
  const onFileEvent = (): void => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void requestSync('file'), debounceMs);
  };
  let watcher: FSWatcher | null = null;
  try {
    watcher = watchDir(dirname(file), { persistent: false }, onFileEvent);
    watcher.on('error', (e) => {
      log('warn', 'watching the file failed: relying on the periodic re-sync', { file, error: message(e) });
      watcher?.close();
      watcher = null;
    });
  } catch (e) {
    log('warn', 'cannot watch the file: relying on the periodic re-sync', { file, error: message(e) });
  }
  const resync = setInterval(() => void requestSync('resync'), resyncMs);

  // Drift: someone withdrew a path this owner wants (e.g. `announcer del-eip` without --owner).
  // Our own syncs withdraw paths too: those are told apart once the sync is over, as paths the
  // owner no longer has.
  let driftTimer: NodeJS.Timeout | undefined;
  const withdrawn = new Set<string>();
  const checkDrift = async (): Promise<void> => {
    await syncing;
    const hit = [...withdrawn].some((k) => owned.has(k));
    withdrawn.clear();
    if (hit) await requestSync('drift');
  };
  const onEvent = (e: SpeakerEvent): void => {
    if (e.type !== 'rib' || e.removed.length === 0) return;
    for (const p of e.removed) withdrawn.add(pathKey(p));
    clearTimeout(driftTimer);
    driftTimer = setTimeout(() => void checkDrift(), debounceMs);
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((done) => {
      const t = setTimeout(done, ms);
      void stopSignal.then(() => {
        clearTimeout(t);
        done();
      });
    });

  /** Resolves once the stream is subscribed; rejects with why it is not (unreachable, no answer). */
  async function started(w: EventWatch): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([w.started, timeout, stopSignal]);
    } finally {
      clearTimeout(timer);
    }
  }

  // The connection: a WatchEvents stream is kept open; its end means the daemon went away.
  async function connectLoop(): Promise<void> {
    let delay = backoff.initialMs;
    let connectedBefore = false;
    while (!stopped) {
      // A fresh channel per attempt: it connects at once instead of waiting out grpc's own back-off.
      const client = firstClient ?? connectClient(options.api, { timeoutMs });
      firstClient = null;
      const w = client.watch(onEvent);
      let failure: unknown;
      try {
        await started(w);
      } catch (e) {
        failure = e;
      }
      if (failure === undefined && !stopped) {
        conn = { client, watch: w };
        log('info', connectedBefore ? 'daemon is back: re-syncing' : 'connected to the daemon', { api: options.api, owner });
        await requestSync(connectedBefore ? 'reconnect' : 'start');
        connectedBefore = true;
        if (answered) delay = backoff.initialMs;
        const ended = await Promise.race([w.ended, stopSignal.then(() => undefined)]);
        conn = null;
        if (!stopped) log('warn', 'lost the daemon: reconnecting', { api: options.api, error: ended?.message ?? 'connection closed' });
      } else if (!stopped) {
        log('warn', 'daemon unreachable: retrying', { api: options.api, error: message(failure), retryInMs: delay });
      }
      // Let a call in flight finish before its channel is closed.
      await syncing;
      w.cancel();
      client.close();
      if (stopped) break;
      await sleep(delay);
      delay = Math.min(delay * 2, backoff.maxMs);
    }
  }

  log('info', 'controller started', { api: options.api, owner, file, resyncMs });
  const loop = connectLoop().catch((e: unknown) => log('error', 'controller loop failed', { error: message(e) }));

  let stopping: Promise<void> | null = null;
  return {
    stop() {
      stopping ??= (async () => {
        stopped = true;
        wakeStop();
        clearTimeout(debounce);
        clearTimeout(driftTimer);
        clearInterval(resync);
        watcher?.close();
        await loop;
        await syncing;
        log('info', 'controller stopped: paths left announced', { owner });
      })();
      return stopping;
    },
  };
}
