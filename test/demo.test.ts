// `npm run demo`, end to end: the real demo (dist/demo/main.js, built by `npm test`) in both
// shapes, judged by what it prints; --keep and --down; and the pieces that are plain functions.

import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { barChart } from '../src/demo/chart.js';
import { parseDemoArgs } from '../src/demo/main.js';
import { missingTools, withSbin } from '../src/demo/preflight.js';
import { run } from '../src/lab/index.js';

const MAIN = fileURLToPath(new URL('../dist/demo/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const isRoot = process.getuid?.() === 0;

interface DemoRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function demo(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; uid?: number; timeoutMs?: number } = {}): Promise<DemoRun> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
      timeout: opts.timeoutMs ?? 60_000,
      killSignal: 'SIGINT', // on timeout: the demo still tears its lab down
      ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - start }));
  });
}

/** For each `router# ip route show` the demo printed, how many next hops its route had. */
function routeBlocks(out: string): number[] {
  const lines = out.split('\n');
  const blocks: number[] = [];
  lines.forEach((line, i) => {
    if (!line.includes('router# ip route show 203.0.113.10')) return;
    let hops = 0;
    let plain = false; // one next hop: "203.0.113.10 via ...", no "nexthop" lines
    for (let j = i + 1; j < lines.length && lines[j]!.trim() !== ''; j++) {
      if (lines[j]!.includes('nexthop via')) hops++;
      else if (/^\s*203\.0\.113\.10 via /.test(lines[j]!)) plain = true;
    }
    blocks.push(hops > 0 ? hops : plain ? 1 : 0);
  });
  return blocks;
}

/** The bar charts the demo printed: one record of node -> requests served per chart. */
function charts(out: string): Record<string, number>[] {
  const rows = [...out.matchAll(/^\s+(node[1-3])\s+█*\s+(\d+)\s+\d+%$/gm)].map((m) => [m[1]!, Number(m[2])] as const);
  const result: Record<string, number>[] = [];
  for (let i = 0; i < rows.length; i += 3) result.push(Object.fromEntries(rows.slice(i, i + 3)));
  return result;
}

function labOf(out: string): { id: string; dir: string } {
  const id = /creating namespaces (demo-\d+-[0-9a-f]+)-\{/.exec(out)?.[1];
  const dir = /configs, logs and sockets in (\S+)\)/.exec(out)?.[1];
  if (id === undefined || dir === undefined) throw new Error(`no lab id or dir in the output:\n${out}`);
  return { id, dir };
}

/** The lab's namespaces that exist, and the processes whose command line names the lab. */
async function leftovers(lab: { id: string; dir: string }): Promise<{ namespaces: string[]; processes: string[] }> {
  const { stdout } = await run('ip', ['netns', 'list']);
  const namespaces = stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((ns) => ns.startsWith(`${lab.id}-`));
  const processes: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue; // gone meanwhile
    }
    if (cmdline.includes(lab.id) || cmdline.includes(lab.dir)) processes.push(`${pid}: ${cmdline}`);
  }
  return { namespaces, processes };
}

/** The commands docs/demo.md gives to restart one node's daemon by hand in a kept lab (its indented lines). */
function handRestartCommands(): string[] {
  const doc = readFileSync(join(ROOT, 'docs/demo.md'), 'utf8');
  const start = doc.indexOf("\n## Restart one node's daemon by hand\n");
  expect(start, "docs/demo.md: ## Restart one node's daemon by hand").toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n## ', start + 1);
  return doc
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((l) => l.startsWith('    '))
    .map((l) => l.trim());
}

