/**
 * Storage accounts on the ARM stand-in through the real @azure/arm-storage client
 * (getProperties, listKeys, regenerateKey at 2025-08-01), and the account's blob endpoint
 * through the real @azure/storage-blob client signing with StorageSharedKeyCredential: a
 * regenerated key is refused at once, the new one accepted.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRestError, type RestError } from '@azure/core-rest-pipeline';
import { BlobServiceClient, newPipeline, StorageSharedKeyCredential } from '@azure/storage-blob';
import { ArmAdminError, type ArmSeed } from '../../../src/local/arm/index.js';
import { StorageManagementClient } from '@azure/arm-storage';
import { localEmulatorCredential } from '../../../src/adapters/azure-clients.js';
import { FAST_RETRIES, RG, startTestArm, SUB, type TestArm } from './support.js';

let t: TestArm;
const ACCOUNT = 'stappdata01';
const accountId = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}`;
const seed: ArmSeed = { subscriptions: [{ subscriptionId: SUB }], storageAccounts: [{ subscriptionId: SUB, resourceGroup: RG, name: ACCOUNT, tags: { env: 'test' } }] };

beforeAll(async () => {
  t = await startTestArm();
});

afterAll(async () => {
  await t?.stop();
});

beforeEach(async () => {
  await t.admin.reset();
  await t.admin.seed(seed);
});

async function failure(promise: Promise<unknown>): Promise<RestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRestError(error)).toBe(true);
  return error as RestError;
}

/** Get Blob Service Properties on the account's blob endpoint, signed with `key`, through the stand-in's agent. */
async function keyWorks(key: string): Promise<boolean> {
  const account = await t.clients.storage(SUB).storageAccounts.getProperties(RG, ACCOUNT);
  const pipeline = newPipeline(new StorageSharedKeyCredential(ACCOUNT, key), { retryOptions: { maxTries: 1 } });
  const agent = t.clients.storageDataPlaneAgent!;
  pipeline.factories.push({ create: (next: { sendRequest(r: { agent?: unknown }): Promise<unknown> }) => ({ sendRequest: (r: { agent?: unknown }) => ((r.agent = agent), next.sendRequest(r)) }) } as never);
  try {
    await new BlobServiceClient(account.primaryEndpoints!.blob!, pipeline).getProperties();
    return true;
  } catch (error) {
    if (isRestError(error) && error.statusCode === 403 && error.code === 'AuthenticationFailed') return false;
    throw error;
  }
}

