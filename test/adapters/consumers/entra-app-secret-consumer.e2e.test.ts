/**
 * The entra-app-secret issuer end to end through the HTTP API of the local stack: the app reaches
 * the Graph stand-in through core-client and proves each new client secret at the stand-in's token
 * authority with ClientSecretCredential, which accepts a secret only once it has propagated and
 * until it is removed, as Entra does. The test signs in with the secrets the vault holds, with the
 * same client, to show which ones work.
 */
import { randomBytes } from 'node:crypto';
import type { Agent } from 'node:https';
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { standInAgent } from '../../../src/adapters/stand-in-agent.js';
import { LOCAL_APP_PRINCIPAL_ID } from '../../../src/local/arm/index.js';
import { GRAPH_HOST, LOGIN_HOST, type GraphApplicationView } from '../../../src/local/graph/index.js';
import { startAppStack, type AppAnswer, type AppStack } from '../../support/app-stack.js';
import { versionsOf } from '../../functions/app-e2e-support.js';

/** What the app gives a new secret to work; the slow propagation below outlasts it. */
const BUDGET_SECONDS = 4;
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

let stack: AppStack;
let vaultUrl: string;
let agent: Agent;

beforeAll(async () => {
  stack = await startAppStack({ settings: { ROTATION_MAX_ATTEMPTS: '50', ENTRA_SECRET_PROPAGATION_SECONDS: String(BUDGET_SECONDS) } });
  vaultUrl = new URL(stack.vaultUrl(0)).origin;
  agent = standInAgent({ caCertPath: stack.graph.caCertPath, address: stack.graph.host }, (hostname) => hostname === GRAPH_HOST || hostname === LOGIN_HOST);
}, 120_000);

afterEach(async () => {
  await stack.graphAdmin.clearFaults();
  await stack.graphAdmin.setPropagationDelay(0);
});

afterAll(async () => {
  await stack?.stop();
});

const uniqueId = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An application the app's identity owns, as Application.ReadWrite.OwnedBy needs. */
async function seedApplication(displayName: string): Promise<GraphApplicationView> {
  const [app] = await stack.graphAdmin.seed({ applications: [{ displayName, owners: [LOCAL_APP_PRINCIPAL_ID] }] });
  return app!;
}

function policyBody(id: string, app: GraphApplicationView, consumer: Record<string, unknown> = {}) {
  return {
    id,
    vaultUrl,
    secretName: id,
    generator: { kind: 'issued' },
    // A tiny grace period: policyWarnings says it is for tests only.
    strategy: { kind: 'issued-credential', gracePeriod: '1s', maxDrainWait: '1m' },
    rotation: { every: '30d', validFor: '60d' },
    consumers: [{ kind: 'entra-app-secret', name: 'orders-app', applicationObjectId: app.id, appId: app.appId, validFor: '90d', ...consumer }],
    environment: 'test',
    owner: 'team-orders',
  };
}

const put = (id: string, body: unknown) => stack.call({ method: 'PUT', path: `/policies/${id}`, body: JSON.stringify(body) });
const rotate = (id: string) => stack.call({ method: 'POST', path: `/policies/${id}/rotate`, body: JSON.stringify({ reason: 'entra-app-secret end to end' }) });
const credentialsOf = async (app: GraphApplicationView) => (await stack.graphAdmin.application(app.id)).passwordCredentials;
const vaultValue = async (id: string) => (await stack.secrets(vaultUrl).getSecret(id)).value!;

