// The commands that fit announcer into the tools around it (probes, bug reports, shells), run as
// an operator runs them: the built executable (dist/cli/main.js; `npm test` builds first) against
// a real daemon started from a config file.

import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitOf, gitCommit } from '../../src/cli/version.js';
import { createProgram } from '../../src/cli/program.js';
import { startFixture } from '../api/fixture.js';
import { MAIN, spawnDaemon, stopDaemon } from './built-daemon.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function announcer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { PATH: process.env['PATH'], ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
let api: string;
let daemon: ChildProcess;
let daemonLog = '';

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  dir = await mkdtemp(join(tmpdir(), 'announcer-eco-'));
  const socket = join(dir, 'announcer.sock');
  api = `unix:${socket}`;
  await writeFile(join(dir, 'announcer.yaml'), `asn: 65000\nrouterId: 192.0.2.1\napi: { socket: ${socket} }\nlogFormat: pretty\npeers: []\n`);
  daemon = spawnDaemon(join(dir, 'announcer.yaml'), (text) => (daemonLog += text));
  for (let i = 0; ; i++) {
    if ((await announcer(['--api', api, 'peers'])).code === 0) break;
    if (i > 100 || daemon.exitCode !== null) throw new Error(`the daemon did not come up: ${daemonLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(async () => {
  await stopDaemon(daemon);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('announcer health', () => {
  it('exits 0 and says "serving" when the daemon answers the gRPC health check', async () => {
    expect(await announcer(['--api', api, 'health'])).toEqual({ code: 0, stdout: 'serving\n', stderr: '' });
    expect(await announcer(['health'], { ANNOUNCER_API: api })).toEqual({ code: 0, stdout: 'serving\n', stderr: '' });
    expect(await announcer(['--api', api, 'health', '--service', 'announcer.v1.Announcer'])).toEqual({ code: 0, stdout: 'serving\n', stderr: '' });
  });

  it('exits 1 with one line for a service the daemon does not know', async () => {
    const r = await announcer(['--api', api, 'health', '--service', 'nope.v1.Nothing']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'not serving: the daemon does not know the service "nope.v1.Nothing"\n' });
  });

  it('exits 3 with one line when nothing listens', async () => {
    const r = await announcer(['--api', `unix:${join(dir, 'missing.sock')}`, 'health']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`cannot reach the announcer daemon at unix:${join(dir, 'missing.sock')}`);
  });

  it('exits 1 while the daemon is not ready (NOT_SERVING)', async () => {
    const f = await startFixture({ unstarted: true });
    try {
      const out = { stdout: '', stderr: '' };
      const code = await createProgram({
        stdout: { write: (s: string) => (out.stdout += s) },
        stderr: { write: (s: string) => (out.stderr += s) },
        env: { ANNOUNCER_API: f.server.address },
      }).run(['health']);
      expect({ code, ...out }).toEqual({ code: 1, stdout: '', stderr: 'not serving: the daemon reports NOT_SERVING (starting up or shutting down)\n' });
    } finally {
      await f.close();
    }
  });
});

describe('the daemon log', () => {
  it('is readable lines with logFormat: pretty (pino-pretty), not JSON', () => {
    const lines = daemonLog.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.startsWith('{'), line).toBe(false);
    expect(daemonLog).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO \(announcer\): /m);
  });
});

describe('announcer version', () => {
  it("prints the package's version, Node's and this checkout's commit", async () => {
    const head = await new Promise<string>((resolve, reject) =>
      execFile('git', ['rev-parse', 'HEAD'], { cwd: ROOT }, (err, out) => (err ? reject(err) : resolve(out.trim()))),
    ).catch(() => 'unknown');
    const r = await announcer(['version']);
    expect(r).toEqual({ code: 0, stdout: `announcer 0.1.0\nnode ${process.version}\ncommit ${head}\n`, stderr: '' });
    expect(JSON.parse((await announcer(['version', '--json'])).stdout)).toEqual({ version: '0.1.0', node: process.version, commit: head });
  });

  it('reads the commit from a loose ref, packed-refs or a detached HEAD, and knows when there is none', async () => {
    const t = await mkdtemp(join(tmpdir(), 'announcer-git-'));
    try {
      expect(gitCommit(t)).toBeUndefined();
      await mkdir(join(t, '.git/refs/heads'), { recursive: true });
      await writeFile(join(t, '.git/HEAD'), 'ref: refs/heads/main\n');
      await writeFile(join(t, '.git/packed-refs'), `# pack-refs with: peeled\n${'b'.repeat(40)} refs/heads/main\n`);
      expect(gitCommit(t)).toBe('b'.repeat(40));
      await writeFile(join(t, '.git/refs/heads/main'), `${'a'.repeat(40)}\n`);
      expect(gitCommit(t)).toBe('a'.repeat(40));
      await writeFile(join(t, '.git/HEAD'), `${'c'.repeat(40)}\n`);
      expect(gitCommit(t)).toBe('c'.repeat(40));
      // An image built without .git: the commit its build recorded wins.
      expect(commitOf(t)).toBe('c'.repeat(40));
      await writeFile(join(t, 'COMMIT'), `${'d'.repeat(40)}\n`);
      expect(commitOf(t)).toBe('d'.repeat(40));
      await rm(join(t, '.git'), { recursive: true });
      expect(commitOf(t)).toBe('d'.repeat(40));
      await writeFile(join(t, 'COMMIT'), 'not a commit\n');
      expect(commitOf(t)).toBeUndefined();
      // A worktree: .git is a file naming its git directory, absolute as git writes it.
      const wt = join(t, 'wt');
      await mkdir(join(t, 'main.git/worktrees/wt'), { recursive: true });
      await mkdir(wt);
      await writeFile(join(wt, '.git'), `gitdir: ${join(t, 'main.git/worktrees/wt')}\n`);
      await writeFile(join(t, 'main.git/worktrees/wt/HEAD'), `${'e'.repeat(40)}\n`);
      expect(gitCommit(wt)).toBe('e'.repeat(40));
    } finally {
      await rm(t, { recursive: true, force: true });
    }
  });
});

