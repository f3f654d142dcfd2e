// The demo's story, step by step: build the lab, announce the EIP, show the router's ECMP route
// and the traffic spread over three nodes, take one node out, show two next hops and the traffic
// on the two left, then tear down (or, with --keep, leave the lab running and say how to look).
// Every claim it prints is checked; a check that fails throws a DemoError saying what was seen.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { destroyDetached, type LabNode } from '../lab/index.js';
import { barChart } from './chart.js';
import { cliCommand, DemoLab, EIP, HEALTH, HTTP_PORT, NODE_COUNT, type Daemon, type Shape } from './lab-setup.js';
import { DemoError } from './preflight.js';
import type { Progress } from './progress.js';
import { isRunning, readState, removeState, writeState, type KeptLab } from './state.js';
import { sendTraffic, type TrafficResult } from './traffic.js';

export interface DemoOptions {
  readonly shape: Shape;
  /** Leave the lab running at the end and record it in `stateFile`. */
  readonly keep: boolean;
  readonly stateFile: string;
  /** HTTP requests per round; default 300. */
  readonly requests?: number;
  readonly concurrency?: number;
}

/** The node the demo takes out. */
const STOPPED_NODE = 2;
/** The node whose web server dies (its announcer goes on: the health check takes it out). */
const FAILED_NODE = 3;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs the whole demo; resolves when everything happened as shown, and the lab is gone (or kept). */
export async function runDemo(opts: DemoOptions, progress: Progress, signal?: AbortSignal): Promise<void> {
  if (opts.keep) {
    const previous = readState(opts.stateFile);
    if (previous !== undefined && isRunning(previous)) {
      throw new DemoError(
        `a demo lab kept earlier is still running (${previous.lab.namespaces.join(', ')}, see ${opts.stateFile}); ` +
          'tear it down first: npm run demo -- --down',
      );
    }
    if (previous !== undefined) removeState(opts.stateFile); // stale: its lab is gone
  }
  const demo = new DemoLab(opts.shape, { detachable: opts.keep, healthOnFail: 'withdraw', ...(signal === undefined ? {} : { signal }) });
  let kept = false;
  let failure: unknown;
  try {
    intro(demo, progress);
    await setUp(demo, progress);
    await story(demo, opts, progress, signal);
    if (opts.keep) {
      await keep(demo, opts, progress);
      kept = true;
    }
  } catch (e) {
    failure = e;
    // Before the teardown, whose own lines would end every log.
    if (e instanceof Error && !(e instanceof DemoError) && signal?.aborted !== true) {
      failure = new DemoError(`${e.message}${logTails(demo)}`);
    }
  }
  if (!kept && !demo.lab.detached) {
    progress.line();
    const lab = demo.lab;
    const namespaces = lab.namespaces;
    const processes = lab.processes;
    const counts = { processes: processes.filter((p) => p.running).length, namespaces: namespaces.length };
    const teardown = async (): Promise<void> => {
      await demo.destroy();
      // Checked, not assumed: the demo promises to leave nothing behind.
      const leftNs = namespaces.filter((ns) => existsSync(join('/run/netns', ns)));
      const leftProcs = processes.filter((p) => p.running);
      if (leftNs.length > 0 || leftProcs.length > 0) {
        throw new DemoError(
          `left behind: ${[...leftNs.map((ns) => `namespace ${ns}`), ...leftProcs.map((p) => `${p.name} (pid ${p.pid})`)].join(', ')}`,
        );
      }
    };
    try {
      await progress.step('tearing the lab down', teardown, {
        evenIfAborted: true,
        detail: () => `${counts.processes} processes stopped, ${counts.namespaces} namespaces deleted`,
      });
    } catch (e) {
      if (failure === undefined) failure = e;
      else progress.line(`  the teardown failed too: ${message(e)}`);
    }
  }
  if (failure !== undefined) throw failure;
}

/** A step timed out or a command failed: the last lines of BIRD and the announcers say why. */
function logTails(demo: DemoLab): string {
  const procs = demo.lab.processes.filter((p) => p.name.startsWith('announcer') || p.name.startsWith('bird'));
  const where = procs.length > 0 && procs[0]!.logFile !== undefined ? ` (whole logs in ${demo.lab.dir})` : '';
  return `${where}${procs.map((p) => `\n--- last lines of ${p.name}${p.running ? '' : ', which exited'} ---\n${p.tail(6)}`).join('')}`;
}

