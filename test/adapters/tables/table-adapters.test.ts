import { describe, expect, it } from 'vitest';
import { createTableAdapters, tableNames } from '../../../src/adapters/tables/index.js';
import { ValidationError } from '../../../src/core/errors.js';
import { aPolicy } from '../../support/policy-mother.js';
import { azuriteClients, uniqueTablePrefix } from './table-fixture.js';

describe('createTableAdapters', () => {
  it('creates its tables idempotently, also from several instances at once', async () => {
    // Arrange
    const tablePrefix = uniqueTablePrefix();
    const instances = [1, 2, 3].map(() => createTableAdapters(azuriteClients(), { tablePrefix }));

    // Act
    await Promise.all(instances.map((adapters) => adapters.ensureTables()));
    await instances[0]!.ensureTables();

    // Assert
    const created = await instances[1]!.policies.put(aPolicy());
    expect(await instances[2]!.policies.get(created.policy.id)).toEqual(created);
  });

  it('names the tables after the prefix, rotation by default', () => {
    // Act
    const names = [tableNames(), tableNames('test42')];

    // Assert
    expect(names).toEqual([
      { policies: 'rotationpolicies', states: 'rotationstates', schedule: 'rotationschedule', audit: 'rotationaudit', changes: 'rotationchanges', smokeTests: 'rotationsmoketests' },
      { policies: 'test42policies', states: 'test42states', schedule: 'test42schedule', audit: 'test42audit', changes: 'test42changes', smokeTests: 'test42smoketests' },
    ]);
  });

  it.each([['1abc'], ['with-hyphen'], ['under_score'], ['x'.repeat(52)]])('refuses the table prefix %j', (tablePrefix) => {
    // Act
    const create = () => createTableAdapters(azuriteClients(), { tablePrefix });

    // Assert
    expect(create).toThrow(ValidationError);
  });
});
