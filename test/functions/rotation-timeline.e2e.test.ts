/**
 * GET /api/reports/rotations on the local stack: after real rotations (two succeeded, one
 * failed against an injected Key Vault fault) the day counts equal what the audit query finds
 * by action; a reader gets them, a caller without Rotation.Read does not; a bad days or any
 * other parameter is a 400 naming it, with nothing written; no record field is answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aPolicyJson } from '../support/policy-mother.js';
import { bearer } from '../support/test-tokens.js';
import { startTestApp, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
const REASON = 'the timeline suite rotates this';

beforeAll(async () => {
  t = await startTestApp();
  const vault = t.vault();
  for (const id of ['tl-alpha', 'tl-bravo', 'tl-failing']) {
    const put = await t.call('PUT', `/policies/${id}`, aPolicyJson({ id, secretName: id, vaultUrl: vault.url }));
    expect(put.status, put.text).toBe(201);
  }
  for (const id of ['tl-alpha', 'tl-bravo']) expect((await t.call('POST', `/policies/${id}/rotate`, { reason: REASON })).status).toBe(200);
  await t.admin.injectFault({ vault: vault.name, method: 'PUT', pathPrefix: '/secrets/tl-failing', status: 403, errorCode: 'Forbidden', count: 5 });
  const failed = await t.call('POST', '/policies/tl-failing/rotate', { reason: REASON });
  expect(failed.status, failed.text).toBe(502);
  await t.admin.clearFaults();
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

interface Day {
  date: string;
  succeeded: number;
  failed: number;
  abandoned: number;
  breakGlass: number;
}

function total(days: Day[], kind: Exclude<keyof Day, 'date'>): number {
  return days.reduce((sum, day) => sum + day[kind], 0);
}

/** What an auditor finds with GET /api/audit over the same window. */
async function auditCount(action: string, from: string, to: string): Promise<number> {
  const answer = await t.call('GET', `/audit?action=${action}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&pageSize=1000`);
  expect(answer.status, answer.text).toBe(200);
  expect(answer.json.continuationToken).toBeUndefined();
  return answer.json.items.length;
}

/** The last week's audit records, whole: a write would add one. */
async function auditTrail(): Promise<unknown[]> {
  const answer = await t.call('GET', '/audit?pageSize=1000');
  expect(answer.status, answer.text).toBe(200);
  return answer.json.items;
}

describe('GET /api/reports/rotations', () => {
  it('counts the rotations that happened, per UTC day, as the audit has them', async () => {
    // Act
    const answer = await t.call('GET', '/reports/rotations');

    // Assert
    expect(answer.status, answer.text).toBe(200);
    const days = answer.json.days as Day[];
    expect(days).toHaveLength(30);
    expect(days.at(-1)!.date).toBe(answer.json.to.slice(0, 10));
    expect(answer.json.from).toBe(`${days[0]!.date}T00:00:00.000Z`);
    expect({ succeeded: total(days, 'succeeded'), failed: total(days, 'failed'), abandoned: total(days, 'abandoned'), breakGlass: total(days, 'breakGlass') }).toEqual({ succeeded: 2, failed: 1, abandoned: 0, breakGlass: 0 });
    expect(total(days, 'succeeded')).toBe(await auditCount('rotation.succeeded', answer.json.from, answer.json.to));
    expect(total(days, 'failed')).toBe(await auditCount('rotation.failed', answer.json.from, answer.json.to));
  });

  it('answers days=1 with today alone', async () => {
    // Act
    const answer = await t.call('GET', '/reports/rotations?days=1');

    // Assert
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.days).toHaveLength(1);
    expect(answer.json.days[0].date).toBe(answer.json.to.slice(0, 10));
  });

  it('answers a reader (Rotation.Read) with counts only, and refuses a caller without a role or with another role', async () => {
    // Act
    const reader = await t.call('GET', '/reports/rotations?days=7', undefined, { authorization: bearer(await t.tokenFor('reader', ['Rotation.Read'])) });
    const noRole = await t.call('GET', '/reports/rotations?days=7', undefined, { authorization: bearer(await t.tokenFor('nobody', [])) });
    const writer = await t.call('GET', '/reports/rotations?days=7', undefined, { authorization: bearer(await t.tokenFor('writer', ['Policy.Write'])) });

    // Assert
    expect(reader.status, reader.text).toBe(200);
    expect(Object.keys(reader.json).sort()).toEqual(['days', 'from', 'to']);
    expect(reader.json.days.every((day: object) => Object.keys(day).sort().join() === 'abandoned,breakGlass,date,failed,succeeded')).toBe(true);
    for (const field of [REASON, 'tl-alpha', 'tl-failing', 'Forbidden']) expect(reader.text).not.toContain(field);
    expect(noRole.status).toBe(403);
    expect(writer.status).toBe(403);
  });

  it.each([
    ['days=0', 'days'],
    ['days=91', 'days'],
    ['days=1.5', 'days'],
    ['days=-1', 'days'],
    ['days=', 'days'],
    ['days=30d', 'days'],
    ['days=7&days=7', 'days'],
    ['from=2026-12-01T00:00:00Z', 'from'],
    ['pageSize=10', 'pageSize'],
  ])('refuses %s with a 400 naming %s, writing nothing', async (query, named) => {
    // Arrange
    const before = await auditTrail();

    // Act
    const answer = await t.call('GET', `/reports/rotations?${query}`);

    // Assert
    expect(answer.status, answer.text).toBe(400);
    expect(answer.json.error.details.map((d: { path: string }) => d.path)).toEqual([named]);
    expect(await auditTrail()).toEqual(before);
  });
});
