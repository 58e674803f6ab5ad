/**
 * The Graph stand-in and its token authority against the real clients, unmodified: Graph's
 * addPassword, removePassword and GET applications through core-client's ServiceClient, and
 * @azure/identity's ClientSecretCredential pointed at the token authority. A new secret gets a
 * token only after the propagation delay; a removed or wrong one never does.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { StandInAdminError } from '../../../src/local/shared/admin-client.js';
import { GRAPH_SCOPE, rawRequest, startTestGraph, type TestGraph } from './support.js';

let t: TestGraph;
const APP = { id: '5b8f6c2a-0000-4000-8000-000000000001', appId: '6c9f7d3b-0000-4000-8000-000000000001', displayName: 'orders-api', owners: ['00000000-0000-4000-8000-0000000a9901'] };
const OTHER = { id: '5b8f6c2a-0000-4000-8000-000000000002', appId: '6c9f7d3b-0000-4000-8000-000000000002', displayName: 'billing-api' };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  t = await startTestGraph();
});

afterAll(async () => {
  await t?.stop();
});

beforeEach(async () => {
  await t.admin.reset();
  await t.admin.setPropagationDelay(0);
  await t.admin.seed({ applications: [APP, OTHER] });
});

async function addPassword(displayName = 'rotation 1', app = APP.id): Promise<{ keyId: string; secretText: string; hint: string }> {
  const answer = await t.call('POST', `applications/${app}/addPassword`, { passwordCredential: { displayName, endDateTime: '2099-01-01T00:00:00Z' } });
  expect(answer.status).toBe(200);
  return answer.json;
}

/** What ClientSecretCredential throws for Entra's refusal (MSAL's ServerError, rethrown by @azure/identity): its message names the AADSTS code. */
async function tokenFailure(clientId: string, secret: string): Promise<string> {
  const error = await t.credential(clientId, secret).getToken(GRAPH_SCOPE).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return (error as Error).message;
}

