// The interop scenarios (interop/scenarios.ts) against ExaBGP as the router. Runs the built CLI
// (dist/cli/main.js): `npm test` builds first.

import { exabgpReceiver } from './interop/exabgp.js';
import { interopSuite } from './interop/scenarios.js';

interopSuite(exabgpReceiver);
