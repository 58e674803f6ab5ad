/** The API's answers as the dashboard reads them (src/functions/http/api-schemas.ts has the full shapes). */

export type AppRole = 'Rotation.Read' | 'Rotation.Operate' | 'Policy.Write' | 'Rotation.Approve' | 'Audit.Read' | 'Rotation.BreakGlass';

export interface Policy {
  id: string;
  vaultUrl: string;
  secretName: string;
  environment: string;
  owner: string;
  enabled?: boolean;
  generator: { kind: string; [field: string]: unknown };
  rotation: { every: string; validFor: string; [field: string]: unknown };
  strategy?: string;
  consumers?: { name: string; kind: string; [field: string]: unknown }[];
  [field: string]: unknown;
}

export interface StoredPolicy {
  policy: Policy;
  createdAt: string;
  updatedAt: string;
  etag: string;
}

export interface ConsumerProgress {
  name: string;
  status: string;
  /** Followers (replicas, webhooks...) hold no login. */
  login?: string;
  sessions?: number;
  updatedAt?: string;
}

export interface RotationInProgress {
  rotationId: string;
  status: 'running' | 'waiting-for-drain' | 'failed-will-retry';
  /** Every step this policy's rotation persists, in order, as the engine runs its strategy. */
  steps: string[];
  /** The last step it finished. */
  step: string;
  startedAt: string;
  trigger: string;
  attempt: number;
  previousVersion?: string;
  newVersion?: string;
  consumers: ConsumerProgress[];
  drain: { login: string; sessions: number; clients: unknown[]; graceEndsAt?: string; waitingSince: string | null; checkedAt?: string; nextCheckAt?: string } | null;
}

export interface PolicyState {
  currentVersion?: string;
  currentVersionExpiresOn?: string;
  lastRotationId?: string;
  lastRotatedAt?: string;
  lastResult?: 'succeeded' | 'failed' | 'skipped';
  lastError?: string;
  consecutiveFailures: number;
  nextDueAt?: string;
  rotationInProgress: RotationInProgress | null;
}

export interface PolicyView extends StoredPolicy {
  state: PolicyState;
  warnings?: string[];
}

export interface AuditRecord {
  id: string;
  at: string;
  action: string;
  policyId?: string;
  vaultUrl?: string;
  secretName?: string;
  rotationId?: string;
  trigger?: string;
  actor: string;
  actorId?: string;
  reason?: string;
  previousVersion?: string;
  newVersion?: string;
  error?: string;
  changedFields?: string[];
  step?: string;
  consumer?: string;
}

export interface Person {
  oid: string;
  displayName: string;
}

export interface ChangeRequest {
  id: string;
  status: string;
  action: string;
  policyId: string;
  policyEtag: string | null;
  environment: string;
  body: Record<string, unknown>;
  requester: Person;
  requestedAt: string;
  expiresAt: string;
  approvals: (Person & { at: string; comment?: string })[];
  rejection: (Person & { at: string; reason?: string }) | null;
  statusReason: string | null;
  execution: { result: { summary: string; rotationId?: string; newVersion?: string } | null; error: string | null } | null;
}

export interface Finding {
  rule: string;
  severity: 'high' | 'medium' | 'low';
  kind: string;
  object: string;
  message: string;
  fix: string;
  vault?: string;
  secret?: string;
}

export interface Page<T> {
  items: T[];
  continuationToken?: string;
}
