/**
 * The governance reports end to end, through the local host with real tokens: one vault
 * (kv-app-local) seeded with every kind of finding, through the API and the real SecretClient,
 * and one (kv-shared-local) governed by production policies created and rotated through two
 * approvals each, which must be clean. Each report must find exactly what was seeded:
 * no false positive on the compliant vault, no miss on the seeded one.
 */
import type { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/durations.js';
import { MONTH_DAYS } from '../../src/core/reports/cost/cost-report.js';
import { bearer } from '../support/test-tokens.js';
import { startTestApp, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
let seeded: SecretClient;
let compliant: SecretClient;
const SEEDED = 'kv-app-local';
const COMPLIANT = 'kv-shared-local';
/** Values this suite wrote itself: none may ever appear in an answer. */
const writtenValues: string[] = [];

interface Finding {
  rule: string;
  severity: string;
  object: string;
  kind: string;
  message: string;
  fix: string;
  policyId?: string;
}

function policy(id: string, vaultUrl: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    vaultUrl,
    secretName: id,
    generator: { kind: 'random_password', length: 32 },
    rotation: { every: '60d', validFor: '100d' },
    environment: 'development',
    owner: 'team-reports',
    contentType: 'text/plain',
    ...overrides,
  };
}

async function put(body: { id: string }): Promise<void> {
  const answer = await t.call('PUT', `/policies/${body.id}`, body);
  expect(answer.status, answer.text).toBe(201);
}

/** What a person with Policy.Write or Rotation.Operate asks of a production policy waits for two other people; the second approval runs it. */
async function approved(method: string, path: string, body: unknown): Promise<void> {
  const asked = await t.call(method, path, body);
  expect(asked.status, asked.text).toBe(202);
  for (const approver of ['alice', 'bob']) {
    const token = await t.tokenFor(approver, ['Rotation.Approve']);
    const answer = await t.call('POST', `/change-requests/${asked.json.changeRequestId}/approve`, { comment: 'reports suite' }, { authorization: bearer(token) });
    expect(answer.status, answer.text).toBe(200);
  }
}

async function rotate(id: string): Promise<void> {
  const answer = await t.call('POST', `/policies/${id}/rotate`, { reason: 'reports suite' });
  expect(answer.status, answer.text).toBe(200);
}

async function setUnmanaged(client: SecretClient, name: string, options: { expiresOn?: Date; notBefore?: Date; contentType?: string; tags?: Record<string, string> }): Promise<void> {
  const value = `value-of-${name}-${Math.random().toString(36).slice(2)}`;
  writtenValues.push(value);
  await client.setSecret(name, value, options);
}

async function currentVersion(client: SecretClient, name: string): Promise<string> {
  for await (const properties of client.listPropertiesOfSecrets()) if (properties.name === name) return (await client.getSecret(name)).properties.version!;
  throw new Error(`no secret ${name}`);
}

const days = (n: number) => new Date(Date.now() + n * DAY_MS);

async function allPages<T>(path: string, pageSize: number): Promise<{ items: T[]; pages: number; first: any }> {
  const items: T[] = [];
  let token: string | undefined;
  let pages = 0;
  let first: any;
  do {
    const answer = await t.call('GET', `${path}?pageSize=${pageSize}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
    expect(answer.status, answer.text).toBe(200);
    first ??= answer.json;
    items.push(...(answer.json.items as T[]));
    token = answer.json.continuationToken;
    pages += 1;
  } while (token);
  return { items, pages, first };
}

const pairs = (findings: Finding[]) => findings.map((f) => `${f.rule} ${f.object}`).sort();

beforeAll(async () => {
  // Development policies also need 24-character passwords here: the per-environment override, end to end.
  process.env['COMPLIANCE_ENVIRONMENT_OVERRIDES'] = '{"development":{"minPasswordLength":24}}';
  t = await startTestApp();
  const a = t.vault(SEEDED).url;
  const b = t.vault(COMPLIANT).url;
  seeded = t.secrets(a);
  compliant = t.secrets(b);

  // The compliant vault: production policies only, each through two approvals, rotated by the scan.
  for (const id of ['b-orders', 'b-payments']) {
    await approved('PUT', `/policies/${id}`, policy(id, b, { environment: 'production', rotation: { every: '60d', validFor: '90d' } }));
    await approved('POST', `/policies/${id}/rotate`, { reason: 'reports suite' });
  }

  // Policies that break one policy rule each; their secrets are written by the scan.
  await put(policy('p-margin', a, { rotation: { every: '80d', validFor: '100d' } }));
  await put(policy('p-validity', a, { rotation: { every: '60d', validFor: '400d' } }));
  await put(policy('p-active', a, { rotation: { every: '120d', validFor: '200d' } }));
  await put(policy('p-password', a, { generator: { kind: 'random_password', length: 16 } }));
  // Compliant policies whose secrets drift once written, and one that will fail.
  for (const id of ['d-disabled', 'd-foreign', 'd-expiry', 'd-content-type', 'd-tags', 'f-failing']) await put(policy(id, a));
  for (const id of ['p-margin', 'p-validity', 'p-active', 'p-password', 'd-disabled', 'd-foreign', 'd-expiry', 'd-content-type', 'd-tags', 'f-failing']) await rotate(id);

  // Unmanaged secrets, each breaking one secret rule (and one clean).
  await setUnmanaged(seeded, 's-no-expiry', { contentType: 'text/plain' });
  await setUnmanaged(seeded, 's-expired', { expiresOn: days(-2), contentType: 'text/plain' });
  await setUnmanaged(seeded, 's-near-expiry', { expiresOn: days(10), contentType: 'text/plain' });
  await setUnmanaged(seeded, 's-very-near', { expiresOn: days(3), contentType: 'text/plain' });
  await setUnmanaged(seeded, 's-long-validity', { expiresOn: days(500), contentType: 'text/plain' });
  await setUnmanaged(seeded, 's-active', { notBefore: days(-100), expiresOn: days(200), contentType: 'text/plain' });
  await setUnmanaged(seeded, 's-no-content-type', { expiresOn: days(100) });
  await setUnmanaged(seeded, 's-protected', { expiresOn: days(60), contentType: 'text/plain', tags: { environment: 'production' } });
  await setUnmanaged(seeded, 's-clean', { expiresOn: days(100), contentType: 'text/plain' });
  await setUnmanaged(seeded, 'd-orphan', { expiresOn: days(60), contentType: 'text/plain', tags: { 'managed-by': 'kv-rotation', 'rotation-policy-id': 'gone-policy', 'rotation-id': 'r-1' } });

  // Drift on versions the app wrote.
  await seeded.updateSecretProperties('d-disabled', await currentVersion(seeded, 'd-disabled'), { enabled: false });
  await setUnmanaged(seeded, 'd-foreign', { expiresOn: days(60), contentType: 'text/plain' });
  await seeded.updateSecretProperties('d-expiry', await currentVersion(seeded, 'd-expiry'), { expiresOn: days(200) });
  await seeded.updateSecretProperties('d-content-type', await currentVersion(seeded, 'd-content-type'), { contentType: 'application/x-changed' });
  const tagged = await seeded.getSecret('d-tags');
  await seeded.updateSecretProperties('d-tags', tagged.properties.version!, { tags: { ...tagged.properties.tags, CostCenter: 'finance' } });

  // A policy whose secret was never written (created after the scan), and one whose last rotation failed.
  await put(policy('d-missing', a));
  await t.admin.injectFault({ vault: SEEDED, method: 'PUT', pathPrefix: '/secrets/f-failing', status: 403, errorCode: 'Forbidden', count: 5 });
  const failed = await t.call('POST', '/policies/f-failing/rotate', { reason: 'the reports suite makes it fail' });
  expect(failed.status, failed.text).toBe(502);
  await t.admin.clearFaults();
  // The out-of-band version's SecretNewVersionCreated reaches the app and is audited.
  await t.admin.waitForDeliveriesIdle(30_000);
}, 240_000);

afterAll(async () => {
  delete process.env['COMPLIANCE_ENVIRONMENT_OVERRIDES'];
  await t?.stop();
});

describe('GET /api/reports/inventory', () => {
  it('lists every secret of both vaults once, with its policy, dates and rotation record, and counts them', async () => {
    // Act
    const { items, first } = await allPages<any>('/reports/inventory', 1000);

    // Assert
    const names = items.map((i) => `${i.vault}/${i.name}`).sort();
    expect(names).toEqual(
      [
        ...['b-orders', 'b-payments'].map((n) => `${COMPLIANT}/${n}`),
        ...['d-content-type', 'd-disabled', 'd-expiry', 'd-foreign', 'd-orphan', 'd-tags', 'f-failing', 'p-active', 'p-margin', 'p-password', 'p-validity'].map((n) => `${SEEDED}/${n}`),
        ...['s-active', 's-clean', 's-expired', 's-long-validity', 's-near-expiry', 's-no-content-type', 's-no-expiry', 's-protected', 's-very-near'].map((n) => `${SEEDED}/${n}`),
      ].sort(),
    );
    expect(first.summary).toEqual({
      vaults: 2,
      secrets: 22,
      managed: 12,
      replicas: 0,
      unmanaged: 10,
      disabled: 1,
      noExpiry: 1,
      expired: 1,
      expiringWithin30Days: 2,
      expiringWithin7Days: 1,
      olderThanMaxAge: 1,
      policies: 13,
      parkedOrFailingPolicies: 1,
      parkedPolicies: 0,
    });
    const byName = Object.fromEntries(items.map((i) => [i.name, i]));
    expect(byName['b-orders']).toMatchObject({ managedBy: 'b-orders', environment: 'production', enabled: true, contentType: 'text/plain', daysLeft: 89, currentVersionAgeDays: 0, lastRotation: { result: 'succeeded' }, outOfBandVersions: 0, policyStatus: 'ok' });
    expect(byName['d-foreign']).toMatchObject({ managedBy: 'd-foreign', outOfBandVersions: 1 });
    expect(byName['f-failing']).toMatchObject({ managedBy: 'f-failing', policyStatus: 'failing', lastRotation: { result: 'failed' } });
    expect(byName['d-disabled']).toMatchObject({ enabled: false });
    expect(byName['s-no-expiry']).toMatchObject({ managedBy: null, expiresOn: null, daysLeft: null, lastRotation: null, outOfBandVersions: null, policyStatus: null });
    expect(byName['s-expired'].daysLeft).toBe(-2);
    expect(byName['s-protected'].environment).toBe('production');
  });

  it('pages: every secret exactly once whatever the page size, the summary on the first page only', async () => {
    // Arrange
    const whole = (await allPages<any>('/reports/inventory', 1000)).items.map((i) => `${i.vault}/${i.name}`);

    for (const size of [1, 3, 25, 26]) {
      // Act
      const paged = await allPages<any>('/reports/inventory', size);

      // Assert
      expect(paged.items.map((i) => `${i.vault}/${i.name}`)).toEqual(whole);
      expect(paged.pages).toBeGreaterThanOrEqual(Math.ceil(whole.length / size));
      expect(paged.first.summary).toBeDefined();
    }
    const second = await t.call('GET', `/reports/inventory?pageSize=3&continuationToken=${encodeURIComponent((await t.call('GET', '/reports/inventory?pageSize=3')).json.continuationToken)}`);
    expect(second.json.summary).toBeUndefined();
    expect((await t.call('GET', '/reports/inventory?pageSize=3&summary=false')).json.summary).toBeUndefined();
  });

  it.each([
    ['pageSize=0', 'pageSize'],
    ['pageSize=1001', 'pageSize'],
    ['pageSize=abc', 'pageSize'],
    ['summary=yes', 'summary'],
    ['continuationToken=not-a-token', 'continuationToken'],
    ['continuationToken=', 'continuationToken'],
    ['from=2026-01-01T00:00:00Z', 'from'],
    ['pageSize=1&pageSize=2', 'pageSize'],
  ])('refuses %s naming %s', async (query, path) => {
    // Act
    const answer = await t.call('GET', `/reports/inventory?${query}`);

    // Assert
    expect(answer.status).toBe(400);
    expect(answer.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it("refuses a token whose Key Vault page link points anywhere but the vault's own listing", async () => {
    // Arrange: a well-formed token of ours, rewritten to send the app's Key Vault token elsewhere.
    const vault = t.vault(SEEDED).url;
    const forged = [`https://evil.example/secrets?api-version=7.4`, `${vault}/deletedsecrets?api-version=7.4`, `${vault.replace('kv-app-local', 'kv-shared-local')}/secrets?x=1`];

    for (const page of forged) {
      // Act
      const token = Buffer.from(JSON.stringify({ vault, page, skip: 0 })).toString('base64url');
      const answer = await t.call('GET', `/reports/inventory?continuationToken=${token}`);

      // Assert
      expect({ page, status: answer.status }).toEqual({ page, status: 400 });
      expect(answer.json.error.details[0].path).toBe('continuationToken');
    }
  });
});