describe('Graph applications', () => {
  it('adds a password in Graph v1.0 shape and gets it back without its text', async () => {
    // Act
    const added = await t.call('POST', `applications/${APP.id}/addPassword`, { passwordCredential: { displayName: 'rotation 1', endDateTime: '2099-01-01T00:00:00Z' } });
    const read = await t.call('GET', `applications/${APP.id}`);
    const byAppId = await t.call('GET', `applications(appId='${APP.appId}')`);

    // Assert
    expect(added.status).toBe(200);
    expect(added.json).toMatchObject({ '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.passwordCredential', customKeyIdentifier: null, displayName: 'rotation 1', endDateTime: '2099-01-01T00:00:00.000Z' });
    expect(added.json.keyId).toMatch(GUID);
    expect(added.json.secretText).toMatch(/^.{3}8Q~.{34}$/);
    expect(added.json.hint).toBe(added.json.secretText.slice(0, 3));
    expect(Date.parse(added.json.startDateTime)).toBeLessThanOrEqual(Date.now());
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ id: APP.id, appId: APP.appId, displayName: APP.displayName });
    expect(read.json.passwordCredentials).toEqual([{ customKeyIdentifier: null, displayName: 'rotation 1', endDateTime: '2099-01-01T00:00:00.000Z', hint: added.json.hint, keyId: added.json.keyId, secretText: null, startDateTime: added.json.startDateTime }]);
    expect(byAppId.json).toEqual(read.json);
    expect(JSON.stringify(await t.admin.applications())).not.toContain(added.json.secretText);
  });

  it('defaults a secret to two years from now when the body names no end', async () => {
    // Act
    const added = await t.call('POST', `applications(appId='${APP.appId}')/microsoft.graph.addPassword`, {});

    // Assert
    expect(added.status).toBe(200);
    expect(added.json.displayName).toBeNull();
    expect(Date.parse(added.json.endDateTime) - Date.parse(added.json.startDateTime)).toBe(2 * 365 * 24 * 60 * 60 * 1000);
  });

  it('removes a password with 204, and refuses to remove it twice', async () => {
    // Arrange
    const added = await addPassword();

    // Act
    const removed = await t.call('POST', `applications/${APP.id}/removePassword`, { keyId: added.keyId });
    const again = await t.call('POST', `applications/${APP.id}/removePassword`, { keyId: added.keyId });

    // Assert
    expect(removed.status).toBe(204);
    expect((await t.call('GET', `applications/${APP.id}`)).json.passwordCredentials).toEqual([]);
    expect(again.status).toBe(400);
    expect(again.json.error).toMatchObject({ code: 'Request_BadRequest', message: `No password credential found with keyId '${added.keyId}'.` });
  });

  it.each([
    ['an unknown application', 'POST', `applications/${'7'.repeat(8)}-0000-4000-8000-000000000000/addPassword`, {}, 404, 'Request_ResourceNotFound'],
    ['an unknown appId', 'GET', `applications(appId='${'7'.repeat(8)}-0000-4000-8000-000000000000')`, undefined, 404, 'Request_ResourceNotFound'],
    ['an id that is not a GUID', 'GET', 'applications/orders-api', undefined, 400, 'Request_BadRequest'],
    ['an unknown action', 'POST', `applications/${APP.id}/addKey`, {}, 400, 'BadRequest'],
    ['a body that is not JSON', 'POST', `applications/${APP.id}/addPassword`, '{"passwordCredential":', 400, 'BadRequest'],
    ['an end before the start', 'POST', `applications/${APP.id}/addPassword`, { passwordCredential: { startDateTime: '2030-01-01T00:00:00Z', endDateTime: '2029-01-01T00:00:00Z' } }, 400, 'Request_BadRequest'],
    ['a date without a zone', 'POST', `applications/${APP.id}/addPassword`, { passwordCredential: { endDateTime: '2030-01-01T00:00:00' } }, 400, 'BadRequest'],
    ['a parameter addPassword does not take', 'POST', `applications/${APP.id}/addPassword`, { secretText: 'mine' }, 400, 'BadRequest'],
    ['a keyId that is not a GUID', 'POST', `applications/${APP.id}/removePassword`, { keyId: 'key1' }, 400, 'BadRequest'],
    ['no keyId', 'POST', `applications/${APP.id}/removePassword`, {}, 400, 'Request_BadRequest'],
  ] as const)('refuses %s in Graph error shape', async (_, method, path, body, status, code) => {
    // Act
    const answer = await t.call(method, path, body);

    // Assert
    expect(answer.status).toBe(status);
    expect(answer.json.error.code).toBe(code);
    expect(answer.json.error.message).toEqual(expect.any(String));
    expect(answer.json.error.innerError).toMatchObject({ 'request-id': expect.stringMatching(GUID), 'client-request-id': expect.any(String), date: expect.any(String) });
  });

  it('refuses a request without a bearer token with 401', async () => {
    // Act
    const none = await rawRequest(t.agent, `${t.graph.baseUrl}/v1.0/applications/${APP.id}`);
    const basic = await rawRequest(t.agent, `${t.graph.baseUrl}/v1.0/applications/${APP.id}`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });

    // Assert
    expect(none.status).toBe(401);
    expect(JSON.parse(none.bodyAsText!).error).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Access token is empty.' });
    expect(basic.status).toBe(401);
    expect((await t.admin.counts()).unauthenticated).toBe(2);
  });

  it('applies an injected fault, which the SDK retries, and counts it', async () => {
    // Arrange
    await t.admin.injectFault({ operation: 'applications.addPassword', status: 503, headers: { 'retry-after': '0' } });

    // Act
    const added = await t.call('POST', `applications/${APP.id}/addPassword`, { passwordCredential: { displayName: 'after a 503' } });

    // Assert
    expect(added.status).toBe(200);
    const counts = await t.admin.counts();
    expect(counts.faults).toBe(1);
    expect(counts.operations['applications.addPassword']).toBe(1);
    expect(await t.admin.faults()).toEqual([]);
    expect((await t.admin.application(APP.appId)).passwordCredentials).toHaveLength(1);
  });

  it('refuses a fault naming an operation it does not have', async () => {
    // Act
    const refusal = await t.admin.injectFault({ operation: 'applications.delete' as never, status: 500 }).catch((e: unknown) => e);

    // Assert
    expect(refusal).toBeInstanceOf(StandInAdminError);
    expect((refusal as StandInAdminError).code).toBe('InvalidFault');
  });
});

