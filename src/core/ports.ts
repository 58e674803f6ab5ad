/**
 * The ports the core needs from the outside world. Adapters in src/adapters
 * implement them against Azure; test/support holds in-memory twins that pass
 * the same contract tests.
 */
import type { Actor } from './audit-fields.js';
import type { AuditQuery } from './audit/audit-query.js';
import type { SecretValue } from './secret-value.js';
import type { RotationPolicy } from './policy/policy.js';

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  continuationToken?: string;
}

export interface PageOptions {
  pageSize?: number;
  continuationToken?: string;
}

// ---------------------------------------------------------------- Key Vault

export interface SecretRef {
  /** https://<vault>.vault.azure.net[:port], no trailing slash. */
  vaultUrl: string;
  secretName: string;
}

/** A version's properties. Never carries the value. */
export interface SecretVersionInfo {
  vaultUrl: string;
  secretName: string;
  version: string;
  enabled: boolean;
  createdOn?: Date;
  updatedOn?: Date;
  notBefore?: Date;
  expiresOn?: Date;
  contentType?: string;
  tags: Record<string, string>;
}

export interface WriteSecretOptions {
  expiresOn: Date;
  notBefore?: Date;
  contentType?: string;
  tags: Record<string, string>;
}

export interface SecretStore {
  /** The current (latest) version's properties, or undefined when the secret does not exist. */
  getLatest(ref: SecretRef): Promise<SecretVersionInfo | undefined>;
  /** Newest version whose tag `tagName` equals `tagValue`; used only to recover an interrupted rotation. */
  findVersionByTag(ref: SecretRef, tagName: string, tagValue: string): Promise<SecretVersionInfo | undefined>;
  /** One version's properties, or undefined when it does not exist. */
  getVersion(ref: SecretRef, version: string): Promise<SecretVersionInfo | undefined>;
  /** Writes a new version; one Key Vault create. */
  write(ref: SecretRef, value: SecretValue, options: WriteSecretOptions): Promise<SecretVersionInfo>;
  /**
   * One version's value (the latest when `version` is absent), or undefined when it does not exist.
   * Only strategies that must hand a credential to a downstream system read values, and only into memory.
   */
  readValue(ref: SecretRef, version?: string): Promise<SecretValue | undefined>;
  /** Disables an older version so it can no longer be read. Never the latest: Key Vault then answers 403 to every reader. */
  disableVersion(ref: SecretRef, version: string): Promise<void>;
}

/** A secret as Key Vault lists it: its current version's properties, without the version id. Never the value. */
export type ListedSecret = Omit<SecretVersionInfo, 'version'>;

export interface ListSecretsOptions {
  /** Resume after the page that gave this token; only a token this port gave for this vault. */
  continuationToken?: string;
  abortSignal?: AbortSignal;
}

/**
 * Metadata-only reads of a whole vault, for the reports: a page at a time, so a vault of any
 * size is never held in memory, and rate-limited per vault so a report leaves room within
 * Key Vault's limits for rotations and applications.
 */
export interface SecretListing {
  /**
   * Every secret of the vault, one Key Vault page (at most 25) at a time. Each page's
   * continuationToken resumes after it; the last page has none. A token this port did not
   * give for this vault is refused with ValidationError (path 'continuationToken').
   */
  listSecrets(vaultUrl: string, options?: ListSecretsOptions): AsyncIterable<Page<ListedSecret>>;
  /** Whether the secret exists (any version, enabled or not): one metadata-only call. */
  exists(ref: SecretRef): Promise<boolean>;
  /**
   * The properties of the versions created last (the current version is among them), none when the
   * secret does not exist: from the versions listing, a call per 25 versions, so no value is ever
   * requested. Key Vault's creation times are whole seconds, so versions written in the same second
   * all come back: the caller tells them apart (by the rotation it expects, or the state's version).
   */
  newestVersions(ref: SecretRef): Promise<SecretVersionInfo[]>;
}

// ---------------------------------------------------------------- Policies

export interface StoredPolicy {
  policy: RotationPolicy;
  createdAt: Date;
  updatedAt: Date;
  etag: string;
}

export interface PolicyRepository {
  get(id: string): Promise<StoredPolicy | undefined>;
  /**
   * Creates the policy (expectedEtag undefined) or replaces it (expectedEtag '*' or a value).
   * Throws ConcurrencyConflictError on a stale ETag, or when another policy already governs
   * the same vault and secret (one secret, one policy).
   */
  put(policy: RotationPolicy, expectedEtag?: string): Promise<StoredPolicy>;
  /** Returns false when there was nothing to delete. */
  delete(id: string): Promise<boolean>;
  list(options?: PageOptions): Promise<Page<StoredPolicy>>;
  /** The policy that governs this secret, if any. vaultName is the host's first label. */
  findBySecret(vaultName: string, secretName: string): Promise<StoredPolicy | undefined>;
}

// ---------------------------------------------------------------- Rotation state

export type TriggerKind = 'timer' | 'event' | 'http';

