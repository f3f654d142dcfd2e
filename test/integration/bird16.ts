/**
 * BIRD 1.6 in the lab: where its binaries come from, the router config it runs, and starting it.
 *
 * Debian's `bird` package (1.6) conflicts with `bird2`, so it is never installed: locateBird16()
 * unpacks the .deb into a cache dir and runs the binaries from there.
 *
 *   <cache>/bird_1.6.8-2.1+b1_amd64.deb     `apt-get download bird` (CI does it before the tests)
 *   <cache>/root/usr/sbin/{bird,bird6,birdc,birdc6}   `dpkg -x` of that .deb
 *
 * <cache> is $ANNOUNCER_BIRD16_DIR, else `$TMPDIR/announcer-bird16` (outside node_modules, which
 * `npm ci` wipes). When the .deb is missing it is fetched with `apt-get download bird` (apt only:
 * nothing else is downloaded). When that fails the error says what to run.
 *
 * BIRD 1.x runs one daemon per address family: `bird` speaks BGP over IPv4 and carries IPv4 routes,
 * `bird6` the same for IPv6, each with its own config. bird-configs/bird16.conf and bird16-v6.conf
 * are routerConfig16() of BIRD16_EXAMPLE and BIRD16_V6_EXAMPLE (bird16.test.ts checks it).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, waitFor, type BirdAddPaths, type IpVersion, type Lab, type LabProcess } from './lab.js';

// ---------------------------------------------------------------------------------------------
// The binaries

export interface Bird16Binaries {
  /** The IPv4 daemon. */
  readonly bird: string;
  /** The IPv6 daemon. */
  readonly bird6: string;
  readonly birdc: string;
  readonly birdc6: string;
  /** What `bird --version` says: "1.6.8". */
  readonly version: string;
  /** The cache dir it was found in or unpacked into. */
  readonly cacheDir: string;
}

/** Where the .deb and its unpacked tree live. */
export function bird16CacheDir(): string {
  return process.env.ANNOUNCER_BIRD16_DIR ?? join(tmpdir(), 'announcer-bird16');
}

let located: Promise<Bird16Binaries> | undefined;

/**
 * BIRD 1.6's binaries, unpacked from Debian's `bird` package into the cache dir (fetched with
 * `apt-get download bird` when no .deb is there yet). Throws, saying what to run, when it cannot.
 * Memoized: every caller of one process shares the first call's answer.
 */
export function locateBird16(): Promise<Bird16Binaries> {
  located ??= findOrUnpack(bird16CacheDir());
  return located;
}

async function findOrUnpack(cacheDir: string): Promise<Bird16Binaries> {
  const root = join(cacheDir, 'root');
  const sbin = join(root, 'usr', 'sbin');
  if (!existsSync(join(sbin, 'bird'))) {
    mkdirSync(cacheDir, { recursive: true });
    let deb = findDeb(cacheDir);
    if (deb === undefined) {
      const r = await aptGetDownloadBird(cacheDir);
      deb = findDeb(cacheDir);
      if (r.code !== 0 || deb === undefined) {
        throw new Error(
          `BIRD 1.6 is not in ${cacheDir} and \`apt-get download bird\` failed (exit ${r.code}):\n` +
            `${r.output.trim()}\n` +
            `Fetch it first: apt-get update && mkdir -p ${cacheDir} && cd ${cacheDir} && apt-get download bird`,
        );
      }
    }
    // Unpack beside the final place and rename, so a half-unpacked tree is never found.
    const scratch = mkdtempSync(join(cacheDir, 'unpack-'));
    try {
      await run('dpkg', ['-x', join(cacheDir, deb), scratch], { timeoutMs: 60_000 });
      if (!existsSync(join(root, 'usr', 'sbin', 'bird'))) {
        rmSync(root, { recursive: true, force: true });
        renameSync(scratch, root);
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const bins = {
    bird: join(sbin, 'bird'),
    bird6: join(sbin, 'bird6'),
    birdc: join(sbin, 'birdc'),
    birdc6: join(sbin, 'birdc6'),
  };
  for (const [what, path] of Object.entries(bins)) {
    if (!existsSync(path)) throw new Error(`BIRD 1.6: ${what} is missing from ${root}; remove ${cacheDir} and fetch it again`);
  }
  // `bird --version` prints to stderr; a missing shared library fails here with the loader's message.
  const r = await run(bins.bird, ['--version'], { allowFail: true });
  const version = /BIRD version (\S+)/.exec(r.stderr + r.stdout)?.[1];
  if (version === undefined || !version.startsWith('1.6')) {
    throw new Error(`${bins.bird} is not BIRD 1.6 (exit ${r.code}): ${(r.stderr + r.stdout).trim()}`);
  }
  return { ...bins, version, cacheDir };
}

/** `apt-get download bird` in `dir` (it writes into its working directory). */
function aptGetDownloadBird(dir: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('apt-get', ['download', 'bird'], { cwd: dir, timeout: 120_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, output: `${stderr}${stdout}${error !== null && code === -1 ? error.message : ''}` });
    });
  });
}

