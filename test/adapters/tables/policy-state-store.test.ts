import { describePolicyStateStoreContract } from '../../support/contract/policy-state-store.contract.js';
import { InMemoryPolicyStateStore } from '../../support/in-memory/index.js';
import { freshTableAdapters } from './table-fixture.js';

describePolicyStateStoreContract('in memory', () => new InMemoryPolicyStateStore());
describePolicyStateStoreContract('Table Storage (Azurite)', async () => (await freshTableAdapters()).states);