describe('GET /api/reports/compliance', () => {
  const expected = [
    'policy.maximum-active-days p-active',
    'policy.maximum-validity p-validity',
    'policy.password-length p-password',
    'policy.rotation-margin p-margin',
    `secret.content-type ${SEEDED}/s-no-content-type`,
    `secret.expired ${SEEDED}/s-expired`,
    `secret.expiry-required ${SEEDED}/s-no-expiry`,
    `secret.maximum-active-days ${SEEDED}/s-active`,
    `secret.maximum-validity ${SEEDED}/p-validity`,
    `secret.maximum-validity ${SEEDED}/s-long-validity`,
    `secret.minimum-days-before-expiry ${SEEDED}/s-near-expiry`,
    `secret.minimum-days-before-expiry ${SEEDED}/s-very-near`,
    `secret.protected-has-policy ${SEEDED}/s-protected`,
  ].sort();

  it('finds exactly what was seeded, nothing in the compliant vault, and counts it', async () => {
    // Act
    const { items, first } = await allPages<Finding>('/reports/compliance', 1000);

    // Assert
    expect(pairs(items)).toEqual(expected);
    expect(items.filter((f) => f.object.startsWith(COMPLIANT) || f.object.startsWith('b-'))).toEqual([]);
    expect(first.summary).toMatchObject({ examined: { policies: 13, secrets: 22 }, findings: expected.length, bySeverity: { high: 4, medium: 8, low: 1 } });
    expect(first.summary.byRule['secret.maximum-validity']).toBe(2);
    expect(first.rules.map((r: { id: string }) => r.id)).toContain('secret.expiry-required');
    const password = items.find((f) => f.rule === 'policy.password-length')!;
    expect(password).toMatchObject({ severity: 'high', kind: 'policy', policyId: 'p-password', parameters: { minPasswordLength: 24 } });
    expect(password.fix).toContain('PUT /api/policies/p-password');
    // Most severe first within a page.
    expect(items.map((f) => f.severity)).toEqual([...items.map((f) => f.severity)].sort((x, y) => ['high', 'medium', 'low'].indexOf(x) - ['high', 'medium', 'low'].indexOf(y)));
  });

  it('pages over policies then secrets and finds the same whatever the page size', async () => {
    for (const size of [1, 4, 30]) {
      // Act
      const { items } = await allPages<Finding>('/reports/compliance', size);

      // Assert
      expect(pairs(items)).toEqual(expected);
    }
  });
});

