import { describe, expect, it } from 'vitest';
import { EntitiesReadCounter } from '../../../src/adapters/tables/index.js';
import { ValidationError } from '../../../src/core/errors.js';
import { MAX_STORED_TEXT_LENGTH } from '../../../src/core/stored-text.js';
import { aState, anActiveRotation } from '../../support/contract/fixtures.js';
import { describePolicyStateStoreContract } from '../../support/contract/policy-state-store.contract.js';
import { InMemoryPolicyStateStore } from '../../support/in-memory/index.js';
import { azuriteClients, freshTableAdapters } from './table-fixture.js';

describePolicyStateStoreContract('in memory', () => new InMemoryPolicyStateStore());
describePolicyStateStoreContract('Table Storage (Azurite)', async () => (await freshTableAdapters()).states);

describe('TablePolicyStateStore specifics', () => {
  it('stores Dates as Edm.DateTime columns and the active rotation as JSON', async () => {
    // Arrange
    const adapters = await freshTableAdapters();
    const raw = azuriteClients().tableClient(adapters.names.states);

    // Act
    await adapters.states.save(aState('p1', { active: anActiveRotation() }), undefined);

    // Assert
    const entity = await raw.getEntity('p1', 'state', { disableTypeConversion: true });
    expect(entity.nextDueAt).toEqual({ type: 'DateTime', value: expect.stringMatching(/^2026-04-01T00:00:00/) });
    expect(JSON.parse((entity.activeJson as { value: string }).value)).toMatchObject({ rotationId: 'rot-1', trigger: { kind: 'event' } });
  });

  it('reads the states of 1,100 policies in a couple of requests, not one per policy, the service\'s pages followed', async () => {
    // Arrange: more states than one answer of the service holds (1,000).
    const counter = new EntitiesReadCounter();
    const { states } = await freshTableAdapters({ onEntitiesRead: counter.listener });
    const ids = Array.from({ length: 1100 }, (_, i) => `p-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => states.save(aState(id), undefined)));
    counter.reset();

    // Act
    const many = await states.getMany(ids);

    // Assert
    expect(many.size).toBe(1100);
    expect(counter.requestsFor('states.get')).toBe(0);
    expect(counter.requestsFor('states.getMany')).toBeLessThanOrEqual(3);
    expect(counter.entitiesFor('states.getMany')).toBe(1100);
  });

  it.each([['a/b'], ['a#b'], ['']])('refuses an id Table Storage cannot key (%j) before calling it', async (id) => {
    // Arrange
    const { states } = await freshTableAdapters();

    // Act
    const read = states.getMany(['p1', id]);

    // Assert
    await expect(read).rejects.toBeInstanceOf(ValidationError);
  });

  it('cuts an error message longer than a table property holds instead of failing the save', async () => {
    // Arrange
    const { states } = await freshTableAdapters();
    const lastError = `DependencyUnavailable: ${'x'.repeat(100_000)}`;

    // Act
    const saved = await states.save(aState('p1', { lastError }), undefined);

    // Assert
    const read = await states.get('p1');
    expect(read).toEqual(saved);
    expect(read?.state.lastError?.length).toBe(MAX_STORED_TEXT_LENGTH);
    expect(read?.state.lastError?.startsWith('DependencyUnavailable: xxx')).toBe(true);
  });
});