export interface RotationTrigger {
  kind: TriggerKind;
  /** Who asked: the caller for HTTP (oid and display name), `eventgrid:<event id>` for events, 'scheduler' for the timer. */
  actor: Actor;
  reason: string;
  /** For events: the version the event is about; a stale event changes nothing. */
  eventVersion?: string;
  /** For events: what the event claims, checked against the version's own expiry before anything rotates. */
  eventClaim?: 'near-expiry' | 'expired';
  /** Deduplication key: the Idempotency-Key header or the event id. */
  idempotencyKey?: string;
  /** A digest of the request the key came with: the same key with another request is refused. */
  idempotencyFingerprint?: string;
}

/** What one idempotency key produced, so a repeat replays it instead of rotating again. */
export interface RememberedTrigger {
  key: string;
  fingerprint?: string;
  at: Date;
  rotationId: string;
  /** Filled in when the rotation ends; absent while it runs. */
  result?: 'succeeded' | 'failed' | 'abandoned';
  previousVersion?: string;
  newVersion?: string;
}

/**
 * The steps a rotation can have finished, persisted after each one. Each strategy runs its own
 * ordered subset (src/core/rotation/strategies): a policy without consumers is claimed, switched
 * and completed; alternating-users drains the login it will change before preparing it;
 * multi-password prepares, switches, then drains and revokes the old password. A policy with
 * followers (replicas, webhooks...) delivers the switched version to them right after its switch.
 */
