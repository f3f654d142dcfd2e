// The interop scenarios (interop/scenarios.ts) against BIRD 2 as the router. Runs the built CLI
// (dist/cli/main.js): `npm test` builds first.

import { bird2Receiver } from './interop/bird2.js';
import { interopSuite } from './interop/scenarios.js';

interopSuite(bird2Receiver);
