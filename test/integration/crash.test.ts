// The state store under SIGKILL: a daemon (no peers, in a namespace of its own) takes a stream of
// AddPath, DeletePath and ReplacePaths calls and is killed at a random moment, again and again.
// After every restart the table must equal the model after every acknowledged call, plus perhaps
// the one call that was under way: each call applied wholly or not at all, none acknowledged lost.
// The replaces are big enough that the journal is compacted into snapshots along the way.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { connectClient, type ApiClient } from '../../src/client.js';
import { createLab, MAIN } from './daemon-harness.js';
import { waitFor, type Lab, type LabProcess } from './lab.js';

let lab: Lab | undefined;
const clients: ApiClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await lab?.destroy();
  lab = undefined;
});

/** The desired table as a user sees it: path -> owners. */
type Model = Map<string, Set<string>>;

type Call =
  | { kind: 'add'; owner: string; prefixes: string[] }
  | { kind: 'delete'; prefix: string }
  | { kind: 'replace'; owner: string; prefixes: string[] };

const NEXT_HOP = '198.51.100.11';
const key = (prefix: string): string => `${prefix} ${NEXT_HOP}`;

function apply(model: Model, call: Call): Model {
  const m: Model = new Map([...model].map(([k, v]) => [k, new Set(v)]));
  if (call.kind === 'add') {
    for (const p of call.prefixes) m.set(key(p), (m.get(key(p)) ?? new Set()).add(call.owner));
  } else if (call.kind === 'delete') {
    m.delete(key(call.prefix));
  } else {
    const keep = new Set(call.prefixes.map(key));
    for (const [k, owners] of m) {
      if (owners.has(call.owner) && !keep.has(k)) {
        owners.delete(call.owner);
        if (owners.size === 0) m.delete(k);
      }
    }
    for (const k of keep) m.set(k, (m.get(k) ?? new Set()).add(call.owner));
  }
  return m;
}

const show = (m: Model): string[] => [...m].map(([k, o]) => `${k} ${[...o].sort().join(',')}`).sort();

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const prefix = (i: number): string => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;

describe('state store under SIGKILL', () => {
  it('after every kill the table is the model after each acknowledged call, plus at most the one under way', async () => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
    const rnd = random(seed);
    const l = (lab = await createLab({ nodes: 1, prefix: 'anncrash' }));
    const node = l.node(1);
    const socket = join(l.dir, 'api.sock');
    const configFile = join(l.dir, 'announcer.yaml');
    await writeFile(configFile, stringify({ asn: 65000, routerId: node.ipv4, nextHop: NEXT_HOP, stateFile: join(l.dir, 'state', 'paths'), api: { socket }, logLevel: 'info', peers: [] }));
    const start = async (): Promise<{ proc: LabProcess; client: ApiClient }> => {
      const proc = l.spawn(node.ns, process.execPath, [MAIN, 'daemon', '--config', configFile], { name: 'announcer' });
      const client = connectClient(`unix:${socket}`, { timeoutMs: 60_000 });
      clients.push(client);
      await waitFor(() => client.listPaths().then(() => true, () => false), { what: `the daemon's API (log: ${proc.tail(5)})`, until: (x) => x, timeoutMs: 20_000 });
      return { proc, client };
    };
    const nextCall = (): Call => {
      const r = rnd();
      const base = Math.floor(rnd() * 30_000);
      if (r < 0.45) return { kind: 'add', owner: rnd() < 0.5 ? 'cli' : 'ops', prefixes: Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_, k) => prefix(base + k)) };
      if (r < 0.7) return { kind: 'delete', prefix: prefix(base) };
      // Thousands of paths: a record of hundreds of kilobytes, so snapshots happen along the way.
      return { kind: 'replace', owner: 'controller', prefixes: Array.from({ length: 2_000 + Math.floor(rnd() * 4_000) }, (_, k) => prefix(base + k)) };
    };

    let model: Model = new Map();
    let calls = 0;
    let inFlightApplied = 0;
    for (let round = 0; round < 8; round++) {
      const d = await start();
      const after = show(model);
      expect(show(await current(d.client)), `seed ${seed}, round ${round}: the table after the restart`).toEqual(after);
      // Calls one after another until the kill; the kill comes at a random moment.
      let killed = false;
      const killAt = 150 + rnd() * 1_500;
      const killer = new Promise<void>((resolve) =>
        setTimeout(() => {
          killed = true;
          void d.proc.stop({ signal: 'SIGKILL' }).then(() => resolve());
        }, killAt),
      );
      let pending: Call | undefined;
      while (!killed) {
        const call = nextCall();
        pending = call;
        const ok = await send(d.client, call).then(
          () => true,
          () => false,
        );
        if (!ok) break;
        model = apply(model, call);
        pending = undefined;
        calls++;
      }
      await killer;
      if (pending) {
        // The call under way when the kill came: applied wholly, or not at all.
        const d2 = await start();
        const table = show(await current(d2.client));
        const withIt = show(apply(model, pending));
        expect([JSON.stringify(show(model)), JSON.stringify(withIt)], `seed ${seed}, round ${round}: a ${pending.kind} cut off`).toContain(JSON.stringify(table));
        if (JSON.stringify(table) === JSON.stringify(withIt) && JSON.stringify(withIt) !== JSON.stringify(show(model))) {
          model = apply(model, pending);
          inFlightApplied++;
        }
        await d2.proc.stop({ signal: 'SIGKILL' });
      }
    }
    // The journal was compacted into snapshots on the way, kills landing around them too.
    const snapshots = l.processes.filter((p) => p.output().includes('state snapshot written')).length;
    expect(snapshots, 'daemon runs that wrote a snapshot').toBeGreaterThan(0);
    console.log(`crash test (seed ${seed}): ${snapshots} of the daemon runs wrote snapshots; 8 kills after ${calls} acknowledged calls; ${inFlightApplied} calls under way were found applied`);
  }, 300_000);
});

async function send(client: ApiClient, call: Call): Promise<void> {
  if (call.kind === 'add') await client.addPaths(call.prefixes.map((p) => ({ prefix: p, nextHop: NEXT_HOP, owner: call.owner })));
  else if (call.kind === 'delete') await client.deletePaths({ prefix: call.prefix }).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
  else await client.replacePaths(call.owner, call.prefixes.map((p) => ({ prefix: p, nextHop: NEXT_HOP })));
}

function isNotFound(e: unknown): boolean {
  return e instanceof Error && /not.?found|no path/i.test(e.message);
}

async function current(client: ApiClient): Promise<Model> {
  const m: Model = new Map();
  for (const p of await client.listPaths()) m.set(key(p.prefix), new Set(p.owners));
  return m;
}
