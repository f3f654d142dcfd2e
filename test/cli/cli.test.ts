import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { createProgram, type ProgramHooks } from '../../src/cli/program.js';
import { ESTABLISHED_PEER, IDLE_PEER, MemorySpeaker } from '../api/memory-speaker.js';

let dir: string;
let speaker: MemorySpeaker;
let server: ApiServer;
/** 90 minutes after ESTABLISHED_PEER came up. */
const NOW = ESTABLISHED_PEER.since + 90 * 60_000;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'announcer-cli-'));
  speaker = new MemorySpeaker();
  server = await startApiServer(speaker, { socket: join(dir, 'announcer.sock') });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => speaker.reset());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI against the test server (via ANNOUNCER_API unless `env` says otherwise). */
async function cli(args: string[], env: Record<string, string | undefined> = { ANNOUNCER_API: server.address }, hooks?: ProgramHooks): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    now: () => NOW,
  };
  const code = await createProgram(io, hooks).run(args);
  return { code, stdout, stderr };
}

async function seed(): Promise<void> {
  speaker.addPaths([
    { prefix: '203.0.113.10/32', nextHop: '198.51.100.11', communities: ['65000:100'], localPref: 200, owner: 'lb' },
    { prefix: '203.0.113.10/32', nextHop: '198.51.100.12', communities: ['65000:100'], localPref: 200, owner: 'lb' },
    { prefix: '2001:db8::10/128', nextHop: '2001:db8::11' },
  ]);
}