/** Runs a shell with `script` on stdin; never throws. */
function shell(cmd: string, args: string[], input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env: { PATH: process.env['PATH'], HOME: dir }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
    // A shell that exits before reading its input closes the pipe: that is its answer, not an error.
    child.stdin!.on('error', () => {});
    child.stdin!.end(input);
  });
}

describe('announcer completion', () => {
  const SUBCOMMANDS = ['daemon', 'bfdd', 'add-eip', 'del-eip', 'list', 'peers', 'checks', 'replace', 'shutdown', 'drain', 'undrain', 'watch', 'health', 'version', 'completion'];

  it('bash: a script bash accepts, completing subcommands, their flags and files', async () => {
    const script = await announcer(['completion', 'bash']);
    expect(script.code).toBe(0);
    const file = join(dir, 'announcer.bash');
    await writeFile(file, script.stdout);
    expect(await shell('bash', ['-n', file])).toMatchObject({ code: 0, stderr: '' });
    await writeFile(join(dir, 'peers.yaml'), '[]\n');
    // What bash does on TAB: COMP_WORDS / COMP_CWORD in, COMPREPLY out.
    const complete = async (...line: string[]): Promise<string[]> => {
      const words = line.map((w) => `'${w}'`).join(' ');
      const r = await shell('bash', ['-c', `source '${file}'; cd '${dir}'; COMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _announcer; printf '%s\\n' "\${COMPREPLY[@]}"`]);
      expect(r.stderr).toBe('');
      return r.stdout.split('\n').filter((w) => w !== '');
    };
    expect(await complete('announcer', '')).toEqual(SUBCOMMANDS);
    expect(await complete('announcer', 'ad')).toEqual(['add-eip']);
    expect(await complete('announcer', '--api', 'unix:/x', 'pe')).toEqual(['peers']);
    expect(await complete('announcer', 'add-eip', '203.0.113.10', '--ne')).toEqual(['--next-hop']);
    expect(await complete('announcer', 'replace', '--file', 'pe')).toEqual(['peers.yaml']);
    expect(await complete('announcer', 'completion', '')).toEqual(['bash', 'zsh']);
    expect(await complete('announcer', 'health', '--')).toEqual(['--service', '--timeout', '--json', '--help']);
    expect(await complete('announcer', 'checks', '--')).toEqual(['--json', '--help']);
    expect(await complete('announcer', 'list', '--c')).toEqual(['--check']);
    // complete(1) registered it for the command.
    expect((await shell('bash', ['-c', `source '${file}'; complete -p announcer`])).stdout).toBe('complete -F _announcer announcer\n');
  });

  it('zsh: a script zsh accepts, that registers itself for announcer and lists every subcommand', async () => {
    const script = await announcer(['completion', 'zsh']);
    expect(script.code).toBe(0);
    expect(script.stdout.startsWith('#compdef announcer\n')).toBe(true);
    const file = join(dir, '_announcer');
    await writeFile(file, script.stdout);
    expect(await shell('zsh', ['-n', file])).toMatchObject({ code: 0, stderr: '' });
    const r = await shell('zsh', ['-f', '-c', `autoload -Uz compinit && compinit -u -D && source '${file}' && print -r -- $_comps[announcer]`]);
    expect(r).toMatchObject({ code: 0, stdout: '_announcer\n', stderr: '' });
    const listed = [...script.stdout.matchAll(/^ {4}'([a-z-]+):/gm)].map((m) => m[1]);
    expect(listed).toEqual(SUBCOMMANDS);
  });

  it('refuses another shell as a usage error', async () => {
    const r = await announcer(['completion', 'fish']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'fish' is invalid for argument 'shell'. Allowed choices are bash, zsh.");
  });
});
