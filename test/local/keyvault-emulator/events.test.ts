/**
 * Key Vault events as Event Grid delivers them to a webhook: the validation handshake,
 * Event Grid schema with PascalCase data, near-expiry and expiry exactly once per version
 * by the emulator clock, retries on a bounded schedule and dead-lettering.
 */
import { get } from 'node:https';
import { EventGridDeserializer, isSystemEvent } from '@azure/eventgrid';
import type { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EMULATOR_SUBSCRIPTION_ID,
  EmulatorAdminClient,
  EmulatorAdminError,
  SECRET_EXPIRED,
  SECRET_NEAR_EXPIRY,
  SECRET_NEW_VERSION_CREATED,
  startKeyVaultEmulator,
  type RunningKeyVaultEmulator,
} from '../../../src/local/keyvault-emulator/index.js';
import { clientsFor, eventGridTriggerBehaviour, startWebhook, type EmulatorClients, type Webhook, type WebhookBehaviour } from './support.js';

const DAY_MS = 24 * 60 * 60 * 1000;

let emulator: RunningKeyVaultEmulator;
let clients: EmulatorClients;
let admin: EmulatorAdminClient;
let client: SecretClient;
const webhooks: Webhook[] = [];

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({ eventRetryDelaysInMs: [10, 20] });
  clients = clientsFor(emulator);
  admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
  client = clients.client(0);
});

afterAll(async () => {
  clients.close();
  await emulator.stop();
});

beforeEach(async () => {
  await admin.reset({ subscriptions: true });
});

afterEach(async () => {
  for (const webhook of webhooks.splice(0)) await webhook.close();
});

async function webhook(behaviour?: WebhookBehaviour): Promise<Webhook> {
  const started = await startWebhook(behaviour);
  webhooks.push(started);
  return started;
}

async function subscribed(behaviour?: WebhookBehaviour, options: { vaults?: string[]; eventTypes?: string[] } = {}): Promise<Webhook> {
  const hook = await webhook(behaviour);
  await admin.addEventSubscription({ endpoint: hook.url, name: 'app-events', ...options });
  return hook;
}

/** Answers the handshake, then whatever `notifications` says for the n-th notification. */
function failing(notifications: (index: number) => number): WebhookBehaviour {
  let notification = 0;
  return (post, index) => (post.headers['aeg-event-type'] === 'SubscriptionValidation' ? eventGridTriggerBehaviour(post, index) : { status: notifications(notification++) });
}

