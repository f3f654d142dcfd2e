// The interop scenarios (interop/scenarios.ts) against GoBGP as the router (Debian's gobgpd, which
// .ci/run installs). Runs the built CLI (dist/cli/main.js): `npm test` builds first.

import { gobgpReceiver } from './interop/gobgp.js';
import { interopSuite } from './interop/scenarios.js';

interopSuite(gobgpReceiver);
