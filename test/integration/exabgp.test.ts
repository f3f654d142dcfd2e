// The interop scenarios (interop/scenarios.ts) against ExaBGP as the router, and the peer option
// its NOTIFICATION parser needs. Runs the built CLI (dist/cli/main.js): `npm test` builds first.

import { afterEach, describe, expect, it } from 'vitest';
import { createLab, established, NODE_ASN, ok, ROUTER_ASN, startDaemon } from './daemon-harness.js';
import { exabgpReceiver } from './interop/exabgp.js';
import { interopSuite } from './interop/scenarios.js';
import { waitFor, type Lab } from './lab.js';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.destroy();
  lab = undefined;
});

describe('ExaBGP and shutdownMessage', () => {
  it('with shutdownMessage: false a stopping daemon sends ExaBGP a bare Cease, which it takes without a word back', async () => {
    const l = (lab = await createLab({ nodes: 1, prefix: 'annexa' }));
    const node = l.node(1);
    const exabgp = await exabgpReceiver.start(l, { asn: ROUTER_ASN, routerId: l.router.ipv4, sessions: [{ name: 'node1', address: node.ipv4, asn: NODE_ASN }] });
    const peer = { address: l.router.ipv4, asn: ROUTER_ASN, holdTime: 9, connectRetry: 1, shutdownMessage: false };
    const d = await startDaemon(l, node, [peer]);
    await established(d);
    await ok(d, ['add-eip', '203.0.113.10']);
    await waitFor(() => exabgp.paths('203.0.113.10'), { what: 'ExaBGP to hold the path', until: (ps) => ps.length === 1, timeoutMs: 15_000 });
    expect((await d.process.stop({ signal: 'SIGTERM', graceMs: 5_000 })).code).toBe(0);
    const said = await waitFor(() => exabgp.dump(), {
      what: 'ExaBGP to log the Cease',
      until: (t) => /notification received \(6,2\)/i.test(t),
      timeoutMs: 10_000,
    });
    // ExaBGP 4.2 answers a Cease carrying an RFC 8203 message with a NOTIFICATION of its own
    // ("can not decode ... type 3", sent (1,0)); the bare Cease gets none.
    expect(said).not.toMatch(/notification sent/i);
    expect(await exabgp.paths('203.0.113.10')).toEqual([]);
  });
});

interopSuite(exabgpReceiver);
