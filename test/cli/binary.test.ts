// The built `announcer` (dist/cli/main.js) against a real daemon it started, as an operator runs
// them: what `peers`, `add-eip`, `replace` and `watch` say, and the exit status of every mistake.
// The daemon's one peer is a port on 127.0.0.1 where nothing listens, so it is stuck in Active.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MAIN, spawnDaemon, stopDaemon } from './built-daemon.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;
let api: string;
let port: number;
let daemon: ChildProcess;
let daemonOutput = '';

function announcer(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { ...process.env, ANNOUNCER_API: api, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI until `until` holds for its answer (the daemon acts on its own time). */
async function answerUntil(args: string[], until: (r: Run) => boolean, what: string): Promise<Run> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await announcer(args);
    if (until(r)) return r;
    if (Date.now() > deadline) throw new Error(`${what}: last answer ${JSON.stringify(r)}; daemon said: ${daemonOutput.slice(-2000)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** A TCP port on 127.0.0.1 where nothing listens (taken, then let go). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const p = (s.address() as { port: number }).port;
  await new Promise((done) => s.close(done));
  return p;
}

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  dir = await mkdtemp(join(tmpdir(), 'announcer-binary-'));
  port = await closedPort();
  const socket = join(dir, 'api.sock');
  api = `unix:${socket}`;
  const config = {
    asn: 65000,
    routerId: '192.0.2.1',
    nextHop: '198.51.100.11',
    api: { socket },
    logLevel: 'warn',
    peers: [{ name: 'router1', address: '127.0.0.1', port, asn: 65001, connectRetry: 1, holdTime: 9 }],
  };
  await writeFile(join(dir, 'announcer.yaml'), stringify(config));
  daemon = spawnDaemon(join(dir, 'announcer.yaml'), (text) => (daemonOutput += text));
  await answerUntil(['peers', '--json'], (r) => r.code === 0, 'the daemon answering');
}, 30_000);

afterAll(async () => {
  await stopDaemon(daemon);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('announcer peers', () => {
  it('says why a peer stuck in Active is not up, and since when, under its name', async () => {
    const refused = `connection refused by 127.0.0.1:${port}: nothing listens there (BGP not configured for this node on the router, another port, or the router only connects out) (ECONNREFUSED)`;
    const j = await answerUntil(['peers', '--json'], (r) => r.stdout.includes(refused), 'the refused connect as lastError');
    const [peer] = (JSON.parse(j.stdout) as { peers: { name: string; address: string; state: string; lastError: string; lastErrorAt: number; since: number }[] }).peers;
    expect(peer).toMatchObject({ name: 'router1', address: '127.0.0.1', lastError: refused });
    expect(['Active', 'Connect', 'Idle']).toContain(peer!.state);
    expect(Date.now() - peer!.lastErrorAt).toBeLessThan(15_000);
    // SINCE counts from the first failure: the retries (every second) do not move it.
    const sinceOf = (r: Run): { since: number; lastErrorAt: number } => (JSON.parse(r.stdout) as { peers: { since: number; lastErrorAt: number }[] }).peers[0]!;
    const retried = await answerUntil(['peers', '--json'], (r) => sinceOf(r).lastErrorAt > peer!.lastErrorAt, 'a retry failing again');
    expect(sinceOf(retried).since).toBe(peer!.since);

    const table = await announcer(['peers', '--peer', 'router1']);
    expect(table.code).toBe(0);
    const [header, row] = table.stdout.split('\n');
    expect(header).toMatch(/^PEER +ADDRESS +ASN +STATE +SINCE +PFX-SENT +PFX-RCVD +MSG-SENT +MSG-RCVD +FAMILIES +LAST-ERROR$/);
    expect(row).toMatch(new RegExp(`^router1 +127\\.0\\.0\\.1:${port} +65001 +(Active|Connect|Idle) +\\d+s +0 +0 +0 +0 +- +${refused.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+s ago\\)$`));
  });

  it('watch names the peer', async () => {
    const watch = spawn(process.execPath, [MAIN, 'watch'], { env: { ...process.env, ANNOUNCER_API: api } });
    let out = '';
    try {
      await new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no peer event in 10 s: ${out}`)), 10_000);
        watch.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if (/ peer router1 \w+ -> \w+/.test(out)) {
            clearTimeout(timer);
            done();
          }
        });
      });
    } finally {
      watch.kill('SIGINT');
    }
    expect(out).not.toContain('peer 127.0.0.1 ');
  });
});

