/**
 * The demo's lab as the integration tests run it (BIRD 2 router, three nodes with a web server
 * and an announcer each, or one central announcer, a client behind the router): the built demo
 * helpers, a lab brought up to Established sessions, and the teardown for a test hook.
 * The health check and graceful restart tests share these, so they differ only in what they do next.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as LabSetup from '../../src/demo/lab-setup.js';
import type * as Traffic from '../../src/demo/traffic.js';

// The built demo helpers (npm test builds first): they start their own scripts (HTTP server,
// client) from next to themselves, which only exist as .js in dist/.
export const { DemoLab, EIP, HEALTH, DEMOTE } = (await import(new URL('../../dist/demo/lab-setup.js', import.meta.url).href)) as typeof LabSetup;
export const { sendTraffic } = (await import(new URL('../../dist/demo/traffic.js', import.meta.url).href)) as typeof Traffic;

const BUILT = fileURLToPath(new URL('../../dist/demo/traffic-client.js', import.meta.url));

export type Demo = LabSetup.DemoLab;

/** Every lab startDemoLab() made that destroyDemoLabs() has not destroyed yet, even one that failed to start. */
const labs = new Set<Demo>();

/**
 * A demo lab of `shape` with `options`, up to the router's BGP sessions Established: namespaces,
 * the EIP on every node, BIRD, the web servers, the daemons. Nothing is announced yet.
 */
export async function startDemoLab(shape: LabSetup.Shape, options: LabSetup.DemoLabOptions): Promise<Demo> {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` first (npm test does)`);
  const d = new DemoLab(shape, options);
  labs.add(d); // before create(): a lab that fails halfway is still torn down
  await d.create();
  await d.configureNodes();
  await d.startRouter();
  await d.startWebServers();
  await d.startDaemons();
  await d.waitForSessions();
  return d;
}

/** Tears down every lab startDemoLab() made: for afterEach or afterAll, so a failed test leaves nothing behind. */
export async function destroyDemoLabs(): Promise<void> {
  for (const d of [...labs]) {
    labs.delete(d);
    await d.destroy();
  }
}
