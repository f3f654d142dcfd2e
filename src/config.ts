// The daemon's YAML config: parsed with `yaml`, checked with a zod schema, returned fully defaulted
// and frozen. Every problem is reported at once, each naming its field (`peers[1].asn: ...`), in
// the order it appears in the file, so one edit-and-retry fixes them all.

import { readFile } from 'node:fs/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import * as z from 'zod';
import { formatIPv6, parseIPv6 } from './codec/ip.js';
import { insecureTcpProblem } from './loopback.js';
import { IpAddress, Prefix } from './codec/values.js';
import { nextHopProblem } from './rib/special-addresses.js';
import { FAMILIES, type AddPathSetting, type Family } from './codec/types.js';
import { parseCommunity } from './codec/attributes.js';
import { LOG_FORMATS, type LogFormat } from './log.js';
import { expandHostPort, expandUrl, PLACEHOLDERS, placeholdersInUrlHost, splitHostPort, unknownPlaceholders, type TargetVars } from './health/expand.js';
import type { HealthCheckSpec, OnFail, ProbeSpec } from './health/spec.js';

// ---------------------------------------------------------------------------------------------
// The validated config

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Certificate files (PEM) for a TCP API. */
export interface ApiTlsConfig {
  /** The server's certificate chain. */
  readonly cert: string;
  /** The server's private key. */
  readonly key: string;
  /** Given: clients must present a certificate that chains to this CA bundle (mutual TLS). */
  readonly clientCa?: string;
}

/** Where the gRPC API listens: a unix socket, or TCP (`address` as written, e.g. "[::1]:50051"). */
export type ApiEndpoint =
  | {
      readonly kind: 'unix';
      readonly socket: string;
      /** Permission bits of the socket file; default 0o660 (the daemon's user and group). */
      readonly socketMode: number;
    }
  | {
      readonly kind: 'tcp';
      readonly address: string;
      readonly host: string;
      readonly port: number;
      /** Required unless the host is loopback or `insecure` is set. */
      readonly tls?: ApiTlsConfig;
      /** Plain TCP on a non-loopback address, explicitly asked for. */
      readonly insecure: boolean;
    };

/** The Prometheus endpoint (served by src/metrics.ts). */
export interface MetricsConfig {
  /** As written, e.g. "127.0.0.1:9179" or "[::1]:9179". */
  readonly address: string;
  readonly host: string;
  readonly port: number;
}

export interface ListenConfig {
  readonly address: string;
  readonly port: number;
}

export interface PeerConfig {
  /** Label for logs and the API; defaults to the address. */
  readonly name: string;
  /** IPv4, or IPv6 in RFC 5952 canonical text (so it compares equal to the socket's remote address). */
  readonly address: string;
  readonly asn: number;
  readonly port: number;
  readonly passive: boolean;
  /** Seconds; 0 means no keepalives and no hold timer (RFC 4271 4.2). */
  readonly holdTime: number;
  /** Seconds between connection attempts. */
  readonly connectRetry: number;
  /** Source address for the active connection; same family as `address`. */
  readonly localAddress?: string;
  readonly families: readonly Family[];
  readonly addPath: AddPathSetting;
  /**
   * RFC 9687: seconds the peer may take nothing we send before the session is dropped; 0 = off.
   * Omitted: the larger of 8 minutes and twice the negotiated hold time.
   */
  readonly sendHoldTime?: number;
  /** RFC 4724 graceful restart: the restart time (seconds) we ask routers to keep our paths for; absent: off. */
  readonly gracefulRestart?: { readonly restartTime: number };
  /** TCP-MD5 key (RFC 2385), from `password` or read from `passwordFile`. */
  readonly password?: string;
  /** Where the key came from, when it was a file (for messages). */
  readonly passwordFile?: string;
  /** RFC 5082: send TTL 255 and accept only packets from at most `multihop` (1) hops away. */
  readonly ttlSecurity?: boolean;
  /** eBGP multihop: the peer is this many hops away; the TTL we send. */
  readonly multihop?: number;
  /** RFC 5880/5881 BFD on the session's link, milliseconds; absent: off. */
  readonly bfd?: { readonly minRx: number; readonly minTx: number; readonly multiplier: number };
  /**
   * The RFC 8203 shutdown communication of this peer's Cease: its own text, or false for a bare
   * Cease (for a peer that cannot parse one, like ExaBGP 4.2); absent: the daemon's own.
   */
  readonly shutdownMessage?: string | false;
}

/**
 * A health check (issue 10): what src/health/ runs, named so paths can refer to it. Durations are
 * milliseconds; placeholders ({prefix}, {address}, {nextHop}) are left in for each path to fill.
 */
export type HealthCheckConfig = HealthCheckSpec;

/** What SIGTERM means: withdraw every path (the node is leaving), or keep them at the routers (a restart). */
export type SigtermMode = 'withdraw' | 'restart';

export interface Config {
  readonly asn: number;
  readonly routerId: string;
  /** Next hop for a path added without one: an address, or "self" (each session's local address). */
  readonly nextHop: string;
  /**
   * The ranges every announced prefix must lie in (prefix text, host bits clear); omitted: any
   * prefix but the special ones (default route, loopback, multicast, link-local, reserved).
   */
  readonly allowPrefixes?: readonly string[];
  /** Omitted: no BGP listener (active peers only). */
  readonly listen?: ListenConfig;
  readonly api: ApiEndpoint;
  /** Omitted: no metrics endpoint. */
  readonly metrics?: MetricsConfig;
  /** Omitted: desired paths are not persisted. */
  readonly stateFile?: string;
  readonly gracefulRestart: { readonly onSigterm: SigtermMode };
  readonly logLevel: LogLevel;
  /** json, pretty (pino-pretty), or auto: pretty when the log goes to a terminal. */
  readonly logFormat: LogFormat;
  /** Omitted: no health checks (a path that names one is refused). */
  readonly healthChecks?: readonly HealthCheckConfig[];
  /** Where the BFD process listens, for the peers with `bfd` (always filled in). */
  readonly bfd: BfdProcessConfig;
  readonly peers: readonly PeerConfig[];
}

/** The BFD process (`announcer bfdd`): BFD runs there, apart from the daemon's event loop. */
export interface BfdProcessConfig {
  /** Its control socket; default beside the API socket (NAME-bfd.sock), else /run/announcer/bfd.sock. */
  readonly socket: string;
  /** Start one when none answers (default); false: a service manager runs it (announcer-bfd.service). */
  readonly spawn: boolean;
}

