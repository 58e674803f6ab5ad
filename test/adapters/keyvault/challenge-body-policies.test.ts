/**
 * The Key Vault SDK's challenge race, replayed in a fixed order against the emulator: two
 * writes on a new client, the first one's body-less challenge 401 answered after the
 * second's. Without the challenge-body policies the first write is resent with no body and
 * refused (400); with them both land. The transport only delays an answer; the SDK and the
 * emulator are real.
 */
import { createDefaultHttpClient, type HttpClient, type PipelinePolicy } from '@azure/core-rest-pipeline';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureClientFactory, emulatorAgent, localEmulatorCredential } from '../../../src/adapters/azure-clients.js';
import { challengeBodyPolicies, REMEMBER_BODY_POLICY_NAME, RESTORE_BODY_POLICY_NAME } from '../../../src/adapters/keyvault/challenge-body-policies.js';
import { startKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import type { RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/options.js';

let emulator: RunningKeyVaultEmulator;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({ vaults: ['kv-race'], throttling: { enabled: false } });
});

afterAll(async () => {
  await emulator?.stop();
});

/** Answers the challenge probe (no authorization, no body) only after every other request has had its answer. */
function probeLastTransport(): HttpClient {
  const inner = createDefaultHttpClient();
  return {
    async sendRequest(request) {
      const probe = !request.headers.has('authorization') && request.body === null;
      const response = await inner.sendRequest(request);
      if (probe) await new Promise((resolve) => setTimeout(resolve, 300));
      return response;
    },
  };
}

function clientWith(policies: ReturnType<typeof challengeBodyPolicies>): SecretClient {
  return new SecretClient(emulator.vaults[0]!.url, localEmulatorCredential, {
    httpClient: probeLastTransport(),
    agent: emulatorAgent({ caCertPath: emulator.caCertPath, address: emulator.host }),
    additionalPolicies: policies,
  });
}

async function twoWritesAtOnce(client: SecretClient, prefix: string): Promise<string[]> {
  const results = await Promise.allSettled([client.setSecret(`${prefix}-a`, 'value-a'), client.setSecret(`${prefix}-b`, 'value-b')]);
  return results.map((r) => (r.status === 'fulfilled' ? 'ok' : String((r.reason as { statusCode?: number }).statusCode)));
}

describe('a new Key Vault client', () => {
  it('loses its first write when two writes race the challenge (the SDK as it is)', async () => {
    expect(await twoWritesAtOnce(clientWith([]), 'bare')).toEqual(['400', 'ok']);
  });

  it('lands both writes, each with its own value, when the body is kept through the challenge', async () => {
    // Act
    const outcome = await twoWritesAtOnce(clientWith(challengeBodyPolicies()), 'kept');

    // Assert
    expect(outcome).toEqual(['ok', 'ok']);
    const reader = clientWith(challengeBodyPolicies());
    expect((await reader.getSecret('kept-a')).value).toBe('value-a');
    expect((await reader.getSecret('kept-b')).value).toBe('value-b');
  });

  it('leaves the challenge probe without a body and a body-less request without one', async () => {
    // Arrange
    const [remember, restore] = challengeBodyPolicies().map((p) => p.policy) as [PipelinePolicy, PipelinePolicy];
    const sent: { auth: boolean; body: unknown }[] = [];
    const send = async (request: Parameters<PipelinePolicy['sendRequest']>[0]) => (sent.push({ auth: request.headers.has('authorization'), body: request.body ?? null }), {} as never);
    const { createPipelineRequest } = await import('@azure/core-rest-pipeline');
    const write = createPipelineRequest({ url: 'https://kv.vault.azure.net/secrets/a', method: 'PUT', body: '{"value":"v"}' });
    const read = createPipelineRequest({ url: 'https://kv.vault.azure.net/secrets/a', method: 'GET' });

    // Act: what the challenge policy does between the two: the probe without body or token, then the resend with a token
    await remember.sendRequest(write, async (request) => {
      request.body = null;
      await restore.sendRequest(request, send);
      request.headers.set('authorization', 'Bearer t');
      return restore.sendRequest(request, send);
    });
    await remember.sendRequest(read, (request) => (request.headers.set('authorization', 'Bearer t'), restore.sendRequest(request, send)));

    // Assert
    expect(sent).toEqual([
      { auth: false, body: null },
      { auth: true, body: '{"value":"v"}' },
      { auth: true, body: null },
    ]);
  });

  it('is how the app builds its Key Vault clients', () => {
    const client = createAzureClientFactory({ storage: { kind: 'local-connection-string', connectionString: 'UseDevelopmentStorage=true' }, keyVaultEmulator: { caCertPath: emulator.caCertPath, address: emulator.host } }).secretClient(emulator.vaults[0]!.url);
    const pipeline = (client as unknown as { client: { pipeline: { getOrderedPolicies(): PipelinePolicy[] } } }).client.pipeline;
    const names = pipeline.getOrderedPolicies().map((p) => p.name);
    // The body is remembered before the challenge policy empties it, and put back after.
    expect(names.indexOf(REMEMBER_BODY_POLICY_NAME)).toBeLessThan(names.indexOf('keyVaultAuthenticationPolicy'));
    expect(names.indexOf(RESTORE_BODY_POLICY_NAME)).toBeGreaterThan(names.indexOf('keyVaultAuthenticationPolicy'));
  });
});
