/**
 * The `entra-app-secret` issuer: an Entra application's client secret. Entra issues the secret
 * (Graph addPassword), so the vault holds what Entra made. A new secret is proven with a real
 * client-credentials sign-in at Entra's token endpoint, retried while it propagates (new secrets
 * take seconds to work), and the replaced one is removed (removePassword) only after the grace
 * period. An application keeps several secrets, so issuing never touches the one in use.
 *
 * Entra cannot tell which keyId a secret's text belongs to (Graph shows only a three-character
 * hint), so there is no identify(): the strategy remembers the keyId the vault holds.
 */
import type { Agent } from 'node:https';
import { ClientSecretCredential } from '@azure/identity';
import { z } from 'zod';
import type { GraphSettings } from '../../config.js';
import { CredentialRefusedError, type IssuedCredential, type IssuerKind } from '../../core/consumers/consumer-port.js';
import { boundedDurationSchema, issuerSchema } from '../../core/consumers/follower-schema.js';
import { DAY_MS, parseDuration } from '../../core/durations.js';
import { PermanentDependencyError, TransientDependencyError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { boundText } from '../../core/untrusted-text.js';
import type { AzureClientFactory } from '../azure-clients.js';
import { ApplicationPasswords, GRAPH_SCOPE, graphStandInAgent, type ApplicationInfo } from '../graph/application-passwords.js';

export const ENTRA_APP_SECRET_KIND = 'entra-app-secret';
/** Without validFor: long enough for the usual rotation periods and their grace, well inside Entra's recommended 2 years. */
export const DEFAULT_VALID_FOR = '180d';
export const MIN_VALID_FOR_MS = 3_600_000;
/** Entra's recommended (and app-management-policy) ceiling for client secrets. */
export const MAX_VALID_FOR_DAYS = 730;
export const MAX_DISPLAY_NAME_LENGTH = 100;
export const DEFAULT_POLL_INTERVAL_IN_MS = 1_000;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A tenant id (GUID) or a verified domain (contoso.onmicrosoft.com), as ClientSecretCredential takes it. */
const TENANT = /^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/;
const guid = (what: string) => z.string().regex(GUID, `must be ${what} (a GUID)`).transform((id) => id.toLowerCase());

export const entraAppSecretSchema = issuerSchema(ENTRA_APP_SECRET_KIND, {
  /** The application's object id (Graph's /applications/{id}), not its client id. */
  applicationObjectId: guid("the application's object id"),
  /** The application's client id: whom the token request signs in as. */
  appId: guid("the application's client id (appId)"),
  /** The application's tenant; default the deployment's (AUTH_TENANT_ID). */
  tenantId: z.string().regex(TENANT, 'must be a tenant id (GUID) or domain').optional(),
  /** The secret's description in Entra; default 'kvrot <consumer name>'. */
  displayName: z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_DISPLAY_NAME_LENGTH, `must be at most ${MAX_DISPLAY_NAME_LENGTH} characters`)
    .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII')
    .optional(),
  /** How long each secret Entra issues lives (its endDateTime); default 180d, at most 730d. */
  validFor: boundedDurationSchema(MIN_VALID_FOR_MS, MAX_VALID_FOR_DAYS * DAY_MS, `must be from 1h to ${MAX_VALID_FOR_DAYS}d: Entra recommends client secrets live at most 2 years`).optional(),
});

export type EntraAppSecretSpec = z.output<typeof entraAppSecretSchema>;

/** What the kind is built with; read on first use, since the catalog that only validates has none of it. */
export interface EntraAppSecretRuntime {
  readonly config: { readonly graph: GraphSettings; readonly auth: { readonly tenantId: string } };
  readonly clients: Pick<AzureClientFactory, 'credential'>;
  readonly logger: Logger;
}

