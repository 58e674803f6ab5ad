import { describePolicyRepositoryContract } from '../../support/contract/policy-repository.contract.js';
import { InMemoryPolicyRepository } from '../../support/in-memory/index.js';
import { freshTableAdapters } from './table-fixture.js';

describePolicyRepositoryContract('in memory', () => new InMemoryPolicyRepository());
describePolicyRepositoryContract('Table Storage (Azurite)', async () => (await freshTableAdapters()).policies);
