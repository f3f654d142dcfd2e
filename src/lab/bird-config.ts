/**
 * The BIRD 2 config of the lab's upstream router: routerConfig() writes one eBGP session per peer
 * from a shared template, ADD-PATH receive and kernel protocols that merge equal paths into ECMP
 * routes. The router configs in bird-configs/ are its output for PER_NODE_EXAMPLE and
 * CENTRAL_EXAMPLE (test/integration/lab.test.ts checks it).
 */
import type { IpVersion } from './addresses.js';
import { SYMBOL, checkAddress, checkAsn, neighborLine } from './bird-syntax.js';

/** BIRD's `add paths` modes, in its own words. */
export type BirdAddPaths = 'rx' | 'tx' | 'on' | 'off';

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
  readonly addPaths?: BirdAddPaths;
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
  /**
   * BFD (RFC 5880) on every session, milliseconds: `protocol bfd` and `bfd on`, or `bfd graceful`
   * with `graceful: true` (a BFD failure then starts a graceful restart instead of ending the session).
   */
  readonly bfd?: { readonly minRx: number; readonly minTx: number; readonly multiplier: number; readonly graceful?: boolean };
  /**
   * Graceful restart (RFC 4724) on every session: `graceful restart on` (BIRD's default is `aware`,
   * which keeps a restarting peer's routes too but does not ask the peers to keep its own).
   */
  readonly gracefulRestart?: boolean;
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
  readonly addPaths?: BirdAddPaths;
  /** Channels in the template; a session carries those both sides offer. Default both. */
  readonly families?: readonly IpVersion[];
  /** Most next hops the kernel route gets. Default 16. */
  readonly mergePathsLimit?: number;
  /** Name of the template the sessions are made `from`. Default "nodes". */
  readonly templateName?: string;
  /** Comment text at the top of the file (one `# ` line per line). */
  readonly header?: string;
  /** Adds `debug { states, events };` to the template, so the log shows each session step. */
  readonly debug?: boolean;
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

function familyLabel(family: IpVersion): string {
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
    const b = opts.bfd;
    for (const [field, value] of [['bfd.minRx', b.minRx], ['bfd.minTx', b.minTx], ['bfd.multiplier', b.multiplier]] as const) {
      checkSeconds(field, value, 1);
    }
    const detect = b.multiplier * b.minRx;
    out.push(
      '',
      "# BFD (RFC 5880) watches each neighbor's link: a neighbor that stops answering (its host dead,",
      `# cut off, or its link down) is declared down after ${b.multiplier} intervals without a packet, about`,
      `# ${detect} ms here, instead of after the hold time. What it costs: ${Math.round(1000 / b.minTx)} packets a second per neighbor`,
      `# each way, and a host or router that cannot send for ${detect} ms (CPU starved, a long pause) is`,
      '# declared dead too: shorter intervals catch failures sooner and false ones more often. The',
      '# announcer sends at the rates of its own config (`bfd` per peer, default 300 ms x 3); the',
      "# slower of the two sides sets each direction's rate.",
      'protocol bfd {',
      '  interface "*" {',
      `    min rx interval ${b.minRx} ms;`,
      `    min tx interval ${b.minTx} ms;`,
      `    multiplier ${b.multiplier};`,
      '  };',
      '}',
    );
  }
  out.push(
    '',
    `# Settings every session shares; \`protocol bgp NAME from ${template}\` inherits all of them.`,
    `template bgp ${template} {`,
  );
  if (opts.bfd !== undefined) out.push(...bfdLines(opts.bfd.graceful === true, opts.gracefulRestart === true));
  if (opts.gracefulRestart === true) {
    out.push(
      '  # Graceful restart (RFC 4724): when an announcer restarts (`announcer shutdown --restart`, an',
      '  # upgrade, a crash) its routes stay installed, still forwarding to its node, for the restart',
      '  # time it advertised (its `gracefulRestart.restartTime`), until it is back and has sent them',
      "  # again (End-of-RIB); then whatever it did not send again goes. BIRD's default, `aware`, does",
      '  # this much too; `on` also asks the announcers to keep what this router sends them, which is',
      '  # nothing here. What it costs: an announcer that stops for good without saying so (killed, and',
      '  # never started again) keeps its routes for that restart time; `announcer shutdown` (without',
      '  # --restart) and SIGTERM by default withdraw them at once.',
      '  graceful restart on;',
    );
  }
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
      '    # eBGP channel without both ("EBGP requires explicit import policy", RFC 8212). A path',
      '    # with GRACEFUL_SHUTDOWN (65535:0, RFC 8326: `announcer drain`) gets the lowest local',
      "    # preference: it leaves the ECMP route (BIRD merges only equal paths) before it is withdrawn.",
      '    import filter { if (65535, 0) ~ bgp_community then bgp_local_pref = 0; accept; };',
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

/** The template's `bfd` line and why, for `bfd on` or `bfd graceful`. */
function bfdLines(graceful: boolean, gracefulRestart: boolean): string[] {
  if (graceful) {
    return [
      '  # Tie each session to a BFD session with its neighbor, but treat a BFD failure as the start of',
      '  # a graceful restart (`bfd graceful`): the session ends and the routes stay, stale, for the',
      "  # neighbor's restart time. Only for neighbors whose BFD goes down whenever their BGP daemon",
      '  # restarts: a node that dies keeps attracting traffic for that restart time.',
      '  bfd graceful;',
    ];
  }
  return [
    '  # Tie each session to a BFD session with its neighbor (`bfd on`): when BFD declares the neighbor',
    '  # down, the session ends and its routes are withdrawn at once, in the detection time rather than',
    ...(gracefulRestart
      ? ['  # the hold time, also while graceful restart is keeping them for a restarting announcer. A BFD']
      : ['  # the hold time. A BFD']),
    '  # session the neighbor ends on purpose (AdminDown) counts as a failure too. `bfd graceful` would',
    "  # keep a dead node's routes for its restart time instead.",
    '  bfd on;',
  ];
}

function addPathsComment(mode: BirdAddPaths): string {
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

BFD (300 ms x 3) drops a dead or cut-off node's next hop in about a second; graceful restart keeps
a restarting announcer's paths (\`announcer shutdown --restart\`, an upgrade), so neither moves traffic
it should not. The comments at \`protocol bfd\`, \`bfd on\` and \`graceful restart on\` say what each costs.

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

BFD (300 ms x 3) and graceful restart as in router.conf, with one difference that matters here:
this one session carries every node's paths, so when BFD declares the announcer's host dead (or
stalled for 0.9 s) every EIP loses every next hop at once. Run a redundant pair of announcers.

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
  bfd: { minRx: 300, minTx: 300, multiplier: 3 },
  gracefulRestart: true,
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
  bfd: { minRx: 300, minTx: 300, multiplier: 3 },
  gracefulRestart: true,
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
