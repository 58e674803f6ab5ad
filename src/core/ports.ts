/**
 * The ports the core needs from the outside world. Adapters in src/adapters
 * implement them against Azure; test/support holds in-memory twins that pass
 * the same contract tests.
 */
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
  /** Who asked: the caller's principal for HTTP, the event id for events, 'scheduler' for the timer. */
  actor: string;
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
 * multi-password prepares, switches, then drains and revokes the old password.
 */
export const ROTATION_STEPS = ['claimed', 'drained', 'prepared', 'verified', 'switched', 'revoked', 'completed'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export type ConsumerStatus = 'pending' | 'draining' | 'drained' | 'prepared' | 'verified' | 'switched' | 'revoked' | 'rolled-back';

/** Where one consumer stands in the rotation. Never carries a credential. */
export interface ConsumerProgress {
  status: ConsumerStatus;
  /** The login this rotation changes on that consumer. */
  login: string;
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

export type AuditAction =
  | 'rotation.succeeded'
  | 'rotation.failed'
  | 'rotation.resumed'
  | 'rotation.abandoned'
  | 'rotation.skipped'
  | 'rotation.dry-run'
  | 'rotation.step-started'
  | 'rotation.step-finished'
  | 'rotation.waiting-for-drain'
  | 'rotation.rolled-back'
  | 'secret.out-of-band-change'
  | 'secret.unmanaged-event'
  | 'secret.implausible-event'
  | 'secret.static-expiry-check'
  | 'policy.created'
  | 'policy.replaced'
  | 'policy.deleted'
  | 'change-request.created'
  | 'change-request.approved'
  | 'change-request.executed'
  | 'change-request.failed'
  | 'change-request.rejected'
  | 'change-request.cancelled'
  | 'change-request.expired'
  | 'change-request.void'
  | 'change-request.tampered'
  | 'change-request.reviewed'
  | 'rotation.break-glass';

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
  actor: string;
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
  append(record: AuditRecord): Promise<void>;
  /** Newest first. Outlives the policy: a deleted policy's history stays readable. */
  listForPolicy(policyId: string, options?: PageOptions): Promise<Page<AuditRecord>>;
  /** Records about a vault that concern no policy (events on unmanaged secrets), newest first. */
  listForVault(vaultName: string, options?: PageOptions): Promise<Page<AuditRecord>>;
}
