/**
 * The keyvault-replica follower through the real SecretClient against the Key Vault emulator,
 * with a primary vault, a governed replica vault and a vault this deployment does not govern:
 * end to end through the HTTP API of the local stack, and the kind on its own for what the API
 * cannot show (idempotent delivery, the refusal at delivery). Values are compared, never printed.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureClientFactory } from '../../../src/adapters/azure-clients.js';
import { keyvaultReplicaConsumer } from '../../../src/adapters/consumers/keyvault-replica-consumer.js';
import { KeyVaultSecretStore } from '../../../src/adapters/keyvault/key-vault-secret-store.js';
import type { SwitchedVersion } from '../../../src/core/consumers/consumer-port.js';
import { PermanentDependencyError } from '../../../src/core/errors.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import { startAppStack, type AppAnswer, type AppStack } from '../../support/app-stack.js';
import { versionsOf } from '../../functions/app-e2e-support.js';

const VAULTS = ['kv-app-local', 'kv-dr-local', 'kv-outside-local'];

let stack: AppStack;
let primaryVault: string;
let replicaVault: string;
let outsideVault: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  // The governed list names vaults with the emulator's port, so the port is chosen before it starts.
  const port = await freePort();
  const origin = (name: string) => `https://${name}.vault.azure.net:${port}`;
  stack = await startAppStack({
    emulator: { vaults: VAULTS, port },
    settings: { GOVERNED_VAULT_URLS: [origin('kv-app-local'), origin('kv-dr-local')].join(','), ROTATION_MAX_ATTEMPTS: '50' },
  });
  [primaryVault, replicaVault, outsideVault] = [0, 1, 2].map((index) => new URL(stack.vaultUrl(index)).origin) as [string, string, string];
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const uniqueId = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

function policyBody(id: string, replica: Record<string, unknown>) {
  return {
    id,
    vaultUrl: primaryVault,
    secretName: id,
    generator: { kind: 'random_password', length: 32 },
    rotation: { every: '30d', validFor: '60d' },
    contentType: 'text/plain',
    tags: { CostCenter: 'dr-test' },
    consumers: [{ kind: 'keyvault-replica', name: 'dr', ...replica }],
    environment: 'test',
    owner: 'team-replicas',
  };
}

const put = (id: string, body: unknown) => stack.call({ method: 'PUT', path: `/policies/${id}`, body: JSON.stringify(body) });
const rotate = (id: string) => stack.call({ method: 'POST', path: `/policies/${id}/rotate`, body: JSON.stringify({ reason: 'replica end to end' }) });
const secrets = (vault: string): SecretClient => stack.secrets(vault);

async function allDriftFindings(): Promise<{ rule: string; object: string; policyId?: string; message: string; fix: string; severity: string }[]> {
  const items = [];
  let token: string | undefined;
  do {
    const answer = await stack.call({ method: 'GET', path: `/reports/drift?pageSize=1000${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}` });
    expect(answer.status, answer.text).toBe(200);
    items.push(...answer.json.items);
    token = answer.json.continuationToken;
  } while (token);
  return items;
}

/** The replica's current version against the primary's: same value, expiry, content type and tags. */
async function expectSameVersion(primaryName: string, replicaName: string): Promise<{ primaryVersion: string; replicaVersion: string }> {
  const primary = await secrets(primaryVault).getSecret(primaryName);
  const replica = await secrets(replicaVault).getSecret(replicaName);
  // Compared as a boolean: a failed assertion must not print either value.
  expect(primary.value === replica.value && primary.value !== undefined).toBe(true);
  expect(replica.properties.expiresOn?.getTime()).toBe(primary.properties.expiresOn?.getTime());
  expect(replica.properties.contentType).toBe('text/plain');
  expect(replica.properties.tags).toEqual(primary.properties.tags);
  expect(replica.properties.tags).toMatchObject({ 'managed-by': 'kv-rotation', 'rotation-policy-id': primaryName, CostCenter: 'dr-test' });
  return { primaryVersion: primary.properties.version!, replicaVersion: replica.properties.version! };
}

function expectNoValueIn(answers: AppAnswer[], value: string | undefined): void {
  expect(value).toBeDefined();
  for (const answer of answers) expect(answer.text.includes(value!)).toBe(false);
}

