import type { TriggerKind } from '../ports.js';

export type RotationStatus = 'succeeded' | 'skipped' | 'failed' | 'in-progress' | 'waiting-for-drain';

/** What one trigger achieved. Never carries a secret value. */
export interface RotationOutcome {
  policyId: string;
  status: RotationStatus;
  reason: string;
  rotationId?: string;
  previousVersion?: string;
  newVersion?: string;
  /** When the retry budget is spent, no trigger but an admin's HTTP call retries. */
  parked?: boolean;
  /** A repeated idempotency key: this is the outcome the key first produced. */
  replayed?: boolean;
  /** While the rotation waits for the old credential's sessions to end. */
  drain?: { login: string; sessions: number; graceEndsAt: string; waitingSince?: string; nextCheckAt: string };
}

/** What a rotation would do now; a dry run writes nothing. */
export interface RotationPlan {
  policyId: string;
  trigger: TriggerKind;
  wouldRotate: boolean;
  reason: string;
  vaultUrl: string;
  secretName: string;
  currentVersion?: string;
  currentVersionExpiresOn?: string;
  newVersionExpiresOn?: string;
  contentType?: string;
  tagNames: string[];
  /** Resuming an interrupted rotation instead of starting a new one. */
  resumesRotationId?: string;
  /** With consumers: the strategy, its steps in order, and the consumers it would change (none is contacted by a plan). */
  strategy?: string;
  steps?: string[];
  /** Followers (replicas, webhooks...) have no login. */
  consumers?: { name: string; kind: string; login?: string }[];
  keyVaultOperations: { creates: number; others: number };
}
