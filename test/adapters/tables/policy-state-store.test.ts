import { describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH } from '../../../src/adapters/tables/table-keys.js';
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

  it('cuts an error message longer than a table property holds instead of failing the save', async () => {
    // Arrange
    const { states } = await freshTableAdapters();
    const lastError = `DependencyUnavailable: ${'x'.repeat(100_000)}`;

    // Act
    const saved = await states.save(aState('p1', { lastError }), undefined);

    // Assert
    const read = await states.get('p1');
    expect(read).toEqual(saved);
    expect(read?.state.lastError?.length).toBe(MAX_TEXT_LENGTH);
    expect(read?.state.lastError?.startsWith('DependencyUnavailable: xxx')).toBe(true);
  });
});