function intro(demo: DemoLab, progress: Progress): void {
  const central = demo.shape === 'central';
  const role = (n: LabNode): string => (central ? (n.index === 1 ? 'announcer (central) + HTTP' : 'HTTP') : 'announcer + HTTP');
  const [n1, n2, n3] = demo.nodes as [LabNode, LabNode, LabNode];
  progress.line(
    central
      ? `announcer demo, central shape (Porter-style): one announcer, on node1, announces the EIP ${EIP}\n` +
          'once per node over a single BGP session with ADD-PATH (RFC 7911): three paths, each with its own\n' +
          'path id and one node as next hop. The router (BIRD 2, add paths rx) keeps all three and merges\n' +
          "them into one ECMP route, which spreads the client's connections over the nodes."
      : `announcer demo, per-node shape: every node runs \`announcer daemon\`, which announces the EIP\n` +
          `${EIP} to the router with the node itself as next hop. The router (BIRD 2) merges the three\n` +
          "paths into one ECMP route (merge paths on), which spreads the client's connections over the nodes.",
  );
  progress.line();
  progress.block(
    [
      'client              router (BIRD 2, AS 65001)            nodes (AS 65000)',
      `192.0.2.2 --------- 192.0.2.1 | 198.51.100.1 ---+------ node1 ${n1.ipv4}  ${role(n1)}`,
      `                                                +------ node2 ${n2.ipv4}  ${role(n2)}`,
      `                                                +------ node3 ${n3.ipv4}  ${role(n3)}`,
      `                               every node: EIP ${EIP}/32 on lo; HTTP answers with its name`,
    ].join('\n'),
    '  ',
  );
  progress.line();
}

async function setUp(demo: DemoLab, progress: Progress): Promise<void> {
  const lab = demo.lab;
  progress.line('Setting up the lab');
  await progress.step(`creating namespaces ${lab.id}-{r,n1,n2,n3,c} and their links`, () => demo.create());
  progress.line(`              (configs, logs and sockets in ${lab.dir})`);
  await progress.step(`nodes: ${EIP}/32 on lo, default route via ${lab.router.ipv4}`, () => demo.configureNodes());
  const sessions = demo.sessionNames.join(', ');
  await progress.step(
    `starting BIRD 2 on the router (BGP ${sessions}; add paths rx; merge paths on)`,
    () => demo.startRouter(),
  );
  await progress.step(`starting an HTTP server on each node (${EIP}:${HTTP_PORT})`, () => demo.startWebServers());
  const where = demo.shape === 'central' ? 'node1 (ADD-PATH send)' : 'node1, node2, node3';
  await progress.step(`starting announcer daemon on ${where}`, () => demo.startDaemons());
  await progress.step(`waiting for the BGP sessions ${sessions} to be Established`, () => demo.waitForSessions());
  progress.line();
}

