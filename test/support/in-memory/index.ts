/** In-memory twins of the Table Storage adapters, same shape as createTableAdapters(). */
import type { Clock } from '../../../src/core/clock.js';
import { InMemoryAuditLog } from './in-memory-audit-log.js';
import { InMemoryPolicyRepository } from './in-memory-policy-repository.js';
import { InMemoryPolicyStateStore } from './in-memory-policy-state-store.js';
import { InMemoryScheduleIndex } from './in-memory-schedule-index.js';

export { FaultInjector } from './fault-injector.js';
export { InMemoryAuditArchive } from './in-memory-audit-archive.js';
export { InMemoryAuditLog, type AuditLogOperation } from './in-memory-audit-log.js';
export { InMemoryPolicyRepository, type PolicyRepositoryOperation } from './in-memory-policy-repository.js';
export { InMemoryPolicyStateStore, type PolicyStateStoreOperation } from './in-memory-policy-state-store.js';
export { InMemoryScheduleIndex, type ScheduleIndexOperation } from './in-memory-schedule-index.js';

export interface InMemoryAdapters {
  policies: InMemoryPolicyRepository;
  states: InMemoryPolicyStateStore;
  schedule: InMemoryScheduleIndex;
  audit: InMemoryAuditLog;
  ensureTables(): Promise<void>;
}

export function createInMemoryAdapters(options: { clock?: Clock } = {}): InMemoryAdapters {
  return {
    policies: new InMemoryPolicyRepository(options),
    states: new InMemoryPolicyStateStore(),
    schedule: new InMemoryScheduleIndex(),
    audit: new InMemoryAuditLog(),
    async ensureTables() {},
  };
}
