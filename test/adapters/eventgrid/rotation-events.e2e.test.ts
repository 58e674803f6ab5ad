/**
 * Rotation events end to end through the HTTP API on the local stack (functions host, Azurite,
 * Key Vault emulator), published by the real EventGridPublisherClient to two Event Grid topic
 * stand-ins on one CA: the deployment's topic (ROTATION_EVENTS_TOPIC_ENDPOINT) and a topic a
 * policy lists as an `event-grid-topic` follower. What each topic received is read back from its
 * admin API; no test mocks the SDK.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../../src/local/keyvault-emulator/index.js';
import { EventGridTopicAdminClient, localEventGridTopicSettings, startEventGridTopic, type ReceivedEvent, type RunningEventGridTopic } from '../../../src/local/event-grid-topic/index.js';
import { captureConsole, startAppStack, type AppAnswer, type AppStack, type ConsoleCapture } from '../../support/app-stack.js';

let stack: AppStack;
let console_: ConsoleCapture;
let eventsTopic: RunningEventGridTopic;
let followerTopic: RunningEventGridTopic;
let events: EventGridTopicAdminClient;
let follower: EventGridTopicAdminClient;
const SOURCE = '/kvrot/e2e-events';
const MAX_ATTEMPTS = 2;

beforeAll(async () => {
  const certificateAuthority = await createCertificateAuthority();
  eventsTopic = await startEventGridTopic({ certificateAuthority });
  followerTopic = await startEventGridTopic({ certificateAuthority, topicName: 'evgt-billing' });
  events = new EventGridTopicAdminClient(eventsTopic.adminUrl, eventsTopic.caCertPem);
  follower = new EventGridTopicAdminClient(followerTopic.adminUrl, followerTopic.caCertPem);
  console_ = captureConsole();
  stack = await startAppStack({ settings: { ...localEventGridTopicSettings(eventsTopic), ROTATION_EVENTS_SOURCE: SOURCE, ROTATION_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
}, 120_000);

afterAll(async () => {
  console_?.restore();
  await stack?.stop();
  await eventsTopic?.stop();
  await followerTopic?.stop();
});

beforeEach(async () => {
  await Promise.all([events.reset(), follower.reset()]);
  console_.reset();
});

const uniqueId = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

function policy(id: string, consumers: unknown[] = []) {
  return {
    id,
    vaultUrl: stack.vaultUrl(),
    secretName: id,
    generator: { kind: 'random_password', length: 40 },
    rotation: { every: '30d', validFor: '60d' },
    ...(consumers.length ? { consumers } : {}),
    environment: 'test',
    owner: 'team-events',
  };
}

const followerSpec = () => ({ kind: 'event-grid-topic', name: 'billing-topic', endpoint: followerTopic.endpoint });
const put = (id: string, body: unknown) => stack.call({ method: 'PUT', path: `/policies/${id}`, body: JSON.stringify(body) });
const rotate = (id: string) => stack.call({ method: 'POST', path: `/policies/${id}/rotate`, body: JSON.stringify({ reason: 'rotation events end to end' }) });

async function created(id: string, consumers: unknown[] = []): Promise<void> {
  const answer = await put(id, policy(id, consumers));
  expect(answer.status, answer.text).toBe(201);
}

/** Every value the secret has had, read from Key Vault: none may appear in any event. */
async function valuesOf(id: string): Promise<string[]> {
  const client = stack.secrets(stack.vaultUrl());
  const values: string[] = [];
  for await (const properties of client.listPropertiesOfSecretVersions(id)) {
    if (properties.enabled) values.push((await client.getSecret(id, { version: properties.version! })).value!);
  }
  return values;
}

function expectNoValue(received: ReceivedEvent[], values: string[]): void {
  const text = JSON.stringify(received);
  expect(values.length).toBeGreaterThan(0);
  for (const value of values) expect(text).not.toContain(value);
}

/** The app's JSON log lines of this event about this policy. */
function logged(event: string, policyId: string): Record<string, unknown>[] {
  return console_.lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return entry['event'] === event && entry['policyId'] === policyId ? [entry] : [];
    } catch {
      return [];
    }
  });
}