async function story(demo: DemoLab, opts: DemoOptions, progress: Progress, signal?: AbortSignal): Promise<void> {
  const nodes = demo.nodes;
  const all = nodes.map((n) => n.ipv4);
  const stopped = demo.lab.node(STOPPED_NODE);
  const left = nodes.filter((n) => n !== stopped);
  const cli = cliCommand();

  // 1. Announce.
  if (demo.shape === 'central') {
    progress.line('1. The central announcer announces the EIP once per node, each path with that node as next hop:');
    const d = demo.daemon(demo.centralNode);
    await command(demo, progress, d, demo.addEipArgs(all), cli);
    progress.line('   Its paths, each with its own ADD-PATH path id:');
    await command(demo, progress, d, ['list'], cli);
  } else {
    progress.line('1. Every node announces the EIP, with itself as next hop (the config says nextHop: self):');
    for (const n of nodes) await command(demo, progress, demo.daemon(n), demo.addEipArgs(), cli);
  }
  await progress.step(`waiting for the router to install ${NODE_COUNT} next hops`, () => demo.waitForNextHops(all));
  progress.line('   The router now has one route with a next hop per node:');
  await showRoute(demo, progress, NODE_COUNT);

  // 2. Traffic over three.
  const requests = opts.requests ?? 300;
  progress.line(`2. The client sends ${requests} HTTP requests to http://${EIP}/, each on a new TCP connection:`);
  const before = await traffic(demo, opts, progress, signal);
  const missing = nodes.filter((n) => (before.counts[demo.nodeName(n)] ?? 0) === 0);
  if (missing.length > 0) {
    throw new DemoError(`${missing.map((n) => demo.nodeName(n)).join(', ')} served no request, though the route has ${NODE_COUNT} next hops`);
  }
  progress.line('   Every node served a share: the router hashes each connection (addresses and ports,');
  progress.line('   fib_multipath_hash_policy=1) onto one of the next hops.');
  progress.line();

  // 3. Take node2 out.
  const name = demo.nodeName(stopped);
  if (demo.shape === 'central') {
    progress.line(`3. Take ${name} out. In the central shape ${name} runs no announcer: its controller takes it out by`);
    progress.line(`   withdrawing ${name}'s path from the central announcer (only that path id is withdrawn):`);
    await command(demo, progress, demo.daemon(demo.centralNode), ['del-eip', EIP, '--next-hop', stopped.ipv4], cli);
  } else {
    progress.line(`3. Take ${name} out: stop its announcer with SIGTERM. It sends the router a Cease NOTIFICATION`);
    progress.line(`   (with an RFC 8203 shutdown message), and the router withdraws ${name}'s path at once.`);
    const status = await progress.step(`stopping ${name}'s announcer (SIGTERM)`, () => demo.stopDaemon(stopped), {
      detail: (s) => (s.code === null ? `killed by ${s.signal}` : `exit code ${s.code}`),
    });
    if (status.code !== 0) {
      throw new DemoError(`${name}'s announcer did not stop cleanly on SIGTERM (${JSON.stringify(status)}): ${demo.daemon(stopped).process.tail(10)}`);
    }
  }
  await progress.step(`waiting for the router to drop to ${left.length} next hops`, () =>
    demo.waitForNextHops(left.map((n) => n.ipv4)),
  );
  progress.line(`   The route shrank to the ${left.length} nodes left:`);
  await showRoute(demo, progress, left.length);

  // 4. Traffic over two.
  progress.line(`4. The client sends ${requests} requests again:`);
  const after = await traffic(demo, opts, progress, signal);
  const served = after.counts[name] ?? 0;
  if (served > 0) throw new DemoError(`${name} still served ${served} requests after its path was withdrawn`);
  const idle = left.filter((n) => (after.counts[demo.nodeName(n)] ?? 0) === 0);
  if (idle.length > 0) throw new DemoError(`${idle.map((n) => demo.nodeName(n)).join(', ')} served no request after ${name} left`);
  progress.line(`   ${name} served none: its share moved to ${left.map((n) => demo.nodeName(n)).join(' and ')}.`);
  progress.line();

  // 5. A web server dies; nobody calls the API.
  const failed = demo.lab.node(FAILED_NODE);
  const failedName = demo.nodeName(failed);
  const last = left.filter((n) => n !== failed);
  const checker = demo.shape === 'central' ? 'the central announcer' : `${failedName}'s announcer`;
  progress.line(`5. ${failedName}'s web server dies; its node and ${demo.shape === 'central' ? 'the central announcer' : 'announcer'} keep running. Every path names the health`);
  progress.line(`   check "${HEALTH.name}" (GET http://{nextHop}/healthz every ${HEALTH.intervalMs} ms): after ${HEALTH.fall} failures in a row`);
  progress.line(`   ${checker} withdraws ${failedName}'s path by itself, with no API call.`);
  await progress.step(`stopping ${failedName}'s web server`, () => demo.stopWebServer(failed));
  await progress.step(`waiting for the router to drop ${failedName}`, () => demo.waitForNextHops(last.map((n) => n.ipv4)));
  progress.line(`   ${checker} says why:`);
  await command(demo, progress, demo.shape === 'central' ? demo.daemon(demo.centralNode) : demo.daemon(failed), ['list'], cli);
  await showRoute(demo, progress, last.length);
  progress.line(`6. The client sends ${requests} requests again:`);
  const dead = await traffic(demo, opts, progress, signal);
  if ((dead.counts[failedName] ?? 0) > 0) throw new DemoError(`${failedName} still served ${dead.counts[failedName]} requests after its web server stopped`);
  progress.line(`   Not one request failed: ${failedName}'s traffic left it by itself.`);
  progress.line();

  // 7. It comes back.
  progress.line(`7. ${failedName}'s web server starts again: after ${HEALTH.rise} passes in a row its path is announced again.`);
  await progress.step(`starting ${failedName}'s web server`, () => demo.startWebServer(failed));
  const serving = [...last, failed];
  await progress.step(`waiting for the router to take ${failedName} back`, () => demo.waitForNextHops(serving.map((n) => n.ipv4)));
  await showRoute(demo, progress, serving.length);

  // 8. Drain before maintenance (per-node: a drain is of a whole announcer, here one node's).
  if (demo.shape !== 'central') await drain(demo, opts, progress, serving, failed, cli, signal);
}

