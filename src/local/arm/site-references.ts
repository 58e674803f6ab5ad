/**
 * What a site holds for each Key Vault reference, and when it asks Key Vault again. As App
 * Service does: a resolved reference keeps its version until the references are refreshed
 * or it is a day old, so a new version of the secret is not seen before then; a refresh
 * re-reads every reference, and only versionless ones can move. A reference that did not
 * resolve is tried again whenever it is read (the stand-in's choice, so a seed may name a
 * secret created later).
 */
import { isKeyVaultReference, parseKeyVaultReference, resolveAgainstKeyVault, type KeyVaultTrust, type Resolution } from './key-vault-references.js';
import { ReferenceFaults } from './reference-faults.js';
import type { CachedReference, StoredSite } from './sites.js';

export const REFERENCE_CACHE_IN_MS = 24 * 60 * 60 * 1000;

export interface SiteReference {
  setting: string;
  value: string;
  cached: CachedReference;
}

export class SiteReferences {
  readonly faults = new ReferenceFaults();

  constructor(
    private readonly keyVault: KeyVaultTrust | undefined,
    private readonly now: () => Date,
  ) {}

  /** Resolves the references the site holds nothing for yet: what a seed or a settings change leaves. */
  async resolveNew(site: StoredSite): Promise<void> {
    await Promise.all(this.#settings(site).filter(([name]) => !site.references.has(name)).map(([name, value]) => this.#resolve(site, name, value)));
  }

  /** Every reference as the site holds it now. */
  async current(site: StoredSite): Promise<SiteReference[]> {
    const now = this.now().getTime();
    await Promise.all(
      this.#settings(site)
        .filter(([name]) => {
          const cached = site.references.get(name);
          return !cached || cached.status !== 'Resolved' || now - cached.resolvedAt >= REFERENCE_CACHE_IN_MS;
        })
        .map(([name, value]) => this.#resolve(site, name, value)),
    );
    return this.held(site);
  }

  /** What the site holds for each reference, without asking Key Vault. */
  held(site: StoredSite): SiteReference[] {
    return this.#settings(site).flatMap(([setting, value]) => {
      const cached = site.references.get(setting);
      return cached ? [{ setting, value, cached }] : [];
    });
  }

  /** POST .../config/configreferences/appsettings/refresh: every reference is read again. */
  async refresh(site: StoredSite): Promise<void> {
    await Promise.all(this.#settings(site).map(([name, value]) => this.#resolve(site, name, value)));
  }

  clear(): void {
    this.faults.clear();
  }

  #settings(site: StoredSite): Array<[string, string]> {
    return [...site.appSettings].filter(([, value]) => isKeyVaultReference(value)).sort(([a], [b]) => a.localeCompare(b));
  }

  async #resolve(site: StoredSite, setting: string, value: string): Promise<void> {
    const resolution = await this.#resolution(site, setting, value);
    // A settings change while Key Vault was asked wins: keep nothing for a value the site no longer holds.
    if (site.appSettings.get(setting) !== value) return;
    site.references.set(setting, { ...resolution, resolvedAt: this.now().getTime() });
  }

  async #resolution(site: StoredSite, setting: string, value: string): Promise<Resolution> {
    const parsed = parseKeyVaultReference(value);
    if (!parsed) return { status: 'InvalidSyntax', details: 'The reference is not @Microsoft.KeyVault(SecretUri=...) or @Microsoft.KeyVault(VaultName=...;SecretName=...[;SecretVersion=...]).' };
    if (site.identity === 'None') return { status: 'MSINotEnabled', details: 'The site has no managed identity to read Key Vault with.' };
    const fault = this.faults.take({ siteId: site.id, setting });
    if (fault) return { status: fault.status, details: fault.details ?? `Injected: ${fault.status}.` };
    return resolveAgainstKeyVault(parsed, this.keyVault);
  }
}
