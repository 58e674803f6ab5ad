/**
 * What every report reads first: all policies (indexed by the secret they govern), the
 * governed vaults (GOVERNED_VAULT_URLS plus the vaults policies name), and each vault's
 * environment. Policies are held in memory (a few KB each); secrets never are.
 */
import { parseVaultUrl } from '../names.js';
import type { ListedSecret, PolicyRepository, StoredPolicy } from '../ports.js';
import type { RotationPolicy } from '../policy/policy.js';
import { isProtected, type ComplianceSettings } from './compliance/parameters.js';

/** The tag an unmanaged secret may carry to say which environment it belongs to (name compared case-insensitively). */
export const ENVIRONMENT_TAG = 'environment';

const POLICY_PAGE = 1000;

export function secretKey(vaultUrl: string, secretName: string): string {
  return `${vaultUrl.toLowerCase()}|${secretName.toLowerCase()}`;
}

export class GovernedScope {
  readonly #bySecret = new Map<string, StoredPolicy>();
  readonly #vaultEnvironments = new Map<string, string | undefined>();
  /** Sorted by id. */
  readonly policies: readonly StoredPolicy[];
  /** Vault origins, lower-case, sorted. */
  readonly vaults: readonly string[];

  constructor(
    policies: readonly StoredPolicy[],
    governedVaultUrls: readonly string[],
    readonly settings: ComplianceSettings,
  ) {
    this.policies = [...policies].sort((a, b) => (a.policy.id < b.policy.id ? -1 : a.policy.id > b.policy.id ? 1 : 0));
    const byVault = new Map<string, RotationPolicy[]>();
    for (const stored of this.policies) {
      const { policy } = stored;
      this.#bySecret.set(secretKey(policy.vaultUrl, policy.secretName), stored);
      const vault = policy.vaultUrl.toLowerCase();
      const inVault = byVault.get(vault) ?? [];
      inVault.push(policy);
      byVault.set(vault, inVault);
    }
    const vaults = new Set(governedVaultUrls.map((url) => url.toLowerCase()));
    for (const vault of byVault.keys()) vaults.add(vault);
    this.vaults = [...vaults].sort();
    for (const vault of this.vaults) this.#vaultEnvironments.set(vault, vaultEnvironment(byVault.get(vault) ?? [], settings));
  }

  /** Every policy, read page by page from the repository. */
  static async load(repository: PolicyRepository, governedVaultUrls: readonly string[], settings: ComplianceSettings): Promise<GovernedScope> {
    const policies: StoredPolicy[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await repository.list({ pageSize: POLICY_PAGE, ...(continuationToken ? { continuationToken } : {}) });
      policies.push(...page.items);
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return new GovernedScope(policies, governedVaultUrls, settings);
  }

  policyFor(vaultUrl: string, secretName: string): StoredPolicy | undefined {
    return this.#bySecret.get(secretKey(vaultUrl, secretName));
  }

  /** See environmentOfVault in docs/reports.md: a protected environment if any of its policies has one, else the one most of them name. */
  vaultEnvironment(vaultUrl: string): string | undefined {
    return this.#vaultEnvironments.get(vaultUrl.toLowerCase());
  }

  /**
   * A managed secret's environment is its policy's. An unmanaged one's is its `environment`
   * tag or its vault's, whichever is protected (a tag cannot take a secret out of a
   * production vault), else the tag, else the vault's.
   */
  secretEnvironment(secret: Pick<ListedSecret, 'vaultUrl' | 'secretName' | 'tags'>): string | undefined {
    const policy = this.policyFor(secret.vaultUrl, secret.secretName);
    if (policy) return policy.policy.environment;
    const tagged = tagValue(secret.tags, ENVIRONMENT_TAG)?.trim() || undefined;
    const vault = this.vaultEnvironment(secret.vaultUrl);
    return [tagged, vault].find((candidate) => isProtected(this.settings, candidate)) ?? tagged ?? vault;
  }

  isGoverned(vaultUrl: string): boolean {
    return this.vaults.includes(vaultUrl.toLowerCase());
  }
}

/** The value of a tag whose name matches case-insensitively (Azure tag names are). */
export function tagValue(tags: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(tags)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

function vaultEnvironment(policies: readonly RotationPolicy[], settings: ComplianceSettings): string | undefined {
  const counts = new Map<string, number>();
  for (const policy of policies) {
    const environment = policy.environment.trim().toLowerCase();
    counts.set(environment, (counts.get(environment) ?? 0) + 1);
  }
  const protectedOnes = settings.protectedEnvironments.map((e) => e.trim().toLowerCase()).filter((e) => counts.has(e));
  if (protectedOnes.length > 0) return protectedOnes[0];
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return ranked[0]?.[0];
}

/** The vault's name: the first label of its host. */
export function vaultNameOf(vaultUrl: string): string {
  try {
    return parseVaultUrl(vaultUrl).vaultName;
  } catch {
    return new URL(vaultUrl).hostname.split('.')[0] ?? vaultUrl;
  }
}