function findDeb(dir: string): string | undefined {
  return readdirSync(dir)
    .filter((f) => /^bird_1\.6[^/]*\.deb$/.test(f))
    .sort()
    .at(-1);
}

// ---------------------------------------------------------------------------------------------
// The router config

export interface RouterPeer16 {
  /** BIRD protocol name: a letter or _, then letters, digits, _. */
  readonly name: string;
  /** The neighbor's address, of the config's family, on a directly connected subnet (eBGP). */
  readonly address: string;
  readonly asn: number;
  /** The neighbor's TCP port when it is not 179 (Porter used 17900). */
  readonly port?: number;
  /** Only accept connections from this neighbor, never connect to it. */
  readonly passive?: boolean;
  /** Overrides the template's ADD-PATH mode for this session. */
  readonly addPaths?: BirdAddPaths;
  /** One comment line (or several) written above the session. */
  readonly comment?: string;
}

export interface RouterConfig16Options {
  /** ipv4 for `bird`, ipv6 for `bird6`: BIRD 1.x runs one daemon per family. */
  readonly family: IpVersion;
  /** An IPv4 address, for bird6 too (it cannot take one from its IPv6 addresses). */
  readonly routerId: string;
  readonly asn: number;
  readonly peers: readonly RouterPeer16[];
  /** Seconds; the session uses the lower of both sides' values. Default 9. */
  readonly holdTime?: number;
  /** Seconds; BIRD's default is a third of the hold time. */
  readonly keepaliveTime?: number;
  /** Default 1 (BIRD: 5). */
  readonly connectDelayTime?: number;
  /** Default 2 (BIRD: 120). */
  readonly connectRetryTime?: number;
  /** Default [1, 5] (BIRD: 60, 300). */
  readonly errorWaitTime?: readonly [number, number];
  /** The TCP port BIRD listens on (`listen bgp port N`); default 179. */
  readonly localPort?: number;
  /** ADD-PATH mode of the template. Default rx; Porter's docs write `on` (rx and tx). */
  readonly addPaths?: BirdAddPaths;
  /** Advertise Route Refresh (RFC 2918). Default false, as Porter's docs set it. */
  readonly routeRefresh?: boolean;
  /** Most next hops the kernel route gets. Default 16. */
  readonly mergePathsLimit?: number;
  /** Default "announcers". */
  readonly templateName?: string;
  /** Comment text at the top of the file. */
  readonly header?: string;
  /** Adds `debug { states, events };` to the template. */
  readonly debug?: boolean;
}

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(field: string, message: string): never {
  throw new Error(`${field}: ${message}`);
}

function checkInt(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) fail(field, `must be an integer ${min}..${max}: ${value}`);
}

function comment(text: string, indent = ''): string[] {
  return text.split('\n').map((line) => (line === '' ? `${indent}#` : `${indent}# ${line}`));
}

