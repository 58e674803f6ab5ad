/**
 * The dashboard's views show the API's data, checked row by row in a real browser: the overview's
 * counts are what the policies and change requests the API gives add up to; the policies table's
 * filters and sort give the rows they should, in order; a report's filter narrows its findings,
 * and its CSV and JSON downloads hold exactly the rows shown; a policy replace request shows its
 * exact field diff, an approver rejects one with a reason, and a requester withdraws their own.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLine, type AccessVault } from '../../ui/src/model/access.js';
import { countByStatus, statusOf, STATUSES, STATUS_LABELS } from '../../ui/src/model/status.js';
import type { ChangeRequest, Finding, PolicyView, StoredPolicy } from '../../ui/src/model/types.js';
import { aPolicyJson } from '../support/policy-mother.js';
import { bearer } from '../support/test-tokens.js';
import type { RunningTestApp } from '../functions/app-e2e-support.js';
import { startDashboardSession, type DashboardSession } from './dashboard-session.js';

let session: DashboardSession;
let t: RunningTestApp;

/** The fleet: ids, environments and owners chosen so that filters and sorts have something to tell apart. */
const FLEET = [
  { id: 'data-alpha', environment: 'development', owner: 'team-orders', rotate: true },
  { id: 'data-bravo', environment: 'test', owner: 'team-billing', rotate: false },
  { id: 'data-charlie', environment: 'development', owner: 'team-billing', rotate: true },
  { id: 'data-prod-diff', environment: 'production', owner: 'team-payments', rotate: false },
  { id: 'data-prod-reject', environment: 'production', owner: 'team-payments', rotate: false },
  { id: 'data-prod-withdraw', environment: 'production', owner: 'team-risk', rotate: false },
] as const;

const policyBody = (entry: (typeof FLEET)[number]) => aPolicyJson({ id: entry.id, secretName: entry.id, vaultUrl: t.vault().url, environment: entry.environment, owner: entry.owner });

beforeAll(async () => {
  session = await startDashboardSession();
  t = session.t;
  for (const entry of FLEET) {
    const put = await t.call('PUT', `/policies/${entry.id}`, policyBody(entry));
    if (entry.environment === 'production') {
      expect(put.status, put.text).toBe(202);
      await session.approveThroughApi(put.json.changeRequestId);
    } else expect(put.status, put.text).toBe(201);
    if (entry.rotate) expect((await t.call('POST', `/policies/${entry.id}/rotate`, { reason: 'first version' })).status).toBe(200);
  }
}, 180_000);

afterAll(async () => {
  await session?.stop();
});

async function apiFleet(): Promise<{ views: PolicyView[]; pending: ChangeRequest[] }> {
  const listed = (await t.call('GET', '/policies?pageSize=1000')).json.items as StoredPolicy[];
  const views = await Promise.all(listed.map(async (item) => (await t.call('GET', `/policies/${item.policy.id}`)).json as PolicyView));
  const pending = (await t.call('GET', '/change-requests?status=pending&pageSize=1000')).json.items as ChangeRequest[];
  return { views, pending };
}

/** The first cell's policy id of each row of the policies table, top to bottom. */
async function policyRows(page: Page): Promise<string[]> {
  return page.locator('table.policies tbody tr td:first-child a').allTextContents();
}

