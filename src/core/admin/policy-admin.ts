/**
 * Admin operations on policies: validate, enforce which vaults this deployment
 * governs, keep the policy, its state and its schedule entry in step, and audit
 * who changed what. Deleting a policy never deletes its secret.
 */
import { actorFields, actorName, type Actor } from '../audit-fields.js';
import type { Clock } from '../clock.js';
import { ConcurrencyConflictError, NotFoundError, PreconditionFailedError, RotationInProgressError, ValidationError, type ErrorDetail } from '../errors.js';
import { changedPaths } from './changed-paths.js';
import { quote } from '../untrusted-text.js';
import type { Logger } from '../logger.js';
import { parsePolicy, policyWarnings, type RotationPolicy } from '../policy/policy.js';
import { NO_CONSUMER_KINDS, isFollowerKind, type AnyConsumerSpec, type ConsumerCatalog } from '../consumers/consumer-port.js';
import { parseVaultUrl } from '../names.js';
import type { AuditLog, Page, PageOptions, PolicyRepository, PolicyState, PolicyStateStore, ScheduleIndex, SecretRef, StoredPolicy, VersionedPolicyState } from '../ports.js';

/** HTTP's conditional-request headers, as the caller sent them. */
export interface WritePreconditions {
  /** An ETag, or '*' for "only if it exists". */
  ifMatch?: string;
  /** '*' for "only if it does not exist yet". */
  ifNoneMatch?: string;
}

export interface PolicyView {
  stored: StoredPolicy;
  state: PolicyState;
  /** What a valid policy should still hear about (a PUT's answer only). */
  warnings?: string[];
}

export interface PolicyAdminDependencies {
  policies: PolicyRepository;
  states: PolicyStateStore;
  schedule: ScheduleIndex;
  audit: AuditLog;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  /** Vault origins this deployment may rotate; empty allows any. */
  governedVaultUrls: readonly string[];
  /** The consumer kinds a policy may name; none by default. */
  consumerKinds?: ConsumerCatalog;
}

/** The state of a policy no rotation has touched yet. */
function neverRotated(policyId: string): PolicyState {
  return { policyId, consecutiveFailures: 0 };
}

/** Fields whose change makes the policy's due date worth re-evaluating at once. */
function scheduleRelevant(policy: RotationPolicy): string {
  return JSON.stringify([policy.vaultUrl, policy.secretName, policy.rotation, policy.generator.kind, policy.enabled]);
}

export class PolicyAdmin {
  readonly #deps: PolicyAdminDependencies;

  constructor(deps: PolicyAdminDependencies) {
    this.#deps = deps;
  }

  /**
   * Creates or replaces. If-Match guards against overwriting someone else's change;
   * If-None-Match: * makes it create-only. A replace is refused while a rotation holds
   * its lease (as a delete is): the rotation runs against the secret it claimed, and a
   * policy moved under it would leave the two disagreeing about what is current.
   */
  /** The policy a PUT of this body would store, or the ValidationError naming the field; reads and writes nothing. */
  validate(id: string, body: unknown): RotationPolicy {
    return this.#parse(id, body);
  }

