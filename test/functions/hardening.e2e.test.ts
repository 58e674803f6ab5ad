/**
 * Hostile inputs and a throttling Key Vault against the app as `npm start` runs
 * it: the local host, Azurite and the emulator with the real SDKs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aPolicyJson } from '../support/policy-mother.js';
import { startTestApp, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
const logLines: string[] = [];
const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
const originalConsole = Object.fromEntries(consoleMethods.map((m) => [m, console[m]])) as Record<(typeof consoleMethods)[number], (...args: unknown[]) => void>;

beforeAll(async () => {
  for (const method of consoleMethods) console[method] = (...args: unknown[]) => void logLines.push(args.map(String).join(' '));
  t = await startTestApp();
});

afterAll(async () => {
  await t?.stop();
  for (const method of consoleMethods) console[method] = originalConsole[method];
});

const policyBody = (id: string, overrides: Record<string, unknown> = {}) => aPolicyJson({ id, secretName: id, vaultUrl: t.vault().url, ...overrides });

describe('a dry run while Key Vault throttles', () => {
  it('answers 503 within its short budget instead of waiting out the 1-16 s backoff, and writes nothing', async () => {
    // Arrange
    expect((await t.call('PUT', '/policies/dry-run-throttled', policyBody('dry-run-throttled'))).status).toBe(201);
    await t.admin.injectFault({ vault: t.vault().name, pathPrefix: '/secrets/dry-run-throttled', status: 429, errorCode: 'Throttled', count: 100 });
    const writesBefore = (await t.admin.countsFor(t.vault().name)).operations['setSecret'] ?? 0;

    // Act
    const started = Date.now();
    const response = await t.call('POST', '/policies/dry-run-throttled/rotate', { reason: 'what would happen', dryRun: true });
    const elapsedInMs = Date.now() - started;
    await t.admin.clearFaults();

    // Assert
    expect(response.status).toBe(503);
    expect(response.json.error.code).toBe('DependencyUnavailable');
    expect(elapsedInMs).toBeLessThan(3_000);
    expect((await t.admin.countsFor(t.vault().name)).operations['setSecret'] ?? 0).toBe(writesBefore);
  });
});

describe('bounded bodies and echoes', () => {
  it('answers a 20 MB id with a short 413', async () => {
    // Act
    const response = await t.call('PUT', '/policies/huge', policyBody('huge', { id: 'x'.repeat(20 * 1024 * 1024) }));

    // Assert
    expect(response.status).toBe(413);
    expect(response.json.error).toMatchObject({ code: 'PayloadTooLarge', details: [{ path: '' }] });
    expect(response.text.length).toBeLessThan(1_000);
  });

  it('never echoes the user information of a vault URL', async () => {
    const response = await t.call('PUT', '/policies/userinfo', policyBody('userinfo', { vaultUrl: 'https://admin:hunter2@kv-app-local.vault.azure.net' }));
    expect(response.status).toBe(400);
    expect(response.text).not.toMatch(/hunter2|admin:/);
    expect(response.json.error.details).toContainEqual({ path: 'vaultUrl', message: expect.stringContaining('***@kv-app-local.vault.azure.net') });
  });

  it('refuses a reason with a newline, naming the field', async () => {
    expect((await t.call('PUT', '/policies/reason-newline', policyBody('reason-newline'))).status).toBe(201);
    const response = await t.call('POST', '/policies/reason-newline/rotate', { reason: 'incident 42\n{"event":"rotation.failed"}' });
    expect(response.status).toBe(400);
    expect(response.json.error.details).toEqual([{ path: 'reason', message: expect.stringContaining('U+000A') }]);
  });
});

describe('hostile Event Grid deliveries', () => {
  const event = (id: string, data: Record<string, unknown>) => ({
    id,
    topic: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-app-local',
    subject: 'not-governed',
    eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
    eventTime: new Date().toISOString(),
    dataVersion: '1',
    metadataVersion: '1',
    data: { VaultName: 'kv-app-local', ObjectType: 'Secret', ObjectName: 'not-governed', ...data },
  });

  it('ignores a 20 MB Version and logs it truncated, on one line', async () => {
    // Act
    const response = await t.deliver([event('huge-version', { Version: `${'a'.repeat(20 * 1024 * 1024)}\n2026-01-01T00:00:00.000Z error forged` })]);

    // Assert
    expect(response.status).toBe(200);
    const handled = await t.logs.waitFor((e) => e.message.includes('"eventId":"huge-version"'));
    expect(JSON.parse(handled.message)).toMatchObject({ event: 'event.handled', status: 'ignored', reason: expect.stringMatching(/data\.Version 'a+…\[\d+ more characters\]' is not a Key Vault version/) });
    expect(handled.message.length).toBeLessThan(3_000);
    const everything = [...logLines, ...t.logs.entries.map((e) => `${e.message} ${JSON.stringify(e.properties)}`)];
    expect(Math.max(...everything.map((line) => line.length))).toBeLessThan(10_000);
    expect(everything.some((line) => /\n2026-01-01T00:00:00.000Z error forged/.test(line))).toBe(false);
  });

  it('answers 400 to a 5,000-level nested event, and says why in the log', async () => {
    // Arrange
    let nested = '"x"';
    for (let i = 0; i < 5000; i++) nested = `{"a":${nested}}`;
    const body = JSON.stringify([event('deep', { Version: 'a'.repeat(32) })]).replace('"data":{', `"data":{"deep":${nested},`);

    // Act
    const response = await fetch(`${t.app.functionsHost.url}/runtime/webhooks/eventgrid?functionName=onKeyVaultEvent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
      body,
    });

    // Assert
    expect(response.status).toBe(400);
    await t.logs.waitFor((e) => e.level === 'warn' && /Event Grid delivery refused: .*nested deeper than 64 levels/.test(e.message));
  });
});
