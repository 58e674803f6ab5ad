/**
 * The storage-account-key issuer end to end through the HTTP API of the local stack: the ARM
 * stand-in's storage accounts hold key1 and key2, regenerateKey replaces one at once, and each
 * account's blob endpoint checks Shared Key signatures against the current keys, so the app's
 * real @azure/arm-storage and @azure/storage-blob clients prove which key works. The test reads
 * keys through the same adapter on its own ARM clients and asks the stand-in's admin API which
 * key a value is; no answer of the app may carry one.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createArmClients } from '../../../src/adapters/arm/arm-clients.js';
import { StorageAccountKeys, type StorageKeyName } from '../../../src/adapters/arm/storage-account-keys.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import { storageAccountId } from '../../../src/local/arm/storage.js';
import { EMULATOR_RESOURCE_GROUP, EMULATOR_SUBSCRIPTION_ID } from '../../../src/local/keyvault-emulator/options.js';
import { startAppStack, type AppAnswer, type AppStack } from '../../support/app-stack.js';
import { versionsOf } from '../../functions/app-e2e-support.js';
import { unusedCredential } from '../../local/arm/support.js';

let stack: AppStack;
let vaultUrl: string;
let keys: StorageAccountKeys;
/** What the app logged (its console logger writes one JSON line per entry). */
const printed: string[] = [];

beforeAll(async () => {
  for (const level of ['info', 'warn', 'error'] as const) vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
  stack = await startAppStack({ settings: { ROTATION_MAX_ATTEMPTS: '50' } });
  vaultUrl = new URL(stack.vaultUrl(0)).origin;
  keys = new StorageAccountKeys(createArmClients({ credential: unusedCredential, standIn: { endpoint: stack.arm.baseUrl, caCertPath: stack.arm.caCertPath, address: stack.arm.host } }));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  vi.restoreAllMocks();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const uniqueId = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

/** A fresh account with its own key1 and key2; names are global, as in Azure. */
async function seedAccount(): Promise<{ name: string; id: string }> {
  const name = `st${randomBytes(6).toString('hex')}`;
  await stack.armAdmin.seed({ storageAccounts: [{ subscriptionId: EMULATOR_SUBSCRIPTION_ID, resourceGroup: EMULATOR_RESOURCE_GROUP, name }] });
  return { name, id: storageAccountId(EMULATOR_SUBSCRIPTION_ID, EMULATOR_RESOURCE_GROUP, name) };
}

async function keyValues(accountId: string): Promise<Record<StorageKeyName, string>> {
  const listed = await keys.list(accountId);
  return Object.fromEntries(listed.map((k) => [k.keyName, k.value.reveal()])) as Record<StorageKeyName, string>;
}

function policyBody(id: string, accountId: string, consumer: Record<string, unknown> = {}) {
  return {
    id,
    vaultUrl,
    secretName: id,
    generator: { kind: 'issued' },
    rotation: { every: '30d', validFor: '60d' },
    strategy: { kind: 'issued-credential', gracePeriod: '1s', maxDrainWait: '1h' },
    consumers: [{ kind: 'storage-account-key', name: 'orders-account', accountId, ...consumer }],
    environment: 'test',
    owner: 'team-storage',
  };
}

const put = (id: string, body: unknown) => stack.call({ method: 'PUT', path: `/policies/${id}`, body: JSON.stringify(body) });
const rotate = (id: string) => stack.call({ method: 'POST', path: `/policies/${id}/rotate`, body: JSON.stringify({ reason: 'storage-account-key end to end' }) });
const vaultValue = async (id: string) => (await stack.secrets(vaultUrl).getSecret(id)).value!;
const accountKeyOf = (connectionString: string) => /;AccountKey=([^;]+);/.exec(connectionString)![1]!;

/** The first answer is a drain wait; POSTs again once the grace period is over until the rotation completes. */
async function completeAfterGrace(id: string, waiting: AppAnswer): Promise<AppAnswer> {
  expect(waiting.status, waiting.text).toBe(202);
  expect(waiting.json).toMatchObject({ status: 'waiting-for-drain', rotationId: expect.any(String) });
  for (let call = 0; call < 20; call++) {
    await sleep(Math.max(50, Date.parse(waiting.json.drain.graceEndsAt) - Date.now() + 50));
    const answer = await rotate(id);
    if (answer.status !== 202) {
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json).toMatchObject({ status: 'succeeded', rotationId: waiting.json.rotationId });
      return answer;
    }
  }
  throw new Error(`the rotation of ${id} did not complete`);
}

async function versionReadable(id: string, version: string): Promise<boolean> {
  try {
    await stack.secrets(vaultUrl).getSecret(id, { version });
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 403) return false;
    throw error;
  }
}

