/**
 * The `app-service` follower: web apps and function apps, and their deployment slots, that read
 * the secret through Key Vault references in app settings or connection strings. App Service
 * keeps a resolved reference for up to 24 hours and a restart does not read it again, so after
 * the switch each listed site or slot's references are refreshed through ARM
 * (POST .../config/configreferences/appsettings/refresh), and the follower confirms only once
 * every app setting and connection string that reads this secret reports Resolved with the
 * switched version.
 *
 * Only versionless references can follow: one that names another version is a configuration
 * problem no retry fixes, and so is an app where nothing reads the secret (a follower that
 * confirms nothing must not pass).
 */
import { z } from 'zod';
import type { ArmClients } from '../arm/arm-clients.js';
import { AppServiceReferences, appLabel, parseSiteId, type AppSettingReferenceStatus } from '../arm/app-service-references.js';
import type { FollowerKind, SwitchedVersion } from '../../core/consumers/consumer-port.js';
import { deliveryTimeoutSchema, followerSchema } from '../../core/consumers/follower-schema.js';
import { parseDuration } from '../../core/durations.js';
import { DomainError, PermanentDependencyError, TransientDependencyError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

export const APP_SERVICE_KIND = 'app-service';
/** Sites and slots per consumer: each is a refresh and a few reads per rotation, all inside one delivery. */
export const MAX_SITES = 20;
/** App settings named per consumer; connection strings named per consumer, the same. */
export const MAX_SETTINGS = 50;
export const DEFAULT_TIMEOUT_IN_MS = 60_000;
/** Well under the rotation lease (ROTATION_LEASE_SECONDS, 300 by default), which the delivery runs inside. */
export const MAX_TIMEOUT_SECONDS = 120;
export const DEFAULT_POLL_INTERVAL_IN_MS = 2_000;

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** ARM's rule for resource group names: 1-90 of letters, digits, _ - . ( ), not ending in a period. */
const RESOURCE_GROUP = '[-\\w._()]{0,89}[-\\w_()]';
/** App Service's rule for site names: 2-60 letters, digits and hyphens, not starting or ending with a hyphen. */
const SITE_NAME = '[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]';
const SITE_ID = new RegExp(`^/subscriptions/${GUID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft\\.Web/sites/${SITE_NAME}$`, 'i');
const SLOT_ID = new RegExp(`^/subscriptions/${GUID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft\\.Web/sites/${SITE_NAME}/slots/${SITE_NAME}$`, 'i');
/** App setting and connection string names as App Service takes them on Windows and Linux. */
const APP_SETTING = /^[A-Za-z0-9_.:-]{1,256}$/;

function uniqueIgnoringCase(values: readonly string[], ctx: z.RefinementCtx, what: string): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    const key = value.toLowerCase();
    if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index], message: `names the same ${what} twice` });
    seen.add(key);
  });
}

const siteIdSchema = z
  .string()
  .max(600, 'must be at most 600 characters')
  .superRefine((id, ctx) => {
    if (!SITE_ID.test(id) && !SLOT_ID.test(id)) ctx.addIssue({ code: 'custom', message: 'must be /subscriptions/{guid}/resourceGroups/{group}/providers/Microsoft.Web/sites/{name}, or a slot of it: .../sites/{name}/slots/{slot}' });
  });

const appServiceSchema = followerSchema(APP_SERVICE_KIND, {
  /** The web apps and function apps, or their deployment slots, whose Key Vault references read this secret. */
  siteIds: z
    .array(siteIdSchema)
    .min(1, 'must list at least one site')
    .max(MAX_SITES, `must list at most ${MAX_SITES} sites`)
    .superRefine((ids, ctx) => uniqueIgnoringCase(ids, ctx, 'site')),
  /**
   * The app settings that must follow. With `connectionStrings`, the two name everything that
   * must; when both are left out, every app setting and connection string of each site whose
   * reference reads this secret must.
   */
  settings: z
    .array(z.string().regex(APP_SETTING, 'must be an app setting name: 1-256 letters, digits, _ . : -'))
    .min(1, 'must name at least one setting, or be left out for every setting that reads this secret')
    .max(MAX_SETTINGS, `must name at most ${MAX_SETTINGS} settings`)
    .superRefine((names, ctx) => uniqueIgnoringCase(names, ctx, 'setting'))
    .optional(),
  /** The connection strings that must follow (see `settings`). */
  connectionStrings: z
    .array(z.string().regex(APP_SETTING, 'must be a connection string name: 1-256 letters, digits, _ . : -'))
    .min(1, 'must name at least one connection string, or be left out')
    .max(MAX_SETTINGS, `must name at most ${MAX_SETTINGS} connection strings`)
    .superRefine((names, ctx) => uniqueIgnoringCase(names, ctx, 'connection string'))
    .optional(),
  /** How long each delivery waits for the references to resolve to the new version; default 60s. */
  timeout: deliveryTimeoutSchema(MAX_TIMEOUT_SECONDS).optional(),
});

