/**
 * POST /api/policy-check through the app as the local host runs it: a policy body without a
 * contentType is flagged policy.content-type (200, pass false) and the same body with one
 * passes; nothing is stored either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppStack, type AppStack } from '../support/app-stack.js';

let stack: AppStack;

beforeAll(async () => {
  stack = await startAppStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function candidate(contentType?: string) {
  return {
    id: 'ci-no-type',
    vaultUrl: stack.vaultUrl(),
    secretName: 'ci-no-type',
    generator: { kind: 'random_password', length: 32 },
    rotation: { every: '60d', validFor: '100d' },
    environment: 'development',
    owner: 'team-ci',
    ...(contentType ? { contentType } : {}),
  };
}

const policyCheck = (body: unknown) => stack.call({ method: 'POST', path: '/policy-check', body: JSON.stringify(body) });

describe('POST /api/policy-check, content type', () => {
  it('fails a policy that would write secrets without a content type', async () => {
    // Act
    const answer = await policyCheck(candidate());

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ pass: false, policies: [{ id: 'ci-no-type', pass: false, findings: 1 }] });
    expect(answer.json.findings).toEqual([expect.objectContaining({ rule: 'policy.content-type', severity: 'low', object: 'ci-no-type' })]);
    expect((await stack.call({ method: 'GET', path: '/policies/ci-no-type' })).status).toBe(404);
  });

  it('passes the same policy with a content type', async () => {
    const answer = await policyCheck(candidate('text/plain'));
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ pass: true, findings: [] });
  });
});
