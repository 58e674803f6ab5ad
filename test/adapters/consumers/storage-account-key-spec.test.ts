/**
 * Generated storage-account-key specs into parsePolicy with the app's own catalog: accepted with a
 * Microsoft.Storage/storageAccounts resource id whose name Storage takes, a known format and an
 * endpoint suffix only for connection strings; or refused with a ValidationError naming the field,
 * in bounded text; never anything else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consumerKinds } from '../../../src/composition.js';
import { parsePolicy } from '../../../src/core/policy/policy.js';
import { fuzzRuns, fuzzTimeoutInMs } from '../../support/fuzz-settings.js';
import { expectRefusedAt, mutatedSpecs, specsHold } from '../../support/consumer-spec-fuzz.js';
import { aPolicyJson } from '../../support/policy-mother.js';
import { PropertyBroken } from '../../fuzz/properties.js';

const RUNS = fuzzRuns();
const SUB = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const account = (name: string, group = 'rg-data', sub = SUB) => `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.Storage/storageAccounts/${name}`;
const ACCOUNT_ID = /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[-\w._()]{0,89}[-\w_()]\/providers\/Microsoft\.Storage\/storageAccounts\/[a-z0-9]{3,24}$/i;
const ACCOUNT_NAME = /\/([a-z0-9]{3,24})$/;
const SUFFIX = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

const { contentType: _plain, ...base } = aPolicyJson({ id: 'orders-storage', secretName: 'orders-storage-key', rotation: { every: '30d', validFor: '60d' } });
const policyWith = (consumer: unknown) => ({
  ...base,
  generator: { kind: 'issued' },
  strategy: { kind: 'issued-credential', gracePeriod: '1h', maxDrainWait: '1d' },
  consumers: [consumer],
});

const goodAccounts = fc.constantFrom(account('stordersprod'), account('abc'), account('a'.repeat(24)), account('st01', 'RG.Data(1)'), account('stdata').replace('resourceGroups', 'resourcegroups').replace('Microsoft.Storage', 'microsoft.storage'));
const badAccounts = fc.oneof(
  fc.constantFrom(
    account('ab'),
    account('a'.repeat(25)),
    account('StOrders'),
    account('st-orders'),
    account('st_orders'),
    account('stdata').replace(SUB, 'not-a-guid'),
    account('stdata', 'rg.'),
    account('stdata', ''),
    `${account('stdata')}/`,
    `${account('stdata')}/blobServices/default`,
    ` ${account('stdata')}`,
    account('stdata').replace('Microsoft.Storage/storageAccounts', 'Microsoft.Web/sites'),
    account('stdata').replace('/subscriptions', 'https://management.azure.com/subscriptions'),
    '',
  ),
  fc.string({ maxLength: 300 }),
  fc.anything().filter((value) => typeof value !== 'string'),
);
const formats = fc.oneof(fc.constantFrom(undefined, 'key', 'connection-string'), fc.constantFrom('Key', 'connectionString', 'sas', ''), fc.anything());
const suffixes = fc.oneof(
  fc.constantFrom(undefined, 'core.windows.net', 'core.chinacloudapi.cn', 'core.usgovcloudapi.net'),
  fc.constantFrom('windows', '.core.windows.net', 'core..net', 'Core.Windows.Net', 'core.windows.net/', 'https://core.windows.net', `${'a'.repeat(64)}.net`, ''),
  fc.string({ maxLength: 80 }),
  fc.anything(),
);

const plausible = fc.record({
  kind: fc.constant('storage-account-key'),
  name: fc.constantFrom('orders-account', 'data'),
  accountId: goodAccounts,
  format: fc.constantFrom(undefined, 'key', 'connection-string'),
  endpointSuffix: fc.constantFrom(undefined, 'core.windows.net', 'core.chinacloudapi.cn'),
});

const FIELDS = {
  kind: fc.constantFrom('storage-account-keys', 'STORAGE-ACCOUNT-KEY', ''),
  name: fc.oneof(fc.constantFrom('Data', '1data', ''), fc.string({ maxLength: 80 })),
  accountId: fc.oneof(goodAccounts, badAccounts),
  format: formats,
  endpointSuffix: suffixes,
  login: fc.constant('app'),
  keyName: fc.constantFrom('key1', 'key2'),
} as const;

const specs = mutatedSpecs(plausible, FIELDS);

function checkAccepted(spec: Record<string, unknown>): void {
  const accountId = spec['accountId'];
  if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId) || !ACCOUNT_NAME.test(accountId)) throw new PropertyBroken(`accepted an account id that is not a storage account's: ${String(accountId).slice(0, 200)}`);
  const format = spec['format'];
  if (format !== undefined && format !== 'key' && format !== 'connection-string') throw new PropertyBroken(`accepted format ${String(format).slice(0, 40)}`);
  const suffix = spec['endpointSuffix'];
  if (suffix !== undefined) {
    if (format !== 'connection-string') throw new PropertyBroken('accepted an endpointSuffix without format connection-string');
    if (typeof suffix !== 'string' || !SUFFIX.test(suffix) || suffix.split('.').some((label) => label.length > 63)) throw new PropertyBroken(`accepted endpointSuffix ${String(suffix).slice(0, 80)}`);
  }
  if ('login' in spec || 'keyName' in spec) throw new PropertyBroken('accepted a field the kind does not have');
}

describe('storage-account-key specs', () => {
  it(`through parsePolicy with the app's catalog: accepted within bounds, or refused naming the field: ${RUNS} cases`, async () => {
    await specsHold({ kind: 'storage-account-key', specs, policyWith, checkAccepted, runs: RUNS, refusalPaths: ['strategy', 'generator'] });
  }, fuzzTimeoutInMs(RUNS, 5));

  it('is accepted with the issued generator and strategy, and keeps only the fields given', () => {
    // Act
    const policy = parsePolicy(policyWith({ kind: 'storage-account-key', name: 'data', accountId: account('stdata') }), consumerKinds);

    // Assert
    expect(policy.consumers).toEqual([{ kind: 'storage-account-key', name: 'data', accountId: account('stdata') }]);
  });

  it.each([
    ['another resource type', { accountId: account('stdata').replace('Microsoft.Storage/storageAccounts', 'Microsoft.Web/sites') }, 'consumers.0.accountId', 'Microsoft.Storage/storageAccounts'],
    ['an account name Storage refuses', { accountId: account('St-Data') }, 'consumers.0.accountId', '3-24 lower-case letters and digits'],
    ['no account', { accountId: undefined }, 'consumers.0.accountId', ''],
    ['an unknown format', { format: 'sas' }, 'consumers.0.format', ''],
    ['an endpoint suffix with the key alone', { format: 'key', endpointSuffix: 'core.windows.net' }, 'consumers.0.endpointSuffix', "only to format 'connection-string'"],
    ['an endpoint suffix that is not a DNS suffix', { format: 'connection-string', endpointSuffix: 'https://core.windows.net' }, 'consumers.0.endpointSuffix', 'DNS suffix'],
    ['a login', { login: 'app' }, 'consumers.0.login', ''],
  ])('refuses %s, naming the field', (_what, fields, path, message) => {
    // Act
    const attempt = () => parsePolicy(policyWith({ kind: 'storage-account-key', name: 'data', accountId: account('stdata'), ...fields }), consumerKinds);

    // Assert
    expectRefusedAt(attempt, path, message);
  });
});
