/**
 * Rotations in their states, seen in a real browser. First a rotation really in progress: a Redis
 * login (multi-password) and a webhook follower whose endpoint holds the delivery open until the test
 * releases it; while it is held the page shows the steps the API names for the policy's strategy
 * (with `delivered` after the switch, since the policy has a follower), the current one and each
 * consumer's status, and once released the same page, never reloaded, shows the rotation done.
 * Then two states the overview must show: a rotation that failed and
 * will be retried (a webhook follower whose endpoint answers 500, so `delivered` fails), and one
 * waiting for a drain (a Redis login, multi-password, with a session held open on the password the
 * rotation retires). Each policy page shows the state without any secret value and, never
 * reloaded, shows the rotation done once it is retried or the session closes; the overview's
 * Failing and Waiting for drain cards count each while it lasts, and not a healthy policy.
 * Last, a policy whose retry budget is spent: shown Parked with what to do, counted as Parked and
 * not Failing, and shown healthy once an operator's rotate succeeds.
 * The local stack runs no timers: a rotation goes on only when the test POSTs rotate again.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProbeCredential } from '../../bench/zero-lockout/prober.js';
import { startConsumerServer, type ConsumerServer, type HeldSession } from '../../bench/zero-lockout/servers.js';
import type { ApiResponse, RunningTestApp } from '../functions/app-e2e-support.js';
import { startDashboardSession, type DashboardSession } from './dashboard-session.js';
import { startHeldWebhook, type HeldWebhook } from './held-webhook.js';

const IN_PROGRESS = 'dash-cache-password';
const IN_PROGRESS_ADMIN_SECRET = `${IN_PROGRESS}-admin`;
const STEPS = ['claimed', 'prepared', 'verified', 'switched', 'delivered', 'drained', 'revoked', 'completed'];
const HOOKED = 'states-hooked';
const HEALTHY = 'states-healthy';
const PARKED = 'states-parked';
/** The retry budget here: a second failed attempt parks a policy. */
const MAX_ATTEMPTS = 2;
const DRAINED = 'states-cache';
const ADMIN_SECRET = `${DRAINED}-admin`;
const SIGNING_SECRET = 'states-hook-signing';

let session: DashboardSession;
let t: RunningTestApp;
let hook: HeldWebhook;
let redis: ConsumerServer;
/** The in-progress policy's own Redis login: one login per server, and two policies must not rotate one login. */
let progressRedis: ConsumerServer;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rotate = (id: string, reason: string) => t.call('POST', `/policies/${id}/rotate`, { reason });

function policyBody(id: string, consumers: unknown[], strategy?: Record<string, unknown>) {
  return {
    id,
    vaultUrl: t.vault().url,
    secretName: id,
    generator: { kind: 'random_password', length: 32 },
    rotation: { every: '30d', validFor: '60d' },
    ...(strategy ? { strategy } : {}),
    ...(consumers.length > 0 ? { consumers } : {}),
    environment: 'test',
    owner: 'team-states',
  };
}