describe('a policy with a keyvault-replica follower, through the HTTP API', () => {
  const id = uniqueId('replicated');

  it('copies each rotation to the replica vault, confirmed by a read-back and audited without the value', async () => {
    // Arrange
    const created = await put(id, policyBody(id, { vaultUrl: replicaVault }));
    expect(created.status, created.text).toBe(201);

    // Act
    const rotated = await rotate(id);

    // Assert
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json.status).toBe('succeeded');
    const { replicaVersion } = await expectSameVersion(id, id);
    expect((await secrets(replicaVault).getSecret(id)).properties.tags?.['rotation-id']).toBe(rotated.json.rotationId);
    const audit = await stack.call({ method: 'GET', path: `/audit?policy=${id}&pageSize=100` });
    expect(audit.status, audit.text).toBe(200);
    const delivered = audit.json.items.filter((r: { step?: string; consumer?: string }) => r.step === 'delivered' && r.consumer === 'dr');
    expect(delivered).toHaveLength(1);
    expect(delivered[0].reason).toContain(`replica ${replicaVault} holds version '${replicaVersion}'`);
    expect(delivered[0].reason).toContain(`rotation ${rotated.json.rotationId}`);
    expectNoValueIn([rotated, audit], (await secrets(primaryVault).getSecret(id)).value);
  });

  it('a second rotation writes one more version to each vault, and the replica follows it', async () => {
    // Act
    const rotated = await rotate(id);

    // Assert
    expect(rotated.status, rotated.text).toBe(200);
    await expectSameVersion(id, id);
    expect(await versionsOf(secrets(primaryVault), id)).toHaveLength(2);
    expect(await versionsOf(secrets(replicaVault), id)).toHaveLength(2);
  });

  it('inventory: the copy is named as the policy\'s replica, not unmanaged, while a secret written by hand beside it is', async () => {
    // Arrange
    const stray = uniqueId('stray');
    await secrets(replicaVault).setSecret(stray, `hand-${randomBytes(8).toString('hex')}`, { contentType: 'text/plain' });
    const items: { vault: string; name: string; managedBy: string | null; replicaOf: string | null }[] = [];

    // Act
    let token: string | undefined;
    do {
      const answer = await stack.call({ method: 'GET', path: `/reports/inventory?pageSize=1000&summary=false${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}` });
      expect(answer.status, answer.text).toBe(200);
      items.push(...answer.json.items);
      token = answer.json.continuationToken;
    } while (token);

    // Assert
    expect(items.find((item) => item.vault === 'kv-dr-local' && item.name === id)).toMatchObject({ managedBy: null, replicaOf: id });
    expect(items.find((item) => item.vault === 'kv-dr-local' && item.name === stray)).toMatchObject({ managedBy: null, replicaOf: null });
  });

  it('drift: none while the replica carries the primary rotation id; drift.replica-behind after a version written by hand on the primary', async () => {
    // Arrange
    const before = (await allDriftFindings()).filter((f) => f.policyId === id);

    // Act
    await secrets(primaryVault).setSecret(id, `hand-${randomBytes(8).toString('hex')}`, { contentType: 'text/plain' });
    const after = (await allDriftFindings()).filter((f) => f.policyId === id);

    // Assert
    expect(before.filter((f) => f.rule === 'drift.replica-behind' || f.rule === 'drift.tagged-without-policy')).toEqual([]);
    const behind = after.filter((f) => f.rule === 'drift.replica-behind');
    expect(behind).toEqual([
      expect.objectContaining({ severity: 'high', object: `kv-dr-local/${id}`, policyId: id, message: expect.stringContaining("replica 'dr'") }),
    ]);
    expect(behind[0]!.message).toContain('no rotation-id tag');
    expect(behind[0]!.fix).toContain(`POST /api/policies/${id}/rotate`);
  });
});