export const DEFAULT_API_SOCKET = '/run/announcer/announcer.sock';
export const DEFAULT_SOCKET_MODE = 0o660;
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9179';
export const DEFAULT_BGP_PORT = 179;

// ---------------------------------------------------------------------------------------------
// Errors

export interface ConfigProblem {
  /** Field path in JS notation (`peers[1].asn`), or `line 3, column 7` for YAML syntax errors. */
  readonly path: string;
  readonly message: string;
  /** 1-based line in the source, when known. */
  readonly line?: number;
}

/** Everything wrong with a config: the source on the first line, then one `path: message` a line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
    options?: ErrorOptions,
  ) {
    const n = problems.length;
    const lines = problems.map((p) => `${p.path}: ${p.message}`);
    super([`${source}: ${n} problem${n === 1 ? '' : 's'}`, ...lines].join('\n'), options);
  }

  /** The file could not be read at all: said in one line (`/etc/announcer.yaml: file not found`). */
  static unreadable(source: string, cause: unknown): ConfigError {
    const reason = fsReason(cause);
    const err = new ConfigError(source, [{ path: '(file)', message: reason }], { cause });
    err.message = `${source}: ${reason}`;
    return err;
  }
}

/** Why a file could not be read, in words; `what` names the kind of file it should be. */
function fsReason(cause: unknown, what = 'a config file'): string {
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return `is a directory, not ${what}`;
  return `cannot read: ${cause instanceof Error ? cause.message : String(cause)}`;
}

// ---------------------------------------------------------------------------------------------
// Messages

