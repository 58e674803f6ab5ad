/**
 * What only the Table adapter can show about the audit query: it reads the index rows in
 * range and no others (entities read), a page's reads stay bounded when filters reject
 * rows, and an append whose index writes failed is completed by its replay.
 */
import type { TableClient } from '@azure/data-tables';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditQuery } from '../../../src/core/audit/audit-query.js';
import { AuditRecordExistsError } from '../../../src/core/audit/errors.js';
import { TransientDependencyError } from '../../../src/core/errors.js';
import type { AuditRecord } from '../../../src/core/ports.js';
import { EntitiesReadCounter, TableAuditLog } from '../../../src/adapters/tables/index.js';
import { allPages, anAuditRecord } from '../../support/contract/fixtures.js';
import { azuriteClients, uniqueTablePrefix } from './table-fixture.js';

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const ALICE = '0a1b2c3d-0000-4000-8000-00000000a11c';

/** Two records a day for 30 days: one by the scheduler at 06:00, one by Alice at 18:00. */
function month(): AuditRecord[] {
  return Array.from({ length: 30 }, (_, day) => [
    anAuditRecord({ id: `s${day}`, at: new Date(START + day * DAY_MS + 6 * 3_600_000), actor: 'scheduler', action: day % 5 === 0 ? 'rotation.failed' : 'rotation.succeeded' }),
    anAuditRecord({ id: `a${day}`, at: new Date(START + day * DAY_MS + 18 * 3_600_000), actor: 'Alice', actorId: ALICE, action: 'policy.replaced', policyId: `p${day % 3}` }),
  ]).flat();
}

function days(first: number, last: number): Pick<AuditQuery, 'from' | 'to'> {
  return { from: new Date(START + first * DAY_MS), to: new Date(START + (last + 1) * DAY_MS - 1) };
}

async function freshTable(): Promise<TableClient> {
  const table = azuriteClients().tableClient(`${uniqueTablePrefix()}audit`);
  await table.createTable();
  return table;
}

/** The table, with createEntity failing for partitions that `fails` picks, as long as it does. */
function failingIndexWrites(table: TableClient, fails: (partitionKey: string) => boolean): TableClient {
  return new Proxy(table, {
    get(target, property) {
      if (property === 'createEntity') {
        return async (entity: { partitionKey: string; rowKey: string }) => {
          if (fails(entity.partitionKey)) throw Object.assign(new Error('injected'), { name: 'RestError', statusCode: 503 });
          return target.createEntity(entity);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('TableAuditLog.query on Azurite', () => {
  let table: TableClient;
  let counter: EntitiesReadCounter;
  let log: TableAuditLog;

  beforeEach(async () => {
    table = await freshTable();
    counter = new EntitiesReadCounter();
    log = new TableAuditLog(table, { onEntitiesRead: counter.listener });
    await Promise.all(month().map((record) => log.append(record)));
    counter.reset();
  });

  it.each([
    ['one day', 10, 10, 2],
    ['three days', 10, 12, 6],
    ['the whole month', 0, 29, 60],
  ])('reads only the index rows of the time range asked for: %s', async (_case, first, last, inRange) => {
    // Act
    const page = await log.query(days(first, last));

    // Assert
    expect(page.items).toHaveLength(inRange);
    expect(counter.entitiesFor('audit.query')).toBe(inRange);
  });

  it("reads only a filter's own index rows within the range", async () => {
    // Act
    const page = await log.query({ ...days(0, 29), actor: ALICE });

    // Assert: 30 of Alice's records read, none of the scheduler's 30
    expect(page.items).toHaveLength(30);
    expect(counter.entitiesFor('audit.query')).toBe(30);
  });

  it("reads a policy's history from its own partition, within the range", async () => {
    // Act
    const page = await log.query({ ...days(0, 8), policyId: 'p1' });

    // Assert: days 1, 4 and 7 of Alice's p1 records
    expect(page.items.map((r) => r.id)).toEqual(['a7', 'a4', 'a1']);
    expect(counter.entitiesFor('audit.query')).toBe(3);
  });

  it('reads a page at a time, never more than the page asks for when the index serves the filter', async () => {
    // Act
    const pages = await allPages((continuationToken) => log.query({ ...days(0, 29), actor: 'scheduler' }, { pageSize: 7, ...(continuationToken ? { continuationToken } : {}) }));

    // Assert
    expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 7, 2]);
    expect(counter.entitiesFor('audit.query')).toBe(30);
  });

  it("bounds a page's reads when a filter the index does not serve rejects rows, and still finds everything", async () => {
    // Arrange: the scheduler's own index serves the actor filter; result is checked per row read
    const bounded = new TableAuditLog(table, { onEntitiesRead: counter.listener, queryReadBudget: 4 });
    const reads: number[] = [];

    // Act
    const pages = await allPages(async (continuationToken) => {
      const before = counter.entitiesFor('audit.query');
      const page = await bounded.query({ ...days(0, 29), actor: 'scheduler', result: 'failure' }, { pageSize: 10, ...(continuationToken ? { continuationToken } : {}) });
      reads.push(counter.entitiesFor('audit.query') - before);
      return page;
    });

    // Assert
    expect(pages.flat().map((r) => r.id)).toEqual(['s25', 's20', 's15', 's10', 's5', 's0']);
    expect(Math.max(...reads)).toBeLessThanOrEqual(4);
  });
});

describe('TableAuditLog.append when an index write fails', () => {
  it('fails retryably with the record stored, and its replay completes the index', async () => {
    // Arrange
    const table = await freshTable();
    let failing = true;
    const log = new TableAuditLog(failingIndexWrites(table, (partitionKey) => failing && partitionKey.startsWith('action:')));
    const record = anAuditRecord({ id: 'half-indexed', action: 'rotation.failed', at: new Date(START) });
    const everything = { ...days(0, 0), action: 'rotation.failed' as const };

    // Act
    const first = await log.append(record).catch((error: unknown) => error);
    const before = await log.query(everything);
    failing = false;
    const replay = await log.append({ ...record, reason: 'the retry' }).catch((error: unknown) => error);
    const after = await log.query(everything);

    // Assert
    expect(first).toBeInstanceOf(TransientDependencyError);
    expect((await log.listForPolicy(record.policyId!)).items).toEqual([record]);
    expect(before.items).toEqual([]);
    expect(replay).toBeInstanceOf(AuditRecordExistsError);
    expect((replay as AuditRecordExistsError).stored).toEqual(record);
    expect(after.items).toEqual([record]);
  });
});