describe('subscription validation', () => {
  it('subscribes an endpoint that echoes the validation code, after one SubscriptionValidation POST', async () => {
    // Arrange
    const hook = await webhook();

    // Act
    const subscription = await admin.addEventSubscription({ endpoint: hook.url, name: 'my-sub' });

    // Assert
    expect(subscription).toMatchObject({ name: 'my-sub', endpoint: hook.url });
    expect(await admin.eventSubscriptions()).toEqual([expect.objectContaining({ name: 'my-sub' })]);
    expect(hook.received).toHaveLength(1);
    const [post] = hook.received;
    expect(post?.headers).toMatchObject({ 'aeg-event-type': 'SubscriptionValidation', 'aeg-subscription-name': 'MY-SUB', 'aeg-delivery-count': '0' });
    const [event] = post?.body as Array<Record<string, unknown>>;
    expect(event).toMatchObject({
      eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      subject: '',
      topic: `/subscriptions/${EMULATOR_SUBSCRIPTION_ID}`,
      dataVersion: '1',
      metadataVersion: '1',
      data: { validationCode: expect.any(String) as unknown, validationUrl: expect.stringContaining(emulator.adminUrl) as unknown },
    });
  });

  it('subscribes an endpoint that visits the validationUrl instead', async () => {
    // Arrange
    const hook = await webhook(async (post) => {
      const [event] = post.body as Array<{ data: { validationUrl: string } }>;
      await new Promise<void>((resolve, reject) => get(event?.data.validationUrl ?? '', { ca: emulator.caCertPem }, (res) => res.resume().on('end', resolve)).on('error', reject));
      return { status: 200 };
    });

    // Act
    const subscription = await admin.addEventSubscription({ endpoint: hook.url });

    // Assert
    expect(subscription.name).toMatch(/^emulator-sub-\d+$/);
  });

  it.each<[string, WebhookBehaviour]>([
    ['answers 200 without the code', () => ({ status: 200 })],
    ['echoes a wrong code', () => ({ status: 200, body: { validationResponse: 'not-the-code' } })],
    ['answers 500', () => ({ status: 500 })],
  ])('refuses an endpoint that %s, and does not subscribe it', async (_case, behaviour) => {
    // Arrange
    const hook = await webhook(behaviour);

    // Act
    const error = (await admin.addEventSubscription({ endpoint: hook.url }).catch((e: unknown) => e)) as EmulatorAdminError;

    // Assert
    expect(error).toBeInstanceOf(EmulatorAdminError);
    expect(error).toMatchObject({ status: 400, code: 'SubscriptionValidationFailed' });
    expect(error.message).toContain(hook.url);
    expect(await admin.eventSubscriptions()).toEqual([]);
  });

  it('refuses an endpoint nobody listens on', async () => {
    // Arrange
    const hook = await webhook();
    await hook.close();

    // Act
    const error = await admin.addEventSubscription({ endpoint: hook.url }).catch((e: unknown) => e as EmulatorAdminError);

    // Assert
    expect(error).toMatchObject({ code: 'SubscriptionValidationFailed' });
  });

  it('subscribes the endpoints given at start, and refuses to start when one fails validation', async () => {
    // Arrange
    const good = await webhook();
    const bad = await webhook(() => ({ status: 404 }));

    // Act
    const started = await startKeyVaultEmulator({ vaults: ['kv-started'], eventSubscriptions: [{ endpoint: good.url, name: 'at-start' }] });
    const subscriptions = await new EmulatorAdminClient(started.adminUrl, started.caCertPem).eventSubscriptions();
    await started.stop();
    const refused = startKeyVaultEmulator({ vaults: ['kv-refused'], eventSubscriptions: [{ endpoint: bad.url }] });

    // Assert
    expect(subscriptions.map((s) => s.name)).toEqual(['at-start']);
    await expect(refused).rejects.toThrow(/failed subscription validation/);
  });
});

describe('SecretNewVersionCreated', () => {
  it('delivers one Event Grid event per new version, shaped as Key Vault’s system topic sends it', async () => {
    // Arrange
    const hook = await subscribed();
    const exp = new Date(Date.now() + 90 * DAY_MS);

    // Act
    const written = await client.setSecret('db-password', 'value', { expiresOn: exp });
    await admin.waitForDeliveriesIdle();

    // Assert
    const notifications = hook.received.filter((post) => post.headers['aeg-event-type'] === 'Notification');
    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.headers).toMatchObject({ 'aeg-subscription-name': 'APP-EVENTS', 'aeg-delivery-count': '0', 'content-type': 'application/json; charset=utf-8' });
    const events = await new EventGridDeserializer().deserializeEventGridEvents(JSON.stringify(notifications[0]?.body));
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event && isSystemEvent('Microsoft.KeyVault.SecretNewVersionCreated', event)).toBe(true);
    expect(hook.events()[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      topic: `/subscriptions/${EMULATOR_SUBSCRIPTION_ID}/resourceGroups/rg-keyvault-emulator/providers/Microsoft.KeyVault/vaults/kv-app-local`,
      subject: 'db-password',
      eventType: SECRET_NEW_VERSION_CREATED,
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      data: {
        Id: written.properties.id,
        VaultName: 'kv-app-local',
        ObjectType: 'Secret',
        ObjectName: 'db-password',
        Version: written.properties.version,
        NBF: null,
        EXP: Math.floor(exp.getTime() / 1000),
      },
      dataVersion: '1',
      metadataVersion: '1',
    });
    expect(await admin.deliveries()).toEqual([expect.objectContaining({ eventType: SECRET_NEW_VERSION_CREATED, state: 'delivered', attempts: [expect.objectContaining({ status: 200, deliveryCount: 0 })] })]);
  });

  it('sends nothing for updates, deletes, recovers and restores', async () => {
    // Arrange
    const written = await client.setSecret('quiet', 'value');
    const hook = await subscribed();

    // Act
    await client.updateSecretProperties('quiet', written.properties.version ?? '', { tags: { a: 'b' } });
    const backup = (await client.backupSecret('quiet')) ?? new Uint8Array();
    await (await client.beginDeleteSecret('quiet')).pollUntilDone();
    await (await client.beginRecoverDeletedSecret('quiet')).pollUntilDone();
    await clients.client(1).restoreSecretBackup(backup);
    await admin.waitForDeliveriesIdle();

    // Assert
    expect(hook.events()).toEqual([]);
  });
});