/**
 * Step 8: drain a node before maintenance. Its announcer sends its path again with
 * GRACEFUL_SHUTDOWN; the router's import filter gives it local preference 0, so it leaves the ECMP
 * route while the router still holds it and the node still forwards; then undrain.
 */
async function drain(demo: DemoLab, opts: DemoOptions, progress: Progress, serving: readonly LabNode[], node: LabNode, cli: string, signal?: AbortSignal): Promise<void> {
  const name = demo.nodeName(node);
  const others = serving.filter((n) => n !== node);
  progress.line(`8. Before maintenance on ${name}, drain it: its announcer sends its path again with the GRACEFUL_SHUTDOWN`);
  progress.line('   community 65535:0 (RFC 8326). The router\'s import filter gives such a path local preference 0, so it');
  progress.line(`   leaves the ECMP route while the router still holds it; with --for, it is withdrawn after that time.`);
  await command(demo, progress, demo.daemon(node), ['drain', '--for', '5m'], cli);
  await progress.step(`waiting for the router to forward via ${others.map((n) => demo.nodeName(n)).join(' and ')} only`, () => demo.waitForNextHops(others.map((n) => n.ipv4)));
  progress.line(`   router# birdc show route ${EIP}/32 all   (the paths it holds)`);
  const held = await demo.birdPaths();
  progress.block(held.join('\n'), '     ');
  if (!held.some((l) => l.startsWith(`via ${node.ipv4} local-pref 0`))) throw new DemoError(`the router should still hold ${name}'s path, at local preference 0: ${held.join('; ')}`);
  await showRoute(demo, progress, others.length);
  progress.line(`   The client sends ${opts.requests ?? 300} requests again:`);
  const drained = await traffic(demo, opts, progress, signal);
  if ((drained.counts[name] ?? 0) > 0) throw new DemoError(`${name} still served ${drained.counts[name]} requests while drained`);
  progress.line(`   ${name} served none while still announcing: its traffic moved before anything was withdrawn.`);
  progress.line(`   Maintenance done: undrain, and ${name} is back in the route.`);
  await command(demo, progress, demo.daemon(node), ['undrain'], cli);
  await progress.step(`waiting for the router to take ${name} back`, () => demo.waitForNextHops(serving.map((n) => n.ipv4)));
  await showRoute(demo, progress, serving.length);
}

/** Prints and runs one CLI command, and prints its output. */
async function command(demo: DemoLab, progress: Progress, d: Daemon, args: string[], cli: string): Promise<void> {
  progress.signal?.throwIfAborted();
  progress.line(`   $ ${cli} --api unix:${d.socket} ${args.join(' ')}`);
  const out = await demo.announcer(d, args);
  if (out.trim() !== '') progress.block(out, '     ');
}

