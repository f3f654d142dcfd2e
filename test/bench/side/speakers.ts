// The three speakers of test/bench/side.ts. Each starts in the lab's node namespace, passive (BIRD
// connects once it starts), and is handed the whole table BEFORE BIRD runs, so the measured part is
// only "session up -> BIRD holds everything". Every one announces the same N /32s, one path each,
// next hop the node's address, AS_PATH [65000], no ADD-PATH.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor, type Lab, type LabNode, type LabProcess } from '../../../src/lab/index.js';
import { writeMrtTableDump } from './mrt.js';
import { prefixes } from './prefixes.js';

export const SPEAKER_ASN = 65000;
export const ROUTER_ASN = 65001;

const MAIN = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));
const RAW_SENDER = fileURLToPath(new URL('./raw-sender.ts', import.meta.url));
/** tsx's loader, so the raw sender is one node process (the `tsx` command would add a wrapper process). */
const TSX_LOADER = import.meta.resolve('tsx');

export interface SpeakerContext {
  readonly lab: Lab;
  readonly node: LabNode;
  /** The router's address: the speaker's one neighbor. */
  readonly router: string;
  readonly n: number;
  /** An empty directory of this run's own, for configs and files. */
  readonly dir: string;
  /** For everything that scales with N (ingest, waiting for BIRD). */
  readonly timeoutMs: number;
}

export interface RunningSpeaker {
  /** The speaker's own process (its pid is the one whose RSS counts). */
  readonly process: LabProcess;
  /** Loading the table: raw = encoding it; gobgpd = `gobgp mrt inject`; announcer = `announcer replace`. */
  readonly ingestMs: number;
  /** announcer only: the same replace once more (nothing changes). */
  readonly reReplaceMs?: number;
}

export interface Speaker {
  readonly name: string;
  start(ctx: SpeakerContext): Promise<RunningSpeaker>;
}

/** Aborts when the process exits, so a wait on it fails at once with its output. */
function exitSignal(proc: LabProcess): AbortSignal {
  const died = new AbortController();
  void proc.exited.then((s) =>
    died.abort(new Error(`${proc.name} exited (code ${s.code}, signal ${s.signal}):\n${proc.tail()}`)),
  );
  return died.signal;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export const rawSender: Speaker = {
  name: 'raw socket',
  async start({ lab, node, n, timeoutMs }) {
    const proc = lab.spawn(
      node.ns,
      process.execPath,
      ['--import', TSX_LOADER, RAW_SENDER, '--listen', node.ipv4, '--asn', String(SPEAKER_ASN), '--count', String(n)],
      { name: 'raw-sender' },
    );
    const ready = await waitFor(() => /^ready (\d+)/m.exec(proc.output()), {
      what: 'the raw sender to encode the table and listen',
      timeoutMs,
      intervalMs: 20,
      signal: exitSignal(proc),
    });
    return { process: proc, ingestMs: Number(ready?.[1]) };
  },
};

const GOBGP_API = ['-u', '127.0.0.1', '-p', '50051'];

export const gobgpd: Speaker = {
  name: 'gobgpd',
  async start({ lab, node, router, n, dir, timeoutMs }) {
    const config = join(dir, 'gobgpd.toml');
    writeFileSync(
      config,
      `[global.config]
  as = ${SPEAKER_ASN}
  router-id = "${node.ipv4}"
  local-address-list = ["${node.ipv4}"]

[[neighbors]]
  [neighbors.config]
    neighbor-address = "${router}"
    peer-as = ${ROUTER_ASN}
  [neighbors.timers.config]
    hold-time = 90
    keepalive-interval = 30
    connect-retry = 1
  [neighbors.transport.config]
    passive-mode = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
`,
    );
    // The gRPC API on the namespace's own loopback; pprof off (it would listen on :6060).
    const proc = lab.spawn(
      node.ns,
      'gobgpd',
      ['-f', config, '-t', 'toml', '--api-hosts', '127.0.0.1:50051', '--pprof-disable', '-l', 'warn'],
      { name: 'gobgpd' },
    );
    const died = exitSignal(proc);
    const gobgp = (args: readonly string[]): Promise<string> =>
      lab.exec(node.ns, 'gobgp', [...GOBGP_API, ...args], { timeoutMs }).then((r) => r.stdout);
    await waitFor(() => gobgp(['global']).then(() => true), { what: "gobgpd's API", timeoutMs: 15_000, signal: died });

    const mrt = join(dir, 'table.mrt');
    writeMrtTableDump(mrt, n, node.ipv4, node.ipv4);
    // Ingested = the inject command returned (it streams every path and waits for the server's
    // answer) and the global RIB counts all N.
    const ingestMs = await timed(async () => {
      await gobgp(['mrt', 'inject', 'global', mrt]);
      await waitFor(() => gobgp(['global', 'rib', 'summary', '-a', 'ipv4']), {
        what: `${n} destinations in gobgpd's global RIB`,
        timeoutMs,
        intervalMs: 20,
        until: (text) => Number(/Destination:\s*(\d+)/.exec(text)?.[1] ?? 0) >= n,
        signal: died,
      });
    });
    return { process: proc, ingestMs };
  },
};

export const announcer: Speaker = {
  name: 'announcer',
  async start({ lab, node, router, n, dir, timeoutMs }) {
    const socket = join(dir, 'announcer.sock');
    const config = join(dir, 'announcer.yaml');
    // JSON is YAML.
    writeFileSync(
      config,
      JSON.stringify({
        asn: SPEAKER_ASN,
        routerId: node.ipv4,
        nextHop: node.ipv4,
        listen: { address: node.ipv4, port: 179 },
        api: { socket },
        logLevel: 'warn',
        peers: [
          { address: router, asn: ROUTER_ASN, passive: true, holdTime: 90, families: ['ipv4-unicast'], addPath: 'off' },
        ],
      }),
    );
    const proc = lab.spawn(node.ns, process.execPath, [MAIN, 'daemon', '--config', config], { name: 'announcer' });
    const died = exitSignal(proc);
    // The CLI runs inside the namespace too, though it only needs the unix socket.
    const cli = (args: readonly string[]): Promise<unknown> =>
      lab.exec(node.ns, process.execPath, [MAIN, '--api', `unix:${socket}`, ...args], { timeoutMs });
    await waitFor(() => cli(['peers']).then(() => true), { what: "announcer's API", timeoutMs: 15_000, signal: died });

    const paths = join(dir, 'paths.json');
    writeFileSync(paths, JSON.stringify(prefixes(n).map((prefix) => ({ prefix, nextHop: node.ipv4 }))));
    const replace = (): Promise<unknown> => cli(['replace', '--owner', 'bench', '--file', paths]);
    // Wall time of the whole command, as an operator sees it: node start, file parse, the API call.
    const ingestMs = await timed(replace);
    const reReplaceMs = await timed(replace);
    return { process: proc, ingestMs, reReplaceMs };
  },
};

export const SPEAKERS: readonly Speaker[] = [rawSender, gobgpd, announcer];