describe('SecretNearExpiry and SecretExpired', () => {
  it('fires near-expiry once per version when the clock comes within 30 days of exp, and expired once when it passes', async () => {
    // Arrange
    const hook = await subscribed(undefined, { eventTypes: [SECRET_NEAR_EXPIRY, SECRET_EXPIRED] });
    const first = await client.setSecret('expiring', 'one', { expiresOn: new Date(Date.now() + 40 * DAY_MS) });
    const second = await client.setSecret('expiring', 'two', { expiresOn: new Date(Date.now() + 50 * DAY_MS) });
    await admin.advanceClock(0);
    const beforeWindow = hook.events().length;

    // Act
    await admin.advanceClock(10 * DAY_MS + 60_000);
    await admin.advanceClock(DAY_MS);
    await admin.advanceClock(10 * DAY_MS);
    await admin.advanceClock(DAY_MS);
    await admin.advanceClock(40 * DAY_MS);
    await admin.advanceClock(40 * DAY_MS);
    await admin.waitForDeliveriesIdle();

    // Assert
    expect(beforeWindow).toBe(0);
    const seen = hook.events().map((e) => `${e.eventType} ${String(e.data['Version'])}`);
    expect(seen).toEqual([
      `${SECRET_NEAR_EXPIRY} ${first.properties.version}`,
      `${SECRET_NEAR_EXPIRY} ${second.properties.version}`,
      `${SECRET_EXPIRED} ${first.properties.version}`,
      `${SECRET_EXPIRED} ${second.properties.version}`,
    ]);
  });

  it('sends both events, in order, when one clock advance passes the whole window', async () => {
    // Arrange
    const hook = await subscribed(undefined, { eventTypes: [SECRET_NEAR_EXPIRY, SECRET_EXPIRED] });
    await client.setSecret('jumped', 'v', { expiresOn: new Date(Date.now() + 45 * DAY_MS) });

    // Act
    await admin.advanceClock(60 * DAY_MS);
    await admin.waitForDeliveriesIdle();

    // Assert
    expect(hook.events().map((e) => e.eventType)).toEqual([SECRET_NEAR_EXPIRY, SECRET_EXPIRED]);
  });

  it('fires again for a version whose exp was moved, and never for versions without exp or of deleted secrets', async () => {
    // Arrange
    const hook = await subscribed(undefined, { eventTypes: [SECRET_NEAR_EXPIRY] });
    const moved = await client.setSecret('moved', 'v', { expiresOn: new Date(Date.now() + 35 * DAY_MS) });
    await client.setSecret('no-expiry', 'v');
    await client.setSecret('deleted-early', 'v', { expiresOn: new Date(Date.now() + 35 * DAY_MS) });
    await (await client.beginDeleteSecret('deleted-early')).pollUntilDone();
    await admin.advanceClock(6 * DAY_MS);
    const now = await admin.now();

    // Act
    await client.updateSecretProperties('moved', moved.properties.version ?? '', { expiresOn: new Date(now.getTime() + 100 * DAY_MS) });
    await admin.advanceClock(75 * DAY_MS);
    await admin.waitForDeliveriesIdle();

    // Assert
    expect(hook.events().map((e) => e.subject)).toEqual(['moved', 'moved']);
  });

  it('notices a version born inside the window on its periodic check, without a clock advance', async () => {
    // Arrange
    const periodic = await startKeyVaultEmulator({ vaults: ['kv-periodic'], expiryCheckIntervalInMs: 20 });
    const periodicClients = clientsFor(periodic);
    const periodicAdmin = new EmulatorAdminClient(periodic.adminUrl, periodic.caCertPem);
    const hook = await webhook();
    await periodicAdmin.addEventSubscription({ endpoint: hook.url, eventTypes: [SECRET_NEAR_EXPIRY] });

    // Act
    await periodicClients.client().setSecret('short-lived', 'v', { expiresOn: new Date(Date.now() + 5 * DAY_MS) });

    // Assert
    await vi.waitFor(() => expect(hook.events().map((e) => e.subject)).toEqual(['short-lived']), { timeout: 5_000 });
    periodicClients.close();
    await periodic.stop();
  });
});

