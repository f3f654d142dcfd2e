/**
 * The integration-test lab: a router and N nodes in Linux network namespaces on one L2 segment,
 * BIRD 2 started inside them, and helpers to read what the router's kernel installed.
 *
 *   router namespace <id>-r                    node namespaces <id>-n1 ... <id>-nN
 *   +----------------------------------+       +--------------------------------------+
 *   | br0 (bridge)  198.51.100.1/24    |-- n1 --| eth0  198.51.100.11  2001:db8:100::11 |
 *   |               2001:db8:100::1/64 |-- n2 --| eth0  198.51.100.12  2001:db8:100::12 |
 *   |                                  |  veth  +--------------------------------------+
 *   | c0  192.0.2.1/24  2001:db8:c::1  |-- c0 --| <id>-c (optional client): eth0 192.0.2.2,
 *   +----------------------------------+  veth  |   2001:db8:c::2, default routes via the router
 *
 * Everything the lab makes is tracked and removed by destroy(): processes first (SIGTERM, then
 * SIGKILL after a grace period), then namespaces, then the temp dir. A process 'exit' hook does the
 * same synchronously as a last resort. Namespace names are unique per lab
 * (`ann-<pid>-<random>-r`, `...-n1`), and commands only ever run inside the lab's own namespaces.
 *
 * The router configs in bird-configs/ are produced by routerConfig() below (test/integration/lab.test.ts
 * checks it). Used by the integration tests and by the demo (src/demo).
 */