const ofPolicy = (received: ReceivedEvent[], id: string) => received.map((r) => r.event).filter((e) => e.subject === `/policies/${id}`);
const types = (received: ReceivedEvent[], id: string) => ofPolicy(received, id).map((e) => e.type);

function expectFailed(answer: AppAnswer): void {
  expect(answer.status, answer.text).toBe(502);
  expect(answer.json.error ?? answer.json).toBeDefined();
}

describe('the deployment topic', () => {
  it('gets RotationStarted and RotationSucceeded for a rotation, as CloudEvents from this deployment, with the managed identity and no value', async () => {
    // Arrange
    const id = uniqueId('events-plain');
    await created(id);

    // Act
    const done = await rotate(id);

    // Assert
    expect(done.status, done.text).toBe(200);
    const received = await events.events();
    expect(types(received, id)).toEqual(['KeyVaultRotation.RotationStarted', 'KeyVaultRotation.RotationSucceeded']);
    const [started, succeeded] = ofPolicy(received, id);
    const rotationId = done.json.rotationId as string;
    expect(started).toMatchObject({ specversion: '1.0', source: SOURCE, id: `${rotationId}.RotationStarted`, datacontenttype: 'application/json' });
    expect(started!.data).toMatchObject({ policyId: id, vaultUrl: stack.vaultUrl(), secretName: id, rotationId, trigger: 'http', reason: 'rotation events end to end' });
    expect(succeeded).toMatchObject({ source: SOURCE, id: `${rotationId}.RotationSucceeded` });
    expect(succeeded!.data).toMatchObject({ policyId: id, rotationId, newVersion: done.json.newVersion });
    expect(received.every((r) => r.authorization === 'bearer')).toBe(true);
    expectNoValue(received, await valuesOf(id));
  });

  it('gets OutOfBandChangeDetected for a version written by hand, once per Key Vault event id', async () => {
    // Arrange
    const id = uniqueId('events-oob');
    await created(id);
    expect((await rotate(id)).status).toBe(200);
    const written = await stack.secrets(stack.vaultUrl()).setSecret(id, `by-hand-${randomBytes(16).toString('hex')}`);
    const vaultName = new URL(stack.vaultUrl()).hostname.split('.')[0]!;
    const event = {
      id: uniqueId('kv-event'),
      topic: `/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${vaultName}`,
      subject: id,
      eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
      eventTime: new Date().toISOString(),
      dataVersion: '1',
      metadataVersion: '1',
      data: { Id: written.properties.id, VaultName: vaultName, ObjectType: 'Secret', ObjectName: id, Version: written.properties.version },
    };

    // Act
    const first = await stack.invokeEvent(event);
    const again = await stack.invokeEvent(event);

    // Assert
    expect(first.threw || again.threw).toBe(false);
    const oob = ofPolicy(await events.events(), id).filter((e) => e.type === 'KeyVaultRotation.OutOfBandChangeDetected');
    expect(oob).toHaveLength(2);
    expect(new Set(oob.map((e) => e.id))).toEqual(new Set([`${event.id}.OutOfBandChangeDetected`]));
    expect(oob[0]!.data).toMatchObject({ policyId: id, secretName: id, newVersion: written.properties.version });
    expectNoValue(await events.events(), await valuesOf(id));
  });

  it.each([
    { status: 401, count: 10 },
    { status: 503, count: 10 },
  ])('refusing every publish with $status never fails the rotation; each refusal is logged at error', async ({ status, count }) => {
    // Arrange
    const id = uniqueId(`events-refused-${status}`);
    await created(id);
    await events.injectFault({ operation: 'events.publish', status, count });

    // Act
    const done = await rotate(id);

    // Assert
    expect(done.status, done.text).toBe(200);
    expect(done.json.status).toBe('succeeded');
    expect(types(await events.events(), id)).toEqual([]);
    const refused = logged('rotation.events-publish-failed', id);
    expect(refused.map((e) => e['eventType'])).toEqual(['RotationStarted', 'RotationSucceeded']);
    expect(refused.every((e) => e['level'] === 'error' && e['rotationId'] === done.json.rotationId && String(e['error']).includes(String(status)))).toBe(true);
    expectNoValue(await events.events(), await valuesOf(id));
  }, 60_000);
});