describe('a replica that may not be written: refused', () => {
  it('is refused when the policy is written, naming the field', async () => {
    // Arrange
    const id = uniqueId('ungoverned');

    // Act
    const answer = await put(id, policyBody(id, { vaultUrl: outsideVault }));

    // Assert
    expect(answer.status, answer.text).toBe(400);
    expect(answer.json.error.details).toContainEqual(expect.objectContaining({ path: 'consumers.0.vaultUrl', message: expect.stringContaining('does not govern') }));
    expect((await stack.call({ method: 'GET', path: `/policies/${id}` })).status).toBe(404);
  });

  it('is refused when the replica is the primary itself', async () => {
    const id = uniqueId('self');
    const answer = await put(id, policyBody(id, { vaultUrl: primaryVault }));
    expect(answer.status, answer.text).toBe(400);
    expect(answer.json.error.details).toContainEqual(expect.objectContaining({ path: 'consumers.0', message: expect.stringContaining('the secret this policy rotates') }));
  });

  it('is refused when the replica is a secret another policy rotates: a secret has one writer', async () => {
    // Arrange
    const owner = uniqueId('owner');
    const { consumers: _none, ...plain } = policyBody(owner, {});
    expect((await put(owner, plain)).status).toBe(201);
    const id = uniqueId('overwriter');

    // Act
    const answer = await put(id, policyBody(id, { vaultUrl: primaryVault, secretName: owner }));

    // Assert
    expect(answer.status, answer.text).toBe(400);
    expect(answer.json.error.details).toContainEqual(expect.objectContaining({ path: 'consumers.0', message: expect.stringContaining(`which policy '${owner}' rotates`) }));
  });

  it('is refused at delivery too (a policy stored before the vault left GOVERNED_VAULT_URLS), writing nothing', async () => {
    // Arrange
    const { kind, switched } = await directDelivery(uniqueId('direct-refused'));

    // Act
    const attempt = kind.deliver({ kind: 'keyvault-replica', name: 'outside', vaultUrl: outsideVault }, switched);

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(PermanentDependencyError);
    await expect(attempt).rejects.toThrow(`replica vault ${outsideVault} is not governed by this deployment`);
    expect(await versionsOf(secrets(outsideVault), switched.version.secretName)).toEqual([]);
  });
});

/** The kind as the composition root builds it, over the same vaults, and a version of the primary as the engine hands it over. */
async function directDelivery(name: string, value = `direct-${randomBytes(8).toString('hex')}`) {
  const clients = createAzureClientFactory({
    storage: { kind: 'local-connection-string', connectionString: 'UseDevelopmentStorage=true' },
    keyVaultEmulator: { caCertPath: stack.emulator.caCertPath, address: stack.emulator.host },
  });
  const store = new KeyVaultSecretStore(clients);
  const kind = keyvaultReplicaConsumer({ secrets: store, config: { governedVaultUrls: [primaryVault, replicaVault] } });
  const rotationId = `r-${randomBytes(4).toString('hex')}`;
  const written = await secrets(primaryVault).setSecret(name, value, {
    expiresOn: new Date(Date.now() + 40 * 86_400_000),
    contentType: 'application/json',
    tags: { 'managed-by': 'kv-rotation', 'rotation-policy-id': name, 'rotation-id': rotationId },
  });
  const version = (await store.getVersion({ vaultUrl: primaryVault, secretName: name }, written.properties.version!))!;
  const switched: SwitchedVersion = { policyId: name, rotationId, version, readValue: async () => SecretValue.of(value) };
  return { kind, switched, store };
}

describe('the keyvault-replica kind on its own', () => {
  it('is idempotent: a delivery repeated (a resumed rotation) finds its copy and writes no second version', async () => {
    // Arrange
    const name = uniqueId('direct-idempotent');
    const { kind, switched } = await directDelivery(name);
    const spec = { kind: 'keyvault-replica' as const, name: 'dr', vaultUrl: replicaVault, secretName: `${name}-copy` };

    // Act
    const first = await kind.deliver(spec, switched);
    const again = await kind.deliver(spec, switched);

    // Assert
    expect(first).toContain('written and read back');
    expect(again).toContain('already held');
    expect(await versionsOf(secrets(replicaVault), `${name}-copy`)).toHaveLength(1);
    const copy = await secrets(replicaVault).getSecret(`${name}-copy`);
    expect(copy.properties.tags?.['rotation-id']).toBe(switched.rotationId);
    expect(copy.properties.contentType).toBe('application/json');
  });

  it('writes again when the replica newest version is not the rotation (a version written there by hand)', async () => {
    // Arrange
    const name = uniqueId('direct-overwritten');
    const { kind, switched } = await directDelivery(name);
    const spec = { kind: 'keyvault-replica' as const, name: 'dr', vaultUrl: replicaVault };
    await kind.deliver(spec, switched);
    await secrets(replicaVault).setSecret(name, 'written-by-hand');

    // Act
    await kind.deliver(spec, switched);

    // Assert
    expect(await versionsOf(secrets(replicaVault), name)).toHaveLength(3);
    expect((await secrets(replicaVault).getSecret(name)).properties.tags?.['rotation-id']).toBe(switched.rotationId);
  });
});

