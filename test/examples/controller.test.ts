// The example controller (examples/controller) against a real daemon: a real Speaker (no peers)
// behind the real API server on a unix socket in a temp dir, restarted mid-test on the same socket.

import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runController, type Controller, type LogEntry } from '../../examples/controller/controller.js';
import { main } from '../../examples/controller/main.js';
import { createLogger } from '../../src/log.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { connectClient, type AnnouncedPath, type ApiClient } from 'announcer/client';
import { silentLogger } from '../../src/log.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { eventually } from '../api/fixture.js';

const OWNER = 'lb';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Daemon {
  readonly speaker: Speaker;
  readonly server: ApiServer;
  stop(): Promise<void>;
}

async function startDaemon(socket: string): Promise<Daemon> {
  const speaker = new Speaker({ asn: 65000, routerId: '192.0.2.1', nextHop: '192.0.2.1', peers: [] }, silentLogger);
  await speaker.start();
  const server = await startApiServer(speaker, { socket }, silentLogger);
  return {
    speaker,
    server,
    async stop() {
      await server.close();
      await speaker.stop();
    },
  };
}

/** "prefix via nextHop [communities]", sorted: what a user compares. */
function view(paths: readonly AnnouncedPath[]): string[] {
  return paths
    .map((p) => `${p.prefix} via ${p.nextHop}${p.attributes.communities.length ? ` [${p.attributes.communities.join(' ')}]` : ''}`)
    .sort();
}

const V1 = `
eips:
  - prefix: 203.0.113.10
    nextHops: [198.51.100.11, 198.51.100.12]
    communities: [65000:100]
  - prefix: 203.0.113.20
    nextHops: [198.51.100.11]
  - prefix: 2001:db8:100::10
    nextHops: [2001:db8::11]
`;
const V1_VIEW = [
  '2001:db8:100::10/128 via 2001:db8::11',
  '203.0.113.10/32 via 198.51.100.11 [65000:100]',
  '203.0.113.10/32 via 198.51.100.12 [65000:100]',
  '203.0.113.20/32 via 198.51.100.11',
];
// A node joins 203.0.113.10; 203.0.113.20 and the IPv6 EIP go; a new EIP via the default next hop.
const V2 = `
eips:
  - prefix: 203.0.113.10
    nextHops: [198.51.100.11, 198.51.100.12, 198.51.100.13]
    communities: [65000:100]
  - prefix: 203.0.113.30
`;
const V2_VIEW = [
  '203.0.113.10/32 via 198.51.100.11 [65000:100]',
  '203.0.113.10/32 via 198.51.100.12 [65000:100]',
  '203.0.113.10/32 via 198.51.100.13 [65000:100]',
  '203.0.113.30/32 via 192.0.2.1',
];
const CLI_VIEW = ['203.0.113.20/32 via 198.51.100.11', '203.0.113.99/32 via 198.51.100.50'];

