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
 * The parts it builds on live next to it: run.ts (commands, polling), process.ts (tracked
 * processes), bird.ts (birdc), addresses.ts; the BIRD configs it runs come from bird-config.ts and
 * speaker-config.ts. index.ts re-exports the public names of all of them. Used by the integration tests and by the demo (src/demo).
 */
import { execFileSync, spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareAddresses, hostPrefix, ipVersionOf } from './addresses.js';
import { birdc, type Bird } from './bird.js';
import { LabProcess, type ExitStatus } from './process.js';
import { run, waitFor, type ExecOptions, type ExecResult } from './run.js';

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

/** One route of `ip -j route show`, the fields routeNextHops() reads. */
interface IpRoute {
  gateway?: string;
  nexthops?: { gateway?: string }[];
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
    const family = ipVersionOf(p) === 'ipv6' ? '-6' : '-4';
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
    // What our processes left behind in the namespaces: a BFD process a daemon started (it outlives
    // the daemon on purpose, see src/bfd/process.ts).
    killLeftovers([...this.#namespaces]);
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
    killLeftovers([...this.#namespaces]);
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

/** SIGKILL to every process still in these namespaces (`ip netns pids`). */
function killLeftovers(namespaces: readonly string[]): void {
  for (const ns of namespaces) {
    let pids: string;
    try {
      pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      continue;
    }
    for (const line of pids.split('\n')) {
      if (!/^\d+$/.test(line.trim())) continue;
      try {
        process.kill(Number(line.trim()), 'SIGKILL');
      } catch {
        // already gone
      }
    }
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