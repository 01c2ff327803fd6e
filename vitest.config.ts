import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Worker-thread tests spawn real piscina devices; two cores, so keep files sequential-ish.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