describe('the token authority', () => {
  it('issues a token for a live client secret, naming the application', async () => {
    // Arrange
    const { secretText } = await addPassword();

    // Act
    const token = (await t.credential(APP.appId, secretText).getToken(GRAPH_SCOPE))!;

    // Assert
    const claims = decodeJwt(token.token);
    expect(claims).toMatchObject({ aud: 'https://graph.microsoft.com', appid: APP.appId, azp: APP.appId, tid: t.graph.tenantId, idtyp: 'app', iss: `${t.graph.tokenAuthority}/${t.graph.tenantId}/v2.0` });
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 50 * 60 * 1000);
    expect((await t.admin.counts()).tokensIssued).toBe(1);
  });

  it('refuses a wrong secret with AADSTS7000215, in Entra error shape', async () => {
    // Arrange
    await addPassword();
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: APP.appId, client_secret: 'abc8Q~not-the-secret', scope: GRAPH_SCOPE });

    // Act
    const error = await tokenFailure(APP.appId, 'abc8Q~not-the-secret');
    const raw = await rawRequest(t.agent, `${t.graph.tokenAuthority}/${t.graph.tenantId}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });

    // Assert
    expect(error).toMatch(/^invalid_client: .*AADSTS7000215: Invalid client secret provided\./s);
    expect(error).not.toContain('not-the-secret');
    expect(raw.status).toBe(401);
    expect(JSON.parse(raw.bodyAsText!)).toMatchObject({ error: 'invalid_client', error_codes: [7000215], trace_id: expect.stringMatching(GUID), correlation_id: expect.stringMatching(GUID), timestamp: expect.any(String) });
    expect(raw.bodyAsText).not.toContain('not-the-secret');
  });

  it('refuses a new secret until its propagation delay has passed, then accepts it', async () => {
    // Arrange
    await t.admin.setPropagationDelay(1500);
    const { secretText } = await addPassword();

    // Act
    const early = await tokenFailure(APP.appId, secretText);
    const viewEarly = await t.admin.application(APP.id);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const token = (await t.credential(APP.appId, secretText).getToken(GRAPH_SCOPE))!;

    // Assert
    expect(early).toMatch(/AADSTS7000215:/);
    expect(viewEarly.passwordCredentials[0]!.propagated).toBe(false);
    expect(decodeJwt(token.token)['appid']).toBe(APP.appId);
    expect((await t.admin.application(APP.id)).passwordCredentials[0]!.propagated).toBe(true);
  });

  it('refuses a removed secret at once, while the other secret keeps working', async () => {
    // Arrange
    const old = await addPassword('old');
    const current = await addPassword('current');
    await t.credential(APP.appId, old.secretText).getToken(GRAPH_SCOPE);

    // Act
    const removed = await t.call('POST', `applications/${APP.id}/removePassword`, { keyId: old.keyId });
    const afterRemoval = await tokenFailure(APP.appId, old.secretText);
    const stillWorks = (await t.credential(APP.appId, current.secretText).getToken(GRAPH_SCOPE))!;

    // Assert
    expect(removed.status).toBe(204);
    expect(afterRemoval).toMatch(/AADSTS7000215:/);
    expect(stillWorks.token).toEqual(expect.any(String));
  });

  it("refuses another application's secret, an unknown client and an expired secret", async () => {
    // Arrange
    const others = await addPassword('other', OTHER.id);
    const expiring = await t.call('POST', `applications/${APP.id}/addPassword`, { passwordCredential: { endDateTime: new Date(Date.now() + 1000).toISOString() } });
    await new Promise((resolve) => setTimeout(resolve, 1100));

    // Act
    const crossed = await tokenFailure(APP.appId, others.secretText);
    const unknown = await tokenFailure('8d0f8e4c-0000-4000-8000-000000000009', others.secretText);
    const expired = await tokenFailure(APP.appId, expiring.json.secretText);

    // Assert
    expect(crossed).toMatch(/AADSTS7000215:/);
    expect(unknown).toMatch(/AADSTS700016:/);
    expect(expired).toMatch(/AADSTS7000222:/);
  });

  it.each([
    ['no grant_type', { client_id: APP.appId, client_secret: 'x', scope: GRAPH_SCOPE }, 400, 'invalid_request', 900144],
    ['another grant', { grant_type: 'password', client_id: APP.appId, client_secret: 'x', scope: GRAPH_SCOPE }, 400, 'unsupported_grant_type', 70003],
    ['a scope without /.default', { grant_type: 'client_credentials', client_id: APP.appId, client_secret: 'x', scope: 'https://graph.microsoft.com/User.Read' }, 400, 'invalid_scope', 1002012],
    ['no client secret', { grant_type: 'client_credentials', client_id: APP.appId, scope: GRAPH_SCOPE }, 401, 'invalid_client', 7000218],
  ])('refuses a token request with %s', async (_, fields, status, error, code) => {
    // Act
    const raw = await rawRequest(t.agent, `${t.graph.tokenAuthority}/${t.graph.tenantId}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

    // Assert
    expect(raw.status).toBe(status);
    expect(JSON.parse(raw.bodyAsText!)).toMatchObject({ error, error_codes: [code] });
  });

  it('serves OpenID configuration and keys for its tenant only', async () => {
    // Act
    const configuration = await rawRequest(t.agent, `${t.graph.tokenAuthority}/${t.graph.tenantId}/v2.0/.well-known/openid-configuration`);
    const otherTenant = await rawRequest(t.agent, `${t.graph.tokenAuthority}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`);

    // Assert
    const document = JSON.parse(configuration.bodyAsText!);
    expect(document).toMatchObject({ issuer: `${t.graph.tokenAuthority}/${t.graph.tenantId}/v2.0`, token_endpoint: `${t.graph.tokenAuthority}/${t.graph.tenantId}/oauth2/v2.0/token` });
    const keys = JSON.parse((await rawRequest(t.agent, document.jwks_uri)).bodyAsText!);
    expect(keys.keys).toHaveLength(1);
    expect(otherTenant.status).toBe(400);
    expect(JSON.parse(otherTenant.bodyAsText!).error_codes).toEqual([90002]);
  });

  it('answers an injected fault on the token endpoint in Entra error shape', async () => {
    // Arrange
    const { secretText } = await addPassword();
    await t.admin.injectFault({ operation: 'token.clientCredentials', status: 503 });

    // Act
    const refused = await tokenFailure(APP.appId, secretText);
    const token = (await t.credential(APP.appId, secretText).getToken(GRAPH_SCOPE))!;

    // Assert
    expect(refused).toMatch(/temporarily_unavailable/);
    expect(token.token).toEqual(expect.any(String));
    expect((await t.admin.counts()).faults).toBe(1);
  });
});
