import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    // expect.poll waits on pages that refresh every 2 s and on stand-ins on a loaded machine: 1 s (vitest's default)
    // made a passing check fail when the refresh landed late. A poll that never succeeds still fails, after 10 s.
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 60_000,
    pool: 'forks',
    // Most files wait on child processes (Azurite, the emulator, PostgreSQL, the stand-ins): one worker more than
    // the cores overlaps those waits. On 2 cores, test/functions and test/storm took 141.8 s with 2 workers,
    // 116.8 s with 3 and 108.6 s with 4; 3 keeps the machine's load near its cores, which timing-sensitive stand-ins need.
    maxWorkers: availableParallelism() + 1,
  },
});
