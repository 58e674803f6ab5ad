/**
 * The rotation state machine. Each rotation claims its policy's state row with an
 * ETag (the lease), then moves through ROTATION_STEPS, persisting after each step,
 * so that a process killed between any two steps is resumed by the next trigger
 * under the same rotation id, never rotates twice, and never loses a version it wrote:
 * every version carries the rotation id as a tag, and a resumed rotation looks for it
 * before writing again.
 *
 * What happens between the claim and the completion is the policy's strategy: a list of
 * steps (src/core/rotation/strategies). Without consumers that is one step, the switch that
 * writes the new version. With consumers the strategy prepares them, signs in with the new
 * credential, switches, waits for the old credential to drain and revokes it. The new value
 * lives only in this process's memory until the switch; afterwards it is read back from Key Vault.
 */
import { actorFields, actorName } from '../audit-fields.js';
import type { Clock } from '../clock.js';
import {
  ConcurrencyConflictError,
  DomainError,
  NotFoundError,
  PermanentDependencyError,
  PolicyDisabledError,
  RotationInProgressError,
  describeError,
} from '../errors.js';
import { checkEventClaim } from './event-claims.js';
import { remember, rememberedFor, settle, type IdempotencyRetention } from './idempotency.js';
import { generateSecretValue } from '../generators/index.js';
import type { Logger } from '../logger.js';
import { MANAGED_BY_VALUE, MANAGED_TAGS, loginConsumersOf, type RotationPolicy } from '../policy/policy.js';
import { expiryFor, isDue, nextDueAt } from '../policy/schedule.js';
import type {
  ActiveRotation,
  DueEntry,
  AuditLog,
  AuditRecord,
  PolicyRepository,
  RememberedTrigger,
  RotationStep,
  PolicyState,
  PolicyStateStore,
  RotationTrigger,
  ScheduleIndex,
  SecretRef,
  SecretStore,
  SecretVersionInfo,
  VersionedPolicyState,
} from '../ports.js';
import type { SecretValue } from '../secret-value.js';
import { NO_CONSUMER_KINDS, isFollowerKind, isIssuerKind, type AccessTokenSource, type AdminCredential, type ConsumerCatalog, type ConsumerSpec } from '../consumers/consumer-port.js';
import { contentTypeFor as contentTypeOf, tagsFor } from '../policy/written-version.js';
import type { RotationOutcome, RotationPlan } from './rotation-outcome.js';
import { EngineStepRun, type LoadedState, hasSwitched, mayHaveSwitched, nextStep, nextStepName, switchedFields, waitingOutcome, drainReason } from './engine-step-run.js';
import { parseCredential, strategyFor, type BoundConsumer, type BoundFollower, type BoundIssuer, type RotationStrategy, type StepOutcome } from './strategies/index.js';
import { retryDelayInMs } from './retry-budget.js';
import { noRotationMetrics, type RotationMetrics } from '../metrics.js';
import { RotationMeter } from './rotation-meter.js';
import { RotationAnnouncer } from './rotation-announcer.js';
import { noRotationEvents, type RotationEvents } from '../rotation-events.js';

export interface RotationEngineDependencies {
  policies: PolicyRepository;
  states: PolicyStateStore;
  schedule: ScheduleIndex;
  audit: AuditLog;
  secrets: SecretStore;
  /** Key Vault for dry runs: a short retry budget, so a throttled vault answers a plan quickly. Defaults to `secrets`. */
  planSecrets?: SecretStore;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  leaseDurationInMs: number;
  /** Consecutive failed attempts before a policy is parked for an admin. */
  maxAttempts: number;
  /** No trigger but an explicit HTTP call starts a rotation within this long of the last one. */
  minRotationIntervalInMs: number;
  idempotency: IdempotencyRetention;
  generate?: (generator: RotationPolicy['generator']) => SecretValue;
  /** The downstream consumer kinds this deployment knows; none by default. */
  consumerKinds?: ConsumerCatalog;
  /** Entra ID tokens for consumers whose admin is `{ entra: true }`. */
  accessTokens?: AccessTokenSource;
  /** How long timer and event triggers leave a rotation that waits for a drain before checking again. Default 60 s. */
  drainCheckIntervalInMs?: number;
  /** Rotations by result, step durations and drain waits; none recorded by default. */
  metrics?: RotationMetrics;
  /** Started, succeeded, failed, parked and revoked, announced to subscribers; none by default. Never fails a rotation. */
  events?: RotationEvents;
}

export const DEFAULT_DRAIN_CHECK_INTERVAL_MS = 60_000;
/**
 * The switch's Key Vault write must finish inside the lease, or a takeover could prepare the
 * consumers again under it. The lease is renewed just before the write whenever less than
 * this is left: longer than the Key Vault client's whole retry schedule (about 31 s).
 */
const SWITCH_LEASE_MARGIN_MS = 60_000;

/**
 * What a caller (the scan) has just read, so the engine need not read it again.
 * Staleness is harmless: every state write is conditional on this ETag.
 */
export interface AlreadyRead {
  policy: RotationPolicy;
  state: VersionedPolicyState;
}


interface Decision {
  rotate: boolean;
  reason: string;
  /** The trigger claimed something Key Vault contradicts: recorded, never acted on. */
  implausible?: boolean;
  /** For a timer that must wait: the earliest instant to look again. */
  notBefore?: Date;
}

export class RotationEngine {
  readonly #deps: RotationEngineDependencies;
  readonly #generate: (generator: RotationPolicy['generator']) => SecretValue;
  readonly #announce: RotationAnnouncer;

  constructor(deps: RotationEngineDependencies) {
    this.#deps = deps;
    this.#announce = new RotationAnnouncer(deps.events ?? noRotationEvents, deps.logger, deps.clock, deps.maxAttempts);
    this.#generate = deps.generate ?? ((generator) => generateSecretValue(generator));
  }

