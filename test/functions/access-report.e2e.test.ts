/**
 * The access review and the vault-settings rules end to end: the app on the local stack
 * (npm start's own startLocalApp, so the ARM stand-in is started and seeded as npm start does),
 * the ARM stand-in seeded with every kind of finding and several compliant vaults, and the
 * reports read over HTTP with real tokens. Each report finds exactly the seeded findings: none
 * on a compliant vault, none missed. The real ARM clients are used throughout; nothing is mocked.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmAdminClient, LOCAL_APP_PRINCIPAL_ID, LOCAL_EXAMPLE_ELIGIBLE_USER } from '../../src/local/arm/index.js';
import { bearer } from '../support/test-tokens.js';
import { fuzzHttpRuns, fuzzParameters } from '../support/fuzz-settings.js';
import { accessSeed, ELIGIBLE_OWNER, EVERYONE, EXPECTED_ACCESS_FINDINGS, EXPECTED_VAULT_FINDINGS, id, PIM_VAULT, RBAC_VAULT, seededVaultIds } from '../support/access-seed.js';
import { startTestApp, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
let arm: ArmAdminClient;
let previous: string | undefined;
const EMULATOR_VAULT_IDS = ['kv-app-local', 'kv-shared-local'].map((name) => `/subscriptions/00000000-0000-4000-8000-00000000cafe/resourceGroups/rg-keyvault-emulator/providers/Microsoft.KeyVault/vaults/${name}`);

interface PresentedFinding {
  rule: string;
  severity: string;
  kind: string;
  object: string;
  vault?: string;
  message: string;
  fix: string;
  parameters?: Record<string, unknown>;
}

beforeAll(async () => {
  previous = process.env['GOVERNED_VAULT_RESOURCE_IDS'];
  // startLocalApp keeps a GOVERNED_VAULT_RESOURCE_IDS it finds, as it does for GOVERNED_VAULT_URLS.
  process.env['GOVERNED_VAULT_RESOURCE_IDS'] = [...EMULATOR_VAULT_IDS, ...seededVaultIds()].join(',');
  t = await startTestApp();
  const port = new URL(t.app.summary.arm).port;
  arm = new ArmAdminClient(`https://${t.app.summary.host}:${port}/_arm`, readFileSync(t.app.summary.caCertPath, 'utf8'));
  await arm.seed(accessSeed(LOCAL_APP_PRINCIPAL_ID));
}, 90_000);

afterAll(async () => {
  await t?.stop();
  if (previous === undefined) delete process.env['GOVERNED_VAULT_RESOURCE_IDS'];
  else process.env['GOVERNED_VAULT_RESOURCE_IDS'] = previous;
});

async function auditor(): Promise<Record<string, string>> {
  return { authorization: bearer(await t.tokenFor('auditor', ['Audit.Read'])) };
}

describe('npm start serves the ARM stand-in', () => {
  it('names it in the ready line, on management.azure.com, trusted by the one caCertPath', async () => {
    expect(t.app.summary.arm).toMatch(/^https:\/\/management\.azure\.com:\d+$/);
    expect(await arm.info()).toMatchObject({ baseUrl: t.app.summary.arm });
    expect(process.env['ARM_ENDPOINT']).toBe(t.app.summary.arm);
  });
});

describe('GET /api/reports/access', () => {
  it('finds exactly the seeded access findings, and nothing on the compliant vaults', async () => {
    // Act
    const answer = await t.call('GET', '/reports/access', undefined, await auditor());

    // Assert
    expect(answer.status).toBe(200);
    const findings = answer.json.findings as PresentedFinding[];
    const found = findings.map((f) => [f.rule, f.vault, f.object]);
    expect(found.sort()).toEqual([...EXPECTED_ACCESS_FINDINGS].sort());
    for (const vault of ['kv-app-local', 'kv-shared-local', 'kv-settings-ok', 'kv-no-audit']) expect(findings.filter((f) => f.vault === vault)).toEqual([]);
    expect(answer.json.summary).toMatchObject({ vaults: 13, findings: EXPECTED_ACCESS_FINDINGS.length });
  });

  it('answers in sorted findings with a fix each, and the raw assignments per vault with the app identity marked', async () => {
    const answer = await t.call('GET', '/reports/access', undefined, await auditor());
    const findings = answer.json.findings as PresentedFinding[];
    const order = { high: 0, medium: 1, low: 2 } as Record<string, number>;
    for (let i = 1; i < findings.length; i++) expect(order[findings[i - 1]!.severity]! <= order[findings[i]!.severity]!).toBe(true);
    for (const finding of findings) {
      expect(finding.message.length).toBeGreaterThan(10);
      expect(finding.fix.length).toBeGreaterThan(10);
    }
    expect(findings.find((f) => f.rule === 'access.inherited-data-access' && f.object.endsWith(id(103)))?.severity).toBe('medium');
    expect(findings.find((f) => f.rule === 'access.inherited-data-access' && f.object.endsWith(id(101)))?.severity).toBe('high');

    const rbac = answer.json.vaults.find((v: { resourceId: string }) => v.resourceId === RBAC_VAULT);
    expect(rbac).toMatchObject({ vault: 'kv-access-rbac', permissionModel: 'rbac', accessPolicies: [] });
    const app = rbac.assignments.filter((a: { appIdentity: boolean }) => a.appIdentity);
    expect(app.map((a: { roleName: string; inherited: boolean; findings: string[] }) => [a.roleName, a.inherited, a.findings]).sort()).toEqual([
      ['Contributor', true, ['access.broad-role', 'access.app-identity-excess']],
      ['Key Vault Secrets Officer', false, []],
      ['Reader', false, []],
    ]);
    expect(rbac.assignments.find((a: { principalId: string }) => a.principalId === id(13))).toMatchObject({ scope: '/', inherited: true, roleName: 'Reader', findings: [] });
    const local = answer.json.vaults.find((v: { vault: string }) => v.vault === 'kv-app-local');
    expect(local.assignments.map((a: { roleName: string; findings: string[] }) => [a.roleName, a.findings]).sort()).toEqual([
      ['Key Vault Secrets Officer', []],
      ['Key Vault Secrets User', []],
      ['Reader', []],
      ['Reader', []],
    ]);
  });

  it('filters by vault and by severity', async () => {
    const one = await t.call('GET', '/reports/access?vault=kv-access-policies&minSeverity=high', undefined, await auditor());
    expect(one.status).toBe(200);
    expect(one.json.vaults.map((v: { vault: string }) => v.vault)).toEqual(['kv-access-policies']);
    const expected = EXPECTED_ACCESS_FINDINGS.filter(([, vault]) => vault === 'kv-access-policies');
    expect(one.json.findings.length).toBeGreaterThan(0);
    expect(one.json.findings.length).toBeLessThan(expected.length);
    for (const finding of one.json.findings as PresentedFinding[]) expect({ vault: finding.vault, severity: finding.severity }).toEqual({ vault: 'kv-access-policies', severity: 'high' });
  });

  it.each([
    ['vault=kv-nowhere', 'vault'],
    ['vault=-bad-', 'vault'],
    ['minSeverity=critical', 'minSeverity'],
    ['pageSize=5', 'pageSize'],
    ['minSeverity=high&minSeverity=low', 'minSeverity'],
  ])('refuses %s with 400 naming %s', async (query, field) => {
    const answer = await t.call('GET', `/reports/access?${query}`, undefined, await auditor());
    expect({ status: answer.status, code: answer.json.error.code, path: answer.json.error.details[0].path }).toEqual({ status: 400, code: 'ValidationFailed', path: field });
  });

  it('is for auditors: a reader of policies is refused (403), no token is 401', async () => {
    const reader = await t.call('GET', '/reports/access', undefined, { authorization: bearer(await t.tokenFor('reader', ['Rotation.Read'])) });
    expect(reader.status).toBe(403);
    expect((await t.call('GET', '/reports/access', undefined, { authorization: '' })).status).toBe(401);
  });

  it('reports a vault ARM refuses as unreadable, and answers 503 while ARM is down', async () => {
    await arm.injectFault({ operation: 'vaults.get', pathPattern: 'kv-access-rbac$', status: 403, count: 1 });
    const refused = await t.call('GET', '/reports/access?vault=kv-access-rbac', undefined, await auditor());
    expect(refused.status).toBe(200);
    expect(refused.json.findings.map((f: PresentedFinding) => [f.rule, f.severity])).toEqual([['access.vault-unreadable', 'high']]);

    await arm.injectFault({ operation: 'roleAssignments.listForScope', status: 503, count: 20 });
    const down = await t.call('GET', '/reports/access?vault=kv-access-rbac', undefined, await auditor());
    await arm.clearFaults();
    expect({ status: down.status, code: down.json.error.code }).toEqual({ status: 503, code: 'DependencyUnavailable' });
  }, 60_000);
});

describe('GET /api/reports/access: PIM, groups and deny assignments', () => {
  interface Assignment {
    id: string;
    principalId: string;
    roleName: string;
    activeAs?: string;
    endDateTime?: string;
    mayBeDeniedBy?: string[];
    findings: string[];
  }
  const pimVault = async () => {
    const answer = await t.call('GET', '/reports/access?vault=kv-access-pim', undefined, await auditor());
    expect(answer.status).toBe(200);
    return { answer, vault: answer.json.vaults[0] as { pim: string; denyAssignmentsStatus: string; assignments: Assignment[]; eligible: Array<Record<string, unknown>>; denyAssignments: Array<Record<string, unknown>>; unavailable?: unknown[] } };
  };
  const byPrincipal = (assignments: Assignment[], n: number): Assignment => assignments.find((a) => a.principalId === id(n))!;

  it('does not flag a PIM activation of Secrets Officer, and flags the same role held directly (refusal twin)', async () => {
    // Act
    const { answer, vault } = await pimVault();

    // Assert
    expect(vault).toMatchObject({ pim: 'read', denyAssignmentsStatus: 'read' });
    expect(vault.unavailable).toBeUndefined();
    const activated = byPrincipal(vault.assignments, 31);
    expect(activated).toMatchObject({ roleName: 'Key Vault Secrets Officer', activeAs: 'activation', findings: [] });
    expect(Date.parse(activated.endDateTime!)).toBeGreaterThan(Date.now());
    expect(byPrincipal(vault.assignments, 32)).toMatchObject({ roleName: 'Key Vault Secrets Officer', activeAs: 'standing', findings: ['access.user-standing-secret-admin'] });
    const findings = answer.json.findings as PresentedFinding[];
    expect(findings.filter((f) => f.rule === 'access.user-standing-secret-admin').map((f) => [f.object.slice(-12), f.severity]).sort()).toEqual([
      [id(132).slice(-12), 'medium'],
      [id(133).slice(-12), 'low'],
    ]);
    expect(byPrincipal(vault.assignments, 33)).toMatchObject({ activeAs: 'time-bound', findings: ['access.broad-role', 'access.user-standing-secret-admin'] });
  });

  it('shows the eligible assignments, and finds the broad one eligible above the vault', async () => {
    const { answer, vault } = await pimVault();
    expect(vault.eligible.map((e) => [e['roleName'], e['principalId'], e['inherited'], e['findings']]).sort()).toEqual(
      [
        ['Key Vault Secrets Officer', id(37), false, []],
        ['Owner', id(36), true, ['access.eligible-broad-role']],
      ].sort(),
    );
    expect(vault.eligible.find((e) => e['id'] === ELIGIBLE_OWNER)).toMatchObject({ principalType: 'User', roleType: 'BuiltInRole', endDateTime: expect.any(String) });
    expect((answer.json.findings as PresentedFinding[]).filter((f) => f.rule === 'access.eligible-broad-role').map((f) => [f.object, f.severity])).toEqual([[ELIGIBLE_OWNER, 'low']]);
  });

  it('finds the group holding Secrets Officer standing, not the group reading secrets', async () => {
    const { answer, vault } = await pimVault();
    expect((answer.json.findings as PresentedFinding[]).filter((f) => f.rule === 'access.group-secret-admin').map((f) => [f.parameters?.['principalId'], f.severity])).toEqual([[id(34), 'medium']]);
    expect(byPrincipal(vault.assignments, 35).findings).toEqual([]);
  });

  it('shows the deny assignment with a note, and points the data assignments it may block at it', async () => {
    const { vault } = await pimVault();
    expect(vault.denyAssignments).toEqual([
      expect.objectContaining({ everyone: true, deniesKeyVaultData: true, inherited: false, principals: [{ id: EVERYONE, type: 'SystemDefined' }], excludePrincipals: [{ id: id(32), type: 'User' }], note: expect.stringContaining('may not grant') }),
    ]);
    const denyId = vault.denyAssignments[0]!['id'];
    expect(byPrincipal(vault.assignments, 35).mayBeDeniedBy).toEqual([denyId]);
    expect(byPrincipal(vault.assignments, 32).mayBeDeniedBy).toBeUndefined();
  });

  it('when PIM refuses (403), still answers from role assignments and says PIM is unavailable; the activation is then flagged as it cannot be told apart', async () => {
    // Arrange
    await arm.injectFault({ operation: 'roleAssignmentScheduleInstances.listForScope', status: 403, count: 1 });

    // Act
    const { answer, vault } = await pimVault();
    await arm.clearFaults();

    // Assert
    expect(vault).toMatchObject({ pim: 'unavailable', eligible: [], denyAssignmentsStatus: 'read', unavailable: [{ source: 'pim', problem: expect.stringContaining('403 AuthorizationFailed') }] });
    expect(byPrincipal(vault.assignments, 31)).toMatchObject({ findings: ['access.user-standing-secret-admin'] });
    expect(byPrincipal(vault.assignments, 31).activeAs).toBeUndefined();
    const findings = answer.json.findings as PresentedFinding[];
    expect(findings.filter((f) => f.rule === 'access.partial-review').map((f) => [f.object, f.severity])).toEqual([['kv-access-pim/pim', 'low']]);
    expect(findings.some((f) => f.rule === 'access.eligible-broad-role')).toBe(false);
  });

  it('when deny assignments are unavailable (503 past the retries), says so and still answers', async () => {
    await arm.injectFault({ operation: 'denyAssignments.listForScope', status: 503, count: 20 });
    const { vault } = await pimVault();
    await arm.clearFaults();
    expect(vault).toMatchObject({ pim: 'read', denyAssignmentsStatus: 'unavailable', denyAssignments: [], unavailable: [{ source: 'deny-assignments' }] });
    expect(byPrincipal(vault.assignments, 35).mayBeDeniedBy).toBeUndefined();
  }, 60_000);

  it("shows npm start's example eligible user on the first local vault, with no finding", async () => {
    const answer = await t.call('GET', '/reports/access?vault=kv-app-local', undefined, await auditor());
    expect(answer.json.vaults[0].eligible.map((e: Record<string, unknown>) => [e['principalId'], e['roleName'], e['findings']])).toEqual([[LOCAL_EXAMPLE_ELIGIBLE_USER, 'Key Vault Secrets Officer', []]]);
    expect(answer.json.findings).toEqual([]);
  });
});

describe('generated query strings', () => {
  const names = fc.constantFrom('vault', 'minSeverity', 'Vault', 'severity', 'pageSize', '', '%00', 'vault[]');
  const values = fc.oneof(fc.constantFrom('kv-access-rbac', 'kv-app-local', 'KV-ACCESS-POLICIES', 'kv-nowhere', 'high', 'medium', 'low', 'HIGH', '', '-', 'kv--x'), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));
  it('answer 200, or 400 naming one of the parameters sent; never a 5xx', async () => {
    const headers = await auditor();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(names, values), { maxLength: 3 }), async (pairs) => {
        const query = new URLSearchParams(pairs).toString();
        const answer = await t.call('GET', `/reports/access${query ? `?${query}` : ''}`, undefined, headers);
        if (answer.status === 200) return;
        expect(answer.status).toBe(400);
        const sent = [...new URLSearchParams(query).keys()];
        expect(sent).toContain(answer.json.error.details[0].path);
      }),
      fuzzParameters('access-report-query', fuzzHttpRuns()),
    );
  }, 120_000);
});

describe('GET /api/reports/compliance: the vault-settings rules', () => {
  it('finds exactly the seeded vault-settings violations, none on the compliant vaults', async () => {
    const answer = await t.call('GET', '/reports/compliance?pageSize=1000');
    expect(answer.status).toBe(200);
    const vaultFindings = (answer.json.items as PresentedFinding[]).filter((f) => f.kind === 'vault');
    expect(vaultFindings.map((f) => [f.rule, f.object]).sort()).toEqual([...EXPECTED_VAULT_FINDINGS].sort());
    for (const finding of vaultFindings) expect(finding.fix.length).toBeGreaterThan(10);
    expect(answer.json.summary.byRule).toMatchObject({ 'vault.audit-diagnostics': 3, 'vault.purge-protection': 1, 'vault.rbac-permission-model': 1 });
  });
});

describe('what the review costs', () => {
  it('reads each vault once, its assignments by page, and each role definition once per vault', async () => {
    const before = (await arm.counts()).operations;
    await t.call('GET', '/reports/access?vault=kv-access-rbac', undefined, await auditor());
    const after = (await arm.counts()).operations;
    expect(after['vaults.get'] - before['vaults.get']).toBe(1);
    expect(after['roleAssignments.listForScope'] - before['roleAssignments.listForScope']).toBe(1);
    // Secrets User, Owner, Key Vault Reader, Administrator, Secrets Officer, Data Access Administrator, User Access Administrator, Reader, Contributor.
    expect(after['roleDefinitions.get'] - before['roleDefinitions.get']).toBe(9);
    for (const operation of ['roleAssignmentScheduleInstances.listForScope', 'roleEligibilityScheduleInstances.listForScope', 'denyAssignments.listForScope'] as const) expect(after[operation] - before[operation]).toBe(1);
  });

  it("reads an eligible assignment's role definition only when no assignment of the vault holds that role", async () => {
    const before = (await arm.counts()).operations;
    await t.call('GET', '/reports/access?vault=kv-access-pim', undefined, await auditor());
    const after = (await arm.counts()).operations;
    // Secrets Officer, Administrator, Secrets User, Reader (at the root) from the assignments; Owner only from an eligibility.
    expect(after['roleDefinitions.get'] - before['roleDefinitions.get']).toBe(5);
  });
});