export type AppServiceSpec = z.output<typeof appServiceSchema>;

export interface AppServiceRuntime {
  arm: ArmClients;
  logger: Logger;
}

export interface AppServiceConsumerOptions {
  /** How often the references are read while waiting; default 2 s. */
  pollIntervalInMs?: number;
}

/** The secret a switched version is, as App Service names it in a reference: the vault's name (its host's first label) and the secret's. */
interface Target {
  vaultName: string;
  secretName: string;
  version: string;
}

function targetOf(switched: SwitchedVersion): Target {
  const { vaultUrl, secretName, version } = switched.version;
  return { vaultName: new URL(vaultUrl).hostname.split('.')[0]!.toLowerCase(), secretName, version };
}

function readsTarget(status: AppSettingReferenceStatus, target: Target): boolean {
  return status.vaultName?.toLowerCase() === target.vaultName && status.secretName?.toLowerCase() === target.secretName.toLowerCase();
}

const secretOf = (target: Target) => `${target.vaultName}/${target.secretName}`;

/** Where a reference sits: it names the entry in errors and the audit. */
type Source = 'app setting' | 'connection string';

interface Watched extends AppSettingReferenceStatus {
  source: Source;
}

const nameOf = (status: Watched) => `${status.source} ${status.setting}`;

/** The entries that must follow on this app; throws when its configuration means none ever can. */
function watchedEntries(spec: AppServiceSpec, app: string, found: Record<Source, AppSettingReferenceStatus[]>, target: Target): Watched[] {
  const tagged = (source: Source) => found[source].map((status) => ({ ...status, source }));
  let watched: Watched[];
  if (spec.settings || spec.connectionStrings) {
    const named = (source: Source, names: string[] | undefined): Watched[] =>
      (names ?? []).map((name) => {
        const status = tagged(source).find((s) => s.setting.toLowerCase() === name.toLowerCase());
        if (!status) throw new PermanentDependencyError(`${app}: ${source} ${name} is not a Key Vault reference (or does not exist), so it cannot follow ${secretOf(target)}`);
        if (status.vaultName && !readsTarget(status, target)) {
          throw new PermanentDependencyError(`${app}: ${source} ${name} reads ${status.vaultName}/${status.secretName ?? '?'}, not ${secretOf(target)}`);
        }
        return status;
      });
    watched = [...named('app setting', spec.settings), ...named('connection string', spec.connectionStrings)];
  } else {
    watched = [...tagged('app setting'), ...tagged('connection string')].filter((status) => readsTarget(status, target));
    if (watched.length === 0) {
      throw new PermanentDependencyError(
        `nothing on ${app} reads this secret (${secretOf(target)}): no Key Vault reference in its app settings or connection strings names it, so there is nothing to confirm; fix siteIds or the app's settings`,
      );
    }
  }
  const pinned = watched.filter((status) => status.pinnedVersion && status.pinnedVersion.toLowerCase() !== target.version.toLowerCase());
  if (pinned.length > 0) {
    throw new PermanentDependencyError(
      `${app}: ${pinned.map((s) => `${nameOf(s)} names version ${s.pinnedVersion}`).join(', ')}: only versionless references pick up new versions; drop the version from the reference (SecretUri=https://${target.vaultName}.vault.azure.net/secrets/${target.secretName}/ or VaultName=...;SecretName=...)`,
    );
  }
  return watched;
}

function confirmed(status: AppSettingReferenceStatus, target: Target): boolean {
  return status.status === 'Resolved' && status.version?.toLowerCase() === target.version.toLowerCase();
}

function describeStatus(status: Watched, target: Target): string {
  if (status.status === 'Resolved') {
    // Microsoft documents the refresh for app settings; whether it re-reads connection strings is not documented.
    const hint = status.source === 'connection string' ? ' (the documented refresh is for app settings; a change to the app\'s configuration re-reads every reference)' : '';
    return `${nameOf(status)} still resolves to version ${status.version ?? '(none reported)'}, not ${target.version}${hint}`;
  }
  return `${nameOf(status)} is ${status.status}${status.details ? ` (${status.details.slice(0, 300)})` : ''}`;
}

