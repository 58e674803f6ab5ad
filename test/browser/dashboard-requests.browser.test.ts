/**
 * What the overview and the policies table cost the API: a fleet of 30 policies is read in a
 * bounded number of calls (the list with its states, the rotation timeline's day counts), never
 * one call per policy, so 500 policies cost what 30 do. Requests are counted as the browser sends them.
 */
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aPolicyJson } from '../support/policy-mother.js';
import type { RunningTestApp } from '../functions/app-e2e-support.js';
import { startDashboardSession, type DashboardSession } from './dashboard-session.js';

const FLEET_SIZE = 30;
let session: DashboardSession;
let t: RunningTestApp;

beforeAll(async () => {
  session = await startDashboardSession();
  t = session.t;
  for (let i = 0; i < FLEET_SIZE; i++) {
    const id = `fleet-${String(i).padStart(2, '0')}`;
    const put = await t.call('PUT', `/policies/${id}`, aPolicyJson({ id, secretName: id, vaultUrl: t.vault().url, environment: 'development' }));
    expect(put.status, put.text).toBe(201);
  }
  expect((await t.call('POST', '/policies/fleet-00/rotate', { reason: 'one rotated policy among the others' })).status).toBe(200);
}, 180_000);

afterAll(async () => {
  await session?.stop();
});

/**
 * The API calls a reader's page sends while the route loads (the dashboard's own files under /api/ui/
 * left out), as method and path with query; the page is settled before counting starts.
 */
async function apiCallsLoading(route: string): Promise<{ page: Page; calls: string[] }> {
  const page = await session.signedIn('reader');
  await session.loaded(page);
  const calls: string[] = [];
  const record = (request: Request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/') && !url.pathname.startsWith('/api/ui/')) calls.push(`${request.method()} ${url.pathname}${url.search}`);
  };
  page.on('request', record);
  await session.go(page, route);
  await session.loaded(page);
  page.off('request', record);
  return { page, calls };
}

/** Calls that read policies themselves: the list, or one policy (not its rotations' history). */
const policyReads = (calls: readonly string[]) => calls.filter((call) => /^GET \/api\/policies(\?|\/[^/?]+(\?|$))/.test(call));

describe(`a fleet of ${FLEET_SIZE} policies`, () => {
  it('the policies table reads it in a handful of API calls, the list with its states, and no call per policy', async () => {
    // Act
    const { page, calls } = await apiCallsLoading('#/policies');

    // Assert
    expect(await page.locator('table.policies tbody tr').count()).toBe(FLEET_SIZE);
    expect(calls.length).toBeLessThanOrEqual(4);
    expect(policyReads(calls)).toEqual(['GET /api/policies?pageSize=1000&include=state']);
  }, 60_000);

  it("the overview's counts read it the same way: no call per policy for their states", async () => {
    // Act
    const { page, calls } = await apiCallsLoading('#/overview');

    // Assert
    const counted = await page.locator('.cards .count').allTextContents();
    expect(counted.reduce((sum, count) => sum + Number(count), 0)).toBe(FLEET_SIZE);
    expect(policyReads(calls)).toEqual(['GET /api/policies?pageSize=1000&include=state']);
  }, 60_000);

  it("the overview's rotation chart reads the day counts in one call, no policy's history, and the whole view stays a handful of calls", async () => {
    // Act
    const { page, calls } = await apiCallsLoading('#/overview');

    // Assert
    expect(calls.filter((call) => call.includes('/rotations'))).toEqual(['GET /api/reports/rotations?days=30']);
    expect(calls.length).toBeLessThanOrEqual(6);
    await expect.poll(() => page.locator('figure.chart figcaption').textContent()).toContain('1 succeeded, 0 failed');
    expect(await page.locator('figure.chart svg g').count()).toBe(30);
  }, 60_000);
});
