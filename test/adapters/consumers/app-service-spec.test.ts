/**
 * Generated app-service specs into parsePolicy with the app's own catalog: accepted with site ids
 * that are Microsoft.Web/sites resource ids or slots of them, bounded and distinct, app setting and
 * connection string names App Service takes and a timeout within bounds; or refused with a
 * ValidationError naming the field, in bounded text; never anything else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SETTINGS, MAX_SITES, MAX_TIMEOUT_SECONDS } from '../../../src/adapters/consumers/app-service-consumer.js';
import { consumerKinds } from '../../../src/composition.js';
import { parseDuration } from '../../../src/core/durations.js';
import { parsePolicy } from '../../../src/core/policy/policy.js';
import { fuzzRuns, fuzzTimeoutInMs } from '../../support/fuzz-settings.js';
import { expectRefusedAt, mutatedSpecs, specsHold } from '../../support/consumer-spec-fuzz.js';
import { aPolicyJson } from '../../support/policy-mother.js';
import { PropertyBroken } from '../../fuzz/properties.js';

const RUNS = fuzzRuns();
const SUB = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const site = (name: string, group = 'rg-apps', sub = SUB) => `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.Web/sites/${name}`;
const NAME = '[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]';
const SITE_ID = new RegExp(`^/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/resourceGroups/[-\\w._()]{0,89}[-\\w_()]/providers/Microsoft\\.Web/sites/${NAME}(/slots/${NAME})?$`, 'i');
const slot = (name: string, slotName: string) => `${site(name)}/slots/${slotName}`;

const goodSites = fc.constantFrom(
  site('app-orders'),
  site('func-billing', 'RG.Prod(1)'),
  site('a1'),
  site('x'.repeat(60)),
  site('app-orders', 'rg-other'),
  site('APP-ORDERS').toUpperCase(),
  slot('app-orders', 'staging'),
  slot('app-orders', 'blue-2'),
  slot('func-billing', 'x'.repeat(60)),
  slot('APP-ORDERS', 'STAGING'),
);
const badSites = fc.oneof(
  fc.constantFrom(
    `${site('app-orders')}/slots/`,
    `${site('app-orders')}/slots/-staging`,
    `${site('app-orders')}/slots/s`,
    `${site('app-orders')}/slots/st_aging`,
    `${slot('app-orders', 'staging')}/slots/again`,
    `${site('app-orders')}/slot/staging`,
    `${slot('app-orders', 'staging')}/config/appsettings`,
    site('app-orders').replace(SUB, 'not-a-guid'),
    site('-app'),
    site('a'),
    site('x'.repeat(61)),
    site('app_orders'),
    site('app-orders', 'rg.'),
    site('app-orders', ''),
    `${site('app-orders')}/`,
    ` ${site('app-orders')}`,
    site('app-orders').replace('Microsoft.Web/sites', 'Microsoft.Storage/storageAccounts'),
    site('app-orders').replace('/subscriptions', 'https://management.azure.com/subscriptions'),
    '',
  ),
  fc.string({ maxLength: 300 }),
  fc.anything().filter((value) => typeof value !== 'string'),
);
const siteLists = fc.oneof(
  fc.array(goodSites, { minLength: 1, maxLength: 3 }),
  fc.array(fc.oneof(goodSites, badSites), { minLength: 0, maxLength: 4 }),
  fc.array(goodSites, { minLength: MAX_SITES, maxLength: MAX_SITES + 2 }),
  fc.anything(),
);
const settingLists = fc.oneof(
  fc.constant(undefined),
  fc.array(fc.constantFrom('API_KEY', 'ConnectionStrings:Db', 'db.password', 'a', 'x'.repeat(256)), { minLength: 1, maxLength: 3 }),
  fc.array(fc.oneof(fc.constantFrom('API_KEY', 'has space', 'x'.repeat(257), '', 'ümlaut', 'a/b'), fc.string({ maxLength: 40 })), { minLength: 0, maxLength: 4 }),
  fc.array(fc.constant('S'), { minLength: MAX_SETTINGS + 1, maxLength: MAX_SETTINGS + 1 }),
  fc.anything(),
);
const connectionStringLists = fc.oneof(
  fc.constant(undefined),
  fc.array(fc.constantFrom('Db', 'ConnectionStrings:Orders', 'orders.db', 'c', 'x'.repeat(256)), { minLength: 1, maxLength: 3 }),
  fc.array(fc.oneof(fc.constantFrom('Db', 'has space', 'x'.repeat(257), '', 'Datenbank-Ü', 'a/b', 'DB'), fc.string({ maxLength: 40 })), { minLength: 0, maxLength: 4 }),
  fc.array(fc.constant('Db'), { minLength: MAX_SETTINGS + 1, maxLength: MAX_SETTINGS + 1 }),
  fc.anything(),
);
const timeouts = fc.oneof(fc.constant(undefined), fc.constantFrom('1s', '5s', '60s', '2m', '120s', '121s', '3m', '500ms', '0s', '1d', 'soon', ''), fc.anything());

const plausible = fc.record({
  kind: fc.constant('app-service'),
  name: fc.constantFrom('web', 'func-billing'),
  siteIds: fc.array(goodSites, { minLength: 1, maxLength: 3 }),
  settings: fc.option(fc.array(fc.constantFrom('API_KEY', 'DB_PASSWORD'), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  connectionStrings: fc.option(fc.array(fc.constantFrom('Db', 'Orders'), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  timeout: fc.option(fc.constantFrom('5s', '60s', '2m'), { nil: undefined }),
});

const FIELDS = {
  kind: fc.constantFrom('app-services', 'APP-SERVICE', ''),
  name: fc.oneof(fc.constantFrom('Web', '1web', ''), fc.string({ maxLength: 80 })),
  siteIds: siteLists,
  settings: settingLists,
  connectionStrings: connectionStringLists,
  timeout: timeouts,
  login: fc.constant('app'),
  slots: fc.anything(),
} as const;

const specs = mutatedSpecs(plausible, FIELDS);

function checkAccepted(spec: Record<string, unknown>): void {
  const siteIds = spec['siteIds'] as string[];
  if (!Array.isArray(siteIds) || siteIds.length < 1 || siteIds.length > MAX_SITES) throw new PropertyBroken(`accepted ${String(siteIds?.length)} sites`);
  if (siteIds.some((id) => !SITE_ID.test(id))) throw new PropertyBroken(`accepted a site id that is not a Microsoft.Web/sites id or a slot of one: ${siteIds.join(',').slice(0, 200)}`);
  if (new Set(siteIds.map((id) => id.toLowerCase())).size !== siteIds.length) throw new PropertyBroken('accepted the same site twice');
  const settings = spec['settings'] as string[] | undefined;
  if (settings !== undefined) {
    if (settings.length < 1 || settings.length > MAX_SETTINGS) throw new PropertyBroken(`accepted ${settings.length} settings`);
    if (settings.some((name) => !/^[A-Za-z0-9_.:-]{1,256}$/.test(name))) throw new PropertyBroken('accepted a setting name App Service does not take');
  }
  const connectionStrings = spec['connectionStrings'] as string[] | undefined;
  if (connectionStrings !== undefined) {
    if (connectionStrings.length < 1 || connectionStrings.length > MAX_SETTINGS) throw new PropertyBroken(`accepted ${connectionStrings.length} connection strings`);
    if (connectionStrings.some((name) => !/^[A-Za-z0-9_.:-]{1,256}$/.test(name))) throw new PropertyBroken('accepted a connection string name App Service does not take');
    if (new Set(connectionStrings.map((name) => name.toLowerCase())).size !== connectionStrings.length) throw new PropertyBroken('accepted the same connection string twice');
  }
  const timeout = spec['timeout'];
  if (timeout !== undefined) {
    const ms = parseDuration(timeout as string).milliseconds;
    if (ms < 1000 || ms > MAX_TIMEOUT_SECONDS * 1000) throw new PropertyBroken(`accepted a timeout of ${ms} ms`);
  }
  if ('login' in spec || 'slots' in spec) throw new PropertyBroken('accepted a field the kind does not have');
}

describe('app-service specs', () => {
  it(`through parsePolicy with the app's catalog: accepted within bounds, or refused naming the field: ${RUNS} cases`, async () => {
    await specsHold({ kind: 'app-service', specs, policyWith: (spec) => ({ ...aPolicyJson(), consumers: [spec] }), checkAccepted, runs: RUNS });
  }, fuzzTimeoutInMs(RUNS, 5));

  it.each([
    ['a slot id with a slot name App Service does not take', { siteIds: [`${site('app-orders')}/slots/-staging`] }, 'consumers.0.siteIds.0', 'or a slot of it'],
    ['the same slot twice, in another case', { siteIds: [slot('app-orders', 'staging'), slot('app-orders', 'STAGING')] }, 'consumers.0.siteIds.1', 'the same site twice'],
    ['a connection string name App Service does not take', { siteIds: [site('app-orders')], connectionStrings: ['Db', 'has space'] }, 'consumers.0.connectionStrings.1', 'must be a connection string name'],
    ['a connection string twice, in another case', { siteIds: [site('app-orders')], connectionStrings: ['Db', 'DB'] }, 'consumers.0.connectionStrings.1', 'the same connection string twice'],
    ['an empty connectionStrings list', { siteIds: [site('app-orders')], connectionStrings: [] }, 'consumers.0.connectionStrings', 'at least one connection string'],
    ['too many connection strings', { siteIds: [site('app-orders')], connectionStrings: Array.from({ length: MAX_SETTINGS + 1 }, (_, i) => `Db${i}`) }, 'consumers.0.connectionStrings', `at most ${MAX_SETTINGS} connection strings`],
    ['a site twice, in another case', { siteIds: [site('app-orders'), site('APP-ORDERS')] }, 'consumers.0.siteIds.1', 'the same site twice'],
    ['no site', { siteIds: [] }, 'consumers.0.siteIds', 'at least one site'],
    ['too many sites', { siteIds: Array.from({ length: MAX_SITES + 1 }, (_, i) => site(`app-${i}`)) }, 'consumers.0.siteIds', `at most ${MAX_SITES} sites`],
    ['an empty settings list', { siteIds: [site('app-orders')], settings: [] }, 'consumers.0.settings', 'at least one setting'],
    ['a timeout past the bound', { siteIds: [site('app-orders')], timeout: '10m' }, 'consumers.0.timeout', `from 1s to ${MAX_TIMEOUT_SECONDS}s`],
  ])('refuses %s, naming the field', (_what, fields, path, message) => {
    // Act
    const attempt = () => parsePolicy({ ...aPolicyJson(), consumers: [{ kind: 'app-service', name: 'web', ...fields }] }, consumerKinds);

    // Assert
    expectRefusedAt(attempt, path, message);
  });

  it('accepts a slot next to its site, and connection strings next to settings (the twins of the refusals above)', () => {
    // Act
    const policy = parsePolicy(
      { ...aPolicyJson(), consumers: [{ kind: 'app-service', name: 'web', siteIds: [site('app-orders'), slot('app-orders', 'staging'), slot('app-orders', 'blue')], settings: ['API_KEY'], connectionStrings: ['Db', 'Orders'] }] },
      consumerKinds,
    );

    // Assert
    expect(policy.consumers![0]).toMatchObject({ siteIds: [site('app-orders'), slot('app-orders', 'staging'), slot('app-orders', 'blue')], settings: ['API_KEY'], connectionStrings: ['Db', 'Orders'] });
  });
});