/** How a wrong value reads in a message: strings quoted, containers by kind. */
function describe(value: unknown): string {
  if (value === null) return 'nothing';
  if (typeof value === 'string') {
    // At most a line of it, and not a long one (a binary file read as a string).
    const line = value.split(/\r?\n/, 1)[0]!;
    return JSON.stringify(line.slice(0, 60)) + (line.length > 60 || line.length < value.length ? '...' : '');
  }
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** One message for every way a field can be wrong: its type, its range, its refinements. */
function expected(what: string, choices?: readonly string[]): z.core.$ZodErrorMap {
  return (iss) => {
    if (iss.input === undefined) return `missing: expected ${what}`;
    const guess = choices && typeof iss.input === 'string' ? didYouMean(iss.input, choices) : undefined;
    return `expected ${what}, got ${describe(iss.input)}${guess ? ` (did you mean ${guess}?)` : ''}`;
  };
}

function oneOf(choices: readonly string[]): string {
  return choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}` : (choices[0] ?? '');
}

/** The candidate nearest to a misspelling, if it is near enough to be what was meant. */
function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_ ]/g, '');
  const w = norm(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const n = norm(c);
    const d = n.startsWith(w) && w.length >= 3 ? 1 : editDistance(w, n);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Edit distance counting a swap of neighbours as one edit ("sned" -> "send"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

// ---------------------------------------------------------------------------------------------
// Field schemas

/** IPv6 in RFC 5952 text (a zone suffix kept as written); IPv4 unchanged. */
function canonicalIp(text: string): string {
  if (!isIPv6(text)) return text;
  const zone = text.indexOf('%');
  const bare = zone < 0 ? text : text.slice(0, zone);
  const bytes = parseIPv6(bare);
  return bytes ? formatIPv6(bytes) + (zone < 0 ? '' : text.slice(zone)) : text;
}

function number(what: string, min: number, max: number) {
  return z.number({ error: expected(what) }).int().min(min).max(max);
}

const ASN = number('an AS number (1..4294967295)', 1, 4294967295);
const PORT = number('a port number (1..65535)', 1, 65535);
const CONNECT_RETRY = number('a number of seconds (1..65535)', 1, 65535);
const holdTimeError = expected('a hold time of 0 or 3..65535 seconds');
// RFC 4271 4.2: zero, or at least three seconds.
const HOLD_TIME = z
  .number({ error: holdTimeError })
  .int()
  .min(0)
  .max(65535)
  .refine((v) => v === 0 || v >= 3, { error: holdTimeError });

function address(what: string, ok: (s: string) => boolean) {
  const error = expected(what);
  return z.string({ error }).refine(ok, { error }).transform(canonicalIp);
}

const IP = address('an IPv4 or IPv6 address', (s) => isIPv4(s) || isIPv6(s));
const ROUTER_ID = address('a non-zero IPv4 address', (s) => isIPv4(s) && s !== '0.0.0.0');
const NEXT_HOP = address('an IPv4 or IPv6 address, or "self"', (s) => s === 'self' || isIPv4(s) || isIPv6(s)).superRefine((s, ctx) => {
  const ip = s === 'self' ? null : IpAddress.parse(s);
  const why = ip ? nextHopProblem(ip) : undefined;
  if (why !== undefined) ctx.addIssue({ code: 'custom', input: s, message: why });
});

const allowPrefixError = expected('a prefix like 203.0.113.0/24 or "2001:db8:200::/64"');
/** A range prefixes may be announced in: canonical text, host bits clear ("203.0.113.5/24" is a slip). */
const ALLOW_PREFIX = z.string({ error: allowPrefixError }).transform((s, ctx) => {
  const p = Prefix.parse(s.trim());
  if (!p) {
    ctx.addIssue({ code: 'custom', input: s, message: `expected a prefix like 203.0.113.0/24 or "2001:db8:200::/64", got ${describe(s)}` });
    return s;
  }
  const written = IpAddress.parse(s.trim().split('/')[0]!);
  if (written && !written.equals(p.address)) ctx.addIssue({ code: 'custom', input: s, message: `${s} has host bits set: did you mean ${p.toString()}?` });
  return p.toString();
});
const ALLOW_PREFIXES = z
  .array(ALLOW_PREFIX, { error: expected('a list of prefixes, like [203.0.113.0/24, "2001:db8:200::/64"]') })
  .min(1, { error: 'expected at least one prefix (omit allowPrefixes to allow any prefix but the special ones)' });

function text(what: string) {
  const error = expected(what);
  return z.string({ error }).min(1, { error });
}

function choice<const T extends readonly string[]>(values: T) {
  return z.enum(values, { error: expected(oneOf(values), values) });
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const satisfies readonly LogLevel[];
const ADD_PATH_SETTINGS = ['off', 'send', 'receive', 'both'] as const satisfies readonly AddPathSetting[];

const FAMILY_LIST = z
  .array(choice(FAMILIES), {
    error: expected(`a list of address families (${FAMILIES.join(', ')})`),
  })
  .min(1, { error: `expected at least one address family (${FAMILIES.join(', ')})` })
  .superRefine((families, ctx) => {
    families.forEach((f, i) => {
      if (families.indexOf(f) !== i) ctx.addIssue({ code: 'custom', path: [i], input: f, message: `duplicate family ${f}` });
    });
  });

/** "127.0.0.1:50051", "[::1]:50051" or "localhost:50051"; null when it is none of these. */
function parseHostPort(s: string): { host: string; port: number } | null {
  const hp = splitHostPort(s);
  if (!hp || isIPv6(hp.host)) return hp;
  // Unbracketed: a host given by number must be an IPv4 address, any other a valid hostname.
  const hostname = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
  const numeric = /^[\d.]+$/.test(hp.host);
  return (numeric ? isIPv4(hp.host) : hostname.test(hp.host)) ? hp : null;
}

const hostPortError = expected('host:port with a port 1..65535 (IPv6 as "[::1]:50051")');
const HOST_PORT = z
  .string({ error: hostPortError })
  .refine((s) => parseHostPort(s) !== null, { error: hostPortError });

// ---------------------------------------------------------------------------------------------
// Section schemas

const LISTEN = z.strictObject(
  { address: IP.default('0.0.0.0'), port: PORT.default(DEFAULT_BGP_PORT) },
  { error: expected('a mapping with address and port') },
);

/** Octal text ("0660", "660", "0o660") or the number itself (0o660 = 432); at most 0777. */
function parseFileMode(v: string | number): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 0o777 ? v : null;
  const m = /^(?:0o|0)?([0-7]{1,3})$/i.exec(v.trim());
  return m ? parseInt(m[1]!, 8) : null;
}

const socketModeError = expected('a file mode in octal, like "0660" (at most 0777)');
const SOCKET_MODE = z.union([z.number(), z.string()], { error: socketModeError }).transform((v, ctx) => {
  const mode = parseFileMode(v);
  if (mode === null) ctx.addIssue({ code: 'custom', input: v, message: `expected a file mode in octal, like "0660" (at most 0777), got ${describe(v)}` });
  return mode ?? 0;
});

const TLS = z.strictObject(
  { cert: text('a certificate file (PEM)'), key: text('a private key file (PEM)'), clientCa: text('a CA bundle file (PEM)').optional() },
  { error: expected('a mapping with cert, key and optionally clientCa') },
);

const API = z
  .strictObject(
    {
      socket: text('a unix socket path').optional(),
      socketMode: SOCKET_MODE.optional(),
      address: HOST_PORT.optional(),
      tls: TLS.optional(),
      insecure: z.boolean({ error: expected('true or false') }).optional(),
    },
    { error: expected('a mapping with socket or address') },
  )
  .superRefine((api, ctx) => {
    if (api.socket !== undefined && api.address !== undefined) {
      ctx.addIssue({ code: 'custom', input: api, message: 'give either socket or address, not both' });
      return;
    }
    if (api.address === undefined) {
      for (const key of ['tls', 'insecure'] as const) {
        if (api[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], input: api[key], message: 'applies to a TCP address only (the socket is guarded by its file mode)' });
      }
      return;
    }
    if (api.socketMode !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['socketMode'], input: api.socketMode, message: 'applies to a unix socket only' });
    }
    if (api.tls !== undefined && api.insecure === true) {
      ctx.addIssue({ code: 'custom', path: ['insecure'], input: true, message: 'give either tls or insecure: true, not both' });
    }
    const problem = insecureTcpProblem(api.address, api.tls, api.insecure);
    if (problem) ctx.addIssue({ code: 'custom', path: ['address'], input: api.address, message: problem });
  })
  .transform((api): ApiEndpoint => {
    if (api.address === undefined) {
      return { kind: 'unix', socket: api.socket ?? DEFAULT_API_SOCKET, socketMode: api.socketMode ?? DEFAULT_SOCKET_MODE };
    }
    const { host, port } = parseHostPort(api.address)!;
    const tls = api.tls && {
      cert: api.tls.cert,
      key: api.tls.key,
      ...(api.tls.clientCa === undefined ? {} : { clientCa: api.tls.clientCa }),
    };
    return { kind: 'tcp', address: api.address, host, port, ...(tls ? { tls } : {}), insecure: api.insecure ?? false };
  });

const METRICS = z
  .strictObject({ address: HOST_PORT.default(DEFAULT_METRICS_ADDRESS) }, { error: expected('a mapping with address (host:port)') })
  .transform((m): MetricsConfig => ({ address: m.address, ...parseHostPort(m.address)! }));

/** sun_path is 108 octets with its NUL. */
const UNIX_PATH_MAX = 107;
const BFD_PROCESS = z.strictObject(
  {
    socket: text('a unix socket path').refine((p) => Buffer.byteLength(p) <= UNIX_PATH_MAX, { error: `expected a unix socket path of at most ${UNIX_PATH_MAX} octets` }).optional(),
    spawn: z.boolean({ error: expected('true (start a BFD process when none answers) or false (a service manager runs it)') }).optional(),
  },
  { error: expected('a mapping with socket and spawn') },
);

/** The BFD process's socket when the config names none: beside a unix API socket, else in /run/announcer. */
function defaultBfdSocket(api: ApiEndpoint): string {
  if (api.kind !== 'unix') return '/run/announcer/bfd.sock';
  const slash = api.socket.lastIndexOf('/');
  const name = api.socket.slice(slash + 1).replace(/\.sock$/, '');
  return `${api.socket.slice(0, slash + 1)}${name}-bfd.sock`;
}

const RESTART_TIME = number('a restart time of 1..4095 seconds', 1, 4095);

/** A graceful restart setting, either way it was written. */
interface GrSetting {
  readonly enabled: boolean;
  readonly restartTime?: number | undefined;
  readonly onSigterm?: SigtermMode | undefined;
}

/** `gracefulRestart: true | false | { enabled, restartTime }` (per peer, and as the default at the top). */
function gracefulRestart<T extends z.ZodRawShape>(extra: T) {
  return z.union(
    [
      z.boolean().transform((enabled): GrSetting => ({ enabled })),
      z.strictObject({ enabled: z.boolean({ error: expected('true or false') }).default(true), restartTime: RESTART_TIME.optional(), ...extra }),
    ],
    { error: expected('true, false, or a mapping with enabled and restartTime') },
  );
}
const SIGTERM_MODES = ['withdraw', 'restart'] as const satisfies readonly SigtermMode[];
const PEER_GR = gracefulRestart({});
const TOP_GR = gracefulRestart({ onSigterm: choice(SIGTERM_MODES).optional() });
const DEFAULT_RESTART_TIME = 120;

/** A peer before its graceful restart setting is resolved against the top-level default. */
type ParsedPeer = PeerConfig & { readonly gracefulRestartSetting?: GrSetting };

const BFD_INTERVAL = number('an interval of 10..60000 milliseconds', 10, 60000);
/** `bfd: true` (300 ms x 3) or `{ minRx, minTx, multiplier }`. */
const BFD = z.union(
  [
    z.boolean().transform((on) => (on ? { minRx: 300, minTx: 300, multiplier: 3 } : undefined)),
    z.strictObject({
      minRx: BFD_INTERVAL.default(300),
      minTx: BFD_INTERVAL.default(300),
      multiplier: number('a multiplier of 1..255', 1, 255).default(3),
    }),
  ],
  { error: expected('true, false, or a mapping with minRx, minTx (milliseconds) and multiplier') },
);

const PEER = z
  .strictObject(
    {
      address: IP,
      asn: ASN,
      port: PORT.default(DEFAULT_BGP_PORT),
      passive: z.boolean({ error: expected('true or false') }).default(false),
      holdTime: HOLD_TIME.default(90),
      sendHoldTime: HOLD_TIME.optional(),
      gracefulRestart: PEER_GR.optional(),
      bfd: BFD.optional(),
      password: z.string({ error: expected('a TCP-MD5 key of 1..80 characters') }).min(1, { error: expected('a TCP-MD5 key of 1..80 characters') }).max(80, { error: expected('a TCP-MD5 key of 1..80 characters') }).optional(),
      passwordFile: text('a file path').optional(),
      ttlSecurity: z.boolean({ error: expected('true or false') }).optional(),
      multihop: number('a hop count of 1..255', 1, 255).optional(),
      shutdownMessage: z
        .union(
          [
            z.literal(false),
            z.string().refine((t) => Buffer.byteLength(t, 'utf8') <= 255, { error: expected('a shutdown message of at most 255 octets of UTF-8, or false for none') }),
          ],
          { error: expected('a shutdown message of at most 255 octets of UTF-8, or false for none') },
        )
        .optional(),
      connectRetry: CONNECT_RETRY.default(5),
      localAddress: IP.optional(),
      families: FAMILY_LIST.default(() => [...FAMILIES]),
      addPath: choice(ADD_PATH_SETTINGS).default('off'),
      name: text('a name').optional(),
    },
    { error: expected('a peer (a mapping with address and asn)') },
  )
  .superRefine((peer, ctx) => {
    if (peer.password !== undefined && peer.passwordFile !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['passwordFile'], input: peer.passwordFile, message: 'password and passwordFile both given: keep one' });
    }
    const family = (a: string): string => (isIPv4(a) ? 'IPv4' : 'IPv6');
    if (peer.localAddress !== undefined && family(peer.localAddress) !== family(peer.address)) {
      ctx.addIssue({
        code: 'custom',
        path: ['localAddress'],
        input: peer.localAddress,
        message: `expected an ${family(peer.address)} address like the peer address ${peer.address}, got "${peer.localAddress}"`,
      });
    }
  })
  .transform(
    (p): ParsedPeer => ({
      name: p.name ?? p.address,
      address: p.address,
      asn: p.asn,
      port: p.port,
      passive: p.passive,
      holdTime: p.holdTime,
      ...(p.sendHoldTime === undefined ? {} : { sendHoldTime: p.sendHoldTime }),
      // Resolved against the top-level default below.
      ...(p.gracefulRestart === undefined ? {} : { gracefulRestartSetting: p.gracefulRestart }),
      ...(p.bfd === undefined ? {} : { bfd: p.bfd }),
      ...(p.password === undefined ? {} : { password: p.password }),
      ...(p.passwordFile === undefined ? {} : { passwordFile: p.passwordFile }),
      ...(p.ttlSecurity ? { ttlSecurity: true } : {}),
      ...(p.multihop === undefined ? {} : { multihop: p.multihop }),
      ...(p.shutdownMessage === undefined ? {} : { shutdownMessage: p.shutdownMessage }),
      connectRetry: p.connectRetry,
      ...(p.localAddress === undefined ? {} : { localAddress: p.localAddress }),
      families: p.families,
      addPath: p.addPath,
    }),
  );

// ---------------------------------------------------------------------------------------------
// Health checks

const DEFAULT_HEALTH_INTERVAL = 2000;
/** A probe's timeout when none is given: the interval, but no more than this. */
const MAX_DEFAULT_HEALTH_TIMEOUT = 2000;

/** "500ms", "2s", "1m", or a bare number of milliseconds -> milliseconds; null when it is none of these. */
function parseDuration(v: string | number): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.round(v) : null;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(v.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1));
}

/** Milliseconds as they would be written: 1m, 2s, 500ms. */
function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function duration(what: string, min: number, max: number) {
  const wanted = `${what} of ${formatDuration(min)} to ${formatDuration(max)}, like 500ms, 2s or 1m (a bare number is milliseconds)`;
  return z.union([z.number(), z.string()], { error: expected(wanted) }).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms !== null && ms >= min && ms <= max) return ms;
    ctx.addIssue({ code: 'custom', input: v, message: `expected ${wanted}, got ${describe(v)}` });
    return z.NEVER;
  });
}

const HEALTH_INTERVAL = duration('an interval', 100, 3_600_000);
const HEALTH_TIMEOUT = duration('a timeout', 1, 3_600_000);

/** What the placeholders are filled with to see that a template makes a valid target, for each family. */
const SAMPLE_VARS: readonly TargetVars[] = [
  { prefix: '203.0.113.10/32', address: '203.0.113.10', nextHop: '198.51.100.11' },
  { prefix: '2001:db8:200::10/128', address: '2001:db8:200::10', nextHop: '2001:db8::11' },
];

/** Unknown placeholders in `template`, said (with a did-you-mean), or undefined when all are known. */
function placeholderProblem(template: string): string | undefined {
  const unknown = unknownPlaceholders(template)[0];
  if (unknown === undefined) return undefined;
  const guess = didYouMean(unknown, PLACEHOLDERS);
  return `unknown placeholder {${unknown}}${guess ? ` (did you mean {${guess}}?)` : ''}: use {prefix}, {address} or {nextHop} (and {{ or }} for a literal brace)`;
}

/** `[{nextHop}]` would be a bad host for an IPv4 next hop: the brackets come with an IPv6 address by themselves. */
function bracketedPlaceholder(template: string): string | undefined {
  const m = /\[\{(address|nextHop)\}\]/.exec(template);
  return m ? `write {${m[1]}} without brackets: an IPv6 address gets them by itself where it is a host` : undefined;
}

const urlWanted = 'an http:// or https:// URL like "http://{nextHop}:80/healthz"';
function urlProblem(template: string): string | undefined {
  const unknown = placeholderProblem(template);
  if (unknown) return unknown;
  const bracketed = bracketedPlaceholder(template);
  if (bracketed) return bracketed;
  if (placeholdersInUrlHost(template).includes('prefix')) return '{prefix} cannot be the host (it is a prefix, like 203.0.113.10/32): use {address} or {nextHop}';
  for (const vars of SAMPLE_VARS) {
    let url: URL;
    try {
      url = new URL(expandUrl(template, vars));
    } catch {
      return `expected ${urlWanted}, got ${describe(template)}`;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return `expected ${urlWanted}, got ${describe(template)}`;
  }
  return undefined;
}

const hostPortWanted = 'host:port, like "{nextHop}:53" (an IPv6 address in brackets: "[2001:db8::1]:53")';
function hostPortProblem(template: string): string | undefined {
  const unknown = placeholderProblem(template);
  if (unknown) return unknown;
  if (template.includes('{prefix}')) return '{prefix} is not an address to connect to: use {address} or {nextHop}';
  const bracketed = bracketedPlaceholder(template);
  if (bracketed) return bracketed;
  if (SAMPLE_VARS.some((vars) => splitHostPort(expandHostPort(template, vars)) === null)) return `expected ${hostPortWanted}, got ${describe(template)}`;
  return undefined;
}

function refineWith(problem: (s: string) => string | undefined) {
  return (s: string, ctx: z.core.$RefinementCtx<string>): void => {
    const message = problem(s);
    if (message !== undefined) ctx.addIssue({ code: 'custom', input: s, message });
  };
}

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'] as const;
const HTTP_STATUS = number('an HTTP status code (100..599)', 100, 599);
const EXPECT_STATUS = z
  .union([HTTP_STATUS, z.array(HTTP_STATUS).min(1, { error: 'expected at least one status code (omit expectStatus for any 2xx)' })], {
    error: expected('a status code or a list of them, like [200, 204]'),
  })
  .transform((v) => (Array.isArray(v) ? v : [v]));

// RFC 9110 5.1: a header name is a token.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADERS = z
  .record(z.string(), z.union([z.string(), z.number()], { error: expected('a header value (text)') }), {
    error: expected('a mapping of header names to values, like { Host: web.example }'),
  })
  .superRefine((headers, ctx) => {
    for (const [name, value] of Object.entries(headers)) {
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], input: name, message: `${JSON.stringify(name)} is not a header name` });
      else if (/[\r\n\0]/.test(String(value))) ctx.addIssue({ code: 'custom', path: [name], input: value, message: 'a header value is one line' });
    }
  })
  .transform((headers) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])));

const HTTP_PROBE = z
  .strictObject(
    {
      url: text(urlWanted).superRefine(refineWith(urlProblem)),
      expectStatus: EXPECT_STATUS.optional(),
      timeout: HEALTH_TIMEOUT.optional(),
      method: choice(HTTP_METHODS).default('GET'),
      headers: HEADERS.optional(),
      ca: text('a CA bundle file (PEM)').optional(),
      insecureSkipVerify: z.boolean({ error: expected('true or false') }).optional(),
    },
    { error: expected('a mapping with url (and optionally expectStatus, timeout, method, headers, ca, insecureSkipVerify)') },
  )
  .superRefine((h, ctx) => {
    if (!/^https:\/\//i.test(h.url.trim())) {
      for (const key of ['ca', 'insecureSkipVerify'] as const) {
        if (h[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], input: h[key], message: 'applies to https:// URLs only' });
      }
    } else if (h.ca !== undefined && h.insecureSkipVerify === true) {
      ctx.addIssue({ code: 'custom', path: ['insecureSkipVerify'], input: true, message: 'give either ca or insecureSkipVerify: true, not both' });
    }
  })
  .transform((h) => ({
    kind: 'http' as const,
    url: h.url.trim(),
    method: h.method,
    headers: h.headers ?? {},
    ...(h.expectStatus === undefined ? {} : { expectStatus: h.expectStatus }),
    ...(h.ca === undefined ? {} : { ca: h.ca }),
    insecureSkipVerify: h.insecureSkipVerify ?? false,
    timeout: h.timeout,
  }));

const TCP_PROBE = z
  .strictObject(
    { address: text(hostPortWanted).superRefine(refineWith(hostPortProblem)), timeout: HEALTH_TIMEOUT.optional() },
    { error: expected('a mapping with address (host:port) and optionally timeout') },
  )
  .transform((t) => ({ kind: 'tcp' as const, address: t.address.trim(), timeout: t.timeout }));

const argvWanted = 'a list of arguments, like [/usr/local/bin/check-eip, "{prefix}"]';
const EXEC_PROBE = z
  .strictObject(
    {
      // A number is an argument too (`[check-port, 8080]`), as text.
      command: z.union([z.string(), z.array(z.union([z.string(), z.number().transform(String)]))], { error: expected(argvWanted) }),
      timeout: HEALTH_TIMEOUT.optional(),
      shell: z.boolean({ error: expected('true or false') }).optional(),
    },
    { error: expected('a mapping with command and optionally timeout and shell') },
  )
  .superRefine((e, ctx) => {
    const problem = (path: PropertyKey[], input: unknown, message: string): void => void ctx.addIssue({ code: 'custom', path: ['command', ...path], input, message });
    if (e.shell === true) {
      // One command line for /bin/sh -c, as a string or a list of one.
      const line = typeof e.command === 'string' ? e.command : e.command.length === 1 ? e.command[0]! : undefined;
      if (line === undefined) return problem([], e.command, 'with shell: true, expected one command line for /bin/sh -c (a string, or a list of one)');
      if (line.trim() === '') return problem([], line, 'expected a command line, got ""');
      const p = placeholderProblem(line);
      if (p) problem([], line, p);
      return;
    }
    if (typeof e.command === 'string') return problem([], e.command, `expected ${argvWanted} (or shell: true to run one command line with /bin/sh -c), got ${describe(e.command)}`);
    if (e.command.length === 0 || e.command[0] === '') return problem(e.command.length === 0 ? [] : [0], e.command[0] ?? e.command, `expected ${argvWanted}, the program first`);
    e.command.forEach((arg, i) => {
      const p = placeholderProblem(arg);
      if (p) problem([i], arg, p);
    });
  })
  .transform((e) => ({ kind: 'exec' as const, command: typeof e.command === 'string' ? [e.command] : e.command, shell: e.shell ?? false, timeout: e.timeout }));

const U32 = (what: string) => number(`${what} (0..4294967295)`, 0, 4294967295);
const communityWanted = 'a community ASN:VALUE with both parts in 0..65535, like "65000:666"';
// Checked here, turned into a value after the union (see ON_FAIL).
const COMMUNITY = z.string({ error: expected(communityWanted) }).refine((s) => parseCommunity(s.trim()) !== null, { error: expected(communityWanted) });
const DEMOTE = z
  .strictObject(
    {
      med: U32('a MED').optional(),
      localPref: U32('a LOCAL_PREF').optional(),
      communities: z.array(COMMUNITY, { error: expected(`a list of communities, like ["65000:666"]`) }).min(1, { error: 'expected at least one community' }).optional(),
    },
    { error: expected('a mapping with med, localPref and/or communities') },
  )
  .superRefine((d, ctx) => {
    if (d.med === undefined && d.localPref === undefined && d.communities === undefined) {
      ctx.addIssue({ code: 'custom', input: d, message: 'give at least one of med, localPref or communities (what makes the path less preferred)' });
    }
  });
const onFailWanted = 'withdraw, or { demote: { med, localPref, communities } }';
// The transform comes after the union: inside it, an option's transform would hide the option's
// own problems (demote.med) behind the union's one message.
const ON_FAIL = z
  .union([z.literal('withdraw'), z.strictObject({ demote: DEMOTE })], { error: expected(onFailWanted, ['withdraw']) })
  .transform((v): OnFail => {
    if (v === 'withdraw') return { action: 'withdraw' };
    const d = v.demote;
    return {
      action: 'demote',
      ...(d.med === undefined ? {} : { med: d.med }),
      ...(d.localPref === undefined ? {} : { localPref: d.localPref }),
      ...(d.communities === undefined ? {} : { communities: d.communities.map((c) => parseCommunity(c.trim())!) }),
    };
  });

const CHECK_NAME_WANTED = 'a name of 1..64 letters, digits, "_", "." or "-"';
const CHECK_NAME = z.string({ error: expected(CHECK_NAME_WANTED) }).regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: expected(CHECK_NAME_WANTED) });
const HEALTH_COUNT = number('a count of 1..100', 1, 100);
const PROBE_KINDS = ['http', 'tcp', 'exec'] as const;

const HEALTH_CHECK = z
  .strictObject(
    {
      name: CHECK_NAME,
      http: HTTP_PROBE.optional(),
      tcp: TCP_PROBE.optional(),
      exec: EXEC_PROBE.optional(),
      interval: HEALTH_INTERVAL.optional(),
      rise: HEALTH_COUNT.default(2),
      fall: HEALTH_COUNT.default(2),
      initial: choice(['up', 'down'] as const).default('down'),
      onFail: ON_FAIL.default({ action: 'withdraw' }),
    },
    { error: expected('a health check (a mapping with name and one of http, tcp or exec)') },
  )
  .superRefine((c, ctx) => {
    const given = PROBE_KINDS.filter((k) => c[k] !== undefined);
    if (given.length === 0) {
      ctx.addIssue({ code: 'custom', input: c, message: 'missing: give one of http, tcp or exec (what to probe)' });
      return;
    }
    for (const k of given.slice(1)) ctx.addIssue({ code: 'custom', path: [k], input: c[k], message: `give one of http, tcp or exec, not both ${given[0]} and ${k}` });
    const interval = c.interval ?? DEFAULT_HEALTH_INTERVAL;
    const timeout = c[given[0]!]!.timeout;
    if (timeout !== undefined && timeout > interval) {
      ctx.addIssue({
        code: 'custom',
        path: [given[0]!, 'timeout'],
        input: timeout,
        message: `${formatDuration(timeout)} is longer than the interval (${formatDuration(interval)}${c.interval === undefined ? ', the default' : ''}): a probe must end before the next one is due`,
      });
    }
  })
  .transform((c): HealthCheckSpec => {
    const interval = c.interval ?? DEFAULT_HEALTH_INTERVAL;
    const given = (c.http ?? c.tcp ?? c.exec)!;
    const { timeout, ...rest } = given;
    const probe = { ...rest, timeout: timeout ?? Math.min(interval, MAX_DEFAULT_HEALTH_TIMEOUT) } as ProbeSpec;
    return { name: c.name, probe, interval, rise: c.rise, fall: c.fall, initial: c.initial, onFail: c.onFail };
  });

const HEALTH_CHECKS = z
  .array(HEALTH_CHECK, { error: expected('a list of health checks') })
  // Every entry commented out is YAML null: no checks.
  .nullable()
  .transform((checks) => checks ?? [])
  .superRefine((checks, ctx) => {
    const seen = new Set<string>();
    checks.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], input: c.name, message: `duplicate check name ${c.name}` });
      seen.add(c.name);
    });
  });

const peersError = expected('a list of peers');
const PEERS = z
  .array(PEER, {
    error: (iss) => (iss.input === undefined ? 'missing: expected a list of peers, the routers to announce to (peers: [] for none yet)' : peersError(iss)),
  })
  // `peers:` with every entry commented out is YAML null: a speaker with no peers yet. No `peers`
  // at all is more likely a slip (a misspelt or mis-indented key): said, not guessed.
  .nullable()
  .transform((peers) => peers ?? [])
  .superRefine((peers, ctx) => {
    const seen = { address: new Set<string>(), name: new Set<string>() };
    peers.forEach((p, i) => {
      if (seen.address.has(p.address)) {
        ctx.addIssue({ code: 'custom', path: [i, 'address'], input: p.address, message: `duplicate peer ${p.address}` });
      } else if (seen.name.has(p.name)) {
        ctx.addIssue({ code: 'custom', path: [i, 'name'], input: p.name, message: `duplicate peer name ${p.name}` });
      }
      seen.address.add(p.address);
      seen.name.add(p.name);
    });
  });

const CONFIG = z
  .strictObject(
    {
      asn: ASN,
      routerId: ROUTER_ID,
      nextHop: NEXT_HOP.default('self'),
      allowPrefixes: ALLOW_PREFIXES.optional(),
      listen: LISTEN.optional(),
      api: API.default({ kind: 'unix', socket: DEFAULT_API_SOCKET, socketMode: DEFAULT_SOCKET_MODE }),
      metrics: METRICS.optional(),
      stateFile: text('a file path').optional(),
      logLevel: choice(LOG_LEVELS).default('info'),
      logFormat: choice(LOG_FORMATS).default('auto'),
      gracefulRestart: TOP_GR.optional(),
      healthChecks: HEALTH_CHECKS.optional(),
      bfd: BFD_PROCESS.optional(),
      peers: PEERS,
    },
    { error: expected('a mapping with asn, routerId and peers') },
  )
  .superRefine((c, ctx) => {
    if (c.listen !== undefined) return;
    c.peers.forEach((p, i) => {
      if (!p.passive) return;
      const message = 'true waits for the router to connect, but nothing listens: add listen: { address: 0.0.0.0, port: 179 } at the top, or set passive: false';
      ctx.addIssue({ code: 'custom', path: ['peers', i, 'passive'], input: true, message });
    });
  })
  .transform(
    (c): Config => ({
      asn: c.asn,
      routerId: c.routerId,
      nextHop: c.nextHop,
      ...(c.allowPrefixes === undefined ? {} : { allowPrefixes: c.allowPrefixes }),
      ...(c.listen === undefined ? {} : { listen: c.listen }),
      api: c.api,
      ...(c.metrics === undefined ? {} : { metrics: c.metrics }),
      ...(c.stateFile === undefined ? {} : { stateFile: c.stateFile }),
      logLevel: c.logLevel,
      logFormat: c.logFormat,
      gracefulRestart: { onSigterm: c.gracefulRestart?.onSigterm ?? 'withdraw' },
      ...(c.healthChecks === undefined || c.healthChecks.length === 0 ? {} : { healthChecks: c.healthChecks }),
      bfd: { socket: c.bfd?.socket ?? defaultBfdSocket(c.api), spawn: c.bfd?.spawn ?? true },
      peers: c.peers.map(({ gracefulRestartSetting: own, ...p }) => {
        // A peer's own setting wins; otherwise the top-level default; otherwise off.
        const top: GrSetting | undefined = c.gracefulRestart;
        const enabled = own?.enabled ?? top?.enabled ?? false;
        const restartTime = own?.restartTime ?? top?.restartTime ?? DEFAULT_RESTART_TIME;
        return enabled ? { ...p, gracefulRestart: { restartTime } } : p;
      }),
    }),
  );

// ---------------------------------------------------------------------------------------------
// Parsing

/** Where `${VAR}` in a config value is looked up. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/**
 * Parse and validate config text; `source` names it in errors (a file name); `${VAR}` in values
 * is read from `env`. Throws ConfigError.
 */
export function parseConfig(text: string, source = 'config', env: ConfigEnv = process.env): Config {
  const binary = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]/.exec(text);
  if (binary) {
    // Said in one line: quoting it would print the binary (the YAML parser would, too).
    const line = text.slice(0, binary.index).split('\n').length;
    const err = new ConfigError(source, [{ path: '(file)', message: `not a YAML config: binary data on line ${line} (a config is UTF-8 text)`, line }]);
    err.message = `${source}: not a YAML config: binary data on line ${line} (a config is UTF-8 text)`;
    throw err;
  }
  const lineCounter = new LineCounter();
  const refs = new EnvReferences(text);
  const doc = parseDocument(refs.masked, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return { path: `line ${line}, column ${col}`, message: yamlMessage(e.code, e.message, text, line), line };
      }),
    );
  }
  const unset = substituteEnv(doc, env, lineCounter, refs);
  if (unset.length > 0) throw new ConfigError(source, unset);
  let input: unknown;
  try {
    input = doc.toJS();
  } catch (e) {
    // e.g. an alias bomb: yaml refuses excessive alias expansion.
    throw new ConfigError(source, [{ path: '(top level)', message: e instanceof Error ? e.message : String(e) }]);
  }
  octalAsWritten(doc, input, ['api', 'socketMode']);
  const result = CONFIG.safeParse(input);
  if (result.success) return deepFreeze(result.data);
  throw new ConfigError(source, problemsOf(result.error.issues, doc, lineCounter));
}

/** Read and parse a config file (`${VAR}` from `env`). Throws ConfigError, also when the file cannot be read. */
export async function loadConfig(path: string, env: ConfigEnv = process.env): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw ConfigError.unreadable(path, e);
  }
  const config = parseConfig(text, path, env);
  // Keys kept out of the config: read now, so a missing file stops the daemon before it starts.
  const problems: ConfigProblem[] = [];
  const peers = await Promise.all(
    config.peers.map(async (p, i) => {
      if (p.passwordFile === undefined) return p;
      try {
        const key = (await readFile(p.passwordFile, 'utf8')).replace(/\r?\n$/, '');
        if (key.length === 0 || key.length > 80) throw new Error(`expected a TCP-MD5 key of 1..80 characters, the file holds ${key.length}`);
        return { ...p, password: key };
      } catch (e) {
        problems.push({ path: `peers[${i}].passwordFile`, message: e instanceof Error && !('code' in e) ? e.message : `${p.passwordFile}: ${fsReason(e, 'a key file')}` });
        return p;
      }
    }),
  );
  // A health check's CA file too: a typo would otherwise show only as every target down.
  await Promise.all(
    (config.healthChecks ?? []).map(async (c, i) => {
      if (c.probe.kind !== 'http' || c.probe.ca === undefined) return;
      try {
        await readFile(c.probe.ca);
      } catch (e) {
        problems.push({ path: `healthChecks[${i}].http.ca`, message: `${c.probe.ca}: ${fsReason(e, 'a CA bundle (PEM file)')}` });
      }
    }),
  );
  if (problems.length > 0) throw new ConfigError(path, problems);
  return deepFreeze({ ...config, peers });
}

// `${NAME}` or `${NAME:-default}`; `$${` is a literal `${`; a `${` that is never closed is an error.
/**
 * `${VAR}` written where YAML reads braces as structure (`api: { socket: ${DIR}/a.sock }`, a flow
 * mapping) would break the document. So each reference is masked before the YAML is parsed, by a
 * token of private-use characters of the same length (error positions stay true), and put back in
 * the parsed values before they are expanded.
 */
class EnvReferences {
  private readonly refs: string[] = [];
  readonly masked: string;

  constructor(text: string) {
    this.masked = text.includes('${')
      ? text.replace(/\$\{[^}\n]*\}/g, (ref) => {
          if (this.refs.length >= 0x1000 || /[\ue000-\uf0ff]/.test(ref)) return ref;
          const i = this.refs.push(ref) - 1;
          return `\ue000${String.fromCharCode(0xe100 + i)}\ue001`.padEnd(ref.length, '\ue002');
        })
      : text;
  }

  /** `s` with every token back as the `${...}` it masks. */
  restore(s: string): string {
    if (this.refs.length === 0 || !s.includes('\ue000')) return s;
    return s.replace(/\ue000(.)\ue001\ue002*/g, (_m, c: string) => this.refs[c.charCodeAt(0) - 0xe100] ?? '');
  }
}

const ENV_REFERENCE = /\$\$\{|\$\{([^}]*)(\}|$)/g;
const ENV_NAME = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/**
 * Replaces `${VAR}` in every value (never in keys or comments) with the variable from `env`, so one
 * file serves every node (`routerId: ${NODE_IP}` in a DaemonSet). Done on the parsed document, so
 * a value cannot inject YAML; a plain (unquoted) value is then read as YAML reads it (`asn: ${ASN}`
 * is a number), a quoted one stays text. Returns a problem per unset variable without a default.
 */
function substituteEnv(doc: Document, env: ConfigEnv, lineCounter: LineCounter, refs: EnvReferences): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown, path: readonly PropertyKey[]): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (isScalar(node) && typeof node.value === 'string') node.value = refs.restore(node.value);
    if (isMap(node)) {
      for (const pair of node.items) {
        // A key is never expanded, but is read as written.
        if (isScalar(pair.key) && typeof pair.key.value === 'string') pair.key.value = refs.restore(pair.key.value);
        walk(pair.value, [...path, isScalar(pair.key) ? String(pair.key.value) : '?']);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
      const line = node.range ? lineCounter.linePos(node.range[0]).line : undefined;
      const problem = (message: string): void => {
        problems.push({ path: formatPath(path), message, ...(line === undefined ? {} : { line }) });
      };
      const out = node.value.replace(ENV_REFERENCE, (whole: string, inner: string | undefined, close: string | undefined) => {
        if (inner === undefined) return '${';
        if (close === '') {
          problem('${ without a closing } (write $${ for a literal ${)');
          return whole;
        }
        const m = ENV_NAME.exec(inner);
        if (!m) {
          problem(`malformed ${whole}: expected \${NAME} or \${NAME:-default} (write $\${ for a literal \${)`);
          return whole;
        }
        const [, name, fallback] = m as unknown as [string, string, string | undefined];
        const value = env[name];
        if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
        if (value === undefined) problem(`environment variable ${name} is not set (${line === undefined ? '' : `line ${line}; `}or give a default: \${${name}:-value})`);
        return value ?? '';
      });
      if (node.type === 'PLAIN') {
        const reread = parseDocument(out).contents;
        node.value = isScalar(reread) && (typeof reread.value === 'number' || typeof reread.value === 'boolean') ? reread.value : out;
        node.source = out;
      } else {
        node.value = out;
      }
    }
  };
  walk(doc.contents, []);
  return problems;
}

/**
 * YAML 1.2 reads an unquoted `0660` as the decimal 660; for a file mode the writer meant octal,
 * so such a value is passed on as the text written.
 */
function octalAsWritten(doc: Document, input: unknown, path: readonly string[]): void {
  const node = doc.getIn(path, true);
  if (!isScalar(node) || typeof node.value !== 'number' || typeof node.source !== 'string' || !/^0[0-7]+$/.test(node.source)) return;
  let parent = input;
  for (const key of path.slice(0, -1)) parent = (parent as Record<string, unknown> | null)?.[key];
  if (typeof parent === 'object' && parent !== null) (parent as Record<string, unknown>)[path.at(-1)!] = node.source;
}

function yamlMessage(code: string, message: string, text: string, line: number): string {
  if (code === 'DUPLICATE_KEY') return 'duplicate key';
  if (code === 'MULTIPLE_DOCS') return 'more than one YAML document (a config is one document; remove the extra ---)';
  const first = message.split('\n', 1)[0] ?? message;
  // `address: [::1]:50051` unquoted starts a YAML list; say so rather than leave a riddle.
  const sourceLine = text.split(/\r?\n/)[line - 1] ?? '';
  const bareIpv6 = /(^|[\s{,])\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]:\d/.test(sourceLine);
  return bareIpv6 ? `${first} (quote an IPv6 host:port: "[::1]:50051")` : first;
}

/** zod issues -> problems in file order; unknown keys become one problem each, with a suggestion. */
function problemsOf(issues: readonly z.core.$ZodIssue[], doc: Document, lineCounter: LineCounter): ConfigProblem[] {
  const out: { problem: ConfigProblem; offset: number }[] = [];
  const add = (path: readonly PropertyKey[], message: string): void => {
    const offset = offsetOf(doc, path);
    const line = offset === undefined ? undefined : lineCounter.linePos(offset).line;
    out.push({ problem: { path: formatPath(path), message, ...(line === undefined ? {} : { line }) }, offset: offset ?? 0 });
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = objectKeysAt(CONFIG, issue.path);
      for (const key of issue.keys) {
        const guess = didYouMean(key, known);
        add([...issue.path, key], `unknown field${guess ? ` (did you mean ${guess}?)` : ''}`);
      }
    } else {
      add(issue.path, issue.message);
    }
  }
  const seen = new Set<string>();
  return out
    .sort((a, b) => a.offset - b.offset)
    .map((o) => o.problem)
    .filter((p) => {
      const key = `${p.path}: ${p.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
}

/** `peers[1].asn`; keys that are not identifiers in brackets (`peers[0]["hold time"]`). */
function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$]*$/.test(seg)) s += s === '' ? seg : `.${seg}`;
    else s += `[${JSON.stringify(String(seg))}]`;
  }
  return s;
}

/** The known keys of the object schema at `path` (for did-you-mean), seen through wrappers. */
function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: unknown = schema;
  for (let i = 0; ; i++) {
    for (;;) {
      if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap();
      else if (s instanceof z.ZodPipe) s = s.in;
      else break;
    }
    const seg = path[i];
    // A union of a value and a mapping (onFail: withdraw | { demote }): the mapping that has the key.
    if (s instanceof z.ZodUnion) {
      const objects = (s.options as readonly unknown[]).filter((o): o is z.ZodObject => o instanceof z.ZodObject);
      s = objects.find((o) => typeof seg === 'string' && seg in o.shape) ?? objects[0];
    }
    if (i === path.length) return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
    if (s instanceof z.ZodObject && typeof seg === 'string') s = (s.shape as Record<string, unknown>)[seg];
    else if (s instanceof z.ZodArray && typeof seg === 'number') s = s.element;
    else return [];
  }
}

/** Source offset of the deepest node along `path` (the key itself for a mapping entry). */
function offsetOf(doc: Document, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = isScalar(node) || isMap(node) || isSeq(node) ? node.range?.[0] : undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (isScalar(node) || isMap(node) || isSeq(node)) offset = node.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
