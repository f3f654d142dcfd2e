// Benchmark: API latency for a 100,000-path table (or another size) over the unix socket, against a real speaker
// with no peers (what a controller's calls cost, without BGP). Only prints; asserts nothing.
//
//   npm run bench:api            (100,000 paths)
//   npm run bench:api -- 1000000 (whole tables go through the streamed ReplacePaths)
//   npm run bench:api -- 1000000 --state [--churn-seconds 600] [--no-store]
//       with a state file: ReplacePaths of the table to disk, AddPath of one path (p50/p99) with the
//       table stored, start-up (load + restore), and disk use under 1,000 changes a second;
//       --no-store: the ReplacePaths and AddPath timings without a state file, for comparison
//       --python-client: the AddPath calls from gRPC's C core (a lean client, as a Go or C++ controller
//       has) instead of our Node client; needs Debian's python3-grpcio (apt-get install python3-grpcio)
//   npm run bench:api -- 1000000 --loop-delay [--no-store]
//       how long the daemon's event loop is held (what BFD and keepalives would wait): the longest
//       block (perf_hooks.monitorEventLoopDelay, 1 ms resolution) during a ReplacePaths of the table
//       from one client while a second client calls AddPath one path at a time (its latencies during
//       the replace), during the snapshot the big record starts, during a ListPaths of the table, and
//       during start-up (load, restore); with a state file unless --no-store

import { execFile, fork } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startApiServer } from '../../src/api/server.js';
import { connectClient } from '../../src/client.js';
import { silentLogger } from '../../src/log.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { StateStore } from '../../src/store/state-store.js';

const args = process.argv.slice(2);
if (args[0] === '--addpath-client') {
  // The controller's side of the AddPath timing, in a process of its own (as a controller is).
  await addPathClient(args[1]!, Number(args[2]));
  process.exit(0);
}
if (args[0] === '--loop-client') {
  // A client of the --loop-delay run, in a process of its own so its work is not the daemon's.
  await loopClient(args[1]!, args[2]!, Number(args[3]));
  process.exit(0);
}
const COUNT = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const dir = await mkdtemp(join(tmpdir(), 'ann-bench-api-'));
if (args.includes('--loop-delay')) {
  await loopDelayBench(!args.includes('--no-store'));
  await rm(dir, { recursive: true, force: true });
  process.exit(0);
}
if (args.includes('--state')) {
  const at = args.indexOf('--churn-seconds');
  await stateBench(at >= 0 ? Number(args[at + 1]) : 60, !args.includes('--no-store'), args.includes('--python-client'));
  await rm(dir, { recursive: true, force: true });
  process.exit(0);
}
const speaker = new Speaker({ asn: 65000, routerId: '192.0.2.1', nextHop: '198.51.100.11', peers: [] }, silentLogger);
await speaker.start();
const api = await startApiServer(speaker, { socket: join(dir, 'api.sock') });
const client = connectClient(api.address, { timeoutMs: 120_000 });
const table = Array.from({ length: COUNT }, (_, i) => ({ prefix: `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32` }));
const time = async (f: () => Promise<unknown>) => {
  const t = performance.now();
  await f();
  return performance.now() - t;
};
console.log(`API latency, ${COUNT} paths, unix socket, node ${process.version}`);
const mib = () => (process.memoryUsage().rss / 1048576).toFixed(0);
for (let round = 1; round <= 3; round++) {
  await speaker.replacePaths('bench', []);
  await speaker.deletePaths({ prefix: '203.0.113.10' }).catch(() => {});
  // AddPath is one message (8 MiB cap): whole tables go through ReplacePaths.
  const direct = COUNT <= 100_000 ? await time(() => speaker.addPaths(table)) : NaN;
  const add = COUNT <= 100_000 ? await time(() => client.addPaths(table)) : NaN;
  const replace = await time(() => client.replacePaths('bench', table));
  const again = await time(() => client.replacePaths('bench', table));
  const list = await time(() => client.listPaths());
  const one = await time(() => client.addPaths([{ prefix: '203.0.113.10' }]));
  const peers = await time(() => client.listPeers());
  console.log(
    `round ${round}: speaker.addPaths ${direct.toFixed(0)} ms | AddPath ${add.toFixed(0)} ms | ReplacePaths ${replace.toFixed(0)} ms | ` +
      `same again ${again.toFixed(0)} ms | ListPaths ${list.toFixed(0)} ms | AddPath(1) ${one.toFixed(1)} ms | ListPeers ${peers.toFixed(1)} ms | RSS ${mib()} MiB`,
  );
}
client.close();
await api.close();
await speaker.stop();
await rm(dir, { recursive: true, force: true });

