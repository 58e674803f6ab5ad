/**
 * Microsoft.Web/sites as @azure/arm-appservice 19 (api-version 2025-05-01) reads them:
 * webApps.get, listApplicationSettings, listAppSettingsKeyVaultReferences and
 * getAppSettingKeyVaultReference; and the references' refresh, which no SDK method sends
 * (POST .../config/configreferences/appsettings/refresh, api-version 2022-03-01 or later).
 * What a reference resolves to, and when, is site-references.ts.
 */
import { ArmError, armErrors } from './arm-errors.js';
import { isKeyVaultReference, parseKeyVaultReference, type ReferenceStatus } from './key-vault-references.js';
import type { ArmRequestContext, Route } from './routes.js';
import { key } from './scopes.js';
import type { SITE_IDENTITIES } from './seed.js';
import type { SiteReference } from './site-references.js';

export interface CachedReference {
  status: ReferenceStatus;
  activeVersion?: string;
  details: string;
  /** Milliseconds since the epoch on the stand-in's clock. */
  resolvedAt: number;
}

export interface StoredSite {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  kind: string;
  location: string;
  identity: (typeof SITE_IDENTITIES)[number];
  principalId: string;
  tenantId: string;
  appSettings: Map<string, string>;
  /** By setting name: what the site resolved each Key Vault reference to. */
  references: Map<string, CachedReference>;
  createdAt: string;
}

export function siteId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Web/sites/${name}`;
}

function identityBody(site: StoredSite): unknown {
  if (site.identity === 'None') return { type: 'None' };
  return { type: site.identity, principalId: site.principalId, tenantId: site.tenantId };
}

export function siteBody(site: StoredSite): unknown {
  const host = `${site.name}.azurewebsites.net`;
  return {
    id: site.id,
    name: site.name,
    type: 'Microsoft.Web/sites',
    kind: site.kind,
    location: site.location,
    tags: {},
    identity: identityBody(site),
    properties: {
      state: 'Running',
      hostNames: [host],
      enabledHostNames: [host, `${site.name}.scm.azurewebsites.net`],
      defaultHostName: host,
      enabled: true,
      availabilityState: 'Normal',
      resourceGroup: site.resourceGroup,
      httpsOnly: true,
      keyVaultReferenceIdentity: site.identity === 'UserAssigned' ? 'UserAssigned' : 'SystemAssigned',
      usageState: 'Normal',
      lastModifiedTimeUtc: site.createdAt,
    },
  };
}

function appSettingsBody(site: StoredSite): unknown {
  return { id: `${site.id}/config/appsettings`, name: 'appsettings', type: 'Microsoft.Web/sites/config', location: site.location, properties: Object.fromEntries(site.appSettings) };
}

/** ApiKVReference: secretVersion is the version the reference names (none when versionless), activeVersion the one the site holds. */
export function referenceBody(site: StoredSite, reference: SiteReference): unknown {
  const parsed = parseKeyVaultReference(reference.value);
  return {
    id: `${site.id}/config/configreferences/appsettings/${reference.setting}`,
    name: reference.setting,
    type: 'Microsoft.Web/sites/config/configreferences',
    location: site.location,
    properties: {
      reference: reference.value,
      status: reference.cached.status,
      ...(parsed ? { vaultName: parsed.vaultName, secretName: parsed.secretName, ...(parsed.secretVersion ? { secretVersion: parsed.secretVersion } : {}) } : {}),
      ...(reference.cached.activeVersion ? { activeVersion: reference.cached.activeVersion } : {}),
      identityType: { type: site.identity },
      details: reference.cached.details,
      source: 'KeyVault',
    },
  };
}

function findSite(context: ArmRequestContext, subscriptionId: string, group: string, name: string): StoredSite {
  context.requireGroup(subscriptionId, group);
  const site = context.state.sites.get(key(siteId(subscriptionId, group, name)));
  if (!site) throw armErrors.resourceNotFound('Microsoft.Web/sites', name, group);
  return site;
}

async function referencesBody(context: ArmRequestContext, site: StoredSite): Promise<unknown> {
  return { value: (await context.references.current(site)).map((reference) => referenceBody(site, reference)) };
}

const S = '([^/]+)';
const SITE = `^/subscriptions/${S}/resourceGroups/${S}/providers/Microsoft\\.Web/sites/${S}`;
const FAMILY = 'Microsoft.Web/sites' as const;

export function matchSiteRoute(path: string): Route | undefined {
  const at = (suffix: string): [string, string, string, string | undefined] | undefined => {
    const m = new RegExp(`${SITE}${suffix}$`, 'i').exec(path);
    return m ? [m[1]!, m[2]!, m[3]!, m[4]] : undefined;
  };
  let m: ReturnType<typeof at>;
  if ((m = at(''))) {
    const [sub, group, name] = m;
    return { operation: 'webApps.get', family: FAMILY, run: (c) => siteBody(findSite(c, sub, group, name)) };
  }
  if ((m = at('/config/appsettings/list'))) {
    const [sub, group, name] = m;
    return { operation: 'webApps.listApplicationSettings', family: FAMILY, method: 'POST', run: (c) => appSettingsBody(findSite(c, sub, group, name)) };
  }
  if ((m = at('/config/configreferences/appsettings'))) {
    const [sub, group, name] = m;
    return { operation: 'webApps.listAppSettingsKeyVaultReferences', family: FAMILY, run: (c) => referencesBody(c, findSite(c, sub, group, name)) };
  }
  if ((m = at('/config/configreferences/appsettings/refresh'))) {
    const [sub, group, name] = m;
    return {
      operation: 'webApps.refreshAppSettingsKeyVaultReferences',
      family: FAMILY,
      method: 'POST',
      run: async (c) => {
        const site = findSite(c, sub, group, name);
        await c.references.refresh(site);
        return { value: c.references.held(site).map((reference) => referenceBody(site, reference)) };
      },
    };
  }
  if ((m = at(`/config/configreferences/appsettings/${S}`))) {
    const [sub, group, name, setting] = m as [string, string, string, string];
    return {
      operation: 'webApps.getAppSettingKeyVaultReference',
      family: FAMILY,
      run: async (c) => {
        const site = findSite(c, sub, group, name);
        const value = site.appSettings.get(setting);
        if (value === undefined || !isKeyVaultReference(value)) throw new ArmError(404, 'NotFound', `App setting '${setting}' of site '${site.name}' is not a Key Vault reference.`);
        const reference = (await c.references.current(site)).find((candidate) => candidate.setting === setting);
        if (!reference) throw new ArmError(404, 'NotFound', `App setting '${setting}' of site '${site.name}' is not a Key Vault reference.`);
        return referenceBody(site, reference);
      },
    };
  }
  return undefined;
}
