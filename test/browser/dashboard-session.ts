/**
 * What every dashboard browser test file shares: the app on the local stand-ins, one headless
 * Chromium, one browser context per person signed in once through the identity provider's picker,
 * axe-core run inside the page, and screenshots kept as artifacts in test-results/dashboard/ (and
 * copied to docs/dashboard/ with UPDATE_DASHBOARD_SCREENSHOTS=1). Each page records what would
 * break its Content-Security-Policy and every API response body it received.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { expect } from 'vitest';
import { bearer } from '../support/test-tokens.js';
import { startTestApp, type RunningTestApp } from '../functions/app-e2e-support.js';
import { launchChromium } from './browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS = join(ROOT, 'test-results', 'dashboard');
const DOCS = join(ROOT, 'docs', 'dashboard');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };
/** The zone every signed-in context views the page in; the time-zone test checks the page uses it. */
export const VIEWER_ZONE = 'Europe/Berlin';

export interface SignedInPage {
  context: BrowserContext;
  page: Page;
  /** CSP refusals and page errors. */
  problems: string[];
  /** The body of every response the page received from the API and the dashboard's own files. */
  bodies: string[];
}

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

export interface DashboardSession {
  t: RunningTestApp;
  browser: Browser;
  /** The dashboard's URL for a route. */
  at(route?: string): string;
  /** The person's page, signed in through the picker on first use and reused after (one per person and set of options). */
  signedIn(user: string, options?: BrowserContextOptions): Promise<Page>;
  /** What the person's page (with no options) recorded. */
  recordOf(user: string): SignedInPage;
  /** Opens the route; a view already open is loaded again. */
  go(page: Page, route: string): Promise<void>;
  /** Waits until no "Loading …" text is left on the page. */
  loaded(page: Page): Promise<void>;
  /** Every axe-core violation on the page (WCAG 2.1 A and AA, best practices). */
  axeViolations(page: Page): Promise<AxeViolation[]>;
  /** No axe violation on the page, of any impact. */
  expectAccessible(page: Page, view: string): Promise<void>;
  screenshot(page: Page, name: string): Promise<void>;
  /** Both approvals a protected change needs, from two people who did not ask for it. */
  approveThroughApi(changeRequestId: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the app with `settings` in process.env (how the local host hands settings to the app,
 * read once when its services are built) and Chromium; stop() puts process.env back.
 */
export async function startDashboardSession(settings: Record<string, string> = {}): Promise<DashboardSession> {
  const saved = new Map(Object.keys(settings).map((name) => [name, process.env[name]]));
  Object.assign(process.env, settings);
  const t = await startTestApp();
  const browser = await launchChromium({ trustCaPem: t.app.identityProvider.signIn!.caCertPem });
  mkdirSync(ARTIFACTS, { recursive: true });
  const people = new Map<string, SignedInPage>();
  const at = (route = '#/overview') => `${t.app.summary.dashboard}${route}`;

  const session: DashboardSession = {
    t,
    browser,
    at,
    async signedIn(user, options = {}) {
      // Another set of context options is another browser context, signed in on its own.
      const key = Object.keys(options).length > 0 ? `${user} ${JSON.stringify(options)}` : user;
      const existing = people.get(key);
      if (existing) return existing.page;
      const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', timezoneId: VIEWER_ZONE, ...options });
      const page = await context.newPage();
      const record: SignedInPage = { context, page, problems: [], bodies: [] };
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) record.problems.push(message.text());
      });
      page.on('pageerror', (error) => record.problems.push(`page error: ${error.message}`));
      page.on('response', (response) => {
        // Redirects have no body to read; everything else the page got is kept, to be searched for values.
        if (response.status() < 300 || response.status() >= 400) {
          response.text().then(
            (text) => record.bodies.push(text),
            () => undefined,
          );
        }
      });
      people.set(key, record);
      await page.goto(at());
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
      await page.getByRole('button', { name: new RegExp(`^${user}\\b`) }).click();
      await expect.poll(() => page.getByTestId('user').textContent().catch(() => null), { timeout: 15_000 }).toBe(user);
      return page;
    },
    recordOf(user) {
      const record = people.get(user);
      if (!record) throw new Error(`${user} has not signed in`);
      return record;
    },
    async go(page, route) {
      // The same URL again is no navigation at all (no hashchange): reload, so the view reads the API afresh.
      if (page.url() === at(route)) await page.reload();
      else await page.goto(at(route));
      await page.getByTestId('user').waitFor();
    },
    async loaded(page) {
      await expect.poll(() => page.getByText(/^Loading /).count(), { timeout: 20_000 }).toBe(0);
    },
    async axeViolations(page) {
      // axe-core's own script, evaluated in the page: an injected <script> would break the page's CSP, rightly.
      await page.evaluate(AXE_SOURCE);
      // A string, evaluated in the page: this file is compiled without the DOM's types.
      return (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
        .then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) })))`)) as AxeViolation[];
    },
    async expectAccessible(page, view) {
      // Every impact, minor and moderate included: the views have none, and a new one should be seen.
      expect({ view, violations: await session.axeViolations(page) }).toEqual({ view, violations: [] });
    },
    async screenshot(page, name) {
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      if (process.env['UPDATE_DASHBOARD_SCREENSHOTS'] === '1') {
        mkdirSync(DOCS, { recursive: true });
        copyFileSync(path, join(DOCS, `${name}.png`));
      }
    },
    async approveThroughApi(changeRequestId) {
      for (const approver of ['setup-approver-a', 'setup-approver-b']) {
        const answer = await t.call('POST', `/change-requests/${changeRequestId}/approve`, { comment: 'test setup' }, { authorization: bearer(await t.tokenFor(approver, ['Rotation.Approve'])) });
        expect(answer.status).toBe(200);
      }
    },
    async stop() {
      for (const { context } of people.values()) await context.close().catch(() => undefined);
      await browser.close();
      await t.stop();
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
  return session;
}
