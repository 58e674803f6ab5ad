/**
 * Microsoft.Web/sites and their deployment slots as @azure/arm-appservice 19 (api-version
 * 2025-05-01) reads them: webApps.get / getSlot, listApplicationSettings(Slot),
 * listConnectionStrings(Slot), the Key Vault references of app settings
 * (listAppSettingsKeyVaultReferences(Slot), getAppSettingKeyVaultReference(Slot)) and of
 * connection strings (listSiteConnectionStringKeyVaultReferences(Slot),
 * getSiteConnectionStringKeyVaultReference(Slot)); and the references' refresh, which no SDK
 * method sends (POST .../config/configreferences/appsettings/refresh, api-version 2022-03-01 or
 * later; for a slot the same path under the slot, which Microsoft does not document). A slot is
 * an app of its own: its settings, connection strings, identity and references are its own. What a
 * reference resolves to, and when, is site-references.ts.
 */
import { ArmError, armErrors } from './arm-errors.js';
import { isKeyVaultReference, parseKeyVaultReference, type ReferenceStatus } from './key-vault-references.js';
import type { ArmOperation, ArmRequestContext, Route } from './routes.js';
import { key } from './scopes.js';
import type { CONNECTION_STRING_TYPES, SITE_IDENTITIES } from './seed.js';
import type { AppReference } from './site-references.js';

export interface CachedReference {
  status: ReferenceStatus;
  activeVersion?: string;
  details: string;
  /** Milliseconds since the epoch on the stand-in's clock. */
  resolvedAt: number;
}

/** Where a Key Vault reference sits, as ARM's paths name it. */
export type ReferenceSource = 'appsettings' | 'connectionstrings';
export const REFERENCE_SOURCES: readonly ReferenceSource[] = ['appsettings', 'connectionstrings'];

export interface StoredConnectionString {
  value: string;
  type: (typeof CONNECTION_STRING_TYPES)[number];
}

/** A web or function app, or one of its deployment slots: what holds settings and resolves Key Vault references. */
export interface StoredApp {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  /** The site's name (a slot's site's). */
  name: string;
  /** Set for a deployment slot. */
  slot?: string;
  kind: string;
  location: string;
  identity: (typeof SITE_IDENTITIES)[number];
  principalId: string;
  tenantId: string;
  appSettings: Map<string, string>;
  connectionStrings: Map<string, StoredConnectionString>;
  /** By source, then by name: what the app resolved each Key Vault reference to. */
  references: Record<ReferenceSource, Map<string, CachedReference>>;
  createdAt: string;
}

export interface StoredSite extends StoredApp {
  /** By slot name, lower-cased. */
  slots: Map<string, StoredApp>;
}

