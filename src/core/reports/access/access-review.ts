/**
 * The access review (GET /api/reports/access): for each governed vault, the role assignments
 * at and above its scope, each judged by FACTS.md's rules, and on access-policy vaults the
 * policies too. The app's own identity is marked, and anything it holds beyond what infra/
 * grants it is a finding, so the app shows least privilege in its own report. PIM's schedule
 * instances tell a standing assignment from an activation and show eligible ones; deny
 * assignments are shown as they are (effective access is not evaluated). When PIM or deny
 * assignments cannot be read, the review answers from role assignments and says so.
 */
import { NotFoundError, PermanentDependencyError, TransientDependencyError, ValidationError } from '../../errors.js';
import { sortFindings, SEVERITIES, type Finding, type Severity } from '../finding.js';
import {
  APP_VAULT_ROLES,
  BROAD_BUILT_IN_ROLES,
  grantsAction,
  isBroad,
  KEY_VAULT_ADMINISTRATOR,
  KEY_VAULT_SECRETS_OFFICER,
  keyVaultDataAccess,
  ROLE_ASSIGNMENT_WRITE,
  VAULT_WRITE,
} from './permissions.js';
import type {
  AccessPolicyEntry,
  ActiveAssignmentSchedule,
  DenyAssignment,
  DenyPrincipal,
  ReadVaultOptions,
  RoleAssignment,
  RoleDefinition,
  VaultAccessSource,
  VaultProperties,
} from './ports.js';

export const ACCESS_RULES = {
  inheritedDataAccess: { id: 'access.inherited-data-access', description: 'A role granting Key Vault data access (secret values, writes, or metadata) is inherited from a resource group, subscription or management group.' },
  inheritedRoleAssignmentWrite: { id: 'access.inherited-role-assignment-write', description: 'A role that can write role assignments (and so grant anything) is inherited from above the vault.' },
  broadRole: { id: 'access.broad-role', description: 'A broad role (Owner, Contributor, User Access Administrator, Role Based Access Control Administrator, Key Vault Administrator, Key Vault Data Access Administrator, or a custom role as wide) reaches the vault.' },
  userStandingSecretAdmin: { id: 'access.user-standing-secret-admin', description: 'A user holds Key Vault Secrets Officer or Key Vault Administrator by a direct assignment rather than a PIM activation (medium when permanent, low when it has an end date).' },
  groupSecretAdmin: { id: 'access.group-secret-admin', description: "A group holds Key Vault Secrets Officer or Key Vault Administrator by a direct assignment; its members are not visible to the review (medium when permanent, low when it has an end date)." },
  eligibleBroadRole: { id: 'access.eligible-broad-role', description: 'A broad role is PIM-eligible at or above the vault: better than standing, but one activation away.' },
  partialReview: { id: 'access.partial-review', description: "PIM's schedule instances or the deny assignments could not be read: the review answered from role assignments alone." },
  accessPolicyVaultWrite: { id: 'access.access-policy-vault-write', description: 'On an access-policy vault, a role with Microsoft.KeyVault/vaults/write (Contributor, Key Vault Contributor...) can give itself data access by adding an access policy.' },
  accessPolicyPurge: { id: 'access.access-policy-purge', description: 'An access policy grants purge on secrets.' },
  accessPolicyApplicationWrite: { id: 'access.access-policy-application-write', description: 'An access policy grants an application set, delete, backup or restore on secrets.' },
  appIdentityExcess: { id: 'access.app-identity-excess', description: "The app's own identity holds a role, or a scope, beyond what infra/ grants it (Key Vault Secrets Officer and Reader on each governed vault)." },
  vaultNotLocated: { id: 'access.vault-not-located', description: 'A governed vault has no ARM resource id in GOVERNED_VAULT_RESOURCE_IDS, so its access cannot be reviewed.' },
  vaultUnreadable: { id: 'access.vault-unreadable', description: 'ARM refused to show the vault, or has no such vault: its access could not be reviewed.' },
} as const;

/** What an active and an eligible assignment both say: who, which role, where, and the findings about it. */
interface ReviewedRoleGrant {
  id: string;
  scope: string;
  /** Made above the vault: properties.scope differs from the vault id (case-insensitively). */
  inherited: boolean;
  principalId: string;
  principalType: string;
  roleDefinitionId: string;
  roleName: string;
  roleType: string;
  condition?: string;
  /** Rule ids of the findings about this assignment. */
  findings: string[];
}

