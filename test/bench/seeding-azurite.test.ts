import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestError, type TableClient } from '@azure/data-tables';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createAzureClientFactory } from '../../src/adapters/azure-clients.js';
import { createTableAdapters, type TableAdapters } from '../../src/adapters/tables/index.js';
import { vaultNameOf } from '../../src/adapters/tables/table-keys.js';
import { startAzurite } from '../../src/local/azurite.js';
import { benchPolicies } from '../../bench/scale/bench-policies.js';
import { seedPolicies, type SeededPolicy } from '../../bench/scale/seed-policies.js';
import { startSeedingAzurite, swapLookupOrder, TABLE_STORE_FILE } from '../../bench/scale/seeding-azurite.js';
import { localConfig, uniqueName, vaultUrl } from '../support/local-stand-ins.js';

const now = new Date('2026-12-06T12:00:00.000Z');
const require = createRequire(import.meta.url);
const directories: string[] = [];

afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

async function directory(): Promise<string> {
  const created = await mkdtemp(join(tmpdir(), 'seeding-azurite-test-'));
  directories.push(created);
  return created;
}

function tablesOn(connectionString: string, tablePrefix: string): { tables: TableAdapters; table: (name: string) => TableClient } {
  const clients = createAzureClientFactory(localConfig({ storage: { kind: 'local-connection-string', connectionString } }));
  return { tables: createTableAdapters(clients, { tablePrefix }), table: (name) => clients.tableClient(name) };
}

type StoredDocument = Record<string, unknown> & { properties: Record<string, unknown> };
/** A row as Azurite's store file holds it, keyed by `table PartitionKey RowKey`. */
type StoredRows = Map<string, StoredDocument>;

/**
 * Every entity of the tables named `tablePrefix…` in the Table store file Azurite saved under
 * `location`, as Azurite holds it, without what it stamps at write time (the Timestamp's value,
 * eTag, lastModifiedTime) and LokiJS's bookkeeping ($loki, meta).
 */
async function storedRows(location: string, tablePrefix: string): Promise<StoredRows> {
  const store = JSON.parse(await readFile(join(location, TABLE_STORE_FILE), 'utf8')) as { collections: { name: string; data: StoredDocument[] }[] };
  const rows: StoredRows = new Map();
  for (const collection of store.collections) {
    const table = collection.name.split('$')[1];
    if (!table?.startsWith(tablePrefix)) continue;
    for (const { $loki: _loki, meta: _meta, eTag: _etag, lastModifiedTime: _modified, properties, ...row } of collection.data) {
      const { Timestamp: _timestamp, ...kept } = properties;
      rows.set(`${table} ${String(row.PartitionKey)} ${String(row.RowKey)}`, { ...row, properties: kept });
    }
  }
  return rows;
}

/** Each row that is missing, extra or different in `actual`, with both versions. */
function differences(expected: StoredRows, actual: StoredRows): string[] {
  const found: string[] = [];
  for (const [key, row] of expected) {
    const other = actual.get(key);
    if (!other) found.push(`missing: ${key}`);
    else if (JSON.stringify(sortedKeys(row)) !== JSON.stringify(sortedKeys(other))) found.push(`different: ${key}: ${JSON.stringify(sortedKeys(row))} against ${JSON.stringify(sortedKeys(other))}`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) found.push(`extra: ${key}`);
  return found;
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, inner]) => [key, sortedKeys(inner)]));
}

/** Today's seeding (seedPolicies, the real SDK) into an unchanged Azurite over a directory, which saves it when it stops. */
async function seedThroughAzurite(seeded: readonly SeededPolicy[], tablePrefix: string): Promise<string> {
  const location = await directory();
  const azurite = await startAzurite({ location });
  try {
    const { tables, table } = tablesOn(azurite.connectionString, tablePrefix);
    await tables.ensureTables();
    await seedPolicies(tables, table(tables.names.policies), seeded, { at: now });
  } finally {
    await azurite.stop();
  }
  return location;
}

/** The same, into the seeding Azurite. */
async function seedThroughSeedingAzurite(seeded: readonly SeededPolicy[], tablePrefix: string): Promise<string> {
  const location = await directory();
  const seeding = await startSeedingAzurite(location);
  try {
    const { tables, table } = tablesOn(seeding.connectionString, tablePrefix);
    await tables.ensureTables();
    await seedPolicies(tables, table(tables.names.policies), seeded, { at: now });
  } finally {
    await seeding.stop();
  }
  return location;
}