describe('GET /api/reports/drift', () => {
  it('finds exactly the seeded drift, each saying what a re-apply would change', async () => {
    // Act
    const { items, first } = await allPages<Finding>('/reports/drift', 1000);

    // Assert
    expect(pairs(items)).toEqual(
      [
        'drift.secret-missing d-missing',
        `drift.content-type ${SEEDED}/d-content-type`,
        `drift.expiry ${SEEDED}/d-expiry`,
        `drift.not-written-by-us ${SEEDED}/d-foreign`,
        `drift.secret-disabled ${SEEDED}/d-disabled`,
        `drift.tagged-without-policy ${SEEDED}/d-orphan`,
        `drift.tags ${SEEDED}/d-tags`,
      ].sort(),
    );
    expect(first.summary).toMatchObject({ examined: { policies: 13, secrets: 22 }, findings: 7 });
    for (const finding of items.filter((f) => f.rule !== 'drift.tagged-without-policy')) expect(finding.fix).toContain(`POST /api/policies/${finding.policyId}/rotate`);
    expect(items.find((f) => f.rule === 'drift.tags')!.message).toContain("'CostCenter'");
    expect(items.find((f) => f.rule === 'drift.content-type')!.message).toContain("'application/x-changed'");
    expect(items.find((f) => f.rule === 'drift.tagged-without-policy')!.message).toContain("'gone-policy'");
    // Pages find the same.
    expect(pairs((await allPages<Finding>('/reports/drift', 2)).items)).toEqual(pairs(items));
  });
});

