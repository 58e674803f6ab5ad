import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunctionsHost, type RunningFunctionsHost } from '../../../src/local/functions-host/index.js';
import { captureLogs, type CapturedLogs } from './capture-logger.js';

const httpApp = fileURLToPath(new URL('./fixtures/http-app.ts', import.meta.url));

describe('local functions host: HTTP functions', () => {
  let host: RunningFunctionsHost;
  let logs: CapturedLogs;
  const api = (path: string): string => `${host.url}/api/${path}`;

  beforeAll(async () => {
    logs = captureLogs();
    host = await startFunctionsHost({ modules: [httpApp], port: 0, logger: logs.logger });
  });

  afterAll(async () => {
    await host?.stop();
  });

  it("lists the app's own registrations with their routes, methods and URLs", () => {
    // Act
    const byName = new Map(host.functions.map((f) => [f.name, f]));

    // Assert
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(byName.get('putItem')).toEqual({ name: 'putItem', trigger: 'httpTrigger', route: 'items/{id}', methods: ['PUT'], authLevel: 'function', url: `${host.url}/api/items/{id}` });
    expect(byName.get('health')).toMatchObject({ route: 'health', methods: ['GET'] });
    expect(byName.get('optionalEcho')?.methods).toEqual(['GET', 'POST']);
  });

  it('passes a JSON body in and writes status, JSON, headers and cookies back', async () => {
    // Act
    const created = await fetch(api('items/a1'), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'first' }) });
    const replaced = await fetch(api('items/a1'), { method: 'PUT', body: JSON.stringify({ name: 'second' }) });

    // Assert
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/json');
    expect(created.headers.get('x-item-id')).toBe('a1');
    expect(created.headers.get('set-cookie')).toBe('last-item=a1; Path=/api; HttpOnly; SameSite=Strict');
    expect(await created.json()).toEqual({ id: 'a1', name: 'first' });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toEqual({ id: 'a1', name: 'second' });
  });

  it('gives the handler route parameters, the query (repeated keys too) and headers', async () => {
    // Arrange
    await fetch(api('items/q1'), { method: 'PUT', body: JSON.stringify({ name: 'queried' }) });

    // Act
    const response = await fetch(api('items/q1?view=full&tag=a&tag=b'), { headers: { 'x-caller': 'test' } });

    // Assert
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 'q1', name: 'queried', view: 'full', tags: ['a', 'b'], caller: 'test' });
  });

  it("returns the app's own status codes: 204 on delete, then 404", async () => {
    // Arrange
    await fetch(api('items/d1'), { method: 'PUT', body: JSON.stringify({ name: 'doomed' }) });

    // Act
    const deleted = await fetch(api('items/d1'), { method: 'DELETE' });
    const missing = await fetch(api('items/d1'));

    // Assert
    expect(deleted.status).toBe(204);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not found' });
  });

  it('serves a literal route before a parameter route that also matches', async () => {
    // Act
    const response = await fetch(api('items/export'));

    // Assert
    expect(await response.json()).toEqual({ export: true });
  });

  it.each([
    ['numbers/5', 200, { n: '5' }],
    ['numbers/0', 404, undefined],
    ['numbers/x', 404, undefined],
    ['words/Hello', 200, { word: 'Hello' }],
    ['words/abc1', 404, undefined],
    ['echo', 200, {}],
    ['echo/bob', 200, { name: 'bob' }],
    ['files/a/b%20c/d.txt', 200, { path: 'a/b c/d.txt' }],
  ])('GET /api/%s answers %i with route values %j', async (path, status, params) => {
    // Act
    const response = await fetch(api(path));

    // Assert
    expect(response.status).toBe(status);
    if (params) expect(((await response.json()) as { params: unknown }).params).toEqual(params);
  });

  it('passes a text body and the full URL to the handler', async () => {
    // Act
    const response = await fetch(api('echo/x?y=1'), { method: 'POST', body: 'hello' });

    // Assert
    expect(await response.json()).toEqual({ method: 'POST', params: { name: 'x' }, text: 'hello', url: `${host.url}/api/echo/x?y=1` });
  });

  it('writes a plain text body with its content type', async () => {
    // Act
    const response = await fetch(api('health'));

    // Assert
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('ok');
  });

  it('answers 404 for a route no function serves', async () => {
    // Act
    const response = await fetch(api('nothing/here'));

    // Assert
    expect(response.status).toBe(404);
  });

  it('answers 405 with Allow for a known route and a wrong method', async () => {
    // Act
    const response = await fetch(api('items/a1'), { method: 'POST', body: '{}' });

    // Assert
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'PUT']);
  });

  it('answers 500 when the handler throws, and logs the failure with the invocation id', async () => {
    // Act
    const response = await fetch(api('boom'));

    // Assert
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('');
    const failure = await logs.waitFor((e) => e.level === 'error' && e.properties['functionName'] === 'boom');
    expect(failure.message).toContain('fixture failure');
    const warning = await logs.waitFor((e) => e.message === 'about to fail');
    expect(warning).toMatchObject({ level: 'warn', properties: { functionName: 'boom', invocationId: failure.properties['invocationId'] } });
  });

  it('answers 204 when the handler sets no response', async () => {
    // Act
    const response = await fetch(api('accepted'), { method: 'POST' });

    // Assert
    expect(response.status).toBe(204);
  });

  it('sends context.log lines to the host logger with the function name and invocation id', async () => {
    // Act
    await fetch(api('items/logged'), { method: 'PUT', body: JSON.stringify({ name: 'x' }) });

    // Assert
    const entry = await logs.waitFor((e) => e.message === 'stored item logged');
    expect(entry.level).toBe('info');
    expect(entry.properties['functionName']).toBe('putItem');
    expect(entry.properties['invocationId']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('local functions host: stopping', () => {
  it('waits for a running invocation, then refuses connections', async () => {
    // Arrange: a second host over the same module reuses its registrations.
    const logs = captureLogs();
    const host = await startFunctionsHost({ modules: [httpApp], port: 0, logger: logs.logger });
    const inFlight = fetch(`${host.url}/api/slow`, { method: 'POST' });
    await logs.waitFor((e) => e.message === 'slow started');

    // Act
    await host.stop();

    // Assert
    expect(logs.entries.some((e) => e.message === 'slow finished')).toBe(true);
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    await expect(fetch(`${host.url}/api/health`)).rejects.toThrow();
  });
});
