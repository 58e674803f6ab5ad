/**
 * Generated entra-app-secret specs into parsePolicy with the app's own catalog: accepted with
 * GUIDs for the application's object and client ids (lower-cased), a tenant id or domain, a
 * printable display name and a validFor from 1h to 730d; or refused with a ValidationError
 * naming the field, in bounded text; never anything else. And generated Graph answers into the
 * adapter's parsers: read as Graph documents them, or refused naming fields and never quoting
 * the secret's text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DISPLAY_NAME_LENGTH, MAX_VALID_FOR_DAYS, MIN_VALID_FOR_MS } from '../../../src/adapters/consumers/entra-app-secret-consumer.js';
import { parseAddedPassword, parseApplication } from '../../../src/adapters/graph/application-passwords.js';
import { consumerKinds } from '../../../src/composition.js';
import { DAY_MS, parseDuration } from '../../../src/core/durations.js';
import { DomainError, ValidationError } from '../../../src/core/errors.js';
import { parsePolicy } from '../../../src/core/policy/policy.js';
import { fuzzParameters, fuzzRuns, fuzzTimeoutInMs } from '../../support/fuzz-settings.js';
import { mutatedSpecs, specsHold } from '../../support/consumer-spec-fuzz.js';
import { aPolicyJson } from '../../support/policy-mother.js';
import { holds } from '../../fuzz/harness.js';
import { PropertyBroken } from '../../fuzz/properties.js';

const RUNS = fuzzRuns();
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OBJECT_ID = '4c0c4a7e-5d1b-4d0e-9a7e-0f1e2d3c4b5a';
const APP_ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

const { contentType: _plain, ...base } = aPolicyJson({ id: 'orders-app-secret', secretName: 'orders-app-secret', rotation: { every: '30d', validFor: '60d' } });
const policyWith = (consumer: unknown) => ({
  ...base,
  generator: { kind: 'issued' },
  strategy: { kind: 'issued-credential', gracePeriod: '1h', maxDrainWait: '1d' },
  consumers: [consumer],
});

const goodGuids = fc.oneof(fc.constantFrom(OBJECT_ID, APP_ID, APP_ID.toUpperCase()), fc.uuid());
const badGuids = fc.oneof(fc.constantFrom(`{${OBJECT_ID}}`, OBJECT_ID.slice(1), `${OBJECT_ID} `, OBJECT_ID.replace(/-/g, ''), 'api://orders', ''), fc.string({ maxLength: 60 }), fc.anything().filter((v) => typeof v !== 'string'));
const tenants = fc.oneof(fc.constantFrom(undefined, 'contoso.onmicrosoft.com', '72f988bf-86f1-41af-91ab-2d7cd011db47'), fc.constantFrom('-contoso', 'a b', 'x'.repeat(65), '', 'contoso.com/'), fc.string({ maxLength: 70 }), fc.anything());
const displayNames = fc.oneof(fc.constantFrom(undefined, 'kvrot orders', 'x'.repeat(MAX_DISPLAY_NAME_LENGTH)), fc.constantFrom('', 'x'.repeat(MAX_DISPLAY_NAME_LENGTH + 1), 'tab\there', 'ümlaut', 'line\nbreak'), fc.string({ maxLength: 120 }), fc.anything());
const validFors = fc.oneof(fc.constantFrom(undefined, '1h', '90d', '180d', '730d', '2y'), fc.constantFrom('59m', '731d', '3y', '0s', 'forever', '', '1d '), fc.anything());

const plausible = fc.record({
  kind: fc.constant('entra-app-secret'),
  name: fc.constantFrom('orders-app', 'api'),
  applicationObjectId: goodGuids,
  appId: goodGuids,
  tenantId: fc.option(fc.constantFrom('contoso.onmicrosoft.com', '72f988bf-86f1-41af-91ab-2d7cd011db47'), { nil: undefined }),
  displayName: fc.option(fc.constantFrom('kvrot orders', 'rotated by kvrot'), { nil: undefined }),
  validFor: fc.option(fc.constantFrom('30d', '180d', '1y'), { nil: undefined }),
});

const FIELDS = {
  kind: fc.constantFrom('entra-app-secrets', 'ENTRA-APP-SECRET', ''),
  name: fc.oneof(fc.constantFrom('Orders', '1app', ''), fc.string({ maxLength: 80 })),
  applicationObjectId: badGuids,
  appId: badGuids,
  tenantId: tenants,
  displayName: displayNames,
  validFor: validFors,
  login: fc.constant('app'),
  secretText: fc.anything(),
} as const;

const specs = mutatedSpecs(plausible, FIELDS);

function checkAccepted(spec: Record<string, unknown>): void {
  for (const field of ['applicationObjectId', 'appId']) {
    if (typeof spec[field] !== 'string' || !GUID.test(spec[field] as string)) throw new PropertyBroken(`accepted ${field} ${String(spec[field]).slice(0, 80)}, not a lower-case GUID`);
  }
  const tenant = spec['tenantId'];
  if (tenant !== undefined && (typeof tenant !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/.test(tenant))) throw new PropertyBroken(`accepted tenant ${String(tenant).slice(0, 80)}`);
  const displayName = spec['displayName'];
  if (displayName !== undefined && (typeof displayName !== 'string' || !/^[\x20-\x7e]{1,100}$/.test(displayName))) throw new PropertyBroken('accepted a display name that is empty, too long or not printable');
  const validFor = spec['validFor'];
  if (validFor !== undefined) {
    const ms = parseDuration(validFor as string).milliseconds;
    if (ms < MIN_VALID_FOR_MS || ms > MAX_VALID_FOR_DAYS * DAY_MS) throw new PropertyBroken(`accepted a validFor of ${ms} ms`);
  }
  if ('login' in spec || 'secretText' in spec) throw new PropertyBroken('accepted a field the kind does not have');
}

const SECRET_TEXT = 'Zx98Q~abcdefghijklmnopqrstuvwxyz0123456789';

/** addPassword answers: Graph's, then one field changed or dropped; the secret's text is always the same known string when present. */
const addedBodies = fc
  .tuple(
    fc.constantFrom('none', 'change', 'drop'),
    fc.constantFrom('keyId', 'secretText', 'endDateTime', 'startDateTime', 'displayName', 'hint'),
    fc.oneof(fc.constant(SECRET_TEXT), fc.anything(), fc.constantFrom('', 'not-a-date', OBJECT_ID, null, 42)),
  )
  .map(([how, field, value]) => {
    const body: Record<string, unknown> = { customKeyIdentifier: null, displayName: 'kvrot orders', endDateTime: '2027-06-01T00:00:00Z', hint: SECRET_TEXT.slice(0, 3), keyId: OBJECT_ID, secretText: SECRET_TEXT, startDateTime: '2026-12-01T00:00:00Z' };
    if (how === 'drop') delete body[field];
    if (how === 'change') body[field] = field === 'secretText' ? value : value === SECRET_TEXT ? 'x' : value;
    return body;
  });

