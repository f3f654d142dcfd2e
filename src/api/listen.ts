// Where the API listens, and who may reach it: a unix socket guarded by file permissions (the
// default), or TCP, which is plain on loopback only; anywhere else it needs TLS or an explicit
// `insecure`.

import { chmod, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, resolve } from 'node:path';
import { ServerCredentials } from '@grpc/grpc-js';
import { systemClock } from '../clock.js';
import type { ApiEndpoint } from '../config.js';
import { hostOf, insecureTcpProblem } from '../loopback.js';

/** Certificate files (PEM) for a TCP API. */
export interface ApiTlsFiles {
  /** The server's certificate chain. */
  readonly cert: string;
  /** The server's private key. */
  readonly key: string;
  /** CA bundle that client certificates must chain to: given, every client must present one (mutual TLS). */
  readonly clientCa?: string;
}

export type ApiListen =
  | {
      readonly socket: string;
      /** Permission bits of the socket file (default 0o660: the owner and its group may connect). */
      readonly socketMode?: number;
    }
  | {
      /** "127.0.0.1:50051", "[::1]:0", "0.0.0.0:50051" (the last needs `tls` or `insecure`). */
      readonly address: string;
      readonly tls?: ApiTlsFiles;
      /** Serve plain TCP on a non-loopback address anyway (anyone who can reach it has full control). */
      readonly insecure?: boolean;
    };

export const DEFAULT_SOCKET_MODE = 0o660;
const SOCKET_DIR_MODE = 0o755;
/** How long a connect to an existing socket may take before we take it as answered (a busy daemon). */
const PROBE_TIMEOUT_MS = 1_000;

/** The config's `api` section as the server takes it. */
export function listenFromConfig(api: ApiEndpoint): ApiListen {
  if (api.kind === 'unix') return { socket: api.socket, socketMode: api.socketMode };
  return { address: api.address, ...(api.tls ? { tls: api.tls } : {}), insecure: api.insecure };
}

/** "unix:/abs/path" for a socket, "host:port" (IPv6 as "[::1]:port") for TCP. */
export function bindTarget(listen: ApiListen): string {
  return 'socket' in listen ? `unix:${resolve(listen.socket)}` : listen.address;
}

/** The address clients use, with the port the kernel chose when asked for port 0. */
export function boundAddress(listen: ApiListen, port: number): string {
  if ('socket' in listen) return `unix:${resolve(listen.socket)}`;
  return `${hostOf(listen.address)}:${port}`;
}

async function readPem(path: string, field: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new Error(`${field}: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Plain for unix sockets and loopback; TLS (mutual when clientCa is given) from the files otherwise. */
export async function serverCredentials(listen: ApiListen): Promise<ServerCredentials> {
  if ('socket' in listen) return ServerCredentials.createInsecure();
  const problem = insecureTcpProblem(listen.address, listen.tls, listen.insecure);
  if (problem) throw new Error(`api.address: ${problem}`);
  if (!listen.tls) return ServerCredentials.createInsecure();
  const [cert, key, clientCa] = await Promise.all([
    readPem(listen.tls.cert, 'api.tls.cert'),
    readPem(listen.tls.key, 'api.tls.key'),
    listen.tls.clientCa === undefined ? undefined : readPem(listen.tls.clientCa, 'api.tls.clientCa'),
  ]);
  try {
    return ServerCredentials.createSsl(clientCa ?? null, [{ private_key: key, cert_chain: cert }], clientCa !== undefined);
  } catch (e) {
    throw new Error(`api.tls: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** 'live' when something accepts connections on the socket, 'stale' when nothing does. */
function probeSocket(path: string): Promise<'live' | 'stale'> {
  return new Promise((done, fail) => {
    const s = connect(path);
    const timer = systemClock.after(PROBE_TIMEOUT_MS, () => {
      s.destroy();
      done('live');
    });
    s.once('connect', () => {
      timer.cancel();
      s.destroy();
      done('live');
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      timer.cancel();
      // Refused: the file is there but nobody listens (its daemon died). Anything else (EACCES...)
      // leaves us unable to tell, so we do not touch it.
      if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') done('stale');
      else fail(new Error(`api.socket: cannot tell whether ${path} is in use: ${err.message}`));
    });
  });
}

/**
 * Makes the socket's directory (mode 0755) when missing, and removes a socket left behind by a
 * daemon that died; refuses to take over a socket another process still answers on.
 */
export async function prepareSocket(path: string): Promise<void> {
  const abs = resolve(path);
  try {
    await mkdir(dirname(abs), { recursive: true, mode: SOCKET_DIR_MODE });
  } catch (e) {
    throw new Error(`api.socket: cannot create the directory ${dirname(abs)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const st = await stat(abs).catch(() => undefined);
  if (!st) return;
  if (!st.isSocket()) throw new Error(`api.socket: ${abs} exists and is not a socket`);
  if ((await probeSocket(abs)) === 'live') {
    throw new Error(`api.socket: another announcer daemon is already running on ${abs} (it answers there); stop it first`);
  }
  await rm(abs, { force: true });
}

/**
 * Gives the bound socket its permission bits. Until then it has what the umask left (0755 under
 * the usual 022): connecting needs write permission, so no one but the owner gets in meanwhile.
 */
export async function setSocketMode(listen: ApiListen): Promise<void> {
  if (!('socket' in listen)) return;
  const mode = listen.socketMode ?? DEFAULT_SOCKET_MODE;
  try {
    await chmod(resolve(listen.socket), mode);
  } catch (e) {
    throw new Error(`api.socketMode: cannot set ${resolve(listen.socket)} to ${mode.toString(8).padStart(4, '0')}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function removeSocket(listen: ApiListen): Promise<void> {
  if ('socket' in listen) await rm(resolve(listen.socket), { force: true });
}
