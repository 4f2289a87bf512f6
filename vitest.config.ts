import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Native work is CPU bound on 2-core machines: run test files one or two at a time.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
