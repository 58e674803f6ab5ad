/** Builders and helpers shared by the port contract suites. */
import { randomUUID } from 'node:crypto';
import type { AuditRecord, PolicyState } from '../../../src/core/ports.js';

export function aState(policyId: string, overrides: Partial<PolicyState> = {}): PolicyState {
  return {
    policyId,
    currentVersion: 'v1',
    currentVersionCreatedOn: new Date('2026-01-01T00:00:00.000Z'),
    currentVersionExpiresOn: new Date('2026-05-01T00:00:00.000Z'),
    lastRotationId: 'rot-0',
    lastRotatedAt: new Date('2026-01-01T00:00:00.123Z'),
    lastResult: 'succeeded',
    consecutiveFailures: 0,
    nextDueAt: new Date('2026-04-01T00:00:00.000Z'),
    recentTriggers: [
      { key: 'http:first', fingerprint: 'sha256:abc', at: new Date('2026-01-01T00:00:00.000Z'), rotationId: 'rot-0', result: 'succeeded', newVersion: 'v1' },
      { key: 'event:second', at: new Date('2026-01-01T00:00:01.000Z'), rotationId: 'rot-0' },
    ],
    ...overrides,
  };
}

export function anActiveRotation(overrides: Partial<NonNullable<PolicyState['active']>> = {}): NonNullable<PolicyState['active']> {
  return {
    rotationId: 'rot-1',
    step: 'switched',
    trigger: { kind: 'event', actor: 'event-123', reason: 'SecretNearExpiry', eventVersion: 'v1', eventClaim: 'near-expiry', idempotencyKey: 'event:123' },
    target: { vaultUrl: 'https://kv-contract.vault.azure.net', secretName: 'db-password' },
    startedAt: new Date('2026-03-31T23:59:59.999Z'),
    leaseExpiresAt: new Date('2026-04-01T00:05:00.000Z'),
    previousVersion: 'v1',
    newVersion: 'v2',
    newVersionCreatedOn: new Date('2026-04-01T00:00:01.000Z'),
    newVersionExpiresOn: new Date('2026-08-01T00:00:01.000Z'),
    attempt: 1,
    ...overrides,
  };
}

export function anAuditRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: randomUUID(),
    at: new Date('2026-04-01T00:00:00.000Z'),
    action: 'rotation.succeeded',
    policyId: 'payments-db-password',
    vaultUrl: 'https://kv-payments-prod.vault.azure.net',
    secretName: 'payments-db-password',
    rotationId: 'rot-1',
    trigger: 'timer',
    actor: 'scheduler',
    reason: 'scheduled scan',
    previousVersion: 'v1',
    newVersion: 'v2',
    ...overrides,
  };
}

/** Runs `work` over `items`, `concurrency` at a time. */
export async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += concurrency) {
    await Promise.all(items.slice(start, start + concurrency).map(work));
  }
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Every page of a paged listing, following continuation tokens. */
export async function allPages<T>(list: (continuationToken: string | undefined) => Promise<{ items: T[]; continuationToken?: string }>): Promise<T[][]> {
  const pages: T[][] = [];
  let token: string | undefined;
  do {
    const page = await list(token);
    pages.push(page.items);
    token = page.continuationToken;
  } while (token !== undefined);
  return pages;
}