export const ROTATION_STEPS = ['claimed', 'drained', 'prepared', 'verified', 'switched', 'delivered', 'revoked', 'completed'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** `confirmed`: a follower confirmed the switched version (read back, 2xx, reference resolved). */
export type ConsumerStatus = 'pending' | 'draining' | 'drained' | 'prepared' | 'verified' | 'switched' | 'confirmed' | 'revoked' | 'rolled-back';

/** Where one consumer stands in the rotation. Never carries a credential. */
export interface ConsumerProgress {
  status: ConsumerStatus;
  /** The login this rotation changes on that consumer; followers have none. */
  login?: string;
  /** While draining: that login's open sessions at the last check. */
  sessions?: number;
  updatedAt: Date;
}

/** A rotation waiting for the old credential's sessions to end. */
export interface DrainStatus {
  /** The login (or, for multi-password, the login whose old password) being drained. */
  login: string;
  /** The old credential may not be revoked before this, drained or not. */
  graceEndsAt: Date;
  /** The first check that found sessions past the grace period; maxDrainWait counts from here. */
  waitingSince?: Date;
  sessions: number;
  /** Who still holds sessions: client addresses and application names, bounded. */
  clients: string[];
  checkedAt: Date;
  /** Timer and event triggers do not check again before this. */
  nextCheckAt: Date;
  /** A failed attempt broke off this wait: the next trigger resumes the rotation (a new attempt, audited) instead of checking again. */
  interrupted?: boolean;
}

export interface ActiveRotation {
  rotationId: string;
  step: RotationStep;
  trigger: RotationTrigger;
  /**
   * The secret this rotation claimed, fixed at claim. A policy replaced mid-rotation
   * never moves it: a resumed rotation finishes (or abandons) what it started here.
   */
  target: SecretRef;
  startedAt: Date;
  /** Another instance may take the rotation over after this instant. */
  leaseExpiresAt: Date;
  previousVersion?: string;
  newVersion?: string;
  newVersionCreatedOn?: Date;
  newVersionExpiresOn?: Date;
  attempt: number;
  /** Consumers' progress, by consumer name. */
  consumers?: Record<string, ConsumerProgress>;
  /** alternating-users: the login applications used when the rotation started, and the login it changes. */
  logins?: { current?: string; target: string };
  /** When this process saw the switch's write return: drains and grace periods count from here. */
  switchedAt?: Date;
  /** Present while waiting for a drain. */
  drain?: DrainStatus;
}

export type RotationResult = 'succeeded' | 'failed' | 'skipped';

export interface PolicyState {
  policyId: string;
  currentVersion?: string;
  currentVersionCreatedOn?: Date;
  currentVersionExpiresOn?: Date;
  /** When the switch to the current version was seen to complete (finer than Key Vault's whole seconds). */
  currentVersionSwitchedAt?: Date;
  /** The version current before this one; under alternating-users its login still works until the next rotation. */
  previousVersion?: string;
  /** With consumers: the login the current version holds. */
  currentLogin?: string;
  lastRotationId?: string;
  lastRotatedAt?: Date;
  lastResult?: RotationResult;
  lastError?: string;
  consecutiveFailures: number;
  nextDueAt?: Date;
  active?: ActiveRotation;
  /**
   * The last idempotency keys handled (HTTP Idempotency-Key, Event Grid event id) with what
   * each produced, newest last, bounded in count and age; a repeat replays its own outcome.
   */
  recentTriggers?: RememberedTrigger[];
}

export interface VersionedPolicyState {
  state: PolicyState;
  etag: string;
}

export interface PolicyStateStore {
  get(policyId: string): Promise<VersionedPolicyState | undefined>;
  /**
   * The states of these policies, keyed by policy id; a policy without state has no entry.
   * Made for a page of PolicyRepository.list (ids adjacent in id order): its cost is a bounded
   * number of reads however many ids, not one read per policy.
   */
  getMany(policyIds: readonly string[]): Promise<Map<string, VersionedPolicyState>>;
  /** Creates the state when expectedEtag is undefined; otherwise replaces it only if the ETag matches. Throws ConcurrencyConflictError. */
  save(state: PolicyState, expectedEtag: string | undefined): Promise<VersionedPolicyState>;
  delete(policyId: string): Promise<void>;
}

export interface DueEntry {
  policyId: string;
  dueAt: Date;
}

/**
 * An index of policies by due time, so the scan reads what is due rather than every policy.
 * Entries may be stale (the state is the truth); the scan verifies and repairs them.
 */
export interface ScheduleIndex {
  add(entry: DueEntry): Promise<void>;
  remove(entry: DueEntry): Promise<void>;
  /** Entries due at or before `until`, oldest first. */
  listDue(until: Date): AsyncIterable<DueEntry>;
}

// ---------------------------------------------------------------- Audit

/** What an audit record says happened; the audit query's `action` filter takes one. */
export const AUDIT_ACTIONS = [
  'rotation.succeeded',
  'rotation.failed',
  'rotation.resumed',
  'rotation.abandoned',
  'rotation.skipped',
  'rotation.dry-run',
  'rotation.step-started',
  'rotation.step-finished',
  'rotation.waiting-for-drain',
  'rotation.rolled-back',
  'secret.out-of-band-change',
  'secret.unmanaged-event',
  'secret.implausible-event',
  'secret.static-expiry-check',
  'policy.created',
  'policy.replaced',
  'policy.deleted',
  'change-request.created',
  'change-request.approved',
  'change-request.executed',
  'change-request.failed',
  'change-request.rejected',
  'change-request.cancelled',
  'change-request.expired',
  'change-request.void',
  'change-request.tampered',
  'change-request.reviewed',
  'rotation.break-glass',
  'environment.smoke-passed',
  'environment.smoke-failed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Append-only. Never carries a secret value. */
export interface AuditRecord {
  id: string;
  at: Date;
  action: AuditAction;
  policyId?: string;
  vaultUrl?: string;
  secretName?: string;
  rotationId?: string;
  trigger?: TriggerKind;
  /** Who: a person's or application's display name, or a system actor ('scheduler', 'eventgrid:<event id>'). */
  actor: string;
  /** The `oid` of the validated token that asked; absent for system actors. */
  actorId?: string;
  /** Where an HTTP request came from (the platform's client address, never a header the caller sets). */
  clientIp?: string;
  /** The request's correlation id (the Functions invocation id), to find its logs. */
  correlationId?: string;
  reason?: string;
  previousVersion?: string;
  newVersion?: string;
  error?: string;
  /** For policy.replaced: the dotted paths of the fields that changed; never their values. */
  changedFields?: string[];
  /** For step records: the step, and the consumer and login it concerns. */
  step?: RotationStep;
  consumer?: string;
  login?: string;
}

export interface AuditLog {
  /**
   * Stores the record, or throws AuditRecordExistsError (a ConcurrencyConflictError carrying
   * the record stored first) when one with its id is already there: a replay changes nothing.
   */
  append(record: AuditRecord): Promise<void>;
  /** Newest first. Outlives the policy: a deleted policy's history stays readable. */
  listForPolicy(policyId: string, options?: PageOptions): Promise<Page<AuditRecord>>;
  /** Records about a vault that concern no policy (events on unmanaged secrets), newest first. */
  listForVault(vaultName: string, options?: PageOptions): Promise<Page<AuditRecord>>;
  /**
   * Records matching every filter of `query` (see matchesAuditQuery), newest first, read
   * through an index rather than a scan. A page may hold fewer than pageSize records (even
   * none) and still carry a continuation token: each page reads a bounded number of entries.
   */
  query(query: AuditQuery, options?: PageOptions): Promise<Page<AuditRecord>>;
}

/**
 * A write-once copy of the audit trail that no one, this app included, can change or delete
 * before its retention ends. Writing the same record again is a no-op; writing a different
 * record under the same id and time fails loudly (AuditArchiveMismatchError).
 */
export interface AuditArchive {
  write(record: AuditRecord): Promise<void>;
}

// ---------------------------------------------------------------- Smoke tests

/** One smoke test of an environment, as kvrot smoke reported it and the API recorded it. */
export interface SmokeTestRecord {
  environment: string;
  /** When the API recorded it (its clock, not the caller's). */
  at: Date;
  passed: boolean;
  /** sha256:<hex> over the Secretfile and its var files; null when run without one. */
  fileHash: string | null;
  policies: string[];
  checks: { name: string; passed: boolean }[];
  /** Who recorded it, as the validated token named them. */
  by: { oid: string; name: string };
}

/**
 * The latest smoke test of each environment, one read away: what promote's gate reads. The
 * audit keeps every one; this keeps only the last, replaced by each new one.
 */
export interface SmokeTestStore {
  latest(environment: string): Promise<SmokeTestRecord | undefined>;
  /** Replaces the environment's latest record. */
  save(record: SmokeTestRecord): Promise<void>;
}