describe('add-eip', () => {
  it('announces one path per next hop with the given attributes', async () => {
    const r = await cli([
      'add-eip', '203.0.113.10',
      '--next-hop', '198.51.100.11', '--next-hop', '198.51.100.12',
      '--community', '65000:100', '--community', '65000:200',
      '--large-community', '65000:1:2',
      '--local-pref', '200', '--med', '0', '--owner', 'lb',
    ]);
    expect(r).toEqual({
      code: 0,
      stdout: 'announced 203.0.113.10/32 via 198.51.100.11 (path-id 1, owner lb)\nannounced 203.0.113.10/32 via 198.51.100.12 (path-id 2, owner lb)\n',
      stderr: '',
    });
    expect(speaker.paths.map((p) => p.attributes)).toStrictEqual([
      { communities: ['65000:100', '65000:200'], largeCommunities: ['65000:1:2'], localPref: 200, med: 0 },
      { communities: ['65000:100', '65000:200'], largeCommunities: ['65000:1:2'], localPref: 200, med: 0 },
    ]);
  });

  it("uses the daemon's default next hop and owner when none is given; --json prints the paths", async () => {
    const r = await cli(['add-eip', '203.0.113.20', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toStrictEqual({
      paths: [{ prefix: '203.0.113.20/32', family: 'ipv4-unicast', nextHop: '198.51.100.2', attributes: { communities: [], largeCommunities: [] }, owner: 'cli', pathId: 1 }],
    });
  });

  it("prints the server's refusal on stderr and exits 1, changing nothing", async () => {
    const r = await cli(['add-eip', '203.0.113.10', '--next-hop', '198.51.100.11', '--next-hop', '2001:db8::1']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: paths[1].nextHop: "2001:db8::1" is not an IPv4 address or "self"\n' });
    expect(speaker.paths).toEqual([]);
  });

  it('refuses a non-numeric or out-of-range --local-pref / --med as a usage error', async () => {
    const r = await cli(['add-eip', '203.0.113.10', '--local-pref', 'high']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--local-pref <n>' argument 'high' is invalid. expected an integer in 0..4294967295.");
    const med = await cli(['add-eip', '203.0.113.10', '--med', '4294967296']);
    expect(med.code).toBe(2);
    expect(med.stderr).toContain("'--med <n>'");
    expect(speaker.paths).toEqual([]);
  });

  it('prints usage when PREFIX is missing', async () => {
    const r = await cli(['add-eip', '--next-hop', '198.51.100.11']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("error: missing required argument 'prefix'");
    expect(r.stderr).toContain('Usage: announcer add-eip [options] <prefix>');
    expect(r.stderr).toContain('--next-hop <ip>');
  });
});

describe('del-eip', () => {
  it('withdraws the paths via the given next hops', async () => {
    await seed();
    const r = await cli(['del-eip', '203.0.113.10', '--next-hop', '198.51.100.12']);
    expect(r).toEqual({ code: 0, stdout: 'withdrew 203.0.113.10/32 via 198.51.100.12 (path-id 2, owner lb)\n', stderr: '' });
    expect(speaker.paths.map((p) => p.nextHop)).toEqual(['198.51.100.11', '2001:db8::11']);
  });

  it('withdraws every path of the prefix without --next-hop; --json prints them', async () => {
    await seed();
    const r = await cli(['del-eip', '203.0.113.10/32', '--owner', 'lb', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { removed: { nextHop: string; pathId: number }[] };
    expect(out.removed.map((p) => [p.nextHop, p.pathId])).toEqual([['198.51.100.11', 1], ['198.51.100.12', 2]]);
    expect(speaker.paths.map((p) => p.prefix)).toEqual(['2001:db8::10/128']);
  });

  it('reports NOT_FOUND on stderr with exit 1', async () => {
    await seed();
    const r = await cli(['del-eip', '203.0.113.99']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: prefix: no path of 203.0.113.99/32 matches\n' });
    expect(speaker.paths).toHaveLength(3);
  });

  it('prints usage when PREFIX is missing', async () => {
    const r = await cli(['del-eip']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: missing required argument 'prefix'");
    expect(r.stderr).toContain('Usage: announcer del-eip [options] <prefix>');
  });
});

describe('list', () => {
  it('prints an aligned table', async () => {
    await seed();
    const r = await cli(['list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'PREFIX            NEXT-HOP       PATH-ID  OWNER  ATTRIBUTES',
        '203.0.113.10/32   198.51.100.11  1        lb     communities=65000:100 local-pref=200',
        '203.0.113.10/32   198.51.100.12  2        lb     communities=65000:100 local-pref=200',
        '2001:db8::10/128  2001:db8::11   3        cli    -',
        '',
      ].join('\n'),
    );
  });

  it('filters by owner and prefix; --json prints one document', async () => {
    await seed();
    const r = await cli(['list', '--owner', 'cli', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toStrictEqual({ paths: [speaker.paths[2]] });
    const p = await cli(['list', '--prefix', '203.0.113.10', '--json']);
    expect((JSON.parse(p.stdout) as { paths: unknown[] }).paths).toHaveLength(2);
  });

  it('says so when there is nothing', async () => {
    expect(await cli(['list'])).toEqual({ code: 0, stdout: 'no paths\n', stderr: '' });
    expect(JSON.parse((await cli(['list', '--json'])).stdout)).toEqual({ paths: [] });
  });
});

describe('peers', () => {
  it('prints a table', async () => {
    speaker.peers = [ESTABLISHED_PEER, IDLE_PEER];
    const r = await cli(['peers']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'PEER                 ASN         STATE        SINCE  PREFIXES-SENT  FAMILIES                                 LAST-ERROR',
        '198.51.100.1         65001       Established  1h30m  3              ipv4-unicast[add-path tx], ipv6-unicast  -',
        '[2001:db8::1]:17900  4200000001  Active       1h28m  0              -                                        connect ECONNREFUSED 2001:db8::1:17900',
        '',
      ].join('\n'),
    );
  });

  it('prints one JSON document with --json', async () => {
    speaker.peers = [ESTABLISHED_PEER, IDLE_PEER];
    const r = await cli(['peers', '--json']);
    expect(JSON.parse(r.stdout)).toStrictEqual({ peers: [ESTABLISHED_PEER, IDLE_PEER] });
  });
});

describe('finding the daemon', () => {
  it('takes --api before or after the subcommand over $ANNOUNCER_API', async () => {
    await seed();
    const env = { ANNOUNCER_API: `unix:${join(dir, 'wrong.sock')}` };
    expect((await cli(['--api', server.address, 'list', '--json'], env)).code).toBe(0);
    expect((await cli(['list', '--api', server.address, '--json'], env)).code).toBe(0);
  });

  it('says clearly when the daemon is not running', async () => {
    const target = `unix:${join(dir, 'nobody.sock')}`;
    const r = await cli(['peers', '--api', target]);
    expect(r).toEqual({ code: 3, stdout: '', stderr: `error: cannot reach the announcer daemon at ${target} (is \`announcer daemon\` running?)\n` });
  });

  it('defaults to unix:/run/announcer/announcer.sock', async () => {
    // Whether or not a daemon runs on this machine, the help names the default it would use.
    const r = await cli(['--help'], {});
    expect(r.stdout).toContain('unix:/run/announcer/announcer.sock');
  });

  it('refuses an address that is neither unix:PATH nor HOST:PORT', async () => {
    const r = await cli(['list', '--api', 'localhost']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'error: invalid API address "localhost": expected unix:PATH or HOST:PORT\n' });
  });
});

describe('the program', () => {
  it('prints help on stdout with --help and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['add-eip', 'del-eip', 'list', 'peers', '--api']) expect(r.stdout).toContain(c);
  });

  it('rejects an unknown command with exit 2', async () => {
    const r = await cli(['add-ip', '203.0.113.10']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'add-ip'");
    expect(r.stderr).toContain('(Did you mean add-eip?)');
  });

  it('runs the daemon hook with --config and returns its status', async () => {
    const calls: unknown[] = [];
    const hooks: ProgramHooks = {
      daemon: async (o) => {
        calls.push(o);
        return 7;
      },
    };
    expect((await cli(['daemon', '--config', '/etc/announcer.yaml'], {}, hooks)).code).toBe(7);
    expect(calls).toEqual([{ config: '/etc/announcer.yaml' }]);
    const missing = await cli(['daemon'], {}, hooks);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--config <file>' not specified");
    expect((await cli(['daemon', '--config', 'x'])).stderr).toContain("unknown command 'daemon'");
  });
});