describe('entra-app-secret specs', () => {
  it(`through parsePolicy with the app's catalog: accepted within bounds, or refused naming the field: ${RUNS} cases`, async () => {
    await specsHold({ kind: 'entra-app-secret', specs, policyWith, checkAccepted, runs: RUNS });
  }, fuzzTimeoutInMs(RUNS, 5));

  it.each([
    ['an object id that is not a GUID', { applicationObjectId: 'orders-app' }, 'consumers.0.applicationObjectId', "the application's object id"],
    ['a client id that is not a GUID', { appId: 'api://orders' }, 'consumers.0.appId', 'client id'],
    ['a validFor past two years', { validFor: '731d' }, 'consumers.0.validFor', `from 1h to ${MAX_VALID_FOR_DAYS}d`],
    ['a validFor under an hour', { validFor: '30m' }, 'consumers.0.validFor', 'from 1h'],
    ['an empty display name', { displayName: '' }, 'consumers.0.displayName', 'must not be empty'],
    ['a login', { login: 'orders' }, 'consumers.0', ''],
  ])('refuses %s, naming the field', (_what, fields, path, message) => {
    // Act
    let refusal: unknown;
    try {
      parsePolicy(policyWith({ kind: 'entra-app-secret', name: 'orders-app', applicationObjectId: OBJECT_ID, appId: APP_ID, ...fields }), consumerKinds);
    } catch (error) {
      refusal = error;
    }

    // Assert
    expect(refusal).toBeInstanceOf(ValidationError);
    expect((refusal as ValidationError).details).toContainEqual(expect.objectContaining({ path: expect.stringContaining(path), message: expect.stringContaining(message) }));
  });

  it('lower-cases the ids it accepts', () => {
    // Act
    const policy = parsePolicy(policyWith({ kind: 'entra-app-secret', name: 'orders-app', applicationObjectId: OBJECT_ID.toUpperCase(), appId: APP_ID.toUpperCase() }), consumerKinds);

    // Assert
    expect(policy.consumers![0]).toEqual({ kind: 'entra-app-secret', name: 'orders-app', applicationObjectId: OBJECT_ID, appId: APP_ID });
  });
});

