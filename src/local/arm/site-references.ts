/**
 * What a site or slot holds for each Key Vault reference, in its app settings and its
 * connection strings, and when it asks Key Vault again. As App Service does: a resolved
 * reference keeps its version until the references are refreshed or it is a day old, so a new
 * version of the secret is not seen before then; a refresh re-reads every reference of that app
 * (its app settings' and, the stand-in's assumption, its connection strings'), and only
 * versionless ones can move. A reference that did not resolve is tried again whenever it is read
 * (the stand-in's choice, so a seed may name a secret created later).
 */
import { isKeyVaultReference, parseKeyVaultReference, resolveAgainstKeyVault, type KeyVaultTrust, type Resolution } from './key-vault-references.js';
import { ReferenceFaults } from './reference-faults.js';
import { REFERENCE_SOURCES, valuesOf, type CachedReference, type ReferenceSource, type StoredApp } from './sites.js';

export const REFERENCE_CACHE_IN_MS = 24 * 60 * 60 * 1000;

export interface AppReference {
  source: ReferenceSource;
  /** The app setting's or connection string's name. */
  name: string;
  value: string;
  cached: CachedReference;
}

export class SiteReferences {
  readonly faults = new ReferenceFaults();

  constructor(
    private readonly keyVault: KeyVaultTrust | undefined,
    private readonly now: () => Date,
  ) {}

  /** Resolves the references the app holds nothing for yet: what a seed or a settings change leaves. */
  async resolveNew(app: StoredApp): Promise<void> {
    await Promise.all(
      REFERENCE_SOURCES.flatMap((source) => this.#entries(app, source).filter(([name]) => !app.references[source].has(name)).map(([name, value]) => this.#resolve(app, source, name, value))),
    );
  }

  /** Every reference of one source as the app holds it now. */
  async current(app: StoredApp, source: ReferenceSource): Promise<AppReference[]> {
    const now = this.now().getTime();
    await Promise.all(
      this.#entries(app, source)
        .filter(([name]) => {
          const cached = app.references[source].get(name);
          return !cached || cached.status !== 'Resolved' || now - cached.resolvedAt >= REFERENCE_CACHE_IN_MS;
        })
        .map(([name, value]) => this.#resolve(app, source, name, value)),
    );
    return this.held(app, source);
  }

  /** What the app holds for each reference of one source, without asking Key Vault. */
  held(app: StoredApp, source: ReferenceSource): AppReference[] {
    return this.#entries(app, source).flatMap(([name, value]) => {
      const cached = app.references[source].get(name);
      return cached ? [{ source, name, value, cached }] : [];
    });
  }

  /** POST .../config/configreferences/appsettings/refresh: every reference of the app is read again. */
  async refresh(app: StoredApp): Promise<void> {
    await Promise.all(REFERENCE_SOURCES.flatMap((source) => this.#entries(app, source).map(([name, value]) => this.#resolve(app, source, name, value))));
  }

  clear(): void {
    this.faults.clear();
  }

  #entries(app: StoredApp, source: ReferenceSource): Array<[string, string]> {
    return [...valuesOf(app, source)].filter(([, value]) => isKeyVaultReference(value)).sort(([a], [b]) => a.localeCompare(b));
  }

  async #resolve(app: StoredApp, source: ReferenceSource, name: string, value: string): Promise<void> {
    const resolution = await this.#resolution(app, name, value);
    // A settings change while Key Vault was asked wins: keep nothing for a value the app no longer holds.
    if (valuesOf(app, source).get(name) !== value) return;
    app.references[source].set(name, { ...resolution, resolvedAt: this.now().getTime() });
  }

  async #resolution(app: StoredApp, name: string, value: string): Promise<Resolution> {
    const parsed = parseKeyVaultReference(value);
    if (!parsed) return { status: 'InvalidSyntax', details: 'The reference is not @Microsoft.KeyVault(SecretUri=...) or @Microsoft.KeyVault(VaultName=...;SecretName=...[;SecretVersion=...]).' };
    if (app.identity === 'None') return { status: 'MSINotEnabled', details: 'The site has no managed identity to read Key Vault with.' };
    const fault = this.faults.take({ siteId: app.id, setting: name });
    if (fault) return { status: fault.status, details: fault.details ?? `Injected: ${fault.status}.` };
    return resolveAgainstKeyVault(parsed, this.keyVault);
  }
}