  async put(id: string, body: unknown, actor: Actor, preconditions: WritePreconditions = {}): Promise<PolicyView & { created: boolean }> {
    const policy = this.#parse(id, body);
    await this.#refuseWritingGovernedSecrets(policy);
    const existing = await this.#deps.policies.get(id);
    checkPreconditions(id, existing, preconditions);
    const now = this.#deps.clock.now();
    const state = existing ? await this.#deps.states.get(id) : undefined;
    this.#refuseDuringRotation(id, state, now);
    const stored = await this.#deps.policies.put(policy, existing?.etag);
    const rescheduled = await this.#rescheduleIfNeeded(policy, existing?.policy, state, now);
    const changedFields = existing ? changedPaths(existing.policy, policy) : undefined;
    await this.#deps.audit.append({
      id: this.#deps.newId(),
      at: now,
      action: existing ? 'policy.replaced' : 'policy.created',
      policyId: id,
      vaultUrl: policy.vaultUrl,
      secretName: policy.secretName,
      ...actorFields(actor),
      ...(changedFields ? { changedFields } : {}),
    });
    this.#deps.logger.info(existing ? 'policy.replaced' : 'policy.created', {
      policyId: id,
      actor: actorName(actor),
      vaultUrl: policy.vaultUrl,
      secretName: policy.secretName,
      ...(changedFields ? { changedFields: changedFields.join(',') } : {}),
    });
    const warnings = policyWarnings(policy);
    return { stored, state: rescheduled, created: !existing, ...(warnings.length ? { warnings } : {}) };
  }

  async get(id: string): Promise<PolicyView> {
    const stored = await this.#deps.policies.get(id);
    if (!stored) throw new NotFoundError(`policy '${id}' does not exist`);
    const state = await this.#deps.states.get(id);
    return { stored, state: state?.state ?? neverRotated(id) };
  }

  list(options?: PageOptions): Promise<Page<StoredPolicy>> {
    return this.#deps.policies.list(options);
  }

  /** A page of policies, each with the state get() gives it; the page's states are read together, not one by one. */
  async listWithState(options?: PageOptions): Promise<Page<PolicyView>> {
    const page = await this.#deps.policies.list(options);
    const states = await this.#deps.states.getMany(page.items.map((stored) => stored.policy.id));
    return { ...page, items: page.items.map((stored) => ({ stored, state: states.get(stored.policy.id)?.state ?? neverRotated(stored.policy.id) })) };
  }

  /** Stops governing the secret; its history stays readable. If-Match guards against deleting a policy someone just changed. */
  async delete(id: string, actor: Actor, preconditions: Pick<WritePreconditions, 'ifMatch'> = {}): Promise<void> {
    const stored = await this.#deps.policies.get(id);
    if (!stored) throw new NotFoundError(`policy '${id}' does not exist`);
    checkPreconditions(id, stored, preconditions);
    const state = await this.#deps.states.get(id);
    this.#refuseDuringRotation(id, state, this.#deps.clock.now());
    await this.#deps.policies.delete(id);
    await this.#deps.states.delete(id);
    if (state?.state.nextDueAt) await this.#deps.schedule.remove({ policyId: id, dueAt: state.state.nextDueAt });
    await this.#deps.audit.append({
      id: this.#deps.newId(),
      at: this.#deps.clock.now(),
      action: 'policy.deleted',
      policyId: id,
      vaultUrl: stored.policy.vaultUrl,
      secretName: stored.policy.secretName,
      ...actorFields(actor),
    });
    this.#deps.logger.info('policy.deleted', { policyId: id, actor: actorName(actor) });
  }

  #parse(id: string, body: unknown): RotationPolicy {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ValidationError('the request body must be a JSON object', [{ path: '', message: 'expected an object' }]);
    }
    const withId = 'id' in body ? body : { ...body, id };
    if ((withId as { id: unknown }).id !== id) {
      throw new ValidationError('the id in the body does not match the id in the URL', [
        { path: 'id', message: `expected '${id}' (the URL's id), got ${describeGiven((withId as { id: unknown }).id)}` },
      ]);
    }
    const policy = parsePolicy(withId, this.#deps.consumerKinds ?? NO_CONSUMER_KINDS);
    const governed = this.#deps.governedVaultUrls;
    if (governed.length > 0 && !governed.includes(parseVaultUrl(policy.vaultUrl).origin)) {
      // Which vaults are governed is the deployment's business, not every caller's: name none of them.
      throw new ValidationError('this deployment does not govern that vault', [
        { path: 'vaultUrl', message: 'this vault is not governed by this deployment; add it to GOVERNED_VAULT_URLS (infra parameter governedVaults) first' },
      ]);
    }
    this.#refuseFollowerTargets(policy);
    return policy;
  }

  /** Followers that write Key Vault secrets (replicas) must write to governed vaults, and never the policy's own secret. */
  #refuseFollowerTargets(policy: RotationPolicy): void {
    const governed = this.#deps.governedVaultUrls;
    const primaryOrigin = parseVaultUrl(policy.vaultUrl).origin;
    const details: ErrorDetail[] = [];
    for (const { spec, index, target } of this.#followerTargets(policy)) {
      const origin = parseVaultUrl(target.vaultUrl).origin;
      if (governed.length > 0 && !governed.includes(origin)) {
        details.push({ path: `consumers.${index}.vaultUrl`, message: `${spec.kind} '${spec.name}' writes to a vault this deployment does not govern; add it to GOVERNED_VAULT_URLS (infra parameter governedVaults) first` });
      } else if (origin === primaryOrigin && target.secretName.toLowerCase() === policy.secretName.toLowerCase()) {
        details.push({ path: `consumers.${index}`, message: `${spec.kind} '${spec.name}' would write the secret this policy rotates: name another vault or secretName` });
      }
    }
    if (details.length > 0) throw new ValidationError(`invalid rotation policy: ${details[0]!.path}: ${details[0]!.message}`, details);
  }

  /** Nor a secret another policy rotates: each would write versions over the other's. */
  async #refuseWritingGovernedSecrets(policy: RotationPolicy): Promise<void> {
    for (const { spec, index, target } of this.#followerTargets(policy)) {
      const owner = await this.#deps.policies.findBySecret(parseVaultUrl(target.vaultUrl).vaultName, target.secretName);
      if (owner && owner.policy.id !== policy.id) {
        const message = `${spec.kind} '${spec.name}' would write '${target.secretName}', which policy '${owner.policy.id}' rotates: a secret has one writer`;
        throw new ValidationError(`invalid rotation policy: consumers.${index}: ${message}`, [{ path: `consumers.${index}`, message }]);
      }
    }
  }

  #followerTargets(policy: RotationPolicy): { spec: AnyConsumerSpec; index: number; target: SecretRef }[] {
    const catalog = this.#deps.consumerKinds ?? NO_CONSUMER_KINDS;
    const primary = { vaultUrl: policy.vaultUrl, secretName: policy.secretName };
    return (policy.consumers ?? []).flatMap((spec, index) => {
      const kind = catalog.get(spec.kind);
      if (!kind || !isFollowerKind(kind) || !kind.writesTo) return [];
      return kind.writesTo(spec, primary).map((target) => ({ spec, index, target }));
    });
  }

  #refuseDuringRotation(id: string, state: VersionedPolicyState | undefined, now: Date): void {
    const active = state?.state.active;
    if (active && active.leaseExpiresAt > now) throw new RotationInProgressError(id, active.rotationId);
  }

  /**
   * A new or materially changed policy is due for evaluation now: the next scan checks
   * Key Vault and decides. The state write is conditional on the state read before the
   * policy was written; if a rotation claimed the state in between, it keeps it (its
   * completion sees the replaced policy) and the entry added here is withdrawn.
   */
  async #rescheduleIfNeeded(
    policy: RotationPolicy,
    previous: RotationPolicy | undefined,
    existing: VersionedPolicyState | undefined,
    now: Date,
  ): Promise<PolicyState> {
    const state = existing?.state ?? neverRotated(policy.id);
    const changed = !previous || scheduleRelevant(previous) !== scheduleRelevant(policy);
    if (!changed || !policy.enabled) return state;
    const entry = { policyId: policy.id, dueAt: now };
    await this.#deps.schedule.add(entry);
    try {
      const saved = await this.#deps.states.save({ ...state, nextDueAt: now }, existing?.etag);
      if (state.nextDueAt && state.nextDueAt.getTime() !== now.getTime()) {
        await this.#deps.schedule.remove({ policyId: policy.id, dueAt: state.nextDueAt });
      }
      return saved.state;
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
      await this.#deps.schedule.remove(entry);
      return (await this.#deps.states.get(policy.id))?.state ?? state;
    }
  }
}

function checkPreconditions(id: string, existing: StoredPolicy | undefined, { ifMatch, ifNoneMatch }: WritePreconditions): void {
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw new ValidationError('If-None-Match is supported only as *', [{ path: 'If-None-Match', message: "use '*' to create only if the policy does not exist" }]);
    if (existing) throw new PreconditionFailedError(`policy '${id}' already exists (If-None-Match: *)`);
  }
  if (ifMatch === undefined) return;
  if (!existing) throw new PreconditionFailedError(`policy '${id}' does not exist (If-Match)`);
  if (ifMatch !== '*' && existing.etag !== ifMatch) throw new PreconditionFailedError(`policy '${id}' has changed since the ETag in If-Match`);
}

/** What the caller sent, shown bounded and escaped: a string quoted, anything else by its type only (never serialised). */
function describeGiven(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