import { execFile, execFileSync, spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// ---------------------------------------------------------------------------------------------
// Running commands

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface ExecOptions {
  /** Resolve with the exit code instead of throwing when the command fails. */
  readonly allowFail?: boolean;
  readonly timeoutMs?: number;
}

/** Runs a command on the host (never one that changes the host's network config) and collects its output. */
export function run(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      [...args],
      { timeout: opts.timeoutMs ?? 10_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const err = error as (Error & { code?: number | string; killed?: boolean }) | null;
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        if (err !== null && (typeof err.code !== 'number' || !opts.allowFail)) {
          const why = err.killed ? 'timed out' : typeof err.code === 'number' ? `exit code ${err.code}` : err.message;
          reject(new Error(`${[cmd, ...args].join(' ')}: ${why}\n${stderr}${stdout}`.trimEnd()));
          return;
        }
        resolve({ stdout, stderr, code });
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Polling

export interface WaitOptions<T> {
  /** What is awaited, for the timeout message: "3 next hops for 203.0.113.10 in R". */
  readonly what: string;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** When the observed value is good enough; default: truthy. */
  readonly until?: (value: T) => boolean;
  /** Stops waiting at once, throwing the signal's reason (e.g. the awaited process died). */
  readonly signal?: AbortSignal;
}

/**
 * Calls `probe` every `intervalMs` until `until(value)` holds and returns that value. A probe that
 * throws counts as "not yet". On timeout the error names what was awaited and the last observation.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, opts: WaitOptions<T>): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 100;
  const until = opts.until ?? ((v: T) => Boolean(v));
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing (the probe never finished)';
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const value = await probe();
      if (until(value)) return value;
      last = show(value);
    } catch (e) {
      last = `error: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what}; last observed: ${last}`);
    }
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 2000 ? `${value.slice(0, 2000)}...` : value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Tracked processes

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const OUTPUT_LIMIT = 64 * 1024;

/**
 * A process the lab started inside a namespace; its stdout and stderr are kept (the last 64 KiB),
 * in memory or, for a detachable lab, in `logFile`.
 */
export class LabProcess {
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  #output = '';
  #status: ExitStatus | undefined;

  constructor(
    readonly name: string,
    readonly ns: string,
    readonly child: ChildProcess,
    readonly logFile?: string,
  ) {
    if (child.pid === undefined) throw new Error(`${name}: could not start ${child.spawnfile}`);
    this.pid = child.pid;
    const keep = (chunk: Buffer): void => {
      this.#output += chunk.toString('utf8');
      if (this.#output.length > OUTPUT_LIMIT) this.#output = this.#output.slice(-OUTPUT_LIMIT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#status = { code, signal };
        resolve(this.#status);
      });
    });
  }

  /** Everything it printed so far (stdout and stderr interleaved). */
  output(): string {
    if (this.logFile === undefined) return this.#output;
    try {
      const text = readFileSync(this.logFile, 'utf8');
      return text.length > OUTPUT_LIMIT ? text.slice(-OUTPUT_LIMIT) : text;
    } catch {
      return '';
    }
  }

  get running(): boolean {
    return this.#status === undefined;
  }

  get status(): ExitStatus | undefined {
    return this.#status;
  }

  /** SIGTERM (or `signal`), then SIGKILL if it is still running after `graceMs`. */
  async stop(opts: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<ExitStatus> {
    if (this.#status !== undefined) return this.#status;
    this.child.kill(opts.signal ?? 'SIGTERM');
    // A cleared timer, so a quick exit leaves no pending grace period holding the event loop open.
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, opts.graceMs ?? 2_000, undefined)));
    const graceful = await Promise.race([this.exited, grace]);
    clearTimeout(timer);
    if (graceful !== undefined) return graceful;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** The last lines of its output, for error messages. */
  tail(lines = 30): string {
    return this.output().trimEnd().split('\n').slice(-lines).join('\n');
  }
}

// ---------------------------------------------------------------------------------------------
// BIRD

/** A BIRD daemon the lab runs: `ip netns exec NS bird -f -c CONF -s SOCK -P PID`. */
export interface Bird {
  readonly name: string;
  readonly ns: string;
  readonly dir: string;
  readonly configPath: string;
  readonly socket: string;
  /** The current process; restartBird() replaces it. */
  process: LabProcess;
}

/** Runs one birdc command against a control socket and returns its output without the banner. */
export async function birdc(socket: string, command: string, opts: { timeoutMs?: number } = {}): Promise<string> {
  const { stdout } = await run('birdc', ['-s', socket, ...command.split(/\s+/).filter((w) => w !== '')], {
    timeoutMs: opts.timeoutMs ?? 5_000,
  });
  return stdout.replace(/^BIRD [^\n]* ready\.\n/, '');
}

export interface BirdProtocol {
  readonly name: string;
  /** BGP, Kernel, Device, Static, ... */
  readonly proto: string;
  /** up, start, down, ... */
  readonly state: string;
  /** For BGP the session state first: "Established", "Active  Socket: Connection refused", ... */
  readonly info: string;
}

/** `show protocols`, parsed. */
export async function birdProtocols(socket: string): Promise<BirdProtocol[]> {
  const text = await birdc(socket, 'show protocols');
  return text
    .split('\n')
    .slice(1) // column headers
    .filter((line) => line.trim() !== '')
    .map((line) => {
      // Name Proto Table State Since Info; Since is one word in BIRD's default time format.
      const [name = '', proto = '', , state = '', , ...info] = line.trim().split(/\s+/);
      return { name, proto, state, info: info.join(' ') };
    });
}

/** Waits until every named BGP protocol of that BIRD is Established. */
export async function waitForEstablished(
  socket: string,
  names: readonly string[],
  opts: { timeoutMs?: number } = {},
): Promise<void> {
  await waitFor(() => birdProtocols(socket), {
    what: `BGP sessions ${names.join(', ')} to be Established in ${socket}`,
    timeoutMs: opts.timeoutMs ?? 15_000,
    until: (protocols) =>
      names.every((n) => protocols.find((p) => p.name === n)?.info.startsWith('Established') === true),
  });
}

/** Parses a config with `bird -p` and throws BIRD's message when it does not. */
export async function checkBirdConfig(configText: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ann-birdcheck-'));
  try {
    const path = join(dir, 'bird.conf');
    writeFileSync(path, configText);
    await run('bird', ['-p', '-c', path]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Router and speaker configs

export type Family = 'ipv4' | 'ipv6';
export type AddPaths = 'rx' | 'tx' | 'on' | 'off';

export interface RouterPeer {
  /** BIRD protocol name: a letter or _, then letters, digits, _. */
  readonly name: string;
  /** The neighbor's address; it must be on a directly connected subnet (eBGP, `gateway direct`). */
  readonly address: string;
  readonly asn: number;
  /** The neighbor's TCP port when it is not 179 (Porter used 17900). */
  readonly port?: number;
  /** Only accept connections from this neighbor, never connect to it. */
  readonly passive?: boolean;
  /** Overrides the template's ADD-PATH mode for this session. */
  readonly addPaths?: AddPaths;
  /** One comment line written above the session. */
  readonly comment?: string;
  /**
   * Resolve next hops as directly connected (`gateway direct`). eBGP does by default; an iBGP
   * session (peer AS = router AS) otherwise resolves them recursively through an IGP table.
   */
  readonly gatewayDirect?: boolean;
  /** TCP-MD5 key (RFC 2385) of the session. */
  readonly password?: string;
  /** RFC 5082 TTL security: accept only packets sent with TTL 255 (one hop; more with multihop). */
  readonly ttlSecurity?: boolean;
  /** eBGP multihop: the neighbor is this many hops away. */
  readonly multihop?: number;
}

export interface RouterConfigOptions {
  /** BFD (RFC 5880) on every session, milliseconds: `protocol bfd` and `bfd on`. */
  readonly bfd?: { readonly minRx: number; readonly minTx: number; readonly multiplier: number };
  readonly routerId: string;
  /** The router's own AS. */
  readonly asn: number;
  readonly peers: readonly RouterPeer[];
  /** Seconds; BIRD proposes this and the session uses the lower of both sides' values. Default 9. */
  readonly holdTime?: number;
  /** Seconds; BIRD's default is a third of the hold time. */
  readonly keepaliveTime?: number;
  /** Seconds before the first outgoing connect. Default 1 (BIRD's own default is 5). */
  readonly connectDelayTime?: number;
  /** Seconds between outgoing connect attempts. Default 2 (BIRD's own default is 120). */
  readonly connectRetryTime?: number;
  /** Seconds to wait after a session error before reconnecting, [first, max]. Default [1, 5] (BIRD: 60, 300). */
  readonly errorWaitTime?: readonly [number, number];
  /** The TCP port BIRD listens on for this router's sessions; default 179. */
  readonly localPort?: number;
  /** ADD-PATH mode of every channel in the template. Default rx. */
  readonly addPaths?: AddPaths;
  /** Channels in the template; a session carries those both sides offer. Default both. */
  readonly families?: readonly Family[];
  /** Most next hops the kernel route gets. Default 16. */
  readonly mergePathsLimit?: number;
  /** Name of the template the sessions are made `from`. Default "nodes". */
  readonly templateName?: string;
  /** Comment text at the top of the file (one `# ` line per line). */
  readonly header?: string;
  /** Adds `debug { states, events };` to the template, so the log shows each session step. */
  readonly debug?: boolean;
}

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkAsn(field: string, asn: number): void {
  if (!Number.isInteger(asn) || asn < 1 || asn > 4294967295) throw new Error(`${field}: not an AS number: ${asn}`);
}

function checkAddress(field: string, address: string, family?: 4 | 6): void {
  const v = isIP(address);
  if (v === 0 || (family !== undefined && v !== family)) {
    throw new Error(`${field}: not an IPv${family ?? '4 or IPv6'} address: ${JSON.stringify(address)}`);
  }
}

function checkPort(field: string, port: number | undefined): void {
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new Error(`${field}: not a TCP port: ${port}`);
  }
}

function checkSeconds(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new Error(`${field}: must be an integer >= ${min}: ${value}`);
}

function commentBlock(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '#' : `# ${line}`))
    .join('\n');
}

/** `neighbor ADDR [port N] as ASN;` */
function neighborLine(address: string, port: number | undefined, asn: number): string {
  return `neighbor ${address}${port === undefined || port === 179 ? '' : ` port ${port}`} as ${asn};`;
}

function familyLabel(family: Family): string {
  return family === 'ipv4' ? 'IPv4' : 'IPv6';
}

/**
 * The BIRD 2 config of the upstream router: one eBGP session per peer, all from one template,
 * importing everything with ADD-PATH receive, exporting nothing, and kernel protocols that merge
 * equal paths into one ECMP route. bird-configs/router.conf and router-central.conf are its output
 * for PER_NODE_EXAMPLE and CENTRAL_EXAMPLE.
 */
export function routerConfig(opts: RouterConfigOptions): string {
  checkAddress('routerId', opts.routerId, 4);
  checkAsn('asn', opts.asn);
  const holdTime = opts.holdTime ?? 9;
  if (!Number.isInteger(holdTime) || (holdTime !== 0 && holdTime < 3)) {
    throw new Error(`holdTime: must be 0 or an integer >= 3 (RFC 4271 4.2): ${holdTime}`);
  }
  if (opts.keepaliveTime !== undefined) checkSeconds('keepaliveTime', opts.keepaliveTime, 1);
  const connectDelay = opts.connectDelayTime ?? 1;
  const connectRetry = opts.connectRetryTime ?? 2;
  const [errorWaitMin, errorWaitMax] = opts.errorWaitTime ?? [1, 5];
  checkSeconds('connectDelayTime', connectDelay, 0);
  checkSeconds('connectRetryTime', connectRetry, 1);
  checkSeconds('errorWaitTime[0]', errorWaitMin, 1);
  checkSeconds('errorWaitTime[1]', errorWaitMax, errorWaitMin);
  checkPort('localPort', opts.localPort);
  const limit = opts.mergePathsLimit ?? 16;
  checkSeconds('mergePathsLimit', limit, 1);
  const addPaths = opts.addPaths ?? 'rx';
  const families = opts.families ?? ['ipv4', 'ipv6'];
  if (families.length === 0) throw new Error('families: at least one of ipv4, ipv6');
  const template = opts.templateName ?? 'nodes';
  if (!SYMBOL.test(template)) throw new Error(`templateName: not a BIRD symbol: ${JSON.stringify(template)}`);
  if (opts.peers.length === 0) throw new Error('peers: at least one peer');
  const names = new Set<string>();
  opts.peers.forEach((p, i) => {
    if (!SYMBOL.test(p.name)) throw new Error(`peers[${i}].name: not a BIRD symbol: ${JSON.stringify(p.name)}`);
    if (names.has(p.name) || p.name === template || /^kernel[46]$|^device1$/.test(p.name)) {
      throw new Error(`peers[${i}].name: used twice: ${p.name}`);
    }
    names.add(p.name);
    checkAddress(`peers[${i}].address`, p.address);
    checkAsn(`peers[${i}].asn`, p.asn);
    checkPort(`peers[${i}].port`, p.port);
  });

  const out: string[] = [];
  if (opts.header !== undefined) out.push(commentBlock(opts.header), '');
  out.push(
    '# Log everything to stderr, for `bird -f` in the foreground (the tests keep the output);',
    '# a router running BIRD as a service would rather say `log syslog all;`.',
    'log stderr all;',
    '',
    '# Names this router in BGP OPEN messages; by custom one of its own IPv4 addresses.',
    `router id ${opts.routerId};`,
    '',
    '# Learns the interfaces and their addresses. BGP needs it: a neighbor and every next hop it',
    '# announces must sit on a directly connected subnet (eBGP default `gateway direct`), and a',
    '# route whose next hop is not is treated as withdrawn.',
    'protocol device {',
    '}',
  );
  for (const family of families) {
    const label = familyLabel(family);
    const table = family === 'ipv4' ? 'master4' : 'master6';
    out.push(
      '',
      `# Copies BIRD's ${label} table (${table}) into the kernel's main routing table, and`,
      '# removes those routes again when BIRD stops.',
      `protocol kernel kernel${family === 'ipv4' ? '4' : '6'} {`,
      `  ${family} {`,
      "    # Learn nothing from the kernel's table; install every route BIRD selected.",
      '    import none;',
      '    export all;',
      '  };',
      '  # Install the best route together with every equivalent one (same preference, local-pref,',
      '  # AS path length, origin, MED, eBGP/iBGP) as one multipath route: the ECMP route. Without',
      `  # it the kernel gets only the single best path. At most ${limit} next hops per route.`,
      `  merge paths on limit ${limit};`,
      '}',
    );
  }
  if (opts.bfd !== undefined) {
    out.push(
      '',
      '# BFD (RFC 5880) watches each neighbor\'s link: a dead link takes its session down in',
      '# milliseconds instead of a hold time.',
      'protocol bfd {',
      '  interface "*" {',
      `    min rx interval ${opts.bfd.minRx} ms;`,
      `    min tx interval ${opts.bfd.minTx} ms;`,
      `    multiplier ${opts.bfd.multiplier};`,
      '  };',
      '}',
    );
  }
  out.push(
    '',
    `# Settings every session shares; \`protocol bgp NAME from ${template}\` inherits all of them.`,
    `template bgp ${template} {`,
  );
  if (opts.bfd !== undefined) out.push('  # Tie each session to a BFD session with its neighbor.', '  bfd on;');
  if (opts.localPort !== undefined && opts.localPort !== 179) {
    out.push(`  # This router's AS, and the TCP port it listens on for these sessions (default 179).`);
    out.push(`  local port ${opts.localPort} as ${opts.asn};`);
  } else {
    out.push("  # This router's AS.", `  local as ${opts.asn};`);
  }
  out.push(
    '  # Seconds of silence after which the session is declared dead and its routes withdrawn. The',
    "  # session uses the lower of both sides' values (BIRD proposes 240 unless told).",
    `  hold time ${holdTime};`,
  );
  if (opts.keepaliveTime !== undefined) {
    out.push(
      '  # Seconds between KEEPALIVEs (default: a third of the hold time).',
      `  keepalive time ${opts.keepaliveTime};`,
    );
  }
  out.push(
    "  # Seconds before the first outgoing connect, and between connect attempts (BIRD's defaults",
    '  # are 5 and 120: a peer that comes up late would wait two minutes).',
    `  connect delay time ${connectDelay};`,
    `  connect retry time ${connectRetry};`,
    '  # After a session error (hold timer expired, NOTIFICATION, ...), wait this many seconds before',
    "  # reconnecting, doubling on repeated errors up to the second number (BIRD's default: 60, 300).",
    `  error wait time ${errorWaitMin}, ${errorWaitMax};`,
  );
  if (opts.debug === true) out.push('  # Log every session state change and event.', '  debug { states, events };');
  for (const family of families) {
    const label = familyLabel(family);
    out.push(
      `  # The ${label} unicast channel (Multiprotocol BGP, RFC 4760).`,
      `  ${family} {`,
      `    # Accept every ${label} route the peer announces, announce nothing back. BIRD 2 refuses an`,
      '    # eBGP channel without both ("EBGP requires explicit import policy", RFC 8212).',
      '    import all;',
      '    export none;',
      `    # ${addPathsComment(addPaths)}`,
      `    add paths ${addPaths};`,
      '  };',
    );
  }
  out.push(
    '}',
    '',
    '# The sessions. A session carries every family of the template that the peer offers too, so',
    '# an IPv4 session can carry IPv6 routes (with IPv6 next hops on a connected subnet).',
  );
  for (const peer of opts.peers) {
    out.push('');
    if (peer.comment !== undefined) out.push(commentBlock(peer.comment));
    out.push(`protocol bgp ${peer.name} from ${template} {`, `  ${neighborLine(peer.address, peer.port, peer.asn)}`);
    if (peer.passive === true) out.push('  # Never connect; wait for the peer to connect.', '  passive on;');
    if (peer.password !== undefined) out.push('  # TCP-MD5 (RFC 2385): every segment signed with this key.', `  password "${peer.password}";`);
    if (peer.ttlSecurity === true) out.push('  # TTL security (RFC 5082): only packets sent with TTL 255, from one hop away.', '  ttl security on;');
    if (peer.multihop !== undefined) out.push('  # The neighbor is not on a shared segment: this many hops away.', `  multihop ${peer.multihop};`);
    if (peer.addPaths !== undefined && peer.addPaths !== addPaths) {
      out.push(`  # ${addPathsComment(peer.addPaths)}`);
      for (const family of families) out.push(`  ${family} { add paths ${peer.addPaths}; };`);
    }
    if (peer.gatewayDirect === true) {
      out.push(
        '  # iBGP: the peer is directly connected (BIRD assumes multihop for iBGP), and next hops',
        '  # are on the connected subnet rather than resolved through an IGP.',
        '  direct;',
      );
      for (const family of families) out.push(`  ${family} { gateway direct; };`);
    }
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

function addPathsComment(mode: AddPaths): string {
  switch (mode) {
    case 'rx':
      return 'ADD-PATH receive (RFC 7911): keep every path the peer sends for a prefix, not only the last.';
    case 'tx':
      return 'ADD-PATH send (RFC 7911): send every path of a prefix, not only the best.';
    case 'on':
      return 'ADD-PATH in both directions (RFC 7911).';
    case 'off':
      return 'No ADD-PATH: one path per prefix per session.';
  }
}

const PER_NODE_HEADER = `router.conf: BIRD 2 on the upstream router, per-node shape.

Every node runs its own announcer and opens one eBGP session per address family to this router,
announcing each external IP it serves with its own address as next hop. BIRD keeps one path per
session, and the kernel protocols merge the equal paths into one ECMP route:

    203.0.113.10 proto bird metric 32
        nexthop via 198.51.100.11 dev br0 weight 1
        nexthop via 198.51.100.12 dev br0 weight 1
        nexthop via 198.51.100.13 dev br0 weight 1

Router 198.51.100.1 (AS 65001); nodes 198.51.100.11-13 and 2001:db8:100::11-13 (AS 65000),
all on one subnet. This is routerConfig(PER_NODE_EXAMPLE) from test/integration/lab.ts, which the
integration tests run against real BIRD 2; see README.md here.

Check it:   bird -p -c router.conf
Run it:     bird -f -c router.conf -s /run/bird/bird.ctl
Look:       birdc -s /run/bird/bird.ctl show protocols; ip route show 203.0.113.10`;

const CENTRAL_HEADER = `router-central.conf: BIRD 2 on the upstream router, central (Porter-style) shape.

One announcer at 198.51.100.2 speaks for all nodes over one session. It announces each external IP
once per node that serves it, each path with the node's address as next hop and its own path
identifier (ADD-PATH, RFC 7911). Without \`add paths rx\` BIRD would keep only the last path; with
it, and \`merge paths\` in the kernel protocols, the router installs one ECMP route:

    203.0.113.10 proto bird metric 32
        nexthop via 198.51.100.11 dev br0 weight 1
        nexthop via 198.51.100.12 dev br0 weight 1

The same session carries IPv6 routes too (Multiprotocol BGP): their next hops must be IPv6
addresses on a connected subnet, like 2001:db8:100::11.

Router 198.51.100.1 (AS 65001); announcer 198.51.100.2 (AS 65000) listening on TCP 17900, the
port Porter used to stay clear of Calico on 179. This is routerConfig(CENTRAL_EXAMPLE) from
test/integration/lab.ts, which the integration tests run against real BIRD 2; see README.md here.

Check it:   bird -p -c router-central.conf
Run it:     bird -f -c router-central.conf -s /run/bird/bird.ctl`;

/** The per-node example: bird-configs/router.conf. */
export const PER_NODE_EXAMPLE: RouterConfigOptions = {
  header: PER_NODE_HEADER,
  routerId: '198.51.100.1',
  asn: 65001,
  templateName: 'nodes',
  peers: [1, 2, 3].flatMap((i) => [
    { name: `node${i}`, address: `198.51.100.${10 + i}`, asn: 65000, comment: `node ${i}: its IPv4 session` },
    { name: `node${i}_v6`, address: `2001:db8:100::${10 + i}`, asn: 65000, comment: `node ${i}: its IPv6 session` },
  ]),
};

/** The central example: bird-configs/router-central.conf. */
export const CENTRAL_EXAMPLE: RouterConfigOptions = {
  header: CENTRAL_HEADER,
  routerId: '198.51.100.1',
  asn: 65001,
  templateName: 'announcers',
  peers: [
    {
      name: 'announcer',
      address: '198.51.100.2',
      port: 17900,
      asn: 65000,
      comment: 'The central announcer; add more sessions `from announcers` for a redundant pair.',
    },
  ],
};

export interface SpeakerPeer {
  readonly name: string;
  readonly address: string;
  readonly asn: number;
  readonly port?: number;
  /** The port this speaker listens on for this session (`local port`). */
  readonly localPort?: number;
  readonly passive?: boolean;
  /** The families this session announces; default the family of `address`. */
  readonly families?: readonly Family[];
}

export interface SpeakerRoute {
  /** `203.0.113.10/32`, `2001:db8:e1::10/128`; a bare address means the host route. */
  readonly prefix: string;
  /** The next hop to announce (with nextHopKeep); without it a blackhole route, announced with the session address. */
  readonly via?: string;
}

export interface SpeakerConfigOptions {
  readonly routerId: string;
  readonly asn: number;
  readonly peers: readonly SpeakerPeer[];
  /** Each route is its own static protocol, so several routes of one prefix are several paths. */
  readonly routes: readonly SpeakerRoute[];
  /** ADD-PATH send: announce every path of a prefix (the central shape). */
  readonly addPathsTx?: boolean;
  /** Announce each route's own `via` as next hop instead of the session address. */
  readonly nextHopKeep?: boolean;
  readonly holdTime?: number;
  readonly connectDelayTime?: number;
  readonly connectRetryTime?: number;
  readonly errorWaitTime?: readonly [number, number];
}

/** Adds the host-route length to a bare address. */
export function hostPrefix(prefix: string): string {
  if (prefix.includes('/')) return prefix;
  return `${prefix}/${isIP(prefix) === 6 ? 128 : 32}`;
}

function familyOf(address: string): Family {
  return isIP(address.split('/')[0] ?? '') === 6 ? 'ipv6' : 'ipv4';
}

/**
 * A small BIRD 2 that stands in for an announcer in the lab: it announces static routes over eBGP.
 * Per-node shape: blackhole routes, announced with the session address as next hop (eBGP's next
 * hop self). Central shape: routes `via` each node with nextHopKeep and addPathsTx.
 */
export function speakerConfig(opts: SpeakerConfigOptions): string {
  checkAddress('routerId', opts.routerId, 4);
  checkAsn('asn', opts.asn);
  const out = [
    '# A BIRD 2 standing in for an announcer (speakerConfig() in test/integration/lab.ts).',
    'log stderr all;',
    `router id ${opts.routerId};`,
    'protocol device {',
    '}',
  ];
  opts.routes.forEach((route, i) => {
    const prefix = hostPrefix(route.prefix);
    const family = familyOf(prefix);
    if (route.via !== undefined) checkAddress(`routes[${i}].via`, route.via, family === 'ipv4' ? 4 : 6);
    const target = route.via === undefined ? 'blackhole' : `via ${route.via}`;
    out.push(`protocol static route${i + 1} {`, `  ${family};`, `  route ${prefix} ${target};`, '}');
  });
  opts.peers.forEach((peer, i) => {
    if (!SYMBOL.test(peer.name)) throw new Error(`peers[${i}].name: not a BIRD symbol: ${JSON.stringify(peer.name)}`);
    checkAddress(`peers[${i}].address`, peer.address);
    checkAsn(`peers[${i}].asn`, peer.asn);
    const local = peer.localPort === undefined ? 'local' : `local port ${peer.localPort}`;
    out.push(
      `protocol bgp ${peer.name} {`,
      `  ${local} as ${opts.asn};`,
      `  ${neighborLine(peer.address, peer.port, peer.asn)}`,
      `  hold time ${opts.holdTime ?? 3};`,
      `  connect delay time ${opts.connectDelayTime ?? 1};`,
      `  connect retry time ${opts.connectRetryTime ?? 2};`,
      `  error wait time ${(opts.errorWaitTime ?? [1, 5]).join(', ')};`,
    );
    if (peer.passive === true) out.push('  passive on;');
    for (const family of peer.families ?? [familyOf(peer.address)]) {
      out.push(`  ${family} {`, '    import none;', '    export where source = RTS_STATIC;');
      if (opts.addPathsTx === true) out.push('    add paths tx;');
      if (opts.nextHopKeep === true) out.push('    next hop keep;');
      out.push('  };');
    }
    out.push('}');
  });
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Routes in a namespace

/** Orders addresses numerically (198.51.100.9 before 198.51.100.11; IPv4 before IPv6). */
export function compareAddresses(a: string, b: string): number {
  const ka = addressKey(a);
  const kb = addressKey(b);
  if (ka === undefined || kb === undefined) return a < b ? -1 : a > b ? 1 : 0;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** IPv4 as a 32-bit number, IPv6 above all of them; undefined for forms it does not read (x::1.2.3.4). */
function addressKey(address: string): bigint | undefined {
  const version = isIP(address);
  if (version === 4) return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  if (version !== 6 || address.includes('.')) return undefined;
  const [head = '', tail] = address.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) + (1n << 128n);
}

interface IpRoute {
  gateway?: string;
  nexthops?: { gateway?: string }[];
}

// ---------------------------------------------------------------------------------------------
// The lab

export interface LabOptions {
  /** How many node namespaces; 1..200. */
  readonly nodes: number;
  /** First word of every namespace name; default "ann". */
  readonly prefix?: string;
  /**
   * Adds a client namespace behind the router on a link of its own (192.0.2.0/24,
   * 2001:db8:c::/64), routed through the router: traffic from it to an EIP takes the ECMP route.
   */
  readonly client?: boolean;
  /**
   * Processes get their own process group (a terminal's Ctrl-C reaches only this process, which
   * then tears the lab down in order) and write to log files in the lab dir instead of pipes, so
   * detach() can leave them running after this process exits.
   */
  readonly detachable?: boolean;
}

export interface LabNode {
  /** 1-based. */
  readonly index: number;
  readonly ns: string;
  /** 198.51.100.(10 + index) */
  readonly ipv4: string;
  /** 2001:db8:100::(10 + index) */
  readonly ipv6: string;
  /** The node's end of its link, in its own namespace. */
  readonly ifname: string;
  /** The router's end of the node's link, a port of the bridge. */
  readonly routerPort: string;
}

export interface LabRouter {
  readonly ns: string;
  readonly ipv4: string;
  readonly ipv6: string;
  readonly bridge: string;
}

/** The client host behind the router (LabOptions.client). */
export interface LabClient {
  readonly ns: string;
  /** 192.0.2.2 */
  readonly ipv4: string;
  /** 2001:db8:c::2 */
  readonly ipv6: string;
  /** The client's end of its link, in its own namespace. */
  readonly ifname: string;
  /** The router's end of the link (not a bridge port: a routed interface of its own). */
  readonly routerPort: string;
  /** The router's addresses on that link, the client's default gateways: 192.0.2.1, 2001:db8:c::1. */
  readonly gatewayIpv4: string;
  readonly gatewayIpv6: string;
}

/** What detach() leaves running, enough for destroyDetached() to remove it from another process. */
export interface DetachedLab {
  readonly id: string;
  readonly dir: string;
  readonly namespaces: readonly string[];
  readonly processes: readonly { readonly name: string; readonly ns: string; readonly pid: number }[];
}

const liveLabs = new Set<Lab>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test run ends without afterAll (a crash, process.exit): synchronous only.
  process.on('exit', () => {
    for (const lab of liveLabs) lab.destroySync();
  });
}

export class Lab {
  readonly id: string;
  readonly router: LabRouter;
  readonly nodes: readonly LabNode[];
  /** The client namespace, when LabOptions.client asked for one. */
  readonly client: LabClient | undefined;
  /** Every namespace the lab created and has not deleted yet. */
  readonly #namespaces = new Set<string>();
  readonly #processes: LabProcess[] = [];
  readonly #birds: Bird[] = [];
  #dir: string | undefined;
  #destroying: Promise<void> | undefined;
  #detached = false;

  constructor(readonly options: LabOptions) {
    if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 200) {
      throw new Error(`nodes: must be 1..200: ${options.nodes}`);
    }
    const prefix = options.prefix ?? 'ann';
    if (!/^[a-z][a-z0-9]{0,9}$/.test(prefix)) throw new Error(`prefix: 1-10 lowercase letters/digits: ${prefix}`);
    this.id = `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.router = { ns: `${this.id}-r`, ipv4: '198.51.100.1', ipv6: '2001:db8:100::1', bridge: 'br0' };
    this.nodes = Array.from({ length: options.nodes }, (_, i) => ({
      index: i + 1,
      ns: `${this.id}-n${i + 1}`,
      ipv4: `198.51.100.${11 + i}`,
      ipv6: `2001:db8:100::${11 + i}`, // the IPv4 host number's digits (so ::11 is 0x11)
      ifname: 'eth0',
      routerPort: `n${i + 1}`,
    }));
    this.client =
      options.client === true
        ? {
            ns: `${this.id}-c`,
            ipv4: '192.0.2.2',
            ipv6: '2001:db8:c::2',
            ifname: 'eth0',
            routerPort: 'c0',
            gatewayIpv4: '192.0.2.1',
            gatewayIpv6: '2001:db8:c::1',
          }
        : undefined;
  }

  /** The namespaces that exist now. */
  get namespaces(): readonly string[] {
    return [...this.#namespaces];
  }

  /** Whether detach() handed the lab over (to destroyDetached()). */
  get detached(): boolean {
    return this.#detached;
  }

  /** Every process the lab started, running or not. */
  get processes(): readonly LabProcess[] {
    return [...this.#processes];
  }

  /** The lab's temp dir (configs, sockets, pid files). */
  get dir(): string {
    if (this.#dir === undefined) throw new Error('lab not created');
    return this.#dir;
  }

  node(index: number): LabNode {
    const node = this.nodes[index - 1];
    if (node === undefined) throw new Error(`no node ${index} (the lab has ${this.nodes.length})`);
    return node;
  }

  /** Makes the namespaces, the bridge and the links. On failure it removes what it made and rethrows. */
  async create(): Promise<this> {
    if (this.#dir !== undefined) throw new Error('lab already created');
    installExitHook();
    liveLabs.add(this);
    this.#dir = mkdtempSync(join(tmpdir(), 'ann-lab-'));
    try {
      const r = this.router;
      const c = this.client;
      for (const ns of [r.ns, ...this.nodes.map((n) => n.ns), ...(c === undefined ? [] : [c.ns])]) {
        await run('ip', ['netns', 'add', ns]);
        this.#namespaces.add(ns);
        // Before any interface exists: addresses usable at once (no duplicate address detection).
        await this.#sysctl(ns, ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
        await this.#ip(ns, ['link', 'set', 'lo', 'up']);
      }
      await this.#sysctl(r.ns, [
        'net.ipv4.fib_multipath_hash_policy=1', // hash ECMP flows on L4 ports too, not only addresses
        'net.ipv4.ip_forward=1',
        'net.ipv6.conf.all.forwarding=1',
      ]);
      await this.#ip(r.ns, ['link', 'add', r.bridge, 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0']);
      await this.#ip(r.ns, ['addr', 'add', `${r.ipv4}/24`, 'dev', r.bridge]);
      await this.#ip(r.ns, ['addr', 'add', `${r.ipv6}/64`, 'dev', r.bridge, 'nodad']);
      await this.#ip(r.ns, ['link', 'set', r.bridge, 'up']);
      for (const n of this.nodes) {
        await this.#ip(r.ns, ['link', 'add', n.routerPort, 'type', 'veth', 'peer', 'name', n.ifname, 'netns', n.ns]);
        await this.#ip(r.ns, ['link', 'set', n.routerPort, 'master', r.bridge, 'up']);
        await this.#ip(n.ns, ['addr', 'add', `${n.ipv4}/24`, 'dev', n.ifname]);
        await this.#ip(n.ns, ['addr', 'add', `${n.ipv6}/64`, 'dev', n.ifname, 'nodad']);
        await this.#ip(n.ns, ['link', 'set', n.ifname, 'up']);
      }
      if (c !== undefined) {
        await this.#ip(r.ns, ['link', 'add', c.routerPort, 'type', 'veth', 'peer', 'name', c.ifname, 'netns', c.ns]);
        await this.#ip(r.ns, ['addr', 'add', `${c.gatewayIpv4}/24`, 'dev', c.routerPort]);
        await this.#ip(r.ns, ['addr', 'add', `${c.gatewayIpv6}/64`, 'dev', c.routerPort, 'nodad']);
        await this.#ip(r.ns, ['link', 'set', c.routerPort, 'up']);
        await this.#ip(c.ns, ['addr', 'add', `${c.ipv4}/24`, 'dev', c.ifname]);
        await this.#ip(c.ns, ['addr', 'add', `${c.ipv6}/64`, 'dev', c.ifname, 'nodad']);
        await this.#ip(c.ns, ['link', 'set', c.ifname, 'up']);
        await this.#ip(c.ns, ['-4', 'route', 'add', 'default', 'via', c.gatewayIpv4]);
        await this.#ip(c.ns, ['-6', 'route', 'add', 'default', 'via', c.gatewayIpv6]);
      }
      return this;
    } catch (e) {
      await this.destroy().catch(() => undefined);
      throw e;
    }
  }

  #checkNs(ns: string): void {
    if (!this.#namespaces.has(ns)) throw new Error(`${ns} is not a namespace of lab ${this.id}`);
  }

  #ip(ns: string, args: readonly string[]): Promise<ExecResult> {
    this.#checkNs(ns);
    return run('ip', ['-n', ns, ...args]);
  }

  #sysctl(ns: string, settings: readonly string[]): Promise<ExecResult> {
    return this.exec(ns, 'sysctl', ['-q', '-w', ...settings]);
  }

  /** Runs a command inside one of the lab's namespaces; throws with its output when it fails. */
  exec(ns: string, cmd: string, args: readonly string[] = [], opts: ExecOptions = {}): Promise<ExecResult> {
    this.#checkNs(ns);
    return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
  }

  /** Starts a long-running command inside one of the lab's namespaces; destroy() stops it. */
  spawn(
    ns: string,
    cmd: string,
    args: readonly string[] = [],
    opts: { name?: string; env?: NodeJS.ProcessEnv } = {},
  ): LabProcess {
    this.#checkNs(ns);
    if (this.#destroying !== undefined) throw new Error(`lab ${this.id} is being destroyed`);
    const name = opts.name ?? `${cmd}@${ns}`;
    const logFile = this.options.detachable === true ? this.#logFileFor(name) : undefined;
    const fd = logFile === undefined ? undefined : openSync(logFile, 'a');
    // `ip netns exec` execs the command in place, so the child's pid is the command's own.
    let child: ChildProcess;
    try {
      child = spawnChild('ip', ['netns', 'exec', ns, cmd, ...args], {
        stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
        env: opts.env ?? process.env,
        detached: this.options.detachable === true,
      });
    } finally {
      if (fd !== undefined) closeSync(fd); // the child has its own copy
    }
    const proc = new LabProcess(name, ns, child, logFile);
    child.on('error', () => undefined); // reported through exit / output
    this.#processes.push(proc);
    return proc;
  }

  /** DIR/<name>.log, unique within the lab. */
  #logFileFor(name: string): string {
    const base = name.replace(/[^A-Za-z0-9_.-]+/g, '_');
    let file = join(this.dir, `${base}.log`);
    for (let i = 2; this.#processes.some((p) => p.logFile === file) || existsSync(file); i++) {
      file = join(this.dir, `${base}-${i}.log`);
    }
    return file;
  }

  /** Cuts a node's link: the router's end goes down, so the node loses carrier too. */
  async linkDown(node: LabNode): Promise<void> {
    await this.#ip(this.router.ns, ['link', 'set', node.routerPort, 'down']);
  }

  async linkUp(node: LabNode): Promise<void> {
    await this.#ip(this.router.ns, ['link', 'set', node.routerPort, 'up']);
  }

  /**
   * The gateways of the route for `prefix` (a bare address means /32 or /128) in the namespace's
   * main table, sorted; [] when there is no such route. Reads both a single `gateway` and the
   * `nexthops` of a multipath route.
   */
  async routeNextHops(ns: string, prefix: string): Promise<string[]> {
    const p = hostPrefix(prefix);
    const family = familyOf(p) === 'ipv6' ? '-6' : '-4';
    const { stdout } = await this.#ip(ns, [family, '-j', 'route', 'show', 'exact', p]);
    const routes = JSON.parse(stdout.trim() === '' ? '[]' : stdout) as IpRoute[];
    const hops: string[] = [];
    for (const route of routes) {
      if (route.gateway !== undefined) hops.push(route.gateway);
      for (const nh of route.nexthops ?? []) if (nh.gateway !== undefined) hops.push(nh.gateway);
    }
    return hops.sort(compareAddresses);
  }

  /** Waits until the route's next hops are exactly `expected` (any order) and returns them. */
  waitForNextHops(
    ns: string,
    prefix: string,
    expected: readonly string[],
    opts: { timeoutMs?: number } = {},
  ): Promise<string[]> {
    const want = [...expected].sort(compareAddresses).join(',');
    return waitFor(() => this.routeNextHops(ns, prefix), {
      what: `next hops [${want}] for ${prefix} in ${ns}`,
      timeoutMs: opts.timeoutMs ?? 10_000,
      intervalMs: 50,
      until: (hops) => hops.join(',') === want,
    });
  }

  /**
   * Starts BIRD in a namespace with this config, in the foreground and tracked, and waits until its
   * control socket answers. Throws with BIRD's own output when it exits instead (a config error).
   */
  async startBird(ns: string, configText: string, opts: { name?: string } = {}): Promise<Bird> {
    this.#checkNs(ns);
    const base = opts.name ?? ns.slice(this.id.length + 1);
    let name = base;
    for (let i = 2; this.#birds.some((b) => b.name === name); i++) name = `${base}-${i}`;
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`name: letters, digits, _ . - only: ${name}`);
    const dir = join(this.dir, name);
    mkdirSync(dir);
    const configPath = join(dir, 'bird.conf');
    writeFileSync(configPath, configText);
    const spec = { name, ns, dir, configPath, socket: join(dir, 'bird.ctl') };
    const bird: Bird = { ...spec, process: await this.#launchBird(spec) };
    this.#birds.push(bird);
    return bird;
  }

  async #launchBird(bird: Omit<Bird, 'process'>): Promise<LabProcess> {
    const pidFile = join(bird.dir, 'bird.pid');
    const proc = this.spawn(bird.ns, 'bird', ['-f', '-c', bird.configPath, '-s', bird.socket, '-P', pidFile], {
      name: `bird ${bird.name}`,
    });
    const died = new AbortController();
    void proc.exited.then((s) => {
      died.abort(new Error(`bird ${bird.name} exited (code ${s.code}, signal ${s.signal})`));
    });
    try {
      await waitFor(() => birdc(bird.socket, 'show status'), {
        what: `bird ${bird.name} to answer on ${bird.socket}`,
        timeoutMs: 10_000,
        intervalMs: 50,
        until: (text) => text.includes('Daemon is up and running'),
        signal: died.signal,
      });
    } catch (e) {
      await proc.stop({ graceMs: 500 });
      const message = e instanceof Error ? e.message : String(e);
      throw new Error(`${message} while starting; its output:\n${proc.tail()}`);
    }
    return proc;
  }

  /** Stops a BIRD: SIGTERM is BIRD's graceful shutdown (Cease to every peer); SIGKILL drops sessions without a word. */
  async stopBird(bird: Bird, opts: { signal?: NodeJS.Signals } = {}): Promise<ExitStatus> {
    return bird.process.stop({ signal: opts.signal ?? 'SIGTERM' });
  }

  /** Stops BIRD if it runs and starts it again, with the same config or a new one. */
  async restartBird(bird: Bird, configText?: string): Promise<Bird> {
    await this.stopBird(bird);
    if (configText !== undefined) writeFileSync(bird.configPath, configText);
    bird.process = await this.#launchBird(bird);
    return bird;
  }

  /**
   * Stops every tracked process (SIGTERM, SIGKILL after `graceMs`), deletes every namespace and the
   * temp dir. Idempotent: a second call returns the first call's promise.
   */
  destroy(opts: { graceMs?: number } = {}): Promise<void> {
    if (this.#detached) return Promise.reject(new Error(`lab ${this.id} is detached: use destroyDetached()`));
    this.#destroying ??= this.#teardown(opts.graceMs ?? 2_000);
    return this.#destroying;
  }

  async #teardown(graceMs: number): Promise<void> {
    const errors: string[] = [];
    await Promise.all(this.#processes.map((p) => p.stop({ graceMs })));
    for (const ns of [...this.#namespaces]) {
      try {
        await run('ip', ['netns', 'del', ns]);
        this.#namespaces.delete(ns);
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
    liveLabs.delete(this);
    if (errors.length > 0) throw new Error(`lab ${this.id} teardown: ${errors.join('; ')}`);
  }

  /**
   * Leaves the lab running after this process exits (LabOptions.detachable): stops tracking it,
   * so neither destroy() nor the exit hook removes it, and returns what destroyDetached() needs.
   */
  detach(): DetachedLab {
    if (this.options.detachable !== true) throw new Error(`lab ${this.id} was not created detachable`);
    if (this.#destroying !== undefined) throw new Error(`lab ${this.id} is being destroyed`);
    this.#detached = true;
    liveLabs.delete(this);
    const running = this.#processes.filter((p) => p.running);
    for (const p of running) p.child.unref();
    return {
      id: this.id,
      dir: this.dir,
      namespaces: [...this.#namespaces],
      processes: running.map((p) => ({ name: p.name, ns: p.ns, pid: p.pid })),
    };
  }

  /** The exit hook's teardown: SIGKILL everything still running, delete namespaces, synchronously. */
  destroySync(): void {
    for (const p of this.#processes) {
      if (p.running) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    for (const ns of [...this.#namespaces]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
        this.#namespaces.delete(ns);
      } catch {
        // nothing more to do at exit
      }
    }
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
    liveLabs.delete(this);
  }
}

// ---------------------------------------------------------------------------------------------
// Detached labs

/** Runs, and is not a zombie waiting for a slow init to reap it (an orphan of a detached lab). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/PID/stat: "pid (comm) S ...": the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Removes a lab that detach() left running, possibly from another process: every process that
 * still runs in one of its namespaces (the recorded ones, checked with `ip netns identify` since
 * pids get reused, and whatever else `ip netns pids` finds there) gets SIGTERM, then SIGKILL after
 * `graceMs`; then the namespaces and the lab dir go. Only names of the lab's own (`<id>-...`) are
 * touched. Returns how many processes were stopped and namespaces deleted.
 */
export async function destroyDetached(
  lab: DetachedLab,
  opts: { graceMs?: number } = {},
): Promise<{ processes: number; namespaces: number }> {
  const namespaces = lab.namespaces.filter((ns) => ns.startsWith(`${lab.id}-`) && existsSync(join('/run/netns', ns)));
  const ours = new Set(namespaces);
  const pids = new Set<number>();
  for (const p of lab.processes) {
    const r = await run('ip', ['netns', 'identify', String(p.pid)], { allowFail: true }).catch(() => undefined);
    if (r !== undefined && ours.has(r.stdout.trim())) pids.add(p.pid);
  }
  for (const ns of namespaces) {
    const r = await run('ip', ['netns', 'pids', ns], { allowFail: true }).catch(() => undefined);
    for (const line of r?.stdout.split('\n') ?? []) if (/^\d+$/.test(line.trim())) pids.add(Number(line.trim()));
  }
  const signal = (sig: NodeJS.Signals): void => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  const gone = (): boolean => [...pids].every((pid) => !alive(pid));
  await waitFor(gone, { what: 'processes to stop', timeoutMs: opts.graceMs ?? 3_000, intervalMs: 50 }).catch(() => {
    signal('SIGKILL');
  });
  await waitFor(gone, { what: 'processes to die', timeoutMs: 2_000, intervalMs: 50 }).catch(() => undefined);
  const errors: string[] = [];
  for (const ns of namespaces) {
    await run('ip', ['netns', 'del', ns]).catch((e: unknown) => errors.push(e instanceof Error ? e.message : String(e)));
  }
  if (lab.dir.startsWith(join(tmpdir(), 'ann-lab-'))) rmSync(lab.dir, { recursive: true, force: true });
  if (errors.length > 0) throw new Error(`lab ${lab.id} teardown: ${errors.join('; ')}`);
  return { processes: pids.size, namespaces: namespaces.length };
}
