import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Fault runs with private services take minutes: `npm run test:chaos` (vitest.chaos.config.ts).
    exclude: [...configDefaults.exclude, 'test/chaos/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: integration tests share Postgres, Redis and Chromium, so keep parallelism modest.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