  /**
   * Rotates the policy's secret if this trigger warrants it, or finishes a rotation
   * left half-done. Throws NotFoundError, PolicyDisabledError (HTTP only) and
   * RotationInProgressError (HTTP only); other triggers get a 'skipped' or
   * 'in-progress' outcome instead, because for them another rotation is success.
   */
  async rotate(policyId: string, trigger: RotationTrigger, alreadyRead?: AlreadyRead): Promise<RotationOutcome> {
    const policy = alreadyRead?.policy ?? (await this.#loadPolicy(policyId));
    const loaded = alreadyRead ? { state: alreadyRead.state.state, etag: alreadyRead.state.etag } : await this.#loadState(policyId);
    const { state } = loaded;
    const now = this.#deps.clock.now();

    // A repeated key replays what its own rotation produced; the rotation it started, if still running, is handled below.
    const remembered = rememberedFor(state, trigger, now, this.#deps.idempotency);
    if (remembered && remembered.rotationId !== state.active?.rotationId) return this.#replay(policyId, remembered);

    // A half-done rotation comes first: whatever the trigger, it is finished before anything else.
    if (state.active) {
      if (state.active.leaseExpiresAt > now) return this.#inProgress(policyId, state.active, trigger);
      // A rotation waiting for a drain is checked again when its time comes, or at once when an admin asks.
      const { drain } = state.active;
      if (drain && trigger.kind !== 'http' && now < drain.nextCheckAt && !this.#budgetSpent(state)) return waitingOutcome(policyId, state.active);
      if (this.#budgetSpent(state) && trigger.kind !== 'http') return this.#parked(state);
      return this.#resume(policy, loaded, trigger);
    }

    if (!policy.enabled) {
      if (trigger.kind === 'http') throw new PolicyDisabledError(policyId);
      return { policyId, status: 'skipped', reason: 'policy is disabled' };
    }
    if (this.#budgetSpent(state) && trigger.kind !== 'http') return this.#parked(state);

    const target = secretRef(policy);
    const latest = await this.#deps.secrets.getLatest(target);
    const decision = this.#decide(policy, trigger, latest, now);
    if (!decision.rotate) {
      if (decision.implausible) await this.#recordImplausibleEvent(policy, trigger, decision.reason, now);
      if (trigger.kind === 'timer') await this.#reschedule(policy, loaded, latest, decision.notBefore ? { notBefore: decision.notBefore } : {});
      return { policyId, status: 'skipped', reason: decision.reason };
    }
    if (policy.generator.kind === 'static') return this.#checkStaticSecret(policy, loaded, trigger, latest);

    const active: ActiveRotation = {
      rotationId: this.#deps.newId(),
      step: 'claimed',
      trigger,
      target,
      startedAt: now,
      leaseExpiresAt: new Date(now.getTime() + this.#deps.leaseDurationInMs),
      ...(latest ? { previousVersion: latest.version } : {}),
      attempt: state.consecutiveFailures + 1,
    };
    const claimed = await this.#claim(loaded, active, trigger);
    if (!claimed) return this.#lostClaim(policyId, trigger);
    this.#deps.logger.info('rotation.started', { ...logFields(policy, active), reason: decision.reason });
    await this.#announce.started(policy, active);
    return this.#drive(policy, claimed, trigger, false);
  }

  /**
   * Takes the policy's state row with its ETag: the one winner among concurrent
   * triggers and instances. The schedule entry moves to the lease's expiry first, so
   * that if this process dies the scan finds the rotation and resumes it. Returns
   * undefined when another trigger won; its stray schedule entry is repaired by the scan.
   */
  async #claim(loaded: LoadedState, active: ActiveRotation, trigger: RotationTrigger): Promise<LoadedState | undefined> {
    const policyId = loaded.state.policyId;
    const entry = { policyId, dueAt: active.leaseExpiresAt };
    await this.#deps.schedule.add(entry);
    const recentTriggers = remember(loaded.state, trigger, active.rotationId, this.#deps.clock.now(), this.#deps.idempotency);
    const claimed = await this.#saveUnlessRaced({ ...loaded.state, active, nextDueAt: active.leaseExpiresAt, ...(recentTriggers ? { recentTriggers } : {}) }, loaded.etag);
    if (!claimed) {
      await this.#withdrawEntry(entry);
      return undefined;
    }
    await this.#removeDueEntry(policyId, loaded.state.nextDueAt, active.leaseExpiresAt);
    return claimed;
  }

  /**
   * A trigger that lost the race takes back the schedule entry it wrote first, so that
   * a storm of triggers leaves the index as one winner would. The entry stays only if
   * the winner's state points at the very same instant. Were this process to die before
   * withdrawing, the scan would find the entry stale and remove it.
   */
  async #withdrawEntry(entry: DueEntry): Promise<void> {
    const winner = await this.#deps.states.get(entry.policyId);
    if (winner?.state.nextDueAt?.getTime() === entry.dueAt.getTime()) return;
    await this.#removeDueEntry(entry.policyId, entry.dueAt, undefined);
  }

  async #saveUnlessRaced(state: PolicyState, etag: string | undefined): Promise<LoadedState | undefined> {
    try {
      return await this.#save(state, etag);
    } catch (error) {
      if (error instanceof ConcurrencyConflictError) return undefined;
      throw error;
    }
  }

  /** What rotate() would do now, for a dry run. Reads Key Vault once; writes nothing. */
  async plan(policyId: string, trigger: RotationTrigger): Promise<RotationPlan> {
    const policy = await this.#loadPolicy(policyId);
    const { state } = await this.#loadState(policyId);
    const now = this.#deps.clock.now();
    const latest = await (this.#deps.planSecrets ?? this.#deps.secrets).getLatest(secretRef(policy));
    const base = {
      policyId,
      trigger: trigger.kind,
      vaultUrl: policy.vaultUrl,
      secretName: policy.secretName,
      ...(latest ? { currentVersion: latest.version } : {}),
      ...(latest?.expiresOn ? { currentVersionExpiresOn: latest.expiresOn.toISOString() } : {}),
      tagNames: Object.keys(tagsFor(policy, 'planned')),
      ...(contentTypeOf(policy) ? { contentType: contentTypeOf(policy) } : {}),
      // With consumers, the steps a rotation would take and whom it would touch; a dry run contacts none of them.
      ...(policy.consumers?.length
        ? {
            ...(policy.strategy ? { strategy: policy.strategy.kind } : {}),
            steps: this.stepsOf(policy),
            consumers: (policy.consumers ?? []).map((consumer) => ({ name: consumer.name, kind: consumer.kind, ...('login' in consumer ? { login: consumer.login } : {}) })),
          }
        : {}),
    };
    const noWrite = { creates: 0, others: 1 };
    if (state.active && state.active.leaseExpiresAt > now) {
      return { ...base, wouldRotate: false, reason: `rotation '${state.active.rotationId}' is in progress`, keyVaultOperations: noWrite };
    }
    if (state.active) {
      return {
        ...base,
        wouldRotate: true,
        reason: `would resume interrupted rotation '${state.active.rotationId}' at step '${state.active.step}'`,
        resumesRotationId: state.active.rotationId,
        keyVaultOperations: { creates: state.active.newVersion ? 0 : 1, others: 2 },
      };
    }
    if (!policy.enabled) return { ...base, wouldRotate: false, reason: 'policy is disabled', keyVaultOperations: noWrite };
    const decision = this.#decide(policy, trigger, latest, now);
    if (!decision.rotate || policy.generator.kind === 'static') {
      const reason = policy.generator.kind === 'static' ? `static secret: would only check expiry (${decision.reason})` : decision.reason;
      return { ...base, wouldRotate: false, reason, keyVaultOperations: noWrite };
    }
    return {
      ...base,
      wouldRotate: true,
      reason: decision.reason,
      newVersionExpiresOn: expiryFor(policy, now).toISOString(),
      keyVaultOperations: { creates: 1, others: 1 },
    };
  }

  #decide(policy: RotationPolicy, trigger: RotationTrigger, latest: SecretVersionInfo | undefined, now: Date): Decision {
    if (trigger.kind === 'http') return { rotate: true, reason: trigger.reason };
    if (trigger.kind === 'event') {
      // Evidence first: an event Key Vault contradicts is recorded as such, whatever else would have held it off.
      if (!latest) return { rotate: false, reason: 'the secret no longer exists' };
      if (trigger.eventVersion !== latest.version) {
        return { rotate: false, reason: `stale event: version '${trigger.eventVersion}' is no longer the current version` };
      }
      if (trigger.eventClaim) {
        const check = checkEventClaim(trigger.eventClaim, latest, now);
        if (!check.plausible) return { rotate: false, reason: `implausible event: ${check.why}`, implausible: true };
      }
    }
    // Whatever events say and however the clocks disagree, this app writes at most one version of a secret per interval
    // unless an admin asks. The measure is Key Vault's creation time of our own latest version: a version that looks
    // newer than now (a vault clock ahead of ours) holds rotation off instead of starting a loop. A version written by
    // hand, or a secret the policy has just been pointed at, is not ours and is not held off.
    const createdOn = latest && writtenByUs(latest) ? latest.createdOn : undefined;
    const earliest = createdOn ? new Date(createdOn.getTime() + this.#deps.minRotationIntervalInMs) : undefined;
    if (earliest && now < earliest) {
      return { rotate: false, reason: `the current version was created at ${createdOn!.toISOString()}; no ${trigger.kind} rotates it again before ${earliest.toISOString()}`, notBefore: earliest };
    }
    if (trigger.kind === 'event') return { rotate: true, reason: trigger.reason };
    const due = isDue(policy, latest, now);
    return { rotate: due.due, reason: due.reason };
  }

  async #resume(policy: RotationPolicy, loaded: LoadedState, trigger: RotationTrigger): Promise<RotationOutcome> {
    const previous = loaded.state.active!;
    const now = this.#deps.clock.now();
    // Checking a drain again is the rotation going on as planned, not a recovery: same attempt, nothing to audit.
    // A wait a failure broke off is a recovery; a wait #wait recorded (even in an attempt after a failure) is not.
    const continuing = previous.drain !== undefined && previous.drain.interrupted !== true;
    const active: ActiveRotation = {
      ...previous,
      leaseExpiresAt: new Date(now.getTime() + this.#deps.leaseDurationInMs),
      attempt: continuing ? previous.attempt : previous.attempt + 1,
    };
    const claimed = await this.#claim(loaded, active, trigger);
    if (!claimed) return this.#lostClaim(policy.id, trigger);
    if (continuing) return this.#drive(policy, claimed, trigger, true);
    this.#deps.logger.warn('rotation.resumed', { ...logFields(policy, active), step: active.step, resumedBy: trigger.kind });
    // The rotation keeps its first caller's reason; each trigger that takes it over is on the record too.
    await this.#appendOnce({
      id: `${active.rotationId}.resumed.${active.attempt}`,
      at: now,
      action: 'rotation.resumed',
      ...this.#auditSubject(policy, active),
      rotationId: active.rotationId,
      trigger: trigger.kind,
      ...actorFields(trigger.actor),
      reason: `resumed at step '${active.step}' (attempt ${active.attempt}): ${trigger.reason}`,
    });
    return this.#drive(policy, claimed, trigger, true);
  }

  async #drive(policy: RotationPolicy, claimed: LoadedState, trigger: RotationTrigger, resumed: boolean): Promise<RotationOutcome> {
    const meter = new RotationMeter(this.#deps.metrics ?? noRotationMetrics, policy, claimed.state.active!, trigger);
    try {
      return meter.ended(await this.#runSteps(policy, claimed, trigger, resumed, meter));
    } catch (error) {
      meter.threw(error);
      throw error;
    }
  }

  async #runSteps(policy: RotationPolicy, claimed: LoadedState, trigger: RotationTrigger, resumed: boolean, meter: RotationMeter): Promise<RotationOutcome> {
    const strategy = this.#strategyOf(policy);
    const run = new EngineStepRun(this.#stepHost, policy, claimed, this.#deps.drainCheckIntervalInMs ?? DEFAULT_DRAIN_CHECK_INTERVAL_MS);
    try {
      ({ consumers: run.consumers, followers: run.followers, issuer: run.issuer } = this.#bindConsumers(policy));
      if (resumed) run.current = await this.#recoverSwitch(strategy, run.current);
      for (;;) {
        const active = run.current.state.active!;
        if (!hasSwitched(active) && !sameSecret(active.target, secretRef(policy))) {
          await this.#rollBack(strategy, run, 'the policy now targets another secret');
          return await this.#abandon(policy, run.current);
        }
        const step = nextStep(strategy, active, run.pendingValue !== undefined);
        if (!step) {
          meter.stepStarted('completed');
          const completed = await this.#complete(policy, run.current);
          meter.stepEnded('done');
          return completed;
        }
        run.beginStep(step.name, this.#deps.clock.now());
        meter.stepStarted(step.name);
        // Staged rotations audit each step; a policy without consumers has only the switch, audited by its outcome.
        const auditSteps = run.consumers.length > 0 || run.followers.length > 0 || run.issuer !== undefined;
        if (auditSteps) await this.#appendOnce(this.#stepRecord(policy, active, step.name, 'rotation.step-started', `${active.rotationId}.${step.name}.started.${active.attempt}`));
        const outcome = await step.run(run);
        if (outcome.kind === 'wait') {
          meter.stepEnded('wait');
          meter.drainWaited(outcome.drain, { consumers: run.consumers, progress: outcome.patch?.consumers });
          return await this.#wait(policy, run.current, outcome);
        }
        const { drain: _drained, ...rest } = run.current.state.active!;
        run.current = await this.#save({ ...run.current.state, active: { ...rest, ...outcome.patch, step: step.name } }, run.current.etag);
        if (step.name === 'revoked') await this.#announce.revoked(policy, run.current.state.active!);
        if (auditSteps && !run.recordedConsumers) {
          await this.#appendOnce(this.#stepRecord(policy, run.current.state.active!, step.name, 'rotation.step-finished', `${active.rotationId}.${step.name}.finished`));
        }
        meter.stepEnded('done');
      }
    } catch (error) {
      meter.stepEnded('failed');
      const active = run.current.state.active!;
      if (error instanceof ConcurrencyConflictError) {
        // Our lease lapsed and another instance took the rotation over; it will finish it. Not a failed attempt.
        this.#deps.logger.warn('rotation.lease-lost', logFields(policy, active));
        if (trigger.kind === 'http') throw new RotationInProgressError(policy.id, active.rotationId);
        return { policyId: policy.id, status: 'in-progress', reason: 'another instance took over this rotation', rotationId: active.rotationId };
      }
      if (!hasSwitched(active)) await this.#rollBack(strategy, run, describeError(error));
      return this.#recordFailure(policy, run.current, error);
    }
  }

  /** What steps may ask of the engine, through StepRun. */
  readonly #stepHost = {
    secrets: () => this.#deps.secrets,
    now: () => this.#deps.clock.now(),
    generate: (policy: RotationPolicy) => this.#generate(policy.generator),
    admin: (policy: RotationPolicy, target: SecretRef, consumer: BoundConsumer) => this.#adminFor(policy, target, consumer),
    switchTo: (run: EngineStepRun, value: SecretValue) => this.#switchTo(run, value),
    recordConsumer: (run: EngineStepRun, consumer: BoundConsumer | BoundFollower | BoundIssuer, login: string | undefined, detail: string) => this.#recordConsumerStep(run, consumer, login, detail),
  };

  async #recordConsumerStep(run: EngineStepRun, consumer: BoundConsumer | BoundFollower | BoundIssuer, login: string | undefined, detail: string): Promise<void> {
    const active = run.current.state.active!;
    const step = run.stepName;
    await this.#appendOnce({
      ...this.#stepRecord(run.policy, active, step, 'rotation.step-finished', `${active.rotationId}.${step}.${consumer.spec.name}.${active.attempt}`),
      consumer: consumer.spec.name,
      ...(login !== undefined ? { login } : {}),
      reason: detail,
    });
  }

  /**
   * A rotation resumed just after the step before its switch may have written the version
   * before it died: every version carries its rotation id, so the version is looked for first,
   * and the rotation goes on from the switch instead of preparing the consumers again.
   */
  async #recoverSwitch(strategy: RotationStrategy, current: LoadedState): Promise<LoadedState> {
    const active = current.state.active!;
    if (hasSwitched(active) || !mayHaveSwitched(strategy, active.step)) return current;
    const earlier = await this.#deps.secrets.findVersionByTag(active.target, MANAGED_TAGS.rotationId, active.rotationId);
    if (!earlier) return current;
    return this.#save({ ...current.state, active: { ...active, ...switchedFields(earlier, undefined), step: 'switched' } }, current.etag);
  }

  /** Undoes prepare when a rotation ends before its switch; a failed rollback is logged, and the next prepare replaces it. */
  async #rollBack(strategy: RotationStrategy, run: EngineStepRun, why: string): Promise<void> {
    const active = run.current.state.active!;
    // Prepare may have touched a consumer if this attempt generated a value or a previous one finished prepare.
    if (!strategy.rollback || (run.consumers.length === 0 && !run.issuer) || (run.pendingValue === undefined && !active.consumers)) return;
    try {
      run.beginStep(active.step, this.#deps.clock.now());
      await strategy.rollback(run);
      await this.#appendOnce({
        ...this.#stepRecord(run.policy, active, active.step, 'rotation.rolled-back', `${active.rotationId}.rolled-back.${active.attempt}`),
        reason: `rolled back before the switch: ${why}`,
      });
    } catch (error) {
      this.#deps.logger.error('rotation.rollback-failed', { ...logFields(run.policy, active), error: describeError(error) });
    }
  }

  /** Persists a rotation that waits for a drain, releases its lease, and schedules the next check. */
  async #wait(policy: RotationPolicy, current: LoadedState, outcome: Extract<StepOutcome, { kind: 'wait' }>): Promise<RotationOutcome> {
    const now = this.#deps.clock.now();
    const active: ActiveRotation = { ...current.state.active!, ...outcome.patch, drain: outcome.drain, leaseExpiresAt: now };
    const nextCheck = outcome.drain.nextCheckAt;
    await this.#appendOnce({
      ...this.#stepRecord(policy, active, nextStepName(this.#strategyOf(policy), active), 'rotation.waiting-for-drain', `${active.rotationId}.waiting.${outcome.drain.login}`),
      login: outcome.drain.login,
      reason: drainReason(outcome.drain),
    });
    await this.#deps.schedule.add({ policyId: policy.id, dueAt: nextCheck });
    const previousDue = current.state.nextDueAt;
    await this.#save({ ...current.state, active, nextDueAt: nextCheck }, current.etag);
    await this.#removeDueEntry(policy.id, previousDue, nextCheck);
    this.#deps.logger.info('rotation.waiting-for-drain', { ...logFields(policy, active), login: outcome.drain.login, sessions: outcome.drain.sessions, nextCheckAt: nextCheck.toISOString() });
    return waitingOutcome(policy.id, active);
  }

  /**
   * Every step a rotation of this policy persists, in order: the claim, its strategy's steps (with
   * `delivered` after the switch when it has followers), and the completion. A dry run and
   * GET /policies/{id} show them, so a reader sees where a rotation in progress stands.
   */
  stepsOf(policy: RotationPolicy): RotationStep[] {
    return ['claimed', ...this.#strategyOf(policy).steps.map((step) => step.name), 'completed'];
  }

  #strategyOf(policy: RotationPolicy): RotationStrategy {
    const catalog = this.#deps.consumerKinds ?? NO_CONSUMER_KINDS;
    return strategyFor(policy.strategy?.kind, (policy.consumers ?? []).some((consumer) => catalog.isFollower(consumer)));
  }

  #bindConsumers(policy: RotationPolicy): { consumers: BoundConsumer[]; followers: BoundFollower[]; issuer: BoundIssuer | undefined } {
    const catalog = this.#deps.consumerKinds ?? NO_CONSUMER_KINDS;
    const consumers: BoundConsumer[] = [];
    const followers: BoundFollower[] = [];
    let issuer: BoundIssuer | undefined;
    for (const spec of policy.consumers ?? []) {
      const kind = catalog.get(spec.kind);
      if (!kind) throw new PermanentDependencyError(`consumer '${spec.name}' is of kind '${spec.kind}', which this deployment does not know`);
      if (isFollowerKind(kind)) followers.push({ spec, kind });
      else if (isIssuerKind(kind)) issuer = { spec, kind };
      else consumers.push({ spec: spec as ConsumerSpec, kind });
    }
    return { consumers, followers, issuer };
  }

  /** The rotator's credential for a consumer: read from the policy's own vault at rotation time, or an Entra token. Never stored. */
  async #adminFor(policy: RotationPolicy, target: SecretRef, consumer: BoundConsumer): Promise<AdminCredential> {
    const { admin } = consumer.spec;
    if ('entra' in admin) {
      if (!consumer.kind.entraScope) throw new PermanentDependencyError(`consumer '${consumer.spec.name}': ${consumer.spec.kind} has no Entra ID sign-in`);
      if (!this.#deps.accessTokens) throw new PermanentDependencyError(`consumer '${consumer.spec.name}': this deployment has no Entra ID token source`);
      return { kind: 'entra', username: admin.username, accessToken: await this.#deps.accessTokens.getToken(consumer.kind.entraScope) };
    }
    const ref = { vaultUrl: target.vaultUrl, secretName: admin.secretName };
    const value = await this.#deps.secrets.readValue(ref);
    if (!value) throw new PermanentDependencyError(`policy '${policy.id}', consumer '${consumer.spec.name}': the admin secret '${admin.secretName}' does not exist in ${target.vaultUrl}`);
    const credential = parseCredential(value, `the admin secret '${admin.secretName}' in ${target.vaultUrl}`);
    return { kind: 'password', username: credential.username, password: credential.password };
  }

  /**
   * Writes the switch's version to the rotation's own target. Before the write the lease is
   * renewed when less than SWITCH_LEASE_MARGIN_MS of it is left (a conditional write of the
   * state row, which also proves no other instance took over), or the row is read to prove it.
   */
  async #switchTo(run: EngineStepRun, value: SecretValue): Promise<Partial<ActiveRotation>> {
    const { policy } = run;
    const now = this.#deps.clock.now();
    const active = run.current.state.active!;
    const margin = Math.min(SWITCH_LEASE_MARGIN_MS, this.#deps.leaseDurationInMs / 2);
    if (active.leaseExpiresAt.getTime() - now.getTime() < margin) {
      const renewed = { ...active, leaseExpiresAt: new Date(now.getTime() + this.#deps.leaseDurationInMs) };
      run.current = await this.#save({ ...run.current.state, active: renewed }, run.current.etag);
    } else {
      await this.#assertStillHeld(run.current);
    }
    const contentType = contentTypeOf(policy);
    const written = await this.#deps.secrets.write(active.target, value, {
      expiresOn: expiryFor(policy, now),
      ...(contentType ? { contentType } : {}),
      tags: tagsFor(policy, active.rotationId),
    });
    return switchedFields(written, this.#deps.clock.now());
  }

  /**
   * Key Vault has no conditional write, so a process that stalled past its lease (a long pause, a throttled
   * read) could write a second version after another instance took the rotation over. Reading the state
   * row just before the write shrinks that window to the write's own round trip; the lease (minutes) is far
   * longer than the Key Vault client's whole retry schedule (about 31 s), which covers the rest.
   */
  async #assertStillHeld(current: LoadedState): Promise<void> {
    const now = await this.#deps.states.get(current.state.policyId);
    if (now?.etag !== current.etag) throw new ConcurrencyConflictError(`rotation '${current.state.active!.rotationId}' was taken over before its write`);
  }

  #stepRecord(policy: RotationPolicy, active: ActiveRotation, step: RotationStep, action: AuditRecord['action'], id: string): AuditRecord {
    return { ...this.#rotationRecord(policy, active, this.#deps.clock.now(), action, id), step };
  }

  /** A rotation whose policy moved to another secret before anything was written ends here, having changed nothing. */
  async #abandon(policy: RotationPolicy, current: LoadedState): Promise<RotationOutcome> {
    const active = current.state.active!;
    const now = this.#deps.clock.now();
    const reason = `policy '${policy.id}' now targets '${policy.secretName}' in ${policy.vaultUrl}; nothing had been written to '${active.target.secretName}', so the rotation ends with nothing changed`;
    await this.#appendOnce({ ...this.#rotationRecord(policy, active, now, 'rotation.abandoned', `${active.rotationId}.abandoned`), reason });
    await this.#deps.schedule.add({ policyId: policy.id, dueAt: now });
    const previousDue = current.state.nextDueAt;
    const { active: _abandoned, currentVersion: _a, currentVersionCreatedOn: _b, currentVersionExpiresOn: _c, ...rest } = current.state;
    const recentTriggers = settle(current.state.recentTriggers, active.rotationId, 'abandoned', {});
    await this.#save({ ...rest, nextDueAt: now, ...(recentTriggers ? { recentTriggers } : {}) }, current.etag);
    await this.#removeDueEntry(policy.id, previousDue, now);
    this.#deps.logger.warn('rotation.abandoned', { ...logFields(policy, active), reason });
    return { policyId: policy.id, status: 'skipped', reason, rotationId: active.rotationId };
  }

  async #complete(policy: RotationPolicy, current: LoadedState): Promise<RotationOutcome> {
    const active = current.state.active!;
    const now = this.#deps.clock.now();
    const createdOn = active.newVersionCreatedOn ?? active.startedAt;
    // The policy as it is now: a replace that slipped in while this rotation ran may have moved it to another secret.
    const live = (await this.#deps.policies.get(policy.id))?.policy;
    const stillTargeted = live !== undefined && sameSecret(active.target, secretRef(live));
    const nextDue = stillTargeted
      ? nextDueAt(live, { createdOn, ...(active.newVersionExpiresOn ? { expiresOn: active.newVersionExpiresOn } : {}) })
      : now;

    // Audit before the state: a crash in between replays the append, which the audit log refuses as a duplicate.
    await this.#appendOnce(this.#rotationRecord(policy, active, now, 'rotation.succeeded', `${active.rotationId}.succeeded`));
    await this.#deps.schedule.add({ policyId: policy.id, dueAt: nextDue });
    const previousDue = current.state.nextDueAt;
    const {
      active: _finished,
      lastError: _cleared,
      currentVersion: _v,
      currentVersionCreatedOn: _c,
      currentVersionExpiresOn: _e,
      currentVersionSwitchedAt: _s,
      previousVersion: _p,
      currentLogin: _l,
      ...rest
    } = current.state;
    const currentLogin = active.logins?.target ?? loginConsumersOf(policy)[0]?.login;
    const versions = { ...(active.previousVersion ? { previousVersion: active.previousVersion } : {}), ...(active.newVersion ? { newVersion: active.newVersion } : {}) };
    const recentTriggers = settle(current.state.recentTriggers, active.rotationId, 'succeeded', versions);
    await this.#save(
      {
        ...rest,
        // What is current is only recorded for the secret the policy still names; otherwise the next scan reads the new one.
        ...(stillTargeted
          ? {
              ...(active.newVersion ? { currentVersion: active.newVersion } : {}),
              currentVersionCreatedOn: createdOn,
              ...(active.newVersionExpiresOn ? { currentVersionExpiresOn: active.newVersionExpiresOn } : {}),
            }
          : {}),
        ...(stillTargeted && active.switchedAt ? { currentVersionSwitchedAt: active.switchedAt } : {}),
        ...(stillTargeted && active.previousVersion ? { previousVersion: active.previousVersion } : {}),
        ...(stillTargeted && currentLogin ? { currentLogin } : {}),
        lastRotationId: active.rotationId,
        lastRotatedAt: now,
        lastResult: 'succeeded',
        consecutiveFailures: 0,
        nextDueAt: nextDue,
        ...(recentTriggers ? { recentTriggers } : {}),
      },
      current.etag,
    );
    await this.#removeDueEntry(policy.id, previousDue, nextDue);
    this.#deps.logger.info('rotation.succeeded', {
      ...logFields(policy, active),
      previousVersion: active.previousVersion,
      newVersion: active.newVersion,
      nextDueAt: nextDue.toISOString(),
      ...(stillTargeted ? {} : { targetChanged: true }),
    });
    await this.#announce.succeeded(policy, active);
    return {
      policyId: policy.id,
      status: 'succeeded',
      reason: active.trigger.reason,
      rotationId: active.rotationId,
      ...versions,
    };
  }

  /**
   * A failed attempt keeps its rotation (same id, same step) so the next attempt resumes
   * it, releases the lease, and schedules the retry with backoff until the budget is spent.
   */
  async #recordFailure(policy: RotationPolicy, current: LoadedState, error: unknown): Promise<RotationOutcome> {
    const active = current.state.active!;
    const now = this.#deps.clock.now();
    const attempts = current.state.consecutiveFailures + 1;
    const retryable = !(error instanceof DomainError) || error.retryable;
    const parked = attempts >= this.#deps.maxAttempts;
    const retryAt = parked ? undefined : new Date(now.getTime() + retryDelayInMs(attempts));
    const message = describeError(error);
    const fields = { ...logFields(policy, active), step: active.step, attempt: attempts, maxAttempts: this.#deps.maxAttempts, retryable, parked, error: message };
    // 'rotation.failed' is what the failed-rotation alert in infra/ queries for.
    this.#deps.logger.error('rotation.failed', fields);
    // Announced too, before the state is saved: subscribers hear of it even when storage is what failed.
    await this.#announce.failed(policy, active, attempts, message, parked);

    await this.#appendOnce({
      ...this.#rotationRecord(policy, active, now, 'rotation.failed', `${active.rotationId}.failed.${attempts}`),
      error: parked ? `${message} (retry budget of ${this.#deps.maxAttempts} attempts spent: parked until an admin rotates it)` : message,
    });
    if (retryAt) await this.#deps.schedule.add({ policyId: policy.id, dueAt: retryAt });
    const previousDue = current.state.nextDueAt;
    const { nextDueAt: _replaced, ...rest } = current.state;
    const recentTriggers = settle(current.state.recentTriggers, active.rotationId, 'failed', active.previousVersion ? { previousVersion: active.previousVersion } : {});
    await this.#save(
      {
        ...rest,
        active: { ...active, leaseExpiresAt: now, ...(active.drain ? { drain: { ...active.drain, interrupted: true } } : {}) },
        lastResult: 'failed',
        lastError: message,
        consecutiveFailures: attempts,
        ...(retryAt ? { nextDueAt: retryAt } : {}),
        ...(recentTriggers ? { recentTriggers } : {}),
      },
      current.etag,
    );
    await this.#removeDueEntry(policy.id, previousDue, retryAt);
    return {
      policyId: policy.id,
      status: 'failed',
      reason: message,
      rotationId: active.rotationId,
      ...(active.previousVersion ? { previousVersion: active.previousVersion } : {}),
      ...(parked ? { parked } : {}),
    };
  }

  /** Static secrets are provided from elsewhere: the rotation only checks expiry and records what it found. */
  async #checkStaticSecret(
    policy: RotationPolicy,
    loaded: LoadedState,
    trigger: RotationTrigger,
    latest: SecretVersionInfo | undefined,
  ): Promise<RotationOutcome> {
    const now = this.#deps.clock.now();
    let finding: string;
    if (!latest) finding = 'static secret does not exist: it must be set by its owner';
    else if (latest.expiresOn && latest.expiresOn <= now) finding = `static secret version '${latest.version}' has expired`;
    else if (latest.expiresOn) finding = `static secret version '${latest.version}' expires ${latest.expiresOn.toISOString()}: its owner must replace it`;
    else finding = `static secret version '${latest.version}' has no expiry`;
    await this.#appendOnce({
      id: this.#deps.newId(),
      at: now,
      action: 'secret.static-expiry-check',
      ...this.#auditSubject(policy),
      trigger: trigger.kind,
      ...actorFields(trigger.actor),
      reason: finding,
      ...(latest ? { previousVersion: latest.version } : {}),
    });
    this.#deps.logger.warn('rotation.static-finding', { policyId: policy.id, vaultUrl: policy.vaultUrl, secretName: policy.secretName, finding });
    await this.#reschedule(policy, loaded, latest, { lastResult: 'skipped', notBefore: new Date(now.getTime() + DAY_IN_MS) });
    return { policyId: policy.id, status: 'skipped', reason: finding };
  }

  /**
   * Moves the policy's due date to what Key Vault now says (a new policy over an
   * existing secret, a version written out of band). Losing a race here is harmless.
   */
  async #reschedule(
    policy: RotationPolicy,
    loaded: LoadedState,
    latest: SecretVersionInfo | undefined,
    options: { lastResult?: PolicyState['lastResult']; notBefore?: Date } = {},
  ): Promise<void> {
    const now = this.#deps.clock.now();
    let due = latest ? nextDueAt(policy, latest) : (options.notBefore ?? now);
    if (options.notBefore && due < options.notBefore) due = options.notBefore;
    const previousDue = loaded.state.nextDueAt;
    if (previousDue?.getTime() === due.getTime() && loaded.state.currentVersion === latest?.version) return;
    const entry = { policyId: policy.id, dueAt: due };
    await this.#deps.schedule.add(entry);
    const saved = await this.#saveUnlessRaced(
        {
          ...loaded.state,
          ...(latest
            ? {
                currentVersion: latest.version,
                ...(latest.createdOn ? { currentVersionCreatedOn: latest.createdOn } : {}),
                ...(latest.expiresOn ? { currentVersionExpiresOn: latest.expiresOn } : {}),
              }
            : {}),
          ...(options.lastResult ? { lastResult: options.lastResult } : {}),
          nextDueAt: due,
        },
        loaded.etag,
      );
    // Losing this race is harmless: whoever won keeps the schedule, and our entry goes.
    if (!saved) return this.#withdrawEntry(entry);
    await this.#removeDueEntry(policy.id, previousDue, due);
  }

  async #removeDueEntry(policyId: string, previousDue: Date | undefined, keep: Date | undefined): Promise<void> {
    if (!previousDue || previousDue.getTime() === keep?.getTime()) return;
    try {
      await this.#deps.schedule.remove({ policyId, dueAt: previousDue });
    } catch (error) {
      // A stale index entry is repaired by the next scan; the rotation itself is done.
      this.#deps.logger.warn('schedule.stale-entry-kept', { policyId, dueAt: previousDue.toISOString(), error: describeError(error) });
    }
  }

  async #lostClaim(policyId: string, trigger: RotationTrigger): Promise<RotationOutcome> {
    const reread = await this.#loadState(policyId);
    const active = reread.state.active;
    if (trigger.kind === 'http') throw new RotationInProgressError(policyId, active?.rotationId ?? reread.state.lastRotationId ?? 'unknown');
    return {
      policyId,
      status: 'in-progress',
      reason: 'another trigger claimed this rotation first',
      ...(active ? { rotationId: active.rotationId } : {}),
    };
  }

  #inProgress(policyId: string, active: ActiveRotation, trigger: RotationTrigger): RotationOutcome {
    if (trigger.kind === 'http') throw new RotationInProgressError(policyId, active.rotationId);
    return { policyId, status: 'in-progress', reason: `rotation '${active.rotationId}' is in progress`, rotationId: active.rotationId };
  }

  /** A repeated idempotency key: what its own rotation produced, not what happened since. */
  #replay(policyId: string, remembered: RememberedTrigger): RotationOutcome {
    const status = remembered.result === 'succeeded' || remembered.result === 'failed' ? remembered.result : 'skipped';
    return {
      policyId,
      status,
      reason: `replay: this idempotency key was first handled at ${remembered.at.toISOString()} by rotation '${remembered.rotationId}'${remembered.result ? `, which ${remembered.result}` : ''}`,
      replayed: true,
      rotationId: remembered.rotationId,
      ...(remembered.previousVersion ? { previousVersion: remembered.previousVersion } : {}),
      ...(remembered.newVersion ? { newVersion: remembered.newVersion } : {}),
    };
  }

  /** An event Key Vault contradicts is kept on record (once per event id) and changes nothing else. */
  async #recordImplausibleEvent(policy: RotationPolicy, trigger: RotationTrigger, reason: string, now: Date): Promise<void> {
    this.#deps.logger.warn('event.implausible', { policyId: policy.id, vaultUrl: policy.vaultUrl, secretName: policy.secretName, actor: actorName(trigger.actor), reason });
    await this.#appendOnce({
      id: `implausible.${trigger.idempotencyKey ?? this.#deps.newId()}`,
      at: now,
      action: 'secret.implausible-event',
      ...this.#auditSubject(policy),
      trigger: trigger.kind,
      ...actorFields(trigger.actor),
      reason,
      ...(trigger.eventVersion ? { newVersion: trigger.eventVersion } : {}),
    });
  }

  #budgetSpent(state: PolicyState): boolean {
    return state.consecutiveFailures >= this.#deps.maxAttempts;
  }

  #parked(state: PolicyState): RotationOutcome {
    return {
      policyId: state.policyId,
      status: 'skipped',
      reason: `retry budget spent after ${state.consecutiveFailures} failed attempts; rotate it over HTTP once the cause is fixed`,
      parked: true,
    };
  }

  async #appendOnce(record: AuditRecord): Promise<void> {
    try {
      await this.#deps.audit.append(record);
    } catch (error) {
      if (error instanceof ConcurrencyConflictError) return;
      throw error;
    }
  }

  /** Ids derive from the rotation id, so a resumed rotation's repeated append is refused as a duplicate. */
  #rotationRecord(policy: RotationPolicy, active: ActiveRotation, at: Date, action: AuditRecord['action'], id: string): AuditRecord {
    return {
      id,
      at,
      action,
      ...this.#auditSubject(policy, active),
      rotationId: active.rotationId,
      trigger: active.trigger.kind,
      ...actorFields(active.trigger.actor),
      reason: active.trigger.reason,
      ...(active.previousVersion ? { previousVersion: active.previousVersion } : {}),
      ...(active.newVersion ? { newVersion: active.newVersion } : {}),
    };
  }

  /** A rotation's records name the secret it claimed, whatever the policy names now. */
  #auditSubject(policy: RotationPolicy, active?: ActiveRotation): Pick<AuditRecord, 'policyId' | 'vaultUrl' | 'secretName'> {
    const subject = active?.target ?? secretRef(policy);
    return { policyId: policy.id, vaultUrl: subject.vaultUrl, secretName: subject.secretName };
  }

  async #loadPolicy(policyId: string): Promise<RotationPolicy> {
    const stored = await this.#deps.policies.get(policyId);
    if (!stored) throw new NotFoundError(`policy '${policyId}' does not exist`);
    return stored.policy;
  }

  async #loadState(policyId: string): Promise<LoadedState> {
    const stored = await this.#deps.states.get(policyId);
    return stored ? { state: stored.state, etag: stored.etag } : { state: { policyId, consecutiveFailures: 0 }, etag: undefined };
  }

  async #save(state: PolicyState, etag: string | undefined): Promise<LoadedState> {
    const saved: VersionedPolicyState = await this.#deps.states.save(state, etag);
    return { state: saved.state, etag: saved.etag };
  }
}

const DAY_IN_MS = 24 * 60 * 60 * 1000;

export function secretRef(policy: RotationPolicy): SecretRef {
  return { vaultUrl: policy.vaultUrl, secretName: policy.secretName };
}

function writtenByUs(version: SecretVersionInfo): boolean {
  return version.tags[MANAGED_TAGS.managedBy] === MANAGED_BY_VALUE && version.tags[MANAGED_TAGS.rotationId] !== undefined;
}

/** Vault hosts are case-insensitive; secret names are too (Key Vault treats 'Db' and 'db' as one secret). */
function sameSecret(a: SecretRef, b: SecretRef): boolean {
  return a.vaultUrl.toLowerCase() === b.vaultUrl.toLowerCase() && a.secretName.toLowerCase() === b.secretName.toLowerCase();
}

function logFields(policy: RotationPolicy, active: ActiveRotation) {
  return {
    policyId: policy.id,
    vaultUrl: active.target.vaultUrl,
    secretName: active.target.secretName,
    rotationId: active.rotationId,
    trigger: active.trigger.kind,
    ...actorFields(active.trigger.actor),
  };
}
