import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The examples import the client and the logger by the package name (exports, dist/ once built);
    // inside the repo it is the source, as in tsconfig.json's paths, so tests need no build first.
    alias: {
      'announcer/client': fileURLToPath(new URL('./src/client.ts', import.meta.url)),
      'announcer/log': fileURLToPath(new URL('./src/log.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The routers and tools the tests run are installed first when missing (apt-get, as root).
    globalSetup: ['test/preflight.ts'],
    // Integration tests own network namespaces and daemons; unit tests are quick.
    testTimeout: 30_000,
  },
});
