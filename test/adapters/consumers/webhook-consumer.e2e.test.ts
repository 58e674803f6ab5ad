/**
 * The webhook follower end to end through the HTTP API on the local stack (functions host,
 * Azurite, Key Vault emulator), told of each rotation by a real HTTPS receiver that verifies
 * every Standard Webhooks signature itself. The app trusts the receiver's CA through
 * WEBHOOK_CA_CERT_PATH and may reach loopback (WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true); the
 * refusal without that setting is in webhook-consumer.test.ts, which has its own settings.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppStack, type AppAnswer, type AppStack } from '../../support/app-stack.js';
import { newWhsecSecret, startWebhookReceiver, verifies, type WebhookReceiver } from './webhook-receiver.js';

let stack: AppStack;
let receiver: WebhookReceiver;
const SIGNING_SECRET = 'webhook-signing';
let signingValue: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  stack = await startAppStack({ settings: { WEBHOOK_CA_CERT_PATH: receiver.caCertPath, WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true', ROTATION_MAX_ATTEMPTS: '20' } });
  signingValue = newWhsecSecret();
  await stack.secrets(stack.vaultUrl()).setSecret(SIGNING_SECRET, signingValue);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
});

const uniqueId = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

function webhookPolicy(id: string, webhook: Record<string, unknown> = {}) {
  return {
    id,
    vaultUrl: stack.vaultUrl(),
    secretName: id,
    generator: { kind: 'random_password', length: 32 },
    rotation: { every: '30d', validFor: '60d' },
    consumers: [{ kind: 'webhook', name: 'billing-hook', url: `${receiver.origin}/hooks/rotation`, signingSecretName: SIGNING_SECRET, ...webhook }],
    environment: 'test',
    owner: 'team-webhooks',
  };
}

const put = (id: string, body: unknown) => stack.call({ method: 'PUT', path: `/policies/${id}`, body: JSON.stringify(body) });
const rotate = (id: string) => stack.call({ method: 'POST', path: `/policies/${id}/rotate`, body: JSON.stringify({ reason: 'webhook end to end' }) });

/** The audit's delivered-step records; each consumer's confirmation sentence is its reason. */
async function deliveredRecords(id: string): Promise<{ reason?: string; consumer?: string; action: string; step?: string }[]> {
  const page = await stack.call({ method: 'GET', path: `/policies/${id}/rotations?pageSize=100` });
  expect(page.status, page.text).toBe(200);
  return (page.json.items as { reason?: string; consumer?: string; action: string; step?: string }[]).filter((r) => r.step === 'delivered');
}

async function latest(id: string): Promise<{ version: string; value: string }> {
  const secret = await stack.secrets(stack.vaultUrl()).getSecret(id);
  return { version: secret.properties.version!, value: secret.value! };
}

function expectOk(answer: AppAnswer): void {
  expect(answer.status, answer.text).toBe(200);
  expect(answer.json.status).toBe('succeeded');
}

