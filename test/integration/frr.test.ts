// The daemon against a real FRR router (Debian's frr: zebra, bfdd and bgpd, started by frr.ts), in
// network namespaces: BFD with FRR's bfdd, and the interop scenarios every receiver runs. Runs the built CLI (dist/cli/main.js): `npm test` builds first. FRR missing
// is a failure, not a skip: `.ci/run` installs it.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bfdCuts, createLab, established, NODE_ASN, ok, peerOf, peersOf, ROUTER_ASN, startDaemon } from './daemon-harness.js';
import { FRR_EXAMPLE, frrConfig, frrIntegratedConfig, startFrr, type Frr } from './frr.js';
import { frrReceiver } from './interop/frr.js';
import { interopSuite } from './interop/scenarios.js';
import { run, waitFor, type Lab } from './lab.js';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.destroy();
  lab = undefined;
});

interface FrrBfdPeer {
  peer: string;
  status: string;
  'remote-receive-interval': number;
  'remote-transmit-interval': number;
  'remote-detect-multiplier': number;
}

async function bfdPeers(frr: Frr): Promise<FrrBfdPeer[]> {
  return JSON.parse(await frr.vtysh('show bfd peers json')) as FrrBfdPeer[];
}

describe('the FRR router config we ship', () => {
  it('bird-configs/frr.conf is frrIntegratedConfig(FRR_EXAMPLE), and FRR 8.4 parses it', async () => {
    const file = fileURLToPath(new URL('../../bird-configs/frr.conf', import.meta.url));
    expect(readFileSync(file, 'utf8'), 'frr.conf differs from frrIntegratedConfig(FRR_EXAMPLE); regenerate it').toBe(frrIntegratedConfig(FRR_EXAMPLE));
    // --dryrun: vtysh parses the file with every daemon's commands and talks to none.
    await run('vtysh', ['--dryrun', '--inputfile', file]);
  });
});

describe('announcer daemon with an FRR router', () => {
  it("BFD with FRR's bfdd: a blackholed node loses its next hop at the router in well under the 9 s hold time", async () => {
    // Two nodes, so the router's bridge keeps its carrier when node1's port goes down: only BFD
    // (or the hold timer) can tell FRR that node1 is gone, not an interface event.
    const l = (lab = await createLab({ nodes: 2, prefix: 'annf' }));
    const node = l.node(1);
    const bfd = { minRx: 100, minTx: 100, multiplier: 3 };
    const frr = await startFrr(
      l,
      l.router.ns,
      frrConfig({ asn: ROUTER_ASN, routerId: l.router.ipv4, holdTime: 9, bfd, peers: [{ address: node.ipv4, asn: NODE_ASN, bfd: true }] }),
    );
    const d = await startDaemon(l, node, [peerOf(l, { holdTime: 9, bfd })]);
    await established(d, { router: () => frr.processes.map((p) => p.tail(10)).join('\n') });
    await ok(d, ['add-eip', '203.0.113.42']);
    await l.waitForNextHops(l.router.ns, '203.0.113.42', [node.ipv4]);
    // Both ends agree the link is watched before each cut, at our timers (FRR learnt them from our packets).
    const routerUp = async (): Promise<void> => {
      const [peer] = await waitFor(() => bfdPeers(frr), {
        what: "FRR's BFD session with node1 up",
        until: (ps) => ps.length === 1 && ps[0]?.status === 'up',
        timeoutMs: 10_000,
      });
      expect(peer).toMatchObject({
        peer: node.ipv4,
        'remote-receive-interval': 100,
        'remote-transmit-interval': 100,
        'remote-detect-multiplier': 3,
      });
    };
    const took = await bfdCuts(l, d, node, '203.0.113.42', routerUp);
    const sorted = [...took].sort((a, b) => a - b);
    console.log(`FRR bfdd, BFD 100 ms x 3: next hop gone from the router's kernel ${took.join(', ')} ms after the cut (median ${sorted[1]} ms)`);
    expect((await peersOf(d))[0]?.bfd?.flaps).toBe(3);
  }, 120_000);
});

interopSuite(frrReceiver);
