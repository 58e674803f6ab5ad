/** The HTTP wrapper's own log line and the caller it records. */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';
import { callerOf, httpHandler } from '../../../src/functions/http/http-handler.js';

describe('httpHandler', () => {
  beforeAll(() => {
    // No storage setting: the services cannot be composed, so every call fails with a 500.
    delete process.env['AzureWebJobsStorage'];
    delete process.env['AzureWebJobsStorage__tableServiceUri'];
  });

  it('logs a 5xx as one JSON line whose event is http.failed', async () => {
    // Arrange
    const lines: { level: string; text: string }[] = [];
    const context = new InvocationContext({ invocationId: 'inv-1', logHandler: (level, ...args) => lines.push({ level, text: args.map(String).join(' ') }) });
    const request = new HttpRequest({ method: 'GET', url: 'http://localhost/api/policies/%0a%E2%80%AEforged' });

    // Act
    const response = await httpHandler(async () => ({ status: 200 }))(request, context);

    // Assert
    expect(response.status).toBe(500);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe('error');
    expect(JSON.parse(lines[0]!.text)).toMatchObject({ level: 'error', event: 'http.failed', method: 'GET', path: '/api/policies/%0a%E2%80%AEforged', error: expect.stringContaining('AzureWebJobsStorage') });
  });
});

describe('callerOf', () => {
  it('does not believe principal headers a caller can set: the audit records the function key holder', () => {
    const forged = new HttpRequest({
      method: 'GET',
      url: 'http://localhost/api/health',
      headers: { 'x-ms-client-principal-name': 'ceo@example.com', 'x-ms-client-principal-id': '00000000-0000-0000-0000-000000000001' },
    });
    expect(callerOf(forged)).toBe('function-key');
    expect(callerOf(new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }))).toBe('function-key');
  });
});