describe('delivery', () => {
  it('retries a failing endpoint on the schedule until it succeeds', async () => {
    // Arrange
    const hook = await subscribed(failing((n) => (n < 2 ? 500 : 200)));

    // Act
    await client.setSecret('retried', 'v');
    await admin.waitForDeliveriesIdle();

    // Assert
    const counts = hook.received.filter((p) => p.headers['aeg-event-type'] === 'Notification').map((p) => p.headers['aeg-delivery-count']);
    expect(counts).toEqual(['0', '1', '2']);
    const [delivery] = await admin.deliveries();
    expect(delivery).toMatchObject({ state: 'delivered', attempts: [{ status: 500 }, { status: 500 }, { status: 200 }] });
    expect(new Set(hook.events().map((e) => e.id)).size).toBe(1);
  });

  it('dead-letters an event once every attempt on the schedule failed', async () => {
    // Arrange
    await subscribed(failing(() => 503));

    // Act
    await client.setSecret('undeliverable', 'v');
    await admin.waitForDeliveriesIdle();

    // Assert
    const [delivery] = await admin.deliveries();
    expect(delivery?.state).toBe('dead-lettered');
    expect(delivery?.attempts.map((a) => a.status)).toEqual([503, 503, 503]);
    expect(delivery?.deadLetterReason).toContain('all 3 attempts failed');
  });

  it.each([400, 413])('does not retry a %i, as Event Grid does not', async (status) => {
    // Arrange
    await subscribed(failing(() => status));

    // Act
    await client.setSecret('refused', 'v');
    await admin.waitForDeliveriesIdle();

    // Assert
    const [delivery] = await admin.deliveries();
    expect(delivery).toMatchObject({ state: 'dead-lettered', attempts: [{ status }] });
  });

  it('retries connection errors, then dead-letters', async () => {
    // Arrange
    const hook = await subscribed();
    await hook.close();

    // Act
    await client.setSecret('nobody-home', 'v');
    await admin.waitForDeliveriesIdle();

    // Assert
    const [delivery] = await admin.deliveries();
    expect(delivery?.state).toBe('dead-lettered');
    expect(delivery?.attempts).toHaveLength(3);
    expect(delivery?.attempts.every((a) => a.status === undefined && typeof a.error === 'string')).toBe(true);
  });

  it('delivers only the vaults and event types a subscription asks for', async () => {
    // Arrange
    const shared = await subscribed(undefined, { vaults: ['kv-shared-local'], eventTypes: [SECRET_NEW_VERSION_CREATED] });

    // Act
    await client.setSecret('in-app-vault', 'v');
    await clients.client(1).setSecret('in-shared-vault', 'v', { expiresOn: new Date(Date.now() + 10 * DAY_MS) });
    await admin.advanceClock(0);
    await admin.waitForDeliveriesIdle();

    // Assert
    expect(shared.events().map((e) => `${e.eventType} ${e.subject}`)).toEqual([`${SECRET_NEW_VERSION_CREATED} in-shared-vault`]);
  });

  it('stops delivering to a removed subscription; reset keeps subscriptions unless asked', async () => {
    // Arrange
    const hook = await subscribed();
    await admin.reset();
    const keptAfterReset = (await admin.eventSubscriptions()).length;

    // Act
    await admin.removeEventSubscription('app-events');
    await client.setSecret('after-removal', 'v');
    await admin.waitForDeliveriesIdle();

    // Assert
    expect(keptAfterReset).toBe(1);
    expect(hook.events()).toEqual([]);
    expect(await admin.deliveries()).toEqual([]);
    await expect(admin.removeEventSubscription('app-events')).rejects.toMatchObject({ status: 404 });
  });
});
