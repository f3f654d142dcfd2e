import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../src/config.js';

const EXAMPLE = fileURLToPath(new URL('../examples/announcer.yaml', import.meta.url));

/** The config with a commented-out top-level block (`# key:` and its `#   ` lines) switched on. */
function uncommentBlock(text: string, key: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf(`# ${key}:`);
  expect(start, `# ${key}:`).toBeGreaterThanOrEqual(0);
  lines[start] = `${key}:`;
  for (let i = start + 1; i < lines.length && lines[i]!.startsWith('#   '); i++) lines[i] = lines[i]!.slice(2);
  return lines.join('\n');
}

describe('examples', () => {
  it('examples/announcer.yaml is a valid config', async () => {
    const c = await loadConfig(EXAMPLE);
    expect(c.peers).toHaveLength(1);
    expect(c.peers[0]).toMatchObject({ address: '198.51.100.1', asn: 65001, addPath: 'off' });
    // A per-node announcer announces its EIP pool and nothing else.
    expect(c.allowPrefixes).toEqual(['203.0.113.0/24', '2001:db8:200::/64']);
    // As it stands, a BFD process would be the daemon's own, beside the API socket.
    expect(c.bfd).toEqual({ socket: '/run/announcer/announcer-bfd.sock', spawn: true });
  });

  it("examples/announcer.yaml with its BFD lines switched on: a BFD process the service manager runs, BFD and graceful restart on the peer", async () => {
    let text = uncommentBlock(await readFile(EXAMPLE, 'utf8'), 'bfd');
    text = text.replace(/^(\s+)# (bfd|gracefulRestart): /gm, '$1$2: ');
    const c = parseConfig(text, EXAMPLE);
    // Where examples/systemd/announcer-bfd.service and examples/kubernetes/bfd-daemonset.yaml put it.
    expect(c.bfd).toEqual({ socket: '/run/announcer-bfd/bfd.sock', spawn: false });
    expect(c.peers[0]).toMatchObject({ bfd: { minRx: 300, minTx: 300, multiplier: 3 }, gracefulRestart: { restartTime: 120 } });
  });
});
