/**
 * GET /api/reports/inventory: every secret of every governed vault, as Key Vault lists it
 * (metadata only), with the policy that governs it and that policy's rotation record. Items
 * come a bounded page at a time; the summary is a streaming pass that keeps counts only.
 */
import { NO_CONSUMER_KINDS, type ConsumerCatalog } from '../consumers/consumer-port.js';
import { DAY_MS } from '../durations.js';
import type { RotationPolicy } from '../policy/policy.js';
import type { AuditLog, ListedSecret, PolicyState, PolicyStateStore, SecretListing, StoredPolicy } from '../ports.js';
import { parametersFor } from './compliance/parameters.js';
import { vaultNameOf, type GovernedScope } from './governed-scope.js';
import { STATE_RUN, statesOf } from './policy-states.js';
import { replicaLookup, type ReplicaLookup } from './replicas.js';
import { decodeReportToken, encodeReportToken } from './report-token.js';
import { forEachSecretPage, readSecrets, secretCursorSchema } from './vault-secrets.js';

/** The audit query's longest range: out-of-band versions are counted over it. */
export const OUT_OF_BAND_WINDOW_DAYS = 366;

export type PolicyStatus = 'ok' | 'failing' | 'parked' | 'disabled' | 'never-rotated';

export interface InventoryItem {
  vault: string;
  name: string;
  /** The governing policy's id, or null: unmanaged, or a replica. */
  managedBy: string | null;
  /** For a secret no policy governs: the policy whose follower writes it as a replica of its own secret, else null. */
  replicaOf: string | null;
  /** The environment whose parameters apply (the policy's or the replicating policy's, else its tag's or its vault's). */
  environment: string | null;
  enabled: boolean;
  expiresOn: string | null;
  /** Whole days until expiry, negative once expired; null without an expiry. */
  daysLeft: number | null;
  currentVersionAgeDays: number | null;
  contentType: string | null;
  lastRotation: { at: string; result: string } | null;
  /** Versions written outside this app that the audit recorded in the last 366 days; null for an unmanaged secret. */
  outOfBandVersions: number | null;
  policyStatus: PolicyStatus | null;
}

export interface InventorySummary {
  vaults: number;
  secrets: number;
  managed: number;
  /** Copies a policy's followers write (keyvault-replica): governed through their primary, so not unmanaged. */
  replicas: number;
  unmanaged: number;
  disabled: number;
  noExpiry: number;
  expired: number;
  /** Not yet expired, expiring within 30 days (the 7-day ones included). */
  expiringWithin30Days: number;
  expiringWithin7Days: number;
  /** Current version active (since notBefore, or its creation) longer than the environment's maxActiveDays. */
  olderThanMaxAge: number;
  policies: number;
  /** Policies whose last attempts failed (parked ones included). */
  parkedOrFailingPolicies: number;
  /** Failed ROTATION_MAX_ATTEMPTS times in a row: they wait for an admin. */
  parkedPolicies: number;
}

export interface InventoryPage {
  items: InventoryItem[];
  continuationToken?: string;
  summary?: InventorySummary;
}

export interface InventoryDependencies {
  listing: SecretListing;
  states: PolicyStateStore;
  audit: AuditLog;
  /** ROTATION_MAX_ATTEMPTS: a policy with this many consecutive failures is parked. */
  maxAttempts: number;
  /** The consumer kinds, to tell a replica a follower writes from an unmanaged secret; none by default. */
  catalog?: ConsumerCatalog;
}

export class InventoryReport {
  readonly #replicaOf: ReplicaLookup;

  constructor(private readonly deps: InventoryDependencies) {
    this.#replicaOf = replicaLookup(deps.catalog ?? NO_CONSUMER_KINDS);
  }

