/**
 * The webhook kind with settings of its own (which the e2e file cannot change once its app read
 * them): the real Key Vault client on the emulator for the signing secret, the real HTTPS receiver,
 * and the SSRF guard refusing, then allowing, the receiver's loopback address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureClientFactory } from '../../../src/adapters/azure-clients.js';
import { signingKeyBytes, webhookConsumer, type WebhookSpec } from '../../../src/adapters/consumers/webhook-consumer.js';
import { AddressRefusedError, guardedPost, RequestTimedOutError } from '../../../src/adapters/http/guarded-post.js';
import type { ConsumerRuntime } from '../../../src/composition.js';
import { ConfigError, loadConfig, type WebhookSettings } from '../../../src/config.js';
import type { LogLevel } from '../../../src/core/logger.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import type { SwitchedVersion } from '../../../src/core/consumers/consumer-port.js';
import { startKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import type { RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/options.js';
import { newWhsecSecret, startWebhookReceiver, verifies, type WebhookReceiver } from './webhook-receiver.js';

let emulator: RunningKeyVaultEmulator;
let receiver: WebhookReceiver;
let clients: ReturnType<typeof createAzureClientFactory>;
const signing = newWhsecSecret();
const logged: { level: LogLevel; event: string; properties: Record<string, unknown> }[] = [];

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({});
  receiver = await startWebhookReceiver();
  clients = createAzureClientFactory({ storage: { kind: 'local-connection-string', connectionString: 'UseDevelopmentStorage=true' }, keyVaultEmulator: { caCertPath: emulator.caCertPath, address: emulator.host } });
  await clients.secretClient(vaultUrl()).setSecret('webhook-signing', signing);
  await clients.secretClient(vaultUrl()).setSecret('orders-api-key', 'the-rotated-value-0123456789');
}, 60_000);

afterAll(async () => {
  await receiver?.stop();
  await emulator?.stop();
});

const vaultUrl = () => emulator.vaults[0]!.url;

function kindWith(webhooks: Partial<WebhookSettings>) {
  const runtime = {
    config: { webhooks: { timeoutInMs: 2_000, allowPrivateAddresses: false, caCertPath: receiver.caCertPath, ...webhooks } },
    clients,
    logger: {
      info: (event: string, properties = {}) => void logged.push({ level: 'info', event, properties }),
      warn: (event: string, properties = {}) => void logged.push({ level: 'warn', event, properties }),
      error: (event: string, properties = {}) => void logged.push({ level: 'error', event, properties }),
    },
  } as unknown as ConsumerRuntime;
  return webhookConsumer(runtime);
}

const spec = (overrides: Partial<WebhookSpec> = {}): WebhookSpec => ({ kind: 'webhook', name: 'billing-hook', url: `${receiver.origin}/hook`, signingSecretName: 'webhook-signing', includeValue: false, ...overrides });

async function switched(): Promise<SwitchedVersion> {
  const secret = await clients.secretClient(vaultUrl()).getSecret('orders-api-key');
  return {
    policyId: 'orders-api-key',
    rotationId: 'r-1',
    version: { vaultUrl: vaultUrl(), secretName: 'orders-api-key', version: secret.properties.version!, enabled: true, tags: {} },
    readValue: async () => SecretValue.of(secret.value!),
  };
}

describe('the webhook kind', () => {
  it('refuses the loopback receiver when private addresses are not allowed, sending nothing; allowed, it is confirmed', async () => {
    // Arrange
    receiver.received.length = 0;
    const version = await switched();

    // Act
    const refused = await kindWith({ allowPrivateAddresses: false }).deliver(spec(), version).catch((error: unknown) => error);
    const receivedWhileRefused = receiver.received.length;
    const confirmed = await kindWith({ allowPrivateAddresses: true }).deliver(spec(), version);

    // Assert
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/127\.0\.0\.1 is a loopback address, refused: set WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true/);
    expect(((refused as Error).cause as Error).name).toBe('AddressRefusedError');
    expect(receivedWhileRefused).toBe(0);
    expect(confirmed).toMatch(/answered 204: confirmed version '.+', webhook-id r-1\.billing-hook, signed with 1 version\(s\) of 'webhook-signing'/);
    expect(receiver.received).toHaveLength(1);
    expect(verifies(receiver.received[0]!, signing)).toBe(true);
  });

  it('refuses a name that resolves to loopback too (localhost), before connecting', async () => {
    // Act
    const refused = await kindWith({ allowPrivateAddresses: false }).deliver(spec({ url: `https://localhost:${new URL(receiver.origin).port}/hook` }), await switched()).catch((error: unknown) => error);

    // Assert
    expect((refused as Error).message).toMatch(/localhost \((127\.0\.0\.1|::1)\) is a loopback address, refused/);
  });

  it('never reaches a metadata endpoint, even when private addresses are allowed', async () => {
    // Act
    const refused = await kindWith({ allowPrivateAddresses: true }).deliver(spec({ url: 'https://169.254.169.254/metadata/identity' }), await switched()).catch((error: unknown) => error);

    // Assert
    expect((refused as Error).message).toMatch(/169\.254\.169\.254 is a metadata address, refused always/);
  });

  it('with includeValue sends the value and logs each send at warn, naming the version and never the value', async () => {
    // Arrange
    receiver.received.length = 0;
    logged.length = 0;

    // Act
    const sentence = await kindWith({ allowPrivateAddresses: true }).deliver(spec({ includeValue: true }), await switched());

    // Assert
    expect(sentence).toMatch(/value included$/);
    expect(receiver.received[0]!.json.data.value).toBe('the-rotated-value-0123456789');
    const sent = logged.find((l) => l.event === 'webhook.sent')!;
    expect(sent).toMatchObject({ level: 'warn', properties: { includeValue: true, status: 204, consumer: 'billing-hook' } });
    expect(JSON.stringify(logged)).not.toContain('the-rotated-value');
    expect(JSON.stringify(logged)).not.toContain(signing.slice(6));
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    // Arrange
    receiver.answers.push({ hang: true });
    const started = Date.now();

    // Act
    const failed = await kindWith({ allowPrivateAddresses: true }).deliver(spec({ timeout: '1s' }), await switched()).catch((error: unknown) => error);

    // Assert
    expect((failed as Error).message).toMatch(/RequestTimedOutError: no answer within 1 s/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses to sign with the rotated secret itself, and a signing secret with no current version', async () => {
    const kind = kindWith({ allowPrivateAddresses: true });
    await expect(kind.deliver(spec({ signingSecretName: 'orders-api-key' }), await switched())).rejects.toThrow(/is the secret this policy rotates/);
    await expect(kind.deliver(spec({ signingSecretName: 'no-such-signing-secret' }), await switched())).rejects.toThrow(/no enabled, current version/);
  });
});

describe('guardedPost', () => {
  it('connects to the address it checked: a name resolved by its resolver reaches that address, with TLS for the name', async () => {
    // Arrange
    const resolved: string[] = [];
    const resolve = async (hostname: string) => {
      resolved.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    };

    // Act
    const answer = await guardedPost(new URL(`${receiver.namedOrigin}/named`), { headers: {}, body: '{}', timeoutInMs: 2_000, allowPrivateAddresses: true, caCertPem: receiver.caCertPem, resolve });

    // Assert
    expect(answer).toEqual({ status: 204, address: '127.0.0.1' });
    expect(resolved).toEqual(['hooks.local.test']);
  });

  it('refuses a name when any of its addresses is private (a rebinding answer mixing public and private)', async () => {
    // Arrange
    const resolve = async () => [
      { address: '20.42.65.92', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ];

    // Act
    const attempt = guardedPost(new URL('https://hooks.example.com/x'), { headers: {}, body: '{}', timeoutInMs: 2_000, allowPrivateAddresses: false, resolve });

    // Assert
    await expect(attempt).rejects.toThrow(AddressRefusedError);
    await expect(attempt).rejects.toThrow(/hooks\.example\.com \(10\.0\.0\.7\) is a private address/);
  });

  it('reports a timeout as such', async () => {
    receiver.answers.push({ hang: true });
    await expect(guardedPost(new URL(`${receiver.origin}/slow`), { headers: {}, body: '{}', timeoutInMs: 300, allowPrivateAddresses: true, caCertPem: receiver.caCertPem })).rejects.toThrow(RequestTimedOutError);
  });
});

describe('signing keys', () => {
  it('decodes whsec_<base64> and takes other text as UTF-8', () => {
    const raw = Buffer.alloc(32, 7);
    expect(signingKeyBytes(`whsec_${raw.toString('base64')}`, 'k')).toEqual(raw);
    expect(signingKeyBytes('a raw-text signing secret', 'k')).toEqual(Buffer.from('a raw-text signing secret'));
  });

  it.each([['whsec_not base64!'], ['short'], [`whsec_${Buffer.alloc(8).toString('base64')}`]])('refuses %j without quoting it', (value) => {
    let message = '';
    try {
      signingKeyBytes(value, "signing secret 'x' version 'v1'");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^signing secret 'x' version 'v1'/);
    expect(message).not.toContain(value);
  });
});

describe('webhook settings', () => {
  const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', AUTH_TENANT_ID: 'local-tests', AUTH_AUDIENCES: 'api://kv-rotation-local' };

  it('default to 10 s and no private addresses', () => {
    expect(loadConfig(base).webhooks).toEqual({ timeoutInMs: 10_000, allowPrivateAddresses: false });
  });

  it.each([
    [{ WEBHOOK_TIMEOUT_SECONDS: '31' }, 'WEBHOOK_TIMEOUT_SECONDS'],
    [{ WEBHOOK_TIMEOUT_SECONDS: '0' }, 'WEBHOOK_TIMEOUT_SECONDS'],
    [{ WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'yes' }, 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES'],
  ])('refuses %j naming %s', (settings, name) => {
    expect(() => loadConfig({ ...base, ...settings })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...settings })).toThrow(new RegExp(`setting ${name}`));
  });

  it('reads the allowance, the timeout and a local CA', () => {
    expect(loadConfig({ ...base, WEBHOOK_TIMEOUT_SECONDS: '30', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'TRUE', WEBHOOK_CA_CERT_PATH: '/tmp/ca.pem' }).webhooks).toEqual({ timeoutInMs: 30_000, allowPrivateAddresses: true, caCertPath: '/tmp/ca.pem' });
  });
});