describe("Graph's answers", () => {
  it(`addPassword's is read as Graph documents it, or refused naming fields and never quoting the secret: ${RUNS} cases`, async () => {
    let accepted = 0;
    await holds(
      fc.property(fc.oneof(addedBodies, fc.anything()), (body) => {
        let added;
        try {
          added = parseAddedPassword(body, OBJECT_ID);
        } catch (error) {
          if (!(error instanceof DomainError) || !error.retryable) throw new PropertyBroken(`threw ${String(error).slice(0, 200)}, not a retryable DomainError`);
          if (error.message.includes(SECRET_TEXT) || error.message.includes(SECRET_TEXT.slice(3))) throw new PropertyBroken('a refusal quotes the secret');
          if (!error.message.includes(OBJECT_ID)) throw new PropertyBroken('a refusal does not name the application');
          return;
        }
        if (!GUID.test(added.keyId)) throw new PropertyBroken(`accepted keyId ${added.keyId}`);
        if (typeof added.secretText.reveal() !== 'string' || added.secretText.reveal() === '') throw new PropertyBroken('accepted an answer without a secret');
        if (JSON.stringify(added).includes(SECRET_TEXT) || JSON.stringify(added.secretText) !== '"[redacted]"') throw new PropertyBroken('the parsed answer prints its secret');
        if (added.endDateTime && Number.isNaN(added.endDateTime.getTime())) throw new PropertyBroken('accepted an end that is not a date');
        accepted += 1;
      }),
      fuzzParameters('graph-add-password-parse', RUNS),
    );
    expect(accepted).toBeGreaterThan(RUNS > 100 ? 10 : 0);
  }, fuzzTimeoutInMs(RUNS, 5));

  it('an application: its client secrets without their text, or refused naming the application', () => {
    // Act
    const app = parseApplication({ id: OBJECT_ID.toUpperCase(), appId: APP_ID, displayName: 'orders', passwordCredentials: [{ keyId: APP_ID, displayName: null, hint: 'Zx9', endDateTime: '2027-01-01T00:00:00Z', secretText: null }] }, OBJECT_ID);
    const refused = (() => {
      try {
        parseApplication({ id: OBJECT_ID, passwordCredentials: 'none' }, OBJECT_ID);
      } catch (error) {
        return error as Error;
      }
      return undefined;
    })();

    // Assert
    expect(app).toEqual({ id: OBJECT_ID, appId: APP_ID, displayName: 'orders', passwordCredentials: [{ keyId: APP_ID, hint: 'Zx9', endDateTime: new Date('2027-01-01T00:00:00Z') }] });
    expect(refused?.message).toMatch(new RegExp(`application ${OBJECT_ID} .*fields appId, passwordCredentials`));
  });
});
