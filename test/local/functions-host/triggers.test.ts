import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppSettingError, startFunctionsHost, type RunningFunctionsHost } from '../../../src/local/functions-host/index.js';
import { captureLogs, type CapturedLogs } from './capture-logger.js';

const triggersApp = fileURLToPath(new URL('./fixtures/triggers-app.ts', import.meta.url));

function keyVaultEvent(id: string, data: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    topic: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-app-local',
    subject: 'payments-db-password',
    eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
    eventTime: '2025-01-01T00:00:00Z',
    dataVersion: '1',
    metadataVersion: '1',
    data: { Id: 'https://kv-app-local.vault.azure.net/secrets/payments-db-password/abc', VaultName: 'kv-app-local', ObjectType: 'Secret', ObjectName: 'payments-db-password', Version: 'abc', ...data },
  };
}

describe('local functions host: Event Grid, admin and timers', () => {
  let host: RunningFunctionsHost;
  let logs: CapturedLogs;
  const eventGridUrl = (name: string): string => `${host.url}/runtime/webhooks/eventgrid?functionName=${name}`;
  const deliver = (body: unknown, headers: Record<string, string> = { 'aeg-event-type': 'Notification' }): Promise<Response> =>
    fetch(eventGridUrl('onEvent'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    logs = captureLogs();
    host = await startFunctionsHost({ modules: [triggersApp], port: 0, logger: logs.logger, runTimers: false, env: { FIXTURE_TICK_SCHEDULE: '*/30 * * * * *' } });
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('lists each trigger with the URL that triggers it', () => {
    // Act
    const byName = new Map(host.functions.map((f) => [f.name, f]));

    // Assert
    expect(byName.get('onEvent')).toEqual({ name: 'onEvent', trigger: 'eventGridTrigger', url: `${host.url}/runtime/webhooks/eventgrid?functionName=onEvent` });
    expect(byName.get('nightly')).toEqual({ name: 'nightly', trigger: 'timerTrigger', schedule: '0 0 3 * * *', url: `${host.url}/admin/functions/nightly` });
    expect(byName.get('onMessage')).toMatchObject({ trigger: 'queueTrigger', url: `${host.url}/admin/functions/onMessage` });
  });

  it('resolves %SETTING% in a timer schedule from the app settings', () => {
    // Act
    const tick = host.functions.find((f) => f.name === 'tick');

    // Assert
    expect(tick?.schedule).toBe('*/30 * * * * *');
  });

  it('answers the subscription validation handshake itself', async () => {
    // Arrange
    const validation = {
      id: 'v1',
      topic: '/subscriptions/0000',
      subject: '',
      eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      eventTime: '2025-01-01T00:00:00Z',
      dataVersion: '2',
      metadataVersion: '1',
      data: { validationCode: 'code-123', validationUrl: 'https://example.invalid/validate' },
    };

    // Act
    const response = await deliver([validation], { 'aeg-event-type': 'SubscriptionValidation' });

    // Assert
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ validationResponse: 'code-123' });
    expect(logs.entries.some((e) => e.properties['functionName'] === 'onEvent' && e.message.startsWith('Executed'))).toBe(false);
  });

  it('invokes the function once per event of a notification and answers 200', async () => {
    // Act
    const response = await deliver([keyVaultEvent('e1'), keyVaultEvent('e2')]);

    // Assert
    expect(response.status).toBe(200);
    await logs.waitFor((e) => e.message === 'event e1 Microsoft.KeyVault.SecretNewVersionCreated payments-db-password');
    await logs.waitFor((e) => e.message === 'event e2 Microsoft.KeyVault.SecretNewVersionCreated payments-db-password');
  });

  it('accepts a single event object and a CloudEvents batch', async () => {
    // Arrange
    const cloudEvent = { specversion: '1.0', id: 'c1', source: '/vaults/kv-app-local', type: 'Microsoft.KeyVault.SecretNearExpiry', subject: 'api-key', data: {} };

    // Act
    const single = await deliver(keyVaultEvent('s1'));
    const cloud = await fetch(eventGridUrl('onEvent'), { method: 'POST', headers: { 'content-type': 'application/cloudevents-batch+json; charset=utf-8' }, body: JSON.stringify([cloudEvent]) });

    // Assert
    expect(single.status).toBe(200);
    expect(cloud.status).toBe(200);
    await logs.waitFor((e) => e.message.startsWith('event s1 '));
    await logs.waitFor((e) => e.message.startsWith('event c1 '));
  });

  it('answers 500 when the handler throws, so Event Grid retries, after running the other events', async () => {
    // Act
    const response = await deliver([keyVaultEvent('f1', { fail: true }), keyVaultEvent('f2')]);

    // Assert
    expect(response.status).toBe(500);
    const failure = await logs.waitFor((e) => e.level === 'error' && e.message.includes('event f1 asked to fail'));
    expect(failure.properties['functionName']).toBe('onEvent');
    await logs.waitFor((e) => e.message.startsWith('event f2 '));
  });

  it.each([
    ['an unknown function', 'nope', 404],
    ['a function that is not Event Grid triggered', 'nightly', 404],
  ])('answers 404 for %s', async (_case, name, status) => {
    // Act
    const response = await fetch(eventGridUrl(name), { method: 'POST', headers: { 'aeg-event-type': 'Notification' }, body: '[]' });

    // Assert
    expect(response.status).toBe(status);
  });

  it('answers 400 to a delivery without aeg-event-type', async () => {
    // Act
    const response = await deliver([keyVaultEvent('x1')], {});

    // Assert
    expect(response.status).toBe(400);
  });

  it('answers the CloudEvents OPTIONS handshake', async () => {
    // Act
    const response = await fetch(eventGridUrl('onEvent'), { method: 'OPTIONS', headers: { 'webhook-request-origin': 'eventgrid.azure.net' } });

    // Assert
    expect(response.status).toBe(200);
    expect(response.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  it('runs a timer function through POST /admin/functions/<name> with 202', async () => {
    // Act
    const response = await fetch(`${host.url}/admin/functions/nightly`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: '' }) });

    // Assert
    expect(response.status).toBe(202);
    const entry = await logs.waitFor((e) => e.message === 'nightly ran, isPastDue=false');
    expect(entry.properties['functionName']).toBe('nightly');
  });

  it('passes the admin input to a queue function as its message', async () => {
    // Act
    const response = await fetch(`${host.url}/admin/functions/onMessage`, { method: 'POST', body: JSON.stringify({ input: '{"policyId":"p1"}' }) });

    // Assert
    expect(response.status).toBe(202);
    await logs.waitFor((e) => e.message === 'message {"policyId":"p1"} dequeueCount=1');
  });

  it.each([
    ['an unknown function', '/admin/functions/nope', 'POST', 404],
    ['a wrong method', '/admin/functions/nightly', 'GET', 405],
  ])('answers the admin endpoint for %s with %i', async (_case, path, method, status) => {
    // Act
    const response = await fetch(`${host.url}${path}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });

    // Assert
    expect(response.status).toBe(status);
  });

  it('invoke() runs a function and resolves with what its handler returned', async () => {
    // Act
    const result = await host.invoke('nightly');

    // Assert
    expect(result).toBe('nightly-done');
  });

  it('invoke() rejects when the handler throws', async () => {
    // Act
    const run = host.invoke('onEvent', keyVaultEvent('i1', { fail: true }));

    // Assert
    await expect(run).rejects.toThrow(/event i1 asked to fail/);
  });
});

describe('local functions host: timers on their schedules', () => {
  it('fires a per-second timer on its own, with the timer info the library expects', async () => {
    // Arrange
    const logs = captureLogs();
    const host = await startFunctionsHost({ modules: [triggersApp], port: 0, logger: logs.logger, env: { FIXTURE_TICK_SCHEDULE: '* * * * * *' } });

    try {
      // Act
      const tick = await logs.waitFor((e) => e.message.startsWith('tick '));

      // Assert
      expect(tick.properties['functionName']).toBe('tick');
      expect(tick.message).toMatch(/^tick isPastDue=(true|false) next=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    } finally {
      await host.stop();
    }
  });

  it('refuses to start when a schedule names an app setting that is not set', async () => {
    // Arrange
    delete process.env['FIXTURE_TICK_SCHEDULE'];

    // Act
    const start = startFunctionsHost({ modules: [triggersApp], port: 0, logger: captureLogs().logger });

    // Assert
    await expect(start).rejects.toThrow(AppSettingError);
    await expect(start).rejects.toThrow(/%FIXTURE_TICK_SCHEDULE%/);
  });
});
