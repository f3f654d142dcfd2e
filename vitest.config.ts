import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests own network namespaces and daemons; unit tests are quick.
    testTimeout: 30_000,
  },
});
