// The desired paths survive the daemon: SIGKILL in the middle of a large ReplacePaths leaves the
// state file whole (the old set or the new one), and a restart announces it again to BIRD.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { execFileSync } from 'node:child_process';
import { ApiError, connectClient, PathSet, type ApiClient, type SpeakerEvent } from '../../src/client.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { StateStore, type StoredPath } from '../../src/store/state-store.js';
import { createLab, MAIN } from './daemon-harness.js';
import { birdc, routerConfig, sleep, waitFor, type Bird, type Lab, type LabProcess } from './lab.js';

let lab: Lab | undefined;
const clients: ApiClient[] = [];
const mounts: string[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  // The daemon first (lab.destroy), then the disk it wrote to, then the lab's folder: destroy
  // cannot remove a folder with a disk mounted in it, and left it behind.
  const dir = lab?.dir;
  await lab?.destroy().catch(() => undefined);
  for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  lab = undefined;
});

/** `n` /32s of 198.18.0.0/15 starting at offset `from`. */
function table(from: number, n: number): { prefix: string }[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { prefix: `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32` };
  });
}

/** What the state files hold (snapshot and journal), read as the daemon reads them at start. */
async function storedPaths(file: string): Promise<StoredPath[]> {
  const store = new StateStore(file, silentLogger);
  const paths = (await store.load()).paths();
  await store.close();
  return paths;
}

async function bgpRoutes(bird: Bird): Promise<number> {
  const m = /(\d+) of (\d+) routes/.exec(await birdc(bird.socket, 'show route count table master4 protocol node1'));
  return m ? Number(m[1]) : 0;
}

async function setup() {
  const l = (lab = await createLab({ nodes: 1, prefix: 'annp' }));
  const node = l.node(1);
  const stateFile = join(l.dir, 'state', 'announcer.json');
  const socket = join(l.dir, 'api.sock');
  const configFile = join(l.dir, 'announcer.yaml');
  await writeFile(
    configFile,
    stringify({
      asn: 65000,
      routerId: node.ipv4,
      nextHop: 'self',
      stateFile,
      api: { socket },
      logLevel: 'info',
      peers: [{ address: l.router.ipv4, asn: 65001, holdTime: 6, connectRetry: 1, families: ['ipv4-unicast'] }],
    }),
  );
  const bird = await l.startBird(
    l.router.ns,
    routerConfig({ routerId: l.router.ipv4, asn: 65001, peers: [{ name: 'node1', address: node.ipv4, asn: 65000 }], families: ['ipv4'] }),
    { name: 'router' },
  );
  const start = async (): Promise<{ proc: LabProcess; client: ApiClient }> => {
    const proc = l.spawn(node.ns, process.execPath, [MAIN, 'daemon', '--config', configFile], { name: 'announcer' });
    const client = connectClient(`unix:${socket}`, { timeoutMs: 60_000 });
    clients.push(client);
    await waitFor(() => client.listPeers().then((p) => p[0]?.state ?? 'none', () => 'no API'), {
      what: `the daemon Established (log: ${proc.tail(5)})`,
      until: (s) => s === 'Established',
      timeoutMs: 20_000,
    });
    return { proc, client };
  };
  return { l, bird, stateFile, start };
}

describe('ReplacePaths against BIRD', () => {
  it('each change costs exactly its UPDATEs; an unchanged set costs none', async () => {
    const { bird, start } = await setup();
    const d = await start();
    const updates = async () => (await d.client.listPeers())[0]!.updatesSent;
    const routes = async () => (await birdc(bird.socket, 'show route protocol node1')).match(/198\.18\.\d+\.\d+\/32/g)?.sort() ?? [];
    const rows = [
      { change: 'first set', set: [0, 1, 2], updates: 1, bird: ['198.18.0.0/32', '198.18.0.1/32', '198.18.0.2/32'] },
      { change: 'same set', set: [2, 0, 1], updates: 0, bird: ['198.18.0.0/32', '198.18.0.1/32', '198.18.0.2/32'] },
      // One withdrawal UPDATE and one announcement UPDATE; the two untouched paths send nothing.
      { change: 'one swapped', set: [0, 1, 3], updates: 2, bird: ['198.18.0.0/32', '198.18.0.1/32', '198.18.0.3/32'] },
      { change: 'empty set', set: [], updates: 1, bird: [] },
    ];
    for (const [i, row] of rows.entries()) {
      const before = await updates();
      await d.client.replacePaths('controller', row.set.map((k) => table(k, 1)[0]!));
      await waitFor(routes, { what: `BIRD after "${row.change}"`, until: (r) => JSON.stringify(r) === JSON.stringify(row.bird), timeoutMs: 10_000 });
      // A marker path of another owner after it: its UPDATE leaves after anything the change still
      // had to send, so once BIRD has the marker, the count is final (one UPDATE for the marker).
      const marker = `203.0.113.${i + 1}/32`;
      await d.client.addPaths([{ prefix: marker, owner: 'marker' }]);
      await waitFor(() => birdc(bird.socket, `show route ${marker}`), { what: `the marker ${marker} in BIRD`, until: (t) => t.includes(marker), timeoutMs: 10_000 });
      expect(await updates(), row.change).toBe(before + row.updates + 1);
    }
  });
});

