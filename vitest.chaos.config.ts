import { defineConfig } from 'vitest/config';

/**
 * `npm run test:chaos`: faults with real processes and real services (test/chaos). Each file
 * starts its own Postgres cluster and redis-server, so they run one at a time, with long timeouts.
 * Not part of `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    testTimeout: 15 * 60_000,
    hookTimeout: 5 * 60_000,
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ['default'],
  },
});