beforeAll(async () => {
  hook = await startHeldWebhook();
  [redis, progressRedis] = await Promise.all([startConsumerServer('redis'), startConsumerServer('redis')]);
    // The held delivery must outlast what the progress test looks at: the longest timeout the app allows.
  session = await startDashboardSession({ WEBHOOK_CA_CERT_PATH: hook.caCertPath, WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true', WEBHOOK_TIMEOUT_SECONDS: '30', DRAIN_CHECK_INTERVAL_SECONDS: '1', ROTATION_MAX_ATTEMPTS: String(MAX_ATTEMPTS) });
  t = session.t;
  const vaultUrl = t.vault().url;
  await t.secrets(vaultUrl).setSecret(ADMIN_SECRET, redis.adminSecretValue.reveal(), { contentType: 'application/json' });
  await t.secrets(vaultUrl).setSecret(IN_PROGRESS_ADMIN_SECRET, progressRedis.adminSecretValue.reveal(), { contentType: 'application/json' });
  await t.secrets(vaultUrl).setSecret(SIGNING_SECRET, `whsec_${randomBytes(32).toString('base64')}`);
  const puts = [
    await t.call('PUT', `/policies/${HEALTHY}`, policyBody(HEALTHY, [])),
    await t.call('PUT', `/policies/${HOOKED}`, policyBody(HOOKED, [{ kind: 'webhook', name: 'billing-hook', url: hook.url, signingSecretName: SIGNING_SECRET }])),
    await t.call('PUT', `/policies/${PARKED}`, policyBody(PARKED, [{ kind: 'webhook', name: 'audit-hook', url: hook.url, signingSecretName: SIGNING_SECRET }])),
    await t.call('PUT', `/policies/${DRAINED}`, policyBody(DRAINED, [redis.consumer('cache-primary', ADMIN_SECRET)], { kind: redis.strategy, gracePeriod: '1s', maxDrainWait: '1h' })),
    await t.call('PUT', `/policies/${IN_PROGRESS}`, policyBody(IN_PROGRESS, [progressRedis.consumer('cache-primary', IN_PROGRESS_ADMIN_SECRET), { kind: 'webhook', name: 'billing-hook', url: hook.url, signingSecretName: SIGNING_SECRET }], { kind: progressRedis.strategy, gracePeriod: '1s', maxDrainWait: '1h' })),
  ];
  for (const put of puts) expect(put.status, put.text).toBe(201);
  const healthy = await rotate(HEALTHY, 'a healthy neighbour');
  expect(healthy.status, healthy.text).toBe(200);
}, 120_000);

afterAll(async () => {
  hook?.release(204);
  await session?.stop();
  await hook?.stop();
  await redis?.stop();
  await progressRedis?.stop();
});

const progress = (page: Page) => page.locator('section', { has: page.getByRole('heading', { name: 'Rotation in progress' }) });
const summaryValue = (page: Page, term: string) => page.locator(`dl.summary dt:text-is("${term}") + dd`);

/** The number on the overview's card for a status, as the reader sees it, read afresh. */
async function cardCount(page: Page, label: string): Promise<number> {
  await session.go(page, '#/overview');
  const cards = page.locator('section', { has: page.getByRole('heading', { name: 'Policies by status' }) });
  const card = cards.getByRole('link', { name: new RegExp(`^\\d+\\s*${label}$`) });
  await card.waitFor({ timeout: 20_000 });
  return Number(/^\d+/.exec((await card.textContent()) ?? '')![0]);
}

/** The policies the overview lists as needing attention, with the status each shows. */
async function attention(page: Page): Promise<string[][]> {
  const table = page.getByRole('table', { name: 'Policies that need attention' });
  if ((await table.count()) === 0) return [];
  return table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].slice(0, 2).map((cell) => (cell.textContent ?? '').trim())));
}

/** Whether any response the page received holds the secret's current value (never printed). */
async function pageSawCurrentValue(user: string, secretName: string): Promise<boolean> {
  const value = (await t.secrets(t.vault().url).getSecret(secretName)).value!;
  return session.recordOf(user).bodies.some((body) => body.includes(value));
}

/** The Consumers table as text, row by row: consumer, kind, status, login. */
async function consumerRows(page: Page): Promise<string[][]> {
  const rows = progress(page).getByRole('table', { name: 'Consumers' }).locator('tbody tr');
  return rows.evaluateAll((trs) => trs.map((tr) => [...tr.children].slice(0, 4).map((cell) => (cell.textContent ?? '').trim())));
}

