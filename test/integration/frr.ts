/**
 * FRR in the lab: the router config it runs and starting zebra, bfdd and bgpd in a namespace.
 *
 * Debian's `frr` package (FRR 8.4) puts the daemons in /usr/lib/frr; `.ci/run` installs it and
 * keeps its service from starting in the machine's own namespace. Each lab FRR runs its daemons in
 * the foreground, tracked by the lab (so `lab.destroy()` stops them), with every path of its own in
 * a private dir: config files, pid files, the zebra API socket (-z), bfdd's control socket and the
 * vty sockets `vtysh --vty_socket DIR` talks to. Nothing is read from or written to /etc/frr or
 * /var/run/frr, so labs run side by side.
 *
 *   zebra   the kernel side: routes bgpd selects land in the namespace's kernel table (ECMP too)
 *   bfdd    BFD (RFC 5880/5881); bgpd registers its neighbors with it through zebra
 *   bgpd    BGP
 */
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { run, waitFor, type Lab, type LabProcess } from './lab.js';

export const FRR_DIR = '/usr/lib/frr';

export interface FrrPeer {
  readonly address: string;
  readonly asn: number;
  /** Ties the session to a BFD session with the neighbor (the config's BFD profile). */
  readonly bfd?: boolean;
  /** ADD-PATH receive (RFC 7911), which FRR offers by default; false turns it off. */
  readonly addPath?: boolean;
}

export interface FrrConfigOptions {
  readonly asn: number;
  readonly routerId: string;
  readonly peers: readonly FrrPeer[];
  /** Keepalive is a third of it. */
  readonly holdTime?: number;
  /** Timers of the `lab` BFD profile, milliseconds. */
  readonly bfd?: { readonly minRx: number; readonly minTx: number; readonly multiplier: number };
  /**
   * Graceful restart (RFC 4724) for every neighbor: `bgp graceful-restart` (FRR restarts gracefully
   * itself and keeps a restarting neighbor's routes). FRR 8.4 is a helper by default anyway.
   */
  readonly gracefulRestart?: boolean;
}

export interface FrrConfigs {
  readonly zebra: string;
  readonly bfdd: string;
  readonly bgpd: string;
}

/** One config file per daemon (FRR's split config), as the lab runs them. */
export function frrConfig(opts: FrrConfigOptions): FrrConfigs {
  const head = ['hostname lab-frr', 'log stdout informational', '!'];
  return {
    zebra: [...head, ''].join('\n'),
    bfdd: [...head, ...bfdSection(opts), ''].join('\n'),
    bgpd: [...head, ...bgpSection(opts), ''].join('\n'),
  };
}

/**
 * The same settings as one integrated frr.conf (what `vtysh` reads and writes on a router run as a
 * service), with `header` as a comment on top: bird-configs/frr.conf is frrIntegratedConfig(FRR_EXAMPLE).
 */
export function frrIntegratedConfig(opts: FrrConfigOptions & { readonly header: string }): string {
  const header = opts.header.split('\n').map((line) => (line === '' ? '!' : `! ${line}`));
  const head = ['frr defaults traditional', 'hostname router', 'log syslog informational', 'service integrated-vtysh-config', '!'];
  return [...header, '!', ...head, ...bfdSection(opts), ...bgpSection(opts), ''].join('\n');
}

const BFD_PROFILE = 'announcers';

/** bfdd's part: the BFD profile the watched neighbors use, with why. */
function bfdSection(opts: FrrConfigOptions): string[] {
  if (opts.bfd === undefined) return [];
  const b = opts.bfd;
  return [
    "! BFD (RFC 5880, bfdd) watches each neighbor's link: a node that stops answering (dead, cut",
    `! off, its link down) is declared down after ${b.multiplier} intervals without a packet, about ${b.multiplier * b.minRx} ms here,`,
    `! instead of the hold time. What it costs: ${Math.round(1000 / b.minTx)} packets a second per neighbor each way, and a`,
    `! node or router that cannot send for ${b.multiplier * b.minRx} ms (CPU starved, a long pause) is declared dead too.`,
    "! The announcer sends at its own `bfd` rates (default 300 ms x 3); the slower side sets the pace.",
    'bfd',
    ` profile ${BFD_PROFILE}`,
    `  receive-interval ${b.minRx}`,
    `  transmit-interval ${b.minTx}`,
    `  detect-multiplier ${b.multiplier}`,
    ' exit',
    'exit',
    '!',
  ];
}

