/** A ChangeRequestService over in-memory ports, with callers and an executor that counts its calls. */
import { BreakGlassEvents } from '../../../src/core/approvals/break-glass-events.js';
import type { RotationEvent } from '../../../src/core/rotation-events.js';
import type { AppRole, Caller } from '../../../src/core/auth/caller.js';
import type { ChangeRequest, ExecutionResult } from '../../../src/core/approvals/change-request.js';
import { ChangeRequestService, type ChangeRequestServiceDependencies } from '../../../src/core/approvals/change-request-service.js';
import { DEFAULT_GOVERNANCE_SETTINGS, type GovernanceSettings } from '../../../src/core/approvals/governance-settings.js';
import type { ChangeRequestStore } from '../../../src/core/approvals/ports.js';
import type { Logger, LogProperties } from '../../../src/core/logger.js';
import type { PolicyRepository } from '../../../src/core/ports.js';
import { ManualClock } from '../../support/fakes/manual-clock.js';
import { InMemoryAuditLog, InMemoryPolicyRepository } from '../../support/in-memory/index.js';
import { InMemoryChangeRequestStore } from '../../support/in-memory/in-memory-change-request-store.js';
import { aPolicy } from '../../support/policy-mother.js';
import type { RotationPolicy } from '../../../src/core/policy/policy.js';

export const HOUR_MS = 60 * 60_000;
export const LEASE_MS = 10 * 60_000;

export function aCaller(oid: string, roles: AppRole[] = ['Rotation.Read', 'Rotation.Operate', 'Policy.Write', 'Rotation.Approve']): Caller {
  return { oid, displayName: `${oid}@contoso.com`, kind: 'user', roles: new Set(roles) };
}

export const requester = aCaller('oid-requester');
export const alice = aCaller('oid-alice');
export const bob = aCaller('oid-bob');
export const carol = aCaller('oid-carol');

/** Records each call; answers `result`, or runs `behaviour` when a test sets one. */
export class RecordingExecutor {
  readonly calls: ChangeRequest[] = [];
  behaviour: (request: ChangeRequest) => Promise<ExecutionResult> = async () => ({ summary: 'done' });

  async execute(request: ChangeRequest): Promise<ExecutionResult> {
    this.calls.push(structuredClone(request));
    return this.behaviour(request);
  }
}

export class RecordingLogger implements Logger {
  readonly entries: { level: string; event: string; properties: LogProperties }[] = [];
  info(event: string, properties: LogProperties = {}): void {
    this.entries.push({ level: 'info', event, properties });
  }
  warn(event: string, properties: LogProperties = {}): void {
    this.entries.push({ level: 'warn', event, properties });
  }
  error(event: string, properties: LogProperties = {}): void {
    this.entries.push({ level: 'error', event, properties });
  }
}

export interface ApprovalsWorld {
  service: ChangeRequestService;
  clock: ManualClock;
  policies: InMemoryPolicyRepository;
  requests: InMemoryChangeRequestStore;
  audit: InMemoryAuditLog;
  executor: RecordingExecutor;
  logger: RecordingLogger;
  /** What BreakGlassEvents published, as the deployment's topic would receive it. */
  alerts: RotationEvent[];
}

export function approvalsWorld(
  settings: Partial<GovernanceSettings> = {},
  stores: { requests?: ChangeRequestStore; policies?: PolicyRepository } = {},
): ApprovalsWorld {
  const clock = new ManualClock();
  const policies = new InMemoryPolicyRepository({ clock });
  const requests = new InMemoryChangeRequestStore();
  const audit = new InMemoryAuditLog();
  const executor = new RecordingExecutor();
  const logger = new RecordingLogger();
  const alerts: RotationEvent[] = [];
  let n = 0;
  const deps: ChangeRequestServiceDependencies = {
    requests: stores.requests ?? requests,
    policies: stores.policies ?? policies,
    clock,
    newId: () => `id-${++n}`,
    audit,
    logger,
    settings: { ...DEFAULT_GOVERNANCE_SETTINGS, ...settings },
    execute: executor,
    alerts: new BreakGlassEvents({ publish: async (event) => void alerts.push(event) }),
    executionLeaseInMs: LEASE_MS,
  };
  return { service: new ChangeRequestService(deps), clock, policies, requests, audit, executor, logger, alerts };
}

/** A production policy, stored, and a pending request to replace it made by `requester`. */
export async function aPendingReplace(world: ApprovalsWorld): Promise<ChangeRequest> {
  const stored = await world.policies.put(aProtectedPolicy());
  return world.service.request('policy.replace', stored.policy.id, { ...aProtectedPolicy(), owner: 'team-platform' }, requester, stored.etag);
}

export function auditActionsOf(world: ApprovalsWorld): string[] {
  return world.audit.records().map((record) => record.action);
}

/** A policy of a protected environment (the default settings protect production). */
export function aProtectedPolicy(overrides: Partial<RotationPolicy> = {}): RotationPolicy {
  return aPolicy({ environment: 'production', ...overrides });
}