describe('a rotation in progress on the policy page', () => {
  it('shows the strategy\'s steps with the current one and each consumer, and the rotation done once the follower answers, without a reload', async () => {
    // Arrange: the rotation runs until the webhook answers; the endpoint holds it.
    const rotation: Promise<ApiResponse> = t.call('POST', `/policies/${IN_PROGRESS}/rotate`, { reason: 'dashboard progress' });
    await hook.held();
    const during = await t.call('GET', `/policies/${IN_PROGRESS}`);
    expect(during.json.state.rotationInProgress).toMatchObject({ status: 'running', step: 'switched', steps: STEPS });

    // Act: the page, while the delivery is held.
    const page = await session.signedIn('operator');
    await session.go(page, `#/policies/${IN_PROGRESS}`);
    const section = progress(page);
    await section.getByRole('list', { name: 'Steps' }).waitFor();

    // Assert: every step the API names, in order; the ones before `delivered` done, `delivered` current.
    const steps = section.getByRole('list', { name: 'Steps' }).locator('li');
    expect(await steps.evaluateAll((lis) => lis.map((li) => `${li.textContent}:${li.className}`))).toEqual(
      STEPS.map((step, i) => (i < 4 ? `${step} (done):done` : i === 4 ? `${step} (current):current` : `${step}:todo`)),
    );
    expect(await section.locator('li[aria-current="step"]').textContent()).toBe('delivered (current)');
    expect(await section.getByRole('status').textContent()).toMatch(/: working on delivered \(attempt 1\), started .+ by http\.$/);
    const rows = await consumerRows(page);
    expect(rows).toEqual([
      ['cache-primary', 'redis', 'switched', progressRedis.login],
      ['billing-hook', 'webhook', 'not updated yet', '—'],
    ]);
    await session.screenshot(page, 'policy-rotation-in-progress');
    await session.expectAccessible(page, 'policy with a rotation in progress');
    // Anything that reloads the page loses this.
    await page.evaluate('window.stillTheSamePage = true');

    // Act: the endpoint answers.
    hook.release(204);
    const done = await rotation;

    // Assert: the rotation finished, and the page, refreshing itself, says so.
    expect(done.status, done.text).toBe(200);
    expect(done.json.status).toBe('succeeded');
    await section.getByText('No rotation in progress.').waitFor({ timeout: 20_000 });
    await page.getByText(/^Last result$/).waitFor();
    expect(await page.locator('dl.summary dt:text-is("Last result") + dd').textContent()).toMatch(/^succeeded, /);
    expect(await page.locator('dl.summary dt:text-is("Current version") + dd code').textContent()).toBe(done.json.newVersion);
    expect(await page.evaluate('window.stillTheSamePage')).toBe(true);
    // The history from the audit has the follower's confirmation.
    await expect.poll(() => page.getByRole('table', { name: /History/ }).getByText('delivered').count()).toBeGreaterThan(0);
    expect(hook.received).toBe(1);
    await session.screenshot(page, 'policy-rotation-done');
    expect(session.recordOf('operator').problems).toEqual([]);
  }, 90_000);
});

describe('a rotation that failed and will be retried', () => {
  it('shows the failure without a secret value, counts it as Failing and not the healthy policy, and shows it succeeded once retried, without a reload', async () => {
    // Arrange: the follower's endpoint answers 500 to every delivery.
    hook.release(500);
    const failed = await rotate(HOOKED, 'endpoint down');
    expect(failed.status, failed.text).toBe(502);
    expect(failed.json).toMatchObject({ error: { code: 'RotationFailed' }, rotationId: expect.any(String), parked: false });
    const page = await session.signedIn('operator');

    // Assert: the overview counts the failing policy, and only it.
    expect(await cardCount(page, 'Failing')).toBe(1);
    expect(await attention(page)).toContainEqual([HOOKED, 'Failing']);
    expect((await attention(page)).map(([id]) => id)).not.toContain(HEALTHY);
    // The healthy neighbour, and the policy the progress test above rotated to completion.
    expect(await cardCount(page, 'Healthy')).toBe(2);

    // Refusal twin: the healthy policy's page shows no failure.
    await session.go(page, `#/policies/${HEALTHY}`);
    await summaryValue(page, 'Last result').waitFor();
    expect(await page.getByRole('heading', { name: /^Summary/ }).textContent()).toContain('Healthy');
    expect(await summaryValue(page, 'Last result').textContent()).toMatch(/^succeeded, /);
    expect(await summaryValue(page, 'Last result').locator('.error-text').count()).toBe(0);

    // Act: the failing policy's page.
    await session.go(page, `#/policies/${HOOKED}`);
    const section = progress(page);
    await section.getByRole('status').waitFor();

    // Assert: failing, where it failed, that it will be tried again, and the error, with no secret value.
    expect(await page.getByRole('heading', { name: /^Summary/ }).textContent()).toContain('Failing');
    expect(await section.getByRole('status').textContent()).toMatch(/: delivered failed; it will be tried again \(attempt 1\), started .+ by http\.$/);
    expect(await section.locator('li[aria-current="step"]').textContent()).toBe('delivered (current)');
    // Never rotated before: no time after the result, the error under it.
    expect(await summaryValue(page, 'Last result').textContent()).toMatch(/^failed/);
    expect(await summaryValue(page, 'Last result').locator('.error-text').textContent()).toMatch(/billing-hook \(webhook\).* answered 500/);
    expect(await pageSawCurrentValue('operator', HOOKED)).toBe(false);
    await session.screenshot(page, 'policy-rotation-failing');
    await session.expectAccessible(page, 'policy with a failed rotation that will be retried');
    await page.evaluate('window.stillTheSamePage = true');

    // Act: the endpoint is back; an operator retries, which resumes the same rotation at `delivered`.
    hook.release(204);
    const retried = await rotate(HOOKED, 'endpoint back');

    // Assert: the same rotation succeeded, and the page, refreshing itself, says so.
    expect(retried.status, retried.text).toBe(200);
    expect(retried.json).toMatchObject({ status: 'succeeded', rotationId: failed.json.rotationId });
    await section.getByText('No rotation in progress.').waitFor({ timeout: 20_000 });
    await expect.poll(() => summaryValue(page, 'Last result').textContent()).toMatch(/^succeeded, /);
    expect(await summaryValue(page, 'Last result').locator('.error-text').count()).toBe(0);
    expect(await page.getByRole('heading', { name: /^Summary/ }).textContent()).not.toContain('Failing');
    expect(await page.evaluate('window.stillTheSamePage')).toBe(true);
    expect(await pageSawCurrentValue('operator', HOOKED)).toBe(false);
    expect(await cardCount(page, 'Failing')).toBe(0);
    expect(session.recordOf('operator').problems).toEqual([]);
  }, 120_000);
});