/** `app settings A, B; connection strings Db` */
function namesOf(watched: Watched[]): string {
  const list = (source: Source, plural: string) => {
    const names = watched.filter((s) => s.source === source).map((s) => s.setting);
    return names.length > 0 ? [`${plural} ${names.join(', ')}`] : [];
  };
  return [...list('app setting', 'app settings'), ...list('connection string', 'connection strings')].join('; ');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function appServiceConsumer(runtime: AppServiceRuntime, options: AppServiceConsumerOptions = {}): FollowerKind<AppServiceSpec> {
  const pollIntervalInMs = options.pollIntervalInMs ?? DEFAULT_POLL_INTERVAL_IN_MS;
  // Built on first use: the validation-only catalog must never reach ARM.
  let references: AppServiceReferences | undefined;
  const referencesOf = () => (references ??= new AppServiceReferences(runtime.arm));

  /** Connection strings are read only when some may have to follow: not when only app settings are named. */
  async function read(spec: AppServiceSpec, siteId: string, abortSignal: AbortSignal): Promise<Record<Source, AppSettingReferenceStatus[]>> {
    const client = referencesOf();
    const readsConnectionStrings = spec.connectionStrings !== undefined || spec.settings === undefined;
    const [settings, connectionStrings] = await Promise.all([client.statuses(siteId, { abortSignal }), readsConnectionStrings ? client.connectionStringStatuses(siteId, { abortSignal }) : []]);
    return { 'app setting': settings, 'connection string': connectionStrings };
  }

  /** Look, then act: an app already holding the version is not refreshed again. Resolves with what was confirmed. */
  async function confirmApp(spec: AppServiceSpec, siteId: string, target: Target, timeoutInMs: number, log: Record<string, string>): Promise<string> {
    const app = appLabel(parseSiteId(siteId));
    const client = referencesOf();
    const deadline = Date.now() + timeoutInMs;
    const signal = () => AbortSignal.timeout(Math.max(5_000, deadline - Date.now()));
    let watched = watchedEntries(spec, app, await read(spec, siteId, signal()), target);
    const names = () => namesOf(watched);
    if (watched.every((status) => confirmed(status, target))) return `${app}: ${names()} already resolved to version ${target.version}`;
    await client.refresh(siteId, { abortSignal: signal() });
    runtime.logger.info('app-service.refreshed', { ...log, site: app });
    for (;;) {
      watched = watchedEntries(spec, app, await read(spec, siteId, signal()), target);
      if (watched.every((status) => confirmed(status, target))) return `${app}: ${names()} resolved to version ${target.version} after a refresh`;
      // A refresh may take a moment to show; a status that is not Resolved is reported only if it lasts to the deadline.
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const pending = watched.filter((status) => !confirmed(status, target)).map((status) => describeStatus(status, target));
        throw new TransientDependencyError(`${app}: ${pending.join('; ')}, ${Math.round(timeoutInMs / 1000)} s after the refresh`);
      }
      await sleep(Math.min(pollIntervalInMs, remaining));
    }
  }

  return {
    kind: APP_SERVICE_KIND,
    role: 'follower',
    schema: appServiceSchema,
    async deliver(spec, switched) {
      const target = targetOf(switched);
      const timeoutInMs = spec.timeout ? parseDuration(spec.timeout).milliseconds : DEFAULT_TIMEOUT_IN_MS;
      const log = { policyId: switched.policyId, rotationId: switched.rotationId, consumer: spec.name, vaultUrl: switched.version.vaultUrl, secretName: target.secretName, version: target.version };
      const results = await Promise.allSettled(spec.siteIds.map((siteId) => confirmApp(spec, siteId, target, timeoutInMs, log)));
      const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
      if (failures.length === 0) return results.map((result) => (result as PromiseFulfilledResult<string>).value).join('; ');
      const message = failures.map((error) => (error instanceof Error ? error.message : String(error))).join('; ');
      runtime.logger.warn('app-service.not-confirmed', { ...log, error: message });
      if (failures.length === 1) throw failures[0];
      // No retry can fix a configuration problem; anything else may pass.
      const permanent = failures.some((error) => error instanceof DomainError && !error.retryable);
      throw permanent ? new PermanentDependencyError(message, { cause: failures[0] }) : new TransientDependencyError(message, { cause: failures[0] });
    },
  };
}