export interface ReviewedAssignment extends ReviewedRoleGrant {
  /** The app's own identity (APP_PRINCIPAL_ID). */
  appIdentity: boolean;
  /**
   * From PIM's schedule instance: 'activation' (activated from an eligible assignment, just in
   * time, ends at endDateTime), 'time-bound' (assigned directly with an end date), 'standing'
   * (assigned directly, permanent, or no instance names it). Absent when PIM could not be read.
   */
  activeAs?: ActiveAs;
  startDateTime?: string;
  endDateTime?: string;
  /** Deny assignments that deny Key Vault data actions to this principal (by id or as Everyone, not excluded by id): it may not have the data access its role suggests. */
  mayBeDeniedBy?: string[];
}

export type ActiveAs = 'standing' | 'time-bound' | 'activation';
export type ReadStatus = 'read' | 'unavailable' | 'not-reviewed';

/** A PIM-eligible assignment at or above the vault: nothing is held until it is activated. */
export interface ReviewedEligibility extends ReviewedRoleGrant {
  memberType?: string;
  startDateTime?: string;
  /** Absent: eligible permanently. */
  endDateTime?: string;
}

export interface ReviewedDenyAssignment {
  id: string;
  name: string;
  denyAssignmentName?: string;
  description?: string;
  scope: string;
  inherited: boolean;
  isSystemProtected: boolean;
  /** Denies Everyone (SystemDefined 00000000-0000-0000-0000-000000000000), except excludePrincipals. */
  everyone: boolean;
  principals: DenyPrincipal[];
  excludePrincipals: DenyPrincipal[];
  /** It denies at least one Key Vault data action (secrets, keys, certificates). */
  deniesKeyVaultData: boolean;
  note?: string;
}

export interface ReviewedVault {
  vault: string;
  resourceId: string;
  vaultUri?: string;
  permissionModel?: 'rbac' | 'access-policies';
  assignments: ReviewedAssignment[];
  /** On access-policy vaults: who the policies name and what they grant on secrets. */
  accessPolicies: Array<{ objectId: string; applicationId?: string; secrets: string[] }>;
  /** Whether PIM's schedule instances were read; 'unavailable' says the review answered from role assignments alone (see unavailable). */
  pim: ReadStatus;
  /** PIM-eligible assignments at and above the vault. */
  eligible: ReviewedEligibility[];
  denyAssignmentsStatus: ReadStatus;
  /** Deny assignments that apply to the vault (at it, or above it and applying to child scopes). */
  denyAssignments: ReviewedDenyAssignment[];
  /** What could not be read, and ARM's answer (status and code). */
  unavailable?: Array<{ source: 'pim' | 'deny-assignments'; problem: string }>;
}

export interface AccessReport {
  generatedAt: string;
  appPrincipalId: string | null;
  vaults: ReviewedVault[];
  /** Every finding, most severe first (sortFindings). */
  findings: Finding[];
  summary: { vaults: number; assignments: number; findings: number; bySeverity: Record<Severity, number>; byRule: Record<string, number> };
}

export interface AccessReviewQuery {
  /** Only this vault (by name). */
  vault?: string;
  /** Only findings at least this severe. */
  minSeverity?: Severity;
}

export interface AccessReviewDependencies {
  source: VaultAccessSource;
  /** GOVERNED_VAULT_RESOURCE_IDS. */
  vaultResourceIds: readonly string[];
  /** GOVERNED_VAULT_URLS: each must be found among the vaults above, or it is a finding. */
  governedVaultUrls: readonly string[];
  appPrincipalId?: string;
  now: () => Date;
}

function vaultNameOfId(resourceId: string): string {
  return resourceId.slice(resourceId.lastIndexOf('/') + 1).toLowerCase();
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return url.toLowerCase();
  }
}

/** Names an access-policy entry can be told apart by: an application when it acts for one (applicationId) or a role assignment says the object is a service principal. */
function isApplication(entry: AccessPolicyEntry, servicePrincipals: ReadonlySet<string>): boolean {
  return entry.applicationId !== undefined || servicePrincipals.has(entry.objectId.toLowerCase());
}

const SECRET_WRITES = ['set', 'delete', 'backup', 'restore'];

