import { TableClient } from '@azure/data-tables';
import { describe, expect, inject, it } from 'vitest';

describe('Azurite harness', () => {
  it('round-trips an entity through the real TableClient', async () => {
    // Arrange
    const table = TableClient.fromConnectionString(inject('azuriteConnectionString'), 'harnesscheck', {
      allowInsecureConnection: true,
    });
    await table.createTable();

    // Act
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', answer: 42 });
    const read = await table.getEntity<{ answer: number }>('p', 'r');

    // Assert
    expect(read.answer).toBe(42);
    await expect(table.createEntity({ partitionKey: 'p', rowKey: 'r' })).rejects.toMatchObject({ statusCode: 409 });
  });
});