/** One of those commands, as a user runs it: a shell in the checkout, with LAB, NODE and NS set. */
function shell(line: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', line], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: stdout + stderr }),
    );
  });
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function explain(r: DemoRun): string {
  return `exit code ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

describe.runIf(isRoot)('npm run demo, end to end (root)', () => {
  it.each([
    ['per-node', []],
    ['central', ['--central']],
  ] as const)('%s: three next hops then two, then one when a web server dies, traffic at every node that has a path, nothing left behind', async (_shape, args) => {
    const r = await demo(args);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(/Demo done in [\d.]+ s/);
    // Three, two after node2 is taken out, one when node3's web server dies, two when it is back;
    // per-node, one while node3 is drained and two after undrain.
    const perNode = args.length === 0;
    expect(routeBlocks(r.stdout), explain(r)).toEqual(perNode ? [3, 2, 1, 2, 1, 2] : [3, 2, 1, 2]);
    const [before, after, dead, drained] = charts(r.stdout);
    if (perNode) {
      // Drained, node3 is still announced (the router holds its path at local preference 0) and serves nothing.
      expect(r.stdout).toMatch(/via 198\.51\.100\.13 local-pref 0/);
      expect(drained, explain(r)).toEqual({ node1: 300, node2: 0, node3: 0 });
      expect(r.stdout).toContain('announcing: not draining');
    } else {
      expect(drained).toBeUndefined();
    }
    // node3's traffic left it with no API call: its health check withdrew its path.
    expect(dead, explain(r)).toEqual({ node1: 300, node2: 0, node3: 0 });
    expect(r.stdout).toMatch(/stopping node3's web server \.\.\. ok/);
    expect(r.stdout).toMatch(/web\s+down \(connection refused/);
    expect(before, explain(r)).toBeDefined();
    expect(after, explain(r)).toBeDefined();
    for (const node of ['node1', 'node2', 'node3']) expect(before![node], `${node} before`).toBeGreaterThan(0);
    expect(after!['node2'], 'the node taken out').toBe(0);
    for (const node of ['node1', 'node3']) expect(after![node], `${node} after`).toBeGreaterThan(0);
    expect(Object.values(before!).reduce((a, b) => a + b, 0)).toBe(300);
    expect(Object.values(after!).reduce((a, b) => a + b, 0)).toBe(300);
    if (args.length > 0) expect(r.stdout).toContain('del-eip 203.0.113.10 --next-hop 198.51.100.12');
    else expect(r.stdout).toMatch(/stopping node2's announcer \(SIGTERM\) \.\.\. ok, exit code 0/);
    expect(r.stdout).toMatch(/tearing the lab down \.\.\. ok/);
    expect(await leftovers(labOf(r.stdout))).toEqual({ namespaces: [], processes: [] });
    console.log(`demo ${args.join(' ') || '(per-node)'}: ${r.ms} ms`);
  }, 90_000);

  describe('--keep, then --down', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'ann-demo-state-'));
    const env = { ANNOUNCER_DEMO_STATE: join(stateDir, 'lab.json') };
    afterAll(async () => {
      if (existsSync(env.ANNOUNCER_DEMO_STATE)) await demo(['--down'], { env }); // a failed test's lab
      rmSync(stateDir, { recursive: true, force: true });
    }, 30_000);

    it('leaves the whole lab running, says how to look around, and --down removes all of it', async () => {
      const kept = await demo(['--keep', '--central', '--requests', '60'], { env });
      expect(kept.code, explain(kept)).toBe(0);
      const lab = labOf(kept.stdout);
      expect(kept.stdout).toContain('birdc -s ');
      expect(kept.stdout).toContain('npm run demo -- --down');
      const state = JSON.parse(readFileSync(env.ANNOUNCER_DEMO_STATE, 'utf8')) as { lab: { id: string } };
      expect(state.lab.id).toBe(lab.id);

      const running = await leftovers(lab);
      expect(running.namespaces).toHaveLength(5);
      expect(running.processes.length).toBeGreaterThanOrEqual(5); // BIRD, the announcer, three HTTP servers
      // Still working after the demo exited: node2 came back, so three next hops.
      const { stdout: route } = await run('ip', ['netns', 'exec', `${lab.id}-r`, 'ip', 'route', 'show', '203.0.113.10']);
      expect(route.match(/nexthop via/g)).toHaveLength(3);
      const socket = /--api (unix:\S+) peers/.exec(kept.stdout)?.[1];
      expect(socket).toBeDefined();
      const peers = await run(process.execPath, [fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)), '--api', socket!, 'peers']);
      expect(peers.stdout).toContain('Established');

      // docs/demo.md: restart the node's daemon by hand (here node1's, the central announcer). Its
      // config keeps a state file in the lab's directory, so it announces its paths again by itself.
      expect(readFileSync(join(lab.dir, 'node1.yaml'), 'utf8')).toContain(`stateFile: ${join(lab.dir, 'node1.state.json')}`);
      const byHand = handRestartCommands();
      expect(byHand.some((l) => / shutdown$/.test(l)) && byHand.some((l) => / daemon --config /.test(l))).toBe(true);
      expect(byHand.join('\n')).not.toMatch(/add-eip|replace/);
      const nodeSocket = join(lab.dir, 'node1.sock');
      const hops = async (): Promise<number> =>
        ((await run('ip', ['netns', 'exec', `${lab.id}-r`, 'ip', 'route', 'show', '203.0.113.10'])).stdout.match(/nexthop via/g) ?? []).length;
      for (const line of byHand) {
        const r = await shell(line, { LAB: lab.dir, NODE: 'node1', NS: `${lab.id}-n1` });
        expect(r.code, `${line}\n${r.out}`).toBe(0);
        // At a user's pace: each command's effect is there before the next is typed.
        if (/ shutdown$/.test(line)) {
          await until('the daemon to exit', () => !existsSync(nodeSocket));
          await until('the router to drop the central announcer\'s paths', async () => (await hops()) === 0);
        }
        if (/ daemon --config /.test(line)) await until('the restarted daemon\'s API socket', () => existsSync(nodeSocket));
      }
      await until('the router to have the three next hops again', async () => (await hops()) === 3);

      const again = await demo(['--keep'], { env });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/still running .* tear it down first: npm run demo -- --down/s);

      const down = await demo(['--down'], { env });
      expect(down.code, explain(down)).toBe(0);
      expect(down.stdout).toMatch(/5 namespaces deleted/);
      expect(await leftovers(lab)).toEqual({ namespaces: [], processes: [] });
      expect(existsSync(env.ANNOUNCER_DEMO_STATE)).toBe(false);
      expect(existsSync(lab.dir)).toBe(false);

      const nothing = await demo(['--down'], { env });
      expect(nothing.code).toBe(0);
      expect(nothing.stdout).toContain('nothing to tear down');
    }, 90_000);
  });

  it('refuses to run as another user than root, saying why', async () => {
    const r = await demo([], { uid: 65534 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the demo must run as root');
  });
});

describe('demo arguments', () => {
  it('reads the shape and the options, and names what is wrong', async () => {
    expect(parseDemoArgs([])).toMatchObject({ shape: 'per-node', keep: false, down: false, requests: 300 });
    expect(parseDemoArgs(['--central', '--keep', '--requests', '50'])).toMatchObject({ shape: 'central', keep: true, requests: 50 });
    expect(() => parseDemoArgs(['--bogus'])).toThrow(/--bogus/);
    expect(() => parseDemoArgs(['--down', '--central'])).toThrow(/--down takes no other option/);
    expect(() => parseDemoArgs(['--requests', 'lots'])).toThrow(/--requests/);
    const r = await demo(['--nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--nope'[\s\S]*usage: npm run demo/);
  });
});

describe('tools the demo needs', () => {
  it('lists each missing package once, and adds sbin to PATH', () => {
    expect(missingTools(() => '/usr/bin/x')).toEqual({ tools: [], packages: [] });
    const none = missingTools(() => undefined);
    expect(none.tools.map((t) => t.command)).toEqual(['ip', 'bird', 'birdc', 'sysctl']);
    expect(none.packages).toEqual(['iproute2', 'bird2', 'procps']);
    expect(missingTools((c) => (c === 'birdc' ? undefined : `/usr/sbin/${c}`)).packages).toEqual(['bird2']);
    expect(withSbin('/usr/bin:/bin')).toBe('/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin');
    expect(withSbin('/usr/sbin:/usr/bin')).toBe('/usr/sbin:/usr/bin:/usr/local/sbin:/sbin');
  });
});

describe('barChart', () => {
  it('draws one bar per row, scaled to the largest, with the count and share', () => {
    expect(
      barChart(
        [
          { label: 'node1', value: 100 },
          { label: 'node2', value: 50 },
          { label: 'node3', value: 0 },
        ],
        { width: 10, char: '#' },
      ),
    ).toEqual([
      '  node1  ##########  100   67%',
      '  node2  #####        50   33%',
      '  node3                0    0%',
    ]);
  });

  it('gives any non-zero value at least one character, and handles all zeros', () => {
    const lines = barChart(
      [
        { label: 'a', value: 1000 },
        { label: 'bb', value: 1 },
      ],
      { width: 20, indent: '' },
    );
    expect(lines[0]).toBe(`a   ${'█'.repeat(20)}  1000  100%`);
    expect(lines[1]).toBe(`bb  █${' '.repeat(19)}     1    0%`);
    expect(barChart([{ label: 'x', value: 0 }], { width: 3 })).toEqual(['  x       0    0%']);
  });

  it('rejects what it cannot draw', () => {
    expect(() => barChart([{ label: 'x', value: -1 }])).toThrow(/x: value/);
    expect(() => barChart([{ label: 'x', value: 1 }], { width: 0 })).toThrow(/width/);
  });
});
