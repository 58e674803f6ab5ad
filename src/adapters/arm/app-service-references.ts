/**
 * A web or function app's Key Vault references through ARM, for a site or one of its deployment
 * slots: their statuses in app settings (@azure/arm-appservice's
 * listAppSettingsKeyVaultReferences, ...Slot) and in connection strings
 * (listSiteConnectionStringKeyVaultReferences, ...Slot), and the refresh that makes App Service
 * read versionless ones again instead of waiting up to 24 hours. No SDK method sends the
 * refresh, so it goes through the same client's pipeline (credential, retries, agent). Microsoft
 * documents it for an app's resource id; under a slot's id, and its effect on connection strings,
 * are not documented (docs/consumers.md). Errors name the site or slot.
 */
import type { ApiKVReference } from '@azure/arm-appservice';
import { createDefaultHttpClient, createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { PermanentDependencyError } from '../../core/errors.js';
import type { ArmClients } from './arm-clients.js';
import { armError } from './arm-vault-access-source.js';

/** The api-version ARM's refresh is documented with (FACTS.md, "Downstream consumers"). */
export const REFERENCE_REFRESH_API_VERSION = '2022-03-01';

export interface AppSettingReferenceStatus {
  /** The app setting's (or connection string's) name. */
  setting: string;
  /** ARM's ResolveStatus: 'Resolved' when the site holds the secret. */
  status: string;
  /** The setting's value, `@Microsoft.KeyVault(...)`: where the secret is, never the secret. */
  reference?: string;
  vaultName?: string;
  secretName?: string;
  /** The version the reference names; absent for a versionless reference, which follows the newest. */
  pinnedVersion?: string;
  /** The version the site holds now, when Resolved. */
  version?: string;
  details?: string;
}

export interface AppServiceReferencesOptions {
  abortSignal?: AbortSignal;
}

const SITE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Web\/sites\/([^/]+)(?:\/slots\/([^/]+))?$/i;

export interface SiteRef {
  subscriptionId: string;
  resourceGroup: string;
  /** The site's name (a slot's site's). */
  name: string;
  /** Set for a deployment slot. */
  slot?: string;
}

/** A site's or a slot's resource id. */
export function parseSiteId(siteId: string): SiteRef {
  const match = SITE_ID.exec(siteId);
  if (!match) throw new PermanentDependencyError(`'${siteId.slice(0, 300)}' is not an App Service site or slot resource id`);
  return { subscriptionId: match[1]!, resourceGroup: match[2]!, name: match[3]!, ...(match[4] ? { slot: match[4] } : {}) };
}

/** How errors and the audit name it: `site app-orders` or `slot app-orders/staging`. */
export function appLabel(ref: SiteRef): string {
  return ref.slot ? `slot ${ref.name}/${ref.slot}` : `site ${ref.name}`;
}

function errorCodeOf(bodyText: string | undefined): string | undefined {
  try {
    const code = (JSON.parse(bodyText ?? '') as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code.slice(0, 100) : undefined;
  } catch {
    return undefined;
  }
}

export class AppServiceReferences {
  readonly #httpClient = createDefaultHttpClient();

  constructor(private readonly clients: ArmClients) {}

  /** POST {siteId}/config/configreferences/appsettings/refresh (a slot's id too): App Service reads the app's references again. */
  async refresh(siteId: string, options: AppServiceReferencesOptions = {}): Promise<void> {
    const ref = parseSiteId(siteId);
    const { subscriptionId, resourceGroup, name, slot } = ref;
    const client = this.clients.appService(subscriptionId);
    const app = `/subscriptions/${encodeURIComponent(subscriptionId)}/resourceGroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.Web/sites/${encodeURIComponent(name)}${slot ? `/slots/${encodeURIComponent(slot)}` : ''}`;
    const path = `${app}/config/configreferences/appsettings/refresh`;
    const request = createPipelineRequest({
      url: `${this.clients.endpoint}${path}?api-version=${REFERENCE_REFRESH_API_VERSION}`,
      method: 'POST',
      headers: createHttpHeaders({ accept: 'application/json' }),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
    let response;
    try {
      response = await client.pipeline.sendRequest(this.#httpClient, request);
    } catch (error) {
      throw armError(error, `refresh of the Key Vault references of ${appLabel(ref)}`);
    }
    if (response.status < 200 || response.status >= 300) {
      const code = errorCodeOf(response.bodyAsText ?? undefined);
      throw armError(new RestError(`refresh answered ${response.status}`, { statusCode: response.status, ...(code ? { code } : {}) }), `refresh of the Key Vault references of ${appLabel(ref)}`);
    }
  }

  /** Every app setting of the site or slot that is a Key Vault reference, with what App Service holds for it. */
  async statuses(siteId: string, options: AppServiceReferencesOptions = {}): Promise<AppSettingReferenceStatus[]> {
    const ref = parseSiteId(siteId);
    const webApps = this.clients.appService(ref.subscriptionId).webApps;
    const sdkOptions = options.abortSignal ? { abortSignal: options.abortSignal } : {};
    const pages = ref.slot ? webApps.listAppSettingsKeyVaultReferencesSlot(ref.resourceGroup, ref.name, ref.slot, sdkOptions) : webApps.listAppSettingsKeyVaultReferences(ref.resourceGroup, ref.name, sdkOptions);
    return collect(pages, `Key Vault references of ${appLabel(ref)}`);
  }

  /** Every connection string of the site or slot that is a Key Vault reference, with what App Service holds for it. */
  async connectionStringStatuses(siteId: string, options: AppServiceReferencesOptions = {}): Promise<AppSettingReferenceStatus[]> {
    const ref = parseSiteId(siteId);
    const webApps = this.clients.appService(ref.subscriptionId).webApps;
    const sdkOptions = options.abortSignal ? { abortSignal: options.abortSignal } : {};
    const pages = ref.slot
      ? webApps.listSiteConnectionStringKeyVaultReferencesSlot(ref.resourceGroup, ref.name, ref.slot, sdkOptions)
      : webApps.listSiteConnectionStringKeyVaultReferences(ref.resourceGroup, ref.name, sdkOptions);
    return collect(pages, `connection-string Key Vault references of ${appLabel(ref)}`);
  }
}

async function collect(pages: AsyncIterable<ApiKVReference>, what: string): Promise<AppSettingReferenceStatus[]> {
  const statuses: AppSettingReferenceStatus[] = [];
  try {
    for await (const reference of pages) {
      const resolved = reference.status === 'Resolved';
      const version = reference.activeVersion ?? (resolved ? reference.secretVersion : undefined);
      statuses.push({
        setting: reference.name ?? '',
        status: reference.status ?? 'OtherReasons',
        ...(reference.reference ? { reference: reference.reference } : {}),
        ...(reference.vaultName ? { vaultName: reference.vaultName } : {}),
        ...(reference.secretName ? { secretName: reference.secretName } : {}),
        ...(reference.secretVersion ? { pinnedVersion: reference.secretVersion } : {}),
        ...(resolved && version ? { version } : {}),
        ...(reference.details ? { details: reference.details } : {}),
      });
    }
  } catch (error) {
    throw armError(error, what);
  }
  return statuses;
}
