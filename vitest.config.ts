import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Node (and so every dependency) loads graphql's CommonJS build; Vite would pick its ESM build for our
    // sources, and two copies of graphql refuse each other's types.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file starts its own server and database; two cores run two files at a time.
    pool: 'forks',
    maxWorkers: 2,
  },
});
