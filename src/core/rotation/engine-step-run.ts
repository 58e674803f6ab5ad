/**
 * The engine's side of a strategy's steps: what one invocation hands each step (StepRun),
 * and the rules for which step runs next, including the rewind that makes a rotation
 * resumed before its switch prepare again with a fresh value.
 */
import { PermanentDependencyError } from '../errors.js';
import type { AdminCredential, SwitchedVersion } from '../consumers/consumer-port.js';
import type { RotationPolicy } from '../policy/policy.js';
import type { ActiveRotation, DrainStatus, PolicyState, RotationStep, SecretRef, SecretStore, SecretVersionInfo } from '../ports.js';
import type { SecretValue } from '../secret-value.js';
import type { RotationOutcome } from './rotation-outcome.js';
import { parseCredential, type BoundConsumer, type BoundFollower, type BoundIssuer, type Credential, type RotationStepDefinition, type RotationStrategy, type StepRun } from './strategies/index.js';

/** A policy's state as last read, with the ETag to write it back (undefined: no row yet). */
export interface LoadedState {
  state: PolicyState;
  etag: string | undefined;
}

/** What the engine lends its steps. */
export interface StepHost {
  secrets(): SecretStore;
  now(): Date;
  generate(policy: RotationPolicy): SecretValue;
  admin(policy: RotationPolicy, target: SecretRef, consumer: BoundConsumer): Promise<AdminCredential>;
  switchTo(run: EngineStepRun, value: SecretValue): Promise<Partial<ActiveRotation>>;
  recordConsumer(run: EngineStepRun, consumer: BoundConsumer | BoundFollower | BoundIssuer, login: string | undefined, detail: string): Promise<void>;
}

/** Key Vault's creation times are whole seconds; a switch-over known only from one is taken to be this much later. */
const CREATED_ON_RESOLUTION_MS = 1000;

export class EngineStepRun implements StepRun {
  current: LoadedState;
  consumers: BoundConsumer[] = [];
  followers: BoundFollower[] = [];
  issuer: BoundIssuer | undefined;
  /** The step running now, for the audit records it writes. */
  stepName: RotationStep = 'claimed';
  /** Whether the running step audited its consumers one by one (else the engine audits the step once). */
  recordedConsumers = false;
  readonly policy: RotationPolicy;
  readonly drainCheckIntervalInMs: number;
  readonly #host: StepHost;
  #now: Date;
  #pending: SecretValue | undefined;
  readonly #admins = new Map<string, Promise<AdminCredential>>();

  constructor(host: StepHost, policy: RotationPolicy, current: LoadedState, drainCheckIntervalInMs: number) {
    this.#host = host;
    this.policy = policy;
    this.current = current;
    this.drainCheckIntervalInMs = drainCheckIntervalInMs;
    this.#now = host.now();
  }

  get state(): PolicyState {
    return this.current.state;
  }

  get active(): ActiveRotation {
    return this.current.state.active!;
  }

  get now(): Date {
    return this.#now;
  }

  get pendingValue(): SecretValue | undefined {
    return this.#pending;
  }

  beginStep(name: RotationStep, now: Date): void {
    this.stepName = name;
    this.#now = now;
    this.recordedConsumers = false;
  }