export interface EntraAppSecretOptions {
  /** How often verify asks for a token while a new secret propagates; default 1 s. */
  pollIntervalInMs?: number;
  /** Tests shorten the Graph client's retry delays. */
  graphRetryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Entra's answer in a token failure: the AADSTS code and its first sentence, nothing of the request. */
function entraReason(error: unknown): { refused: boolean; reason: string } {
  const message = error instanceof Error ? error.message : String(error);
  const code = /AADSTS(\d+)/.exec(message)?.[1];
  if (!code) return { refused: false, reason: boundText(error instanceof Error ? error.name : 'unknown error', 64) };
  const sentence = new RegExp(`AADSTS${code}: ([^.\\n]{0,200}\\.?)`).exec(message)?.[1] ?? '';
  // invalid_client: a wrong, expired, not yet propagated or removed secret (7000215, 7000222), or an unknown client (700016).
  return { refused: /invalid_client|unauthorized_client/.test(message) || ['7000215', '7000222', '700016'].includes(code), reason: `AADSTS${code}${sentence ? `: ${sentence}` : ''}` };
}

export function entraAppSecretConsumer(runtime: EntraAppSecretRuntime, options: EntraAppSecretOptions = {}): IssuerKind<EntraAppSecretSpec> {
  const pollIntervalInMs = options.pollIntervalInMs ?? DEFAULT_POLL_INTERVAL_IN_MS;
  // Built on first use: the validation-only catalog must never reach Graph.
  let built: { passwords: ApplicationPasswords; agent?: Agent } | undefined;
  const graph = () => {
    if (!built) {
      const settings = runtime.config.graph;
      const agent = settings.standIn ? graphStandInAgent(settings.standIn) : undefined;
      built = { passwords: new ApplicationPasswords({ settings, credential: runtime.clients.credential, ...(options.graphRetryOptions ? { retryOptions: options.graphRetryOptions } : {}) }, agent), ...(agent ? { agent } : {}) };
    }
    return built;
  };

  /** Look first: the application exists, the identity can read it, and it is the client the spec signs in as. */
  async function application(spec: EntraAppSecretSpec): Promise<ApplicationInfo> {
    const app = await graph().passwords.get(spec.applicationObjectId);
    if (app.appId !== spec.appId) {
      throw new PermanentDependencyError(`application ${spec.applicationObjectId} has client id ${app.appId}, not ${spec.appId} as consumer '${spec.name}' says: fix appId or applicationObjectId`);
    }
    return app;
  }

  async function remove(spec: EntraAppSecretSpec, keyId: string): Promise<'removed' | 'absent'> {
    return graph().passwords.remove(spec.applicationObjectId, keyId);
  }

  return {
    kind: ENTRA_APP_SECRET_KIND,
    role: 'issuer',
    schema: entraAppSecretSchema,

    async issue(spec, inUse): Promise<IssuedCredential> {
      await application(spec);
      const validForMs = parseDuration(spec.validFor ?? DEFAULT_VALID_FOR).milliseconds;
      const endDateTime = new Date(Date.now() + validForMs);
      const added = await graph().passwords.add(spec.applicationObjectId, { displayName: spec.displayName ?? `kvrot ${spec.name}`, endDateTime });
      runtime.logger.info('entra-app-secret.issued', { consumer: spec.name, applicationObjectId: spec.applicationObjectId, keyId: added.keyId, ...(inUse ? { inUse } : {}), endDateTime: (added.endDateTime ?? endDateTime).toISOString() });
      return { id: added.keyId, value: added.secretText, expiresOn: added.endDateTime ?? endDateTime };
    },

    async verify(spec, credential) {
      const settings = runtime.config.graph;
      const tenantId = spec.tenantId ?? runtime.config.auth.tenantId;
      const agent = graph().agent;
      const deadline = Date.now() + settings.secretPropagationInMs;
      let attempts = 0;
      let last: { refused: boolean; reason: string } | undefined;
      for (;;) {
        attempts += 1;
        // A fresh credential each time: MSAL would otherwise remember nothing useful, but keep no state between tries either.
        const signIn = new ClientSecretCredential(tenantId, spec.appId, credential.value.reveal(), {
          authorityHost: settings.authorityHost,
          retryOptions: { maxRetries: 0 },
          // Locally MSAL would ask login.microsoftonline.com:443, not the stand-in, whether the authority is known.
          ...(agent ? { agent, disableInstanceDiscovery: true } : {}),
        });
        try {
          const token = await signIn.getToken(GRAPH_SCOPE, { abortSignal: AbortSignal.timeout(Math.max(5_000, deadline - Date.now())) });
          if (token?.token) {
            runtime.logger.info('entra-app-secret.verified', { consumer: spec.name, applicationObjectId: spec.applicationObjectId, keyId: credential.id, attempts });
            return;
          }
          last = { refused: false, reason: 'no token in the answer' };
        } catch (error) {
          last = entraReason(error);
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        await sleep(Math.min(pollIntervalInMs, remaining));
      }
      const waited = `${Math.round(settings.secretPropagationInMs / 1000)} s (ENTRA_SECRET_PROPAGATION_SECONDS), ${attempts} attempts`;
      const what = `application ${spec.applicationObjectId} (client ${spec.appId}): a token with client secret ${credential.id}`;
      if (last?.refused) throw new CredentialRefusedError(`${what} was still refused after ${waited}: ${last.reason}`);
      throw new TransientDependencyError(`${what} could not be had within ${waited}: ${last?.reason ?? 'no answer'}`);
    },

    async revoke(spec, id, keep) {
      // Look, then act: never leave the application without the secret the vault holds.
      const app = await application(spec);
      const keyIds = new Set(app.passwordCredentials.map((c) => c.keyId));
      if (!keyIds.has(keep.toLowerCase())) {
        throw new PermanentDependencyError(`application ${spec.applicationObjectId} no longer has client secret ${keep}, the one the vault holds: not removing ${id}, which may be the only one that works; rotate again to issue a new one`);
      }
      const outcome = await remove(spec, id);
      runtime.logger.info('entra-app-secret.revoked', { consumer: spec.name, applicationObjectId: spec.applicationObjectId, keyId: id, outcome });
      return outcome === 'removed' ? `removed client secret '${id}' from application ${spec.applicationObjectId}; '${keep}' stays` : `client secret '${id}' was already gone from application ${spec.applicationObjectId}; '${keep}' stays`;
    },

    async discard(spec, id) {
      const outcome = await remove(spec, id);
      runtime.logger.info('entra-app-secret.discarded', { consumer: spec.name, applicationObjectId: spec.applicationObjectId, keyId: id, outcome });
    },
  };
}
