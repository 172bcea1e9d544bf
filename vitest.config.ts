import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // without DATABASE_URL: one embedded PostgreSQL for the run, a fresh database per suite
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
