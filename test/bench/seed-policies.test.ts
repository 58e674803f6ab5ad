import type { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { createTableAdapters, type TableAdapters } from '../../src/adapters/tables/index.js';
import { vaultNameOf } from '../../src/adapters/tables/table-keys.js';
import { composeServices } from '../../src/composition.js';
import { silentLogger } from '../../src/core/logger.js';
import { benchPolicies, dueCount } from '../../bench/scale/bench-policies.js';
import { seedPolicies } from '../../bench/scale/seed-policies.js';
import { ManualClock } from '../support/fakes/manual-clock.js';
import { localClients, localConfig, uniqueName, vaultUrl } from '../support/local-stand-ins.js';

const now = new Date('2026-12-06T12:00:00.000Z');

async function freshTables(options: { tablePrefix?: string; clock?: ManualClock } = {}): Promise<TableAdapters> {
  const tables = createTableAdapters(localClients(), { tablePrefix: uniqueName('seed'), ...options });
  await tables.ensureTables();
  return tables;
}

function policiesTable(tables: TableAdapters): TableClient {
  return localClients().tableClient(tables.names.policies);
}

/** Every row of a table as stored, without what the service stamps (ETag, Timestamp). */
async function rowsOf(table: TableClient): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const { etag: _etag, timestamp: _timestamp, ...row } of table.listEntities()) rows.push(row);
  return rows;
}

describe('seedPolicies (the scale bench seeder)', () => {
  it('writes exactly the rows the adapters write for the same policies', async () => {
    // Arrange
    const seeded = benchPolicies({ count: 3, duePercent: 34, vaultUrl: vaultUrl(), now });
    const byAdapters = await freshTables({ clock: new ManualClock(now) });
    const bySeeder = await freshTables();
    for (const { policy, state } of seeded) {
      await byAdapters.policies.put(policy);
      await byAdapters.states.save(state, undefined);
      await byAdapters.schedule.add({ policyId: policy.id, dueAt: state.nextDueAt });
    }

    // Act
    await seedPolicies(bySeeder, policiesTable(bySeeder), seeded, { at: now });

    // Assert
    const clients = localClients();
    for (const [table, rows] of [['policies', 6], ['states', 3], ['schedule', 3]] as const) {
      const seededRows = await rowsOf(clients.tableClient(bySeeder.names[table]));
      expect(seededRows).toHaveLength(rows);
      expect(seededRows).toEqual(await rowsOf(clients.tableClient(byAdapters.names[table])));
    }
  });

  it('seeds 250 policies that the adapters read back and a scan finds the due ones of', async () => {
    // Arrange
    const seeded = benchPolicies({ count: 250, duePercent: 2, vaultUrl: vaultUrl(), now });
    const tablePrefix = uniqueName('seed');
    const tables = await freshTables({ tablePrefix });
    const due = seeded.filter(({ state }) => state.nextDueAt <= now).map(({ policy }) => policy.id);

    // Act
    const times = await seedPolicies(tables, policiesTable(tables), seeded, { at: now });

    // Assert
    expect(dueCount(seeded, now)).toBe(5);
    expect(times.transactions).toBe(5 + 3); // 500 policy and index rows, 250 schedule rows, 100 a transaction
    const listed = [];
    let continuationToken: string | undefined;
    do {
      const page = await tables.policies.list({ pageSize: 100, ...(continuationToken ? { continuationToken } : {}) });
      listed.push(...page.items.map((stored) => stored.policy));
      continuationToken = page.continuationToken;
    } while (continuationToken);
    expect(listed.map((policy) => policy.id).sort()).toEqual(seeded.map(({ policy }) => policy.id).sort());
    const sample = seeded[137]!;
    expect((await tables.policies.get(sample.policy.id))?.policy).toEqual(sample.policy);
    expect((await tables.policies.findBySecret(vaultNameOf(vaultUrl()), sample.policy.secretName))?.policy.id).toBe(sample.policy.id);
    expect((await tables.states.get(sample.policy.id))?.state).toEqual(sample.state);
    const services = composeServices(localConfig({ rotationQueueName: uniqueName('seed-') }), { tablePrefix, logger: silentLogger, clock: new ManualClock(now) });
    await services.ready();
    const report = await services.scan.run();
    expect(report.enqueued).toBe(due.length);
    const { receivedMessageItems } = await services.clients.queueClient(services.config.rotationQueueName).receiveMessages({ numberOfMessages: 32 });
    const sent = receivedMessageItems.map((item) => (JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')) as { policyId: string }).policyId);
    expect(sent.sort()).toEqual([...due].sort());
  });
});
