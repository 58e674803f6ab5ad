/**
 * The in-memory core suite alone: no Azurite, no Key Vault emulator, so it runs in
 * seconds. The mutation run (stryker.config.json) uses it; `npx vitest run` still runs everything.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/core/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
