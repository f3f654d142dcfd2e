import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('examples', () => {
  it('examples/announcer.yaml is a valid config', async () => {
    const c = await loadConfig(fileURLToPath(new URL('../examples/announcer.yaml', import.meta.url)));
    expect(c.peers).toHaveLength(1);
    expect(c.peers[0]).toMatchObject({ address: '198.51.100.1', asn: 65001, addPath: 'off' });
    // A per-node announcer announces its EIP pool and nothing else.
    expect(c.allowPrefixes).toEqual(['203.0.113.0/24', '2001:db8:200::/64']);
  });
});
