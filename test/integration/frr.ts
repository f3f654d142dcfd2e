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
}

export interface FrrConfigs {
  readonly zebra: string;
  readonly bfdd: string;
  readonly bgpd: string;
}

/** One config file per daemon (FRR's split config). */
export function frrConfig(opts: FrrConfigOptions): FrrConfigs {
  const zebra = ['hostname lab-frr', 'log stdout informational', '!', ''].join('\n');
  const bfdd = ['hostname lab-frr', 'log stdout informational', '!'];
  if (opts.bfd !== undefined) {
    bfdd.push(
      'bfd',
      ' profile lab',
      `  receive-interval ${opts.bfd.minRx}`,
      `  transmit-interval ${opts.bfd.minTx}`,
      `  detect-multiplier ${opts.bfd.multiplier}`,
      ' exit',
      'exit',
      '!',
    );
  }
  bfdd.push('');
  const bgpd = ['hostname lab-frr', 'log stdout informational', '!', `router bgp ${opts.asn}`, ` bgp router-id ${opts.routerId}`];
  // FRR 8 refuses eBGP routes without an explicit policy (RFC 8212); the lab has none.
  bgpd.push(' no bgp ebgp-requires-policy', ' no bgp network import-check');
  for (const p of opts.peers) {
    bgpd.push(` neighbor ${p.address} remote-as ${p.asn}`);
    if (opts.holdTime !== undefined) bgpd.push(` neighbor ${p.address} timers ${Math.max(1, Math.floor(opts.holdTime / 3))} ${opts.holdTime}`);
    // Reconnect quickly after a session loss (the default is 120 s).
    bgpd.push(` neighbor ${p.address} timers connect 1`);
    if (p.bfd === true) {
      if (opts.bfd === undefined) throw new Error(`peer ${p.address}: bfd needs the config's bfd timers`);
      bgpd.push(` neighbor ${p.address} bfd profile lab`);
    }
  }
  // Both families on every session (IPv6 routes may ride an IPv4 session), up to 8 equal paths
  // merged into one ECMP route.
  for (const family of ['ipv4', 'ipv6'] as const) {
    bgpd.push(` address-family ${family} unicast`, '  maximum-paths 8');
    for (const p of opts.peers) {
      if (family === 'ipv6') bgpd.push(`  neighbor ${p.address} activate`);
      if (p.addPath === false) bgpd.push(`  neighbor ${p.address} disable-addpath-rx`);
    }
    bgpd.push(' exit-address-family');
  }
  bgpd.push('exit', '!', '');
  return { zebra, bfdd: bfdd.join('\n'), bgpd: bgpd.join('\n') };
}

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
