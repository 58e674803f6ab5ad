/** Table adapters over the shared Azurite, each call on its own tables (a random prefix). */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createAzureClientFactory, type AzureClientFactory } from '../../../src/adapters/azure-clients.js';
import { createTableAdapters, type TableAdapters, type TableAdaptersOptions } from '../../../src/adapters/tables/index.js';

export function azuriteClients(): AzureClientFactory {
  return createAzureClientFactory({ storage: { kind: 'local-connection-string', connectionString: inject('azuriteConnectionString') } });
}

export function uniqueTablePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export async function freshTableAdapters(options: Omit<TableAdaptersOptions, 'tablePrefix'> = {}): Promise<TableAdapters> {
  const adapters = createTableAdapters(azuriteClients(), { ...options, tablePrefix: uniqueTablePrefix() });
  await adapters.ensureTables();
  return adapters;
}
