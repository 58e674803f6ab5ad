/** VaultAccessSource in memory, for the core tests of the access review and the vault rules. */
import { NotFoundError, PermanentDependencyError } from '../../../src/core/errors.js';
import type {
  ActiveAssignmentSchedule,
  DenyAssignment,
  DiagnosticSetting,
  EligibleAssignment,
  RoleAssignment,
  RoleDefinition,
  VaultAccessSource,
  VaultProperties,
} from '../../../src/core/reports/access/ports.js';
import { BUILT_IN_ROLES } from '../../../src/local/arm/built-in-roles.js';

export class InMemoryVaultAccess implements VaultAccessSource {
  readonly vaults = new Map<string, VaultProperties>();
  readonly diagnostics = new Map<string, DiagnosticSetting[]>();
  readonly assignments = new Map<string, RoleAssignment[]>();
  readonly schedules = new Map<string, ActiveAssignmentSchedule[]>();
  readonly eligible = new Map<string, EligibleAssignment[]>();
  readonly denies = new Map<string, DenyAssignment[]>();
  readonly customRoles = new Map<string, RoleDefinition>();
  /** Resource ids ARM refuses to show (403). */
  readonly refused = new Set<string>();
  /** Resource ids whose PIM reads, or deny-assignment reads, ARM refuses (403). */
  readonly pimRefused = new Set<string>();
  readonly denyRefused = new Set<string>();

  async getVault(resourceId: string): Promise<VaultProperties> {
    if (this.refused.has(resourceId.toLowerCase())) throw new PermanentDependencyError(`ARM vault answered 403 AuthorizationFailed`);
    const vault = this.vaults.get(resourceId.toLowerCase());
    if (!vault) throw new NotFoundError('ARM vault answered 404 ResourceNotFound');
    return structuredClone(vault);
  }

  async listDiagnosticSettings(resourceId: string): Promise<DiagnosticSetting[]> {
    await this.getVault(resourceId);
    return structuredClone(this.diagnostics.get(resourceId.toLowerCase()) ?? []);
  }

  async *listRoleAssignments(resourceId: string): AsyncIterable<RoleAssignment> {
    await this.getVault(resourceId);
    for (const assignment of this.assignments.get(resourceId.toLowerCase()) ?? []) yield structuredClone(assignment);
  }

  async getRoleDefinition(_resourceId: string, roleDefinitionId: string): Promise<RoleDefinition> {
    const id = roleDefinitionId.toLowerCase();
    const builtIn = BUILT_IN_ROLES.find((role) => role.id === id);
    const role = builtIn ? { id: builtIn.id, roleName: builtIn.roleName, type: builtIn.type, permissions: builtIn.permissions } : this.customRoles.get(id);
    if (!role) throw new NotFoundError(`ARM role definition ${id} answered 404 RoleDefinitionDoesNotExist`);
    return structuredClone(role);
  }

  async *listActiveAssignmentSchedules(resourceId: string): AsyncIterable<ActiveAssignmentSchedule> {
    await this.getVault(resourceId);
    if (this.pimRefused.has(resourceId.toLowerCase())) throw new PermanentDependencyError('ARM role assignment schedule instances answered 403 AuthorizationFailed');
    for (const schedule of this.schedules.get(resourceId.toLowerCase()) ?? []) yield structuredClone(schedule);
  }

  async *listEligibleAssignments(resourceId: string): AsyncIterable<EligibleAssignment> {
    await this.getVault(resourceId);
    if (this.pimRefused.has(resourceId.toLowerCase())) throw new PermanentDependencyError('ARM role eligibility schedule instances answered 403 AuthorizationFailed');
    for (const eligible of this.eligible.get(resourceId.toLowerCase()) ?? []) yield structuredClone(eligible);
  }

  async *listDenyAssignments(resourceId: string): AsyncIterable<DenyAssignment> {
    await this.getVault(resourceId);
    if (this.denyRefused.has(resourceId.toLowerCase())) throw new PermanentDependencyError('ARM deny assignments answered 403 AuthorizationFailed');
    for (const deny of this.denies.get(resourceId.toLowerCase()) ?? []) yield structuredClone(deny);
  }

  add(vault: VaultProperties, assignments: RoleAssignment[] = [], diagnostics: DiagnosticSetting[] = []): void {
    this.vaults.set(vault.resourceId.toLowerCase(), vault);
    this.assignments.set(vault.resourceId.toLowerCase(), assignments);
    this.diagnostics.set(vault.resourceId.toLowerCase(), diagnostics);
  }
}