  admin(consumer: BoundConsumer): Promise<AdminCredential> {
    let admin = this.#admins.get(consumer.spec.name);
    if (!admin) {
      admin = this.#host.admin(this.policy, this.active.target, consumer);
      // A failed read is not remembered: the next step may try again.
      admin.catch(() => this.#admins.delete(consumer.spec.name));
      this.#admins.set(consumer.spec.name, admin);
    }
    return admin;
  }

  newValue(): SecretValue {
    this.#pending ??= this.#host.generate(this.policy);
    return this.#pending;
  }

  adoptNewValue(value: SecretValue): void {
    this.#pending = value;
  }

  readValue(version?: string): Promise<SecretValue | undefined> {
    return this.#host.secrets().readValue(this.active.target, version);
  }

  async readCredential(version?: string): Promise<Credential | undefined> {
    const { target } = this.active;
    const value = await this.#host.secrets().readValue(target, version);
    return value ? parseCredential(value, `version '${version ?? 'latest'}' of '${target.secretName}' in ${target.vaultUrl}`) : undefined;
  }

  latest(): Promise<SecretVersionInfo | undefined> {
    return this.#host.secrets().getLatest(this.active.target);
  }

  switchTo(value: SecretValue): Promise<Partial<ActiveRotation>> {
    return this.#host.switchTo(this, value);
  }

  async retireVersion(version: string, login?: string): Promise<void> {
    const secrets = this.#host.secrets();
    const { target } = this.active;
    if (login !== undefined) {
      const info = await secrets.getVersion(target, version);
      if (!info?.enabled) return;
      const held = await this.readCredential(version).catch(() => undefined);
      if (held?.username !== login) return;
    }
    await secrets.disableVersion(target, version);
  }

  async switchedVersion(): Promise<SwitchedVersion> {
    const { target, newVersion, rotationId } = this.active;
    if (!newVersion) throw new Error('the followers are told of the switched version, and this rotation has not switched yet');
    const secrets = this.#host.secrets();
    const version = await secrets.getVersion(target, newVersion);
    if (!version) throw new PermanentDependencyError(`version '${newVersion}' of '${target.secretName}' in ${target.vaultUrl}, which this rotation wrote, no longer exists`);
    return {
      policyId: this.policy.id,
      rotationId,
      version,
      readValue: async () => {
        const value = await secrets.readValue(target, newVersion);
        if (!value) throw new PermanentDependencyError(`version '${newVersion}' of '${target.secretName}' in ${target.vaultUrl} could not be read back for its followers`);
        return value;
      },
    };
  }

  recordConsumer(consumer: BoundConsumer | BoundFollower | BoundIssuer, login: string | undefined, detail: string): Promise<void> {
    this.recordedConsumers = true;
    return this.#host.recordConsumer(this, consumer, login, detail);
  }
}

export function hasSwitched(active: ActiveRotation): boolean {
  return active.newVersion !== undefined;
}

/** Only the write itself can have happened after the step just before the switch was persisted. */
export function mayHaveSwitched(strategy: RotationStrategy, step: RotationStep): boolean {
  const switchIndex = strategy.steps.findIndex((candidate) => candidate.name === 'switched');
  const before = switchIndex <= 0 ? 'claimed' : strategy.steps[switchIndex - 1]!.name;
  return step === before;
}

/**
 * The step to run after the rotation's last finished step, or undefined when only completion is left.
 * Without this invocation's new value, a rotation stopped between prepare and the switch goes back to
 * prepare: the value it prepared existed only in a process that is gone.
 */
export function nextStep(strategy: RotationStrategy, active: ActiveRotation, hasNewValue: boolean): RotationStepDefinition | undefined {
  if (active.step === 'completed') return undefined;
  const { steps } = strategy;
  const switchIndex = steps.findIndex((step) => step.name === 'switched');
  let last = active.step === 'claimed' ? -1 : steps.findIndex((step) => step.name === active.step);
  // A step this strategy does not have: the policy's strategy changed while the rotation waited.
  if (last === -1 && active.step !== 'claimed') last = hasSwitched(active) ? switchIndex : -1;
  if (!hasNewValue && last >= 0 && last < switchIndex && steps[last]!.usesNewValue) {
    last = steps.findIndex((step) => step.usesNewValue) - 1;
  }
  return steps[last + 1];
}

export function nextStepName(strategy: RotationStrategy, active: ActiveRotation): RotationStep {
  return nextStep(strategy, active, true)?.name ?? 'completed';
}

/** What the rotation records once its version is written; `seenAt` is when this process saw the write return. */
export function switchedFields(written: SecretVersionInfo, seenAt: Date | undefined): Partial<ActiveRotation> {
  const switchedAt = seenAt ?? (written.createdOn ? new Date(written.createdOn.getTime() + CREATED_ON_RESOLUTION_MS) : undefined);
  return {
    newVersion: written.version,
    ...(written.createdOn ? { newVersionCreatedOn: written.createdOn } : {}),
    ...(written.expiresOn ? { newVersionExpiresOn: written.expiresOn } : {}),
    ...(switchedAt ? { switchedAt } : {}),
  };
}

export function drainReason(drain: DrainStatus): string {
  const held = drain.sessions > 0 ? `${drain.sessions} session(s) remain (${drain.clients.join(', ')})` : 'no sessions remain';
  return `waiting for login '${drain.login}' to drain: ${held}; its grace period ends at ${drain.graceEndsAt.toISOString()}; next check at ${drain.nextCheckAt.toISOString()}`;
}

export function waitingOutcome(policyId: string, active: ActiveRotation): RotationOutcome {
  const drain = active.drain!;
  return {
    policyId,
    status: 'waiting-for-drain',
    reason: drainReason(drain),
    rotationId: active.rotationId,
    ...(active.previousVersion ? { previousVersion: active.previousVersion } : {}),
    ...(active.newVersion ? { newVersion: active.newVersion } : {}),
    drain: {
      login: drain.login,
      sessions: drain.sessions,
      graceEndsAt: drain.graceEndsAt.toISOString(),
      ...(drain.waitingSince ? { waitingSince: drain.waitingSince.toISOString() } : {}),
      nextCheckAt: drain.nextCheckAt.toISOString(),
    },
  };
}
