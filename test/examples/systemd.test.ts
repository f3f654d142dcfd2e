// examples/systemd: the directives that make announcer.service run the daemon the way the
// config's defaults expect (socket in RuntimeDirectory, state in StateDirectory) and stop it
// cleanly, and announcer-bfd.service run the BFD process where the example config looks for it, in
// a unit of its own that a restart of the daemon leaves alone.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_API_SOCKET, loadConfig } from '../../src/config.js';

const DIR = fileURLToPath(new URL('../../examples/systemd/', import.meta.url));
const UNIT = join(DIR, 'announcer.service');
const BFD_UNIT = join(DIR, 'announcer-bfd.service');

type Unit = Map<string, Map<string, string[]>>;

/** systemd's unit syntax, as much as a unit file needs: sections, Key=Value, comments, continuations. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = new Map();
      unit.set(header[1]!, section);
      return;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !section) throw new Error(`line ${i + 1}: not a directive: ${line}`);
    section.set(kv[1]!, [...(section.get(kv[1]!) ?? []), kv[2]!.trim()]);
  });
  return unit;
}

/** The one value of a directive (undefined when absent; more than one fails the test). */
function oneOf(section: Map<string, string[]>): (key: string) => string | undefined {
  return (key) => {
    const v = section.get(key);
    expect(v?.length ?? 0, key).toBeLessThanOrEqual(1);
    return v?.[0];
  };
}

/** Every value of a space-separated list directive, however many lines it takes. */
function listOf(section: Map<string, string[]> | undefined, key: string): string[] {
  return (section?.get(key) ?? []).flatMap((v) => v.split(/\s+/)).filter((v) => v !== '');
}