/** Entra's Everyone in a deny assignment. */
export const EVERYONE = '00000000-0000-0000-0000-000000000000';

const scopeKey = (scope: string): string => scope.toLowerCase();
const tripleOf = (scope: string, principalId: string, roleDefinitionId: string): string => `${scopeKey(scope)}|${principalId.toLowerCase()}|${roleDefinitionId.toLowerCase()}`;

/** An optional read: ARM's refusal, absence or unavailability becomes a problem to report; cancellation and bugs propagate. */
async function readOptional<T>(read: () => Promise<T>): Promise<{ value: T } | { problem: string }> {
  try {
    return { value: await read() };
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof PermanentDependencyError || error instanceof TransientDependencyError) return { problem: error.message };
    throw error;
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function activeAsOf(schedule: ActiveAssignmentSchedule): ActiveAs {
  if (schedule.assignmentType === 'Activated') return 'activation';
  return schedule.endDateTime ? 'time-bound' : 'standing';
}

export class AccessReview {
  constructor(private readonly deps: AccessReviewDependencies) {}

  async review(query: AccessReviewQuery = {}, options: ReadVaultOptions = {}): Promise<AccessReport> {
    const findings: Finding[] = [];
    const vaults: ReviewedVault[] = [];
    const ids = this.deps.vaultResourceIds.filter((id) => query.vault === undefined || vaultNameOfId(id) === query.vault.toLowerCase());
    if (query.vault !== undefined && ids.length === 0 && !this.deps.governedVaultUrls.some((url) => hostOf(url).split('.')[0] === query.vault!.toLowerCase())) {
      throw new ValidationError('query parameter vault is invalid: not a governed vault', [{ path: 'vault', message: 'not a governed vault (GOVERNED_VAULT_RESOURCE_IDS, GOVERNED_VAULT_URLS)' }]);
    }
    const located = new Set<string>();
    for (const resourceId of ids) {
      const reviewed = await this.#reviewVault(resourceId, findings, options);
      vaults.push(reviewed);
      if (reviewed.vaultUri) located.add(hostOf(reviewed.vaultUri));
    }
    for (const url of this.deps.governedVaultUrls) {
      const host = hostOf(url);
      const name = host.split('.')[0] ?? host;
      if (query.vault !== undefined && name !== query.vault.toLowerCase()) continue;
      if (located.has(host)) continue;
      findings.push({
        rule: ACCESS_RULES.vaultNotLocated.id,
        severity: 'medium',
        kind: 'vault',
        object: name,
        vault: name,
        message: `${url} is governed, but no vault in GOVERNED_VAULT_RESOURCE_IDS has it as its vaultUri, so nobody reviewed its access.`,
        fix: "Add the vault's ARM resource id to GOVERNED_VAULT_RESOURCE_IDS (infra/ sets it for the vaults it governs), and give the app Reader on it.",
      });
    }
    const kept = query.minSeverity ? findings.filter((f) => SEVERITIES.indexOf(f.severity) <= SEVERITIES.indexOf(query.minSeverity!)) : findings;
    return {
      generatedAt: this.deps.now().toISOString(),
      appPrincipalId: this.deps.appPrincipalId ?? null,
      vaults,
      findings: sortFindings(kept),
      summary: summarize(vaults, kept),
    };
  }

  async #reviewVault(resourceId: string, findings: Finding[], options: ReadVaultOptions): Promise<ReviewedVault> {
    const name = vaultNameOfId(resourceId);
    let vault: VaultProperties;
    let assignments: RoleAssignment[];
    try {
      vault = await this.deps.source.getVault(resourceId, options);
      assignments = [];
      for await (const assignment of this.deps.source.listRoleAssignments(resourceId, options)) assignments.push(assignment);
    } catch (error) {
      if (!(error instanceof NotFoundError) && !(error instanceof PermanentDependencyError)) throw error;
      findings.push({
        rule: ACCESS_RULES.vaultUnreadable.id,
        severity: 'high',
        kind: 'vault',
        object: name,
        vault: name,
        message: `ARM answered for ${resourceId}: ${error.message}`,
        fix: 'Check the id in GOVERNED_VAULT_RESOURCE_IDS and that the app holds Reader on the vault (infra/modules/governed-vault.bicep grants it).',
      });
      return { vault: name, resourceId, assignments: [], accessPolicies: [], pim: 'not-reviewed', eligible: [], denyAssignmentsStatus: 'not-reviewed', denyAssignments: [] };
    }

    const unavailable: NonNullable<ReviewedVault['unavailable']> = [];
    const roles = new Map<string, Promise<RoleDefinition>>(assignments.map((a) => [a.roleDefinition.id.toLowerCase(), Promise.resolve(a.roleDefinition)]));
    const roleOf = (id: string): Promise<RoleDefinition> => {
      let pending = roles.get(id.toLowerCase());
      if (!pending) {
        pending = this.deps.source.getRoleDefinition(resourceId, id, options);
        roles.set(id.toLowerCase(), pending);
      }
      return pending;
    };
    // The three lists are independent reads: read them at once, each failing on its own.
    const [pimRead, denyRead] = await Promise.all([
      readOptional(async () => {
        const [schedules, eligible] = await Promise.all([collect(this.deps.source.listActiveAssignmentSchedules(resourceId, options)), collect(this.deps.source.listEligibleAssignments(resourceId, options))]);
        return { schedules, eligible: await Promise.all(eligible.map(async (e) => ({ eligibility: e, role: await roleOf(e.roleDefinitionId) }))) };
      }),
      readOptional(() => collect(this.deps.source.listDenyAssignments(resourceId, options))),
    ]);
    if ('problem' in pimRead) unavailable.push({ source: 'pim', problem: pimRead.problem });
    if ('problem' in denyRead) unavailable.push({ source: 'deny-assignments', problem: denyRead.problem });

    const scheduleOf = scheduleFinder('value' in pimRead ? pimRead.value.schedules : undefined);
    const denies = 'value' in denyRead ? reviewDenyAssignments(denyRead.value, vault.resourceId) : [];

    const rbac = vault.enableRbacAuthorization === true;
    const reviewed: ReviewedAssignment[] = [];
    const servicePrincipals = new Set(assignments.filter((a) => a.principalType === 'ServicePrincipal').map((a) => a.principalId.toLowerCase()));
    if (this.deps.appPrincipalId) servicePrincipals.add(this.deps.appPrincipalId.toLowerCase());

    for (const assignment of [...assignments].sort((a, b) => a.id.localeCompare(b.id))) {
      const own: Finding[] = [];
      const role = assignment.roleDefinition;
      const inherited = assignment.scope.toLowerCase() !== vault.resourceId.toLowerCase();
      const appIdentity = this.deps.appPrincipalId !== undefined && assignment.principalId.toLowerCase() === this.deps.appPrincipalId.toLowerCase();
      const where = inherited ? `inherited from ${assignment.scope}` : 'on the vault';
      const who = `${assignment.principalType} ${assignment.principalId}`;
      const schedule = scheduleOf(assignment);
      // Without PIM (or without an instance naming it) an assignment is taken as standing, as before PIM was read.
      const activeAs: ActiveAs | undefined = 'value' in pimRead ? (schedule ? activeAsOf(schedule) : 'standing') : undefined;
      const add = (rule: { id: string }, severity: Severity, message: string, fix: string): void => {
        own.push({
          rule: rule.id,
          severity,
          kind: 'role-assignment',
          object: assignment.id,
          vault: vault.name,
          message,
          fix,
          parameters: { principalId: assignment.principalId, principalType: assignment.principalType, roleName: role.roleName, scope: assignment.scope },
        });
      };

      const data = keyVaultDataAccess(role);
      if (inherited && data) {
        add(
          ACCESS_RULES.inheritedDataAccess,
          data === 'values-or-writes' ? 'high' : 'medium',
          `${who} holds ${role.roleName} ${where}, which grants ${data === 'values-or-writes' ? 'secret values or writes' : 'secret metadata'} in this vault and every other vault under that scope.`,
          `Assign ${role.roleName} (or narrower) on the vault itself and remove the assignment at ${assignment.scope}.`,
        );
      }
      const canAssign = grantsAction(role, ROLE_ASSIGNMENT_WRITE);
      if (inherited && canAssign) {
        add(ACCESS_RULES.inheritedRoleAssignmentWrite, 'high', `${who} holds ${role.roleName} ${where}, which can write role assignments and so grant anyone any access to this vault.`, `Remove ${role.roleName} at ${assignment.scope}, or scope it (with a condition) to what must be delegated.`);
      }
      if (isBroad(role)) {
        add(
          ACCESS_RULES.broadRole,
          'high',
          `${who} holds ${role.roleName} ${where}${BROAD_BUILT_IN_ROLES[role.id] ? '' : ' (a custom role as wide as the broad built-ins)'}.`,
          'Replace it with the narrowest role that does the job: Key Vault Secrets User to read secrets, Key Vault Secrets Officer to manage them, Key Vault Reader for metadata.',
        );
      }
      const secretAdmin = role.id === KEY_VAULT_SECRETS_OFFICER || role.id === KEY_VAULT_ADMINISTRATOR;
      // A ForeignGroup (another tenant's group, through B2B) hides its members from the review just as a Group does.
      const isGroup = assignment.principalType === 'Group' || assignment.principalType === 'ForeignGroup';
      if (secretAdmin && (assignment.principalType === 'User' || isGroup) && activeAs !== 'activation') {
        // A direct assignment with an end date still grants without activation, approval or MFA until it ends, but it does end: lower, not silent.
        const timeBound = activeAs === 'time-bound';
        const how = timeBound ? `by a direct assignment until ${schedule!.endDateTime!.toISOString()} (not a PIM activation)` : activeAs === undefined ? 'standing (PIM could not be read, so an activation cannot be told apart)' : 'standing';
        if (assignment.principalType === 'User') {
          add(ACCESS_RULES.userStandingSecretAdmin, timeBound ? 'low' : 'medium', `User ${assignment.principalId} holds ${role.roleName} ${how} ${where}.`, `Make ${role.roleName} eligible through Privileged Identity Management instead of a direct assignment, or assign it to a group that is.`);
        } else {
          add(
            ACCESS_RULES.groupSecretAdmin,
            timeBound ? 'low' : 'medium',
            `${assignment.principalType === 'ForeignGroup' ? "Another tenant's group" : 'Group'} ${assignment.principalId} holds ${role.roleName} ${how} ${where}; the review cannot see its members (it holds no Microsoft Graph permission), so whoever is in the group holds it.`,
            `Make membership of the group eligible through PIM for Groups (or make ${role.roleName} eligible for the group rather than assigned), and review who is in it.`,
          );
        }
      }
      if (!rbac && grantsAction(role, VAULT_WRITE)) {
        add(
          ACCESS_RULES.accessPolicyVaultWrite,
          'high',
          `${who} holds ${role.roleName} ${where}; the vault uses access policies, so Microsoft.KeyVault/vaults/write lets it add an access policy granting itself any secret.`,
          'Switch the vault to the Azure RBAC permission model (enableRbacAuthorization: true), or remove vaults/write from whoever must not read secrets.',
        );
      }
      if (appIdentity && (inherited || !APP_VAULT_ROLES[role.id])) {
        add(
          ACCESS_RULES.appIdentityExcess,
          'high',
          `The app's own identity holds ${role.roleName} ${where}; infra/ grants it only ${Object.values(APP_VAULT_ROLES).join(' and ')} on each governed vault.`,
          `Remove ${role.roleName} at ${assignment.scope} from the app's identity.`,
        );
      }
      findings.push(...own);
      reviewed.push({
        id: assignment.id,
        scope: assignment.scope,
        inherited,
        principalId: assignment.principalId,
        principalType: assignment.principalType,
        roleDefinitionId: role.id,
        roleName: role.roleName,
        roleType: role.type,
        ...(assignment.condition ? { condition: assignment.condition } : {}),
        appIdentity,
        ...(activeAs ? { activeAs } : {}),
        ...(schedule?.startDateTime ? { startDateTime: schedule.startDateTime.toISOString() } : {}),
        ...(schedule?.endDateTime ? { endDateTime: schedule.endDateTime.toISOString() } : {}),
        ...mayBeDenied(assignment, denies),
        findings: own.map((f) => f.rule),
      });
    }

    const eligible: ReviewedEligibility[] = [];
    for (const { eligibility, role } of 'value' in pimRead ? [...pimRead.value.eligible].sort((a, b) => a.eligibility.id.localeCompare(b.eligibility.id)) : []) {
      const own: Finding[] = [];
      const inherited = scopeKey(eligibility.scope) !== scopeKey(vault.resourceId);
      if (isBroad(role)) {
        own.push({
          rule: ACCESS_RULES.eligibleBroadRole.id,
          severity: 'low',
          kind: 'role-assignment',
          object: eligibility.id,
          vault: vault.name,
          message: `${eligibility.principalType} ${eligibility.principalId} is eligible for ${role.roleName} ${inherited ? `inherited from ${eligibility.scope}` : 'on the vault'}${eligibility.endDateTime ? ` until ${eligibility.endDateTime.toISOString()}` : ', with no end'}: eligible is better than standing, but one activation grants it.`,
          fix: 'Make the eligible role the narrowest that does the job (Key Vault Secrets Officer to manage secrets), on the vault rather than above it, with an end date and approval on activation.',
          parameters: { principalId: eligibility.principalId, principalType: eligibility.principalType, roleName: role.roleName, scope: eligibility.scope },
        });
      }
      findings.push(...own);
      eligible.push({
        id: eligibility.id,
        scope: eligibility.scope,
        inherited,
        principalId: eligibility.principalId,
        principalType: eligibility.principalType,
        roleDefinitionId: role.id,
        roleName: role.roleName,
        roleType: role.type,
        ...(eligibility.memberType ? { memberType: eligibility.memberType } : {}),
        ...(eligibility.condition ? { condition: eligibility.condition } : {}),
        ...(eligibility.startDateTime ? { startDateTime: eligibility.startDateTime.toISOString() } : {}),
        ...(eligibility.endDateTime ? { endDateTime: eligibility.endDateTime.toISOString() } : {}),
        findings: own.map((f) => f.rule),
      });
    }

    for (const { source, problem } of unavailable) {
      findings.push({
        rule: ACCESS_RULES.partialReview.id,
        severity: 'low',
        kind: 'vault',
        object: `${vault.name}/${source}`,
        vault: vault.name,
        message:
          source === 'pim'
            ? `PIM's schedule instances could not be read (${problem}): every direct assignment is taken as standing, activations cannot be told apart, and eligible assignments are not shown.`
            : `Deny assignments could not be read (${problem}): an assignment a deny assignment blocks is shown as if it granted access.`,
        fix: 'Check that the app holds Reader on the vault (Microsoft.Authorization/*/read covers role assignment schedule instances, role eligibility schedule instances and deny assignments), then read the report again.',
        parameters: { source },
      });
    }

    const accessPolicies = rbac ? [] : vault.accessPolicies.map((entry) => ({ objectId: entry.objectId, ...(entry.applicationId ? { applicationId: entry.applicationId } : {}), secrets: entry.permissions.secrets }));
    if (!rbac) {
      for (const entry of vault.accessPolicies) {
        const secrets = entry.permissions.secrets.map((p) => p.toLowerCase());
        const object = `${vault.name}/accessPolicies/${entry.objectId}${entry.applicationId ? `/${entry.applicationId}` : ''}`;
        const parameters = { objectId: entry.objectId, secretPermissions: secrets.join(',') };
        if (secrets.includes('purge') || secrets.includes('all')) {
          findings.push({
            rule: ACCESS_RULES.accessPolicyPurge.id,
            severity: 'high',
            kind: 'access-policy',
            object,
            vault: vault.name,
            message: `An access policy grants ${entry.objectId} ${secrets.includes('all') ? "'all' (purge included)" : 'purge'} on secrets: a deleted secret can be destroyed for good.`,
            fix: 'Remove purge from the policy (and turn on purge protection); purge belongs to no standing identity.',
            parameters,
          });
        }
        const writes = secrets.includes('all') ? SECRET_WRITES : SECRET_WRITES.filter((p) => secrets.includes(p));
        if (writes.length > 0 && isApplication(entry, servicePrincipals)) {
          findings.push({
            rule: ACCESS_RULES.accessPolicyApplicationWrite.id,
            severity: 'medium',
            kind: 'access-policy',
            object,
            vault: vault.name,
            message: `An access policy grants the application ${entry.applicationId ?? entry.objectId} ${writes.join(', ')} on secrets.`,
            fix: 'Give applications get (and list if they must) only; rotation belongs to this app. Better, move the vault to Azure RBAC and assign Key Vault Secrets User.',
            parameters,
          });
        }
      }
    }
    return {
      vault: vault.name,
      resourceId: vault.resourceId,
      vaultUri: vault.vaultUri,
      permissionModel: rbac ? 'rbac' : 'access-policies',
      assignments: reviewed,
      accessPolicies,
      pim: 'value' in pimRead ? 'read' : 'unavailable',
      eligible,
      denyAssignmentsStatus: 'value' in denyRead ? 'read' : 'unavailable',
      denyAssignments: denies,
      ...(unavailable.length > 0 ? { unavailable } : {}),
    };
  }
}