function addPathsComment(mode: BirdAddPaths): string {
  switch (mode) {
    case 'rx':
      return 'ADD-PATH receive (RFC 7911): keep every path the peer sends for a prefix, not only the last.';
    case 'tx':
      return 'ADD-PATH send (RFC 7911) only: the peer\'s paths would replace each other. Not for announcers.';
    case 'on':
      return 'ADD-PATH both ways (RFC 7911), as Porter\'s docs write it: receive every path the peer sends.';
    case 'off':
      return 'No ADD-PATH: one path per prefix per session (enough for the per-node shape).';
  }
}

/**
 * The BIRD 1.6 config of the upstream router for one address family: an eBGP session per peer,
 * all from one template, importing everything with ADD-PATH, exporting nothing, and a kernel
 * protocol that merges equal paths into one ECMP route. Same shape as routerConfig() in lab.ts
 * for BIRD 2, with 1.6's protocol-level options instead of channels.
 */
export function routerConfig16(opts: RouterConfig16Options): string {
  if (opts.family !== 'ipv4' && opts.family !== 'ipv6') fail('family', `ipv4 or ipv6: ${String(opts.family)}`);
  const v = opts.family === 'ipv4' ? 4 : 6;
  if (isIP(opts.routerId) !== 4) fail('routerId', `not an IPv4 address: ${JSON.stringify(opts.routerId)}`);
  checkInt('asn', opts.asn, 1, 4294967295);
  const holdTime = opts.holdTime ?? 9;
  if (!Number.isInteger(holdTime) || (holdTime !== 0 && holdTime < 3) || holdTime > 65535) {
    fail('holdTime', `must be 0 or an integer 3..65535 (RFC 4271 4.2): ${holdTime}`);
  }
  if (opts.keepaliveTime !== undefined) checkInt('keepaliveTime', opts.keepaliveTime, 1, 65535);
  const connectDelay = opts.connectDelayTime ?? 1;
  const connectRetry = opts.connectRetryTime ?? 2;
  const [errorWaitMin, errorWaitMax] = opts.errorWaitTime ?? [1, 5];
  checkInt('connectDelayTime', connectDelay, 0);
  checkInt('connectRetryTime', connectRetry, 1);
  checkInt('errorWaitTime[0]', errorWaitMin, 1);
  checkInt('errorWaitTime[1]', errorWaitMax, errorWaitMin);
  if (opts.localPort !== undefined) checkInt('localPort', opts.localPort, 1, 65535);
  const limit = opts.mergePathsLimit ?? 16;
  checkInt('mergePathsLimit', limit, 1, 255); // BIRD 1.6: "Merge paths limit must be in range 1-255"
  const addPaths = opts.addPaths ?? 'rx';
  const template = opts.templateName ?? 'announcers';
  if (!SYMBOL.test(template)) fail('templateName', `not a BIRD symbol: ${JSON.stringify(template)}`);
  if (opts.peers.length === 0) fail('peers', 'at least one peer');
  const kernel = `kernel${v}`;
  const names = new Set<string>([template, kernel, 'device1']);
  opts.peers.forEach((p, i) => {
    if (!SYMBOL.test(p.name)) fail(`peers[${i}].name`, `not a BIRD symbol: ${JSON.stringify(p.name)}`);
    if (names.has(p.name)) fail(`peers[${i}].name`, `used twice: ${p.name}`);
    names.add(p.name);
    if (isIP(p.address) !== v) {
      fail(`peers[${i}].address`, `not an IPv${v} address: ${JSON.stringify(p.address)} (bird${v === 4 ? '' : '6'} speaks IPv${v} only)`);
    }
    checkInt(`peers[${i}].asn`, p.asn, 1, 4294967295);
    if (p.port !== undefined) checkInt(`peers[${i}].port`, p.port, 1, 65535);
  });

  const label = `IPv${v}`;
  const out: string[] = [];
  if (opts.header !== undefined) out.push(...comment(opts.header), '');
  out.push(
    `# Log everything to stderr, for \`bird${v === 6 ? '6' : ''} -f\` in the foreground (the tests keep the output);`,
    '# a router running BIRD as a service would rather say `log syslog all;`.',
    'log stderr all;',
    '',
  );
  if (v === 4) {
    out.push('# Names this router in BGP OPEN messages; by custom one of its own IPv4 addresses.');
  } else {
    out.push(
      '# Names this router in BGP OPEN messages. bird6 cannot pick one by itself (a BGP identifier',
      '# is 32 bits): give it the IPv4 router id of the same router.',
    );
  }
  out.push(`router id ${opts.routerId};`, '');
  if (opts.localPort !== undefined && opts.localPort !== 179) {
    out.push(
      '# The TCP port BIRD listens on for every BGP session (BIRD 1.6 has one listener, default 179).',
      `listen bgp port ${opts.localPort};`,
      '',
    );
  }
  out.push(
    '# Learns the interfaces and their addresses. BGP needs it: a neighbor and every next hop it',
    '# announces must sit on a directly connected subnet (eBGP default `gateway direct`). Beware:',
    "# BIRD 1.6 silently routes a next hop that is not on one via the neighbor itself (BIRD 2 drops",
    '# the route), and silently drops a route whose next hop is an address of this router.',
    'protocol device {',
    '}',
    '',
    `# Copies BIRD's ${label} table into the kernel's main routing table, and removes those routes`,
    '# again when BIRD stops. In BIRD 1.6 the options sit in the protocol itself (no channels).',
    `protocol kernel ${kernel} {`,
    "  # Learn nothing from the kernel's table; install every route BIRD selected.",
    '  import none;',
    '  export all;',
    '  # Install the best route together with every equivalent one (same preference, local-pref,',
    '  # AS path length, origin, MED, eBGP/iBGP) as one multipath route: the ECMP route. Without',
    `  # it the kernel gets only the single best path. At most ${limit} next hops per route (1-255).`,
    `  merge paths on limit ${limit};`,
    '}',
    '',
    `# Settings every session shares; \`protocol bgp NAME from ${template}\` inherits all of them.`,
    `template bgp ${template} {`,
    "  # This router's AS.",
    `  local as ${opts.asn};`,
    '  # Seconds of silence after which the session is declared dead and its routes withdrawn. The',
    "  # session uses the lower of both sides' values (BIRD proposes 240 unless told).",
    `  hold time ${holdTime};`,
  );
  if (opts.keepaliveTime !== undefined) {
    out.push('  # Seconds between KEEPALIVEs (default: a third of the hold time).', `  keepalive time ${opts.keepaliveTime};`);
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
  out.push(
    `  # Accept every ${label} route the peer announces, announce nothing back. BIRD 1.6 does not`,
    '  # enforce RFC 8212 (BIRD 2 does: "EBGP requires explicit import policy"); say it anyway. A',
    '  # path with GRACEFUL_SHUTDOWN (65535:0, RFC 8326: `announcer drain`) gets the lowest local',
    '  # preference, so it leaves the ECMP route before it is withdrawn.',
    '  import filter { if (65535, 0) ~ bgp_community then bgp_local_pref = 0; accept; };',
    '  export none;',
    `  # ${addPathsComment(addPaths)}`,
    `  add paths ${addPaths};`,
  );
  if (opts.routeRefresh === true) {
    out.push('  # Advertise Route Refresh (RFC 2918): the peer may ask for our routes again.', '  enable route refresh on;');
  } else {
    out.push(
      "  # Do not advertise Route Refresh (RFC 2918), as Porter's docs set it: BIRD exports nothing",
      '  # here, so there is nothing to ask again for. (BIRD still asks the announcer for its routes',
      '  # when its own import filter changes, since the announcer advertises Route Refresh.)',
      '  enable route refresh off;',
    );
  }
  out.push(
    '}',
    '',
    `# The sessions, over ${label}${v === 6 ? ' (bird6)' : ' (bird; IPv6 sessions go to bird6)'}.`,
  );
  for (const peer of opts.peers) {
    out.push('');
    if (peer.comment !== undefined) out.push(...comment(peer.comment));
    out.push(
      `protocol bgp ${peer.name} from ${template} {`,
      `  neighbor ${peer.address}${peer.port === undefined || peer.port === 179 ? '' : ` port ${peer.port}`} as ${peer.asn};`,
    );
    if (peer.passive === true) out.push('  # Never connect; wait for the peer to connect.', '  passive on;');
    if (peer.addPaths !== undefined && peer.addPaths !== addPaths) {
      out.push(`  # ${addPathsComment(peer.addPaths)}`, `  add paths ${peer.addPaths};`);
    }
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

const BIRD16_HEADER = `bird16.conf: BIRD 1.6 on the upstream router (IPv4; bird16-v6.conf is the IPv6 half).

For routers still on BIRD 1.6 (Debian's \`bird\` package). The same router as router.conf and
router-central.conf (BIRD 2), written the 1.6 way: options at protocol level instead of in
channels, and one daemon per address family (\`bird\` for IPv4, \`bird6\` for IPv6).

Central (Porter-style) shape: the announcer at 198.51.100.2 announces each external IP once per
node that serves it, each path with that node's address as next hop and its own path identifier
(ADD-PATH, RFC 7911). \`add paths rx\` keeps all of them and \`merge paths on\` in the kernel
protocol installs one ECMP route:

    203.0.113.10 proto bird
        nexthop via 198.51.100.11 dev br0 weight 1
        nexthop via 198.51.100.12 dev br0 weight 1

Per-node shape: the same template serves. Add one session per node,
\`protocol bgp node1 from announcers { neighbor 198.51.100.11 as 65000; }\`, and the equal paths
of the nodes merge the same way.

Router 198.51.100.1 (AS 65001); announcer 198.51.100.2 (AS 65000) listening on TCP 17900, the
port Porter used to stay clear of Calico on 179. This is routerConfig16(BIRD16_EXAMPLE) from
test/integration/bird16.ts, which bird16.test.ts runs against real BIRD 1.6.8; see README.md here.

Check it:   bird -p -c bird16.conf
Run it:     bird -f -c bird16.conf -s /run/bird/bird.ctl
Look:       birdc -s /run/bird/bird.ctl show protocols all announcer; ip route show 203.0.113.10`;

const BIRD16_V6_HEADER = `bird16-v6.conf: BIRD 1.6 on the upstream router, the IPv6 half (bird6; bird16.conf is IPv4).

BIRD 1.6 runs IPv6 in its own daemon, \`bird6\`, with its own config, control socket and sessions:
an IPv6 session to the announcer, carrying IPv6 routes (/128 external IPs whose next hops are the
nodes' IPv6 addresses on the router's subnet). Otherwise the same as bird16.conf.

Router 2001:db8:100::1 (router id 198.51.100.1, AS 65001); announcer 2001:db8:100::2 (AS 65000)
on TCP 17900. This is routerConfig16(BIRD16_V6_EXAMPLE) from test/integration/bird16.ts, which
bird16.test.ts runs against real BIRD 1.6.8; see README.md here.

Check it:   bird6 -p -c bird16-v6.conf
Run it:     bird6 -f -c bird16-v6.conf -s /run/bird/bird6.ctl
Look:       birdc6 -s /run/bird/bird6.ctl show protocols all announcer; ip -6 route show 2001:db8:200::10`;

/** bird-configs/bird16.conf. */
export const BIRD16_EXAMPLE: RouterConfig16Options = {
  header: BIRD16_HEADER,
  family: 'ipv4',
  routerId: '198.51.100.1',
  asn: 65001,
  peers: [
    {
      name: 'announcer',
      address: '198.51.100.2',
      port: 17900,
      asn: 65000,
      comment: 'The central announcer; add more sessions `from announcers` for a redundant pair, or one per node.',
    },
  ],
};

/** bird-configs/bird16-v6.conf. */
export const BIRD16_V6_EXAMPLE: RouterConfig16Options = {
  header: BIRD16_V6_HEADER,
  family: 'ipv6',
  routerId: '198.51.100.1',
  asn: 65001,
  peers: [
    {
      name: 'announcer',
      address: '2001:db8:100::2',
      port: 17900,
      asn: 65000,
      comment: 'The central announcer over IPv6.',
    },
  ],
};

/** Parses a config with `bird -p` (or `bird6 -p`) of BIRD 1.6 and throws BIRD's message when it does not. */
export async function checkBird16Config(bins: Bird16Binaries, family: IpVersion, configText: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ann-bird16check-'));
  try {
    const path = join(dir, 'bird.conf');
    writeFileSync(path, configText);
    await run(family === 'ipv4' ? bins.bird : bins.bird6, ['-p', '-c', path]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Running it in the lab

export interface Bird16 {
  readonly name: string;
  readonly ns: string;
  readonly family: IpVersion;
  readonly configPath: string;
  readonly socket: string;
  readonly process: LabProcess;
  /** Runs one birdc (birdc6) command and returns its output without the banner. */
  birdc(command: string): Promise<string>;
}

/**
 * Starts BIRD 1.6 (bird or bird6) in a lab namespace, in the foreground and tracked by the lab
 * (so lab.destroy() stops it), and waits until its control socket answers. Throws with BIRD's own
 * output when it exits instead (a config error).
 */
export async function startBird16(
  lab: Lab,
  bins: Bird16Binaries,
  ns: string,
  family: IpVersion,
  configText: string,
  name: string,
): Promise<Bird16> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) fail('name', `letters, digits, _ . - only: ${name}`);
  const dir = join(lab.dir, `bird16-${name}`);
  mkdirSync(dir);
  const configPath = join(dir, 'bird.conf');
  writeFileSync(configPath, configText);
  const socket = join(dir, 'bird.ctl');
  const daemon = family === 'ipv4' ? bins.bird : bins.bird6;
  const client = family === 'ipv4' ? bins.birdc : bins.birdc6;
  const proc = lab.spawn(ns, daemon, ['-f', '-c', configPath, '-s', socket, '-P', join(dir, 'bird.pid')], {
    name: `bird${family === 'ipv4' ? '' : '6'} 1.6 ${name}`,
  });
  const birdc = async (command: string): Promise<string> => {
    const { stdout } = await run(client, ['-s', socket, ...command.split(/\s+/).filter((w) => w !== '')], { timeoutMs: 5_000 });
    return stdout.replace(/^BIRD [^\n]* ready\.\n/, '');
  };
  const died = new AbortController();
  void proc.exited.then((s) => died.abort(new Error(`${proc.name} exited (code ${s.code}, signal ${s.signal})`)));
  try {
    await waitFor(() => birdc('show status'), {
      what: `${proc.name} to answer on ${socket}`,
      timeoutMs: 10_000,
      intervalMs: 50,
      until: (text) => text.includes('Daemon is up and running'),
      signal: died.signal,
    });
  } catch (e) {
    await proc.stop({ graceMs: 500 });
    throw new Error(`${e instanceof Error ? e.message : String(e)} while starting; its output:\n${proc.tail()}`);
  }
  return { name, ns, family, configPath, socket, process: proc, birdc };
}

/** The BGP state of one protocol from `show protocols`: "Established", "Active", "Connect", ... */
export async function bird16BgpState(bird: Bird16, protocol: string): Promise<string> {
  const text = await bird.birdc(`show protocols ${protocol}`);
  // name proto table state since info
  const line = text.split('\n').find((l) => l.trim().split(/\s+/)[0] === protocol);
  return line?.trim().split(/\s+/).slice(5).join(' ') ?? '';
}

/** Waits until every named BGP protocol of that BIRD 1.6 is Established. */
export async function waitForEstablished16(bird: Bird16, names: readonly string[], timeoutMs = 15_000): Promise<void> {
  await waitFor(() => Promise.all(names.map((n) => bird16BgpState(bird, n))), {
    what: `BGP sessions ${names.join(', ')} of ${bird.name} to be Established`,
    timeoutMs,
    until: (states) => states.every((s) => s.startsWith('Established')),
  });
}
