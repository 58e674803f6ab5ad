/**
 * Starts the shared local stand-ins once for the whole test run and hands
 * their coordinates to tests through vitest's provide/inject. A test that
 * needs a pristine or specially configured stand-in starts its own.
 */
import type { TestProject } from 'vitest/node';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}

let azurite: RunningAzurite | undefined;

export async function setup(project: TestProject): Promise<void> {
  azurite = await startAzurite();
  project.provide('azuriteConnectionString', azurite.connectionString);
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}
