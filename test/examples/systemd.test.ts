// examples/systemd/announcer.service: the directives that make it run the daemon the way the
// config's defaults expect (socket in RuntimeDirectory, state in StateDirectory) and stop it cleanly.

import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_API_SOCKET, loadConfig } from '../../src/config.js';

const UNIT = fileURLToPath(new URL('../../examples/systemd/announcer.service', import.meta.url));

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

describe('examples/systemd/announcer.service', async () => {
  const unit = parseUnit(await readFile(UNIT, 'utf8'));
  const service = unit.get('Service')!;
  const one = (key: string): string | undefined => {
    const v = service.get(key);
    expect(v?.length ?? 0, key).toBeLessThanOrEqual(1);
    return v?.[0];
  };

  it('has the three sections and runs `announcer daemon --config`', () => {
    expect([...unit.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(unit.get('Install')!.get('WantedBy')).toEqual(['multi-user.target']);
    expect(['simple', 'exec']).toContain(one('Type'));
    expect(one('ExecStart')).toBe('/usr/bin/announcer daemon --config /etc/announcer/announcer.yaml');
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
