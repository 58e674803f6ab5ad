/**
 * Every function end to end: HTTP through the local host, the timer through the
 * host's admin endpoint, Key Vault events from the emulator, all against Azurite
 * and the emulator with the real SDKs.
 */
import { oidFor } from '../../src/local/identity-provider/index.js';
import { TEST_ADMIN } from '../support/test-tokens.js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_TAGS } from '../../src/core/policy/policy.js';
import { aPolicyJson } from '../support/policy-mother.js';
import { eventually, startTestApp, versionsOf, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
const DAY = 86_400_000;

/** An id (and secret name) no other test, nor an earlier attempt of this one, uses. */
function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

function policyBody(id: string, overrides: Record<string, unknown> = {}) {
  return aPolicyJson({ id, secretName: id, vaultUrl: t.vault().url, ...overrides });
}

async function readValue(secretName: string): Promise<string> {
  return (await t.secrets(t.vault().url).getSecret(secretName)).value!;
}

/** Everything the app and the host log during the suite: the app logs JSON lines through console. */
const logLines: string[] = [];
const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
const originalConsole = Object.fromEntries(consoleMethods.map((m) => [m, console[m]])) as Record<(typeof consoleMethods)[number], (...args: unknown[]) => void>;

beforeAll(async () => {
  for (const method of consoleMethods) {
    console[method] = (...args: unknown[]) => {
      logLines.push(args.map(String).join(' '));
    };
  }
  t = await startTestApp();
});

afterAll(async () => {
  await t?.stop();
  for (const method of consoleMethods) console[method] = originalConsole[method];
});

/** Every line the app and the host have logged so far. */
function loggedSoFar(): string[] {
  return [...logLines, ...t.logs.entries.map((e) => JSON.stringify(e))];
}

/** No response the suite has received and no line logged so far carries this secret value. */
function expectNowhere(value: string): void {
  expect(value.length).toBeGreaterThan(0);
  for (const body of t.responses) expect(body.includes(value)).toBe(false);
  for (const line of loggedSoFar()) expect(line.includes(value)).toBe(false);
}

describe('secret values', () => {
  it('appear in no response and no log line, while the rotation that wrote one is logged', async () => {
    // Arrange
    const id = uniqueId('hygiene');
    await t.call('PUT', `/policies/${id}`, policyBody(id));

    // Act
    const rotated = await t.call('POST', `/policies/${id}/rotate`, { reason: 'hygiene check' });

    // Assert: the capture saw this rotation's own log line, so it would have seen the value too
    expect(rotated.status).toBe(200);
    expect(loggedSoFar().some((line) => line.includes('rotation.succeeded') && line.includes(rotated.json.rotationId))).toBe(true);
    expectNowhere(await readValue(id));
  });
});

describe('GET /api/health', () => {
  it('answers ok after reading Table Storage and the rotation queue', async () => {
    const response = await t.call('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: 'ok', checks: { tableStorage: 'ok', rotationQueue: 'ok' }, poisonMessages: 0 });
  });
});

describe('policies', () => {
  it('creates (201), reads, replaces (200) with If-Match, refuses a stale ETag (412), lists in pages and deletes', async () => {
    // Create
    const created = await t.call('PUT', '/policies/crud-a', policyBody('crud-a'));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/policies/crud-a');
    expect(created.json.policy).toMatchObject({ id: 'crud-a', secretName: 'crud-a', rotation: { every: '90d', validFor: '120d' } });
    expect(created.json.state).toMatchObject({ consecutiveFailures: 0, nextDueAt: expect.any(String), rotationInProgress: null });
    const etag = created.headers.get('etag')!;

    // Read
    const read = await t.call('GET', '/policies/crud-a');
    expect(read.status).toBe(200);
    expect(read.json.policy.owner).toBe('team-payments');

    // Replace, then a stale replace
    const replaced = await t.call('PUT', '/policies/crud-a', policyBody('crud-a', { owner: 'team-b' }), { 'if-match': etag });
    expect(replaced.status).toBe(200);
    expect(replaced.json.policy.owner).toBe('team-b');
    const stale = await t.call('PUT', '/policies/crud-a', policyBody('crud-a', { owner: 'team-c' }), { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect(stale.json.error.code).toBe('PreconditionFailed');
    expect((await t.call('GET', '/policies/crud-a')).json.policy.owner).toBe('team-b');

    // List in pages
    await t.call('PUT', '/policies/crud-b', policyBody('crud-b'));
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await t.call('GET', `/policies?pageSize=1${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(1);
      ids.push(...page.json.items.map((item: { policy: { id: string } }) => item.policy.id));
      token = page.json.continuationToken;
    } while (token);
    expect(ids).toEqual(expect.arrayContaining(['crud-a', 'crud-b']));

    // Delete
    expect((await t.call('DELETE', '/policies/crud-b')).status).toBe(204);
    expect((await t.call('GET', '/policies/crud-b')).status).toBe(404);
    expect((await t.call('DELETE', '/policies/crud-b')).status).toBe(404);
  });

  const tooManyTags = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`tag${i}`, 'x']));
  it.each([
    ['malformed JSON', 'bad-json', () => '{"id": "bad-json",', {}, 400, 'InvalidJson', ''],
    ['a wrong type', 'wrong-type', () => policyBody('wrong-type', { rotation: { every: 90, validFor: '120d' } }), {}, 400, 'ValidationFailed', 'rotation.every'],
    ['an unknown field', 'unknown-field', () => ({ ...policyBody('unknown-field'), colour: 'red' }), {}, 400, 'ValidationFailed', 'colour'],
    ['an id that does not match the URL', 'url-id', () => policyBody('body-id'), {}, 400, 'ValidationFailed', 'id'],
    ['a non-JSON content type', 'text-body', () => JSON.stringify(policyBody('text-body')), { 'content-type': 'text/plain' }, 415, 'UnsupportedMediaType', ''],
    ['validFor of 30 days (a rotation loop)', 'short-validity', () => policyBody('short-validity', { rotation: { every: '7d', validFor: '30d' } }), {}, 400, 'ValidationFailed', 'rotation.validFor'],
    ['a vault this deployment does not govern', 'other-vault', () => policyBody('other-vault', { vaultUrl: 'https://kv-not-governed.vault.azure.net' }), {}, 400, 'ValidationFailed', 'vaultUrl'],
    ['an invalid secret name', 'bad-secret-name', () => policyBody('bad-secret-name', { secretName: 'bad_name' }), {}, 400, 'ValidationFailed', 'secretName'],
    ['more than 15 tags counting ours', 'many-tags', () => policyBody('many-tags', { tags: tooManyTags }), {}, 400, 'ValidationFailed', 'tags'],
    ['an invalid id in the URL', 'Bad_Id', () => policyBody('Bad_Id'), {}, 400, 'ValidationFailed', 'id'],
  ])('PUT with %s is refused, names the field and writes nothing', async (_name, id, body, headers, status, code, path) => {
    const response = await t.call('PUT', `/policies/${id}`, body(), headers);
    expect(response.status).toBe(status);
    expect(response.json.error.code).toBe(code);
    expect(response.json.error.message).toEqual(expect.any(String));
    expect(response.json.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    const after = await t.call('GET', `/policies/${id}`);
    expect([400, 404]).toContain(after.status);
  });

  it.each([
    ['GET an unknown policy', 'GET', '/policies/no-such-policy', 404, 'NotFound'],
    ['GET the rotations of an unknown policy', 'GET', '/policies/no-such-policy/rotations', 404, 'NotFound'],
    ['list with pageSize 0', 'GET', '/policies?pageSize=0', 400, 'ValidationFailed'],
    ['list with pageSize 1001', 'GET', '/policies?pageSize=1001', 400, 'ValidationFailed'],
  ])('%s answers %s', async (_name, method, path, status, code) => {
    const response = await t.call(method, path);
    expect(response.status).toBe(status);
    expect(response.json.error.code).toBe(code);
  });
});

describe('POST /api/policies/{id}/rotate', () => {
  it('dry run reports the plan and writes nothing', async () => {
    await t.call('PUT', '/policies/dry-run', policyBody('dry-run'));
    const response = await t.call('POST', '/policies/dry-run/rotate', { reason: 'what would happen', dryRun: true });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ dryRun: true, wouldRotate: true, keyVaultOperations: { creates: 1, others: 1 } });
    expect(await versionsOf(t.secrets(t.vault().url), 'dry-run')).toEqual([]);
    const history = await t.call('GET', '/policies/dry-run/rotations');
    expect(history.json.items.map((r: { action: string }) => r.action)).toEqual(['policy.created']);
  });

  it('rotates now: a new version with expiry, content type and tags, readable with a SecretClient, and audited', async () => {
    // Arrange
    await t.call('PUT', '/policies/on-demand', policyBody('on-demand'));
    // The app runs on the emulator's clock, which another test may have moved on.
    const vaultNow = await t.admin.now();

    // Act
    const response = await t.call('POST', '/policies/on-demand/rotate', { reason: 'incident 42' }, { 'x-ms-client-principal-name': 'alice@example.com' });

    // Assert
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ status: 'succeeded', policyId: 'on-demand', rotationId: expect.any(String), newVersion: expect.any(String) });
    const secret = await t.secrets(t.vault().url).getSecret('on-demand');
    expect(secret.properties.version).toBe(response.json.newVersion);
    expect(secret.value).toHaveLength(32);
    expect(secret.properties.contentType).toBe('text/plain');
    expect(secret.properties.tags).toMatchObject({ [MANAGED_TAGS.rotationId]: response.json.rotationId, [MANAGED_TAGS.policyId]: 'on-demand', CostCenter: 'engineering' });
    expect(Math.abs(secret.properties.expiresOn!.getTime() - (vaultNow.getTime() + 120 * DAY))).toBeLessThan(60_000);
    const history = await t.call('GET', '/policies/on-demand/rotations');
    // Who, from where, under which invocation: the token's oid and name, the address the host saw, the invocation id.
    expect(history.json.items[0]).toMatchObject({
      action: 'rotation.succeeded',
      actor: TEST_ADMIN,
      actorId: oidFor(t.app.identityProvider.tenantId, TEST_ADMIN),
      clientIp: '127.0.0.1',
      correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      reason: 'incident 42',
      trigger: 'http',
      newVersion: secret.properties.version,
    });
    const state = await t.call('GET', '/policies/on-demand');
    expect(state.json.state).toMatchObject({ currentVersion: secret.properties.version, lastResult: 'succeeded' });
    expectNowhere(secret.value!);
  });

  it('answers 409 to a second rotation while the first holds the lease', async () => {
    // Arrange: Key Vault answers the write slowly
    await t.call('PUT', '/policies/contended', policyBody('contended'));
    const faultsBefore = (await t.admin.countsFor('kv-app-local')).faults;
    await t.admin.injectFault({ method: 'PUT', pathPrefix: '/secrets/contended', latencyInMs: 1500, count: 1 });

    // Act: the second call goes out once the first one's write is being held
    const first = t.call('POST', '/policies/contended/rotate', { reason: 'first' });
    await eventually(async () => ((await t.admin.countsFor('kv-app-local')).faults > faultsBefore ? true : undefined), 'the first write to be held');
    const second = await t.call('POST', '/policies/contended/rotate', { reason: 'second' });

    // Assert
    expect(second.status).toBe(409);
    expect(second.json.error.code).toBe('RotationInProgress');
    expect((await first).status).toBe(200);
    expect(await versionsOf(t.secrets(t.vault().url), 'contended')).toHaveLength(1);
  });

  it.each([
    ['no reason', 'rotate-bad', { dryRun: false }, {}, 400, 'reason'],
    ['an empty reason', 'rotate-bad', { reason: '  ' }, {}, 400, 'reason'],
    ['dryRun of the wrong type', 'rotate-bad', { reason: 'x', dryRun: 'yes' }, {}, 400, 'dryRun'],
    ['an unknown field', 'rotate-bad', { reason: 'x', force: true }, {}, 400, 'force'],
    ['an invalid Idempotency-Key', 'rotate-bad', { reason: 'x' }, { 'idempotency-key': 'has spaces' }, 400, 'Idempotency-Key'],
    ['an unknown policy', 'no-such-policy', { reason: 'x' }, {}, 404, undefined],
  ])('with %s is refused and writes nothing', async (_name, id, body, headers, status, path) => {
    const policyId = uniqueId('rotate-bad');
    await t.call('PUT', `/policies/${policyId}`, policyBody(policyId));
    const response = await t.call('POST', `/policies/${id === 'rotate-bad' ? policyId : id}/rotate`, body, headers);
    expect(response.status).toBe(status);
    if (path) expect(response.json.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(await versionsOf(t.secrets(t.vault().url), policyId)).toEqual([]);
  });

  it('answers 502 when Key Vault refuses the write, and records, audits and schedules the retry', async () => {
    // Arrange: the app's identity lacks permission on this secret
    await t.call('PUT', '/policies/refused-write', policyBody('refused-write'));
    await t.admin.injectFault({ method: 'PUT', pathPrefix: '/secrets/refused-write', status: 403, errorCode: 'Forbidden', count: 1 });

    // Act
    const response = await t.call('POST', '/policies/refused-write/rotate', { reason: 'expect a refusal' });

    // Assert
    expect(response.status).toBe(502);
    expect(response.json).toMatchObject({ error: { code: 'RotationFailed', message: expect.stringContaining('Key Vault Secrets Officer') }, rotationId: expect.any(String), parked: false });
    const view = await t.call('GET', '/policies/refused-write');
    expect(view.json.state).toMatchObject({ lastResult: 'failed', consecutiveFailures: 1 });
    expect(Date.parse(view.json.state.nextDueAt)).toBeGreaterThan((await t.admin.now()).getTime());
    const history = await t.call('GET', '/policies/refused-write/rotations');
    expect(history.json.items[0]).toMatchObject({ action: 'rotation.failed', rotationId: response.json.rotationId, error: expect.stringContaining('403') });
    expect(await versionsOf(t.secrets(t.vault().url), 'refused-write')).toEqual([]);
  });

  it('refuses a disabled policy with 409', async () => {
    await t.call('PUT', '/policies/switched-off', policyBody('switched-off', { enabled: false }));
    const response = await t.call('POST', '/policies/switched-off/rotate', { reason: 'x' });
    expect(response.status).toBe(409);
    expect(response.json.error.code).toBe('PolicyDisabled');
  });

  it('replays a repeated Idempotency-Key instead of rotating twice', async () => {
    await t.call('PUT', '/policies/idempotent', policyBody('idempotent'));
    const first = await t.call('POST', '/policies/idempotent/rotate', { reason: 'once' }, { 'idempotency-key': 'req-1' });
    const again = await t.call('POST', '/policies/idempotent/rotate', { reason: 'once' }, { 'idempotency-key': 'req-1' });
    // A replay answers what the key's own rotation produced.
    expect(again.json).toMatchObject({ status: first.json.status, replayed: true, rotationId: first.json.rotationId, newVersion: first.json.newVersion });
    expect(await versionsOf(t.secrets(t.vault().url), 'idempotent')).toHaveLength(1);
    expectNowhere(await readValue('idempotent'));
  });
});

describe('scanDuePolicies (timer)', () => {
  it('creates the secret of a new policy when run through the host admin endpoint', async () => {
    await t.call('PUT', '/policies/scheduled', policyBody('scheduled'));
    const scansFinished = () => loggedSoFar().filter((line) => line.includes('scan.finished')).length;
    const finishedBefore = scansFinished();
    const run = await fetch(`${t.app.functionsHost.url}/admin/functions/scanDuePolicies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: '' }),
    });
    expect(run.status).toBe(202);
    const versions = await eventually(async () => {
      const found = await versionsOf(t.secrets(t.vault().url), 'scheduled');
      return found.length > 0 ? found : undefined;
    }, 'the scan to create the secret');
    expect(versions).toHaveLength(1);
    // The scan runs on after the host answers 202, and the rotation it queued after that: neither may spill into a later test.
    await eventually(async () => (scansFinished() > finishedBefore ? true : undefined), 'the scan to finish');
    await t.app.functionsHost.queuesIdle();
    expectNowhere(await readValue('scheduled'));
    // The version exists before the rotation's audit record lands: wait for the record, not the version.
    const succeeded = await eventually(async () => {
      const history = await t.call('GET', '/policies/scheduled/rotations');
      return (history.json.items as { action: string }[]).find((record) => record.action === 'rotation.succeeded');
    }, 'the queued rotation to be audited');
    expect(succeeded).toMatchObject({ action: 'rotation.succeeded', trigger: 'timer', actor: 'scheduler' });
  });
});

describe('onKeyVaultEvent', () => {
  it('rotates on the SecretNearExpiry the emulator raises after its clock moves', async () => {
    // Arrange: a version set by hand that expires in 31 days, then governed
    const client = t.secrets(t.vault().url);
    const vaultNow = await t.admin.now();
    const manual = await client.setSecret('near-expiry', 'set-by-hand', { expiresOn: new Date(vaultNow.getTime() + 31 * DAY) });
    expect((await t.call('PUT', '/policies/near-expiry', policyBody('near-expiry'))).status).toBe(201);
    await t.admin.waitForDeliveriesIdle();

    // Act: two days on, the version is within 30 days of expiry
    await t.admin.advanceClock(2 * DAY);

    // Assert
    const versions = await eventually(async () => {
      const found = await versionsOf(client, 'near-expiry');
      return found.length === 2 ? found : undefined;
    }, 'the near-expiry rotation');
    expect(versions[0]).toBe(manual.properties.version);
    await t.admin.waitForDeliveriesIdle();
    const history = await t.call('GET', '/policies/near-expiry/rotations');
    const rotation = history.json.items.find((r: { action: string }) => r.action === 'rotation.succeeded');
    expect(rotation).toMatchObject({ trigger: 'event', previousVersion: manual.properties.version, newVersion: versions[1] });
    const nearExpiryDeliveries = (await t.admin.deliveries()).filter(
      (d) => JSON.stringify(d).includes('SecretNearExpiry') && JSON.stringify(d).includes(manual.properties.version!),
    );
    expect(nearExpiryDeliveries).toHaveLength(1);
    expectNowhere(await readValue('near-expiry'));
  });

  it('records a version written by hand to a governed secret as an out-of-band change', async () => {
    // Arrange
    await t.call('PUT', '/policies/hand-written', policyBody('hand-written'));
    await t.call('POST', '/policies/hand-written/rotate', { reason: 'initial' });

    // Act
    await t.secrets(t.vault().url).setSecret('hand-written', 'typed-by-a-person');
    await t.admin.waitForDeliveriesIdle();

    // Assert
    const history = await eventually(async () => {
      const found = await t.call('GET', '/policies/hand-written/rotations');
      return found.json.items.some((r: { action: string }) => r.action === 'secret.out-of-band-change') ? found : undefined;
    }, 'the out-of-band audit record');
    expect(history.json.items[0]).toMatchObject({ action: 'secret.out-of-band-change', actor: expect.stringMatching(/^eventgrid:/) });
    expectNowhere('typed-by-a-person');
  });

  it('records events for secrets no policy governs as unmanaged and changes nothing', async () => {
    const client = t.secrets(t.vault('kv-shared-local').url);
    const secretName = uniqueId('nobody-governs-this');
    await client.setSecret(secretName, 'whatever');
    await t.admin.waitForDeliveriesIdle();
    expect(await versionsOf(client, secretName)).toHaveLength(1);
    await t.logs.waitFor((e) => e.message.includes('unmanaged') && JSON.stringify(e).includes(secretName));
  });

  it('answers the subscription validation handshake', async () => {
    const response = await fetch(`${t.app.functionsHost.url}/runtime/webhooks/eventgrid?functionName=onKeyVaultEvent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' },
      body: JSON.stringify([
        { id: 'v1', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', subject: '', data: { validationCode: 'code-123' }, eventTime: new Date().toISOString(), dataVersion: '1', topic: 't' },
      ]),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ validationResponse: 'code-123' });
  });
});

describe('50 concurrent triggers for one secret through the host', () => {
  it('produce exactly one new version', async () => {
    // Arrange: a governed secret with one version
    await t.call('PUT', '/policies/contested', policyBody('contested'));
    const first = await t.call('POST', '/policies/contested/rotate', { reason: 'initial' });
    await t.admin.waitForDeliveriesIdle();
    const nearExpiry = (id: string) => ({
      id,
      topic: `/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-app-local`,
      subject: 'contested',
      eventType: 'Microsoft.KeyVault.SecretNearExpiry',
      eventTime: new Date().toISOString(),
      dataVersion: '1',
      metadataVersion: '1',
      data: { Id: `${t.vault().url}/secrets/contested/${first.json.newVersion}`, VaultName: 'kv-app-local', ObjectType: 'Secret', ObjectName: 'contested', Version: first.json.newVersion, NBF: null, EXP: null },
    });

    // Act: 20 event deliveries (duplicates of two events), 20 scans, 10 HTTP calls sharing an Idempotency-Key,
    // all in flight while the winner's Key Vault write is held for 5 s
    await t.admin.injectFault({ method: 'PUT', pathPrefix: '/secrets/contested', latencyInMs: 5000, count: 1 });
    const calls = Array.from({ length: 50 }, (_, i) => {
      if (i % 5 < 2) return t.deliver([nearExpiry(`dup-${i % 2}`)]).then((r) => r.status);
      if (i % 5 < 4) return t.app.functionsHost.invoke('scanDuePolicies').then(() => 200);
      return t.call('POST', '/policies/contested/rotate', { reason: 'same request' }, { 'idempotency-key': 'contested-1' }).then((r) => r.status);
    });
    const statuses = await Promise.all(calls);

    // Assert
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    expect(await versionsOf(t.secrets(t.vault().url), 'contested')).toHaveLength(2);
    const state = await t.call('GET', '/policies/contested');
    expect(state.json.state.rotationInProgress).toBeNull();
    expectNowhere(await readValue('contested'));
  });
});