describe('persistence', () => {
  it('SIGKILL in the middle of a 10,000-path ReplacePaths leaves the old or the new set, and the router converges to it', async () => {
    const { bird, stateFile, start } = await setup();
    const OLD = table(0, 10_000);
    const NEW = table(20_000, 10_000);
    let d = await start();
    await d.client.replacePaths('controller', OLD);
    await waitFor(() => bgpRoutes(bird), { what: 'the old set in BIRD', until: (n) => n === 10_000, timeoutMs: 30_000 });

    const seen = new Set<string>();
    for (const delayMs of [20, 250, 700]) {
      // Start from the old set each round, then kill while the new one is on its way.
      await d.client.replacePaths('controller', OLD);
      const call = d.client.replacePaths('controller', NEW).then(
        () => 'answered',
        () => 'cut off',
      );
      await sleep(delayMs);
      await d.proc.stop({ signal: 'SIGKILL' });
      await call;

      const saved = { paths: await storedPaths(stateFile) };
      const prefixes = saved.paths.map((p) => p.prefix);
      // The store lists paths in no particular order: compare as sets.
      const all = (set: typeof OLD) => prefixes.length === set.length && set.every((p) => stored.has(p.prefix));
      const stored = new Set(prefixes);
      const which = all(OLD) ? 'old' : all(NEW) ? 'new' : `a mix of ${prefixes.length}`;
      expect(['old', 'new']).toContain(which);
      expect(new Set(prefixes).size).toBe(10_000);
      expect(saved.paths.every((p) => p.owners.length === 1 && p.owners[0] === 'controller')).toBe(true);
      seen.add(which);

      d = await start();
      const expected = which === 'old' ? OLD : NEW;
      expect((await d.client.listPaths({ owner: 'controller' })).length).toBe(10_000);
      await waitFor(() => bgpRoutes(bird), { what: `the ${which} set in BIRD after the restart`, until: (n) => n === 10_000, timeoutMs: 30_000 });
      const route = await birdc(bird.socket, `show route ${expected[1234]!.prefix}`);
      expect(route).toContain(expected[1234]!.prefix);
    }
    console.log(`persistence: state files seen after SIGKILL: ${[...seen].join(', ')}`);
  });

  it('a set sent while it is read, beside a watcher: applied whole, on disk, at the router and back after SIGKILL; one cut after its first blocks changes nothing', async () => {
    const { bird, stateFile, start } = await setup();
    let d = await start();
    const SET = table(0, 100_000);
    // Read a few thousand paths at a time, as `replace --file` reads a large JSON file: blocks of
    // 65,536 go to the daemon while the rest is read, the total comes last.
    const reading = (paths: { prefix: string }[], cut = false): PathSet =>
      PathSet.reading(function* (set) {
        for (let i = 0; i < paths.length; i++) {
          set.add(paths[i]!);
          if (i % 5000 === 4999) yield;
        }
        if (cut) throw new Error('the reader died');
      });
    const rib: SpeakerEvent[] = [];
    let watchError: unknown;
    const watch = d.client.watch((e) => void (e.type === 'rib' && rib.push(e)), (err) => (watchError = err));
    try {
      expect(await d.client.replacePaths('controller', reading(SET))).toMatchObject({ added: 100_000, removed: 0 });
      await waitFor(() => bgpRoutes(bird), { what: 'the whole set in BIRD', until: (n) => n === 100_000, timeoutMs: 30_000 });
      // Another set of 80,000 paths: its first block (65,536) has gone out when its reader fails.
      await expect(d.client.replacePaths('controller', reading(table(200_000, 80_000), true))).rejects.toThrow('the reader died');
      // A marker of another owner: its event comes after anything the cut set could have caused.
      await d.client.addPaths([{ prefix: '203.0.113.1', owner: 'marker' }]);
      await waitFor(() => rib.length, { what: 'the marker heard by the watcher', until: () => rib.some((e) => e.type === 'rib' && e.owner === undefined && e.added.some((p) => p.prefix === '203.0.113.1/32')), timeoutMs: 10_000 });
      const summaries = rib.flatMap((e) => (e.type === 'rib' && e.summary ? [{ owner: e.owner, ...e.summary }] : []));
      expect(summaries).toEqual([{ owner: 'controller', added: 100_000, removed: 0, updated: 0 }]);
      expect(watchError).toBeUndefined();
      expect((await d.client.listPaths({ owner: 'controller' })).length).toBe(100_000);
      expect(await bgpRoutes(bird)).toBe(100_001);
    } finally {
      watch.cancel();
    }
    await d.proc.stop({ signal: 'SIGKILL' });
    const stored = (await storedPaths(stateFile)).filter((p) => p.owners.includes('controller'));
    expect(stored.length).toBe(100_000);
    d = await start();
    expect((await d.client.listPaths({ owner: 'controller' })).length).toBe(100_000);
    await waitFor(() => bgpRoutes(bird), { what: 'the set in BIRD after the restart', until: (n) => n === 100_001, timeoutMs: 30_000 });
  });

  it('SIGTERM and start again: every path comes back from the state file and BIRD holds them again', async () => {
    const { bird, start } = await setup();
    let d = await start();
    await d.client.addPaths([{ prefix: '203.0.113.10', communities: ['65000:1'] }, { prefix: '203.0.113.11', owner: 'controller' }]);
    await waitFor(() => bgpRoutes(bird), { what: 'two routes in BIRD', until: (n) => n === 2, timeoutMs: 10_000 });
    const before = await d.client.listPaths();
    const status = await d.proc.stop({ signal: 'SIGTERM', graceMs: 5000 });
    expect(status.code).toBe(0);
    await waitFor(() => bgpRoutes(bird), { what: 'BIRD to drop them', until: (n) => n === 0, timeoutMs: 5_000 });
    d = await start();
    expect(await d.client.listPaths()).toEqual(before);
    await waitFor(() => bgpRoutes(bird), { what: 'both routes back in BIRD', until: (n) => n === 2, timeoutMs: 10_000 });
    expect(await birdc(bird.socket, 'show route 203.0.113.10/32 all')).toMatch(/BGP\.community: \(65000,1\)/);
  });

  it('a full disk under the state file: calls fail with RESOURCE_EXHAUSTED and leave no partial record; once there is space nothing acknowledged is lost, over a restart', async () => {
    const { l, bird, stateFile, start } = await setup();
    // The state directory on a tiny disk of its own, before the daemon makes anything there.
    const dir = join(l.dir, 'state');
    await mkdir(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir]);
    mounts.push(dir);
    let d = await start();
    const acknowledged: string[] = [];
    let refused: ApiError | undefined;
    for (let call = 0; call < 1_000 && !refused; call++) {
      const paths = table(call * 20, 20);
      try {
        await d.client.addPaths(paths);
        acknowledged.push(...paths.map((p) => p.prefix));
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        refused = e;
      }
    }
    expect(refused?.codeName).toBe('RESOURCE_EXHAUSTED');
    expect(refused?.message).toContain(`state file ${stateFile}: cannot save the change: no space left on device (ENOSPC)`);
    expect(acknowledged.length).toBeGreaterThan(0);
    // Still up, still announcing (the refused call's paths too: they are in effect, said so).
    const announced = (await d.client.listPaths()).length;
    expect(announced).toBe(acknowledged.length + 20);
    await waitFor(() => bgpRoutes(bird), { what: 'BIRD to hold every path', until: (n) => n === announced, timeoutMs: 20_000 });
    // While the disk is full, a call is refused the same way, never acknowledged unsaved.
    await expect(d.client.addPaths([{ prefix: '203.0.113.99' }])).rejects.toMatchObject({ codeName: 'RESOURCE_EXHAUSTED' });

    // Space comes back: the next call is saved, with everything before it.
    execFileSync('mount', ['-o', 'remount,size=16m', dir]);
    await d.client.addPaths([{ prefix: '203.0.113.100' }]);
    acknowledged.push('203.0.113.100/32');

    // The hardest stop: whatever is acknowledged must be in the files, whole.
    await d.proc.stop({ signal: 'SIGKILL' });
    const warnings: string[] = [];
    const store = new StateStore(stateFile, createLogger('warn', { write: (line: string) => warnings.push(line) }, 'json'));
    const stored = new Set((await store.load()).paths().map((p) => p.prefix));
    await store.close();
    expect(warnings.filter((w) => /torn/.test(w))).toEqual([]);
    expect(acknowledged.filter((p) => !stored.has(p))).toEqual([]);

    d = await start();
    expect((await d.client.listPaths()).length).toBe(stored.size);
    await waitFor(() => bgpRoutes(bird), { what: 'BIRD to hold them all after the restart', until: (n) => n === stored.size, timeoutMs: 20_000 });
  });

  it('a state file that cannot be read stops the daemon from starting, and is left as it was', async () => {
    const { l, stateFile } = await setup();
    await mkdir(join(l.dir, 'state'), { recursive: true });
    await writeFile(stateFile, '{"version": 1, "paths": [');
    const proc = l.spawn(l.node(1).ns, process.execPath, [MAIN, 'daemon', '--config', join(l.dir, 'announcer.yaml')], { name: 'announcer' });
    const status = await waitFor(() => proc.status, { what: 'the daemon to exit', until: (s) => s !== undefined, timeoutMs: 10_000 });
    expect(status!.code).not.toBe(0);
    expect(proc.output()).toContain(`state file ${stateFile}: not valid JSON`);
    expect(await readFile(stateFile, 'utf8')).toBe('{"version": 1, "paths": [');
  });
});
