// The demo's lab: a BIRD 2 router, three nodes and a client in network namespaces (src/lab/lab.ts),
// with an HTTP server on every node and `announcer daemon` on every node (per-node shape) or on
// node1 only (central shape). Each method is one step of the demo; none prints anything.
//
//   client 192.0.2.2 -- router (BIRD 2, AS 65001) 192.0.2.1 | 198.51.100.1 --+-- node1 198.51.100.11
//                       ECMP route 203.0.113.10 -> node1..3                   +-- node2 198.51.100.12
//                                                                            +-- node3 198.51.100.13
//   every node: EIP 203.0.113.10/32 on lo, HTTP on 203.0.113.10:80, default route via the router.
//
// startRouter() and establishedSessions() are all that knows the router is BIRD: the integration
// tests override the two to run the same lab with FRR (test/integration/demo-harness.ts).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import {
  birdc,
  birdProtocols,
  compareAddresses,
  Lab,
  routerConfig,
  run,
  waitFor,
  type Bird,
  type ExitStatus,
  type LabNode,
  type LabProcess,
} from '../lab/index.js';

export const EIP = '203.0.113.10';
export const HTTP_PORT = 80;
export const ROUTER_ASN = 65001;
export const NODE_ASN = 65000;
export const NODE_COUNT = 3;

export type Shape = 'per-node' | 'central';

/** The built CLI, dist/cli/main.js. */
export const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const HTTP_SERVER = fileURLToPath(new URL('./http-server.js', import.meta.url));

/** `node dist/cli/main.js`, relative to the working directory when that is shorter: for printing. */
export function cliCommand(): string {
  const rel = relative(process.cwd(), CLI_MAIN);
  return `node ${rel.length < CLI_MAIN.length && !rel.startsWith('..') ? rel : CLI_MAIN}`;
}

export interface Daemon {
  readonly node: LabNode;
  readonly configFile: string;
  readonly socket: string;
  /** The current process; restartDaemon() replaces it. */
  process: LabProcess;
}

export interface DemoLabOptions {
  /** Processes in their own process groups, logging to files: the lab can outlive the demo (--keep). */
  readonly detachable?: boolean;
  /** Cuts every wait short (Ctrl-C). */
  readonly signal?: AbortSignal;
  /**
   * Daemons with graceful restart (restart time 30 s unless given; each has a state file anyway);
   * the router runs `graceful restart on`.
   */
  readonly gracefulRestart?: boolean | { readonly restartTime: number };
  /** BFD on every daemon's session and at the router (`bfd on`), milliseconds; default off. */
  readonly bfd?: BfdTimers;
  /** Seconds, both sides of every session; default 6. */
  readonly holdTime?: number;
  /**
   * Daemons with the health check `web` (each node's http://{nextHop}/healthz, every 500 ms, 2 in a
   * row to change): what a down node's paths become.
   */
  readonly healthOnFail?: 'withdraw' | 'demote';
}

/** BFD timers, milliseconds, as the daemon's config and the router's take them. */
export interface BfdTimers {
  readonly minRx: number;
  readonly minTx: number;
  readonly multiplier: number;
}

/** The health check's settings: how long a dead web server keeps its traffic is at most about interval x fall. */
export const HEALTH = { name: 'web', intervalMs: 500, fall: 2, rise: 2 } as const;
/** What a demoted path gets (healthOnFail: demote). */
export const DEMOTE = { med: 1000, community: '65000:666' } as const;

export class DemoLab {
  readonly lab: Lab;
  readonly daemons = new Map<number, Daemon>();
  /** Each node's web server, by node index. */
  readonly servers = new Map<number, LabProcess>();
  #router: Bird | undefined;
  /** Aborted when the router (one of its processes) exits, so no wait goes on for a router that is gone. */
  readonly #routerGone = new AbortController();

  constructor(
    readonly shape: Shape,
    readonly options: DemoLabOptions = {},
  ) {
    this.lab = new Lab({ nodes: NODE_COUNT, prefix: 'demo', client: true, detachable: options.detachable === true });
  }

  get nodes(): readonly LabNode[] {
    return this.lab.nodes;
  }

