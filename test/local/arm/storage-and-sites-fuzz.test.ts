/**
 * Generated bodies into what the ARM stand-in gained for storage accounts and sites: seeds
 * with storage accounts and sites (app settings, connection strings and deployment slots, with
 * Key Vault references of every shape),
 * regenerateKey bodies, reference faults and checkKey bodies. The property: accepted, or a
 * 400 with a code and a message; never a 5xx; a refused seed stores nothing; a reference
 * always has one of App Service's statuses.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmAdminError, REFERENCE_STATUSES, type ArmSeed } from '../../../src/local/arm/index.js';
import { fuzzHttpRuns, fuzzParameters } from '../../support/fuzz-settings.js';
import { rawRequest, RG, startTestArm, SUB, type TestArm } from './support.js';

let t: TestArm;
const ACCOUNT = 'stfuzz01';
const accountPath = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}`;

beforeAll(async () => {
  t = await startTestArm();
});

afterAll(async () => {
  await t?.stop();
});

const anything = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));
const maybe = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: anything });

const reference = fc.oneof(
  fc.constantFrom(
    '@Microsoft.KeyVault(SecretUri=https://kv-a.vault.azure.net/secrets/s1/)',
    `@Microsoft.KeyVault(SecretUri=https://kv-a.vault.azure.net:8443/secrets/s1/${'a'.repeat(32)})`,
    '@Microsoft.KeyVault(VaultName=kv-a;SecretName=s1;SecretVersion=)',
    '@Microsoft.KeyVault(VaultName=kv-a;SecretName=s1',
    '@microsoft.keyvault(SecretUri=http://kv-a.vault.azure.net/secrets/s1)',
    '@Microsoft.KeyVault(SecretUri=https://evil.example/secrets/s1)',
    '@Microsoft.KeyVault()',
    '@Microsoft.KeyVault(SecretUri=%%%)',
  ),
  fc.string({ maxLength: 80 }).map((inner) => `@Microsoft.KeyVault(${inner})`),
  fc.string({ maxLength: 40 }),
);

const settingNames = fc.oneof(fc.constantFrom('A', 'DB_PASSWORD', 'a.b:c', '__proto__', 'bad name'), fc.string({ maxLength: 10 }));
const connectionStrings = fc.dictionary(
  settingNames,
  fc.oneof(fc.record({ value: reference, type: maybe(fc.constantFrom('SQLAzure', 'Custom', 'PostgreSQL', 'Oracle')) }, { requiredKeys: ['value'] }), anything),
  { maxKeys: 3 },
);
const slot = fc.record(
  {
    name: maybe(fc.oneof(fc.constantFrom('staging', 'Staging', 's', '-x', 'blue-1'), fc.string({ maxLength: 12 }))),
    identity: maybe(fc.constantFrom('SystemAssigned', 'None')),
    appSettings: maybe(fc.dictionary(settingNames, reference, { maxKeys: 3 })),
    connectionStrings: maybe(connectionStrings),
  },
  { requiredKeys: ['name'] },
);

const site = fc.record(
  {
    subscriptionId: maybe(fc.constant(SUB)),
    resourceGroup: maybe(fc.constantFrom(RG, 'rg-b')),
    name: maybe(fc.oneof(fc.constantFrom('app-a', 'a', '-app', 'app-' + 'x'.repeat(70)), fc.string({ maxLength: 20 }))),
    kind: maybe(fc.constantFrom('app', 'functionapp,linux', 'vm')),
    identity: maybe(fc.constantFrom('SystemAssigned', 'None', 'system')),
    appSettings: maybe(fc.dictionary(settingNames, reference, { maxKeys: 4 })),
    connectionStrings: maybe(connectionStrings),
    slots: maybe(fc.array(slot, { maxLength: 3 })),
  },
  { requiredKeys: ['subscriptionId', 'resourceGroup', 'name'] },
);

const storageAccount = fc.record(
  {
    subscriptionId: maybe(fc.constant(SUB)),
    resourceGroup: maybe(fc.constantFrom(RG, 'rg-b')),
    name: maybe(fc.oneof(fc.constantFrom('stone', 'st', 'StUpper', 'st-dash', ACCOUNT), fc.string({ maxLength: 26 }))),
    kind: maybe(fc.constantFrom('StorageV2', 'BlobStorage', 'Disk')),
    sku: maybe(fc.constantFrom('Standard_LRS', 'Premium_ZRS', 'Gold')),
  },
  { requiredKeys: ['subscriptionId', 'resourceGroup', 'name'] },
);

const seed: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ storageAccounts: maybe(fc.array(storageAccount, { maxLength: 3 })), sites: maybe(fc.array(site, { maxLength: 3 })) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

async function referenceStatuses(): Promise<string[]> {
  const state = await t.admin.state();
  const sites = (state['sites'] ?? []) as Array<{ resourceGroup: string; name: string; slots: Array<{ slot: string }> }>;
  const web = t.clients.appService(SUB).webApps;
  const statuses: string[] = [];
  for (const s of sites) {
    const lists = [web.listAppSettingsKeyVaultReferences(s.resourceGroup, s.name), web.listSiteConnectionStringKeyVaultReferences(s.resourceGroup, s.name)];
    for (const { slot } of s.slots) lists.push(web.listAppSettingsKeyVaultReferencesSlot(s.resourceGroup, s.name, slot), web.listSiteConnectionStringKeyVaultReferencesSlot(s.resourceGroup, s.name, slot));
    for (const list of lists) for await (const r of list) statuses.push(r.status ?? 'none');
  }
  return statuses;
}

describe('the ARM stand-in\'s storage accounts and sites, generated', () => {
  it('a seed of storage accounts and sites (with connection strings and slots) is 201 or 400 InvalidSeed, stores nothing when refused, and every reference, of a site or a slot, in an app setting or a connection string, has an App Service status', async () => {
    await fc.assert(
      fc.asyncProperty(seed, async (body) => {
        await t.admin.reset();
        const outcome = await t.admin.seed(body as ArmSeed).then(
          () => 'stored' as const,
          (error: unknown) => error,
        );
        if (outcome === 'stored') {
          for (const status of await referenceStatuses()) expect(REFERENCE_STATUSES).toContain(status);
          return;
        }
        expect(outcome).toBeInstanceOf(ArmAdminError);
        expect((outcome as ArmAdminError).status).toBe(400);
        const state = await t.admin.state();
        expect([state['storageAccounts']?.length, state['sites']?.length]).toEqual([0, 0]);
      }),
      fuzzParameters('arm-storage-sites-seed', fuzzHttpRuns()),
    );
  }, 120_000);

  it('a regenerateKey body is 200 for key1 or key2 (any case) and otherwise 400 with ARM\'s code and a message, never a 5xx', async () => {
    await t.admin.reset();
    await t.admin.seed({ storageAccounts: [{ subscriptionId: SUB, resourceGroup: RG, name: ACCOUNT }] });
    const body = fc.oneof(
      fc.record({ keyName: maybe(fc.constantFrom('key1', 'KEY2', 'kerb1', 'key3', '', ' key1')) }).map((value) => JSON.stringify(value)),
      fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 40 }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const answer = await rawRequest(t.arm, { method: 'POST', path: `${accountPath}/regenerateKey?api-version=2025-08-01`, headers: { authorization: 'Bearer local', 'content-type': 'application/json' }, body: text });
        let keyName: unknown;
        try {
          keyName = (JSON.parse(text) as { keyName?: unknown } | null)?.keyName;
        } catch {
          keyName = undefined;
        }
        const valid = typeof keyName === 'string' && ['key1', 'key2'].includes(keyName.toLowerCase());
        expect(answer.status).toBe(valid ? 200 : 400);
        if (valid) expect(answer.json.keys.map((k: { keyName: string }) => k.keyName)).toEqual(['key1', 'key2']);
        else expect(answer.json.error).toEqual({ code: expect.stringMatching(/^(InvalidRequestContent|MissingRequiredRequestProperty|InvalidValuesForRequestParameters)$/), message: expect.any(String) });
      }),
      fuzzParameters('arm-regenerate-key', fuzzHttpRuns()),
    );
  }, 120_000);

  it('a reference fault or a checkKey body is accepted or a 400 with a message, never a 5xx', async () => {
    await t.admin.reset();
    await t.admin.seed({ storageAccounts: [{ subscriptionId: SUB, resourceGroup: RG, name: ACCOUNT }] });
    const faultBody = fc.oneof(
      fc.record({ status: maybe(fc.constantFrom(...REFERENCE_STATUSES, 'Broken')), count: maybe(fc.integer({ min: -1, max: 3 })), siteId: maybe(fc.string({ maxLength: 20 })), setting: maybe(fc.string({ maxLength: 5 })), extra: fc.constant(1) }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const keyBody = fc.oneof(fc.record({ key: maybe(fc.string({ maxLength: 20 })) }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 2 }));
    await fc.assert(
      fc.asyncProperty(faultBody, keyBody, async (fault, key) => {
        for (const [call, accepted] of [
          [() => t.admin.injectReferenceFault(fault as never), 201],
          [() => t.admin.checkStorageKey(ACCOUNT, (key as { key?: unknown } | null)?.key as string), 200],
        ] as const) {
          const outcome = await call().then(
            () => accepted,
            (error: unknown) => error,
          );
          if (outcome === accepted) continue;
          expect(outcome).toBeInstanceOf(ArmAdminError);
          expect((outcome as ArmAdminError).status).toBe(400);
          expect((outcome as ArmAdminError).message.length).toBeGreaterThan(0);
        }
        await t.admin.clearReferenceFaults();
      }),
      fuzzParameters('arm-reference-faults', fuzzHttpRuns()),
    );
  }, 120_000);
});
