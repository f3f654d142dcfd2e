// A real Speaker (no peers) behind a real API server on a unix socket in a temp dir, and a client.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiListen, type ApiServer, type ApiServerOptions } from '../../src/api/server.js';
import { connectClient, type ApiClient, type ClientOptions } from '../../src/client.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { Speaker, type SpeakerOptions } from '../../src/speaker/speaker.js';
import type { SpeakerApi } from '../../src/speaker/api.js';

export const SPEAKER_OPTIONS: SpeakerOptions = { asn: 65000, routerId: '192.0.2.1', nextHop: 'self', peers: [] };

export interface ApiFixture {
  readonly dir: string;
  readonly speaker: Speaker;
  readonly server: ApiServer;
  readonly client: ApiClient;
  /** Closes the client, the server and the speaker, and removes the temp dir. */
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** Default: a socket at DIR/run/announcer.sock (DIR/run does not exist yet). */
  readonly listen?: (dir: string) => ApiListen;
  readonly server?: ApiServerOptions;
  readonly client?: ClientOptions;
  readonly log?: Logger;
  readonly speaker?: Partial<SpeakerOptions>;
  /** Serve this instead of the speaker itself (e.g. a wrapper that fails on purpose). */
  readonly wrap?: (speaker: Speaker) => SpeakerApi;
  /** Leave the speaker unstarted (health: NOT_SERVING). */
  readonly unstarted?: boolean;
}

export async function startFixture(options: FixtureOptions = {}): Promise<ApiFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'announcer-api-'));
  const speaker = new Speaker({ ...SPEAKER_OPTIONS, ...options.speaker }, silentLogger);
  if (!options.unstarted) await speaker.start();
  const listen = options.listen?.(dir) ?? { socket: join(dir, 'run', 'announcer.sock') };
  let server: ApiServer;
  try {
    server = await startApiServer(options.wrap?.(speaker) ?? speaker, listen, options.log ?? silentLogger, options.server);
  } catch (e) {
    await speaker.stop();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const client = connectClient(server.address, options.client);
  return {
    dir,
    speaker,
    server,
    client,
    async close() {
      client.close();
      await server.close();
      await speaker.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The rejection of `p`, which must be an Error of class `type`. */
export async function rejection<T extends Error>(p: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof type)) throw new Error(`expected a ${type.name}, got ${err === undefined ? 'success' : String(err)}`);
  return err;
}

/** Polls `check` until it holds (or `ms` pass): for effects that land a moment later. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
