/** The HTTP wrapper's own log line, and the client address it records. */
import { HttpRequest, InvocationContext } from '@azure/functions';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientIpOf, httpHandler } from '../../../src/functions/http/http-handler.js';

describe('httpHandler', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    // No storage setting: the services cannot be composed, so every call fails with a 500.
    delete process.env['AzureWebJobsStorage'];
    delete process.env['AzureWebJobsStorage__tableServiceUri'];
  });
  afterAll(() => {
    process.env = saved;
  });

  it('logs a 5xx as one JSON line whose event is http.failed', async () => {
    // Arrange
    const lines: { level: string; text: string }[] = [];
    const context = new InvocationContext({ invocationId: 'inv-1', logHandler: (level, ...args) => lines.push({ level, text: args.map(String).join(' ') }) });
    const request = new HttpRequest({ method: 'GET', url: 'http://localhost/api/policies/%0a%E2%80%AEforged' });

    // Act
    const response = await httpHandler('listPolicies', async () => ({ status: 200 }))(request, context);

    // Assert
    expect(response.status).toBe(500);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe('error');
    expect(JSON.parse(lines[0]!.text)).toMatchObject({ level: 'error', event: 'http.failed', method: 'GET', path: '/api/policies/%0a%E2%80%AEforged', error: expect.stringContaining('AzureWebJobsStorage') });
  });

  it('refuses to wrap a function ROUTE_ROLES leaves anonymous', () => {
    expect(() => httpHandler('health' as never, async () => ({ status: 200 }))).toThrow(/anonymous/);
  });
});

describe('clientIpOf', () => {
  const ipOf = (forwarded?: string) =>
    clientIpOf(new HttpRequest({ method: 'GET', url: 'http://localhost/api/policies', headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }));

  it('takes the entry the platform appended (the last), never one the caller wrote before it', () => {
    expect(ipOf('203.0.113.9, 198.51.100.7:52311')).toBe('198.51.100.7');
    expect(ipOf('1.2.3.4')).toBe('1.2.3.4');
    expect(ipOf('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(ipOf('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(ipOf()).toBeUndefined();
  });

  it('records nothing rather than text that is not an address', () => {
    expect(ipOf('1.2.3.4, evil')).toBeUndefined();
    expect(ipOf('1.2.3.4, <script>')).toBeUndefined();
    expect(ipOf('1.2.3.4, beef')).toBeUndefined();
  });

  it('answers an address or nothing for any header value', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (value) => {
        let ip: string | undefined;
        try {
          ip = ipOf(value);
        } catch {
          // The Headers class refuses some values outright; the platform would never deliver them.
          return;
        }
        if (ip !== undefined) expect(ip).toMatch(/^[0-9a-fA-F:.]{2,45}$/);
      }),
    );
  });
});
