// Where the API listens: a unix socket (the default, guarded by file permissions) or a TCP address.

import { mkdir, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, resolve } from 'node:path';

export type ApiListen = { readonly socket: string } | { readonly address: string };

/** "unix:/abs/path" for a socket, "host:port" (IPv6 as "[::1]:port") for TCP. */
export function bindTarget(listen: ApiListen): string {
  return 'socket' in listen ? `unix:${resolve(listen.socket)}` : listen.address;
}

/** The address clients use, with the port the kernel chose when asked for port 0. */
export function boundAddress(listen: ApiListen, port: number): string {
  if ('socket' in listen) return `unix:${resolve(listen.socket)}`;
  const colon = listen.address.lastIndexOf(':');
  const host = colon < 0 ? listen.address : listen.address.slice(0, colon);
  return `${host}:${port}`;
}

function isListening(path: string): Promise<boolean> {
  return new Promise((done) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

/**
 * Makes the socket's directory, and removes a socket left behind by a daemon that died; refuses
 * to take over a socket another process still serves.
 */
export async function prepareSocket(path: string): Promise<void> {
  const abs = resolve(path);
  await mkdir(dirname(abs), { recursive: true });
  const st = await stat(abs).catch(() => undefined);
  if (!st) return;
  if (!st.isSocket()) throw new Error(`api.socket: ${abs} exists and is not a socket`);
  if (await isListening(abs)) throw new Error(`api.socket: ${abs} is in use by another process (is an announcer daemon already running?)`);
  await rm(abs, { force: true });
}

export async function removeSocket(listen: ApiListen): Promise<void> {
  if ('socket' in listen) await rm(resolve(listen.socket), { force: true });
}
