import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Integration specs open many loopback sockets; two workers match the two cores.
    maxWorkers: 2,
  },
});
