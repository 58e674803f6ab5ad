/** Builds a rotation engine over in-memory ports, optionally behind a crash injector. */
import { randomUUID } from 'node:crypto';
import { PolicyAdmin } from '../../../src/core/admin/policy-admin.js';
import { KeyVaultEventHandler } from '../../../src/core/events/key-vault-event-handler.js';
import { silentLogger, type Logger } from '../../../src/core/logger.js';
import type { RotationPolicy } from '../../../src/core/policy/policy.js';
import type { SecretRef } from '../../../src/core/ports.js';
import { DueScan } from '../../../src/core/rotation/due-scan.js';
import { ConsumerCatalog, isFollowerKind, isIssuerKind, type AnyConsumerKind } from '../../../src/core/consumers/consumer-port.js';
import { RotationEngine } from '../../../src/core/rotation/rotation-engine.js';
import { CrashInjector } from '../../support/fakes/crash-injector.js';
import { InMemorySecretStore } from '../../support/fakes/in-memory-secret-store.js';
import { ManualClock } from '../../support/fakes/manual-clock.js';
import { createInMemoryAdapters } from '../../support/in-memory/index.js';
import { aPolicy } from '../../support/policy-mother.js';
import type { RotationMetrics } from '../../../src/core/metrics.js';

export const LEASE_MS = 5 * 60_000;
export const MAX_ATTEMPTS = 3;
export const MIN_INTERVAL_MS = 60 * 60_000;
export const IDEMPOTENCY = { keysKept: 20, retentionInMs: 24 * 60 * 60_000 };

export type Stores = ReturnType<typeof createStores>;

export function createStores() {
  const clock = new ManualClock();
  return { clock, secrets: new InMemorySecretStore(clock), ...createInMemoryAdapters() };
}

export interface ProcessOptions {
  /** Downstream consumer kinds, wrapped by the process's crash injector like every other port. */
  consumerKinds?: AnyConsumerKind[];
  drainCheckIntervalInMs?: number;
  metrics?: RotationMetrics;
}

/** An engine (and its scan, event handler and admin) as one process would compose it. */
export function processOver(stores: Stores, injector: CrashInjector = new CrashInjector(undefined), logger: Logger = silentLogger, options: ProcessOptions = {}) {
  const deps = {
    policies: injector.wrap(stores.policies),
    states: injector.wrap(stores.states),
    schedule: injector.wrap(stores.schedule),
    audit: injector.wrap(stores.audit),
    secrets: injector.wrap(stores.secrets),
  };
  const common = { clock: stores.clock, logger, newId: randomUUID };
  const consumerKinds = new ConsumerCatalog((options.consumerKinds ?? []).map((kind) => withCrashes(injector, kind)));
  const engine = new RotationEngine({
    ...deps,
    ...common,
    leaseDurationInMs: LEASE_MS,
    maxAttempts: MAX_ATTEMPTS,
    minRotationIntervalInMs: MIN_INTERVAL_MS,
    idempotency: IDEMPOTENCY,
    consumerKinds,
    ...(options.drainCheckIntervalInMs ? { drainCheckIntervalInMs: options.drainCheckIntervalInMs } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  return {
    engine,
    scan: new DueScan({ ...deps, engine, clock: stores.clock, logger }),
    events: new KeyVaultEventHandler({ ...deps, engine, clock: stores.clock, logger }),
    admin: new PolicyAdmin({ ...deps, ...common, governedVaultUrls: [], consumerKinds }),
  };
}

/** A kind whose port calls (the I/O) go through the injector; its schema and connectionFields are plain data. */
function withCrashes(injector: CrashInjector, kind: AnyConsumerKind): AnyConsumerKind {
  if (isFollowerKind(kind)) return { ...kind, deliver: injector.wrap(kind).deliver };
  if (isIssuerKind(kind)) {
    const io = injector.wrap(kind);
    return { ...kind, issue: io.issue, verify: io.verify, revoke: io.revoke, ...(kind.discard ? { discard: io.discard } : {}) };
  }
  const io = injector.wrap(kind);
  return {
    ...kind,
    verify: io.verify,
    sessions: io.sessions,
    ...(kind.replaceLoginPassword ? { replaceLoginPassword: io.replaceLoginPassword } : {}),
    ...(kind.setAcceptedPasswords ? { setAcceptedPasswords: io.setAcceptedPasswords } : {}),
  };
}

export function refOf(policy: RotationPolicy): SecretRef {
  return { vaultUrl: policy.vaultUrl, secretName: policy.secretName };
}

export async function auditActions(stores: Stores, policyId: string): Promise<string[]> {
  const page = await stores.audit.listForPolicy(policyId, { pageSize: 1000 });
  return page.items.map((record) => record.action);
}

/** Everything the schedule index holds for a policy, whatever its due time. */
export async function scheduleEntries(stores: Stores, policyId: string): Promise<Date[]> {
  const due: Date[] = [];
  for await (const entry of stores.schedule.listDue(new Date('9999-01-01T00:00:00Z'))) {
    if (entry.policyId === policyId) due.push(entry.dueAt);
  }
  return due;
}

/** A policy governed by one process over fresh stores, not yet rotated. */
export async function aGovernedPolicy(overrides: Parameters<typeof aPolicy>[0] = {}) {
  const stores = createStores();
  const policy = aPolicy(overrides);
  const app = processOver(stores);
  await app.admin.put(policy.id, policy, 'test');
  return { stores, policy, app };
}
