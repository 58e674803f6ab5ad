import { odata, type TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { EntitiesReadCounter } from '../../../src/adapters/tables/index.js';
import { ValidationError } from '../../../src/core/errors.js';
import { describePolicyRepositoryContract } from '../../support/contract/policy-repository.contract.js';
import { InMemoryPolicyRepository } from '../../support/in-memory/index.js';
import { aPolicy } from '../../support/policy-mother.js';
import { azuriteClients, freshTableAdapters } from './table-fixture.js';

describePolicyRepositoryContract('in memory', () => new InMemoryPolicyRepository());
describePolicyRepositoryContract('Table Storage (Azurite)', async () => (await freshTableAdapters()).policies);

describe('TablePolicyRepository specifics', () => {
  async function withRawTable() {
    const adapters = await freshTableAdapters();
    const raw: TableClient = azuriteClients().tableClient(adapters.names.policies);
    return { policies: adapters.policies, raw };
  }

  it.each([
    { target: 'a policy that does not exist', pointsAt: 'ghost', governsAnotherSecret: false },
    { target: 'a policy that governs another secret', pointsAt: 'elsewhere', governsAnotherSecret: true },
  ])('ignores, then takes over, an index entry left pointing at $target', async ({ pointsAt, governsAnotherSecret }) => {
    // Arrange
    const { policies, raw } = await withRawTable();
    if (governsAnotherSecret) await policies.put(aPolicy({ id: pointsAt, secretName: 'another-secret' }));
    const stale = { partitionKey: 'policy', rowKey: 's:kv-payments-prod:payments-db-password', policyId: pointsAt, vaultName: 'kv-payments-prod', secretName: 'payments-db-password' };
    await raw.createEntity(stale);

    // Act
    const before = await policies.findBySecret('kv-payments-prod', 'payments-db-password');
    const created = await policies.put(aPolicy({ id: 'rightful' }));
    const after = await policies.findBySecret('kv-payments-prod', 'payments-db-password');

    // Assert
    expect(before).toBeUndefined();
    expect(after).toEqual(created);
    const index = await raw.getEntity<{ policyId: string }>('policy', 's:kv-payments-prod:payments-db-password');
    expect(index.policyId).toBe('rightful');
  });

  it('stores the policy as JSON with queryable columns, and one index entry per policy', async () => {
    // Arrange
    const { policies, raw } = await withRawTable();
    const policy = aPolicy({ secretName: 'Payments-DB-Password' });

    // Act
    await policies.put(policy);

    // Assert
    const rows = [];
    for await (const row of raw.listEntities({ queryOptions: { filter: odata`PartitionKey eq 'policy'` } })) rows.push(row);
    expect(rows.map((row) => row.rowKey)).toEqual([`p:${policy.id}`, 's:kv-payments-prod:payments-db-password']);
    expect(rows[0]).toMatchObject({
      policyId: policy.id,
      vaultName: 'kv-payments-prod',
      secretName: 'Payments-DB-Password',
      environment: policy.environment,
      owner: policy.owner,
      enabled: true,
    });
    expect(JSON.parse(rows[0]!.policyJson as string)).toEqual(policy);
    expect(rows[1]).toMatchObject({ policyId: policy.id });
  });

  it('reads two entities to find a policy by its secret', async () => {
    // Arrange
    const counter = new EntitiesReadCounter();
    const { policies } = await freshTableAdapters({ onEntitiesRead: counter.listener });
    await policies.put(aPolicy());

    // Act
    await policies.findBySecret('kv-payments-prod', 'payments-db-password');

    // Assert
    expect(counter.entitiesFor('policies.findBySecret')).toBe(2);
  });

  it.each([['a/b'], ['a#b'], ['a?b'], ['']])('refuses an id Table Storage cannot key (%j) before calling it', async (id) => {
    // Arrange
    const { policies } = await freshTableAdapters();

    // Act
    const read = policies.get(id);

    // Assert
    await expect(read).rejects.toBeInstanceOf(ValidationError);
  });
});