describe('example controller against a real daemon', () => {
  let dir: string;
  let socket: string;
  let file: string;
  let daemon: Daemon;
  let client: ApiClient;
  let controller: Controller | undefined;
  const logs: LogEntry[] = [];

  const owned = async (owner = OWNER): Promise<string[]> => view(await client.listPaths({ owner }));
  const converges = (want: string[], owner = OWNER): Promise<void> =>
    eventually(async () => JSON.stringify(await owned(owner)) === JSON.stringify(want), 5_000);
  const logged = (msg: string, match: Partial<LogEntry> = {}): LogEntry[] =>
    logs.filter((l) => l.msg === msg && Object.entries(match).every(([k, v]) => JSON.stringify(l[k]) === JSON.stringify(v)));
  /** Replaces the file the way editors and ConfigMap updates do: a new file renamed over the old. */
  const writeDesired = async (text: string): Promise<void> => {
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'announcer-controller-'));
    socket = join(dir, 'run', 'announcer.sock');
    file = join(dir, 'desired', 'desired.yaml');
    await mkdir(join(dir, 'desired'));
    await writeFile(file, V1);
    daemon = await startDaemon(socket);
    client = connectClient(`unix:${socket}`);
    // An operator's paths: one on an EIP the controller also wants (and will drop), one of its own.
    await client.addPaths([
      { prefix: '203.0.113.20', nextHop: '198.51.100.11', owner: 'cli' },
      { prefix: '203.0.113.99', nextHop: '198.51.100.50', owner: 'cli' },
    ]);
  });

  afterAll(async () => {
    await controller?.stop();
    client?.close();
    await daemon?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('announces the file on start', async () => {
    controller = runController(
      { api: `unix:${socket}`, owner: OWNER, file, debounceMs: 50, resyncMs: 60_000, backoff: { initialMs: 100, maxMs: 400 }, timeoutMs: 2_000 },
      { log: (e) => logs.push(e) },
    );
    await converges(V1_VIEW);
    await eventually(() => logged('synced', { reason: 'start' }).length === 1);
    // 203.0.113.20 via .11 was the operator's already: the controller joins it as a second owner.
    expect(logged('synced', { reason: 'start' })[0]).toMatchObject({ eips: 3, paths: 4, added: 4, removed: 0, updated: 0, unchanged: 0 });
    expect(await owned('cli')).toEqual(CLI_VIEW);
  });

  it('follows edits to the file and never touches another owner’s paths', async () => {
    await writeDesired(V2);
    await converges(V2_VIEW);
    await eventually(() => logged('synced', { reason: 'file' }).length === 1);
    expect(logged('synced', { reason: 'file' })[0]).toMatchObject({ added: 2, removed: 2, updated: 0, unchanged: 2 });
    // The operator's claim on 203.0.113.20 outlives the controller's: still announced.
    expect(await owned('cli')).toEqual(CLI_VIEW);
    expect(view(await client.listPaths())).toEqual([...CLI_VIEW, ...V2_VIEW].sort());
  });

  it('keeps what is announced when the file is broken, and names the entry the daemon refused', async () => {
    await writeDesired('eips: [ {prefix: 203.0.113.10, nextHops: [198.51.100.11]\n');
    await eventually(() => logged('bad desired-set file: keeping what is announced').length === 1);
    await writeDesired(`eips:\n  - prefix: 203.0.113.10\n  - prefix: 203.0.113.11\n    nextHops: [198.51.100.11, not-an-address]\n`);
    await eventually(() => logged('the daemon refused the file: nothing changed').length === 1);
    expect(logged('the daemon refused the file: nothing changed')[0]).toMatchObject({
      field: 'eips[1].nextHops[1]',
      error: 'eips[1].nextHops[1]: "not-an-address" is not an IP address or "self"',
    });
    expect(await owned()).toEqual(V2_VIEW);
    await writeDesired(V2);
    await eventually(() => logged('synced', { reason: 'file' }).length === 2);
    expect(logged('synced', { reason: 'file' })[1]).toMatchObject({ level: 'info', added: 0, removed: 0, unchanged: 4 });
  });

  it('with --max-remove, a file that lost most of its EIPs is refused and nothing changes', async () => {
    const guardedFile = join(dir, 'desired', 'guarded.yaml');
    const eips = (n: number): string => `eips:\n${Array.from({ length: n }, (_, i) => `  - { prefix: 198.18.0.${i}, nextHops: [198.51.100.11] }\n`).join('')}`;
    await writeFile(guardedFile, eips(4));
    const guarded = runController(
      { api: `unix:${socket}`, owner: 'guarded', file: guardedFile, debounceMs: 50, resyncMs: 60_000, backoff: { initialMs: 100, maxMs: 400 }, timeoutMs: 2_000, maxRemove: { percent: 50 } },
      { log: (e) => logs.push(e) },
    );
    try {
      await eventually(async () => (await owned('guarded')).length === 4, 5_000);
      await writeFile(`${guardedFile}.tmp`, eips(1));
      await rename(`${guardedFile}.tmp`, guardedFile);
      const refused = 'the daemon refused the file (the --max-remove guard): nothing changed; fix the file, or raise the limit to withdraw them on purpose';
      await eventually(() => logged(refused).length === 1);
      expect(logged(refused)[0]!.error).toBe('maxRemove: the set would withdraw 3 of the 4 paths guarded has, more than the limit of 50% of them; nothing changed (send it without the limit to withdraw them on purpose)');
      expect(await owned('guarded')).toHaveLength(4);
      // Within the limit: applied.
      await writeFile(`${guardedFile}.tmp`, eips(3));
      await rename(`${guardedFile}.tmp`, guardedFile);
      await eventually(async () => (await owned('guarded')).length === 3, 5_000);
    } finally {
      await guarded.stop();
      await client.replacePaths('guarded', []);
    }
  });

  it('puts back a path someone else withdrew', async () => {
    await client.deletePaths({ prefix: '203.0.113.10/32', nextHops: ['198.51.100.13'] });
    await converges(V2_VIEW);
    await eventually(() => logged('synced', { reason: 'drift' }).length === 1);
    expect(logged('synced', { reason: 'drift' })[0]).toMatchObject({ level: 'info', added: 1, unchanged: 3, changes: ['+203.0.113.10/32 via 198.51.100.13'] });
  });

  it('re-syncs when the daemon comes back after a restart', async () => {
    await daemon.stop();
    await eventually(() => logged('lost the daemon: reconnecting').length === 1);
    // Down long enough for the controller to fail (and back off) at least once.
    await eventually(() => logged('daemon unreachable: retrying').length >= 1);
    // A fresh daemon on the same socket, without a state file: it knows nothing.
    daemon = await startDaemon(socket);
    client.close();
    client = connectClient(`unix:${socket}`);
    await converges(V2_VIEW);
    await eventually(() => logged('synced', { reason: 'reconnect' }).length === 1);
    expect(logged('daemon is back: re-syncing')).toHaveLength(1);
    expect(logged('synced', { reason: 'reconnect' })[0]).toMatchObject({ added: 4, removed: 0 });
    // Editing still works on the new connection.
    await writeDesired(V1);
    await converges(V1_VIEW);
  });

  it('stops cleanly and leaves its paths announced', async () => {
    await controller!.stop();
    expect(logs.at(-1)).toMatchObject({ level: 'info', msg: 'controller stopped: paths left announced' });
    const count = logs.length;
    // A witness: a second controller on the same file, with the same debounce, started after the
    // first stopped. Its sync of the edit is the signal that the edit was seen and the debounce
    // ran out; the stopped one, had it still been watching, would have synced first.
    const witnessLogs: LogEntry[] = [];
    const witness = runController(
      { api: `unix:${socket}`, owner: 'witness', file, debounceMs: 50, resyncMs: 60_000, backoff: { initialMs: 100, maxMs: 400 }, timeoutMs: 2_000 },
      { log: (e) => witnessLogs.push(e) },
    );
    try {
      await eventually(() => witnessLogs.some((l) => l.msg === 'synced' && l['reason'] === 'start'));
      await writeDesired(V2);
      await eventually(() => witnessLogs.some((l) => l.msg === 'synced' && l['reason'] === 'file'));
      expect(await owned('witness')).toEqual(V2_VIEW);
    } finally {
      await witness.stop();
    }
    await client.replacePaths('witness', []);
    expect(await owned()).toEqual(V1_VIEW);
    expect(logs).toHaveLength(count);
    expect(logged('sync failed unexpectedly')).toEqual([]);
    expect(logged('controller loop failed')).toEqual([]);
  });

  it('main: SIGTERM stops it with status 0; bad arguments are status 2', async () => {
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } };
    expect(await main(['--owner', 'x'], io)).toBe(2);
    expect(out.join('')).toContain('--file is required');
    expect(await main(['--owner', 'x', '--file', file, '--api', 'nonsense'], io)).toBe(2);

    out.length = 0;
    const signals = new EventEmitter();
    const running = main(['--api', `unix:${socket}`, '--owner', 'main', '--file', file], io, signals);
    await converges(V2_VIEW, 'main');
    await eventually(() => out.join('').includes('"msg":"synced"'));
    signals.emit('SIGTERM');
    expect(await running).toBe(0);
    const lines = out.join('').trim().split('\n').map((l) => JSON.parse(l) as LogEntry);
    expect(lines.map((l) => l.msg)).toEqual(['controller started', 'connected to the daemon', 'synced', 'stopping', 'controller stopped: paths left announced']);
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).toBe(0);
  });

  it("main logs as the daemon does: the daemon's JSON lines, or pino-pretty's with --log-format pretty", async () => {
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } };
    expect(await main(['--owner', 'x', '--file', file, '--log-format', 'fancy'], io)).toBe(2);
    expect(out.join('')).toContain('--log-format: expected auto, json, pretty, got "fancy"');

    for (const format of ['json', 'pretty'] as const) {
      out.length = 0;
      const signals = new EventEmitter();
      const running = main(['--api', `unix:${socket}`, '--owner', `fmt-${format}`, '--file', file, '--log-format', format], io, signals);
      await eventually(() => out.join('').includes('synced'));
      signals.emit('SIGTERM');
      expect(await running).toBe(0);
      // The daemon's logger on the same kind of destination writes the same shape of line.
      const daemonLine: string[] = [];
      createLogger('info', { write: (l: string) => void daemonLine.push(l) }, format).info({ reason: 'start' }, 'synced');
      const synced = out.find((l) => l.includes('synced'))!;
      if (format === 'json') {
        const frame = (l: string): string[] => {
          const keys = Object.keys(JSON.parse(l) as object);
          return [...keys.slice(0, 3), keys.at(-1)!];
        };
        expect(frame(synced)).toEqual(frame(daemonLine[0]!));
        expect(JSON.parse(synced)).toMatchObject({ level: 30, name: 'announcer-controller', msg: 'synced', reason: 'start' });
      } else {
        const shape = (l: string): string => l.replace(/\[[^\]]*\]/, '[TIME]').split('\n')[0]!.replace(/\(announcer(-controller)?\)/, '(NAME)');
        expect(shape(synced)).toBe(shape(daemonLine[0]!));
        expect(synced).toContain('reason: "start"');
      }
    }
  });

  it('runs as `npx tsx examples/controller/main.ts ...` and exits 0 on a real SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'examples/controller/main.ts', '--api', `unix:${socket}`, '--owner', 'spawned', '--file', file],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      await eventually(() => stdout.includes('"msg":"synced"'), 10_000);
      expect(await owned('spawned')).toEqual(V2_VIEW);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(stderr).toBe('');
    expect(stdout).toContain('"msg":"controller stopped: paths left announced"');
  }, 15_000);
});
