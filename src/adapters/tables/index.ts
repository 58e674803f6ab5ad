/**
 * The Table Storage adapters behind one entry point. A table prefix keeps
 * deployments (and test runs) that share a storage account apart.
 */
import type { AzureClientFactory } from '../azure-clients.js';
import type { Clock } from '../../core/clock.js';
import { ValidationError } from '../../core/errors.js';
import type { EntitiesReadListener } from './read-meter.js';
import { TableAuditLog } from './table-audit-log.js';
import { TableChangeRequestStore } from './table-change-request-store.js';
import { TablePolicyRepository } from './table-policy-repository.js';
import { TablePolicyStateStore } from './table-policy-state-store.js';
import { TableScheduleIndex } from './table-schedule-index.js';
import { TableSmokeTestStore } from './table-smoke-test-store.js';

export { EntitiesReadCounter, type EntitiesReadListener, type TableReadOperation } from './read-meter.js';
export { auditPartitionOf } from './audit-keys.js';
export { TableAuditLog } from './table-audit-log.js';
export { TableChangeRequestStore } from './table-change-request-store.js';
export { TablePolicyRepository } from './table-policy-repository.js';
export { TablePolicyStateStore } from './table-policy-state-store.js';
export { TableScheduleIndex } from './table-schedule-index.js';
export { TableSmokeTestStore } from './table-smoke-test-store.js';

export const DEFAULT_TABLE_PREFIX = 'rotation';

export interface TableNames {
  policies: string;
  states: string;
  schedule: string;
  audit: string;
  changes: string;
  smokeTests: string;
}

/** Table names are 3-63 letters and digits starting with a letter, so the prefix is too. */
export function tableNames(tablePrefix: string = DEFAULT_TABLE_PREFIX): TableNames {
  if (!/^([A-Za-z][A-Za-z0-9]{0,50})?$/.test(tablePrefix)) {
    throw new ValidationError(`table prefix '${tablePrefix}' must be up to 51 letters and digits, starting with a letter`, [
      { path: 'tablePrefix', message: 'not usable in a table name' },
    ]);
  }
  return {
    policies: `${tablePrefix}policies`,
    states: `${tablePrefix}states`,
    schedule: `${tablePrefix}schedule`,
    audit: `${tablePrefix}audit`,
    changes: `${tablePrefix}changes`,
    smokeTests: `${tablePrefix}smoketests`,
  };
}

export interface TableAdaptersOptions {
  /** Default 'rotation' (tables rotationpolicies, rotationstates, rotationschedule, rotationaudit, rotationchanges, rotationsmoketests). */
  tablePrefix?: string;
  /** Stamps policies' createdAt/updatedAt. */
  clock?: Clock;
  /** Told how many entities each read returned; see EntitiesReadCounter. */
  onEntitiesRead?: EntitiesReadListener;
}

export interface TableAdapters {
  policies: TablePolicyRepository;
  states: TablePolicyStateStore;
  schedule: TableScheduleIndex;
  audit: TableAuditLog;
  changes: TableChangeRequestStore;
  smokeTests: TableSmokeTestStore;
  names: TableNames;
  /** Creates the tables that are missing; safe to call again and from several instances. */
  ensureTables(): Promise<void>;
}

export function createTableAdapters(factory: Pick<AzureClientFactory, 'tableClient'>, options: TableAdaptersOptions = {}): TableAdapters {
  const names = tableNames(options.tablePrefix);
  const observed = options.onEntitiesRead ? { onEntitiesRead: options.onEntitiesRead } : {};
  const policies = new TablePolicyRepository(factory.tableClient(names.policies), { ...observed, ...(options.clock ? { clock: options.clock } : {}) });
  const states = new TablePolicyStateStore(factory.tableClient(names.states), observed);
  const schedule = new TableScheduleIndex(factory.tableClient(names.schedule), observed);
  const audit = new TableAuditLog(factory.tableClient(names.audit), observed);
  const changes = new TableChangeRequestStore(factory.tableClient(names.changes), observed);
  const smokeTests = new TableSmokeTestStore(factory.tableClient(names.smokeTests), observed);
  return {
    policies,
    states,
    schedule,
    audit,
    changes,
    smokeTests,
    names,
    async ensureTables() {
      await Promise.all([policies.createIfMissing(), states.createIfMissing(), schedule.createIfMissing(), audit.createIfMissing(), changes.createIfMissing(), smokeTests.createIfMissing()]);
    },
  };
}