describe('a webhook follower', () => {
  it('gets a signed body it can verify, without the value, and the rotation is confirmed by its 2xx', async () => {
    // Arrange
    const id = uniqueId('webhook-plain');
    expect((await put(id, webhookPolicy(id))).status).toBe(201);
    receiver.received.length = 0;

    // Act
    const done = await rotate(id);

    // Assert
    expectOk(done);
    const current = await latest(id);
    expect(receiver.received).toHaveLength(1);
    const request = receiver.received[0]!;
    expect(request.path).toBe('/hooks/rotation');
    expect(verifies(request, signingValue)).toBe(true);
    expect(verifies(request, newWhsecSecret())).toBe(false);
    expect(request.headers['webhook-id']).toBe(`${done.json.rotationId}.billing-hook`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toMatchObject({
      type: 'secret.rotated',
      data: { policyId: id, rotationId: done.json.rotationId, vaultUrl: stack.vaultUrl(), secretName: id, version: current.version, expiresOn: expect.any(String) },
    });
    expect(request.json.data).not.toHaveProperty('value');
    expect(request.body).not.toContain(current.value);
    const records = await deliveredRecords(id);
    expect(records.some((r) => r.consumer === 'billing-hook' && /answered 204: confirmed version .*value not included/.test(r.reason ?? ''))).toBe(true);
  });

  it('with includeValue gets the value, and the audit says the value was included', async () => {
    // Arrange
    const id = uniqueId('webhook-value');
    expect((await put(id, webhookPolicy(id, { includeValue: true }))).status).toBe(201);
    receiver.received.length = 0;

    // Act
    const done = await rotate(id);

    // Assert
    expectOk(done);
    const current = await latest(id);
    const request = receiver.received[0]!;
    expect(verifies(request, signingValue)).toBe(true);
    expect(request.json.data).toMatchObject({ version: current.version, value: current.value });
    const records = await deliveredRecords(id);
    expect(records.some((r) => /value included/.test(r.reason ?? '') && !/value not included/.test(r.reason ?? ''))).toBe(true);
    const audit = await stack.call({ method: 'GET', path: `/policies/${id}/rotations?pageSize=100` });
    expect(audit.text).not.toContain(current.value);
  });

  it('a 500 fails the rotation loudly with the new version in place; a retry after the receiver recovers confirms it', async () => {
    // Arrange
    const id = uniqueId('webhook-500');
    expect((await put(id, webhookPolicy(id))).status).toBe(201);
    receiver.received.length = 0;
    receiver.answers.push({ status: 500 });

    // Act
    const failed = await rotate(id);
    const afterFailure = await latest(id);
    const state = await stack.call({ method: 'GET', path: `/policies/${id}` });
    const resumed = await rotate(id);

    // Assert
    expect(failed.status, failed.text).toBe(502);
    expect(failed.json.error.message).toContain('billing-hook (webhook)');
    expect(failed.json.error.message).toContain('answered 500');
    expect(failed.json.error.message).toContain('old credential is not revoked until every follower confirms');
    expect(state.text).toContain('failed');
    expectOk(resumed);
    expect(resumed.json.rotationId).toBe(failed.json.rotationId);
    // The version written before the failure is the one confirmed: no second version.
    expect((await latest(id)).version).toBe(afterFailure.version);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([`${failed.json.rotationId}.billing-hook`, `${failed.json.rotationId}.billing-hook`]);
    expect(receiver.received.every((r) => r.json.data.version === afterFailure.version && verifies(r, signingValue))).toBe(true);
    const failures = (await stack.call({ method: 'GET', path: `/policies/${id}/rotations?pageSize=100` })).json.items.filter((r: { action: string }) => r.action === 'rotation.failed');
    expect(failures.length).toBeGreaterThan(0);
  });

  it('a 302 is not followed and not confirmed', async () => {
    // Arrange
    const id = uniqueId('webhook-302');
    expect((await put(id, webhookPolicy(id))).status).toBe(201);
    receiver.received.length = 0;
    receiver.answers.push({ status: 302, headers: { location: `${receiver.origin}/elsewhere` } });

    // Act
    const failed = await rotate(id);

    // Assert
    expect(failed.status, failed.text).toBe(502);
    expect(failed.json.error.message).toMatch(/answered 302, a redirect: redirects are not followed/);
    expect(receiver.received.map((r) => r.path)).toEqual(['/hooks/rotation']);
  });

  it('signs with both enabled versions of the signing secret during an overlap: a receiver with either verifies', async () => {
    // Arrange
    const id = uniqueId('webhook-overlap');
    expect((await put(id, webhookPolicy(id, { signingSecretName: 'webhook-signing-overlap' }))).status).toBe(201);
    const previous = newWhsecSecret();
    const next = 'a raw-text signing secret, not whsec';
    await stack.secrets(stack.vaultUrl()).setSecret('webhook-signing-overlap', previous);
    await stack.secrets(stack.vaultUrl()).setSecret('webhook-signing-overlap', next);
    receiver.received.length = 0;

    // Act
    const done = await rotate(id);

    // Assert
    expectOk(done);
    const request = receiver.received[0]!;
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(request, previous)).toBe(true);
    expect(verifies(request, next)).toBe(true);
    expect(verifies(request, signingValue)).toBe(false);
  });
});
