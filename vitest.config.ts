import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most files wait on child processes (Azurite, the emulator, PostgreSQL, the stand-ins): one worker more than
    // the cores overlaps those waits. On 2 cores, test/functions and test/storm took 141.8 s with 2 workers,
    // 116.8 s with 3 and 108.6 s with 4; 3 keeps the machine's load near its cores, which timing-sensitive stand-ins need.
    maxWorkers: availableParallelism() + 1,
  },
});
