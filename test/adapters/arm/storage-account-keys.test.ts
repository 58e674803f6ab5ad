/**
 * StorageAccountKeys against the ARM stand-in through the real clients (createArmClients as
 * composition builds them): list, regenerate, and verify on the account's blob endpoint;
 * failures name the account and never carry a key.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { NotFoundError, PermanentDependencyError, TransientDependencyError } from '../../../src/core/errors.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import { StorageAccountKeys } from '../../../src/adapters/arm/storage-account-keys.js';
import { RG, startTestArm, SUB, type TestArm } from '../../local/arm/support.js';

let t: TestArm;
let keys: StorageAccountKeys;
const ACCOUNT = 'stconsumer01';
const accountId = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}`;

beforeAll(async () => {
  t = await startTestArm();
});

afterAll(async () => {
  await t?.stop();
});

beforeEach(async () => {
  await t.admin.reset();
  await t.admin.seed({ storageAccounts: [{ subscriptionId: SUB, resourceGroup: RG, name: ACCOUNT }] });
  keys = new StorageAccountKeys(t.clients);
});

describe('StorageAccountKeys', () => {
  it('lists key1 and key2 as SecretValues that print [redacted]', async () => {
    // Act
    const listed = await keys.list(accountId);

    // Assert
    expect(listed.map((k) => k.keyName)).toEqual(['key1', 'key2']);
    expect(listed[0]!.creationTime).toBeInstanceOf(Date);
    expect(`${listed[0]!.value}`).toBe('[redacted]');
    expect(JSON.stringify(listed)).not.toContain(listed[0]!.value.reveal());
    expect(inspect(listed)).not.toContain(listed[1]!.value.reveal());
  });

  it('regenerate: the old key is refused on the blob endpoint, then the new key is accepted, and the other key still works', async () => {
    // Arrange
    const [oldKey1, key2] = await keys.list(accountId);
    expect(await keys.verify(accountId, oldKey1!.value)).toBe(true);

    // Act
    const after = await keys.regenerate(accountId, 'key1');

    // Assert
    expect(await keys.verify(accountId, oldKey1!.value)).toBe(false);
    const newKey1 = after.find((k) => k.keyName === 'key1')!;
    expect(newKey1.value.reveal()).not.toBe(oldKey1!.value.reveal());
    expect(await keys.verify(accountId, newKey1.value)).toBe(true);
    expect(await keys.verify(accountId, key2!.value)).toBe(true);
    expect((await t.admin.checkStorageKey(ACCOUNT, oldKey1!.value.reveal())).valid).toBe(false);
  });

  it('a missing account is NotFoundError naming it', async () => {
    const error = await keys.list(accountId.replace(ACCOUNT, 'stmissing')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe('ARM listKeys of storage account stmissing answered 404 ResourceNotFound');
  });

  it.each([
    [500, TransientDependencyError],
    [429, TransientDependencyError],
    [403, PermanentDependencyError],
  ])('an injected %i on regenerateKey is %o naming the account and key, never a value', async (status, type) => {
    const before = await keys.list(accountId);
    await t.admin.injectFault({ operation: 'storageAccounts.regenerateKey', status, count: 10 });

    const error = await keys.regenerate(accountId, 'key2').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(new RegExp(`^ARM regenerateKey key2 of storage account ${ACCOUNT} answered ${status}`));
    const text = `${(error as Error).message} ${inspect(error)} ${JSON.stringify(error)}`;
    for (const key of before) expect(text).not.toContain(key.value.reveal());
    expect((await keys.list(accountId)).map((k) => k.value.reveal())).toEqual(before.map((k) => k.value.reveal()));
  });

  it('a resource id that is not a storage account is refused before anything is sent', async () => {
    await expect(keys.list('/subscriptions/x/resourceGroups/rg/providers/Microsoft.Web/sites/a')).rejects.toBeInstanceOf(PermanentDependencyError);
    expect((await t.admin.counts()).operations['storageAccounts.listKeys']).toBe(0);
  });

  it('verify with a value that was never a key is false; a blob endpoint that fails otherwise throws naming the account', async () => {
    expect(await keys.verify(accountId, SecretValue.of(Buffer.alloc(64, 1).toString('base64')))).toBe(false);

    await t.admin.injectFault({ operation: 'storageAccounts.getProperties', status: 500, count: 10 });
    const fresh = new StorageAccountKeys(t.clients);
    const error = await fresh.verify(accountId, SecretValue.of('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientDependencyError);
    expect((error as Error).message).toContain(`storage account ${ACCOUNT}`);
  });
});
