/**
 * The entra-app-secret kind alone, against the Graph stand-in and its token authority through the
 * real clients: revoke and discard look before they act (a keyId already gone is done; the secret
 * the vault holds must still be there), verify gives up at the budget, and no secret reaches a log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraAppSecretConsumer, type EntraAppSecretSpec } from '../../../src/adapters/consumers/entra-app-secret-consumer.js';
import { localEmulatorCredential } from '../../../src/adapters/azure-clients.js';
import { CredentialRefusedError } from '../../../src/core/consumers/consumer-port.js';
import { PermanentDependencyError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/logger.js';
import { startTestGraph, type TestGraph } from '../../local/graph/support.js';

let t: TestGraph;
const lines: string[] = [];
const logger: Logger = { info: (m, p) => void lines.push(JSON.stringify([m, p])), warn: (m, p) => void lines.push(JSON.stringify([m, p])), error: (m, p) => void lines.push(JSON.stringify([m, p])) };

beforeAll(async () => {
  t = await startTestGraph();
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

function kind(secretPropagationInMs = 2_000) {
  const graph = { endpoint: t.graph.baseUrl, authorityHost: t.graph.tokenAuthority, secretPropagationInMs, standIn: { caCertPath: t.graph.caCertPath, address: t.graph.host } };
  return entraAppSecretConsumer({ config: { graph, auth: { tenantId: t.graph.tenantId } }, clients: { credential: localEmulatorCredential }, logger }, { pollIntervalInMs: 200, graphRetryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 } });
}

async function anApplication(): Promise<EntraAppSecretSpec> {
  const [app] = await t.admin.seed({ applications: [{ displayName: `app-${Date.now()}` }] });
  return { kind: 'entra-app-secret', name: 'orders-app', applicationObjectId: app!.id, appId: app!.appId };
}

const keyIdsOf = async (spec: EntraAppSecretSpec) => (await t.admin.application(spec.applicationObjectId)).passwordCredentials.map((c) => c.keyId);

describe('entra-app-secret', () => {
  it('issues a secret that signs in, with the default name and an end 180 days on', async () => {
    // Arrange
    const spec = await anApplication();
    const entra = kind();

    // Act
    const issued = await entra.issue(spec, undefined);
    await entra.verify(spec, issued);

    // Assert
    const [listed] = (await t.admin.application(spec.applicationObjectId)).passwordCredentials;
    expect(listed).toMatchObject({ keyId: issued.id, displayName: 'kvrot orders-app', hint: issued.value.reveal().slice(0, 3) });
    expect(Math.round((issued.expiresOn!.getTime() - Date.now()) / 86_400_000)).toBe(180);
    expect(lines.join('\n')).not.toContain(issued.value.reveal());
  });

  it('revokes the replaced secret, and a keyId already gone is done', async () => {
    // Arrange
    const spec = await anApplication();
    const entra = kind();
    const old = await entra.issue(spec, undefined);
    const current = await entra.issue(spec, old.id);

    // Act
    const first = await entra.revoke(spec, old.id, current.id);
    const again = await entra.revoke(spec, old.id, current.id);
    await entra.discard!(spec, old.id);

    // Assert
    expect(first).toBe(`removed client secret '${old.id}' from application ${spec.applicationObjectId}; '${current.id}' stays`);
    expect(again).toBe(`client secret '${old.id}' was already gone from application ${spec.applicationObjectId}; '${current.id}' stays`);
    expect(await keyIdsOf(spec)).toEqual([current.id]);
    expect(await t.credential(spec.appId, old.value.reveal()).getToken('https://graph.microsoft.com/.default').catch((e: Error) => e.message)).toMatch(/AADSTS7000215/);
  });

  it('removes nothing when the application no longer has the secret the vault holds', async () => {
    // Arrange
    const spec = await anApplication();
    const entra = kind();
    const old = await entra.issue(spec, undefined);
    const current = await entra.issue(spec, old.id);
    await t.call('POST', `applications/${spec.applicationObjectId}/removePassword`, { keyId: current.id });

    // Act
    const refused = await entra.revoke(spec, old.id, current.id).catch((e: unknown) => e);

    // Assert
    expect(refused).toBeInstanceOf(PermanentDependencyError);
    expect((refused as Error).message).toContain(`no longer has client secret ${current.id}, the one the vault holds: not removing ${old.id}`);
    expect(await keyIdsOf(spec)).toEqual([old.id]);
  });

  it('gives up on a secret that does not work within the budget, naming the AADSTS code and not the secret', async () => {
    // Arrange
    const spec = await anApplication();
    const entra = kind(1_000);
    const issued = await entra.issue(spec, undefined);
    const wrong = { ...issued, value: (await entra.issue(spec, issued.id)).value };
    await entra.discard!(spec, issued.id);

    // Act
    const started = Date.now();
    const refused = await entra.verify(spec, { id: issued.id, value: issued.value }).catch((e: unknown) => e);
    const took = Date.now() - started;

    // Assert
    expect(refused).toBeInstanceOf(CredentialRefusedError);
    expect((refused as Error).message).toMatch(/still refused after 1 s .*AADSTS7000215: Invalid client secret provided\.$/);
    expect((refused as Error).message).not.toContain(issued.value.reveal());
    expect(took).toBeGreaterThanOrEqual(1_000);
    await expect(entra.verify(spec, wrong)).resolves.toBeUndefined();
  });
});
