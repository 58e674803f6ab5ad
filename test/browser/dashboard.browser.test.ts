/**
 * The dashboard in a real browser (headless Chromium through playwright-core) against the app on
 * the local stand-ins, signed in through the identity provider's picker with MSAL.js: each role
 * sees the overview; a requester asks for a rotation of a production policy, two approvers
 * approve it in two browser contexts, and the requester's page shows it done; a reader sees no
 * action and the API refuses the reader's token when forced; axe-core finds no violation
 * of any impact on any view; and no page breaks its Content-Security-Policy. Screenshots of
 * each view go to test-results/dashboard/ (and, with UPDATE_DASHBOARD_SCREENSHOTS=1, docs/dashboard/).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TEST_USERS } from '../../src/local/identity-provider/index.js';
import { aPolicyJson } from '../support/policy-mother.js';
import { bearer } from '../support/test-tokens.js';
import { eventually, type RunningTestApp } from '../functions/app-e2e-support.js';
import { DESKTOP, PHONE, startDashboardSession, type DashboardSession } from './dashboard-session.js';

const DEV_POLICY = 'dash-orders-api-key';
const PROD_POLICY = 'dash-payments-key';

let session: DashboardSession;
let t: RunningTestApp;

beforeAll(async () => {
  session = await startDashboardSession();
  t = session.t;
  const vaultUrl = t.vault().url;
  // A development policy with a rotation behind it, and a production one (created through two approvals, as any would be).
  expect((await t.call('PUT', `/policies/${DEV_POLICY}`, aPolicyJson({ id: DEV_POLICY, secretName: DEV_POLICY, vaultUrl, owner: 'team-orders' }))).status).toBe(201);
  expect((await t.call('POST', `/policies/${DEV_POLICY}/rotate`, { reason: 'first version' })).status).toBe(200);
  const asked = await t.call('PUT', `/policies/${PROD_POLICY}`, aPolicyJson({ id: PROD_POLICY, secretName: PROD_POLICY, vaultUrl, environment: 'production', owner: 'team-payments' }));
  expect(asked.status).toBe(202);
  await session.approveThroughApi(asked.json.changeRequestId);
  expect((await t.call('POST', `/policies/${PROD_POLICY}/break-glass`, { justification: 'the first version of a production secret' })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await session?.stop();
});

const signedIn = (user: string): Promise<Page> => session.signedIn(user);
const go = (page: Page, route: string) => session.go(page, route);
const axe = (page: Page, view: string) => session.expectAccessible(page, view);
const screenshot = (page: Page, name: string) => session.screenshot(page, name);
const problemsOf = (user: string): string[] => session.recordOf(user).problems;

describe('sign-in through the picker, as each role', () => {
  it.each(LOCAL_TEST_USERS.map((u) => [u.sub, u.roles] as const))('%s sees the overview with the roles %j', async (sub, roles) => {
    const page = await signedIn(sub);
    await go(page, '#/overview');
    await expect.poll(() => page.getByRole('heading', { name: 'Policies by status' }).isVisible()).toBe(true);
    await expect.poll(() => page.locator('.cards .card').count()).toBeGreaterThanOrEqual(6);
    expect((await page.getByTestId('roles').textContent())?.split(', ').sort()).toEqual([...roles].sort());
    expect(problemsOf(sub)).toEqual([]);
  }, 60_000);
});

describe('every view, accessible and at two widths', () => {
  const views: [string, string][] = [
    ['overview', '#/overview'],
    ['policies', '#/policies'],
    ['policy', `#/policies/${PROD_POLICY}`],
    ['approvals', '#/approvals'],
    ['reports-inventory', '#/reports/inventory'],
    ['reports-compliance', '#/reports/compliance'],
    ['reports-access', '#/reports/access'],
    ['reports-drift', '#/reports/drift'],
    ['reports-cost', '#/reports/cost'],
  ];

  it.each(views)('%s: no axe violation of any impact, no CSP breach', async (name, route) => {
    const page = await signedIn('admin');
    await go(page, route);
    // Wait for the view's data: no "Loading" left.
    await expect.poll(() => page.getByText(/^Loading /).count(), { timeout: 20_000 }).toBe(0);
    await axe(page, name);
    await screenshot(page, name);
    expect(problemsOf('admin')).toEqual([]);
  }, 60_000);

  it('the axe check can fail: a second region named like the policy page\'s History section is found, at moderate impact', async () => {
    const page = await signedIn('admin');
    await go(page, `#/policies/${PROD_POLICY}`);
    await expect.poll(() => page.getByText(/^Loading /).count(), { timeout: 20_000 }).toBe(0);
    expect(await session.axeViolations(page)).toEqual([]);

    // Act: what the table regions were before they said they scroll, planted in the page.
    await page.evaluate(`document.querySelector('main').insertAdjacentHTML('beforeend', '<div role="region" aria-label="History"></div>')`);

    // Assert
    expect((await session.axeViolations(page)).map(({ id, impact }) => ({ id, impact }))).toContainEqual({ id: 'landmark-unique', impact: 'moderate' });
  }, 60_000);

  it('works at phone width, every view: the navigation wraps, tables scroll inside their region, nothing overflows the page', async () => {
    const page = await signedIn('admin');
    await page.setViewportSize(PHONE);
    try {
      for (const [name, route] of views) {
        await go(page, route);
        await expect.poll(() => page.getByText(/^Loading /).count(), { timeout: 20_000 }).toBe(0);
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect({ name, overflow }).toEqual({ name, overflow: 0 });
        await axe(page, `${name} at phone width`);
        await screenshot(page, `${name}-phone`);
      }
    } finally {
      await page.setViewportSize(DESKTOP);
    }
  }, 120_000);

  it('shows times in the viewer\'s zone (the browser context\'s timezoneId) with UTC on hover', async () => {
    // A zone half an hour off any whole-hour zone, so a time shown in UTC or the machine's zone cannot pass for it.
    const zone = 'Asia/Kolkata';
    const page = await session.signedIn('auditor', { timezoneId: zone });
    await go(page, `#/policies/${DEV_POLICY}`);
    // The last rotation's time, shown without a relative part.
    const stamp = page.locator('dl.summary dt:text-is("Last result") + dd time');
    await stamp.waitFor();
    const instant = new Date((await stamp.getAttribute('datetime'))!);
    expect(Number.isNaN(instant.getTime())).toBe(false);
    const inZone = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(instant);
    const inUtc = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(instant);
    expect(inZone).not.toBe(inUtc);
    expect(await stamp.textContent()).toBe(inZone);
    expect(await stamp.getAttribute('title')).toBe(`${new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(instant)} UTC`);
  }, 30_000);

  it('is reachable by keyboard: the skip link, then the main navigation', async () => {
    const page = await signedIn('admin');
    await go(page, '#/overview');
    // A fresh load, so focus starts at the top of the document.
    await page.reload();
    await page.getByTestId('user').waitFor();
    const focused = () => page.evaluate('document.activeElement && document.activeElement.textContent');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to the content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Overview');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/policies$/);
  }, 30_000);
});

describe('the rotate action by keyboard only', () => {
  it('Tab reaches Rotate now…, Enter opens the form with focus in the reason, and Enter on the submit button previews and then rotates', async () => {
    const versionBefore = (await t.call('GET', `/policies/${DEV_POLICY}`)).json.state.currentVersion as string;
    const page = await signedIn('operator');
    await go(page, `#/policies/${DEV_POLICY}`);
    await page.reload();
    await page.getByRole('button', { name: 'Rotate now…' }).waitFor();
    // A button by its text, a field by its id.
    const focused = () => page.evaluate("document.activeElement && (document.activeElement.tagName === 'BUTTON' ? document.activeElement.textContent : document.activeElement.id)");
    // Only Tab presses from the top of the document, no clicks.
    for (let presses = 0; presses < 40 && (await focused()) !== 'Rotate now…'; presses++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('Rotate now…');
    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe('rotate-reason');
    await page.keyboard.type('rotated by keyboard');
    // Past the textarea to the submit button.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Preview (dry run)');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Dry run' }).waitFor();
    expect(await focused()).toBe('Rotate now');
    await page.keyboard.press('Enter');
    const done = page.getByText(/^Rotated: new version (\S+)\.$/);
    await done.waitFor({ timeout: 20_000 });
    const after = (await t.call('GET', `/policies/${DEV_POLICY}`)).json.state.currentVersion as string;
    expect(after).not.toBe(versionBefore);
    expect(await done.textContent()).toBe(`Rotated: new version ${after}.`);
  }, 60_000);
});

describe('open forms, accessible', () => {
  it('the rotate form, its dry-run plan, and the break-glass form: no axe violation of any impact', async () => {
    const page = await signedIn('admin');
    await go(page, `#/policies/${PROD_POLICY}`);
    await page.getByRole('button', { name: 'Rotate now…' }).click();
    await axe(page, 'rotate form');
    await page.getByLabel('Reason (required, recorded in the audit)').fill('axe on the dry run');
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    await page.getByRole('heading', { name: 'Dry run' }).waitFor();
    await axe(page, 'rotate dry-run plan');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Break glass…' }).click();
    await page.getByLabel('Justification (required)').waitFor();
    await axe(page, 'break-glass form');
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(problemsOf('admin')).toEqual([]);
  }, 60_000);
});

describe('a rotation of a production policy, asked for and approved by two people', () => {
  it('the requester previews and asks; approver1 and approver2 approve in their own contexts; the requester sees it done', async () => {
    const versionBefore = (await t.call('GET', `/policies/${PROD_POLICY}`)).json.state.currentVersion as string;

    // The operator asks: a dry run first, then the rotation, which becomes a change request.
    const operator = await signedIn('operator');
    await go(operator, `#/policies/${PROD_POLICY}`);
    await operator.getByRole('button', { name: 'Rotate now…' }).click();
    const submit = operator.getByRole('button', { name: 'Preview (dry run)' });
    expect(await submit.isDisabled()).toBe(true);
    await operator.getByLabel('Reason (required, recorded in the audit)').fill('quarterly rotation, CHG-2041');
    await submit.click();
    await operator.getByRole('heading', { name: 'Dry run' }).waitFor();
    await screenshot(operator, 'rotate-dry-run');
    await operator.getByRole('button', { name: 'Rotate now', exact: true }).click();
    const asked = operator.getByText(/^Approval required: change request (\S+) waits for approvers/);
    await asked.waitFor();
    const requestId = /change request (\S+) waits/.exec((await asked.textContent()) ?? '')![1]!;

    // Two approvers, each in their own browser context, see the exact request and approve it.
    for (const approver of ['approver1', 'approver2']) {
      const page = await signedIn(approver);
      await go(page, '#/approvals');
      const card = page.locator('article.request', { hasText: PROD_POLICY }).filter({ hasText: 'quarterly rotation, CHG-2041' });
      await card.waitFor();
      if (approver === 'approver1') await screenshot(page, 'approvals-pending');
      await card.getByRole('button', { name: 'Approve' }).click();
      await page.getByText(approver === 'approver1' ? /Rotate now on dash-payments-key: pending, 1 approval/ : /Rotate now on dash-payments-key: executed/).waitFor({ timeout: 20_000 });
    }

    // The requester's page followed the request and says it is done; the policy has a new version.
    await operator.getByText(new RegExp(`Change request ${requestId} is executed`)).waitFor({ timeout: 20_000 });
    await screenshot(operator, 'rotate-done');
    const after = await t.call('GET', `/policies/${PROD_POLICY}`);
    expect(after.json.state.currentVersion).not.toBe(versionBefore);
    expect(problemsOf('operator')).toEqual([]);
  }, 120_000);

  it('self-approval is visibly impossible: the requester\'s Approve button is disabled and says why', async () => {
    const adminToken = bearer(await t.tokenFor('admin', ['Rotation.Operate']));
    const asked = await t.call('POST', `/policies/${PROD_POLICY}/rotate`, { reason: 'asked by admin' }, { authorization: adminToken });
    expect(asked.status).toBe(202);
    const page = await signedIn('admin');
    await go(page, '#/approvals');
    const card = page.locator('article.request', { hasText: 'asked by admin' });
    await card.waitFor();
    const approve = card.getByRole('button', { name: 'Approve' });
    expect(await approve.isDisabled()).toBe(true);
    const describedBy = await approve.getAttribute('aria-describedby');
    expect(await page.locator(`#${describedBy}`).textContent()).toBe('You asked for this change: another approver must decide it.');
    await screenshot(page, 'approvals-self');
    // And the API agrees.
    const refused = await t.call('POST', `/change-requests/${asked.json.changeRequestId}/approve`, {}, { authorization: bearer(await t.tokenFor('admin', ['Rotation.Approve'])) });
    expect(refused.status).toBe(403);
  }, 60_000);
});

describe('a reader', () => {
  it('sees no action on a policy, and the API refuses the reader\'s own token when the action is forced', async () => {
    const page = await signedIn('reader');
    // The token the page itself sends, taken off one of its API calls.
    const call = page.waitForRequest((request) => request.url().includes('/api/policies/'));
    await go(page, `#/policies/${PROD_POLICY}`);
    const authorization = (await call).headers()['authorization']!;
    await page.getByRole('heading', { name: 'Rotation in progress' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Actions' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Rotate|Break glass|Disable|Enable/ }).count()).toBe(0);
    await go(page, '#/approvals');
    await expect.poll(() => page.getByText(/^Loading /).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Approve|Reject/ }).count()).toBe(0);

    for (const [path, body] of [
      [`/policies/${PROD_POLICY}/rotate`, { reason: 'forced by a reader' }],
      [`/policies/${PROD_POLICY}/break-glass`, { justification: 'forced by a reader' }],
    ] as const) {
      const forced = await t.call('POST', path, body, { authorization });
      expect({ path, status: forced.status, code: forced.json.error.code }).toEqual({ path, status: 403, code: 'Forbidden' });
    }
    expect(problemsOf('reader')).toEqual([]);
  }, 60_000);
});

describe('enable, disable and break-glass through the page', () => {
  it('a writer disables a development policy and enables it again; break-glass needs the typed policy id', async () => {
    const writer = await signedIn('writer');
    await go(writer, `#/policies/${DEV_POLICY}`);
    await writer.getByRole('button', { name: 'Disable policy' }).click();
    await writer.getByText('The policy is disabled').waitFor();
    expect((await t.call('GET', `/policies/${DEV_POLICY}`)).json.policy.enabled).toBe(false);
    await writer.getByRole('button', { name: 'Enable policy' }).click();
    await writer.getByText('The policy is enabled.').waitFor();
    expect((await t.call('GET', `/policies/${DEV_POLICY}`)).json.policy.enabled).toBe(true);

    const glass = await signedIn('breakglass');
    await go(glass, `#/policies/${PROD_POLICY}`);
    await glass.getByRole('button', { name: 'Break glass…' }).click();
    await glass.getByLabel('Justification (required)').fill('key leaked in a build log, INC-7');
    const go_ = glass.getByRole('button', { name: 'Break glass and rotate' });
    expect(await go_.isDisabled()).toBe(true);
    await glass.getByLabel(/Type the policy id/).fill(PROD_POLICY);
    expect(await go_.isDisabled()).toBe(false);
    await screenshot(glass, 'break-glass');
    await go_.click();
    await glass.getByText(/Break-glass rotation succeeded; review request \S+ waits for two approvers/).waitFor({ timeout: 20_000 });
    await eventually(async () => ((await t.call('GET', '/change-requests?status=review')).json.items.length > 0 ? true : undefined), 'a review request');
  }, 90_000);
});

describe('no secret value on the page', () => {
  /** Every readable version's value of every secret in the stack's vaults, read with the real SecretClient; kept by name only. */
  async function vaultValues(): Promise<Map<string, string[]>> {
    const values = new Map<string, string[]>();
    for (const vault of t.app.summary.vaults) {
      const client = t.secrets(vault.url);
      for await (const secret of client.listPropertiesOfSecrets()) {
        const found: string[] = [];
        for await (const version of client.listPropertiesOfSecretVersions(secret.name)) {
          if (version.enabled === false) continue;
          const value = (await client.getSecret(secret.name, { version: version.version! })).value;
          if (value) found.push(value);
        }
        values.set(`${vault.name}/${secret.name}`, found);
      }
    }
    return values;
  }

  /** How a value reads inside serialized HTML, where & < > and quotes are escaped. */
  const asHtml = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\u00a0/g, '&nbsp;');

  /** The secrets (by name, never value) one of whose values occurs in any of the texts, as it is or HTML-escaped. */
  function leaked(values: Map<string, string[]>, texts: readonly string[]): string[] {
    return [...values].filter(([, versions]) => versions.some((value) => texts.some((text) => text.includes(value) || text.includes(asHtml(value))))).map(([name]) => name);
  }

  /** The page as serialized HTML and as the text it shows (no escaping). */
  async function pageTexts(page: Page): Promise<string[]> {
    return [await page.content(), (await page.evaluate('document.documentElement.textContent')) as string];
  }

  it('no page\'s HTML and no response body any page received holds a value from the vaults', async () => {
    // Arrange: the pages every test above used, each on a view with data and a form open.
    const values = await vaultValues();
    expect([...values.values()].flat().length).toBeGreaterThan(3);
    const texts: string[] = [];
    for (const user of ['admin', 'operator', 'approver1', 'approver2', 'writer', 'breakglass', 'reader']) {
      const { page, bodies } = session.recordOf(user);
      for (const route of ['#/overview', `#/policies/${PROD_POLICY}`, `#/policies/${DEV_POLICY}`, '#/approvals', '#/reports/inventory']) {
        await go(page, route);
        await session.loaded(page);
        texts.push(...(await pageTexts(page)));
      }
      texts.push(...bodies);
    }
    expect(texts.length).toBeGreaterThan(100);

    // Assert: booleans and names only; a value is never printed.
    expect(leaked(values, texts)).toEqual([]);

    // The check finds a value when one is there: put one on a page.
    const [name, [value]] = [...values].find(([, versions]) => versions.length > 0)!;
    const page = session.recordOf('admin').page;
    // This file is compiled without the DOM's types: the page's document, as much of it as this needs.
    type Footer = { document: { querySelector(selector: string): { append(text: string): void } } };
    await page.evaluate((text) => (globalThis as unknown as Footer).document.querySelector('footer').append(text), value!);
    const [html, shown] = await pageTexts(page);
    expect(leaked(values, [html!]).includes(name)).toBe(true);
    expect(leaked(values, [shown!]).includes(name)).toBe(true);
    await page.reload();
  }, 120_000);
});
