// `npm test` alone sets the machine up (issue: a fresh Debian machine failed unless .ci/run ran
// first): the global setup installed whatever the tests run, and .ci/run leaves that to it.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { missing, NEEDS } from './preflight.js';

describe('test preflight', () => {
  it('left nothing the tests run missing', () => {
    expect(missing()).toEqual([]);
  });

  it('knows every router and tool the tests start, and .ci/run installs only what npm ci needs before it', () => {
    expect(NEEDS.map((n) => n.pkg)).toEqual(expect.arrayContaining(['bird2', 'frr', 'gobgpd', 'exabgp', 'prometheus', 'zsh', 'tcpdump', 'openssl', 'iproute2']));
    const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
    const installed = /apt-get install[^\n]*--no-install-recommends ([^>\n]+)/.exec(ci)?.[1]?.trim().split(/\s+/) ?? [];
    expect(installed.filter((p) => NEEDS.some((n) => n.pkg === p))).toEqual([]);
    expect(ci).toContain('npm test');
  });
});
