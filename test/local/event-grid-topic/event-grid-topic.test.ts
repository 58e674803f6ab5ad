/**
 * The Event Grid topic stand-in against the real EventGridPublisherClient, unmodified, through
 * the stand-in agent: CloudEvents batches published with the topic key, a SAS token and a
 * TokenCredential are recorded; no authorization, a wrong key, a bad event and a body over 1 MB
 * are refused in Event Grid's shape; injected faults apply and are counted.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from 'node:https';
import { AzureKeyCredential, AzureSASCredential } from '@azure/core-auth';
import { isRestError, type RestError } from '@azure/core-rest-pipeline';
import { EventGridPublisherClient, generateSharedAccessSignature, type SendCloudEventInput } from '@azure/eventgrid';
import { localEmulatorCredential } from '../../../src/adapters/azure-clients.js';
import { standInAgent } from '../../../src/adapters/stand-in-agent.js';
import { EVENT_GRID_HOST_SUFFIX, EventGridTopicAdminClient, startEventGridTopic, type RunningEventGridTopic } from '../../../src/local/event-grid-topic/index.js';
import { rawRequest } from '../graph/support.js';

let topic: RunningEventGridTopic;
let admin: EventGridTopicAdminClient;
let agent: Agent;

const FAST = { retryOptions: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 } };

function publisher(credential: ConstructorParameters<typeof EventGridPublisherClient<'CloudEvent'>>[2], retries = FAST): EventGridPublisherClient<'CloudEvent'> {
  return new EventGridPublisherClient(topic.endpoint, 'CloudEvent', credential, { agent, ...retries });
}

function rotationEvent(type: string, id?: string): SendCloudEventInput<unknown> {
  return { type: `KeyVaultRotation.${type}`, source: '/rotation/policies/orders-db', subject: 'kv-app-local/orders-db', ...(id ? { id } : {}), data: { vault: 'kv-app-local', secret: 'orders-db', rotationId: 'r-1' } };
}

async function failure(promise: Promise<unknown>): Promise<RestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRestError(error)).toBe(true);
  return error as RestError;
}

beforeAll(async () => {
  topic = await startEventGridTopic();
  admin = new EventGridTopicAdminClient(topic.adminUrl, topic.caCertPem);
  agent = standInAgent({ caCertPath: topic.caCertPath, address: topic.host }, (hostname) => hostname.endsWith(EVENT_GRID_HOST_SUFFIX));
});

afterAll(async () => {
  await topic?.stop();
});

beforeEach(async () => {
  await admin.reset();
});

describe('publishing CloudEvents', () => {
  it('records a batch sent with the topic key', async () => {
    // Act
    await publisher(new AzureKeyCredential(topic.keys.key1)).send([rotationEvent('RotationStarted', 'e-1'), rotationEvent('RotationSucceeded', 'e-2')]);

    // Assert
    const received = await admin.events();
    expect(received.map((r) => r.event['id'])).toEqual(['e-1', 'e-2']);
    expect(received[0]).toMatchObject({ authorization: 'key', event: { specversion: '1.0', type: 'KeyVaultRotation.RotationStarted', source: '/rotation/policies/orders-db', subject: 'kv-app-local/orders-db', datacontenttype: 'application/json', data: { rotationId: 'r-1' } } });
    expect(Date.parse(received[0]!.event['time'] as string)).toBeLessThanOrEqual(Date.now());
    expect((await admin.counts())).toMatchObject({ operations: { 'events.publish': 1 }, events: 2 });
  });

  it('accepts the second key, a SAS token and a bearer token from a TokenCredential', async () => {
    // Arrange
    const sas = await generateSharedAccessSignature(topic.endpoint, new AzureKeyCredential(topic.keys.key2), new Date(Date.now() + 60_000));

    // Act
    await publisher(new AzureKeyCredential(topic.keys.key2)).send([rotationEvent('RotationParked')]);
    await publisher(new AzureSASCredential(sas)).send([rotationEvent('CredentialRevoked')]);
    await publisher(localEmulatorCredential).send([rotationEvent('RotationFailed')]);

    // Assert
    expect((await admin.events()).map((r) => [r.authorization, r.event['type']])).toEqual([
      ['key', 'KeyVaultRotation.RotationParked'],
      ['sas', 'KeyVaultRotation.CredentialRevoked'],
      ['bearer', 'KeyVaultRotation.RotationFailed'],
    ]);
  });

  it('answers 200 with an empty body', async () => {
    // Act
    const answer = await rawRequest(agent, `${topic.endpoint}?api-version=2018-01-01`, {
      method: 'POST',
      headers: { 'aeg-sas-key': topic.keys.key1, 'content-type': 'application/cloudevents-batch+json; charset=utf-8' },
      body: JSON.stringify([{ specversion: '1.0', id: 'raw-1', source: '/raw', type: 'Raw.Test' }]),
    });

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.bodyAsText ?? '').toBe('');
  });
});

describe('refusals', () => {
  it('refuses a publish without authorization, or with a wrong key, a forged SAS token or a non-bearer header, with 401', async () => {
    // Arrange
    const forged = await generateSharedAccessSignature(topic.endpoint, new AzureKeyCredential(Buffer.from('not the key').toString('base64')), new Date(Date.now() + 60_000));
    const body = JSON.stringify([{ specversion: '1.0', id: 'x', source: '/x', type: 'X' }]);
    const post = (headers: Record<string, string>) => rawRequest(agent, `${topic.endpoint}?api-version=2018-01-01`, { method: 'POST', headers: { 'content-type': 'application/cloudevents-batch+json; charset=utf-8', ...headers }, body });

    // Act
    const none = await post({});
    const wrongKey = await failure(publisher(new AzureKeyCredential(Buffer.from('wrong').toString('base64'))).send([rotationEvent('RotationStarted')]));
    const forgedSas = await failure(publisher(new AzureSASCredential(forged)).send([rotationEvent('RotationStarted')]));
    const basic = await post({ authorization: 'Basic dXNlcjpwYXNz' });

    // Assert
    expect(none.status).toBe(401);
    expect(JSON.parse(none.bodyAsText!).error).toMatchObject({ code: 'Unauthorized', details: [{ code: 'Unauthorized' }] });
    expect(JSON.parse(none.bodyAsText!).error.message).toMatch(/^Request must contain one of the following authorization signature: aeg-sas-token, aeg-sas-key/);
    expect(wrongKey.statusCode).toBe(401);
    expect(wrongKey.message).toContain(`not authorized for ${topic.hostName.toUpperCase()}`);
    expect(forgedSas.statusCode).toBe(401);
    expect(basic.status).toBe(401);
    expect(await admin.events()).toEqual([]);
    expect((await admin.counts()).unauthenticated).toBe(4);
  });

  it.each([
    ['a body that is not JSON', '[{"specversion":', 'application/cloudevents-batch+json; charset=utf-8', /not valid JSON/],
    ['an object where a batch goes', JSON.stringify({ specversion: '1.0', id: 'a', source: '/s', type: 't' }), 'application/cloudevents-batch+json', /JSON array/],
    ['an empty batch', '[]', 'application/cloudevents-batch+json', /no events/],
    ['an event without an id', JSON.stringify([{ specversion: '1.0', source: '/s', type: 't' }]), 'application/cloudevents-batch+json', /event 0: required attribute 'id' is missing/],
    ['specversion 0.3', JSON.stringify([{ specversion: '0.3', id: 'a', source: '/s', type: 't' }]), 'application/cloudevents-batch+json', /specversion must be "1.0"/],
    ['an empty source in the second event', JSON.stringify([{ specversion: '1.0', id: 'a', source: '/s', type: 't' }, { specversion: '1.0', id: 'b', source: '', type: 't' }]), 'application/cloudevents-batch+json', /event 1: 'source' must be a non-empty string/],
    ['a time that is not RFC 3339', JSON.stringify([{ specversion: '1.0', id: 'a', source: '/s', type: 't', time: 'yesterday' }]), 'application/cloudevents-batch+json', /'time'/],
    ['data and data_base64 together', JSON.stringify([{ specversion: '1.0', id: 'a', source: '/s', type: 't', data: 1, data_base64: 'AA==' }]), 'application/cloudevents-batch+json', /not both/],
    ['an upper-case extension name', JSON.stringify([{ specversion: '1.0', id: 'a', source: '/s', type: 't', Tenant: 'x' }]), 'application/cloudevents-batch+json', /extension attribute 'Tenant'/],
    ['a text body', 'hello', 'text/plain', /content type/],
  ])('refuses %s with 400 in Event Grid error shape, recording nothing', async (_, body, contentType, message) => {
    // Act
    const answer = await rawRequest(agent, `${topic.endpoint}?api-version=2018-01-01`, { method: 'POST', headers: { 'aeg-sas-key': topic.keys.key1, 'content-type': contentType }, body });

    // Assert
    expect(answer.status).toBe(400);
    const error = JSON.parse(answer.bodyAsText!).error;
    expect(error).toMatchObject({ code: 'BadRequest', details: [{ code: 'InputJsonInvalid' }] });
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/Report '.+' to our forums/);
    expect(await admin.events()).toEqual([]);
  });

  it('refuses a batch over 1 MB with 413, through the SDK', async () => {
    // Arrange
    const big = Array.from({ length: 11 }, (_, i) => ({ ...rotationEvent('RotationStarted', `big-${i}`), data: { padding: 'x'.repeat(100_000) } }));

    // Act
    const error = await failure(publisher(new AzureKeyCredential(topic.keys.key1)).send(big));

    // Assert
    expect(error.statusCode).toBe(413);
    expect(error.code).toBe('RequestEntityTooLarge');
    expect((await admin.counts()).rejected).toBe(1);
  });

  it('refuses a missing or unknown api-version and a path other than /api/events', async () => {
    // Arrange
    const headers = { 'aeg-sas-key': topic.keys.key1, 'content-type': 'application/cloudevents-batch+json' };
    const body = JSON.stringify([{ specversion: '1.0', id: 'a', source: '/s', type: 't' }]);

    // Act
    const missing = await rawRequest(agent, topic.endpoint, { method: 'POST', headers, body });
    const unknown = await rawRequest(agent, `${topic.endpoint}?api-version=2099-01-01`, { method: 'POST', headers, body });
    const elsewhere = await rawRequest(agent, `${topic.endpoint.replace('/api/events', '/api/other')}?api-version=2018-01-01`, { method: 'POST', headers, body });

    // Assert
    expect([missing.status, unknown.status, elsewhere.status]).toEqual([400, 400, 404]);
  });
});

describe('faults', () => {
  it('answers the next N publishes with an injected 503, which the SDK retries past', async () => {
    // Arrange
    await admin.injectFault({ operation: 'events.publish', status: 503, count: 2 });

    // Act
    await publisher(new AzureKeyCredential(topic.keys.key1)).send([rotationEvent('RotationStarted', 'after-503s')]);

    // Assert
    expect((await admin.events()).map((r) => r.event['id'])).toEqual(['after-503s']);
    expect((await admin.counts()).faults).toBe(2);
    expect(await admin.faults()).toEqual([]);
  });

  it('answers an injected 401 to an authorized publish, which the SDK does not retry', async () => {
    // Arrange
    await admin.injectFault({ operation: 'events.publish', status: 401 });

    // Act
    const error = await failure(publisher(localEmulatorCredential).send([rotationEvent('RotationStarted')]));

    // Assert
    expect(error.statusCode).toBe(401);
    expect(error.code).toBe('Unauthorized');
    expect(await admin.events()).toEqual([]);
  });

  it('clears the recorded events on DELETE', async () => {
    // Arrange
    await publisher(new AzureKeyCredential(topic.keys.key1)).send([rotationEvent('RotationStarted')]);

    // Act
    await admin.clearEvents();

    // Assert
    expect(await admin.events()).toEqual([]);
    expect((await admin.counts()).events).toBe(1);
  });
});