describe('a replica write that fails', () => {
  const id = uniqueId('replica-fault');

  it('fails the rotation loudly after the switch, leaves the primary new version working, and a retry confirms it', async () => {
    // Arrange
    expect((await put(id, policyBody(id, { vaultUrl: replicaVault }))).status).toBe(201);
    // The app's identity lacks its role on the replica vault for one write: Key Vault's 403.
    await stack.admin.injectFault({ vault: 'kv-dr-local', method: 'PUT', pathPrefix: `/secrets/${id}`, status: 403, errorCode: 'Forbidden', count: 1 });

    // Act
    const failed = await rotate(id);
    const afterFailure = await stack.call({ method: 'GET', path: `/policies/${id}` });
    const primaryAfterFailure = await secrets(primaryVault).getSecret(id);
    const replicaVersionsAfterFailure = await versionsOf(secrets(replicaVault), id);
    const retried = await rotate(id);

    // Assert
    expect(failed.status, failed.text).toBe(502);
    expect(failed.json.error.code).toBe('RotationFailed');
    expect(failed.json.error.message).toContain('dr (keyvault-replica)');
    expect(failed.json.error.message).toContain('403');
    expect(afterFailure.json.state).toMatchObject({ consecutiveFailures: 1, rotationInProgress: { step: 'switched', rotationId: failed.json.rotationId } });
    // Applications reading the primary already get the new version: enabled, tagged with the rotation.
    expect(primaryAfterFailure.properties.enabled).toBe(true);
    expect(primaryAfterFailure.properties.tags?.['rotation-id']).toBe(failed.json.rotationId);
    expect(replicaVersionsAfterFailure).toEqual([]);
    const audit = await stack.call({ method: 'GET', path: `/audit?policy=${id}&action=rotation.failed&pageSize=100` });
    expect(audit.json.items).toContainEqual(expect.objectContaining({ action: 'rotation.failed', rotationId: failed.json.rotationId, error: expect.stringContaining('dr (keyvault-replica)') }));
    expect(retried.status, retried.text).toBe(200);
    expect(retried.json).toMatchObject({ status: 'succeeded', rotationId: failed.json.rotationId });
    await expectSameVersion(id, id);
    expect(await versionsOf(secrets(primaryVault), id)).toHaveLength(1);
    expect(await versionsOf(secrets(replicaVault), id)).toHaveLength(1);
    expectNoValueIn([failed, afterFailure, audit, retried], primaryAfterFailure.value);
  });
});

/** A template's value: the JSON a field replica takes one field of. */
const TEMPLATE = { kind: 'template', fields: { username: { static: 'payments_app' }, password: { kind: 'random_password', length: 32 } } };

function templatePolicyBody(id: string, replica: Record<string, unknown>) {
  const { contentType: _plain, ...body } = policyBody(id, replica);
  return { ...body, generator: TEMPLATE };
}

/** The field in a JSON value, or undefined: JSON.parse's own error would quote the value. */
function fieldIn(json: string | undefined, field: string): unknown {
  try {
    return (JSON.parse(json ?? '') as Record<string, unknown>)[field];
  } catch {
    return undefined;
  }
}