describe('examples/systemd/announcer.service', async () => {
  const unit = parseUnit(await readFile(UNIT, 'utf8'));
  const service = unit.get('Service')!;
  const one = oneOf(service);

  it('has the three sections and runs `announcer daemon --config`', () => {
    expect([...unit.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(unit.get('Install')!.get('WantedBy')).toEqual(['multi-user.target']);
    expect(['simple', 'exec']).toContain(one('Type'));
    expect(one('ExecStart')).toBe('/usr/local/bin/announcer daemon --config /etc/announcer/announcer.yaml');
    expect(one('User')).toBe('announcer');
  });

  it('stops with SIGTERM (Cease to every peer) within a bounded time, and restarts only on failure', () => {
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(one('TimeoutStopSec')).toMatch(/^\d+s?$/);
    expect(one('Restart')).toBe('on-failure');
    // Exit status 2 is a config error: restarting cannot fix it.
    expect(one('RestartPreventExitStatus')).toBe('2');
  });

  it('its directories are where the config defaults and the docs put the socket, state and config', () => {
    // RuntimeDirectory=X is /run/X; the default API socket lives there.
    expect(`/run/${one('RuntimeDirectory')}`).toBe(dirname(DEFAULT_API_SOCKET));
    expect(`/var/lib/${one('StateDirectory')}`).toBe('/var/lib/announcer');
    expect(`/etc/${one('ConfigurationDirectory')}`).toBe(dirname(one('ExecStart')!.split(' ').at(-1)!));
  });

  it('is hardened: one capability, read-only system, no new privileges, yet Node can JIT', () => {
    expect(one('AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
    expect(one('CapabilityBoundingSet')).toBe('CAP_NET_BIND_SERVICE');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('RestrictAddressFamilies')!.split(' ')).toEqual(expect.arrayContaining(['AF_UNIX', 'AF_INET', 'AF_INET6']));
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('examples/announcer.yaml uses the socket the unit makes room for', async () => {
    const config = await loadConfig(fileURLToPath(new URL('../../examples/announcer.yaml', import.meta.url)));
    expect(config.api).toMatchObject({ kind: 'unix', socket: DEFAULT_API_SOCKET });
  });
});

describe('examples/systemd/announcer-bfd.service and the config that goes with it', async () => {
  const daemon = parseUnit(await readFile(UNIT, 'utf8'));
  const bfd = parseUnit(await readFile(BFD_UNIT, 'utf8'));
  const daemonService = daemon.get('Service')!;
  const bfdService = bfd.get('Service')!;
  const one = oneOf(bfdService);
  const daemonOne = oneOf(daemonService);
  const configPath = daemonOne('ExecStart')!.split(' ').at(-1)!;

  it("runs `announcer bfdd` on the daemon's own config, as the daemon's user, and starts at boot", () => {
    expect([...bfd.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(bfd.get('Install')!.get('WantedBy')).toEqual(['multi-user.target']);
    expect(one('ExecStart')).toBe(`/usr/local/bin/announcer bfdd --config ${configPath}`);
    expect(configPath).toBe('/etc/announcer/announcer.yaml');
    // Same user and group: the BFD process makes its socket 0660 for them, and the daemon connects.
    expect(one('User')).toBe(daemonOne('User'));
    expect(one('Group')).toBe(daemonOne('Group'));
    expect(`/etc/${one('ConfigurationDirectory')}`).toBe(dirname(configPath));
  });

  it('comes back after a crash but not after a config error, and stops on SIGTERM (AdminDown) in bounded time', () => {
    expect(one('Restart')).toBe('on-failure');
    expect(one('RestartPreventExitStatus')).toBe('2');
    expect(one('KillSignal') ?? 'SIGTERM').toBe('SIGTERM');
    expect(one('TimeoutStopSec')).toMatch(/^\d+s?$/);
  });

  it("announcer.service wants it and starts after it, but neither unit's restart restarts the other", () => {
    const unit = daemon.get('Unit')!;
    expect(listOf(unit, 'Wants')).toContain('announcer-bfd.service');
    expect(listOf(unit, 'After')).toContain('announcer-bfd.service');
    // Requires/BindsTo/PartOf would tie the BFD process's restarts (flaps) to the daemon's.
    for (const key of ['Requires', 'Requisite', 'BindsTo', 'PartOf']) {
      expect(listOf(unit, key), key).not.toContain('announcer-bfd.service');
      expect(listOf(bfd.get('Unit'), key), key).not.toContain('announcer.service');
    }
    expect(listOf(bfd.get('Unit'), 'After')).not.toContain('announcer.service');
  });

  it('the socket has a RuntimeDirectory of its own, which a restart of announcer.service does not remove', () => {
    expect(one('RuntimeDirectory')).toBe('announcer-bfd');
    expect(one('RuntimeDirectory')).not.toBe(daemonOne('RuntimeDirectory'));
    expect(bfdService.has('StateDirectory')).toBe(false);
  });

  it("is hardened as announcer.service is, without the daemon's capability for port 179", () => {
    // No capability: BFD's port 3784 is not privileged.
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(bfdService.has('AmbientCapabilities')).toBe(false);
    expect(listOf(bfdService, 'RestrictAddressFamilies').sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_UNIX']);
    const own = new Set(['Type', 'ExecStart', 'Restart', 'RestartSec', 'TimeoutStopSec', 'KillMode', 'RuntimeDirectory', 'RuntimeDirectoryMode', 'StateDirectory', 'StateDirectoryMode', 'AmbientCapabilities', 'CapabilityBoundingSet']);
    const shared = [...daemonService.keys()].filter((k) => !own.has(k));
    expect(shared).toEqual(expect.arrayContaining(['NoNewPrivileges', 'ProtectSystem', 'ProtectHome', 'SystemCallFilter', 'RestrictAddressFamilies']));
    for (const key of shared) expect(bfdService.get(key), key).toEqual(daemonService.get(key));
    expect(bfdService.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('examples/systemd/announcer.yaml: the daemon waits for this unit\'s socket, with BFD and graceful restart on the peer', async () => {
    const config = await loadConfig(join(DIR, 'announcer.yaml'));
    // Where the units make room: the BFD socket in announcer-bfd's RuntimeDirectory, the API
    // socket in announcer's, the state file in its StateDirectory.
    expect(config.bfd).toEqual({ socket: '/run/announcer-bfd/bfd.sock', spawn: false });
    expect(dirname(config.bfd.socket)).toBe(`/run/${one('RuntimeDirectory')}`);
    expect(config.api).toMatchObject({ kind: 'unix', socket: DEFAULT_API_SOCKET });
    expect(dirname(DEFAULT_API_SOCKET)).toBe(`/run/${daemonOne('RuntimeDirectory')}`);
    expect(dirname(config.stateFile!)).toBe(`/var/lib/${daemonOne('StateDirectory')}`);
    // `systemctl restart announcer` (SIGTERM) keeps the paths at the router, and BFD Up as long.
    expect(config.gracefulRestart.onSigterm).toBe('restart');
    expect(config.peers).toEqual([
      expect.objectContaining({ bfd: { minRx: 100, minTx: 100, multiplier: 3 }, gracefulRestart: { restartTime: expect.any(Number) } }),
    ]);
  });

  it('both units pass `systemd-analyze verify`', async (ctx) => {
    const analyze = await run('systemd-analyze', ['--version']);
    if (analyze.code !== 0) ctx.skip();
    // verify wants each command to exist: put an executable that does in place of /usr/local/bin/announcer.
    const tmp = await mkdtemp(join(tmpdir(), 'announcer-units-'));
    try {
      const units = [];
      for (const file of [UNIT, BFD_UNIT]) {
        const copy = join(tmp, file.split('/').at(-1)!);
        await writeFile(copy, (await readFile(file, 'utf8')).replaceAll('/usr/local/bin/announcer ', `${process.execPath} `));
        units.push(copy);
      }
      const verify = await run('systemd-analyze', ['verify', '--man=no', ...units]);
      expect(verify.code, verify.stderr).toBe(0);
      // Unknown keys and bad values are only warnings: there must be none.
      expect(verify.stdout + verify.stderr).toBe('');
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}