describe('storage accounts (@azure/arm-storage 20.0.0)', () => {
  it('getProperties answers the account with its blob endpoint on the stand-in', async () => {
    // Act
    const account = await t.clients.storage(SUB).storageAccounts.getProperties(RG, ACCOUNT);

    // Assert
    expect(account).toMatchObject({ id: accountId, name: ACCOUNT, type: 'Microsoft.Storage/storageAccounts', kind: 'StorageV2', sku: { name: 'Standard_LRS' }, tags: { env: 'test' } });
    expect(account.primaryEndpoints?.blob).toBe(`https://${ACCOUNT}.blob.core.windows.net:${t.arm.port}/`);
  });

  it('listKeys answers key1 and key2 with FULL permissions and 64-byte values', async () => {
    const { keys } = await t.clients.storage(SUB).storageAccounts.listKeys(RG, ACCOUNT);

    expect(keys?.map((k) => [k.keyName, k.permissions])).toEqual([
      ['key1', 'FULL'],
      ['key2', 'FULL'],
    ]);
    for (const key of keys ?? []) {
      expect(Buffer.from(key.value!, 'base64')).toHaveLength(64);
      expect(key.creationTime).toBeInstanceOf(Date);
    }
    expect(keys?.[0]?.value).not.toBe(keys?.[1]?.value);
  });

  it('regenerateKey replaces only the key named: the old value is refused on the data plane at once, the new one and the other key accepted', async () => {
    // Arrange
    const storage = t.clients.storage(SUB).storageAccounts;
    const before = (await storage.listKeys(RG, ACCOUNT)).keys!;
    const oldKey1 = before[0]!.value!;
    expect(await keyWorks(oldKey1)).toBe(true);

    // Act
    const after = (await storage.regenerateKey(RG, ACCOUNT, { keyName: 'key1' })).keys!;

    // Assert: the refusal first
    expect(await keyWorks(oldKey1)).toBe(false);
    expect((await t.admin.checkStorageKey(ACCOUNT, oldKey1)).valid).toBe(false);
    expect(after[0]!.value).not.toBe(oldKey1);
    expect(await keyWorks(after[0]!.value!)).toBe(true);
    expect(after[1]!.value).toBe(before[1]!.value);
    expect(await keyWorks(after[1]!.value!)).toBe(true);
    expect(await t.admin.checkStorageKey(ACCOUNT, after[0]!.value!)).toEqual({ valid: true, keyName: 'key1' });
    expect((await storage.listKeys(RG, ACCOUNT)).keys!.map((k) => k.value)).toEqual(after.map((k) => k.value));
    const counts = await t.admin.counts();
    expect(counts.storageDataPlane).toEqual({ accepted: 3, refused: 1 });
    expect(counts.operations['storageAccounts.regenerateKey']).toBe(1);
  });

  it('refuses a request signed with a key of the right length that was never the account\'s', async () => {
    expect(await keyWorks(Buffer.alloc(64, 7).toString('base64'))).toBe(false);
  });

  it.each([
    ['kerb1', 'InvalidValuesForRequestParameters'],
    ['key3', 'InvalidValuesForRequestParameters'],
    ['', 'InvalidValuesForRequestParameters'],
  ])('regenerateKey %j is ARM\'s 400 %s and changes nothing', async (keyName, code) => {
    const storage = t.clients.storage(SUB).storageAccounts;
    const before = (await storage.listKeys(RG, ACCOUNT)).keys!.map((k) => k.value);

    const error = await failure(storage.regenerateKey(RG, ACCOUNT, { keyName: keyName as 'key1' }));

    expect(error.statusCode).toBe(400);
    expect(error.code).toBe(code);
    expect((await storage.listKeys(RG, ACCOUNT)).keys!.map((k) => k.value)).toEqual(before);
  });

  it('a missing account is ARM\'s 404 ResourceNotFound naming it', async () => {
    const error = await failure(t.clients.storage(SUB).storageAccounts.listKeys(RG, 'stnothere'));

    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('ResourceNotFound');
    expect(error.message).toContain('Microsoft.Storage/storageAccounts/stnothere');
  });

  it('an api-version the resource type does not have is ARM\'s 400 InvalidApiVersionParameter, through the SDK\'s own apiVersion option', async () => {
    // Arrange
    const client = new StorageManagementClient(localEmulatorCredential, SUB, { endpoint: t.arm.baseUrl, agent: t.clients.storageDataPlaneAgent!, apiVersion: '2099-01-01', retryOptions: FAST_RETRIES });

    // Act
    const error = await failure(client.storageAccounts.listKeys(RG, ACCOUNT));

    // Assert
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('InvalidApiVersionParameter');
    expect(error.message).toContain("'2099-01-01' is invalid for type 'Microsoft.Storage/storageAccounts'");
  });

  it('an injected fault on listKeys surfaces as the SDK\'s RestError with ARM\'s status and code', async () => {
    await t.admin.injectFault({ operation: 'storageAccounts.listKeys', status: 409, errorCode: 'StorageAccountIsNotProvisioned' });

    const error = await failure(t.clients.storage(SUB).storageAccounts.listKeys(RG, ACCOUNT));

    expect(error.statusCode).toBe(409);
    expect(error.code).toBe('StorageAccountIsNotProvisioned');
  });

  it('the admin API never answers a key value: the state lists key names and times only', async () => {
    const state = await t.admin.state();
    const keys = (await t.clients.storage(SUB).storageAccounts.listKeys(RG, ACCOUNT)).keys!;

    const text = JSON.stringify(state);
    expect(text).toContain('"keyName":"key1"');
    for (const key of keys) expect(text).not.toContain(key.value);
  });

  it('a seed naming an account name another account holds is refused, naming the field', async () => {
    const error = await t.admin.seed({ storageAccounts: [{ subscriptionId: SUB, resourceGroup: 'rg-other', name: ACCOUNT }] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ArmAdminError);
    expect((error as ArmAdminError).details).toEqual([{ path: 'storageAccounts[0].name', message: expect.stringContaining('storage account names are global') }]);
  });
});