describe('a template policy with a keyvault-replica of one field, through the HTTP API', () => {
  const id = uniqueId('template-field');
  const replicaName = `${id}-password`;

  /** The replica holds exactly the primary's password field, as text/plain, with the primary's expiry and tags. */
  async function expectFieldCopy(rotationId: string): Promise<void> {
    const primary = await secrets(primaryVault).getSecret(id);
    const replica = await secrets(replicaVault).getSecret(replicaName);
    // Compared as booleans: a failed assertion must not print either value.
    expect(typeof replica.value === 'string' && replica.value.length === 32).toBe(true);
    expect(fieldIn(primary.value, 'password') === replica.value).toBe(true);
    expect(primary.properties.contentType).toBe('application/json');
    expect(replica.properties.contentType).toBe('text/plain');
    expect(replica.properties.expiresOn?.getTime()).toBe(primary.properties.expiresOn?.getTime());
    expect(replica.properties.tags).toEqual(primary.properties.tags);
    expect(replica.properties.tags?.['rotation-id']).toBe(rotationId);
  }

  it('copies the field of each rotation, and the field secret equals the field inside the JSON after every rotation', async () => {
    // Arrange
    const created = await put(id, templatePolicyBody(id, { name: 'password-dr', vaultUrl: replicaVault, secretName: replicaName, field: 'password' }));
    expect(created.status, created.text).toBe(201);

    // Act
    const first = await rotate(id);
    expect(first.status, first.text).toBe(200);
    await expectFieldCopy(first.json.rotationId);
    const second = await rotate(id);

    // Assert
    expect(second.status, second.text).toBe(200);
    await expectFieldCopy(second.json.rotationId);
    expect(second.json.rotationId).not.toBe(first.json.rotationId);
    expect(await versionsOf(secrets(primaryVault), id)).toHaveLength(2);
    expect(await versionsOf(secrets(replicaVault), replicaName)).toHaveLength(2);
    const audit = await stack.call({ method: 'GET', path: `/audit?policy=${id}&pageSize=100` });
    const delivered = audit.json.items.filter((r: { step?: string; consumer?: string }) => r.step === 'delivered' && r.consumer === 'password-dr');
    expect(delivered).toHaveLength(2);
    expect(delivered[0].reason).toContain("the primary's field 'password' as text/plain");
    const held = (await secrets(replicaVault).getSecret(replicaName)).value;
    expectNoValueIn([first, second, audit], held);
  });

  it('drift: none while the field replica carries the primary rotation id', async () => {
    const findings = (await allDriftFindings()).filter((f) => f.policyId === id);
    expect(findings.filter((f) => f.rule === 'drift.replica-behind' || f.rule === 'drift.tagged-without-policy')).toEqual([]);
  });

  it.each([
    ['a field of a plain value', (other: string) => ({ ...policyBody(other, { vaultUrl: replicaVault, field: 'password' }) }), 'consumers.0.field', 'random_password generator makes a plain one'],
    ["a field the template lacks", (other: string) => templatePolicyBody(other, { vaultUrl: replicaVault, field: 'pin' }), 'consumers.0.field', "is not one of the template's fields"],
    ['a field name that is not one', (other: string) => templatePolicyBody(other, { vaultUrl: replicaVault, field: '../password' }), 'consumers.0.field', '1-128 letters'],
    ["the policy's own secret", (other: string) => templatePolicyBody(other, { vaultUrl: primaryVault, field: 'password' }), 'consumers.0', 'the secret this policy rotates'],
  ])('refuses %s when the policy is written, naming the field, and writes nothing', async (_what, body, path, message) => {
    // Arrange
    const other = uniqueId('field-refused');

    // Act
    const answer = await put(other, body(other));

    // Assert
    expect(answer.status, answer.text).toBe(400);
    expect(answer.json.error.details).toContainEqual(expect.objectContaining({ path, message: expect.stringContaining(message) }));
    expect((await stack.call({ method: 'GET', path: `/policies/${other}` })).status).toBe(404);
  });
});

describe('the keyvault-replica kind with a field, on its own', () => {
  it('is idempotent: a repeated delivery finds the field copy and writes no second version', async () => {
    // Arrange
    const name = uniqueId('direct-field');
    const password = randomBytes(12).toString('hex');
    const { kind, switched } = await directDelivery(name, JSON.stringify({ username: 'payments_app', password }));
    const spec = { kind: 'keyvault-replica' as const, name: 'dr', vaultUrl: replicaVault, secretName: `${name}-password`, field: 'password' };

    // Act
    const first = await kind.deliver(spec, switched);
    const again = await kind.deliver(spec, switched);

    // Assert
    expect(first).toContain('written and read back');
    expect(again).toContain('already held');
    expect(await versionsOf(secrets(replicaVault), `${name}-password`)).toHaveLength(1);
    const copy = await secrets(replicaVault).getSecret(`${name}-password`);
    expect(copy.value === password).toBe(true);
    expect(copy.properties.contentType).toBe('text/plain');
    expect(copy.properties.tags?.['rotation-id']).toBe(switched.rotationId);
  });

  it.each([
    ['not JSON', () => `not-json-${randomBytes(8).toString('hex')}`, 'is not a JSON object'],
    ['a JSON array', () => JSON.stringify([`array-${randomBytes(8).toString('hex')}`]), 'is not a JSON object'],
    ['JSON without the field', () => JSON.stringify({ username: `only-${randomBytes(8).toString('hex')}` }), "has no field 'password'"],
    ['a number in the field', () => JSON.stringify({ password: 12345678, username: `user-${randomBytes(8).toString('hex')}` }), "holds a number in field 'password', not text"],
  ])('fails permanently when the primary holds %s, naming the field and never the value, and writes nothing', async (_what, value, message) => {
    // Arrange
    const name = uniqueId('direct-field-refused');
    const held = value();
    const { kind, switched } = await directDelivery(name, held);

    // Act
    const attempt = kind.deliver({ kind: 'keyvault-replica', name: 'dr', vaultUrl: replicaVault, secretName: `${name}-password`, field: 'password' }, switched);

    // Assert
    const error = await attempt.then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(PermanentDependencyError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toContain("field 'password'");
    expect((error as Error).message.includes(held)).toBe(false);
    expect((error as Error).cause).toBeUndefined();
    expect(await versionsOf(secrets(replicaVault), `${name}-password`)).toEqual([]);
  });
});