async function showRoute(demo: DemoLab, progress: Progress, expected: number): Promise<void> {
  progress.line(`   router# ip route show ${EIP}`);
  const text = await demo.routeText();
  progress.block(text, '     ');
  progress.line();
  const hops = (await demo.routeNextHops()).length;
  if (hops !== expected) throw new DemoError(`expected ${expected} next hops in the router's route, got ${hops}:\n${text}`);
}

async function traffic(demo: DemoLab, opts: DemoOptions, progress: Progress, signal?: AbortSignal): Promise<TrafficResult> {
  const requests = opts.requests ?? 300;
  const result = await progress.step(
    `sending ${requests} requests from the client (${demo.lab.client?.ipv4})`,
    () =>
      sendTraffic(demo.lab, {
        url: `http://${EIP}:${HTTP_PORT}/`,
        requests,
        concurrency: opts.concurrency ?? 20,
        ...(signal === undefined ? {} : { signal }),
      }),
    { detail: (r) => `${requests - r.errors} answers, ${r.errors} errors` },
  );
  const names = demo.nodes.map((n) => demo.nodeName(n));
  progress.line();
  for (const line of barChart(names.map((label) => ({ label, value: result.counts[label] ?? 0 })), { indent: '     ' })) {
    progress.line(line);
  }
  progress.line();
  if (result.errors > 0) throw new DemoError(`${result.errors} of ${requests} requests failed (first: ${result.firstError})`);
  const strangers = Object.keys(result.counts).filter((k) => !names.includes(k));
  if (strangers.length > 0) throw new DemoError(`unexpected answers: ${strangers.map((s) => JSON.stringify(s)).join(', ')}`);
  return result;
}

/** --keep: bring the stopped node back, record the lab in the state file, and say how to look around. */
async function keep(demo: DemoLab, opts: DemoOptions, progress: Progress): Promise<void> {
  const stopped = demo.lab.node(STOPPED_NODE);
  const name = demo.nodeName(stopped);
  progress.line();
  progress.line(`Keeping the lab (--keep): first ${name} comes back, so the lab is left whole.`);
  if (demo.shape === 'central') {
    await progress.step(`announcing ${name}'s path again`, () =>
      demo.announcer(demo.daemon(demo.centralNode), demo.addEipArgs([stopped.ipv4])),
    );
  } else {
    await progress.step(`starting ${name}'s announcer again`, () => demo.restartDaemon(stopped));
    await progress.step(`waiting for its BGP session`, () => demo.waitForSessions());
    await progress.step(`announcing the EIP from ${name} again`, () => demo.announcer(demo.daemon(stopped), demo.addEipArgs()));
  }
  await progress.step(`waiting for the router to have ${NODE_COUNT} next hops again`, () =>
    demo.waitForNextHops(demo.nodes.map((n) => n.ipv4)),
  );
  const lab = demo.lab;
  const state: KeptLab = { version: 1, shape: demo.shape, createdAt: new Date().toISOString(), lab: lab.detach() };
  try {
    writeState(opts.stateFile, state);
  } catch (e) {
    // Without a state file `--down` could not find it: remove the lab now.
    await destroyDetached(state.lab);
    throw new DemoError(`cannot record the kept lab in ${opts.stateFile}: ${message(e)}; the lab is torn down`);
  }
  const cli = cliCommand();
  const client = lab.client!;
  const d = demo.daemon(demo.shape === 'central' ? demo.centralNode : demo.lab.node(1));
  progress.line();
  progress.line(`The lab ${lab.id} is still running (recorded in ${opts.stateFile}). Look around:`);
  progress.block(
    [
      `birdc -s ${demo.router.socket} show protocols`,
      `birdc -s ${demo.router.socket} show route all`,
      `ip netns exec ${lab.router.ns} ip route show ${EIP}`,
      `${cli} --api unix:${d.socket} peers`,
      `${cli} --api unix:${d.socket} list`,
      `ip netns exec ${client.ns} ${process.execPath} -e "fetch('http://${EIP}/').then(r => r.text()).then(console.log)"`,
      `ip netns exec ${lab.node(1).ns} ss -tn          # node1's BGP session and connections`,
      `ls ${lab.dir}          # configs and logs`,
    ].join('\n'),
  );
  progress.line('Tear it down (every process and namespace):');
  progress.block('npm run demo -- --down');
}
