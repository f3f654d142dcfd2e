// The CLI against a real API server and the real Speaker (no peers): what an operator types, sees,
// and gets as an exit status.

import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProgram, type CliIo, type ProgramHooks } from '../../src/cli/program.js';
import { makeCerts } from '../api/certs.js';
import { eventually, startFixture, type ApiFixture } from '../api/fixture.js';
import { FakeProber, webCheck } from '../api/health-fixture.js';
import type { AnnouncedPath } from '../../src/client.js';

let f: ApiFixture;

beforeEach(async () => {
  f = await startFixture();
});

afterEach(async () => {
  await f?.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Output captured as it is written, for commands still running. */
interface Live {
  readonly stdout: string;
  readonly stderr: string;
  readonly done: Promise<number>;
}

function start(args: string[], env: Record<string, string | undefined> = { ANNOUNCER_API: f.server.address }, extra: Partial<CliIo> = {}, hooks?: ProgramHooks): Live {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
    env,
    now: () => Date.now(),
    signals: new EventEmitter(),
    ...extra,
  };
  const done = createProgram(io, hooks).run(args);
  return {
    get stdout() {
      return out.stdout;
    },
    get stderr() {
      return out.stderr;
    },
    done,
  };
}

/** Runs the CLI against the test server (via ANNOUNCER_API unless `env` says otherwise). */
async function cli(args: string[], env?: Record<string, string | undefined>, extra?: Partial<CliIo>, hooks?: ProgramHooks): Promise<Run> {
  const live = start(args, env, extra, hooks);
  const code = await live.done;
  return { code, stdout: live.stdout, stderr: live.stderr };
}

async function seed(): Promise<void> {
  await f.client.addPaths([
    { prefix: '203.0.113.10/32', nextHop: '198.51.100.11', communities: ['65000:100'], localPref: 200, owner: 'lb' },
    { prefix: '203.0.113.10/32', nextHop: '198.51.100.12', communities: ['65000:100'], localPref: 200, owner: 'lb' },
    { prefix: '2001:db8::10/128', nextHop: '2001:db8::11' },
  ]);
}

async function paths(): Promise<string[]> {
  return (await f.client.listPaths()).map((p) => `${p.prefix} via ${p.nextHop} [${p.owners.join(',')}]`).sort();
}

describe('add-eip', () => {
  it('announces one path per next hop with the given attributes', async () => {
    const r = await cli([
      'add-eip', '203.0.113.10',
      '--next-hop', '198.51.100.11', '--next-hop', '198.51.100.12',
      '--community', '65000:200', '--community', '65000:100',
      '--large-community', '65000:1:2',
      '--local-pref', '200', '--med', '0', '--owner', 'lb',
    ]);
    expect(r).toEqual({
      code: 0,
      stdout: 'added 203.0.113.10/32 via 198.51.100.11 (path-id 1, owner lb)\nadded 203.0.113.10/32 via 198.51.100.12 (path-id 2, owner lb)\n  no peers are configured: announced to nobody\n',
      stderr: '',
    });
    expect((await f.client.listPaths()).map((p) => p.attributes)).toStrictEqual([
      { communities: ['65000:100', '65000:200'], largeCommunities: ['65000:1:2'], extendedCommunities: [], localPref: 200, med: 0 },
      { communities: ['65000:100', '65000:200'], largeCommunities: ['65000:1:2'], extendedCommunities: [], localPref: 200, med: 0 },
    ]);
  });

  it('takes extended communities as FRR and BIRD users write them, and lists them in canonical form', async () => {
    const r = await cli(['add-eip', '203.0.113.30', '--ext-community', 'soo:65000:1', '--ext-community', 'RT:65000:100', '--ext-community', 'lb:65000:1e6', '--ext-community', 'rt:65000:100']);
    expect(r.code).toBe(0);
    expect((await f.client.listPaths()).map((p) => p.attributes.extendedCommunities)).toEqual([['rt:65000:100', 'soo:65000:1', 'lb:65000:1000000']]);
    const listed = await cli(['list']);
    expect(listed.stdout).toContain('ext-communities=rt:65000:100,soo:65000:1,lb:65000:1000000');
    const changed = await cli(['add-eip', '203.0.113.30', '--ext-community', 'rt:65000:100']);
    expect(changed.stdout).toContain('ext-community soo:65000:1 removed, ext-community lb:65000:1000000 removed');
  });

  it("uses the daemon's default next hop and the owner cli when none is given; --json prints the paths", async () => {
    const r = await cli(['add-eip', '203.0.113.20', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toStrictEqual({
      paths: [{ prefix: '203.0.113.20/32', family: 'ipv4-unicast', nextHop: 'self', attributes: { communities: [], largeCommunities: [], extendedCommunities: [] }, owner: 'cli', pathId: 1, owners: ['cli'], outcome: 'added' }],
      reach: [{ prefix: '203.0.113.20/32', peers: [] }],
      alsoUpdated: [],
    });
  });

  it('says whether it added, updated (and what changed) or left a path unchanged', async () => {
    const args = ['add-eip', '203.0.113.10', '--next-hop', '198.51.100.11'];
    expect((await cli([...args, '--local-pref', '200'])).stdout).toBe('added 203.0.113.10/32 via 198.51.100.11 (path-id 1, owner cli)\n  no peers are configured: announced to nobody\n');
    expect((await cli([...args, '--local-pref', '200'])).stdout).toBe('unchanged 203.0.113.10/32 via 198.51.100.11 (path-id 1, owner cli)\n  no peers are configured: announced to nobody\n');
    // An attribute given changes that one: the local-pref stays ...
    expect((await cli([...args, '--community', '65000:1'])).stdout).toBe(
      'updated 203.0.113.10/32 via 198.51.100.11 (path-id 1, owner cli): community 65000:1 added\n  no peers are configured: announced to nobody\n',
    );
    const r = await cli([...args, '--community', '65000:1', '--json']);
    expect((JSON.parse(r.stdout) as { paths: { outcome: string }[] }).paths.map((p) => p.outcome)).toEqual(['unchanged']);
    // ... unless asked to replace them all; the prefix's other path changes with it, and says so.
    await cli(['add-eip', '203.0.113.10', '--next-hop', '198.51.100.12']);
    expect((await cli([...args, '--community', '65000:2', '--replace-attributes'])).stdout).toBe(
      'updated 203.0.113.10/32 via 198.51.100.11 (path-id 1, owner cli): local-pref 200 removed, community 65000:1 removed, community 65000:2 added\n' +
        'also updated 203.0.113.10/32 via 198.51.100.12 (path-id 2, owner cli): local-pref 200 removed, community 65000:1 removed, community 65000:2 added\n' +
        '  no peers are configured: announced to nobody\n',
    );
  });

  it("refuses to change another owner's attributes, naming the owner and the flag (exit 1)", async () => {
    await f.client.addPaths([{ prefix: '203.0.113.50', nextHop: '198.51.100.12', owner: 'lb', communities: ['65000:777'] }]);
    const plain = await cli(['add-eip', '203.0.113.50', '--next-hop', '198.51.100.13']);
    expect(plain.stdout).toBe('added 203.0.113.50/32 via 198.51.100.13 (path-id 2, owner cli)\n  no peers are configured: announced to nobody\n');
    const r = await cli(['add-eip', '203.0.113.50', '--next-hop', '198.51.100.13', '--community', '65535:0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: --community: the attributes of 203\.0\.113\.50\/32 were set by owner lb, which still has a path of it/);
    expect((await f.client.listPaths({ prefix: '203.0.113.50' })).map((p) => p.attributes.communities)).toEqual([['65000:777'], ['65000:777']]);
  });

  it('takes weights per next hop (--next-hop IP=N) or for all (--weight N), shows them, and refuses a bad one (exit 2)', async () => {
    const r = await cli(['add-eip', '203.0.113.60', '--next-hop', '198.51.100.11=2', '--next-hop', '198.51.100.12', '--weight', '3']);
    expect(r.stdout).toBe(
      'added 203.0.113.60/32 via 198.51.100.11 (path-id 1, owner cli, weight 2)\nadded 203.0.113.60/32 via 198.51.100.12 (path-id 2, owner cli, weight 3)\n  no peers are configured: announced to nobody\n',
    );
    expect((await f.client.listPaths({ prefix: '203.0.113.60' })).map((p) => p.weight)).toEqual([2, 3]);
    expect((await cli(['list', '--prefix', '203.0.113.60'])).stdout).toContain('198.51.100.11=2');
    expect((await cli(['add-eip', '203.0.113.60', '--next-hop', '198.51.100.12=5'])).stdout).toMatch(/^updated .*: now no check, weight 5\n/);
    for (const bad of [['--weight', '0'], ['--weight', '1001'], ['--next-hop', '198.51.100.11=x']]) {
      const e = await cli(['add-eip', '203.0.113.61', ...bad]);
      expect(e.code, bad.join(' ')).toBe(2);
      expect(e.stderr, bad.join(' ')).toMatch(/weight is a whole number from 1 to 1000/);
    }
  });

  it('says "owners" when the path is shared', async () => {
    await f.client.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.11', owner: 'lb' }]);
    const r = await cli(['add-eip', '203.0.113.10', '--next-hop', '198.51.100.11', '--owner', 'ops']);
    expect(r.stdout).toBe('added 203.0.113.10/32 via 198.51.100.11 (path-id 1, owners lb,ops): it was announced already, nothing changed on the wire\n  no peers are configured: announced to nobody\n');
  });

  it("prints the server's refusal on stderr and exits 1, changing nothing", async () => {
    // Well formed (the CLI checks that before the call), but no router takes it: the daemon says so.
    const r = await cli(['add-eip', '203.0.113.10', '--next-hop', '198.51.100.11', '--next-hop', '0.0.0.0']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: --next-hop 0\.0\.0\.0 .*the unspecified address/);
    expect(await paths()).toEqual([]);
  });

  it('with --json, says why as one JSON document', async () => {
    const r = await cli(['add-eip', '203.0.113.10', '--next-hop', '0.0.0.0', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toEqual({
      error: { message: expect.stringMatching(/^--next-hop 0\.0\.0\.0 .*the unspecified address/), exitCode: 1, kind: 'refused', status: 'INVALID_ARGUMENT', flag: '--next-hop' },
    });
    const usage = await cli(['add-eip', '203.0.113.10', '--med', 'x', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr)).toEqual({
      error: { message: "option '--med <n>' argument 'x' is invalid. expected an integer in 0..4294967295.", exitCode: 2, kind: 'usage', hint: 'announcer add-eip --help' },
    });
  });

  it('refuses a non-numeric or out-of-range --local-pref / --med as a usage error', async () => {
    const r = await cli(['add-eip', '203.0.113.10', '--local-pref', 'high']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--local-pref <n>' argument 'high' is invalid. expected an integer in 0..4294967295.");
    const med = await cli(['add-eip', '203.0.113.10', '--med', '4294967296']);
    expect(med.code).toBe(2);
    expect(med.stderr).toContain("'--med <n>'");
    expect(await paths()).toEqual([]);
  });

  it('says in one line what is missing, and where to read more, when PREFIX is missing', async () => {
    const r = await cli(['add-eip', '--next-hop', '198.51.100.11']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: "error: missing required argument 'prefix'\nsee: announcer add-eip --help\n" });
  });
});

describe('del-eip', () => {
  it('withdraws the paths via the given next hops', async () => {
    await seed();
    const r = await cli(['del-eip', '203.0.113.10', '--next-hop', '198.51.100.12']);
    expect(r).toEqual({ code: 0, stdout: 'withdrew 203.0.113.10/32 via 198.51.100.12 (path-id 2, owner lb)\n', stderr: '' });
    expect(await paths()).toEqual(['2001:db8::10/128 via 2001:db8::11 [cli]', '203.0.113.10/32 via 198.51.100.11 [lb]']);
  });

  it("withdraws every path of the prefix without --next-hop, only the owner's with --owner; --json prints them", async () => {
    await seed();
    expect((await cli(['del-eip', '203.0.113.10/32', '--owner', 'cli'])).code).toBe(1);
    const r = await cli(['del-eip', '203.0.113.10/32', '--owner', 'lb', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { removed: { nextHop: string; pathId: number }[] };
    expect(out.removed.map((p) => [p.nextHop, p.pathId])).toEqual([['198.51.100.11', 1], ['198.51.100.12', 2]]);
    expect(await paths()).toEqual(['2001:db8::10/128 via 2001:db8::11 [cli]']);
  });

  it('reports NOT_FOUND on stderr with exit 1', async () => {
    await seed();
    const r = await cli(['del-eip', '203.0.113.99']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: no path 203.0.113.99/32 is announced\n');
    expect(await paths()).toHaveLength(3);
  });

  it('prints usage when PREFIX is missing', async () => {
    const r = await cli(['del-eip']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: missing required argument 'prefix'\nsee: announcer del-eip --help\n");
  });
});

describe('shutdown', () => {
  const DOWN_PEER = { name: 'router4', address: '192.0.2.99', port: 17900, asn: 65001, passive: true, holdTime: 90, connectRetry: 5, families: ['ipv4-unicast' as const], addPath: 'off' as const };

  it('--restart says per peer what its router keeps: nothing where the session is not up, and exits 0', async () => {
    await f.close();
    f = await startFixture({ speaker: { peers: [{ ...DOWN_PEER, gracefulRestart: { restartTime: 120 } }] } });
    const r = await cli(['shutdown', '--restart']);
    expect(r).toEqual({
      code: 0,
      stdout: [
        'the daemon is stopping for a restart, but no router keeps its paths: they are withdrawn',
        'router4 192.0.2.99: withdrawn: session not established: the router holds nothing from us',
        '',
      ].join('\n'),
      stderr: '',
    });
    expect(await f.speaker.shutdownRequested).toBe('restart');
  });

  it('prints what the daemon decided per peer, kept for how long or withdrawn and why; --json the list', async () => {
    const outcomes = [
      { name: 'router1', address: '198.51.100.1', kept: true, restartTime: 120 },
      { name: 'router2', address: '198.51.100.2', kept: false, reason: 'graceful restart not negotiated (the router did not offer it)' },
    ];
    await f.close();
    f = await startFixture({ wrap: (s) => new Proxy(s, { get: (t, k) => (k === 'shutdown' ? () => outcomes : Reflect.get(t, k)) }) });
    expect((await cli(['shutdown', '--restart'])).stdout).toBe(
      [
        'the daemon is stopping for a restart: 1 of 2 routers keep its paths until it is back',
        'router1 198.51.100.1: kept as stale for 120 s',
        'router2 198.51.100.2: withdrawn: graceful restart not negotiated (the router did not offer it)',
        '',
      ].join('\n'),
    );
    expect(JSON.parse((await cli(['shutdown', '--restart', '--json'])).stdout)).toEqual({ stopping: true, mode: 'restart', peers: outcomes });
  });

  it('without --restart says every path is withdrawn, in JSON too', async () => {
    const r = await cli(['shutdown', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ stopping: true, mode: 'withdraw', peers: [] });
    expect(await f.speaker.shutdownRequested).toBe('withdraw');
  });
});

describe('drain', () => {
  it('drains, says how and until when, shows in peers, and undrains', async () => {
    const now = Date.UTC(2026, 11, 8, 12, 0, 0);
    const at = { now: () => now };
    const r = await cli(['drain', '--for', '30s'], undefined, at);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^draining since \d\d:\d\d:\d\d UTC: every path is sent with GRACEFUL_SHUTDOWN \(65535:0\), and LOCAL_PREF 0 to iBGP peers; withdrawn in \d+ s \(\d\d:\d\d:\d\d UTC\)\n$/);
    expect(f.speaker.drainStatus()).toMatchObject({ state: 'draining', withdrawAt: expect.any(Number) });
    expect((await cli(['peers'])).stdout).toMatch(/^draining since .*\nno peers configured\n$/);
    expect(JSON.parse((await cli(['drain', '--status', '--json'])).stdout)).toMatchObject({ state: 'draining', since: expect.any(Number), withdrawAt: expect.any(Number) });
    expect((await cli(['undrain'])).stdout).toBe('announcing: not draining\n');
    expect((await cli(['peers'])).stdout).toBe('no peers configured\n');
    // Without --for the paths stay, drained, until undrain.
    expect((await cli(['drain'])).stdout).toMatch(/; until undrain\n$/);
    await cli(['undrain']);
  });

  it('refuses a time it cannot keep (exit 2), and --drain with --restart', async () => {
    for (const bad of ['25h', 'soon', '-1s']) {
      const r = await cli(['drain', '--for', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/--for/);
    }
    const r = await cli(['shutdown', '--drain', '1s', '--restart']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--drain and --restart');
    expect(f.speaker.drainStatus().state).toBe('announcing');
  });

  it('shutdown --drain drains, waits, then stops the daemon', async () => {
    const t0 = Date.now();
    const r = await cli(['shutdown', '--drain', '300ms']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^draining since .*withdrawn in 0 s .*\nthe daemon is stopping/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(await f.speaker.shutdownRequested).toBe('withdraw');
  });
});

describe('list', () => {
  it('prints an aligned table with every owner of each path', async () => {
    await seed();
    await f.client.addPaths([{ prefix: '203.0.113.10/32', nextHop: '198.51.100.12', communities: ['65000:100'], localPref: 200, owner: 'ops' }]);
    const r = await cli(['list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('PREFIX            NEXT-HOP       PATH-ID  OWNERS  ATTRIBUTES');
    expect(lines.slice(1).sort()).toEqual(
      [
        '',
        '203.0.113.10/32   198.51.100.11  1        lb      communities=65000:100 local-pref=200',
        '203.0.113.10/32   198.51.100.12  2        lb,ops  communities=65000:100 local-pref=200',
        '2001:db8::10/128  2001:db8::11   3        cli     -',
      ].sort(),
    );
  });

  it('filters by owner and prefix; --json prints one document', async () => {
    await seed();
    const r = await cli(['list', '--owner', 'cli', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toStrictEqual({ paths: await f.client.listPaths({ owner: 'cli' }) });
    const p = await cli(['list', '--prefix', '203.0.113.10', '--json']);
    expect((JSON.parse(p.stdout) as { paths: unknown[] }).paths).toHaveLength(2);
  });

  it('prints a large table as it arrives, in prefix order, aligned, and --json as one document', async () => {
    // 40,000 paths: 1,000 EIPs x 40 nodes, more than the parts the first lines wait for.
    const set: { prefix: string; nextHop: string }[] = [];
    for (let e = 999; e >= 0; e--) for (let n = 0; n < 40; n++) set.push({ prefix: `198.18.${e >> 8}.${e & 255}`, nextHop: `198.51.100.${100 + n}` });
    await f.speaker.replacePaths('lb', set);
    const writes: string[] = [];
    const r = await cli(['list'], undefined, { stdout: { write: (t: string) => void writes.push(t) } });
    expect(r.code).toBe(0);
    expect(writes.length).toBeGreaterThanOrEqual(3); // printed in parts, not at the end
    const lines = writes.join('').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(40_001);
    expect(lines[0]).toBe('PREFIX           NEXT-HOP        PATH-ID  OWNERS  ATTRIBUTES');
    expect(lines[1]).toMatch(/^198\.18\.0\.0\/32 {4}198\.51\.100\.100 {2}\d+ +lb {6}-$/);
    expect(lines.at(-1)).toMatch(/^198\.18\.3\.231\/32 {2}198\.51\.100\.139 {2}\d+ +lb {6}-$/);
    // Every line has its columns where the header has them.
    const at = lines[0]!.indexOf('NEXT-HOP');
    expect(lines.every((l, i) => i === 0 || (l[at - 1] === ' ' && l[at] === '1'))).toBe(true);
    const prefixes = lines.slice(1).map((l) => l.split(' ')[0]!);
    expect(prefixes.filter((_, i) => i % 40 === 0)).toEqual(Array.from({ length: 1000 }, (_, e) => `198.18.${e >> 8}.${e & 255}/32`));
    const j = await cli(['list', '--json']);
    expect(j.stdout).toBe(JSON.stringify({ paths: await f.client.listPaths() }, null, 2) + '\n');
  });

  it('--peer names a configured peer; another name is refused in the CLI\'s words', async () => {
    await seed();
    const r = await cli(['list', '--peer', 'router9']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: --peer router9 is not a configured peer (configured: none)\n');
  });

  it('says so when there is nothing', async () => {
    expect(await cli(['list'])).toEqual({ code: 0, stdout: 'no paths\n', stderr: '' });
    expect(JSON.parse((await cli(['list', '--json'])).stdout)).toEqual({ paths: [] });
  });
});

describe('peers', () => {
  it('says so when no peer is configured', async () => {
    expect(await cli(['peers'])).toEqual({ code: 0, stdout: 'no peers configured\n', stderr: '' });
  });

  it('prints a configured peer, and one JSON document with --json', async () => {
    await f.close();
    f = await startFixture({
      speaker: { peers: [{ name: 'r1', address: '192.0.2.9', port: 17900, asn: 65001, passive: true, holdTime: 90, connectRetry: 5, families: ['ipv4-unicast'], addPath: 'off' }] },
    });
    const r = await cli(['peers']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('PEER  ADDRESS          ASN    STATE   SINCE  PFX-SENT  PFX-RCVD  MSG-SENT  MSG-RCVD  FAMILIES  LAST-ERROR');
    expect(r.stdout.split('\n')[1]).toMatch(/^r1    192\.0\.2\.9:17900  65001  (Idle|Active)\s+\d+s\s+0\s+0\s+0\s+0\s+-\s+-$/);
    const j = await cli(['peers', '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ peers: [{ name: 'r1', address: '192.0.2.9', port: 17900, asn: 65001 }] });
    // --peer takes the name (or the address); anything else is refused in the CLI's words.
    expect(JSON.parse((await cli(['peers', '--peer', 'r1', '--json'])).stdout)).toMatchObject({ peers: [{ name: 'r1' }] });
    expect(JSON.parse((await cli(['peers', '--peer', '192.0.2.9', '--json'])).stdout)).toMatchObject({ peers: [{ name: 'r1' }] });
    expect(await cli(['peers', '--peer', 'r2'])).toEqual({ code: 1, stdout: '', stderr: 'error: --peer r2 is not a configured peer (configured: r1)\n' });
  });

  it('--json has graceful restart: ours as configured, theirs only once a session is up, and whether it is negotiated', async () => {
    await f.close();
    f = await startFixture({
      speaker: {
        peers: [
          { name: 'r1', address: '192.0.2.9', port: 17900, asn: 65001, passive: true, holdTime: 90, connectRetry: 5, families: ['ipv4-unicast'], addPath: 'off', gracefulRestart: { restartTime: 120 } },
          { name: 'r2', address: '192.0.2.10', port: 17900, asn: 65001, passive: true, holdTime: 90, connectRetry: 5, families: ['ipv4-unicast'], addPath: 'off' },
        ],
      },
    });
    const j = JSON.parse((await cli(['peers', '--json'])).stdout) as { peers: { gracefulRestart: unknown }[] };
    expect(j.peers.map((p) => p.gracefulRestart)).toEqual([{ ours: { restartTime: 120 }, negotiated: false }, { negotiated: false }]);
    // Nothing is negotiated while the session is down: the STATE column claims nothing.
    expect((await cli(['peers'])).stdout).not.toContain('GR');
  });
});

describe('replace', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'announcer-replace-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  it('refuses a file that gives one prefix two attribute sets, naming the entry of the file (exit 1), and changes nothing', async () => {
    // Plain paths are packed apart from those with attributes: the daemon's index is not the file's.
    const yaml = await file('two.yaml', '- 203.0.113.99\n- { prefix: 203.0.113.10, nextHop: 198.51.100.11, communities: [65000:1] }\n- { prefix: 203.0.113.10, nextHop: 198.51.100.12, communities: [65000:2] }\n');
    const r = await cli(['replace', '--owner', 'lb', '--file', yaml]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('paths[2].communities');
    expect(r.stderr).toContain('203.0.113.10/32 is given other attributes here than by an earlier path of the same request');
    expect(await paths()).toEqual([]);
  });

  it("makes the owner's paths those of a YAML file, printing the counts", async () => {
    await f.client.addPaths([{ prefix: '198.51.100.0/24', nextHop: '192.0.2.254', owner: 'ops' }]);
    const yaml = await file(
      'lb.yaml',
      `# the LB controller's desired set
- prefix: 203.0.113.10/32
  nextHop: 198.51.100.11
  communities: [65000:100]
- { prefix: 203.0.113.10/32, nextHop: 198.51.100.12, communities: [65000:100] }
- { prefix: 2001:db8::10/128, nextHop: 2001:db8::11, largeCommunities: ["65000:1:2"], extendedCommunities: [], localPref: 200, med: 5 }
`,
    );
    expect(await cli(['replace', '--owner', 'lb', '--file', yaml])).toEqual({ code: 0, stdout: 'added 3, removed 0, updated 0, unchanged 0\n  no peers are configured: announced to nobody\n', stderr: '' });
    expect(await cli(['replace', '--owner', 'lb', '--file', yaml])).toMatchObject({ code: 0, stdout: 'added 0, removed 0, updated 0, unchanged 3\n  no peers are configured: announced to nobody\n' });
    const v6 = (await f.client.listPaths({ prefix: '2001:db8::10/128' }))[0];
    expect(v6?.attributes).toStrictEqual({ communities: [], largeCommunities: ['65000:1:2'], extendedCommunities: [], localPref: 200, med: 5 });

    const smaller = await file('smaller.yaml', '- { prefix: 203.0.113.10/32, nextHop: 198.51.100.11, communities: [65000:100] }\n- 203.0.113.20\n');
    const r = await cli(['replace', '--owner', 'lb', '--file', smaller, '--json', '--details']);
    expect(r.code).toBe(0);
    type Out = { added: number; removed: number; updated: number; unchanged: number; details: { added: { prefix: string }[]; removed: { prefix: string; nextHop: string }[]; updated: unknown[] } };
    const out = JSON.parse(r.stdout) as Out;
    expect(out).toMatchObject({ added: 1, removed: 2, updated: 0, unchanged: 1 });
    expect(out.details.added.map((p) => p.prefix)).toEqual(['203.0.113.20/32']);
    expect(out.details.removed.map((p) => `${p.prefix} via ${p.nextHop}`).sort()).toEqual(['2001:db8::10/128 via 2001:db8::11', '203.0.113.10/32 via 198.51.100.12']);
    expect(out.details.updated).toEqual([]);
    // Without --details only the counts: a million-path answer is not echoed.
    const again = await cli(['replace', '--owner', 'lb', '--file', smaller, '--json']);
    expect(JSON.parse(again.stdout)).toStrictEqual({ added: 0, removed: 0, updated: 0, unchanged: 2, size: [{ family: 'ipv4-unicast', paths: 2, prefixes: 2 }], reach: [] });
    const text = await cli(['replace', '--owner', 'lb', '--file', smaller, '--details']);
    expect(text.stdout).toBe('added 0, removed 0, updated 0, unchanged 2\n  no peers are configured: announced to nobody\n');
    expect(await paths()).toEqual(['198.51.100.0/24 via 192.0.2.254 [ops]', '203.0.113.10/32 via 198.51.100.11 [lb]', '203.0.113.20/32 via self [lb]']);
  });

  it('reads JSON, a mapping with paths:, and stdin with --file -', async () => {
    const json = await file('lb.json', JSON.stringify({ paths: [{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11' }] }));
    expect((await cli(['replace', '--owner', 'lb', '--file', json])).stdout).toBe('added 1, removed 0, updated 0, unchanged 0\n  no peers are configured: announced to nobody\n');
    const stdin = Readable.from(['[{"prefix": "203.0.113.10/32", "nextHop": "198.51.100.11", "med": 1}]']);
    expect((await cli(['replace', '--owner', 'lb', '--file', '-'], undefined, { stdin })).stdout).toBe('added 0, removed 0, updated 1, unchanged 0\n  no peers are configured: announced to nobody\n');
    const empty = await file('empty.yaml', '[]\n');
    expect((await cli(['replace', '--owner', 'lb', '--file', empty])).stdout).toBe('added 0, removed 1, updated 0, unchanged 0\n');
    expect((await cli(['replace', '--owner', 'lb', '--file', await file('empty.json', '{"paths": []}')])).code).toBe(0);
    expect(await paths()).toEqual([]);
  });

  it('refuses a file with nothing in it (0 bytes, blanks, comments, paths: with nothing), saying how to withdraw all on purpose', async () => {
    await f.client.replacePaths('lb', [{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11' }]);
    for (const [name, text] of [['zero.yaml', ''], ['blank.yaml', '  \n\n'], ['comment.yaml', '# rendered nothing\n'], ['paths.yaml', 'paths:\n']]) {
      const r = await cli(['replace', '--owner', 'lb', '--file', await file(name!, text!)]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain("the file has no paths (it is empty): to withdraw all of the owner's paths on purpose, give an empty list, [] (or paths: [])");
    }
    const stdin = Readable.from([]);
    expect((await cli(['replace', '--owner', 'lb', '--file', '-'], undefined, { stdin })).code).toBe(2);
    expect(await paths()).toEqual(['203.0.113.10/32 via 198.51.100.11 [lb]']);
  });

  it('--max-remove N or P% refuses a set that would withdraw more, changing nothing', async () => {
    const set = Array.from({ length: 10 }, (_, i) => ({ prefix: `203.0.113.${i}/32`, nextHop: '198.51.100.11' }));
    await f.client.replacePaths('lb', set);
    await f.client.addPaths([{ prefix: '192.0.2.1', nextHop: '198.51.100.11', owner: 'ops' }]);
    const seven = await file('seven.yaml', JSON.stringify(set.slice(0, 7)));
    const r = await cli(['replace', '--owner', 'lb', '--file', seven, '--max-remove', '2']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: --max-remove: the set would withdraw 3 of the 10 paths lb has, more than the limit of 2 paths; nothing changed (send it without the limit to withdraw them on purpose)\n',
    });
    expect((await cli(['replace', '--owner', 'lb', '--file', seven, '--max-remove', '20%'])).stderr).toContain('more than the limit of 20% of them; nothing changed');
    expect(await f.client.listPaths({ owner: 'lb' })).toHaveLength(10);
    // Within the limit it applies; another owner's paths never count.
    expect((await cli(['replace', '--owner', 'lb', '--file', seven, '--max-remove', '30%'])).stdout).toMatch(/^added 0, removed 3, updated 0, unchanged 7\n/);
    expect((await cli(['replace', '--owner', 'lb', '--file', seven, '--max-remove', '0', '--json'])).code).toBe(0);
    // An empty list is withdrawal on purpose, still bound by the guard.
    const none = await file('none.yaml', '[]');
    expect((await cli(['replace', '--owner', 'lb', '--file', none, '--max-remove', '50%'])).code).toBe(1);
    expect(await f.client.listPaths({ owner: 'lb' })).toHaveLength(7);
    expect((await cli(['replace', '--owner', 'lb', '--file', seven, '--max-remove', 'lots'])).code).toBe(2);
    expect((await cli(['replace', '--owner', 'lb', '--file', seven, '--max-remove', '101%'])).code).toBe(2);
  });

  it("prints the daemon's refusal of a bad value and changes nothing", async () => {
    await f.client.replacePaths('lb', [{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11' }]);
    const bad = await file('bad.yaml', '- { prefix: 203.0.113.11/32, nextHop: 198.51.100.11 }\n- { prefix: 203.0.113.0/33 }\n');
    const r = await cli(['replace', '--owner', 'lb', '--file', bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: paths\[1\]\.prefix: "203\.0\.113\.0\/33" is not/);
    expect(await paths()).toEqual(['203.0.113.10/32 via 198.51.100.11 [lb]']);

    // An empty owner is refused before the daemon is asked (a usage error, like every --owner "").
    const empty = await cli(['replace', '--owner', '', '--file', bad]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--owner');
  });

  it('names the bad path of a JSON file read from its bytes by its place in the file, and changes nothing', async () => {
    await f.client.replacePaths('lb', [{ prefix: '203.0.113.10/32', nextHop: '198.51.100.11' }]);
    // Packed as read: the plain paths go in a block, the unreadable prefix as written, after them.
    const json = await file('bad.json', JSON.stringify([
      { prefix: '203.0.113.11/32', nextHop: '198.51.100.11' },
      { prefix: '203.0.113.12', nextHop: '198.51.100.12' },
      { prefix: '203.0.113.0/33', nextHop: '198.51.100.11' },
      { prefix: '203.0.113.13/32', nextHop: '198.51.100.13' },
    ]));
    const r = await cli(['replace', '--owner', 'lb', '--file', json]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: paths\[2\]\.prefix: "203\.0\.113\.0\/33" is not/);
    expect(await paths()).toEqual(['203.0.113.10/32 via 198.51.100.11 [lb]']);
    const good = await file('good.json', '{"paths": [\n  {"prefix": "203.0.113.11/32", "nextHop": "198.51.100.11"},\n  {"nextHop": "198.51.100.12", "prefix": "203.0.113.11/32"},\n  "203.0.113.12"\n]}\n');
    expect((await cli(['replace', '--owner', 'lb', '--file', good])).code).toBe(0);
    expect(await paths()).toEqual(['203.0.113.11/32 via 198.51.100.11 [lb]', '203.0.113.11/32 via 198.51.100.12 [lb]', '203.0.113.12/32 via self [lb]']);
  });

  it('refuses a file of the wrong shape before calling the daemon (exit 2), naming the entry', async () => {
    const cases: [string, string][] = [
      ['prefix: 203.0.113.10\n', 'expected a list of paths (or a mapping with paths:), got a mapping'],
      ['- { prefix: 203.0.113.10, nexthop: 198.51.100.11 }\n', 'paths[0].nexthop: unknown field (expected prefix, nextHop, communities, largeCommunities, localPref, med, extendedCommunities, prepend, check, weight)'],
      ['- { prefix: 203.0.113.10, owner: lb }\n', 'paths[0].owner: unknown field (the owner is --owner)'],
      ['- { prefix: 203.0.113.10 }\n- { nextHop: 198.51.100.11 }\n', 'paths[1].prefix: expected a prefix, got nothing'],
      ['- { prefix: 203.0.113.10, med: high }\n', 'paths[0].med: expected a number, got "high"'],
      ['- { prefix: 203.0.113.10, communities: [{a: 1}] }\n', 'paths[0].communities[0]: expected a string, got a mapping'],
      ['- [1, 2\n', 'not YAML or JSON'],
      // Every problem at once, as the config does, not one per run.
      [
        '- { prefix: 203.0.113.10, med: high, owner: lb }\n- 203.0.113.11\n- { nextHop: 198.51.100.11 }\n',
        '3 problems\npaths[0].owner: unknown field (the owner is --owner)\npaths[0].med: expected a number, got "high"\npaths[2].prefix: expected a prefix, got nothing',
      ],
    ];
    for (const [text, message] of cases) {
      const path = await file('shape.yaml', text);
      const r = await cli(['replace', '--owner', 'lb', '--file', path]);
      expect(r.code, text).toBe(2);
      expect(r.stderr, text).toContain(`error: ${path}: ${message}`);
    }
    expect(await paths()).toEqual([]);
  });

  it('needs --owner and --file, and a file it can read', async () => {
    const noOwner = await cli(['replace', '--file', 'x.yaml']);
    expect(noOwner.code).toBe(2);
    expect(noOwner.stderr).toBe("error: required option '--owner <name>' not specified\nsee: announcer replace --help\n");
    const noFile = await cli(['replace', '--owner', 'lb']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain("required option '--file <file>' not specified");
    const missing = await cli(['replace', '--owner', 'lb', '--file', join(dir, 'nope.yaml')]);
    expect(missing).toEqual({ code: 2, stdout: '', stderr: `error: --file: cannot read ${join(dir, 'nope.yaml')}: ENOENT\nsee: announcer replace --help\n` });
  });
});

describe('watch', () => {
  it('prints each event as a line until SIGINT, then exits 0', async () => {
    const signals = new EventEmitter();
    const live = start(['watch'], undefined, { signals });
    await eventually(() => live.stderr.includes('watching'));
    expect(live.stderr).toBe(`watching ${f.server.address} (Ctrl-C to stop)\n`);
    await f.client.addPaths([{ prefix: '203.0.113.10', nextHop: '198.51.100.11', owner: 'lb' }]);
    await f.client.deletePaths({ prefix: '203.0.113.10' });
    await eventually(() => live.stdout.split('\n').length === 3);
    const lines = live.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ rib added 203\.0\.113\.10\/32 via 198\.51\.100\.11 \(path 1, owner lb\)$/);
    expect(lines[1]).toMatch(/^\S+Z rib removed 203\.0\.113\.10\/32 via 198\.51\.100\.11 \(path 1, owner lb\)$/);
    signals.emit('SIGINT');
    expect(await live.done).toBe(0);
    expect(signals.listenerCount('SIGINT')).toBe(0);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('prints one JSON object per line with --json; SIGTERM ends it too', async () => {
    const signals = new EventEmitter();
    const live = start(['watch', '--json'], undefined, { signals });
    await eventually(() => live.stderr.includes('watching'));
    await f.client.replacePaths('lb', [{ prefix: '203.0.113.10', nextHop: '198.51.100.11' }]);
    await eventually(() => live.stdout.endsWith('\n'));
    const [line, ...rest] = live.stdout.trimEnd().split('\n');
    expect(rest).toEqual([]);
    const e = JSON.parse(line!) as { type: string; time: string; at: number; added: { prefix: string; owners: string[] }[]; removed: unknown[] };
    expect(e.type).toBe('rib');
    expect(new Date(e.time).getTime()).toBe(e.at);
    expect(e.added.map((p) => [p.prefix, p.owners])).toEqual([['203.0.113.10/32', ['lb']]]);
    expect(e.removed).toEqual([]);
    signals.emit('SIGTERM');
    expect(await live.done).toBe(0);
  });

  it('says so, with exit 3, when the daemon goes away under it', async () => {
    const live = start(['watch']);
    await eventually(() => live.stderr.includes('watching'));
    await f.server.close();
    expect(await live.done).toBe(3);
    expect(live.stderr).toContain('error: watch ended: announcer daemon shutting down\n');
  });

  it('exits 3 when the daemon is not running', async () => {
    const target = `unix:${join(f.dir, 'nobody.sock')}`;
    expect(await cli(['watch', '--api', target])).toEqual({
      code: 3,
      stdout: '',
      stderr: `error: cannot reach the announcer daemon at ${target} (is \`announcer daemon\` running?)\n`,
    });
  });

  it('refuses arguments it does not take', async () => {
    const r = await cli(['watch', 'peers']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: too many arguments for 'watch'. Expected 0 arguments but got 1.\nsee: announcer watch --help\n");
  });
});

describe('finding the daemon', () => {
  it('takes --api before or after the subcommand over $ANNOUNCER_API', async () => {
    await seed();
    const env = { ANNOUNCER_API: `unix:${join(f.dir, 'wrong.sock')}` };
    expect((await cli(['--api', f.server.address, 'list', '--json'], env)).code).toBe(0);
    expect((await cli(['list', '--api', f.server.address, '--json'], env)).code).toBe(0);
  });

  it('says clearly when the daemon is not running', async () => {
    const target = `unix:${join(f.dir, 'nobody.sock')}`;
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
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'error: invalid API address "localhost": expected unix:PATH or HOST:PORT\nsee: announcer list --help\n' });
    // A port out of range is a usage error too, not a daemon that is not running.
    expect(await cli(['list', '--api', '127.0.0.1:99999'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: invalid API address "127.0.0.1:99999": port 99999 is out of range 1-65535\nsee: announcer list --help\n',
    });
  });

  it('speaks mutual TLS with --tls-ca, --tls-cert and --tls-key (or $ANNOUNCER_TLS_*)', async () => {
    const certDir = await mkdtemp(join(tmpdir(), 'announcer-cli-certs-'));
    try {
      const certs = makeCerts(certDir);
      await f.close();
      f = await startFixture({ listen: () => ({ address: '127.0.0.1:0', tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.caCert } }) });
      const api = f.server.address;
      const tls = ['--tls-ca', certs.caCert, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey];
      expect(await cli(['--api', api, ...tls, 'add-eip', '203.0.113.10', '--next-hop', '198.51.100.11'], {})).toMatchObject({ code: 0 });
      const env = { ANNOUNCER_API: api, ANNOUNCER_TLS_CA: certs.caCert, ANNOUNCER_TLS_CERT: certs.clientCert, ANNOUNCER_TLS_KEY: certs.clientKey };
      expect((await cli(['list', '--json'], env)).stdout).toContain('203.0.113.10/32');

      const noCert = await cli(['--api', api, '--tls-ca', certs.caCert, 'list'], {});
      expect(noCert.code).toBe(3);
      expect(noCert.stderr).toContain(`error: cannot reach the announcer daemon at ${api}`);
      const missing = await cli(['--api', api, '--tls-ca', join(certDir, 'nope.crt'), 'list'], {});
      expect(missing).toEqual({ code: 2, stdout: '', stderr: `error: --tls-ca: cannot read ${join(certDir, 'nope.crt')}: ENOENT\nsee: announcer list --help\n` });
      const half = await cli(['--api', api, '--tls-cert', certs.clientCert, 'list'], {});
      expect(half.code).toBe(2);
      expect(half.stderr).toContain('give both or neither');
    } finally {
      await rm(certDir, { recursive: true, force: true });
    }
  });
});

describe('health checks', () => {
  let prober: FakeProber;
  const WEB_12 = 'http://198.51.100.12:80/healthz';

  beforeEach(async () => {
    await f.close();
    prober = new FakeProber();
    f = await startFixture({ speaker: { healthChecks: [webCheck()], prober } });
  });

  /** The health of the one path of `prefix`, once its target has been probed. */
  async function settled(prefix: string): Promise<AnnouncedPath> {
    let p: AnnouncedPath | undefined;
    await eventually(async () => {
      p = (await f.client.listPaths({ prefix }))[0];
      return p?.health !== undefined && p.health.state !== 'pending';
    });
    return p!;
  }

  it('add-eip --check: the paths name the check, and the answer says they wait for its first pass', async () => {
    const r = await cli(['add-eip', '203.0.113.10', '--next-hop', '198.51.100.11', '--next-hop', '198.51.100.12', '--check', 'web']);
    expect(r).toEqual({
      code: 0,
      stdout: [
        'added 203.0.113.10/32 via 198.51.100.11 (path-id 1, owner cli, check web): not announced until check web passes',
        'added 203.0.113.10/32 via 198.51.100.12 (path-id 2, owner cli, check web): not announced until check web passes',
        '  no peers are configured: announced to nobody',
        '',
      ].join('\n'),
      stderr: '',
    });
    expect((await f.client.listPaths()).map((p) => p.check)).toEqual(['web', 'web']);
  });

  it('add-eip --check with a name the daemon does not know is refused in the CLI\'s words (exit 1); an empty one is a usage error', async () => {
    const r = await cli(['add-eip', '203.0.113.10', '--check', 'nope']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: --check: unknown health check "nope" (configured: web)\n' });
    const json = await cli(['add-eip', '203.0.113.10', '--check', 'nope', '--json']);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { status: 'INVALID_ARGUMENT', flag: '--check', exitCode: 1 } });
    const empty = await cli(['add-eip', '203.0.113.10', '--check', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('expected the name of a health check');
    expect(await paths()).toEqual([]);
  });

  it('list shows CHECK and HEALTH: up, down with the error and for how long, "-" without a check; --json has every field', async () => {
    prober.results.set(WEB_12, { ok: false, detail: 'HTTP 503' });
    await f.client.addPaths([
      { prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' },
      { prefix: '203.0.113.11', nextHop: '198.51.100.12', check: 'web' },
      { prefix: '203.0.113.12', nextHop: '198.51.100.12' },
    ]);
    await settled('203.0.113.10');
    const down = await settled('203.0.113.11');
    // Three seconds after the target went down, by the CLI's clock.
    const r = await cli(['list'], undefined, { now: () => down.health!.since + 3_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'PREFIX           NEXT-HOP       PATH-ID  OWNERS  CHECK  HEALTH               ATTRIBUTES',
        '203.0.113.10/32  198.51.100.11  1        cli     web    up                   -',
        '203.0.113.11/32  198.51.100.12  2        cli     web    down (HTTP 503, 3s)  -',
        '203.0.113.12/32  198.51.100.12  3        cli     -      -                    -',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await cli(['list', '--json'])).stdout) as { paths: AnnouncedPath[] };
    // The target is probed on and on: only its last error's time moves.
    expect(json.paths[1]).toStrictEqual({ ...down, health: { ...down.health, lastErrorAt: json.paths[1]!.health!.lastErrorAt } });
    expect(json.paths[1]).toMatchObject({ check: 'web', health: { state: 'down', effect: 'withdrawn', target: WEB_12, lastError: 'HTTP 503', since: down.health!.since } });
    expect(typeof json.paths[1]!.health!.since).toBe('number');
    expect(Object.keys(json.paths[2]!)).not.toContain('health');
  });

  it('replace reads check: from the file, packed or not; a check that is not a name is refused before the call', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'announcer-replace-'));
    try {
      const file = join(dir, 'lb.yaml');
      await writeFile(file, '- { prefix: 203.0.113.10, nextHop: 198.51.100.11, check: web }\n- { prefix: 203.0.113.11, nextHop: 198.51.100.11, check: web, med: 5 }\n- 203.0.113.12\n');
      expect(await cli(['replace', '--owner', 'lb', '--file', file])).toMatchObject({ code: 0, stdout: 'added 3, removed 0, updated 0, unchanged 0\n  no peers are configured: announced to nobody\n' });
      expect((await f.client.listPaths()).map((p) => `${p.prefix} ${p.check ?? '-'}`)).toEqual(['203.0.113.10/32 web', '203.0.113.11/32 web', '203.0.113.12/32 -']);

      await writeFile(file, '- { prefix: 203.0.113.10, check: 5 }\n');
      expect(await cli(['replace', '--owner', 'lb', '--file', file])).toMatchObject({ code: 2, stderr: expect.stringContaining(`error: ${file}: paths[0].check: expected the name of a health check, got 5`) });
      await writeFile(file, '- { prefix: 203.0.113.10, check: "" }\n');
      expect(await cli(['replace', '--owner', 'lb', '--file', file])).toMatchObject({ code: 2, stderr: expect.stringContaining(`error: ${file}: paths[0].check: expected the name of a health check, got ""`) });
      await writeFile(file, '- 203.0.113.10\n- { prefix: 203.0.113.11, check: nope }\n');
      expect(await cli(['replace', '--owner', 'lb', '--file', file])).toMatchObject({ code: 1, stderr: 'error: paths[1].check: unknown health check "nope" (configured: web)\n' });
      expect(await f.client.listPaths({ owner: 'lb' })).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('watch prints a line when a target goes down or comes back, with what its paths now get', async () => {
    prober.results.set(WEB_12, { ok: false, detail: 'HTTP 503' });
    const signals = new EventEmitter();
    const live = start(['watch'], undefined, { signals });
    await eventually(() => live.stderr.includes('watching'));
    await f.client.addPaths([
      { prefix: '203.0.113.10', nextHop: '198.51.100.12', check: 'web' },
      { prefix: '203.0.113.11', nextHop: '198.51.100.12', check: 'web' },
    ]);
    await eventually(() => live.stdout.includes(' health '));
    expect(live.stdout).toMatch(/^\S+Z health web http:\/\/198\.51\.100\.12:80\/healthz pending -> down \(HTTP 503\): 2 paths withdrawn$/m);
    prober.results.delete(WEB_12);
    await eventually(() => live.stdout.includes('down -> up'));
    expect(live.stdout).toMatch(/^\S+Z health web http:\/\/198\.51\.100\.12:80\/healthz down -> up( \(.*\))?: 2 paths announced$/m);
    signals.emit('SIGINT');
    expect(await live.done).toBe(0);
  });
});

describe('checks, and list --check', () => {
  beforeEach(async () => {
    await f.close();
    const prober = new FakeProber();
    prober.down.add('198.51.100.12');
    f = await startFixture({ speaker: { healthChecks: [webCheck(), webCheck({ name: 'spare' })], prober } });
    await f.client.addPaths([
      { prefix: '203.0.113.10', nextHop: '198.51.100.11', check: 'web' },
      { prefix: '203.0.113.10', nextHop: '198.51.100.12', check: 'web' },
      { prefix: '203.0.113.11', nextHop: '198.51.100.11', check: 'web' },
      { prefix: '203.0.113.20', nextHop: '198.51.100.13' },
    ]);
    await eventually(async () => (await f.client.listHealthChecks())[0]!.targets.every((t) => t.state !== 'pending'));
  });

  it('checks: one line per target, with its state, the paths using it and the last error; a check nothing uses says so', async () => {
    const [web] = await f.client.listHealthChecks();
    const down = web!.targets[1]!;
    const r = await cli(['checks'], undefined, { now: () => down.since + 12_000 });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.split(/\s{2,}/));
    expect(lines[0]).toEqual(['CHECK', 'TARGET', 'STATE', 'PATHS', 'LAG', 'LAST-ERROR']);
    expect(lines[1]).toEqual(['web', 'http://198.51.100.11:80/healthz', expect.stringMatching(/^up \(\d+s\)$/), '2', expect.stringMatching(/^\d+ms$/), '-']);
    expect(lines[2]).toEqual(['web', 'http://198.51.100.12:80/healthz', 'down (HTTP 503, 12s)', '1', expect.stringMatching(/^\d+ms$/), expect.stringMatching(/^HTTP 503 \(\d+s ago\)$/)]);
    expect(lines[3]).toEqual(['spare', '-', '-', '0', '-', '-']);
    expect(lines.slice(4)).toEqual([['']]);
  });

  it('checks --json: every check with its counts and targets', async () => {
    const j = JSON.parse((await cli(['checks', '--json'])).stdout) as { checks: { name: string; lag?: number; targets: { target: string; state: string; paths: number; effect: string; lag?: number }[] }[] };
    expect(j.checks.map((c) => c.name)).toEqual(['web', 'spare']);
    expect(j.checks[0]!.targets).toMatchObject([
      { target: 'http://198.51.100.11:80/healthz', state: 'up', paths: 2, effect: 'announced', lag: expect.any(Number) },
      { target: 'http://198.51.100.12:80/healthz', state: 'down', paths: 1, effect: 'withdrawn', lastError: 'HTTP 503', lag: expect.any(Number) },
    ]);
    // The check's lag is its targets' largest; a check nothing uses has none.
    expect(j.checks[0]!.lag).toBe(Math.max(...j.checks[0]!.targets.map((t) => t.lag!)));
    expect(j.checks[1]!.lag).toBeUndefined();
  });

  it('checks on a daemon without health checks says so', async () => {
    await f.close();
    f = await startFixture();
    expect(await cli(['checks'])).toEqual({ code: 0, stdout: 'no health checks configured\n', stderr: '' });
  });

  it('list --check NAME lists only the paths that name it; an unknown name is refused in the CLI\'s words', async () => {
    const r = await cli(['list', '--check', 'web', '--json']);
    expect((JSON.parse(r.stdout) as { paths: AnnouncedPath[] }).paths.map((p) => `${p.prefix} via ${p.nextHop}`)).toEqual([
      '203.0.113.10/32 via 198.51.100.11',
      '203.0.113.10/32 via 198.51.100.12',
      '203.0.113.11/32 via 198.51.100.11',
    ]);
    expect(await cli(['list', '--check', 'spare'])).toEqual({ code: 0, stdout: 'no paths\n', stderr: '' });
    expect(await cli(['list', '--check', 'nope'])).toEqual({ code: 1, stdout: '', stderr: 'error: --check: unknown health check "nope" (configured: web, spare)\n' });
    expect((await cli(['list', '--check', ''])).code).toBe(2);
  });
});

describe('the program', () => {
  it('prints help on stdout with --help and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['add-eip', 'del-eip', 'list', 'peers', 'replace', 'watch', '--api', '--tls-ca']) expect(r.stdout).toContain(c);
  });

  it('completes add-eip --check in bash and zsh (it takes a name)', async () => {
    const bash = (await cli(['completion', 'bash'])).stdout;
    expect(bash).toMatch(/^ {4}add-eip\)\n {6}words="[^"]*--check[ "]/m);
    // Among the flags that take a value: no completion offered after it (a name, not a file).
    expect(bash).toMatch(/^\s+(--[\w-]+\|)*--check(\|--[\w-]+)*\) return 0 ;;$/m);
    expect((await cli(['completion', 'zsh'])).stdout).toContain("'*--check[a health check from the daemons healthChecks]:check: '");
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
    expect((await cli(['daemon', '--config', '/etc/announcer.yaml'], {}, {}, hooks)).code).toBe(7);
    expect(calls).toEqual([{ config: '/etc/announcer.yaml' }]);
    const missing = await cli(['daemon'], {}, {}, hooks);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--config <file>' not specified");
    expect((await cli(['daemon', '--config', 'x'])).stderr).toContain("unknown command 'daemon'");
  });
});