/** A client-credentials sign-in as the application with this secret, as an application reading the vault does: 'ok' or Entra's refusal. */
async function signIn(app: GraphApplicationView, secret: string): Promise<string> {
  // A refusal is Entra's answer (AADSTS...); MSAL failing to fetch the authority's metadata on a loaded machine is not, and is tried again.
  for (let attempt = 1; ; attempt += 1) {
    const credential = new ClientSecretCredential(stack.graph.tenantId, app.appId, secret, { authorityHost: stack.graph.tokenAuthority, agent, disableInstanceDiscovery: true, retryOptions: { maxRetries: 0 } });
    const answer = await credential.getToken(GRAPH_SCOPE).then(
      () => 'ok',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    if (!answer.includes('endpoints_resolution_error') || attempt === 3) return answer;
  }
}

/** Rotates until the grace period is over: the first call switches and waits (202), a call after the grace revokes and completes (200). */
async function rotateThroughGrace(id: string): Promise<{ started: AppAnswer; completed: AppAnswer; startTookMs: number }> {
  const startedAt = Date.now();
  const started = await rotate(id);
  const startTookMs = Date.now() - startedAt;
  expect(started.status, started.text).toBe(202);
  expect(started.json.status).toBe('waiting-for-drain');
  await sleep(1_200);
  const completed = await rotate(id);
  expect(completed.status, completed.text).toBe(200);
  expect(completed.json).toMatchObject({ status: 'succeeded', rotationId: started.json.rotationId });
  return { started, completed, startTookMs };
}

async function auditOf(id: string) {
  const audit = await stack.call({ method: 'GET', path: `/audit?policy=${id}&pageSize=200` });
  expect(audit.status).toBe(200);
  return audit;
}

function expectNoSecretIn(texts: string[], secrets: string[]): void {
  for (const secret of secrets) for (const text of texts) expect(text.includes(secret)).toBe(false);
}

describe('a policy with an entra-app-secret issuer, through the HTTP API', () => {
  it('adds a client secret, waits out its propagation, writes it; the next rotation removes it after the grace period', async () => {
    // Arrange
    const id = uniqueId('entra-secret');
    const app = await seedApplication(id);
    await stack.graphAdmin.setPropagationDelay(1_500);
    const created = await put(id, policyBody(id, app));
    expect(created.status, created.text).toBe(201);

    // Act: the first rotation, which has nothing to revoke.
    const first = await rotateThroughGrace(id);
    const firstSecret = await vaultValue(id);
    const afterFirst = await credentialsOf(app);
    const firstWorks = await signIn(app, firstSecret);

    // Act: the second, whose revoke removes the first secret.
    const second = await rotate(id);
    const oldWorksDuringGrace = await signIn(app, firstSecret);
    const secondSecret = await vaultValue(id);
    await sleep(1_200);
    const completed = await rotate(id);

    // Assert: the first secret was proven only after it propagated, then written.
    expect(first.startTookMs).toBeGreaterThanOrEqual(1_500);
    expect(afterFirst).toHaveLength(1);
    expect(afterFirst[0]).toMatchObject({ displayName: 'kvrot orders-app', hint: firstSecret.slice(0, 3), propagated: true });
    expect(Date.parse(afterFirst[0]!.endDateTime) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    expect(firstWorks).toBe('ok');
    // Assert: during the second rotation's grace both secrets work; after it only the new one does.
    expect(second.status, second.text).toBe(202);
    expect(secondSecret).not.toBe(firstSecret);
    expect(oldWorksDuringGrace).toBe('ok');
    expect(completed.status, completed.text).toBe(200);
    expect(completed.json).toMatchObject({ status: 'succeeded', rotationId: second.json.rotationId });
    const remaining = await credentialsOf(app);
    expect(remaining).toHaveLength(1);
    expect(remaining[0]!.keyId).not.toBe(afterFirst[0]!.keyId);
    expect(await signIn(app, firstSecret)).toMatch(/AADSTS7000215: Invalid client secret provided/);
    expect(await signIn(app, secondSecret)).toBe('ok');
    // The vault's version that held the first secret is disabled; the current one holds the second.
    const versions = await versionsOf(stack.secrets(vaultUrl), id);
    expect(versions).toHaveLength(2);
    expect(((await stack.secrets(vaultUrl).getSecret(id, { version: versions[0]! }).catch((e: unknown) => e)) as { statusCode?: number }).statusCode).toBe(403);
    const audit = await auditOf(id);
    const revoked = audit.json.items.filter((r: { step?: string; consumer?: string; action?: string }) => r.step === 'revoked' && r.consumer === 'orders-app' && r.action === 'rotation.step-finished');
    expect(revoked).toHaveLength(1);
    expect(revoked[0].reason).toBe(`removed client secret '${afterFirst[0]!.keyId}' from application ${app.id}; '${remaining[0]!.keyId}' stays`);
    const logs = stack.logs.entries.map((entry) => JSON.stringify(entry));
    expectNoSecretIn([first.started.text, first.completed.text, second.text, completed.text, audit.text, ...logs], [firstSecret, secondSecret]);
  }, 60_000);

  it('fails a rotation whose secret never works within the budget: the vault keeps the working secret and the rollback removes the new one; the retry succeeds', async () => {
    // Arrange
    const id = uniqueId('entra-slow');
    const app = await seedApplication(id);
    expect((await put(id, policyBody(id, app))).status).toBe(201);
    await rotateThroughGrace(id);
    const working = await vaultValue(id);
    const workingKeyId = (await credentialsOf(app))[0]!.keyId;
    const versionsBefore = await versionsOf(stack.secrets(vaultUrl), id);
    await stack.graphAdmin.setPropagationDelay((BUDGET_SECONDS + 20) * 1000);

    // Act
    const startedAt = Date.now();
    const failed = await rotate(id);
    const took = Date.now() - startedAt;

    // Assert
    expect(failed.status, failed.text).toBeGreaterThanOrEqual(500);
    expect(failed.text).toContain('still refused after 4 s');
    expect(failed.text).toContain('AADSTS7000215');
    expect(took).toBeGreaterThanOrEqual(BUDGET_SECONDS * 1000);
    expect(await versionsOf(stack.secrets(vaultUrl), id)).toEqual(versionsBefore);
    expect(await vaultValue(id)).toBe(working);
    // The stand-in applies its current delay to every secret: back to none, the working secret signs in at once.
    await stack.graphAdmin.setPropagationDelay(0);
    expect(await signIn(app, working)).toBe('ok');
    // The orphan, issued for a switch that did not happen, is gone: only the working secret is left.
    expect((await credentialsOf(app)).map((c) => c.keyId)).toEqual([workingKeyId]);
    const audit = await auditOf(id);
    expect(audit.json.items.some((r: { action?: string }) => r.action === 'rotation.rolled-back')).toBe(true);
    expect(audit.json.items.some((r: { action?: string }) => r.action === 'rotation.failed')).toBe(true);

    // Act: once secrets propagate again, the retry goes through.
    const retried = await rotate(id);
    await sleep(1_200);
    const done = await rotate(id);

    // Assert
    expect(retried.status, retried.text).toBe(202);
    expect(done.status, done.text).toBe(200);
    expect(await signIn(app, working)).toMatch(/AADSTS7000215/);
    expect(await signIn(app, await vaultValue(id))).toBe('ok');
    expect(await credentialsOf(app)).toHaveLength(1);
  }, 60_000);

  it('rides out a Graph 500 on addPassword with the SDK retry; a Graph that keeps failing fails the rotation with nothing issued and the vault untouched', async () => {
    // Arrange
    const id = uniqueId('entra-fault');
    const app = await seedApplication(id);
    expect((await put(id, policyBody(id, app))).status).toBe(201);
    await stack.graphAdmin.injectFault({ operation: 'applications.addPassword', status: 500, count: 1 });
    const faultsBefore = (await stack.graphAdmin.counts()).faults;

    // Act
    const first = await rotateThroughGrace(id);

    // Assert
    expect(first.completed.json.status).toBe('succeeded');
    expect((await stack.graphAdmin.counts()).faults - faultsBefore).toBe(1);
    expect(await credentialsOf(app)).toHaveLength(1);
    const working = await vaultValue(id);

    // Arrange: more failures than the SDK retries.
    await stack.graphAdmin.injectFault({ operation: 'applications.addPassword', status: 500, count: 10 });

    // Act
    const failed = await rotate(id);

    // Assert
    expect(failed.status, failed.text).toBeGreaterThanOrEqual(500);
    expect(failed.text).toContain(`addPassword on application ${app.id} failed: 500 InternalServerError`);
    expect(await vaultValue(id)).toBe(working);
    expect(await credentialsOf(app)).toHaveLength(1);
    expect(await signIn(app, working)).toBe('ok');
  }, 60_000);

  it('refuses at the first rotation an appId that is not the application\'s client id, issuing nothing', async () => {
    // Arrange
    const id = uniqueId('entra-mismatch');
    const app = await seedApplication(id);
    const other = await seedApplication(`${id}-other`);
    expect((await put(id, policyBody(id, app, { appId: other.appId }))).status).toBe(201);

    // Act
    const failed = await rotate(id);

    // Assert
    expect(failed.status, failed.text).toBeGreaterThanOrEqual(400);
    expect(failed.text).toContain(`application ${app.id} has client id ${app.appId}, not ${other.appId}`);
    expect(await credentialsOf(app)).toEqual([]);
    expect(await versionsOf(stack.secrets(vaultUrl), id)).toEqual([]);
  }, 30_000);
});
