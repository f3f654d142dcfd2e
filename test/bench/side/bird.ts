// The router side of the side-by-side bench: BIRD's config, a persistent connection to its control
// socket, and the one measurement: from BIRD's Established to BIRD holding all N paths.
//
// Polling goes over one open control-socket connection rather than `birdc` per poll: spawning birdc
// every 5 ms would cost more CPU (on a 2-core machine shared with BIRD and the speaker) than BIRD's
// answer, and its latency would blur the timestamps.

import { createConnection, type Socket } from 'node:net';
import { sleep } from '../../../src/lab/index.js';

/** BIRD's protocol name for the one session. */
export const PROTOCOL = 'speaker';

export interface BenchBirdOptions {
  readonly routerId: string;
  readonly routerAsn: number;
  readonly neighbor: string;
  readonly neighborAsn: number;
}

/**
 * BIRD 2 with one eBGP session that imports everything and exports nothing. No kernel protocol:
 * installing N routes into the router namespace's kernel would measure netlink, not BGP intake.
 * BIRD connects (the speakers are passive), after a 1 s connect delay instead of its default 5 s.
 * `timeformat protocol iso long ms` makes `show protocols` say when the session came up, to the ms.
 */
export function benchBirdConfig(o: BenchBirdOptions): string {
  return `# BIRD 2 for test/bench/side.ts: one eBGP session, import all, export none, no kernel.
log stderr { warning, error, fatal };
router id ${o.routerId};
timeformat protocol iso long ms;

protocol device {
}

protocol bgp ${PROTOCOL} {
  local ${o.routerId} as ${o.routerAsn};
  neighbor ${o.neighbor} as ${o.neighborAsn};
  hold time 90;
  connect delay time 1;
  connect retry time 1;
  error wait time 1, 5;
  ipv4 {
    import all;
    export none;
    # Harmless with one path per prefix: none of the speakers offers ADD-PATH send.
    add paths rx;
  };
}
`;
}

/**
 * One connection to BIRD's control socket, one command at a time. Replies are lines `NNNN-text`
 * (more follow), ` text` (continuation) and a last `NNNN text`; codes 8xxx and 9xxx are errors.
 */
export class BirdControl {
  readonly #socket: Socket;
  #partial = '';
  #lines: string[] = [];
  #waiting: { resolve: (text: string) => void; reject: (e: Error) => void } | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    const fail = (e: Error): void => {
      this.#closed ??= e;
      this.#waiting?.reject(e);
      this.#waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('BIRD closed its control socket')));
  }

  /** Connects and reads BIRD's greeting ("0001 BIRD 2.0.12 ready."). */
  static async connect(path: string): Promise<BirdControl> {
    const socket = createConnection(path);
    const ctl = new BirdControl(socket);
    await ctl.#reply();
    return ctl;
  }

  /** Sends one command and returns its reply text, codes stripped. */
  command(cmd: string): Promise<string> {
    const next = this.#queue.then(() => {
      if (this.#closed) throw this.#closed;
      const reply = this.#reply();
      this.#socket.write(`${cmd}\n`);
      return reply;
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.#socket.destroy();
  }

  #reply(): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.#closed) reject(this.#closed);
      else this.#waiting = { resolve, reject };
    });
  }

  #onData(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^(\d{4})([ -])(.*)$/.exec(line);
      if (m === null) {
        this.#lines.push(line.slice(1)); // continuation of the previous code
        continue;
      }
      this.#lines.push(m[3]!);
      if (m[2] !== ' ') continue;
      const text = this.#lines.join('\n');
      this.#lines = [];
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (m[1]!.startsWith('8') || m[1]!.startsWith('9')) waiting?.reject(new Error(`BIRD: ${text}`));
      else waiting?.resolve(text);
    }
  }
}

export interface SessionTiming {
  /** Wall-clock ms of BIRD's Established, from its own `Since` (falls back to the first poll that saw it). */
  readonly establishedAt: number;
  /** Whether establishedAt came from BIRD's own timestamp. */
  readonly fromBird: boolean;
  /** The first poll that saw all N routes imported. */
  readonly doneAt: number;
  readonly ms: number;
}

/** `2024-05-01 12:34:56.789` (BIRD's iso long ms, local time) -> epoch ms. */
function parseBirdTime(text: string): number {
  return new Date(text.replace(' ', 'T')).getTime();
}

/**
 * Waits for the session to be Established (polling every 5 ms), then for BIRD to have imported
 * `n` routes from it (every 10 ms: `Routes: N imported` is a counter, cheap for BIRD to print).
 */
export async function measureSession(
  ctl: BirdControl,
  n: number,
  opts: { timeoutMs: number; signal?: AbortSignal; died?: () => string | undefined },
): Promise<SessionTiming> {
  const deadline = Date.now() + opts.timeoutMs;
  const check = (what: string, last: string): void => {
    opts.signal?.throwIfAborted();
    const died = opts.died?.();
    if (died !== undefined) throw new Error(`${died} while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}; last: ${last}`);
  };

  let row = '';
  let seenAt = 0;
  for (;;) {
    const text = await ctl.command(`show protocols ${PROTOCOL}`);
    row = text.split('\n').find((l) => l.startsWith(`${PROTOCOL} `)) ?? text;
    if (/\sEstablished\b/.test(row)) {
      seenAt = Date.now();
      break;
    }
    check('Established', row);
    await sleep(5);
  }
  // Name Proto Table State Since(date time.ms) Info
  const since = /^\S+\s+\S+\s+\S+\s+\S+\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\s/.exec(row)?.[1];
  const birdAt = since === undefined ? NaN : parseBirdTime(since);
  // BIRD's own time is exact; trust it unless it disagrees with what we saw (a clock or zone mix-up).
  const fromBird = Number.isFinite(birdAt) && birdAt <= seenAt + 50 && seenAt - birdAt < 1_000;
  const establishedAt = fromBird ? birdAt : seenAt;

  let imported = 0;
  let last = '';
  for (;;) {
    last = await ctl.command(`show protocols all ${PROTOCOL}`);
    imported = Number(/Routes:\s+(\d+) imported/.exec(last)?.[1] ?? 0);
    if (imported >= n) break;
    if (!/\sEstablished\b/.test(last)) throw new Error(`the session went down after Established:\n${last}`);
    check(`${n} routes in BIRD (${imported} so far)`, `${imported} imported`);
    await sleep(10);
  }
  const doneAt = Date.now();
  return { establishedAt, fromBird, doneAt, ms: doneAt - establishedAt };
}