/** bgpd's part: one eBGP session per peer, both unicast families, ECMP, with why. */
function bgpSection(opts: FrrConfigOptions): string[] {
  const out = [`router bgp ${opts.asn}`, ` bgp router-id ${opts.routerId}`];
  out.push(
    ' ! FRR 8 refuses eBGP routes without a policy (RFC 8212): without route-maps, say so.',
    ' no bgp ebgp-requires-policy',
    ' no bgp network import-check',
  );
  if (opts.gracefulRestart === true) {
    out.push(
      ' ! Graceful restart (RFC 4724): when an announcer restarts (`announcer shutdown --restart`, an',
      " ! upgrade, a crash) its routes stay, still forwarding to its node, for the restart time it",
      ' ! advertised (its `gracefulRestart.restartTime`), until it is back and has sent its End-of-RIB.',
      ' ! FRR 8.4 keeps them as a helper by default; this line also makes FRR restart gracefully itself.',
      ' ! What it costs: FRR 8.4 does not end that wait when BFD then says the node is gone, so a node',
      ' ! that dies while its announcer is restarting (a reboot with `onSigterm: restart`) keeps its',
      ' ! routes, and its traffic, for the rest of the restart time: keep the restart time short.',
      ' bgp graceful-restart',
    );
  }
  const watched = opts.peers.some((p) => p.bfd === true);
  if (watched) {
    out.push(
      " ! `neighbor ... bfd`: a neighbor that BFD declares down while its session is up loses the",
      ' ! session and its routes at once, graceful restart or not (but not once a restart has begun:',
      ' ! see above). A BFD session the neighbor ends on purpose (AdminDown) is not acted on. Leave',
      ' ! `bfd check-control-plane-failure` off: with it FRR 8.4 ignored every BFD failure of a',
      ' ! neighbor with graceful restart, C bit set or not, so a dead node waited for the hold timer',
      ' ! and then for the whole restart time.',
    );
  }
  out.push(' ! Per neighbor: its AS, keepalive and hold time (seconds), a reconnect 1 s after a loss', " ! (FRR's default: 120 s), and BFD.");
  for (const p of opts.peers) {
    out.push(` neighbor ${p.address} remote-as ${p.asn}`);
    if (opts.holdTime !== undefined) out.push(` neighbor ${p.address} timers ${Math.max(1, Math.floor(opts.holdTime / 3))} ${opts.holdTime}`);
    out.push(` neighbor ${p.address} timers connect 1`);
    if (p.bfd === true) {
      if (opts.bfd === undefined) throw new Error(`peer ${p.address}: bfd needs the config's bfd timers`);
      out.push(` neighbor ${p.address} bfd profile ${BFD_PROFILE}`);
    }
  }
  out.push(
    ' ! Both families on every session (IPv6 routes may ride an IPv4 session), up to 8 equal paths',
    " ! merged into one ECMP route in the kernel (through zebra); ADD-PATH receive is FRR's default.",
  );
  for (const family of ['ipv4', 'ipv6'] as const) {
    out.push(` address-family ${family} unicast`, '  maximum-paths 8');
    for (const p of opts.peers) {
      if (family === 'ipv6') out.push(`  neighbor ${p.address} activate`);
      if (p.addPath === false) out.push(`  neighbor ${p.address} disable-addpath-rx`);
    }
    out.push(' exit-address-family');
  }
  out.push('exit', '!');
  return out;
}

const FRR_EXAMPLE_HEADER = `frr.conf: FRR 8.4 on the upstream router, per-node shape, with BFD and graceful restart.

The FRR counterpart of router.conf: every node's announcer opens an eBGP session to this router and
announces its EIPs with itself as next hop; bgpd merges the equal paths into one ECMP route
(maximum-paths) and zebra installs it in the kernel. BFD (bfdd, 300 ms x 3) drops a dead or cut-off
node's next hop in about a second; graceful restart keeps a restarting announcer's paths. The
comments at \`bfd\`, \`bgp graceful-restart\` and \`neighbor ... bfd\` say what each costs.

Router 198.51.100.1 (AS 65001); nodes 198.51.100.11-13 and 2001:db8:100::11-13 (AS 65000), all on
one subnet. This is frrIntegratedConfig(FRR_EXAMPLE) from test/integration/frr.ts, whose settings
the integration tests run against real FRR 8.4; see README.md here.

Check it:   vtysh -C -f frr.conf
Use it:     /etc/frr/frr.conf, with bgpd=yes and bfdd=yes in /etc/frr/daemons
Look:       vtysh -c 'show bgp summary' -c 'show bfd peers'; ip route show 203.0.113.10`;