describe('a rotation waiting for a drain', () => {
  /** POSTs rotate while GET shows the rotation in progress, until it is done; each answer is a drain wait or the success. */
  async function finish(id: string): Promise<ApiResponse> {
    for (let call = 0; call < 100; call++) {
      const answer = await rotate(id, 'finish the drain');
      if (answer.status === 200) return answer;
      expect(answer.status, answer.text).toBe(202);
      await sleep(300);
    }
    throw new Error(`rotation of ${id} did not complete`);
  }

  it('shows waiting-for-drain with the held session and its client, counts it as Waiting for drain, and shows it done once the session closes, without a reload', async () => {
    // Arrange: one rotation done, its grace over, and an application holding a session with its password.
    const first = await finish(DRAINED);
    expect(first.json.status).toBe('succeeded');
    await sleep(1_100);
    const credential = parseProbeCredential((await t.secrets(t.vault().url).getSecret(DRAINED)).value);
    const held: HeldSession = await redis.holdSession(credential!);
    const page = await session.signedIn('operator');
    try {
      expect(await cardCount(page, 'Waiting for drain')).toBe(0);
      let waiting: ApiResponse | undefined;
      for (let call = 0; call < 20 && !waiting; call++) {
        const answer = await rotate(DRAINED, 'held session');
        expect(answer.status, answer.text).toBe(202);
        if (answer.json.drain.sessions > 0 && Date.parse(answer.json.drain.graceEndsAt) <= Date.now()) waiting = answer;
        else await sleep(300);
      }
      expect(waiting, 'a 202 naming the held session').toBeDefined();

      // Assert: the overview counts it as waiting for a drain, not as failing.
      expect(await cardCount(page, 'Waiting for drain')).toBe(1);
      expect((await attention(page)).filter(([id]) => id === DRAINED)).toEqual([[DRAINED, 'Waiting for drain']]);

      // Act: the policy page.
      await session.go(page, `#/policies/${DRAINED}`);
      const section = progress(page);
      await section.getByRole('status').waitFor();

      // Assert: waiting, the login drained, the sessions and the client holding one, and no secret value.
      expect(await page.getByRole('heading', { name: /^Summary/ }).textContent()).toContain('Waiting for drain');
      expect(await section.getByRole('status').textContent()).toMatch(/: waiting to finish \w+ \(attempt 1\), started .+ by http\.$/);
      const drainLine = section.getByText(/^Draining /);
      await expect.poll(() => drainLine.textContent()).toMatch(new RegExp(`^Draining ${redis.login}: [1-9]\\d* sessions? from ${held.client.replace(/\./g, '\\.')}`));
      const rows = await section.getByRole('table', { name: 'Consumers' }).locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].slice(0, 3).map((cell) => (cell.textContent ?? '').trim())));
      expect(rows).toEqual([['cache-primary', 'redis', 'draining']]);
      expect(await pageSawCurrentValue('operator', DRAINED)).toBe(false);
      await session.screenshot(page, 'policy-rotation-waiting-for-drain');
      await session.expectAccessible(page, 'policy with a rotation waiting for a drain');
      await page.evaluate('window.stillTheSamePage = true');
    } finally {
      await held.close();
    }

    // Act: the session is closed; the rotation is checked again until it completes.
    const done = await finish(DRAINED);

    // Assert: the page, never reloaded, shows the rotation done; the overview no longer counts a drain.
    expect(done.json.status).toBe('succeeded');
    await progress(page).getByText('No rotation in progress.').waitFor({ timeout: 20_000 });
    await expect.poll(() => summaryValue(page, 'Current version').locator('code').textContent()).toBe(done.json.newVersion);
    expect(await page.evaluate('window.stillTheSamePage')).toBe(true);
    expect(await pageSawCurrentValue('operator', DRAINED)).toBe(false);
    expect(await cardCount(page, 'Waiting for drain')).toBe(0);
    expect(session.recordOf('operator').problems).toEqual([]);
  }, 120_000);
});

