import { TableClient } from '@azure/data-tables';
import { describe, expect, inject, it } from 'vitest';
import { EntitiesReadCounter, TableScheduleIndex } from '../../../src/adapters/tables/index.js';
import type { DueEntry } from '../../../src/core/ports.js';
import { collect } from '../../support/contract/fixtures.js';
import { describeScheduleIndexContract } from '../../support/contract/schedule-index.contract.js';
import { InMemoryScheduleIndex } from '../../support/in-memory/index.js';
import { freshTableAdapters, uniqueTablePrefix } from './table-fixture.js';

describeScheduleIndexContract('in memory', () => new InMemoryScheduleIndex());
describeScheduleIndexContract('Table Storage (Azurite)', async () => (await freshTableAdapters()).schedule);

describe('TableScheduleIndex read cost', () => {
  const now = new Date('2026-04-01T12:00:00.000Z');

  function entries(count: number, firstDueAt: Date, prefix: string): DueEntry[] {
    return Array.from({ length: count }, (_, i) => ({ policyId: `${prefix}-${i}`, dueAt: new Date(firstDueAt.getTime() + i * 60_000) }));
  }

  it.each([
    { stored: 1000, due: 10, requests: 1 },
    { stored: 1000, due: 0, requests: 1 },
    { stored: 3000, due: 1500, requests: 2 },
  ])('reads only the due entries: $due due of $stored stored', async ({ stored, due, requests }) => {
    // Arrange
    const counter = new EntitiesReadCounter();
    const { schedule } = await freshTableAdapters({ onEntitiesRead: counter.listener });
    const overdue = entries(due, new Date(now.getTime() - due * 60_000), 'due');
    await schedule.addMany([...overdue, ...entries(stored - due, new Date(now.getTime() + 1), 'later')]);

    // Act
    const listed = await collect(schedule.listDue(now));

    // Assert
    expect(listed).toEqual(overdue);
    expect(counter.entitiesFor('schedule.listDue')).toBe(due);
    expect(counter.requestsFor('schedule.listDue')).toBe(requests);
  });

  it('asks the service for a row-key range, so it seeks to the due entries instead of filtering every one', async () => {
    // Arrange
    const filters: string[] = [];
    const table = TableClient.fromConnectionString(inject('azuriteConnectionString'), `${uniqueTablePrefix()}schedule`, {
      allowInsecureConnection: true,
      additionalPolicies: [
        {
          position: 'perCall',
          policy: {
            name: 'recordFilters',
            sendRequest: (request, next) => {
              const filter = new URL(request.url).searchParams.get('$filter');
              if (filter) filters.push(filter);
              return next(request);
            },
          },
        },
      ],
    });
    const schedule = new TableScheduleIndex(table);
    await schedule.createIfMissing();

    // Act
    await collect(schedule.listDue(now));

    // Assert
    expect(filters).toEqual(["PartitionKey eq 'due' and RowKey lt '2026-04-01T12:00:00.001Z'"]);
  });
});
