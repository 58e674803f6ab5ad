import { describeAuditLogContract } from '../../support/contract/audit-log.contract.js';
import { InMemoryAuditLog } from '../../support/in-memory/index.js';
import { freshTableAdapters } from './table-fixture.js';

describeAuditLogContract('in memory', () => new InMemoryAuditLog());
describeAuditLogContract('Table Storage (Azurite)', async () => (await freshTableAdapters()).audit);
