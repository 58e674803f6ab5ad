/** VaultAccessSource in memory, for the core tests of the access review and the vault rules. */
import { NotFoundError, PermanentDependencyError } from '../../../src/core/errors.js';
import type { DiagnosticSetting, RoleAssignment, VaultAccessSource, VaultProperties } from '../../../src/core/reports/access/ports.js';

export class InMemoryVaultAccess implements VaultAccessSource {
  readonly vaults = new Map<string, VaultProperties>();
  readonly diagnostics = new Map<string, DiagnosticSetting[]>();
  readonly assignments = new Map<string, RoleAssignment[]>();
  /** Resource ids ARM refuses to show (403). */
  readonly refused = new Set<string>();

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

  add(vault: VaultProperties, assignments: RoleAssignment[] = [], diagnostics: DiagnosticSetting[] = []): void {
    this.vaults.set(vault.resourceId.toLowerCase(), vault);
    this.assignments.set(vault.resourceId.toLowerCase(), assignments);
    this.diagnostics.set(vault.resourceId.toLowerCase(), diagnostics);
  }
}
