/**
 * GET /api/policies?include=state on the local stack: each item carries the state GET
 * /api/policies/{id} shows, page after page; without include the items keep their shape; any
 * other include is a 400 naming it, with nothing written.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aPolicyJson } from '../support/policy-mother.js';
import { bearer } from '../support/test-tokens.js';
import { startTestApp, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;

/** Rotated, scheduled only, and disabled (a policy with no state stored): the states a page can mix. */
const FLEET = [
  { id: 'state-alpha', rotate: true, enabled: true },
  { id: 'state-bravo', rotate: false, enabled: true },
  { id: 'state-charlie', rotate: true, enabled: true },
  { id: 'state-delta', rotate: false, enabled: false },
  { id: 'state-echo', rotate: true, enabled: true },
] as const;

beforeAll(async () => {
  t = await startTestApp();
  for (const entry of FLEET) {
    const put = await t.call('PUT', `/policies/${entry.id}`, aPolicyJson({ id: entry.id, secretName: entry.id, vaultUrl: t.vault().url, enabled: entry.enabled }));
    expect(put.status, put.text).toBe(201);
    if (entry.rotate) expect((await t.call('POST', `/policies/${entry.id}/rotate`, { reason: 'a first version' })).status).toBe(200);
  }
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

/** Every item of every page of the path, following continuation tokens. */
async function allItems(path: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let token: string | undefined;
  do {
    const answer = await t.call('GET', `${path}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
    expect(answer.status, answer.text).toBe(200);
    items.push(...answer.json.items);
    token = answer.json.continuationToken;
  } while (token);
  return items;
}

describe('GET /api/policies?include=state', () => {
  it("gives each policy the state GET /api/policies/{id} shows, across pages", async () => {
    // Act
    const listed = await allItems('/policies?include=state&pageSize=2');

    // Assert
    expect(listed.map((item) => (item.policy as { id: string }).id)).toEqual(FLEET.map((entry) => entry.id));
    for (const item of listed) {
      const single = await t.call('GET', `/policies/${(item.policy as { id: string }).id}`);
      expect(item).toEqual(single.json);
    }
    const byId = new Map(listed.map((item) => [(item.policy as { id: string }).id, item.state as Record<string, unknown>]));
    expect(byId.get('state-alpha')).toMatchObject({ lastResult: 'succeeded', currentVersion: expect.any(String), rotationInProgress: null });
    expect(byId.get('state-delta')).toEqual({ consecutiveFailures: 0, rotationInProgress: null });
  });

  it('keeps the items as they were without include: no state', async () => {
    // Act
    const plain = await allItems('/policies?pageSize=1000');
    const withState = await allItems('/policies?pageSize=1000&include=state');

    // Assert
    expect(plain.map((item) => Object.keys(item).sort())).toEqual(FLEET.map(() => ['createdAt', 'etag', 'policy', 'updatedAt']));
    expect(plain).toEqual(withState.map(({ state: _state, ...stored }) => stored));
  });

  it('answers a reader (Rotation.Read) and refuses a caller without it', async () => {
    // Act
    const reader = await t.call('GET', '/policies?include=state', undefined, { authorization: bearer(await t.tokenFor('reader', ['Rotation.Read'])) });
    const writer = await t.call('GET', '/policies?include=state', undefined, { authorization: bearer(await t.tokenFor('writer', ['Policy.Write'])) });

    // Assert
    expect(reader.status).toBe(200);
    expect(reader.json.items).toHaveLength(FLEET.length);
    expect(writer.status).toBe(403);
  });

  it.each([['include=bogus'], ['include=State'], ['include='], ['include=state,policy'], ['include=state&include=state'], ['include=bogus&pageSize=0']])(
    'refuses %s with a 400 naming include, writing nothing',
    async (query) => {
      // Arrange
      const before = (await t.call('GET', '/policies?pageSize=1000&include=state')).text;

      // Act
      const answer = await t.call('GET', `/policies?${query}`);

      // Assert
      expect(answer.status).toBe(400);
      expect(answer.json.error.details.map((d: { path: string }) => d.path)).toEqual(['include']);
      expect((await t.call('GET', '/policies?pageSize=1000&include=state')).text).toBe(before);
    },
  );

  it('refuses every generated include but exactly one "state", naming include', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.constantFrom('state', 'State', 'states', ' state', 'state ', ''), fc.string({ maxLength: 40 })), { minLength: 1, maxLength: 3 }), async (values) => {
        // Act
        const answer = await t.call('GET', `/policies?${values.map((value) => `include=${encodeURIComponent(value)}`).join('&')}`);

        // Assert
        const accepted = values.length === 1 && values[0] === 'state';
        expect(answer.status).toBe(accepted ? 200 : 400);
        if (!accepted) expect(answer.json.error.details.map((d: { path: string }) => d.path)).toEqual(['include']);
      }),
      { numRuns: 60, seed: 20_261_206 },
    );
  }, 60_000);
});