describe('announcer add-eip and replace', () => {
  it('say whether each path was added, updated (and how) or left unchanged', async () => {
    const args = ['add-eip', '203.0.113.10', '--next-hop', '198.51.100.11'];
    // router1 refuses every connect: what it will get is counted by its configuration.
    const added = await announcer([...args, '--local-pref', '200']);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toMatch(/^added 203\.0\.113\.10\/32 via 198\.51\.100\.11 \(path-id 1, owner cli\)\n {2}to router1: 1 of 1 path once up \(not established \((Idle|Connect|Active)\)\)\n$/);
    expect((await announcer([...args, '--local-pref', '200'])).stdout).toMatch(/^unchanged 203\.0\.113\.10\/32 via 198\.51\.100\.11 \(path-id 1, owner cli\)\n {2}to router1: /);
    expect((await announcer([...args, '--community', '65000:1'])).stdout).toMatch(
      /^updated 203\.0\.113\.10\/32 via 198\.51\.100\.11 \(path-id 1, owner cli\): community 65000:1 added\n {2}to router1: /,
    );
    expect((await announcer([...args, '--community', '65000:1', '--replace-attributes'])).stdout).toMatch(
      /^updated 203\.0\.113\.10\/32 via 198\.51\.100\.11 \(path-id 1, owner cli\): local-pref 200 removed\n {2}to router1: /,
    );
  });

  it('replace of an unchanged file reports every path unchanged, a prefix\'s attributes given on each of its paths', async () => {
    const file = join(dir, 'paths.yaml');
    await writeFile(
      file,
      stringify([
        { prefix: '203.0.113.20/32', nextHop: '198.51.100.11', communities: ['65000:7'] },
        { prefix: '203.0.113.20/32', nextHop: '198.51.100.12', communities: ['65000:7'] },
      ]),
    );
    expect((await announcer(['replace', '--owner', 'lb', '--file', file])).stdout).toMatch(/^added 2, removed 0, updated 0, unchanged 0\n {2}to router1: \d+ of 2 paths once up/);
    const again = await announcer(['replace', '--owner', 'lb', '--file', file]);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toMatch(/^added 0, removed 0, updated 0, unchanged 2\n/);
  });
});

describe('announcer replace of a large JSON file', () => {
  // 70,000 paths of the common shape go out in blocks while the file is read; the daemon holds
  // them until the whole set has come.
  const common = Array.from({ length: 70_000 }, (_, i) => ({ prefix: `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`, nextHop: `198.51.100.${11 + (i % 20)}` }));

  it('is applied whole, and again with the parsers when a path far down is not of the common shape', async () => {
    const file = join(dir, 'large.json');
    await writeFile(file, JSON.stringify(common));
    const r = await announcer(['replace', '--owner', 'big', '--file', file]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^added 70000, removed 0, updated 0, unchanged 0\n/);
    // The last path has a MED: the fast reader leaves the file after its first blocks went out;
    // those are not applied, and the file read by the parsers is.
    const odd = [...common.slice(0, 69_999), { prefix: '198.19.200.1/32', nextHop: '198.51.100.11', med: 5 }];
    await writeFile(file, JSON.stringify(odd));
    const again = await announcer(['replace', '--owner', 'big', '--file', file, '--json']);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 1, removed: 1, updated: 0, unchanged: 69_999 });
    const one = async (prefix: string): Promise<unknown[]> => (JSON.parse((await announcer(['list', '--json', '--prefix', prefix])).stdout) as { paths: unknown[] }).paths;
    expect(await one('198.19.200.1/32')).toMatchObject([{ owner: 'big', attributes: { med: 5 } }]);
    expect(await one('198.19.17.111/32')).toEqual([]); // the path the odd one took the place of
    // A file whose late path is malformed is refused whole, naming it as the parsers do.
    await writeFile(file, JSON.stringify([...common.slice(0, 69_999), { prefix: '198.19.200.2/32', med: 'five' }]));
    const bad = await announcer(['replace', '--owner', 'big', '--file', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('paths[69999].med');
    expect(await one('198.19.200.1/32')).toMatchObject([{ owner: 'big', attributes: { med: 5 } }]);
    await writeFile(file, JSON.stringify(odd));
    expect((await announcer(['replace', '--owner', 'big', '--file', file])).stdout).toMatch(/^added 0, removed 0, updated 0, unchanged 70000\n/);
  });
});