describe('GET /api/reports/cost', () => {
  it('prices each vault from its policies, line by line, with the default prices', async () => {
    // Act
    const answer = await t.call('GET', '/reports/cost');

    // Assert
    expect(answer.status).toBe(200);
    const { vaults, shared, totalMonthlyCost, prices } = answer.json;
    expect(vaults.map((v: { vault: string }) => v.vault)).toEqual([SEEDED, COMPLIANT]);
    const b = vaults[1];
    // Two policies rotating every 60 days (validFor 90d leaves them due at 60 days either way).
    expect(b.rotationsPerMonth).toBeCloseTo((2 * MONTH_DAYS) / 60, 3);
    const kv = b.lines.find((l: { item: string }) => l.item === 'Key Vault operations');
    expect(kv).toMatchObject({ unit: 'operations', unitPrice: 0.03, pricePer: 10_000 });
    expect(kv.quantity).toBeCloseTo(((2 * MONTH_DAYS) / 60) * 3, 3);
    expect(kv.formula).toContain('rotations ×');
    expect(prices.keyVaultPer10kOperations).toBe(0.03);
    const sum = (lines: { monthlyCost: number }[]) => lines.reduce((s, l) => s + l.monthlyCost, 0);
    for (const vault of vaults) expect(vault.monthlyCost).toBeCloseTo(sum(vault.lines), 6);
    expect(totalMonthlyCost).toBeCloseTo(vaults.reduce((s: number, v: { monthlyCost: number }) => s + v.monthlyCost, 0) + shared.monthlyCost, 6);
    // Every 5 minutes, in an average month.
    expect(shared.lines[0].quantity).toBeCloseTo((MONTH_DAYS * 24 * 60) / 5, 0);
  });

  it('takes no query parameters', async () => {
    const answer = await t.call('GET', '/reports/cost?currency=EUR');
    expect(answer.status).toBe(400);
    expect(answer.json.error.details[0].path).toBe('currency');
  });
});

