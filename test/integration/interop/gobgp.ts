/**
 * GoBGP as an interop receiver: Debian's gobgpd in the router's namespace, in the foreground with a
 * TOML config and its gRPC API on the namespace's own loopback, every neighbor with both unicast
 * families and ADD-PATH receive unless a session turns it off. No zebra, so nothing reaches the
 * kernel. What it holds is read from `gobgp global rib PREFIX -j`, which lists every path of every
 * neighbor (one per ADD-PATH id).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareAddresses, hostPrefix, run, waitFor, type LabProcess } from '../lab.js';
import type { HeldPath, Receiver, ReceiverSetup } from './receiver.js';

const API_PORT = 50051;
/** The `gobgp` client's flags for the API of a lab's gobgpd (the namespace's loopback). */
const API = ['-u', '127.0.0.1', '-p', String(API_PORT)];

/** The TOML config: one neighbor per session, short timers so sessions come up (and back) fast. */
export function gobgpConfig(setup: ReceiverSetup): string {
  const lines = ['[global.config]', `  as = ${setup.asn}`, `  router-id = "${setup.routerId}"`, ''];
  for (const s of setup.sessions) {
    lines.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${s.address}"`,
      `    peer-as = ${s.asn}`,
      '  [neighbors.timers.config]',
      '    hold-time = 9',
      '    keepalive-interval = 3',
      '    connect-retry = 1',
    );
    for (const family of ['ipv4-unicast', 'ipv6-unicast']) {
      lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${family}"`);
      if (s.addPath !== false) lines.push('    [neighbors.afi-safis.add-paths.config]', '      receive = true');
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** A path as `gobgp ... -j` prints it: the attributes by type code (2 AS_PATH, 3 NEXT_HOP, 14 MP_REACH_NLRI). */
interface GobgpPath {
  attrs?: { type: number; nexthop?: string; as_paths?: { asns?: number[] }[]; value?: unknown[] }[];
}

/** One of GoBGP's extended communities as our text where it is a route target or origin, else its JSON. */
function gobgpExtended(v: unknown): string {
  // {"type":0,"subtype":2,"value":"65000:100"}: type 0 is a 2-octet AS, sub-type 2 a route target, 3 an origin.
  const c = v as { type?: number; subtype?: number; value?: unknown };
  const kind = c.subtype === 2 ? 'rt' : c.subtype === 3 ? 'soo' : undefined;
  if (kind !== undefined && c.type === 0 && typeof c.value === 'string') return `${kind}:${c.value}`;
  return JSON.stringify(v);
}

/** The paths of `gobgp global rib -a AFI PREFIX -j`: `{ "PREFIX": [path, ...] }`. */
export function parseGobgpRib(text: string): HeldPath[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return [];
  const rib = JSON.parse(trimmed) as Record<string, GobgpPath[] | null>;
  const held: HeldPath[] = [];
  for (const paths of Object.values(rib)) {
    for (const path of paths ?? []) {
      const attrs = path.attrs ?? [];
      const hop = attrs.find((a) => a.type === 14)?.nexthop ?? attrs.find((a) => a.type === 3)?.nexthop ?? '?';
      const asPath = (attrs.find((a) => a.type === 2)?.as_paths ?? []).flatMap((seg) => seg.asns ?? []);
      const extended = (attrs.find((a) => a.type === 16)?.value ?? []).map(gobgpExtended).sort();
      held.push({ nextHop: hop, asPath, extended });
    }
  }
  return held.sort((a, b) => compareAddresses(a.nextHop, b.nextHop));
}

function afiOf(address: string): 'ipv4' | 'ipv6' {
  return address.includes(':') ? 'ipv6' : 'ipv4';
}

export const gobgpReceiver: Receiver = {
  id: 'gobgp',
  name: 'GoBGP',
  kernel: false,
  extendedMessage: false,
  ipv6OverIpv4: true,
  // GoBGP 3.10 never sends a ROUTE-REFRESH: it keeps every Adj-RIB-In, and `softresetin` only runs
  // the import policy over it again (checked: the daemon's updatesSent does not move).
  routeRefresh: false,
  async version() {
    const { stdout } = await run('gobgpd', ['--version']);
    return /version\s+(\S+)/.exec(stdout)?.[1] ?? stdout.trim();
  },
  async start(lab, setup) {
    const ns = lab.router.ns;
    const dir = join(lab.dir, 'gobgp');
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'gobgpd.toml');
    writeFileSync(config, gobgpConfig(setup));
    const gobgp = async (args: readonly string[]): Promise<string> => (await lab.exec(ns, 'gobgp', [...API, ...args])).stdout;

    let proc: LabProcess;
    const launch = async (): Promise<void> => {
      // Plain-text log to the lab's output; pprof off (it would listen on :6060).
      proc = lab.spawn(ns, 'gobgpd', ['-f', config, '-t', 'toml', '--api-hosts', `127.0.0.1:${API_PORT}`, '--pprof-disable', '-p', '-l', 'info'], { name: 'gobgpd' });
      const died = new AbortController();
      const p = proc;
      void p.exited.then((s) => died.abort(new Error(`gobgpd exited (code ${s.code}, signal ${s.signal}):\n${p.tail(20)}`)));
      // The API answers before the config's neighbors exist: wait for all of them.
      await waitFor(() => gobgp(['neighbor', '-j']).then((t) => JSON.parse(t) as unknown[]), {
        what: `gobgpd's API with ${setup.sessions.length} neighbors`,
        until: (peers) => Array.isArray(peers) && peers.length === setup.sessions.length,
        timeoutMs: 15_000,
        intervalMs: 100,
        signal: died.signal,
      });
    };
    await launch();

    return {
      async paths(prefix) {
        const p = hostPrefix(prefix);
        // `{}` when it holds nothing for the prefix.
        return parseGobgpRib(await gobgp(['global', 'rib', '-a', afiOf(p), p, '-j']));
      },
      async restart() {
        await proc.stop({ graceMs: 5_000 });
        await launch();
      },
      async dump() {
        const parts = [`neighbors:\n${await gobgp(['neighbor'])}`];
        for (const afi of ['ipv4', 'ipv6']) parts.push(`${afi} RIB:\n${await gobgp(['global', 'rib', '-a', afi])}`);
        parts.push(`gobgpd said:\n${proc.tail(30)}`);
        return parts.join('\n');
      },
    };
  },
};
