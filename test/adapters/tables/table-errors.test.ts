import { RestError, TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { TablePolicyStateStore } from '../../../src/adapters/tables/index.js';
import { mapTableError } from '../../../src/adapters/tables/table-errors.js';
import {
  ConcurrencyConflictError,
  NotFoundError,
  PermanentDependencyError,
  TransientDependencyError,
  ValidationError,
} from '../../../src/core/errors.js';
import { freePort } from '../../../src/local/free-port.js';

describe('mapTableError', () => {
  it.each([
    [409, ConcurrencyConflictError],
    [412, ConcurrencyConflictError],
    [404, NotFoundError],
    [408, TransientDependencyError],
    [429, TransientDependencyError],
    [500, TransientDependencyError],
    [503, TransientDependencyError],
    [400, PermanentDependencyError],
    [403, PermanentDependencyError],
  ])('maps HTTP %i to %O, keeping the cause', (statusCode, expected) => {
    // Arrange
    const error = new RestError('refused', { statusCode });

    // Act
    const mapped = mapTableError(error, "save state of policy 'p1'");

    // Assert
    expect(mapped).toBeInstanceOf(expected);
    expect(mapped.message).toContain("save state of policy 'p1'");
    expect(mapped.cause).toBe(error);
  });

  it('passes domain errors and programming errors through unchanged', () => {
    // Arrange
    const domain = new ValidationError('bad');
    const bug = new TypeError('undefined is not a function');

    // Act
    const mapped = [mapTableError(domain, 'x'), mapTableError(bug, 'x')];

    // Assert
    expect(mapped).toEqual([domain, bug]);
  });

  it('reports an unreachable Table endpoint as transient', async () => {
    // Arrange
    const port = await freePort('127.0.0.1');
    const table = new TableClient(`http://127.0.0.1:${port}/devstoreaccount1`, 'states', {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    const store = new TablePolicyStateStore(table);

    // Act
    const read = store.get('p1');

    // Assert
    await expect(read).rejects.toBeInstanceOf(TransientDependencyError);
  });
});