describe('POST /api/policy-check', () => {
  const body = (overrides: Record<string, unknown> = {}) => policy('ci-candidate', t.vault(SEEDED).url, overrides);

  it('passes a compliant policy and fails one that breaks the rules, naming each, writing nothing', async () => {
    // Arrange
    const before = await t.call('GET', '/policies?pageSize=1000');

    // Act
    const good = await t.call('POST', '/policy-check', body());
    const bad = await t.call('POST', '/policy-check', body({ environment: 'production', generator: { kind: 'random_password', length: 16 }, rotation: { every: '90d', validFor: '100d' } }));

    // Assert
    expect(good.status).toBe(200);
    expect(good.json).toMatchObject({ pass: true, failOn: 'low', policies: [{ id: 'ci-candidate', pass: true, findings: 0 }], findings: [] });
    expect(bad.status).toBe(200);
    expect(bad.json.pass).toBe(false);
    expect(bad.json.findings.map((f: Finding) => f.rule).sort()).toEqual(['policy.maximum-validity', 'policy.password-length', 'policy.rotation-margin']);
    expect((await t.call('GET', '/policies?pageSize=1000')).text).toBe(before.text);
    expect((await t.call('GET', '/policies/ci-candidate')).status).toBe(404);
  });

  it('checks a list, and failOn=high lets medium findings pass', async () => {
    // Act
    const answer = await t.call('POST', '/policy-check?failOn=high', { policies: [body(), body({ id: 'ci-other', secretName: 'ci-other', rotation: { every: '80d', validFor: '100d' } })] });

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ pass: true, failOn: 'high', policies: [{ id: 'ci-candidate', pass: true }, { id: 'ci-other', pass: true, findings: 1 }] });
  });

  it.each([
    ['a bad duration', 'rotation.every', () => body({ rotation: { every: 'soon', validFor: '100d' } })],
    ['a vault this deployment does not govern', 'vaultUrl', () => body({ vaultUrl: 'https://kv-elsewhere.vault.azure.net' })],
    ['no id', 'id', () => ({ ...body(), id: undefined })],
    ['a bad policy in a list', 'policies.1.owner', () => ({ policies: [body(), { ...body(), owner: '' }] })],
    ['an empty list', 'policies', () => ({ policies: [] })],
    ['a list with more besides', 'extra', () => ({ policies: [body()], extra: 1 })],
    ['an array', '(the body)', () => [body()]],
  ])('refuses %s with a 400 naming %s', async (_what, named, make) => {
    const path = named === '(the body)' ? '' : named;
    // Act
    const answer = await t.call('POST', '/policy-check', make());

    // Assert
    expect(answer.status).toBe(400);
    expect(answer.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('refuses an unknown failOn', async () => {
    const answer = await t.call('POST', '/policy-check?failOn=critical', body());
    expect(answer.status).toBe(400);
    expect(answer.json.error.details[0].path).toBe('failOn');
  });
});

describe('every report', () => {
  it('needs Rotation.Read, and never answers with a secret value', async () => {
    // Arrange
    const operator = bearer(await t.tokenFor('operator', ['Rotation.Operate']));
    const generated = await Promise.all(['b-orders', 'p-margin', 'd-tags'].map(async (name) => (await (name.startsWith('b-') ? compliant : seeded).getSecret(name)).value!));

    // Act
    const refused = await t.call('GET', '/reports/inventory', undefined, { authorization: operator });

    // Assert
    expect(refused.status).toBe(403);
    for (const value of [...writtenValues, ...generated]) expect(t.responses.some((text) => text.includes(value))).toBe(false);
  });
});