async function expectNoKeyIn(answers: AppAnswer[], values: string[]): Promise<void> {
  const audit = await stack.call({ method: 'GET', path: `/audit?pageSize=200` });
  const logged = JSON.stringify(stack.logs.entries) + printed.join('\n');
  for (const value of values) {
    for (const answer of [...answers, audit]) expect(answer.text.includes(value)).toBe(false);
    expect(logged.includes(value)).toBe(false);
  }
}

describe('a policy with a storage-account-key issuer, through the HTTP API', () => {
  it('alternates the keys: the first rotation regenerates key2 and leaves key1; the second regenerates key1, and its revoke makes the old key2 refused by the blob endpoint', async () => {
    // Arrange
    const account = await seedAccount();
    const id = uniqueId('storage-key');
    const before = await keyValues(account.id);
    const created = await put(id, policyBody(id, account.id));
    expect(created.status, created.text).toBe(201);

    // Act: the first rotation
    const firstWait = await rotate(id);
    const firstKey = await vaultValue(id);
    const duringFirst = await keyValues(account.id);
    const firstDone = await completeAfterGrace(id, firstWait);
    const afterFirst = await keyValues(account.id);
    const firstVersion = (await stack.secrets(vaultUrl).getSecret(id)).properties.version!;
    const view = await stack.call({ method: 'GET', path: `/policies/${id}` });

    // Assert: key2 was regenerated and is what the vault holds; key1 is untouched, then and after the grace
    expect(await stack.armAdmin.checkStorageKey(account.name, firstKey)).toEqual({ valid: true, keyName: 'key2' });
    expect(firstKey).toBe(duringFirst.key2);
    expect(duringFirst.key2).not.toBe(before.key2);
    expect(duringFirst.key1).toBe(before.key1);
    // A first rotation cannot know what applications held before the vault did: it revokes nothing.
    expect(afterFirst).toEqual(duringFirst);
    expect(await keys.verify(account.id, SecretValue.of(firstKey))).toBe(true);
    expect(view.json.state).toMatchObject({ currentLogin: 'key2', currentVersion: firstDone.json.newVersion ?? firstVersion, rotationInProgress: null, lastResult: 'succeeded' });

    // Act: the second rotation
    const secondWait = await rotate(id);
    const secondKey = await vaultValue(id);
    const oldWorksDuringGrace = await keys.verify(account.id, SecretValue.of(firstKey));
    const refusedBefore = (await stack.armAdmin.counts()).storageDataPlane.refused;
    await completeAfterGrace(id, secondWait);
    const oldAfterRevoke = await keys.verify(account.id, SecretValue.of(firstKey));
    const refusedAfter = (await stack.armAdmin.counts()).storageDataPlane.refused;
    const newAfterRevoke = await keys.verify(account.id, SecretValue.of(secondKey));

    // Assert: key1 was regenerated and written; key2 kept working through the grace, then was regenerated
    expect(await stack.armAdmin.checkStorageKey(account.name, secondKey)).toEqual({ valid: true, keyName: 'key1' });
    expect(secondKey).not.toBe(before.key1);
    expect(oldWorksDuringGrace).toBe(true);
    expect(oldAfterRevoke).toBe(false);
    expect(refusedAfter - refusedBefore).toBe(1);
    expect(newAfterRevoke).toBe(true);
    expect(await stack.armAdmin.checkStorageKey(account.name, firstKey)).toEqual({ valid: false });
    const after = await keyValues(account.id);
    expect(after.key1).toBe(secondKey);
    expect(after.key2).not.toBe(firstKey);
    // The version that held the revoked key is disabled; the current one is readable.
    expect(await versionReadable(id, firstVersion)).toBe(false);
    expect((await stack.call({ method: 'GET', path: `/policies/${id}` })).json.state).toMatchObject({ currentLogin: 'key1', rotationInProgress: null });
    const revoked = (await stack.call({ method: 'GET', path: `/audit?policy=${id}&pageSize=200` })).json.items.filter(
      (r: { step?: string; consumer?: string; reason?: string }) => r.consumer === 'orders-account' && r.reason?.includes('regenerated'),
    );
    expect(revoked.map((r: { reason: string }) => r.reason)).toContainEqual(expect.stringContaining(`key2 of storage account ${account.name} regenerated: its old value no longer works`));
    await expectNoKeyIn([firstWait, firstDone, secondWait, view], [firstKey, secondKey, before.key1, before.key2]);
  });

  it("writes a connection string when the format says so: AccountName, AccountKey (key2's new value), EndpointSuffix; key1 untouched", async () => {
    // Arrange
    const account = await seedAccount();
    const id = uniqueId('storage-cs');
    const before = await keyValues(account.id);
    expect((await put(id, policyBody(id, account.id, { format: 'connection-string' }))).status).toBe(201);

    // Act
    const waiting = await rotate(id);
    const written = await vaultValue(id);
    await completeAfterGrace(id, waiting);

    // Assert
    const now = await keyValues(account.id);
    expect(written).toBe(`DefaultEndpointsProtocol=https;AccountName=${account.name};AccountKey=${now.key2};EndpointSuffix=core.windows.net`);
    expect(now.key2).not.toBe(before.key2);
    expect(now.key1).toBe(before.key1);
    expect(await stack.armAdmin.checkStorageKey(account.name, accountKeyOf(written))).toEqual({ valid: true, keyName: 'key2' });
    await expectNoKeyIn([waiting], [now.key2]);
  });

  it('reads which key a connection string already in the vault holds: with key2 there, the first rotation regenerates key1, and key2 only after the grace', async () => {
    // Arrange: applications already read a connection string with key2 from the vault
    const account = await seedAccount();
    const id = uniqueId('storage-held');
    const before = await keyValues(account.id);
    const handWritten = await stack.secrets(vaultUrl).setSecret(id, `DefaultEndpointsProtocol=https;AccountName=${account.name};AccountKey=${before.key2};EndpointSuffix=core.windows.net`);
    expect((await put(id, policyBody(id, account.id, { format: 'connection-string', endpointSuffix: 'core.windows.net' }))).status).toBe(201);

    // Act
    const waiting = await rotate(id);
    const during = await keyValues(account.id);
    await completeAfterGrace(id, waiting);
    const after = await keyValues(account.id);

    // Assert
    expect(during.key1).not.toBe(before.key1);
    expect(during.key2).toBe(before.key2);
    expect(accountKeyOf(await vaultValue(id))).toBe(during.key1);
    expect(after.key1).toBe(during.key1);
    expect(after.key2).not.toBe(before.key2);
    expect(await keys.verify(account.id, SecretValue.of(before.key2))).toBe(false);
    expect(await versionReadable(id, handWritten.properties.version!)).toBe(false);
  });

  it('a new key the account refuses is never written: the rotation fails loudly, the vault keeps the key that works, and a retry issues one that does', async () => {
    // Arrange: applications use key1 from the vault
    const account = await seedAccount();
    const id = uniqueId('storage-stale');
    const before = await keyValues(account.id);
    await stack.secrets(vaultUrl).setSecret(id, before.key1);
    expect((await put(id, policyBody(id, account.id))).status).toBe(201);
    // The app's check of the new key waits on the account's blob endpoint; meanwhile someone regenerates key2 again by hand.
    await stack.armAdmin.injectFault({ operation: 'storageAccounts.getProperties', pathPattern: account.name, latencyInMs: 2_000 });
    const faultsBefore = (await stack.armAdmin.counts()).faults;

    // Act
    const pending = rotate(id);
    for (let i = 0; i < 200 && (await stack.armAdmin.counts()).faults === faultsBefore; i++) await sleep(20);
    await keys.regenerate(account.id, 'key2');
    const failed = await pending;
    const afterFailure = await keyValues(account.id);
    const versionsAfterFailure = await versionsOf(stack.secrets(vaultUrl), id);
    const vaultAfterFailure = await vaultValue(id);
    const retried = await rotate(id);

    // Assert
    expect(failed.status, failed.text).toBe(502);
    expect(failed.json.error.code).toBe('RotationFailed');
    expect(failed.json.error.message).toContain(`storage account ${account.name} refused a request signed with the new key2`);
    expect(versionsAfterFailure).toHaveLength(1);
    expect(vaultAfterFailure).toBe(before.key1);
    expect(afterFailure.key1).toBe(before.key1);
    expect(await stack.armAdmin.checkStorageKey(account.name, before.key1)).toEqual({ valid: true, keyName: 'key1' });
    const audit = await stack.call({ method: 'GET', path: `/audit?policy=${id}&action=rotation.failed&pageSize=100` });
    expect(audit.json.items).toContainEqual(expect.objectContaining({ rotationId: failed.json.rotationId, error: expect.stringContaining(`storage account ${account.name} refused`) }));
    expect(printed.some((line) => line.includes('"event":"rotation.failed"') && line.includes(`"policyId":"${id}"`))).toBe(true);
    expect(retried.status, retried.text).toBe(202);
    expect(retried.json.rotationId).toBe(failed.json.rotationId);
    expect(await stack.armAdmin.checkStorageKey(account.name, await vaultValue(id))).toEqual({ valid: true, keyName: 'key2' });
    await expectNoKeyIn([failed, retried, audit], [before.key1, afterFailure.key2]);
  });

  it("a 500 from regenerateKey is retried by the client; one that lasts fails the attempt with both keys and the vault untouched, and the retry completes the same rotation", async () => {
    // Arrange
    const account = await seedAccount();
    const id = uniqueId('storage-500');
    const before = await keyValues(account.id);
    await stack.secrets(vaultUrl).setSecret(id, before.key1);
    expect((await put(id, policyBody(id, account.id))).status).toBe(201);
    const regenerateFault = { operation: 'storageAccounts.regenerateKey', pathPattern: account.name, status: 500, errorCode: 'InternalServerError' } as const;

    // Act: the SDK's retries (three after the first try) outlast a fault on four tries
    await stack.armAdmin.injectFault({ ...regenerateFault, count: 4 });
    const failed = await rotate(id);
    const afterFailure = await keyValues(account.id);
    const versionsAfterFailure = await versionsOf(stack.secrets(vaultUrl), id);
    const vaultAfterFailure = await vaultValue(id);
    // One fault: the client's retry gets through inside the same attempt
    await stack.armAdmin.injectFault({ ...regenerateFault, count: 1 });
    const counts = await stack.armAdmin.counts();
    const retried = await rotate(id);
    const countsAfter = await stack.armAdmin.counts();

    // Assert
    // ARM could not do it: the attempt fails as a dependency unavailable, to be retried, not as a refusal.
    expect(failed.status, failed.text).toBe(502);
    expect(failed.json).toMatchObject({ error: { code: 'RotationFailed' }, parked: false });
    expect(failed.json.error.message).toContain('DependencyUnavailable');
    expect(failed.json.error.message).toContain(`regenerateKey key2 of storage account ${account.name} answered 500`);
    expect(afterFailure).toEqual(before);
    expect(versionsAfterFailure).toHaveLength(1);
    expect(vaultAfterFailure).toBe(before.key1);
    const audit = await stack.call({ method: 'GET', path: `/audit?policy=${id}&action=rotation.failed&pageSize=100` });
    expect(audit.json.items).toContainEqual(expect.objectContaining({ rotationId: failed.json.rotationId }));
    expect(retried.status, retried.text).toBe(202);
    expect(retried.json.rotationId).toBe(failed.json.rotationId);
    expect(countsAfter.faults - counts.faults).toBe(1);
    expect((countsAfter.operations['storageAccounts.regenerateKey'] ?? 0) - (counts.operations['storageAccounts.regenerateKey'] ?? 0)).toBe(1);
    expect(await stack.armAdmin.checkStorageKey(account.name, await vaultValue(id))).toEqual({ valid: true, keyName: 'key2' });
    await completeAfterGrace(id, retried);
    expect(await keys.verify(account.id, SecretValue.of(before.key1))).toBe(false);
  }, 60_000);

  it('with only Storage Account Key Operator Service Role (ARM refuses to read the account), proves the key on the standard blob endpoint', async () => {
    // Arrange: the role lists and regenerates keys but may not read the account's properties
    const account = await seedAccount();
    const id = uniqueId('storage-role');
    expect((await put(id, policyBody(id, account.id))).status).toBe(201);
    await stack.armAdmin.injectFault({ operation: 'storageAccounts.getProperties', pathPattern: account.name, status: 403, errorCode: 'AuthorizationFailed', count: 100 });
    const before = await stack.armAdmin.counts();

    // Act
    const waiting = await rotate(id);
    const after = await stack.armAdmin.counts();
    await stack.armAdmin.clearFaults();

    // Assert
    expect(waiting.status, waiting.text).toBe(202);
    expect(after.faults - before.faults).toBe(1);
    expect(after.storageDataPlane.accepted - before.storageDataPlane.accepted).toBe(1);
    expect(await stack.armAdmin.checkStorageKey(account.name, await vaultValue(id))).toEqual({ valid: true, keyName: 'key2' });
    await completeAfterGrace(id, waiting);
  });

  it('refuses at PUT an account id that is not a storage account, naming the field', async () => {
    // Act
    const id = uniqueId('storage-bad');
    const refused = await put(id, policyBody(id, `/subscriptions/${EMULATOR_SUBSCRIPTION_ID}/resourceGroups/${EMULATOR_RESOURCE_GROUP}/providers/Microsoft.Web/sites/app`));

    // Assert
    expect(refused.status, refused.text).toBe(400);
    expect(refused.json.error.details).toContainEqual(expect.objectContaining({ path: 'consumers.0.accountId' }));
  });
});