/** AddPath of one new path at a time, `count` times; sends the sorted latencies to the parent. */
async function addPathClient(address: string, count: number): Promise<void> {
  const client = connectClient(address, { timeoutMs: 60_000 });
  await client.listPeers(); // connected before timing
  const lat: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await client.addPaths([{ prefix: `203.0.${112 + (i >> 8)}.${i & 255}`, owner: 'bench-one' }]);
    lat.push(performance.now() - t0);
  }
  client.close();
  lat.sort((a, b) => a - b);
  await new Promise<void>((resolve) => process.send!(lat, () => resolve()));
}

/** The Node client (src/client.ts) in a process of its own; resolves with the sorted latencies. */
function nodeClient(address: string, calls: number): Promise<number[]> {
  return new Promise<number[]>((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--addpath-client', address, String(calls)]);
    child.once('message', (m) => resolve(m as number[]));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`AddPath client exited ${code}`))));
  });
}

/** The same calls from gRPC's C core (test/bench/addpath-client.py); resolves with the sorted latencies. */
function pythonClient(address: string, calls: number): Promise<number[]> {
  return new Promise<number[]>((resolve, reject) => {
    const script = fileURLToPath(new URL('./addpath-client.py', import.meta.url));
    execFile('/usr/bin/python3', [script, address, String(calls)], (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}${/No module named 'grpc'/.test(stderr) ? ' (apt-get install python3-grpcio)' : ''}`));
      else resolve(JSON.parse(stdout) as number[]);
    });
  });
}

/** The state store at table scale: what a call costs with COUNT paths stored, start-up, disk use under churn. */
async function stateBench(churnSeconds: number, withStore: boolean, python: boolean): Promise<void> {
  const CALLS = 3000;
  const file = join(dir, 'state', 'paths');
  const prefixOf = (i: number) => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;
  const opts = { asn: 65000, routerId: '192.0.2.1', nextHop: '198.51.100.11', peers: [] };
  const store = new StateStore(file, silentLogger);
  await store.load();
  // --no-store: the same calls without a state file, to see what the file itself costs.
  const speaker = new Speaker(opts, silentLogger, undefined, withStore ? store : null);
  await speaker.start();
  const api = await startApiServer(speaker, { socket: join(dir, 'api.sock') });
  const client = connectClient(api.address, { timeoutMs: 600_000 });
  const table = Array.from({ length: COUNT }, (_, i) => ({ prefix: prefixOf(i) }));
  console.log(`State store, ${COUNT} paths, node ${process.version}`);
  let t = performance.now();
  await client.replacePaths('bench', table);
  console.log(`ReplacePaths of ${COUNT} paths, on disk when it returns: ${(performance.now() - t).toFixed(0)} ms`);
  // The client's copy of the table lives in this process too; a controller's would not.
  table.length = 0;
  await store.flush(); // the snapshot the big record triggers
  // The daemon's side of each call too: the speaker's addPaths, the journal write included.
  const inside: number[] = [];
  const addPaths = speaker.addPaths.bind(speaker);
  speaker.addPaths = async (paths) => {
    const t0 = performance.now();
    const r = await addPaths(paths);
    inside.push(performance.now() - t0);
    return r;
  };
  const lat = python ? await pythonClient(api.address, CALLS) : await nodeClient(api.address, CALLS);
  speaker.addPaths = addPaths;
  inside.sort((a, b) => a - b);
  const q = (f: number, l = lat) => l[Math.min(l.length - 1, Math.floor(f * l.length))]!.toFixed(2);
  console.log(
    `AddPath of one path with ${COUNT} stored (${CALLS.toLocaleString('en')} calls, one at a time, new paths, ` +
      `from another process with ${python ? "gRPC's C core (python3-grpcio)" : 'our Node client (grpc-js)'}): ` +
      `p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms; ` +
      `in the daemon (validation, RIB, journal on disk): p50 ${q(0.5, inside)} ms, p99 ${q(0.99, inside)} ms, max ${q(1, inside)} ms`,
  );
  const size = async () => {
    let n = 0;
    // A snapshot's temporary file may be renamed between the listing and its stat.
    for (const f of await readdir(join(dir, 'state'))) n += (await stat(join(dir, 'state', f)).catch(() => ({ size: 0 }))).size;
    return n;
  };
  if (!withStore) {
    client.close();
    await api.close();
    await speaker.stop();
    await store.close();
    return;
  }
  // Churn: 1,000 changes a second (add or delete one path of a 10,000-prefix range), for a while.
  const compacted = (await stat(file).catch(() => ({ size: 0 }))).size;
  let maxDisk = await size();
  const end = performance.now() + churnSeconds * 1000;
  let changes = 0;
  const churnLat: number[] = [];
  while (performance.now() < end) {
    const tick = performance.now();
    const batch: Promise<unknown>[] = [];
    for (let k = 0; k < 100; k++, changes++) {
      const p = prefixOf(COUNT + (changes % 10_000));
      const t0 = performance.now();
      const call = changes % 20_000 < 10_000 ? client.addPaths([{ prefix: p }]) : client.deletePaths({ prefix: p }).catch(() => {});
      batch.push(call.then(() => churnLat.push(performance.now() - t0)));
    }
    await Promise.all(batch);
    maxDisk = Math.max(maxDisk, await size());
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - tick))));
  }
  churnLat.sort((a, b) => a - b);
  const cq = (f: number) => churnLat[Math.min(churnLat.length - 1, Math.floor(f * churnLat.length))]!.toFixed(2);
  await store.flush();
  const finalSnapshot = (await stat(file)).size;
  console.log(
    `churn: ${changes} changes in ${churnSeconds} s (100 concurrent calls every 100 ms): p50 ${cq(0.5)} ms, p99 ${cq(0.99)} ms; ` +
      `disk at most ${(maxDisk / 1048576).toFixed(1)} MiB, ${(maxDisk / Math.max(compacted, finalSnapshot)).toFixed(2)}x the compacted snapshot ` +
      `(${(Math.max(compacted, finalSnapshot) / 1048576).toFixed(1)} MiB); ${store.snapshots} snapshots, ${store.writes} journal writes`,
  );
  client.close();
  await api.close();
  await speaker.stop();
  await store.close();
  // Start-up: what the daemon does before it serves: load the files, restore the table.
  t = performance.now();
  const again = new StateStore(file, silentLogger);
  const state = await again.load();
  const loaded = performance.now() - t;
  const fresh = new Speaker(opts, silentLogger, undefined, again);
  const n = await fresh.restore(state);
  console.log(`start-up with ${state.entries} stored entries: load ${loaded.toFixed(0)} ms + restore ${(performance.now() - t - loaded).toFixed(0)} ms = ${(performance.now() - t).toFixed(0)} ms (${n} restored)`);
  await again.close();
}

/**
 * One client of the --loop-delay run. `replace`: builds the table, says 'ready', and on 'go' sends
 * it as one ReplacePaths, then sends its time. `addpath`: says 'ready', then AddPath of one new path
 * at a time until 'stop', then sends [sent at, latency] of each call. `list`: on 'go' lists every
 * path, then sends its time and the count.
 */
async function loopClient(role: string, address: string, count: number): Promise<void> {
  const client = connectClient(address, { timeoutMs: 600_000 });
  await client.listPeers(); // connected before timing
  const message = () => new Promise<unknown>((resolve) => process.once('message', resolve));
  const send = (m: unknown) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  if (role === 'replace') {
    const table = Array.from({ length: count }, (_, i) => ({ prefix: `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32` }));
    await send('ready');
    await message();
    const t0 = performance.now();
    await client.replacePaths('bench', table);
    await send({ ms: performance.now() - t0, end: performance.timeOrigin + performance.now() });
  } else if (role === 'addpath') {
    let stop = false;
    void message().then(() => (stop = true));
    await send('ready');
    const calls: [number, number][] = [];
    for (let i = 0; !stop; i++) {
      const t0 = performance.now();
      await client.addPaths([{ prefix: `203.0.${112 + ((i >> 8) & 15)}.${i & 255}`, owner: 'bench-one' }]);
      calls.push([t0 + performance.timeOrigin, performance.now() - t0]);
    }
    await send(calls);
  } else {
    await send('ready');
    await message();
    const t0 = performance.now();
    const n = (await client.listPaths()).length;
    await send({ ms: performance.now() - t0, n });
  }
  client.close();
}

/** Starts a --loop-delay client; resolves once it is ready, with a way to talk to it. */
async function startLoopClient(role: string, address: string): Promise<{ tell: (m: string) => void; answer: () => Promise<unknown> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--loop-client', role, address, String(COUNT)]);
  const answers: unknown[] = [];
  const waiting: ((m: unknown) => void)[] = [];
  child.on('message', (m) => (waiting.length ? waiting.shift()!(m) : answers.push(m)));
  child.once('exit', (code) => {
    if (code !== 0) throw new Error(`${role} client exited ${code}`);
  });
  const answer = () => (answers.length ? Promise.resolve(answers.shift()) : new Promise<unknown>((resolve) => waiting.push(resolve)));
  await answer(); // 'ready'
  return { tell: (m) => child.send(m), answer };
}

/** The event loop's longest block and 99th percentile while `f` runs, in ms. */
async function loopDelay<T>(f: () => Promise<T>): Promise<{ value: T; max: number; p99: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  // Its first interval is never recorded: let it start before f() may block.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const value = await f();
  // A turn with a timer after it: a block that ended just now is recorded too (sync work in f()).
  await new Promise((resolve) => setTimeout(resolve, 5));
  h.disable();
  // The histogram holds the timer's lateness (ns), which is the block it waited behind.
  return { value, max: h.max / 1e6, p99: h.percentile(99) / 1e6 };
}

/** How long the event loop is held by the big operations at COUNT paths (see the top of the file). */
async function loopDelayBench(withStore: boolean): Promise<void> {
  const file = join(dir, 'state', 'paths');
  const opts = { asn: 65000, routerId: '192.0.2.1', nextHop: '198.51.100.11', peers: [] };
  const store = withStore ? new StateStore(file, silentLogger) : null;
  await store?.load();
  const speaker = new Speaker(opts, silentLogger, undefined, store);
  await speaker.start();
  const api = await startApiServer(speaker, { socket: join(dir, 'api.sock') });
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(`Event loop blocks, ${COUNT} paths, ${withStore ? 'with' : 'without'} a state file, node ${process.version}`);

  const replacer = await startLoopClient('replace', api.address);
  const adder = await startLoopClient('addpath', api.address);
  const replace = await loopDelay(async () => {
    replacer.tell('go');
    return (await replacer.answer()) as { ms: number; end: number };
  });
  adder.tell('stop');
  const calls = (await adder.answer()) as [number, number][];
  const lat = calls.map((c) => c[1]).sort((a, b) => a - b);
  const q = (f: number) => lat[Math.min(lat.length - 1, Math.floor(f * lat.length))] ?? NaN;
  // When the slowest call was made, against the replace's answer (a call made just after the replace's
  // journal record waits for that record's write: records are written in order).
  const slowest = calls.reduce((a, b) => (b[1] > a[1] ? b : a), [NaN, 0]);
  const at = slowest[0] - replace.value.end;
  console.log(
    `ReplacePaths of ${COUNT} paths (${ms(replace.value.ms)}): longest block ${ms(replace.max)}, p99 ${ms(replace.p99)}; ` +
      `AddPath from a second client meanwhile (${lat.length} calls, one at a time): p50 ${ms(q(0.5))}, p99 ${ms(q(0.99))}, max ${ms(q(1))} ` +
      `(made ${ms(Math.abs(at))} ${at < 0 ? 'before' : 'after'} the replace was answered)`,
  );
  if (store) {
    const snapshot = await loopDelay(async () => {
      const t0 = performance.now();
      await store.flush(); // the snapshot the big record starts
      return performance.now() - t0;
    });
    console.log(`snapshot after it (${store.snapshots} written, ${ms(snapshot.value)} more): longest block ${ms(snapshot.max)}, p99 ${ms(snapshot.p99)}`);
  }
  const lister = await startLoopClient('list', api.address);
  const list = await loopDelay(async () => {
    lister.tell('go');
    return (await lister.answer()) as { ms: number; n: number };
  });
  console.log(`ListPaths of ${list.value.n} paths (${ms(list.value.ms)}): longest block ${ms(list.max)}, p99 ${ms(list.p99)}`);
  await api.close();
  await speaker.stop();
  if (!store) return;
  await store.close();
  const again = new StateStore(file, silentLogger);
  const load = await loopDelay(async () => {
    const t0 = performance.now();
    const state = await again.load();
    return { state, ms: performance.now() - t0 };
  });
  const fresh = new Speaker(opts, silentLogger, undefined, again);
  const restore = await loopDelay(async () => {
    const t0 = performance.now();
    const n = await fresh.restore(load.value.state);
    return { n, ms: performance.now() - t0 };
  });
  console.log(
    `start-up: load ${ms(load.value.ms)} (longest block ${ms(load.max)}), restore of ${restore.value.n} paths ${ms(restore.value.ms)} (longest block ${ms(restore.max)})`,
  );
  await again.close();
}