describe('an event-grid-topic follower', () => {
  it('gets VersionSwitched for the new version, confirmed by the topic, and the audit says so', async () => {
    // Arrange
    const id = uniqueId('events-follower');
    await created(id, [followerSpec()]);

    // Act
    const done = await rotate(id);

    // Assert
    expect(done.status, done.text).toBe(200);
    const received = await follower.events();
    expect(received).toHaveLength(1);
    const switched = received[0]!.event;
    expect(switched).toMatchObject({ type: 'KeyVaultRotation.VersionSwitched', source: SOURCE, id: `${done.json.rotationId}.VersionSwitched.billing-topic`, subject: `/policies/${id}` });
    expect(switched.data).toMatchObject({ policyId: id, rotationId: done.json.rotationId, vaultUrl: stack.vaultUrl(), secretName: id, version: done.json.newVersion });
    expect(received[0]!.authorization).toBe('bearer');
    const audit = await stack.call({ method: 'GET', path: `/policies/${id}/rotations?pageSize=100` });
    const delivered = (audit.json.items as { step?: string; consumer?: string; reason?: string }[]).find((r) => r.step === 'delivered' && r.consumer === 'billing-topic');
    expect(delivered?.reason).toContain('accepted by topic evgt-billing.');
    expectNoValue([...received, ...(await events.events())], await valuesOf(id));
  });

  it('a topic refusing the event fails the rotation loudly, keeps the new version, announces each attempt and the parking, and the fixed topic confirms', async () => {
    // Arrange
    const id = uniqueId('events-follower-refused');
    await created(id, [followerSpec()]);
    await follower.injectFault({ operation: 'events.publish', status: 401, count: 100 });

    // Act
    const first = await rotate(id);
    const second = await rotate(id);

    // Assert: failed twice, the budget (2) spent, the new version kept in Key Vault
    expectFailed(first);
    expectFailed(second);
    expect(second.json.rotationId ?? first.json.rotationId).toBeDefined();
    const received = await events.events();
    const announced = ofPolicy(received, id);
    expect(announced.map((e) => e.type)).toEqual([
      'KeyVaultRotation.RotationStarted',
      'KeyVaultRotation.RotationFailed',
      'KeyVaultRotation.RotationFailed',
      'KeyVaultRotation.RotationParked',
    ]);
    const rotationId = (announced[0]!.data as { rotationId: string }).rotationId;
    expect(announced.map((e) => e.id)).toEqual([`${rotationId}.RotationStarted`, `${rotationId}.1.RotationFailed`, `${rotationId}.2.RotationFailed`, `${rotationId}.RotationParked`]);
    expect(announced[1]!.data).toMatchObject({ attempt: 1, maxAttempts: MAX_ATTEMPTS, step: 'switched', error: expect.stringContaining('billing-topic') });
    expect(announced[3]!.data).toMatchObject({ attempt: 2, maxAttempts: MAX_ATTEMPTS });
    // Announced as well as logged: the failed-rotation alert's log line is still there for each attempt.
    expect(logged('rotation.failed', id).map((e) => [e['level'], e['attempt'], e['parked']])).toEqual([['error', 1, false], ['error', 2, true]]);
    const latest = await stack.secrets(stack.vaultUrl()).getSecret(id);
    expect(latest.properties.enabled).toBe(true);
    expect(latest.properties.tags?.['rotation-id']).toBe(rotationId);
    expect(await follower.events()).toEqual([]);

    // Act: the topic is fixed, an admin rotates again
    await follower.clearFaults();
    const third = await rotate(id);

    // Assert: the same rotation resumed and confirmed, no second RotationStarted
    expect(third.status, third.text).toBe(200);
    expect(third.json.rotationId).toBe(rotationId);
    expect(types(await events.events(), id).slice(4)).toEqual(['KeyVaultRotation.RotationSucceeded']);
    expect((await follower.events()).map((r) => r.event.id)).toEqual([`${rotationId}.VersionSwitched.billing-topic`]);
    expectNoValue([...(await events.events()), ...(await follower.events())], await valuesOf(id));
  }, 60_000);
});