describe('mistakes', () => {
  it("a refusal is in the CLI's words, exit 1; as JSON with --json", async () => {
    expect(await announcer(['del-eip', '203.0.113.77'])).toEqual({ code: 1, stdout: '', stderr: 'error: no path 203.0.113.77/32 is announced\n' });
    const j = await announcer(['del-eip', '203.0.113.77', '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stderr)).toMatchObject({ error: { exitCode: 1, kind: 'refused', status: 'NOT_FOUND' } });
  });

  it('a malformed value is a usage error (exit 2) before any daemon is asked, running or not', async () => {
    const nobody = `unix:${join(dir, 'nobody.sock')}`;
    const cases: [string[], string][] = [
      [['add-eip', '203.0.113.300'], "'203.0.113.300' is invalid for argument 'prefix'. expected an IPv4 or IPv6 prefix"],
      [['add-eip', '203.0.113.11/24'], '203.0.113.11/24 has host bits set: did you mean 203.0.113.0/24 (the network) or 203.0.113.11 (the address alone)?'],
      [['add-eip', '203.0.113.10', '--community', '70000:1'], "option '--community <a:b>' argument '70000:1' is invalid. expected A:B with each part in 0..65535"],
      [['add-eip', '203.0.113.10', '--large-community', '1:2'], "option '--large-community <a:b:c>' argument '1:2' is invalid"],
      [['add-eip', '203.0.113.10', '--prepend', '11'], "option '--prepend <n>' argument '11' is invalid. expected an integer in 0..10."],
      [['add-eip', '203.0.113.10', '--ext-community', 'rt:65536:65536'], "option '--ext-community <rt:a:b>' argument 'rt:65536:65536' is invalid. expected rt:ASN:N, rt:IPV4:N"],
      [['add-eip', '203.0.113.10', '--next-hop', 'router1'], "option '--next-hop <ip[=weight]>' argument 'router1' is invalid. expected an IP address or \"self\""],
      [['add-eip', '203.0.113.10', '--next-hop', '2001:db8::5'], '--next-hop 2001:db8::5 is IPv6 but the prefix is IPv4'],
      [['del-eip', '2001:db8::/129'], "'2001:db8::/129' is invalid for argument 'prefix'"],
    ];
    for (const [args, message] of cases) {
      for (const api of [undefined, nobody]) {
        const r = await announcer([...(api ? ['--api', api] : []), ...args]);
        expect(r.code, `${args.join(' ')} (${api ?? 'daemon up'})`).toBe(2);
        expect(r.stderr, args.join(' ')).toContain(message);
        expect(r.stdout).toBe('');
      }
    }
    const j = await announcer(['--api', nobody, 'add-eip', '203.0.113.10', '--community', '70000:1', '--json']);
    expect(JSON.parse(j.stderr)).toMatchObject({ error: { exitCode: 2, kind: 'usage' } });
  });

  it('a usage error is one line and a hint, exit 2: a bad --med, an unknown flag, --api with a port out of range', async () => {
    expect(await announcer(['add-eip', '203.0.113.10', '--med', 'x'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: option '--med <n>' argument 'x' is invalid. expected an integer in 0..4294967295.\nsee: announcer add-eip --help\n",
    });
    expect(await announcer(['add-eip', '203.0.113.10', '--med', '-1'])).toMatchObject({ code: 2, stdout: '' });
    expect(await announcer(['list', '--bogus'])).toEqual({ code: 2, stdout: '', stderr: "error: unknown option '--bogus'\nsee: announcer list --help\n" });
    const port = await announcer(['--api', '127.0.0.1:99999', 'list']);
    expect(port).toEqual({ code: 2, stdout: '', stderr: 'error: invalid API address "127.0.0.1:99999": port 99999 is out of range 1-65535\nsee: announcer list --help\n' });
    const j = await announcer(['list', '--bogus', '--json']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stderr)).toEqual({ error: { message: "unknown option '--bogus'", exitCode: 2, kind: 'usage', hint: 'announcer list --help' } });
  });

  it('exit 3 when no daemon answers', async () => {
    const r = await announcer(['--api', `unix:${join(dir, 'nobody.sock')}`, 'list']);
    expect(r.code).toBe(3);
  });
});

describe('the code cache', () => {
  it('is kept after a command that called the daemon, not after --version, and answers the same with it', async () => {
    const cache = join(dir, 'xdg');
    const env = { XDG_CACHE_HOME: cache };
    const files = (): string[] => (existsSync(join(cache, 'announcer')) ? readdirSync(join(cache, 'announcer')) : []);
    expect((await announcer(['--version'], env)).code).toBe(0);
    expect(files()).toEqual([]);
    const cold = await announcer(['list', '--owner', 'nobody', '--json'], env);
    expect(cold.code, JSON.stringify(cold)).toBe(0);
    expect(files()).toEqual([expect.stringMatching(/^program-[0-9a-f]{20}\.v8cache$/)]);
    const warm = await announcer(['list', '--owner', 'nobody', '--json'], env);
    expect(warm).toEqual(cold);
    // A refusal and a usage error read the same with the cache as without.
    for (const args of [['add-eip', '203.0.113.1', '--med', 'x'], ['del-eip', '203.0.113.77', '--owner', 'nobody']]) {
      expect(await announcer(args, env)).toEqual(await announcer(args, { ANNOUNCER_CODE_CACHE: 'off' }));
    }
  });
});

describe('announcer health', () => {
  it('takes --json like every command: the status, and whether it is serving', async () => {
    const r = await announcer(['health', '--json']);
    expect(r).toEqual({ code: 0, stdout: '{"service":"","status":"SERVING","serving":true}\n', stderr: '' });
    const unknown = await announcer(['health', '--service', 'nope', '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toEqual({ service: 'nope', status: 'SERVICE_UNKNOWN', serving: false });
  });
});

describe('signals', () => {
  it('SIGHUP does not end the daemon: it says reloading is not supported yet and keeps answering', async () => {
    daemon.kill('SIGHUP');
    await answerUntil(['peers', '--json'], () => /SIGHUP/.test(daemonOutput), 'the SIGHUP warning in the log');
    expect(daemon.exitCode).toBeNull();
    expect(daemonOutput).toContain('SIGHUP: reloading the configuration is not supported yet');
    expect((await announcer(['peers', '--json'])).code).toBe(0);
  });
});

describe('announcer daemon --check', () => {
  it('validates a config without starting anything: 0 with a summary, 2 naming every problem', async () => {
    const good = await announcer(['daemon', '--check', '--config', join(dir, 'announcer.yaml')]);
    expect(good).toEqual({ code: 0, stdout: `${join(dir, 'announcer.yaml')}: good: AS 65000, router id 192.0.2.1, 1 peer (router1), API on ${api}, no state file\n`, stderr: '' });
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'asn: 65000\nrouterId: 0.0.0.0\npeers:\n  - { address: 198.51.100.1, asn: 65001, holdTime: 2 }\n');
    const r = await announcer(['daemon', '--check', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^.*bad\.yaml: 2 problems\nrouterId: .*\npeers\[0\]\.holdTime: .*\n$/);
    // Nothing was started: the running daemon's socket is the only one in the directory.
    expect(existsSync(join(dir, 'api.sock'))).toBe(true);
  });
});