describe('the seeding Azurite (the scale bench seeds 100,000 policies through it)', () => {
  const seeded = benchPolicies({ count: 50, duePercent: 10, vaultUrl: vaultUrl(), now });
  const tablePrefix = uniqueName('fid');
  // Seeded once, for the first two tests: the reference store's rows, and the directory the seeding Azurite saved to.
  let seededOnce: Promise<{ reference: StoredRows; fast: string }> | undefined;
  const both = () => (seededOnce ??= (async () => ({ reference: await storedRows(await seedThroughAzurite(seeded, tablePrefix), tablePrefix), fast: await seedThroughSeedingAzurite(seeded, tablePrefix) }))());

  it('stores exactly the rows Azurite stores for the same policies, which an unchanged Azurite then serves to the adapters', async () => {
    // Arrange
    const { reference, fast } = await both();

    // Act
    const stored = await storedRows(fast, tablePrefix);
    const azurite = await startAzurite({ location: fast });

    // Assert
    try {
      expect(reference.size).toBe(200); // 50 policies, 50 index entries, 50 states, 50 schedule entries
      expect(differences(reference, stored)).toEqual([]);
      const { tables } = tablesOn(azurite.connectionString, tablePrefix);
      for (const { policy, state } of [seeded[0]!, seeded[9]!, seeded[49]!]) {
        expect((await tables.policies.get(policy.id))?.policy).toEqual(policy);
        expect((await tables.policies.findBySecret(vaultNameOf(policy.vaultUrl), policy.secretName))?.policy.id).toBe(policy.id);
        expect((await tables.states.get(policy.id))?.state).toEqual(state);
      }
      const listed = [];
      for await (const entry of tables.schedule.listDue(now)) listed.push(entry);
      const due = seeded.filter(({ state }) => state.nextDueAt <= now);
      expect(due).toHaveLength(5);
      expect(listed.map((entry) => entry.policyId).sort()).toEqual(due.map(({ policy }) => policy.id).sort());
      expect(listed.map((entry) => entry.dueAt.toISOString()).sort()).toEqual(due.map(({ state }) => state.nextDueAt.toISOString()).sort());
    } finally {
      await azurite.stop();
    }
  });

  it('refuses: any row dropped, any property dropped, retyped or changed is a difference the comparison names', async () => {
    // Arrange
    const { reference, fast } = await both();
    const stored = await storedRows(fast, tablePrefix);
    const keys = [...stored.keys()];
    const mutation = fc.record({
      row: fc.constantFrom(...keys),
      change: fc.constantFrom('drop row', 'drop property', 'retype', 'change value', 'add property'),
      pick: fc.nat(),
    });

    // Act and Assert
    fc.assert(
      fc.property(mutation, ({ row, change, pick }) => {
        const wrong: StoredRows = new Map([...stored].map(([key, document]) => [key, structuredClone(document)]));
        const document = wrong.get(row)!;
        const names = Object.keys(document.properties).filter((name) => !name.endsWith('@odata.type'));
        const name = names[pick % names.length]!;
        if (change === 'drop row') wrong.delete(row);
        if (change === 'drop property') delete document.properties[name];
        if (change === 'retype') document.properties[`${name}@odata.type`] = document.properties[`${name}@odata.type`] === 'Edm.String' ? 'Edm.Int32' : 'Edm.String';
        if (change === 'change value') document.properties[name] = `${String(document.properties[name])}x`;
        if (change === 'add property') document.properties[`${name}Extra`] = 'x';
        const found = differences(reference, wrong);
        expect(found).toHaveLength(1);
        expect(found[0]).toContain(row);
      }),
      { seed: 20261206, numRuns: 200 },
    );
    // The timestamp-typed property Azurite adds is compared too: only its value is left out.
    const state = [...stored.keys()].find((key) => key.includes('states'))!;
    const retyped = new Map(stored);
    retyped.set(state, { ...stored.get(state)!, properties: { ...stored.get(state)!.properties, 'Timestamp@odata.type': 'Edm.String' } });
    expect(differences(reference, retyped)).toEqual([expect.stringContaining(state)]);
  });

  it('refuses a row that exists, in a shared partition and in a partition of its own, as Azurite does', async () => {
    // Arrange
    const location = await directory();
    const seeding = await startSeedingAzurite(location);
    const reference = await startAzurite();
    try {
      const answers = [];
      for (const connectionString of [seeding.connectionString, reference.connectionString]) {
        const { tables, table } = tablesOn(connectionString, tablePrefix);
        await tables.ensureTables();
        await seedPolicies(tables, table(tables.names.policies), seeded.slice(0, 10), { at: now });
        const policies = table(tables.names.policies);
        const status = (write: Promise<unknown>) => write.then(() => 'written', (error: unknown) => (error instanceof RestError ? error.statusCode : error));

        // Act
        answers.push([
          await status(policies.createEntity({ partitionKey: 'policy', rowKey: 'p:scale-3', policyId: 'scale-3' })),
          await status(table(tables.names.states).createEntity({ partitionKey: 'scale-3', rowKey: 'state' })),
          await status(policies.submitTransaction([['create', { partitionKey: 'policy', rowKey: 'p:new' }], ['create', { partitionKey: 'policy', rowKey: 'p:scale-4' }]])),
          await status(policies.getEntity('policy', 'p:new')),
          await status(tables.schedule.addMany([{ policyId: seeded[2]!.policy.id, dueAt: seeded[2]!.state.nextDueAt }])),
          await status(table(tables.names.states).createEntity({ partitionKey: 'scale-new', rowKey: 'state' })),
        ]);
      }

      // Assert
      expect(answers[0]).toEqual([409, 409, 409, 404, 'written', 'written']);
      expect(answers[0]).toEqual(answers[1]);
    } finally {
      await Promise.all([seeding.stop(), reference.stop()]);
    }
  });

  it('answers every generated run of inserts as Azurite does, row for row', async () => {
    // Arrange
    const LokiTableMetadataStore = require('azurite/dist/src/table/persistence/LokiTableMetadataStore.js').default;
    const StorageErrorFactory = require('azurite/dist/src/table/errors/StorageErrorFactory.js').default;
    const context = { contextID: 'generated' };
    const inserts = fc.array(fc.tuple(fc.constantFrom('policy', 'due', 'a', 'b', 'c'), fc.constantFrom('state', 'p:1', 'p:2', 'x', 'y')), { maxLength: 60 });
    const store = async (swapped: boolean) => {
      const created = new LokiTableMetadataStore(join(tmpdir(), 'generated.json'), true);
      await created.init();
      await created.createTable(context, { account: 'devstoreaccount1', table: 't' });
      if (swapped) swapLookupOrder(created, (inner) => StorageErrorFactory.getEntityAlreadyExist(inner));
      return created;
    };

    // Act and Assert
    await fc.assert(
      fc.asyncProperty(inserts, async (rows) => {
        const [azurite, seeding] = await Promise.all([store(false), store(true)]);
        for (const [partitionKey, rowKey] of rows) {
          const entity = () => ({ PartitionKey: partitionKey, RowKey: rowKey, properties: { PartitionKey: partitionKey, RowKey: rowKey, n: rows.length }, lastModifiedTime: 't', eTag: 'e' });
          const outcome = async (target: typeof azurite) => {
            const found = await target.queryTableEntitiesWithPartitionAndRowKey(context, 't', 'devstoreaccount1', partitionKey, rowKey);
            return target.insertTableEntity(context, 't', 'devstoreaccount1', entity(), '').then(() => [found?.RowKey, 'inserted'], (error: { statusCode: number }) => [found?.RowKey, error.statusCode]);
          };
          expect(await outcome(seeding)).toEqual(await outcome(azurite));
        }
      }),
      { seed: 20261206, numRuns: 100 },
    );
  });

  it('refuses to run over an Azurite whose insert is not the one it was written against', () => {
    // Arrange
    const LokiTableMetadataStore = require('azurite/dist/src/table/persistence/LokiTableMetadataStore.js').default;
    const changed = new LokiTableMetadataStore(join(tmpdir(), 'changed.json'), true);
    changed.insertTableEntity = async function insertTableEntity() {
      return undefined;
    };

    // Act and Assert
    expect(() => swapLookupOrder(changed, () => new Error('exists'))).toThrow(/insertTableEntity is not 3\.35\.0's/);
    expect(() => swapLookupOrder(new LokiTableMetadataStore(join(tmpdir(), 'same.json'), true), () => new Error('exists'))).not.toThrow();
  });
});
