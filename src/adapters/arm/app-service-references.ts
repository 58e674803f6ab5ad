/**
 * A web or function app's Key Vault references through ARM: their statuses
 * (@azure/arm-appservice's listAppSettingsKeyVaultReferences) and the refresh that makes App
 * Service read versionless ones again instead of waiting up to 24 hours. No SDK method sends
 * the refresh, so it goes through the same client's pipeline (credential, retries, agent).
 * Errors name the site.
 */
import { createDefaultHttpClient, createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { PermanentDependencyError } from '../../core/errors.js';
import type { ArmClients } from './arm-clients.js';
import { armError } from './arm-vault-access-source.js';

/** The api-version ARM's refresh is documented with (FACTS.md, "Downstream consumers"). */
export const REFERENCE_REFRESH_API_VERSION = '2022-03-01';

export interface AppSettingReferenceStatus {
  /** The app setting's name. */
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

const SITE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Web\/sites\/([^/]+)$/i;

export interface SiteRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export function parseSiteId(siteId: string): SiteRef {
  const match = SITE_ID.exec(siteId);
  if (!match) throw new PermanentDependencyError(`'${siteId.slice(0, 300)}' is not an App Service site resource id`);
  return { subscriptionId: match[1]!, resourceGroup: match[2]!, name: match[3]! };
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

  /** POST {siteId}/config/configreferences/appsettings/refresh: App Service reads every reference again. */
  async refresh(siteId: string, options: AppServiceReferencesOptions = {}): Promise<void> {
    const { subscriptionId, resourceGroup, name } = parseSiteId(siteId);
    const client = this.clients.appService(subscriptionId);
    const path = `/subscriptions/${encodeURIComponent(subscriptionId)}/resourceGroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.Web/sites/${encodeURIComponent(name)}/config/configreferences/appsettings/refresh`;
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
      throw armError(error, `refresh of the Key Vault references of site ${name}`);
    }
    if (response.status < 200 || response.status >= 300) {
      const code = errorCodeOf(response.bodyAsText ?? undefined);
      throw armError(new RestError(`refresh answered ${response.status}`, { statusCode: response.status, ...(code ? { code } : {}) }), `refresh of the Key Vault references of site ${name}`);
    }
  }

  /** Every app setting of the site that is a Key Vault reference, with what App Service holds for it. */
  async statuses(siteId: string, options: AppServiceReferencesOptions = {}): Promise<AppSettingReferenceStatus[]> {
    const { subscriptionId, resourceGroup, name } = parseSiteId(siteId);
    const statuses: AppSettingReferenceStatus[] = [];
    try {
      for await (const reference of this.clients.appService(subscriptionId).webApps.listAppSettingsKeyVaultReferences(resourceGroup, name, options.abortSignal ? { abortSignal: options.abortSignal } : {})) {
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
      throw armError(error, `Key Vault references of site ${name}`);
    }
    return statuses;
  }
}
