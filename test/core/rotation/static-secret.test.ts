/**
 * A static secret is set by its owner, never generated: a due static secret is only
 * checked, the finding audited and logged for the owner, and checked again a day later
 * at the earliest. Nothing is ever written to Key Vault.
 */
import { describe, expect, it } from 'vitest';
import type { LogProperties, Logger } from '../../../src/core/logger.js';
import type { RotationTrigger, WriteSecretOptions } from '../../../src/core/ports.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import { aPolicy } from '../../support/policy-mother.js';
import { createStores, processOver, refOf, scheduleEntries } from './engine-fixture.js';

const DAY = 24 * 60 * 60 * 1000;
const timer: RotationTrigger = { kind: 'timer', actor: 'scheduler', reason: 'scheduled scan' };
const http: RotationTrigger = { kind: 'http', actor: 'admin@example.com', reason: 'rotate now' };

async function staticPolicy() {
  const stores = createStores();
  const warnings: Array<{ message: string; properties?: LogProperties }> = [];
  const logger: Logger = { info() {}, error() {}, warn: (message, properties) => warnings.push({ message, ...(properties ? { properties } : {}) }) };
  const policy = aPolicy({ id: 'partner-api-key', secretName: 'partner-api-key', generator: { kind: 'static' } });
  const app = processOver(stores, undefined, logger);
  await app.admin.put(policy.id, policy, 'test');
  /** The owner sets a version by hand, outside this app. */
  const ownerSets = (options: Partial<WriteSecretOptions>) =>
    stores.secrets.write(refOf(policy), SecretValue.of('set by its owner'), { tags: {}, ...options } as WriteSecretOptions);
  return { stores, policy, app, warnings, ownerSets };
}

async function findings(stores: ReturnType<typeof createStores>) {
  return stores.audit.records().filter((record) => record.action === 'secret.static-expiry-check');
}

describe('a static secret', () => {
  it.each([
    { case: 'does not exist', set: undefined, finding: 'static secret does not exist: it must be set by its owner' },
    { case: 'expires within 30 days', set: { expiresOn: 10 * DAY }, finding: "expires 2026-12-03T12:00:00.000Z: its owner must replace it" },
    { case: 'has expired', set: { expiresOn: -DAY }, finding: 'has expired' },
    { case: 'is older than `every` and never expires', set: { ageInDays: 100 }, finding: 'has no expiry' },
  ])('that $case is checked, not rotated: the finding is audited, logged and checked again a day later', async ({ set, finding }) => {
    // Arrange
    const { stores, policy, app, warnings, ownerSets } = await staticPolicy();
    let ownerVersion: string | undefined;
    if (set && 'expiresOn' in set) {
      ownerVersion = (await ownerSets({ expiresOn: new Date(stores.clock.now().getTime() + set.expiresOn!) })).version;
    } else if (set) {
      ownerVersion = (await ownerSets({ expiresOn: undefined as unknown as Date })).version;
      stores.clock.advance(set.ageInDays! * DAY);
    }
    const now = stores.clock.now();

    // Act
    const outcome = await app.engine.rotate(policy.id, timer);

    // Assert
    expect(outcome).toEqual({ policyId: policy.id, status: 'skipped', reason: expect.stringContaining(finding) });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(ownerVersion ? 1 : 0);
    const [record] = await findings(stores);
    expect(record).toMatchObject({
      at: now,
      policyId: policy.id,
      vaultUrl: policy.vaultUrl,
      secretName: policy.secretName,
      trigger: 'timer',
      actor: 'scheduler',
      reason: outcome.reason,
    });
    expect(record!.previousVersion).toBe(ownerVersion);
    if (ownerVersion) expect(outcome.reason).toContain(ownerVersion);
    expect(warnings).toContainEqual({
      message: 'rotation.static-finding',
      properties: expect.objectContaining({ policyId: policy.id, vaultUrl: policy.vaultUrl, secretName: policy.secretName, finding: outcome.reason }),
    });
    const state = (await stores.states.get(policy.id))!.state;
    expect(state).toMatchObject({ lastResult: 'skipped', consecutiveFailures: 0 });
    expect(state.active).toBeUndefined();
    expect(state.currentVersion).toBe(ownerVersion);
    expect(state.nextDueAt).toEqual(new Date(now.getTime() + DAY));
    expect(await scheduleEntries(stores, policy.id)).toEqual([state.nextDueAt]);
  });

  it('is checked again by the scan a day later, each check its own audit record', async () => {
    // Arrange
    const { stores, app } = await staticPolicy();

    // Act
    const first = await app.scan.run();
    stores.clock.advance(DAY - 1);
    const tooEarly = await app.scan.run();
    stores.clock.advance(1);
    const nextDay = await app.scan.run();

    // Assert
    expect(first).toMatchObject({ examined: 1, skipped: 1, rotated: 0 });
    expect(tooEarly).toMatchObject({ examined: 0 });
    expect(nextDay).toMatchObject({ examined: 1, skipped: 1, rotated: 0 });
    const records = await findings(stores);
    expect(records).toHaveLength(2);
    expect(records[0]!.id).not.toBe(records[1]!.id);
  });

  it('is checked, not written, even when an admin asks for a rotation', async () => {
    // Arrange
    const { stores, policy, app } = await staticPolicy();

    // Act
    const outcome = await app.engine.rotate(policy.id, http);

    // Assert
    expect(outcome).toMatchObject({ status: 'skipped', reason: expect.stringContaining('does not exist') });
    expect(stores.secrets.counts.creates).toBe(0);
    expect(await findings(stores)).toMatchObject([{ trigger: 'http', actor: http.actor }]);
  });

  it('with a version far from expiry is left alone until the near-expiry window', async () => {
    // Arrange
    const { stores, policy, app, ownerSets } = await staticPolicy();
    const version = await ownerSets({ expiresOn: new Date(stores.clock.now().getTime() + 60 * DAY) });

    // Act
    const outcome = await app.engine.rotate(policy.id, timer);

    // Assert
    expect(outcome).toMatchObject({ status: 'skipped', reason: expect.stringContaining('not due until') });
    expect(await findings(stores)).toEqual([]);
    const state = (await stores.states.get(policy.id))!.state;
    expect(state.currentVersion).toBe(version.version);
    expect(state.nextDueAt).toEqual(new Date(version.expiresOn!.getTime() - 30 * DAY));
  });

  it('is what a dry run says it would check, with nothing written', async () => {
    const { stores, policy, app } = await staticPolicy();
    const plan = await app.engine.plan(policy.id, http);
    expect(plan).toMatchObject({ wouldRotate: false, reason: expect.stringMatching(/^static secret: would only check expiry \(.+\)$/), keyVaultOperations: { creates: 0, others: 1 } });
    expect(await findings(stores)).toEqual([]);
  });
});