export function siteId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Web/sites/${name}`;
}

export function slotId(subscriptionId: string, resourceGroup: string, name: string, slot: string): string {
  return `${siteId(subscriptionId, resourceGroup, name)}/slots/${slot}`;
}

/** A site and its slots. */
export function appsOf(site: StoredSite): StoredApp[] {
  return [site, ...site.slots.values()];
}

/** The values a source holds, by name: an app setting's value, a connection string's. */
export function valuesOf(app: StoredApp, source: ReferenceSource): Map<string, string> {
  return source === 'appsettings' ? app.appSettings : new Map([...app.connectionStrings].map(([name, cs]) => [name, cs.value]));
}

const typeOf = (app: StoredApp) => (app.slot ? 'Microsoft.Web/sites/slots' : 'Microsoft.Web/sites');
const appName = (app: StoredApp) => (app.slot ? `${app.name}/${app.slot}` : app.name);

function identityBody(app: StoredApp): unknown {
  if (app.identity === 'None') return { type: 'None' };
  return { type: app.identity, principalId: app.principalId, tenantId: app.tenantId };
}

export function siteBody(app: StoredApp): unknown {
  const host = `${app.slot ? `${app.name}-${app.slot}` : app.name}.azurewebsites.net`;
  return {
    id: app.id,
    name: appName(app),
    type: typeOf(app),
    kind: app.kind,
    location: app.location,
    tags: {},
    identity: identityBody(app),
    properties: {
      state: 'Running',
      hostNames: [host],
      enabledHostNames: [host, host.replace('.azurewebsites.net', '.scm.azurewebsites.net')],
      defaultHostName: host,
      enabled: true,
      availabilityState: 'Normal',
      resourceGroup: app.resourceGroup,
      httpsOnly: true,
      keyVaultReferenceIdentity: app.identity === 'UserAssigned' ? 'UserAssigned' : 'SystemAssigned',
      usageState: 'Normal',
      lastModifiedTimeUtc: app.createdAt,
    },
  };
}

function appSettingsBody(app: StoredApp): unknown {
  return { id: `${app.id}/config/appsettings`, name: 'appsettings', type: `${typeOf(app)}/config`, location: app.location, properties: Object.fromEntries(app.appSettings) };
}

function connectionStringsBody(app: StoredApp): unknown {
  return { id: `${app.id}/config/connectionstrings`, name: 'connectionstrings', type: `${typeOf(app)}/config`, location: app.location, properties: Object.fromEntries(app.connectionStrings) };
}

/** ApiKVReference: secretVersion is the version the reference names (none when versionless), activeVersion the one the app holds. */
export function referenceBody(app: StoredApp, reference: AppReference): unknown {
  const parsed = parseKeyVaultReference(reference.value);
  return {
    id: `${app.id}/config/configreferences/${reference.source}/${reference.name}`,
    name: reference.name,
    type: `${typeOf(app)}/config/configreferences`,
    location: app.location,
    properties: {
      reference: reference.value,
      status: reference.cached.status,
      ...(parsed ? { vaultName: parsed.vaultName, secretName: parsed.secretName, ...(parsed.secretVersion ? { secretVersion: parsed.secretVersion } : {}) } : {}),
      ...(reference.cached.activeVersion ? { activeVersion: reference.cached.activeVersion } : {}),
      identityType: { type: app.identity },
      details: reference.cached.details,
      source: 'KeyVault',
    },
  };
}

function findApp(context: ArmRequestContext, subscriptionId: string, group: string, name: string, slot: string | undefined): StoredApp {
  context.requireGroup(subscriptionId, group);
  const site = context.state.sites.get(key(siteId(subscriptionId, group, name)));
  // ARM's wording for a missing slot names it under its site: 'Microsoft.Web/sites/app/slots/staging'.
  if (!site) throw armErrors.resourceNotFound('Microsoft.Web/sites', slot === undefined ? name : `${name}/slots/${slot}`, group);
  if (slot === undefined) return site;
  const found = site.slots.get(key(slot));
  if (!found) throw armErrors.resourceNotFound('Microsoft.Web/sites', `${site.name}/slots/${slot}`, group);
  return found;
}

async function referencesBody(context: ArmRequestContext, app: StoredApp, source: ReferenceSource): Promise<unknown> {
  return { value: (await context.references.current(app, source)).map((reference) => referenceBody(app, reference)) };
}

const WHAT: Record<ReferenceSource, string> = { appsettings: 'App setting', connectionstrings: 'Connection string' };

async function oneReference(context: ArmRequestContext, app: StoredApp, source: ReferenceSource, name: string): Promise<unknown> {
  const notFound = () => new ArmError(404, 'NotFound', `${WHAT[source]} '${name}' of site '${appName(app)}' is not a Key Vault reference.`);
  const value = valuesOf(app, source).get(name);
  if (value === undefined || !isKeyVaultReference(value)) throw notFound();
  const reference = (await context.references.current(app, source)).find((candidate) => candidate.name === name);
  if (!reference) throw notFound();
  return referenceBody(app, reference);
}

const S = '([^/]+)';
const APP = `^/subscriptions/${S}/resourceGroups/${S}/providers/Microsoft\\.Web/sites/${S}(?:/slots/${S})?`;
const FAMILY = 'Microsoft.Web/sites' as const;

export function matchSiteRoute(path: string): Route | undefined {
  const at = (suffix: string): { sub: string; group: string; name: string; slot: string | undefined; rest: string | undefined } | undefined => {
    const m = new RegExp(`${APP}${suffix}$`, 'i').exec(path);
    return m ? { sub: m[1]!, group: m[2]!, name: m[3]!, slot: m[4], rest: m[5] } : undefined;
  };
  const op = (base: string, slot: string | undefined) => `${base}${slot === undefined ? '' : 'Slot'}` as ArmOperation;
  let m: ReturnType<typeof at>;
  if ((m = at(''))) {
    const { sub, group, name, slot } = m;
    return { operation: slot === undefined ? 'webApps.get' : 'webApps.getSlot', family: FAMILY, run: (c) => siteBody(findApp(c, sub, group, name, slot)) };
  }
  if ((m = at('/config/appsettings/list'))) {
    const { sub, group, name, slot } = m;
    return { operation: op('webApps.listApplicationSettings', slot), family: FAMILY, method: 'POST', run: (c) => appSettingsBody(findApp(c, sub, group, name, slot)) };
  }
  if ((m = at('/config/connectionstrings/list'))) {
    const { sub, group, name, slot } = m;
    return { operation: op('webApps.listConnectionStrings', slot), family: FAMILY, method: 'POST', run: (c) => connectionStringsBody(findApp(c, sub, group, name, slot)) };
  }
  if ((m = at('/config/configreferences/appsettings'))) {
    const { sub, group, name, slot } = m;
    return { operation: op('webApps.listAppSettingsKeyVaultReferences', slot), family: FAMILY, run: (c) => referencesBody(c, findApp(c, sub, group, name, slot), 'appsettings') };
  }
  if ((m = at('/config/configreferences/connectionstrings'))) {
    const { sub, group, name, slot } = m;
    return { operation: op('webApps.listSiteConnectionStringKeyVaultReferences', slot), family: FAMILY, run: (c) => referencesBody(c, findApp(c, sub, group, name, slot), 'connectionstrings') };
  }
  if ((m = at('/config/configreferences/appsettings/refresh'))) {
    const { sub, group, name, slot } = m;
    return {
      operation: op('webApps.refreshAppSettingsKeyVaultReferences', slot),
      family: FAMILY,
      method: 'POST',
      run: async (c) => {
        const app = findApp(c, sub, group, name, slot);
        await c.references.refresh(app);
        return { value: c.references.held(app, 'appsettings').map((reference) => referenceBody(app, reference)) };
      },
    };
  }
  if ((m = at(`/config/configreferences/appsettings/${S}`))) {
    const { sub, group, name, slot, rest } = m;
    return { operation: op('webApps.getAppSettingKeyVaultReference', slot), family: FAMILY, run: (c) => oneReference(c, findApp(c, sub, group, name, slot), 'appsettings', rest!) };
  }
  if ((m = at(`/config/configreferences/connectionstrings/${S}`))) {
    const { sub, group, name, slot, rest } = m;
    return { operation: op('webApps.getSiteConnectionStringKeyVaultReference', slot), family: FAMILY, run: (c) => oneReference(c, findApp(c, sub, group, name, slot), 'connectionstrings', rest!) };
  }
  return undefined;
}