/** The text of each cell of each row of a table, top to bottom. */
async function tableRows(page: Page, table: string): Promise<string[][]> {
  return page.locator(`${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => (cell.textContent ?? '').trim())));
}

describe('the overview', () => {
  it('counts each status as the API\'s policies and pending change requests add up to', async () => {
    // Arrange: one policy pending approval besides the others, so not every card says the same.
    const stored = (await t.call('GET', '/policies/data-prod-diff')).json.policy;
    const asked = await t.call('PUT', '/policies/data-prod-diff', { ...stored, owner: 'team-platform', rotation: { ...stored.rotation, every: '30d' } });
    expect(asked.status).toBe(202);
    const { views, pending } = await apiFleet();
    const expected = countByStatus(views.map((view) => statusOf(view, pending, new Date())));

    // Act
    const page = await session.signedIn('auditor');
    await session.go(page, '#/overview');
    await session.loaded(page);

    // Assert: every card the page shows, with its number; zero-count extra statuses are left out.
    const cards = await page.locator('.cards .card').evaluateAll((lis) => lis.map((li) => [li.querySelector('.label')?.textContent, Number(li.querySelector('.count')?.textContent)]));
    const shown = STATUSES.filter((s) => ['healthy', 'due-soon', 'failing', 'parked', 'waiting-for-drain', 'pending-approval'].includes(s) || expected[s] > 0);
    expect(Object.fromEntries(cards)).toEqual(Object.fromEntries(shown.map((s) => [STATUS_LABELS[s], expected[s]])));
    expect(expected['pending-approval']).toBe(1);
    expect(expected['due-soon']).toBeGreaterThan(0);
    expect(await page.getByText(`${views.length} policies, read`).count()).toBe(1);
    expect(await page.getByText(`${pending.length} change requests wait for approval.`).count()).toBe(1);
    // The chart counts the rotations the audit has: two succeeded, none failed.
    expect(await page.locator('.chart figcaption').textContent()).toMatch(/^2 succeeded, 0 failed\./);
    expect(session.recordOf('auditor').problems).toEqual([]);
  }, 60_000);
});

describe('the policies table', () => {
  it('filters by text, status and environment, and sorts each way, as the API\'s policies say', async () => {
    const page = await session.signedIn('reader');
    await session.go(page, '#/policies');
    await session.loaded(page);
    const { views, pending } = await apiFleet();
    const ids = (keep: (view: PolicyView) => boolean) => views.filter(keep).map((v) => v.policy.id);

    // Every policy, soonest due first (never rotated has no due date: last), ties by id.
    expect((await policyRows(page)).sort()).toEqual(ids(() => true).sort());

    // Text: the owner team-billing.
    await page.getByLabel('Filter').fill('team-billing');
    expect((await policyRows(page)).sort()).toEqual(ids((v) => v.policy.owner === 'team-billing').sort());
    expect(await page.getByText(/^2 of 6 policies$/).count()).toBe(1);
    await page.getByLabel('Filter').fill('');

    // Environment: production only.
    await page.getByLabel('Environment').selectOption('production');
    expect((await policyRows(page)).sort()).toEqual(ids((v) => v.policy.environment === 'production').sort());

    // Status on top of it: pending approval (data-prod-diff has a request).
    await page.getByLabel('Status').selectOption('pending-approval');
    expect(await policyRows(page)).toEqual(ids((v) => v.policy.environment === 'production' && statusOf(v, pending, new Date()) === 'pending-approval'));
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Environment').selectOption('');

    // Sort by owner: ascending, then descending; ties by id either way.
    const byOwner = [...views].sort((a, b) => a.policy.owner.localeCompare(b.policy.owner) || a.policy.id.localeCompare(b.policy.id));
    const ownerHeader = page.getByRole('columnheader', { name: /Owner/ });
    await ownerHeader.getByRole('button').click();
    expect(await ownerHeader.getAttribute('aria-sort')).toBe('ascending');
    expect(await policyRows(page)).toEqual(byOwner.map((v) => v.policy.id));
    await ownerHeader.getByRole('button').click();
    expect(await ownerHeader.getAttribute('aria-sort')).toBe('descending');
    const descending = [...views].sort((a, b) => b.policy.owner.localeCompare(a.policy.owner) || a.policy.id.localeCompare(b.policy.id));
    expect(await policyRows(page)).toEqual(descending.map((v) => v.policy.id));

    // Sort by policy id.
    await page.getByRole('columnheader', { name: /Policy/ }).getByRole('button').click();
    expect(await policyRows(page)).toEqual(ids(() => true).sort((a, b) => a.localeCompare(b)));
  }, 60_000);
});

describe('a report', () => {
  it('narrows its findings by severity and text, and downloads exactly the rows shown as CSV and JSON', async () => {
    const findings = (await t.call('GET', '/reports/compliance?pageSize=1000')).json.items as Finding[];
    const columns = ['severity', 'rule', 'object', 'message', 'fix'];
    const matches = (needle: string) => findings.filter((f) => columns.some((c) => String(f[c as keyof Finding] ?? '').toLowerCase().includes(needle)));
    // A secret's name that narrows the findings to some, not all and not none.
    const needle = [...new Set(findings.map((f) => f.secret).filter((s): s is string => s !== undefined))].find((name) => matches(name.toLowerCase()).length < findings.length);
    expect(needle).toBeDefined();
    const page = await session.signedIn('auditor');
    await session.go(page, '#/reports/compliance');
    await session.loaded(page);
    const rowOf = (f: Finding) => columns.map((c) => String(f[c as keyof Finding] ?? '—'));
    expect(await tableRows(page, 'table')).toEqual(findings.map(rowOf));

    // The text filter matches any column, case aside.
    await page.getByLabel('Filter').fill(needle!.toUpperCase());
    const matching = matches(needle!.toLowerCase());
    expect(await tableRows(page, 'table')).toEqual(matching.map(rowOf));
    expect(await page.getByText(`${matching.length} of ${findings.length} findings`).count()).toBe(1);

    // Severity on top of the text, when there is a severity among them to pick.
    const severity = matching[0]!.severity;
    await page.getByLabel('Severity').selectOption(severity);
    const shown = matching.filter((f) => f.severity === severity);
    expect(await tableRows(page, 'table')).toEqual(shown.map(rowOf));

    // The downloads hold the rows shown, no more.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(csv.suggestedFilename()).toMatch(/^compliance-\d{4}-\d\d-\d\d\.csv$/);
    const csvText = await readFile((await csv.path())!, 'utf8');
    const csvLines = csvText.trim().split(/\r?\n/);
    expect(csvLines[0]).toBe(columns.join(','));
    expect(csvLines).toHaveLength(shown.length + 1);
    for (const finding of shown) expect(csvText).toContain(finding.object);
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
    expect(json.suggestedFilename()).toMatch(/^compliance-\d{4}-\d\d-\d\d\.json$/);
    const downloaded = JSON.parse(await readFile((await json.path())!, 'utf8')) as { rows: Finding[]; generatedAt: string };
    expect(downloaded.rows).toEqual(shown);
    expect(downloaded.generatedAt).toEqual(expect.any(String));
    expect(session.recordOf('auditor').problems).toEqual([]);
  }, 60_000);
});

describe('the access review', () => {
  it('sums up each vault as the API answers it, PIM-eligible and deny assignments included, above its findings', async () => {
    const report = (await t.call('GET', '/reports/access')).json as { vaults: AccessVault[]; findings: Finding[] };
    // npm start's ARM seed makes an example user eligible on the first vault, so the line has something to count.
    expect(report.vaults.some((vault) => (vault.eligible?.length ?? 0) > 0)).toBe(true);
    const page = await session.signedIn('auditor');
    await session.go(page, '#/reports/access');
    await session.loaded(page);

    const lines = await page.getByRole('list', { name: 'Vaults reviewed' }).locator('li').allTextContents();

    expect(lines).toEqual(report.vaults.map(accessLine));
    expect(lines.join('; ')).toMatch(/: [1-9]\d* role assignments?.*, [1-9]\d* eligible through PIM, \d+ deny assignments?/);
    expect(await page.getByText(`${report.findings.length} of ${report.findings.length} findings`).count()).toBe(1);
  }, 60_000);
});

describe('approvals', () => {
  const card = (page: Page, policyId: string) => page.locator('article.request', { has: page.getByRole('link', { name: policyId, exact: true }) });

  it('shows a policy replace request as its exact field diff against the stored policy', async () => {
    // The overview test asked for this change to data-prod-diff: owner and rotation.every.
    const page = await session.signedIn('approver1');
    await session.go(page, '#/approvals');
    await session.loaded(page);
    const request = card(page, 'data-prod-diff');
    await request.waitFor();
    expect(await request.getByRole('heading').textContent()).toMatch(/^Replace the policy: data-prod-diff/);
    expect(await tableRows(page, 'article.request:has(a:text-is("data-prod-diff")) table.diff')).toEqual([
      ['owner changed', '"team-payments"', '"team-platform"'],
      ['rotation.every changed', '"90d"', '"30d"'],
    ]);
    await session.screenshot(page, 'approvals-diff');
  }, 60_000);

  it('an approver rejects a request with a reason, and the API has the rejection with it', async () => {
    const stored = (await t.call('GET', '/policies/data-prod-reject')).json.policy;
    const asked = await t.call('PUT', '/policies/data-prod-reject', { ...stored, owner: 'team-nobody' });
    expect(asked.status).toBe(202);
    const page = await session.signedIn('approver1');
    await session.go(page, '#/approvals');
    const request = card(page, 'data-prod-reject');
    await request.waitFor();
    await request.getByLabel('Comment or reason (optional)').fill('not during the freeze, CHG-88');
    await request.getByRole('button', { name: 'Reject' }).click();
    await page.getByText('Replace the policy on data-prod-reject: rejected.').waitFor({ timeout: 20_000 });
    const after = (await t.call('GET', `/change-requests/${asked.json.changeRequestId}`)).json;
    expect(after).toMatchObject({ status: 'rejected', rejection: { displayName: 'approver1', reason: 'not during the freeze, CHG-88' } });
    expect(await card(page, 'data-prod-reject').count()).toBe(0);
    expect((await t.call('GET', '/policies/data-prod-reject')).json.policy.owner).toBe('team-payments');
  }, 60_000);

  it('the requester withdraws their own request; nobody else sees a Withdraw button', async () => {
    const stored = (await t.call('GET', '/policies/data-prod-withdraw')).json.policy;
    const asked = await t.call('PUT', '/policies/data-prod-withdraw', { ...stored, owner: 'team-other' }, { authorization: bearer(await t.tokenFor('writer', ['Policy.Write'])) });
    expect(asked.status).toBe(202);
    const approver = await session.signedIn('approver2');
    await session.go(approver, '#/approvals');
    await card(approver, 'data-prod-withdraw').waitFor();
    expect(await card(approver, 'data-prod-withdraw').getByRole('button', { name: /Withdraw/ }).count()).toBe(0);

    const writer = await session.signedIn('writer');
    await session.go(writer, '#/approvals');
    const mine = card(writer, 'data-prod-withdraw');
    await mine.waitFor();
    await mine.getByRole('button', { name: 'Withdraw my request' }).click();
    await writer.getByText('Replace the policy on data-prod-withdraw: cancelled.').waitFor({ timeout: 20_000 });
    expect((await t.call('GET', `/change-requests/${asked.json.changeRequestId}`)).json.status).toBe('cancelled');
    expect((await t.call('GET', '/policies/data-prod-withdraw')).json.policy.owner).toBe('team-risk');
    expect(session.recordOf('writer').problems).toEqual([]);
  }, 60_000);

  it('a break-glass review says it does not expire, and Mark reviewed waits for the required comment', async () => {
    const broken = await t.call('POST', '/policies/data-prod-reject/break-glass', { justification: 'token in a public gist, INC-12' }, { authorization: bearer(await t.tokenFor('glass-breaker', ['Rotation.BreakGlass'])) });
    expect(broken.status, broken.text).toBe(200);
    const reviewId = broken.json.review.id as string;
    const page = await session.signedIn('approver2');
    await session.go(page, '#/approvals');
    const review = page.locator('article.request', { has: page.getByRole('heading', { name: /^Review a break-glass rotation: data-prod-reject/ }) });
    await review.waitFor();

    // No "expires … ago": a review has no deadline.
    expect(await review.textContent()).not.toMatch(/expires/);
    expect(await review.getByText('the review does not expire').count()).toBe(1);

    // Disabled, saying why, until a comment is written.
    const mark = review.getByRole('button', { name: 'Mark reviewed' });
    const comment = review.getByLabel('Review comment (required)');
    expect(await mark.isDisabled()).toBe(true);
    expect(await page.locator(`#${await mark.getAttribute('aria-describedby')}`).textContent()).toBe('Write a review comment to mark it reviewed.');
    expect(await comment.getAttribute('required')).not.toBeNull();
    await comment.fill('   ');
    expect(await mark.isDisabled()).toBe(true);
    await comment.fill('leak confirmed, rotation was right');
    expect(await mark.isDisabled()).toBe(false);
    await session.screenshot(page, 'approvals-review');
    await mark.click();
    await page.getByText(/^Review a break-glass rotation on data-prod-reject: review \(rotation succeeded\)\.$/).waitFor({ timeout: 20_000 });
    const after = (await t.call('GET', `/change-requests/${reviewId}`)).json;
    expect(after.approvals).toEqual([expect.objectContaining({ displayName: 'approver2', comment: 'leak confirmed, rotation was right' })]);
  }, 60_000);
});