/** Finds an assignment's schedule instance: by originRoleAssignmentId, else by scope, principal and role. */
function scheduleFinder(schedules: ActiveAssignmentSchedule[] | undefined): (assignment: RoleAssignment) => ActiveAssignmentSchedule | undefined {
  const byOrigin = new Map<string, ActiveAssignmentSchedule>();
  const byTriple = new Map<string, ActiveAssignmentSchedule>();
  for (const schedule of schedules ?? []) {
    if (schedule.originRoleAssignmentId) byOrigin.set(schedule.originRoleAssignmentId.toLowerCase(), schedule);
    byTriple.set(tripleOf(schedule.scope, schedule.principalId, schedule.roleDefinitionId), schedule);
  }
  return (assignment) => byOrigin.get(assignment.id.toLowerCase()) ?? byTriple.get(tripleOf(assignment.scope, assignment.principalId, assignment.roleDefinition.id));
}

/** The deny assignments that apply to the vault, as they are: one above the vault that does not apply to child scopes does not reach it. */
function reviewDenyAssignments(denies: DenyAssignment[], vaultId: string): ReviewedDenyAssignment[] {
  return denies
    .filter((d) => scopeKey(d.scope) === scopeKey(vaultId) || !d.doNotApplyToChildScopes)
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((d) => {
      const everyone = d.principals.some((p) => p.id === EVERYONE);
      const deniesKeyVaultData = keyVaultDataAccess({ id: d.name, roleName: d.denyAssignmentName ?? d.name, type: 'DenyAssignment', permissions: d.permissions }) !== undefined;
      const note =
        everyone && deniesKeyVaultData
          ? `Denies Key Vault data actions to everyone${d.excludePrincipals.length > 0 ? ` except ${d.excludePrincipals.map((p) => `${p.type} ${p.id}`).join(', ')}` : ''}: a role assignment to anyone else may not grant the data access it appears to. Effective access is not evaluated.`
          : undefined;
      return {
        id: d.id,
        name: d.name,
        ...(d.denyAssignmentName ? { denyAssignmentName: d.denyAssignmentName } : {}),
        ...(d.description ? { description: d.description } : {}),
        scope: d.scope,
        inherited: scopeKey(d.scope) !== scopeKey(vaultId),
        isSystemProtected: d.isSystemProtected,
        everyone,
        principals: d.principals,
        excludePrincipals: d.excludePrincipals,
        deniesKeyVaultData,
        ...(note ? { note } : {}),
      };
    });
}

