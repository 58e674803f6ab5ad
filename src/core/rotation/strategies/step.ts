/**
 * A strategy is a list of steps. The engine runs them in order after the claim, persists
 * the rotation after each, and completes it after the last. A step is idempotent: a
 * resumed rotation runs it again, with the same inputs or with a freshly generated value.
 */
import type { AdminCredential, ConsumerKind, ConsumerSpec, FollowerKind, FollowerSpec, IssuerKind, IssuerSpec, SwitchedVersion } from '../../consumers/consumer-port.js';
import type { RotationPolicy } from '../../policy/policy.js';
import type { ActiveRotation, ConsumerProgress, DrainStatus, PolicyState, RotationStep, SecretVersionInfo } from '../../ports.js';
import type { SecretValue } from '../../secret-value.js';
import type { Credential } from './credential.js';

/** A consumer of the policy with the kind that serves it. */
export interface BoundConsumer {
  spec: ConsumerSpec;
  kind: ConsumerKind;
}

/** The consumer that issues the policy's credential (storage account, Entra application) with its kind. */
export interface BoundIssuer {
  spec: IssuerSpec;
  kind: IssuerKind;
}

/** A follower of the policy (replica, webhook...) with the kind that serves it. */
export interface BoundFollower {
  spec: FollowerSpec;
  kind: FollowerKind;
}

/** What a step may use. The engine builds one per invocation; the new value lives only here, in memory. */
export interface StepRun {
  readonly policy: RotationPolicy;
  readonly state: PolicyState;
  /** The rotation as persisted before this step. */
  readonly active: ActiveRotation;
  readonly now: Date;
  /** The consumers that hold a login, in the policy's order. */
  readonly consumers: readonly BoundConsumer[];
  /** The consumers told of the version after the switch. */
  readonly followers: readonly BoundFollower[];
  /** The consumer that issues the credential, for the issued-credential strategy. */
  readonly issuer: BoundIssuer | undefined;
  /** How long timer and event triggers leave a waiting rotation before checking its drain again. */
  readonly drainCheckIntervalInMs: number;
  /** The rotator's credential for a consumer, resolved once per invocation from Key Vault or Entra ID. */
  admin(consumer: BoundConsumer): Promise<AdminCredential>;
  /** Generates the new value with the policy's generator (with consumers: the password), once per invocation; later calls return the same one. */
  newValue(): SecretValue;
  /** Holds a value an issuer made as this invocation's new value, as newValue() holds a generated one. */
  adoptNewValue(value: SecretValue): void;
  /** What newValue() generated (or adoptNewValue() was given) in this invocation, if anything. */
  readonly pendingValue: SecretValue | undefined;
  /** A version's value (latest when no version), into memory only; undefined when there is none. */
  readValue(version?: string): Promise<SecretValue | undefined>;
  /** The JSON credential a version of the secret holds (latest when no version), or undefined when there is none. */
  readCredential(version?: string): Promise<Credential | undefined>;
  /** The latest version's properties. */
  latest(): Promise<SecretVersionInfo | undefined>;
  /** Writes the version that switches applications over; the engine tags it and guards the lease. */
  switchTo(value: SecretValue): Promise<Partial<ActiveRotation>>;
  /**
   * Disables an older version whose credential no longer works; never the latest. With `login`, only
   * if that version holds that login (a version written by hand in between is left alone).
   */
  retireVersion(version: string, login?: string): Promise<void>;
  /** The version this rotation switched to, as its followers are told of it; only after the switch. */
  switchedVersion(): Promise<SwitchedVersion>;
  /** Audits one consumer's part of the step: which consumer, which login (followers have none); never a value. */
  recordConsumer(consumer: BoundConsumer | BoundFollower | BoundIssuer, login: string | undefined, detail: string): Promise<void>;
}

export type StepOutcome =
  | { kind: 'done'; patch?: Partial<ActiveRotation> }
  /** The old credential still has sessions or is within its grace period: check again later. */
  | { kind: 'wait'; drain: DrainStatus; patch?: Partial<ActiveRotation> };

export interface RotationStepDefinition {
  /** Persisted as the rotation's step once this step has finished. */
  readonly name: RotationStep;
  /**
   * Uses the new value generated in this invocation. A rotation resumed after such a step (but
   * before the switch) goes back to the first of them and generates a fresh value: the value
   * never existed outside this process's memory, and only an unused login or an extra password
   * was touched.
   */
  readonly usesNewValue?: boolean;
  run(run: StepRun): Promise<StepOutcome>;
}

export interface RotationStrategy {
  readonly steps: readonly RotationStepDefinition[];
  /** Undoes what prepare did when the rotation fails or is abandoned before the switch. */
  rollback?(run: StepRun): Promise<void>;
}

export function progressOf<Bound extends { spec: { name: string } }>(consumers: readonly Bound[], status: ConsumerProgress['status'], login: (consumer: Bound) => string, at: Date, sessions?: Map<string, number>): Record<string, ConsumerProgress> {
  return Object.fromEntries(
    consumers.map((consumer) => {
      const count = sessions?.get(consumer.spec.name);
      return [consumer.spec.name, { status, login: login(consumer), updatedAt: at, ...(count !== undefined ? { sessions: count } : {}) }];
    }),
  );
}
