// The config's sections (listen, api, metrics, bfd, gracefulRestart, peers) and CONFIG, the whole
// file's schema: how fields combine, what defaults fill in, and the checks across fields.

import { isIPv4 } from 'node:net';
import * as z from 'zod';
import { attributeTable, parseAttributes, type Attributes } from '../attributes/table.js';
import { insecureTcpProblem } from '../loopback.js';
import { FAMILIES } from '../codec/types.js';
import { LOG_FORMATS } from '../log.js';
import { ADD_PATH_SETTINGS, ALLOW_PREFIXES, ASN, choice, CONNECT_RETRY, FAMILY_LIST, HOLD_TIME, HOST_PORT, IP, LOG_LEVELS, NEXT_HOP, number, parseHostPort, PORT, ROUTER_ID, text } from './fields.js';
import { HEALTH_CHECKS } from './health-checks.js';
import { describe, expected } from './problems.js';
import {
  DEFAULT_API_SOCKET,
  DEFAULT_BGP_PORT,
  DEFAULT_METRICS_ADDRESS,
  DEFAULT_SOCKET_MODE,
  type ApiEndpoint,
  type Config,
  type MetricsConfig,
  type PeerConfig,
  type SigtermMode,
} from './types.js';

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

/** An attribute's text in `defaults`, of its entry's form (the entry checks the values). */
function defaultField(form: 'list' | 'number') {
  return form === 'list'
    ? z.array(z.union([z.string(), z.number()]).transform(String), { error: expected('a list, like ["65000:100"]') }).optional()
    : z.number({ error: expected('a whole number') }).optional();
}

/**
 * A peer's `defaults`: attributes every path sent to it gets, each by its name in the attribute
 * table and checked by its entry (the same messages as a request's).
 */
const DEFAULTS = z
  .strictObject(Object.fromEntries(attributeTable().map((e) => [e.name, defaultField(e.form)])), {
    error: expected(`a mapping of attributes (${attributeTable().map((e) => e.name).join(', ')})`),
  })
  .transform((d, ctx): Attributes =>
    parseAttributes(d, (name, index, message) => ctx.addIssue({ code: 'custom', path: index === undefined ? [name] : [name, index], input: d[name], message })),
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
      defaults: DEFAULTS.optional(),
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
      ...(p.defaults === undefined || Object.keys(p.defaults).length === 0 ? {} : { defaults: p.defaults }),
      ...(p.shutdownMessage === undefined ? {} : { shutdownMessage: p.shutdownMessage }),
      connectRetry: p.connectRetry,
      ...(p.localAddress === undefined ? {} : { localAddress: p.localAddress }),
      families: p.families,
      addPath: p.addPath,
    }),
  );

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

export const CONFIG = z
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
