/**
 * A small BIRD 2 that stands in for an announcer in the lab: speakerConfig() writes static routes
 * announced over eBGP, per-node shape (blackhole routes, next hop self) or central shape (routes
 * `via` each node, next hop keep, ADD-PATH send).
 */
import { hostPrefix, ipVersionOf, type IpVersion } from './addresses.js';
import { SYMBOL, checkAddress, checkAsn, neighborLine } from './bird-syntax.js';

export interface SpeakerPeer {
  readonly name: string;
  readonly address: string;
  readonly asn: number;
  readonly port?: number;
  /** The port this speaker listens on for this session (`local port`). */
  readonly localPort?: number;
  readonly passive?: boolean;
  /** The families this session announces; default the family of `address`. */
  readonly families?: readonly IpVersion[];
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
    const family = ipVersionOf(prefix);
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
    for (const family of peer.families ?? [ipVersionOf(peer.address)]) {
      out.push(`  ${family} {`, '    import none;', '    export where source = RTS_STATIC;');
      if (opts.addPathsTx === true) out.push('    add paths tx;');
      if (opts.nextHopKeep === true) out.push('    next hop keep;');
      out.push('  };');
    }
    out.push('}');
  });
  return `${out.join('\n')}\n`;
}