  async page(scope: GovernedScope, now: Date, request: { pageSize: number; continuationToken?: string; summary: boolean }): Promise<InventoryPage> {
    const cursor = request.continuationToken === undefined ? undefined : decodeReportToken(request.continuationToken, secretCursorSchema);
    const page = await readSecrets(this.deps.listing, scope.vaults, cursor, request.pageSize);
    const managed = page.secrets.flatMap((secret) => scope.policyFor(secret.vaultUrl, secret.secretName) ?? []);
    const [states, outOfBand] = await Promise.all([statesOf(scope, this.deps.states, managed.map((stored) => stored.policy.id)), managed.length > 0 ? this.#outOfBandCounts(now) : new Map<string, number>()]);
    const items = page.secrets.map((secret) => {
      const stored = scope.policyFor(secret.vaultUrl, secret.secretName);
      const replicated = stored ? undefined : this.#replicaOf(scope, secret);
      return itemOf(scope, now, secret, stored, replicated, stored ? states.get(stored.policy.id) : undefined, stored ? (outOfBand.get(stored.policy.id) ?? 0) : null, this.deps.maxAttempts);
    });
    return {
      items,
      ...(page.next ? { continuationToken: encodeReportToken(page.next) } : {}),
      ...(request.summary ? { summary: await this.summary(scope, now) } : {}),
    };
  }

  /** One listing pass over every vault (ceil(secrets / 25) list calls each) plus the states, STATE_RUN policies at a time. */
  async summary(scope: GovernedScope, now: Date): Promise<InventorySummary> {
    const summary: InventorySummary = {
      vaults: scope.vaults.length,
      secrets: 0,
      managed: 0,
      replicas: 0,
      unmanaged: 0,
      disabled: 0,
      noExpiry: 0,
      expired: 0,
      expiringWithin30Days: 0,
      expiringWithin7Days: 0,
      olderThanMaxAge: 0,
      policies: scope.policies.length,
      parkedOrFailingPolicies: 0,
      parkedPolicies: 0,
    };
    await forEachSecretPage(this.deps.listing, scope.vaults, (secrets) => {
      for (const secret of secrets) count(summary, scope, now, secret, this.#replicaOf);
    });
    for (let start = 0; start < scope.policies.length; start += STATE_RUN) {
      const batch = scope.policies.slice(start, start + STATE_RUN).map((stored) => stored.policy.id);
      for (const state of (await statesOf(scope, this.deps.states, batch)).values()) {
        if (state.consecutiveFailures > 0) summary.parkedOrFailingPolicies += 1;
        if (state.consecutiveFailures >= this.deps.maxAttempts) summary.parkedPolicies += 1;
      }
    }
    return summary;
  }

  /** One audit query (the action index) for the whole window, counted by policy. */
  async #outOfBandCounts(now: Date): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const query = { from: new Date(now.getTime() - OUT_OF_BAND_WINDOW_DAYS * DAY_MS), to: now, action: 'secret.out-of-band-change' as const };
    let continuationToken: string | undefined;
    do {
      const page = await this.deps.audit.query(query, { pageSize: 1000, ...(continuationToken ? { continuationToken } : {}) });
      for (const record of page.items) if (record.policyId) counts.set(record.policyId, (counts.get(record.policyId) ?? 0) + 1);
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return counts;
  }
}

/** Whole days, toward zero: 89.9 days left is 89, expired 2.1 days ago is -2. */
function daysBetween(from: Date, to: Date): number {
  return Math.trunc((to.getTime() - from.getTime()) / DAY_MS) || 0;
}

export function policyStatus(stored: StoredPolicy, state: PolicyState | undefined, maxAttempts: number): PolicyStatus {
  if (!stored.policy.enabled) return 'disabled';
  if (state && state.consecutiveFailures >= maxAttempts) return 'parked';
  if (state && state.consecutiveFailures > 0) return 'failing';
  if (!state?.lastRotatedAt) return 'never-rotated';
  return 'ok';
}

function itemOf(
  scope: GovernedScope,
  now: Date,
  secret: ListedSecret,
  stored: StoredPolicy | undefined,
  replicaOf: RotationPolicy | undefined,
  state: PolicyState | undefined,
  outOfBand: number | null,
  maxAttempts: number,
): InventoryItem {
  const environment = replicaOf?.environment ?? scope.secretEnvironment(secret);
  return {
    vault: vaultNameOf(secret.vaultUrl),
    name: secret.secretName,
    managedBy: stored?.policy.id ?? null,
    replicaOf: replicaOf?.id ?? null,
    environment: environment ?? null,
    enabled: secret.enabled,
    expiresOn: secret.expiresOn?.toISOString() ?? null,
    daysLeft: secret.expiresOn ? daysBetween(now, secret.expiresOn) : null,
    currentVersionAgeDays: secret.createdOn ? daysBetween(secret.createdOn, now) : null,
    contentType: secret.contentType ?? null,
    lastRotation: state?.lastRotatedAt ? { at: state.lastRotatedAt.toISOString(), result: state.lastResult ?? 'unknown' } : null,
    outOfBandVersions: outOfBand,
    policyStatus: stored ? policyStatus(stored, state, maxAttempts) : null,
  };
}

function count(summary: InventorySummary, scope: GovernedScope, now: Date, secret: ListedSecret, replicaOf: ReplicaLookup): void {
  summary.secrets += 1;
  const governed = scope.policyFor(secret.vaultUrl, secret.secretName);
  const replicated = governed ? undefined : replicaOf(scope, secret);
  if (governed) summary.managed += 1;
  else if (replicated) summary.replicas += 1;
  else summary.unmanaged += 1;
  if (!secret.enabled) summary.disabled += 1;
  const expiresOn = secret.expiresOn?.getTime();
  if (expiresOn === undefined) summary.noExpiry += 1;
  else if (expiresOn <= now.getTime()) summary.expired += 1;
  else {
    if (expiresOn - now.getTime() <= 30 * DAY_MS) summary.expiringWithin30Days += 1;
    if (expiresOn - now.getTime() <= 7 * DAY_MS) summary.expiringWithin7Days += 1;
  }
  // Active since, as secret.maximum-active-days counts it: notBefore, or the creation.
  const since = (secret.notBefore ?? secret.createdOn)?.getTime();
  const environment = replicated?.environment ?? scope.secretEnvironment(secret);
  if (since !== undefined && now.getTime() - since > parametersFor(scope.settings, environment).maxActiveDays * DAY_MS) summary.olderThanMaxAge += 1;
}