  get router(): Bird {
    if (this.#router === undefined) throw new Error('the router is not started');
    return this.#router;
  }

  /** The node that runs the central announcer (central shape). */
  get centralNode(): LabNode {
    return this.lab.node(1);
  }

  nodeName(node: LabNode): string {
    return `node${node.index}`;
  }

  /** The names of the router's BGP sessions. */
  get sessionNames(): string[] {
    return this.shape === 'central' ? ['central'] : this.nodes.map((n) => this.nodeName(n));
  }

  /** Creates the namespaces and links. */
  async create(): Promise<void> {
    await this.lab.create();
  }

  /** Every node: the EIP on its loopback, a default route via the router (so replies reach the client). */
  async configureNodes(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        await this.lab.exec(n.ns, 'ip', ['addr', 'add', `${EIP}/32`, 'dev', 'lo']);
        await this.lab.exec(n.ns, 'ip', ['route', 'add', 'default', 'via', this.lab.router.ipv4]);
      }),
    );
  }

  routerConfigText(): string {
    const peers =
      this.shape === 'central'
        ? [
            {
              name: 'central',
              address: this.centralNode.ipv4,
              asn: NODE_ASN,
              comment: 'The central announcer (on node1): one path per node, each with its own ADD-PATH id.',
            },
          ]
        : this.nodes.map((n) => ({
            name: this.nodeName(n),
            address: n.ipv4,
            asn: NODE_ASN,
            comment: `${this.nodeName(n)}: its own announcer, with itself as next hop`,
          }));
    return routerConfig({
      header: `announcer demo router (${this.shape} shape), made by src/demo/lab-setup.ts`,
      routerId: this.lab.router.ipv4,
      asn: ROUTER_ASN,
      families: ['ipv4'],
      holdTime: this.holdTime,
      ...(this.options.bfd === undefined ? {} : { bfd: this.options.bfd }),
      ...(this.options.gracefulRestart ? { gracefulRestart: true } : {}),
      peers,
    });
  }

  /** The hold time of every session, both sides. */
  get holdTime(): number {
    return this.options.holdTime ?? 6;
  }

  /** Starts the router (BIRD 2) and waits until it answers. */
  async startRouter(): Promise<void> {
    const bird = await this.lab.startBird(this.lab.router.ns, this.routerConfigText(), { name: 'router' });
    this.#router = bird;
    this.watchRouter(bird.process, "the router's BIRD");
  }

  /** Cuts every later wait short when this router process exits: for startRouter() and the routers that replace it. */
  protected watchRouter(proc: LabProcess, what: string): void {
    void proc.exited.then((s) => {
      const how = s.signal === null ? `exit code ${s.code}` : `signal ${s.signal}`;
      this.#routerGone.abort(new Error(`${what} exited (${how})`));
    });
  }

  /**
   * An HTTP server on every node, answering with the node's name on EIP:80, and /healthz on the
   * node's own address too (what a health check probes); waits until all listen.
   */
  async startWebServers(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.startWebServer(n)));
  }

  /** Starts (or starts again) one node's web server; waits until it listens. */
  async startWebServer(node: LabNode): Promise<void> {
    const name = this.nodeName(node);
    if (this.servers.get(node.index)?.running) throw new Error(`the web server on ${name} still runs`);
    const proc = this.lab.spawn(
      node.ns,
      process.execPath,
      [HTTP_SERVER, '--name', name, '--address', EIP, '--address', node.ipv4, '--port', String(HTTP_PORT), '--lab', this.lab.id],
      { name: `http-${name}` },
    );
    this.servers.set(node.index, proc);
    await waitFor(() => (proc.running ? proc.output() : Promise.reject(new Error(`exited: ${proc.tail(5)}`))), {
      what: `${proc.name} to listen`,
      until: (out) => out.includes('listening on'),
      timeoutMs: 10_000,
      intervalMs: 50,
      ...this.#signal(),
    });
  }

  /** Stops one node's web server (its announcer goes on running). */
  async stopWebServer(node: LabNode): Promise<ExitStatus> {
    const proc = this.servers.get(node.index);
    if (!proc) throw new Error(`no web server runs on ${this.nodeName(node)}`);
    return proc.stop({ signal: 'SIGTERM', graceMs: 2_000 });
  }

  /** One node's /healthz answers 503 (failing) or 200 again; its pages are served either way. */
  setHealth(node: LabNode, healthy: boolean): void {
    const proc = this.servers.get(node.index);
    if (!proc?.running) throw new Error(`no web server runs on ${this.nodeName(node)}`);
    process.kill(proc.pid, healthy ? 'SIGUSR2' : 'SIGUSR1');
  }

  /** The daemons of this shape: one per node (per-node), or one on node1 with ADD-PATH send (central). */
  async startDaemons(): Promise<Daemon[]> {
    const nodes = this.shape === 'central' ? [this.centralNode] : this.nodes;
    return Promise.all(nodes.map((n) => this.startDaemon(n)));
  }

  /** Writes the node's config (first time) and starts `announcer daemon`; waits until its API answers. */
  async startDaemon(node: LabNode): Promise<Daemon> {
    const name = this.nodeName(node);
    const socket = join(this.lab.dir, `${name}.sock`);
    const configFile = join(this.lab.dir, `${name}.yaml`);
    const config = {
      asn: NODE_ASN,
      routerId: node.ipv4,
      nextHop: 'self',
      api: { socket },
      // In the lab's own directory: a daemon started again (by restartDaemon(), or by hand in a kept
      // lab) announces its paths again by itself, as a real node's would.
      stateFile: join(this.lab.dir, `${name}.state.json`),
      logLevel: 'info',
      ...(this.options.gracefulRestart
        ? { gracefulRestart: { restartTime: this.options.gracefulRestart === true ? 30 : this.options.gracefulRestart.restartTime } }
        : {}),
      ...(this.options.healthOnFail
        ? {
            healthChecks: [
              {
                name: HEALTH.name,
                http: { url: `http://{nextHop}:${HTTP_PORT}/healthz`, timeout: '300ms' },
                interval: `${HEALTH.intervalMs}ms`,
                rise: HEALTH.rise,
                fall: HEALTH.fall,
                ...(this.options.healthOnFail === 'demote' ? { onFail: { demote: { med: DEMOTE.med, communities: [DEMOTE.community] } } } : {}),
              },
            ],
          }
        : {}),
      peers: [
        {
          name: 'router',
          address: this.lab.router.ipv4,
          asn: ROUTER_ASN,
          holdTime: this.holdTime,
          connectRetry: 1,
          families: ['ipv4-unicast'],
          ...(this.options.bfd === undefined ? {} : { bfd: this.options.bfd }),
          ...(this.shape === 'central' ? { addPath: 'send' } : {}),
        },
      ],
    };
    await writeFile(configFile, `# announcer on ${name} (demo, ${this.shape} shape)\n${stringify(config)}`);
    const proc = this.lab.spawn(node.ns, process.execPath, [CLI_MAIN, 'daemon', '--config', configFile], {
      name: `announcer-${name}`,
    });
    const daemon: Daemon = { node, configFile, socket, process: proc };
    this.daemons.set(node.index, daemon);
    const alive = (): void => {
      if (!proc.running) throw new Error(`announcer on ${name} exited (${JSON.stringify(proc.status)}): ${proc.tail(10)}`);
    };
    // The socket file first (cheap to poll), then one CLI call to be sure the API answers.
    await waitFor(
      () => {
        alive();
        return existsSync(socket);
      },
      { what: `${name}'s announcer to create ${socket}`, timeoutMs: 10_000, intervalMs: 50, ...this.#signal() },
    );
    await waitFor(
      async () => {
        alive();
        return (await this.cli(daemon, ['peers', '--json'])).code;
      },
      {
        what: `the API of ${name}'s announcer at ${socket}`,
        until: (code) => code === 0,
        timeoutMs: 10_000,
        ...this.#signal(),
      },
    );
    return daemon;
  }

  daemon(node: LabNode): Daemon {
    const d = this.daemons.get(node.index);
    if (d === undefined) throw new Error(`no announcer runs on ${this.nodeName(node)}`);
    return d;
  }

  /** Waits until the router has every session of this shape Established. */
  async waitForSessions(): Promise<void> {
    const names = this.sessionNames;
    await waitFor(() => this.establishedSessions(), {
      what: `the router's BGP sessions ${names.join(', ')} to be Established`,
      until: (up) => names.every((n) => up.includes(n)),
      timeoutMs: 15_000,
      intervalMs: 100,
      ...this.#signal(),
    });
  }

  /** The names (sessionNames) of the router's sessions that are Established now. */
  protected async establishedSessions(): Promise<string[]> {
    return (await birdProtocols(this.router.socket)).filter((p) => p.info.startsWith('Established')).map((p) => p.name);
  }

  /** Runs the CLI against a daemon's API; resolves with its exit code and output. */
  cli(daemon: Daemon, args: readonly string[]) {
    return run(process.execPath, [CLI_MAIN, '--api', `unix:${daemon.socket}`, ...args], { allowFail: true, timeoutMs: 10_000 });
  }

  /**
   * The CLI arguments that announce the EIP: with each of `nextHops` as a next hop of its own (the
   * central announcer), or none for the config's `nextHop: self`; naming the check `web` when the
   * daemons have it (healthOnFail).
   */
  addEipArgs(nextHops: readonly string[] = []): string[] {
    return [
      'add-eip',
      EIP,
      ...nextHops.flatMap((a) => ['--next-hop', a]),
      ...(this.options.healthOnFail === undefined ? [] : ['--check', HEALTH.name]),
    ];
  }

  /** Like cli(), but a non-zero exit is an error naming the command and what it printed. */
  async announcer(daemon: Daemon, args: readonly string[]): Promise<string> {
    const r = await this.cli(daemon, args);
    if (r.code !== 0) {
      throw new Error(
        `announcer ${args.join(' ')} failed (exit code ${r.code}): ${(r.stderr || r.stdout).trim()}\n` +
          `its daemon's last lines:\n${daemon.process.tail(10)}`,
      );
    }
    return r.stdout;
  }

  /** What the router's BIRD holds for the EIP, one line per path: "via 198.51.100.13 local-pref 0". */
  async birdPaths(): Promise<string[]> {
    const text = await birdc(this.router.socket, `show route ${EIP}/32 all`);
    const out: string[] = [];
    for (const line of text.split('\n')) {
      const via = /^\s+via\s+(\S+)/.exec(line);
      if (via) out.push(`via ${via[1]}`);
      const lp = /^\s+BGP\.local_pref:\s*(\d+)/.exec(line);
      if (lp && out.length > 0) out[out.length - 1] += ` local-pref ${lp[1]}`;
    }
    return out.sort();
  }

  /** `ip route show EIP` in the router's namespace. */
  async routeText(): Promise<string> {
    return (await this.lab.exec(this.lab.router.ns, 'ip', ['route', 'show', EIP])).stdout;
  }

  /** The next hops of the router's kernel route for the EIP (one gateway or a multipath route), sorted. */
  routeNextHops(): Promise<string[]> {
    return this.lab.routeNextHops(this.lab.router.ns, EIP);
  }

  /** Waits until the router's kernel route for the EIP has exactly these next hops. */
  async waitForNextHops(expected: readonly string[]): Promise<string[]> {
    const want = [...expected].sort(compareAddresses).join(', ');
    return waitFor(() => this.routeNextHops(), {
      what: `the router's route for ${EIP} to have the next hops [${want}]`,
      until: (hops) => hops.join(', ') === want,
      timeoutMs: 10_000,
      intervalMs: 50,
      ...this.#signal(),
    });
  }

  /** SIGTERM to a node's announcer (it sends the router a Cease NOTIFICATION and exits). */
  async stopDaemon(node: LabNode): Promise<ExitStatus> {
    return this.daemon(node).process.stop({ signal: 'SIGTERM', graceMs: 5_000 });
  }

  /** Starts a stopped node's announcer again with the same config. */
  async restartDaemon(node: LabNode): Promise<Daemon> {
    const old = this.daemon(node);
    if (old.process.running) throw new Error(`the announcer on ${this.nodeName(node)} still runs`);
    return this.startDaemon(node);
  }

  /** Stops every process and deletes every namespace and file of the lab. */
  destroy(): Promise<void> {
    return this.lab.destroy();
  }

  #signal(): { signal: AbortSignal } {
    const user = this.options.signal;
    return { signal: user === undefined ? this.#routerGone.signal : AbortSignal.any([user, this.#routerGone.signal]) };
  }
}
