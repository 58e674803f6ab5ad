/**
 * What a hostile Event Grid delivery can do to the local host: forge log lines
 * with a newline in a field, or crash the delivery with deep nesting. Neither.
 */
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLogger, startFunctionsHost, type RunningFunctionsHost } from '../../../src/local/functions-host/index.js';

const triggersApp = fileURLToPath(new URL('./fixtures/triggers-app.ts', import.meta.url));
const LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (info |warn |error)( \[[^\]]+\])? /;

function keyVaultEvent(id: string, data: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    topic: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-app-local',
    subject: 'payments-db-password',
    eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
    eventTime: '2025-01-01T00:00:00Z',
    dataVersion: '1',
    metadataVersion: '1',
    data: { VaultName: 'kv-app-local', ObjectType: 'Secret', ObjectName: 'payments-db-password', Version: 'abc', ...data },
  };
}

function nested(depth: number): string {
  let text = '"x"';
  for (let i = 0; i < depth; i++) text = `{"a":${text}}`;
  return text;
}

describe('the local host console logger', () => {
  it('writes one line per entry whatever the message and properties hold', () => {
    // Arrange
    const stream = new PassThrough();
    const logger = createConsoleLogger(stream);

    // Act
    logger.info('event e1\n2026-01-01T00:00:00.000Z error  forged \u202eline', { functionName: 'onEvent\r\nx', version: 'a\nb', note: 'c\u0085d' });

    // Assert
    const text = String(stream.read());
    expect(text.endsWith('\n')).toBe(true);
    expect(text.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
    expect(text).toContain('event e1\\u000a2026-01-01T00:00:00.000Z error  forged \\u202eline');
  });

  it('bounds the message and each property', () => {
    const stream = new PassThrough();
    createConsoleLogger(stream).warn(`m${'x'.repeat(5_000_000)}`, { version: 'v'.repeat(5_000_000) });
    const text = String(stream.read());
    expect(text.length).toBeLessThan(10_000);
    expect(text).toMatch(/more characters\]/);
  });

  it('indents every line of a stack, so a message inside it cannot start a line of its own', () => {
    const stream = new PassThrough();
    createConsoleLogger(stream).error('failed', { stack: 'Error: boom\n2026-01-01T00:00:00.000Z info  forged\n    at f (x.js:1:1)' });
    const lines = String(stream.read()).trimEnd().split('\n');
    expect(lines[0]).toMatch(LINE);
    expect(lines.slice(1).every((line) => line.startsWith('    '))).toBe(true);
  });
});

describe('the local host with hostile Event Grid deliveries', () => {
  let host: RunningFunctionsHost;
  const output = new PassThrough();
  let written = '';
  output.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
  const deliver = (body: string): Promise<Response> =>
    fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=onEvent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
      body,
    });

  beforeAll(async () => {
    host = await startFunctionsHost({ modules: [triggersApp], port: 0, logger: createConsoleLogger(output), runTimers: false, env: { FIXTURE_TICK_SCHEDULE: '*/30 * * * * *' } });
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('forges no log line from a newline in an event field', async () => {
    // Act: the fixture logs `event <id> <type> <subject>`
    const response = await deliver(JSON.stringify([keyVaultEvent('e1\n2026-01-01T00:00:00.000Z error [onEvent x] forged', { Version: 'v\nforged' })]));

    // Assert
    expect(response.status).toBe(200);
    await expect.poll(() => written).toContain("Executed 'onEvent' (Succeeded)");
    const lines = written.trimEnd().split('\n');
    expect(lines.every((line) => LINE.test(line))).toBe(true);
    expect(lines.some((line) => line.includes('event e1\\u000a2026-01-01T00:00:00.000Z error [onEvent x] forged'))).toBe(true);
  });

  it('answers 400 to a 5,000-level nested event and logs why, so Event Grid does not retry it for 24 hours', async () => {
    // Arrange
    const body = `[${JSON.stringify(keyVaultEvent('deep')).replace(/"data":\{/, `"deep":${nested(5000)},"data":{`)}]`;
    const before = written.length;

    // Act
    const response = await deliver(body);

    // Assert
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string };
    expect(answer.error).toMatch(/nested deeper than 64 levels/);
    await expect.poll(() => written.slice(before)).toMatch(/warn .*Event Grid delivery refused: .*nested deeper than 64 levels/);
  });

  it('still delivers an event nested as deep as real ones are', async () => {
    const response = await deliver(JSON.stringify([keyVaultEvent('shallow', { extra: JSON.parse(nested(10)) as unknown })]));
    expect(response.status).toBe(200);
  });

  it('logs why a failing event failed, with the 500 that asks Event Grid to retry', async () => {
    // Arrange
    const before = written.length;

    // Act
    const response = await deliver(JSON.stringify([keyVaultEvent('fails', { fail: true })]).replace('"data":{', '"data":{"fail":true,'));

    // Assert
    expect(response.status).toBe(500);
    await expect.poll(() => written.slice(before)).toMatch(/error .*Executed 'onEvent' \(Failed\): event fails asked to fail/);
  });

  it.each([
    ['an Event Grid function', (name: string) => `/runtime/webhooks/eventgrid?functionName=${name}`, 'POST'],
    ['an admin function', (name: string) => `/admin/functions/${name}`, 'POST'],
    ['an API route', (name: string) => `/api/${name}`, 'GET'],
  ])('answers a request for an unknown %s without echoing its name raw or unbounded', async (_kind, path, method) => {
    // Act
    const response = await fetch(`${host.url}${path(`%0A%E2%80%AE${'x'.repeat(6_000)}`)}`, { method });

    // Assert
    expect(response.status).toBe(404);
    const text = await response.text();
    expect(text.length).toBeLessThan(1_000);
    expect(text).not.toMatch(/[\n\u202e]/u);
  });
});