describe('a parked policy', () => {
  it('shows Parked with the spent budget, counts it as Parked and not Failing, and shows it healthy once an operator rotates it, without a reload', async () => {
    // Arrange: the follower's endpoint answers 500; one failed attempt leaves the policy failing.
    hook.release(500);
    const first = await rotate(PARKED, 'endpoint down');
    expect(first.status, first.text).toBe(502);
    expect(first.json).toMatchObject({ parked: false });
    const page = await session.signedIn('operator');

    // Refusal twin: one failure within the budget is Failing, not Parked.
    expect(await cardCount(page, 'Parked')).toBe(0);
    expect((await attention(page)).filter(([id]) => id === PARKED)).toEqual([[PARKED, 'Failing']]);

    // Act: the second failed attempt spends the budget.
    const second = await rotate(PARKED, 'endpoint still down');
    expect(second.status, second.text).toBe(502);
    expect(second.json).toMatchObject({ error: { code: 'RotationFailed' }, parked: true });

    // Assert: the overview counts it as Parked, and no longer as Failing.
    expect(await cardCount(page, 'Parked')).toBe(1);
    expect(await cardCount(page, 'Failing')).toBe(0);
    expect((await attention(page)).filter(([id]) => id === PARKED)).toEqual([[PARKED, 'Parked']]);

    // Act: the policy page.
    await session.go(page, `#/policies/${PARKED}`);
    const notice = page.getByRole('note').filter({ hasText: /^Parked after/ });
    await notice.waitFor();

    // Assert: parked, why, that nothing will retry it, and what to do; no secret value.
    expect(await page.getByRole('heading', { name: /^Summary/ }).textContent()).toContain('Parked');
    expect(await notice.textContent()).toBe(`Parked after ${MAX_ATTEMPTS} failed attempts: the retry budget is spent and no retry is scheduled. Fix the cause shown under Last result, then rotate now to try again.`);
    expect(await summaryValue(page, 'Last result').textContent()).toMatch(/^failed/);
    expect(await summaryValue(page, 'Last result').locator('.error-text').textContent()).toMatch(/audit-hook \(webhook\).* answered 500/);
    expect(await pageSawCurrentValue('operator', PARKED)).toBe(false);
    await session.screenshot(page, 'policy-parked');
    await session.expectAccessible(page, 'parked policy');
    await page.evaluate('window.stillTheSamePage = true');

    // Act: the endpoint is fixed and an operator rotates the parked policy.
    hook.release(204);
    const resumed = await rotate(PARKED, 'endpoint fixed');

    // Assert: it succeeded, and the page, refreshing itself, no longer shows it parked.
    expect(resumed.status, resumed.text).toBe(200);
    expect(resumed.json).toMatchObject({ status: 'succeeded' });
    // The page refreshes every 2 s while the policy has a rotation on record, and may catch it running first.
    await expect.poll(() => summaryValue(page, 'Last result').textContent(), { timeout: 20_000 }).toMatch(/^succeeded, /);
    expect(await page.getByRole('heading', { name: /^Summary/ }).textContent()).not.toContain('Parked');
    expect(await notice.count()).toBe(0);
    expect(await page.evaluate('window.stillTheSamePage')).toBe(true);
    expect(await cardCount(page, 'Parked')).toBe(0);
    expect(session.recordOf('operator').problems).toEqual([]);
  }, 120_000);
});