/** The deny assignments that may block this assignment's Key Vault data access: they name the principal, or Everyone, and do not exclude it by id (group membership is not known). */
function mayBeDenied(assignment: RoleAssignment, denies: ReviewedDenyAssignment[]): { mayBeDeniedBy?: string[] } {
  if (!keyVaultDataAccess(assignment.roleDefinition)) return {};
  const principal = assignment.principalId.toLowerCase();
  const by = denies
    .filter((d) => d.deniesKeyVaultData && (d.everyone || d.principals.some((p) => p.id.toLowerCase() === principal)) && !d.excludePrincipals.some((p) => p.id.toLowerCase() === principal))
    .map((d) => d.id);
  return by.length > 0 ? { mayBeDeniedBy: by } : {};
}

function summarize(vaults: ReviewedVault[], findings: Finding[]): AccessReport['summary'] {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byRule: Record<string, number> = Object.fromEntries(Object.values(ACCESS_RULES).map((rule) => [rule.id, 0]));
  for (const finding of findings) {
    bySeverity[finding.severity] += 1;
    byRule[finding.rule] = (byRule[finding.rule] ?? 0) + 1;
  }
  return { vaults: vaults.length, assignments: vaults.reduce((n, v) => n + v.assignments.length, 0), findings: findings.length, bySeverity, byRule };
}
