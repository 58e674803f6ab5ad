/** The SmokeTestStore contract, held by the Table adapter (against Azurite) and its in-memory twin alike. */
import { describe, expect, it } from 'vitest';
import { createTableAdapters } from '../../../src/adapters/tables/index.js';
import type { SmokeTestRecord, SmokeTestStore } from '../../../src/core/ports.js';
import { InMemorySmokeTestStore } from '../../support/in-memory/in-memory-smoke-test-store.js';
import { azuriteClients, uniqueTablePrefix } from './table-fixture.js';

function aSmokeTest(overrides: Partial<SmokeTestRecord> = {}): SmokeTestRecord {
  return {
    environment: 'staging',
    at: new Date('2026-03-01T12:00:00.123Z'),
    passed: true,
    fileHash: `sha256:${'ab'.repeat(32)}`,
    policies: ['stg-orders-db'],
    checks: [{ name: 'health', passed: true }, { name: 'dry run of stg-orders-db', passed: true }],
    by: { oid: '00000000-0000-4000-8000-000000000001', name: 'ci' },
    ...overrides,
  };
}

const stores: [string, () => Promise<SmokeTestStore>][] = [
  ['in memory', async () => new InMemorySmokeTestStore()],
  [
    'Table Storage',
    async () => {
      const tables = createTableAdapters(azuriteClients(), { tablePrefix: uniqueTablePrefix() });
      await tables.ensureTables();
      return tables.smokeTests;
    },
  ],
];

describe.each(stores)('SmokeTestStore %s', (_name, create) => {
  it('has no latest smoke test of an environment never tested', async () => {
    // Arrange
    const store = await create();
    await store.save(aSmokeTest({ environment: 'production' }));

    // Act / Assert
    expect(await store.latest('staging')).toBeUndefined();
  });

  it('gives back what it saved, a null hash as null', async () => {
    // Arrange
    const store = await create();
    const saved = aSmokeTest({ fileHash: null, passed: false, checks: [{ name: 'health', passed: false }] });

    // Act
    await store.save(saved);

    // Assert
    expect(await store.latest('staging')).toEqual(saved);
  });

  it('keeps only the latest: a new record replaces the old one whole, its hash included', async () => {
    // Arrange
    const store = await create();
    await store.save(aSmokeTest());

    // Act
    const latest = aSmokeTest({ at: new Date('2026-03-02T00:00:00Z'), fileHash: null, policies: [] });
    await store.save(latest);

    // Assert
    expect(await store.latest('staging')).toEqual(latest);
  });

  it.each(['stg/eu', 'a#b?c', 'back\\slash', 'prod 1', 'ümlaut-環境'])('keeps environments apart whatever their characters: %j', async (environment) => {
    // Arrange
    const store = await create();
    await store.save(aSmokeTest({ environment: 'staging' }));

    // Act
    await store.save(aSmokeTest({ environment, passed: false, checks: [{ name: 'health', passed: false }] }));

    // Assert
    expect(await store.latest(environment)).toMatchObject({ environment, passed: false });
    expect(await store.latest('staging')).toMatchObject({ environment: 'staging', passed: true });
  });
});