/** The shipped FRR example: bird-configs/frr.conf. */
export const FRR_EXAMPLE: FrrConfigOptions & { readonly header: string } = {
  header: FRR_EXAMPLE_HEADER,
  asn: 65001,
  routerId: '198.51.100.1',
  holdTime: 9,
  bfd: { minRx: 300, minTx: 300, multiplier: 3 },
  gracefulRestart: true,
  peers: [1, 2, 3].flatMap((i) => [
    { address: `198.51.100.${10 + i}`, asn: 65000, bfd: true },
    { address: `2001:db8:100::${10 + i}`, asn: 65000, bfd: true },
  ]),
};

export interface Frr {
  readonly name: string;
  readonly ns: string;
  readonly dir: string;
  readonly processes: readonly LabProcess[];
  /** Runs vtysh commands against this FRR and returns what they print. */
  vtysh(...commands: string[]): Promise<string>;
  /** Stops the daemons (SIGTERM) and starts them again with the same configs. */
  restart(): Promise<void>;
}

/**
 * Starts zebra, bfdd and bgpd in `ns` and waits until vtysh reaches all three. Throws with the
 * daemons' own output when one exits instead (a config error), or says what to install when FRR
 * is missing.
 */
export async function startFrr(lab: Lab, ns: string, configs: FrrConfigs, opts: { name?: string } = {}): Promise<Frr> {
  if (!existsSync(join(FRR_DIR, 'bgpd'))) {
    throw new Error(`FRR is not installed (${FRR_DIR}/bgpd is missing): apt-get install frr (.ci/run does)`);
  }
  const name = opts.name ?? 'frr';
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`name: letters, digits, _ . - only: ${name}`);
  const dir = join(lab.dir, name);
  mkdirSync(dir);
  // The daemons drop privileges to Debian's `frr` user (they refuse to run as root): it owns its
  // dir and may pass through the lab dir to reach it.
  const frrUser = userInfo({ encoding: 'utf8' }).uid === 0 ? await frrIds() : undefined;
  if (frrUser !== undefined) {
    chmodSync(lab.dir, 0o711);
    chownSync(dir, frrUser.uid, frrUser.gid);
  }
  const zserv = join(dir, 'zserv.api');
  const processes: LabProcess[] = [];
  for (const daemon of ['zebra', 'bfdd', 'bgpd'] as const) writeFileSync(join(dir, `${daemon}.conf`), configs[daemon]);
  const start = (daemon: keyof FrrConfigs, extra: string[]): LabProcess => {
    // -P 0: no vty TCP port, only the socket in `dir`.
    const args = ['-u', 'frr', '-g', 'frr', '-f', join(dir, `${daemon}.conf`), '-i', join(dir, `${daemon}.pid`), '-z', zserv, '--vty_socket', dir, '-P', '0', ...extra];
    const proc = lab.spawn(ns, join(FRR_DIR, daemon), args, { name: `${daemon} ${name}` });
    processes.push(proc);
    return proc;
  };
  const vtysh = async (...commands: string[]): Promise<string> => {
    const args = ['netns', 'exec', ns, 'vtysh', '--vty_socket', dir, ...commands.flatMap((c) => ['-c', c])];
    return (await run('ip', args)).stdout;
  };
  const launch = async (): Promise<void> => {
    processes.length = 0;
    // zebra first: bfdd and bgpd connect to its socket (they retry, but the log is quieter).
    start('zebra', []);
    await waitFor(() => existsSync(zserv), { what: `zebra ${name}'s socket ${zserv}`, until: (x) => x, timeoutMs: 10_000, intervalMs: 50 });
    start('bfdd', ['--bfdctl', join(dir, 'bfdd.sock')]);
    start('bgpd', []);
    const died = new AbortController();
    for (const p of processes) void p.exited.then((s) => died.abort(new Error(`${p.name} exited (code ${s.code}, signal ${s.signal})`)));
    try {
      await waitFor(() => vtysh('show daemons').catch((e: unknown) => String(e)), {
        what: `FRR ${name}'s daemons to answer vtysh`,
        until: (text) => ['zebra', 'bfdd', 'bgpd'].every((d) => text.includes(d)),
        timeoutMs: 15_000,
        intervalMs: 100,
        signal: died.signal,
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new Error(`${message} while starting; their output:\n${processes.map((p) => `${p.name}:\n${p.tail(10)}`).join('\n')}`);
    }
  };
  await launch();
  return {
    name,
    ns,
    dir,
    processes,
    vtysh,
    async restart() {
      // bgpd first, so its sessions close while zebra still runs; zebra removes its routes as it goes.
      for (const p of [...processes].reverse()) await p.stop({ graceMs: 5_000 });
      if (existsSync(zserv)) rmSync(zserv);
      await launch();
    },
  };
}

/** The uid and gid of Debian's `frr` user, which the package creates. */
async function frrIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'frr']), run('id', ['-g', 'frr'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
