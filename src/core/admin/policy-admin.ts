/**
 * Admin operations on policies: validate, enforce which vaults this deployment
 * governs, keep the policy, its state and its schedule entry in step, and audit
 * who changed what. Deleting a policy never deletes its secret.
 */
import type { Clock } from '../clock.js';
import { NotFoundError, PreconditionFailedError, RotationInProgressError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { parsePolicy, type RotationPolicy } from '../policy/policy.js';
import { parseVaultUrl } from '../names.js';
import type { AuditLog, Page, PageOptions, PolicyRepository, PolicyState, PolicyStateStore, ScheduleIndex, StoredPolicy } from '../ports.js';

export interface PolicyView {
  stored: StoredPolicy;
  state: PolicyState;
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

  /** Creates or replaces. `ifMatch` (an ETag) guards against overwriting someone else's change. */
  async put(id: string, body: unknown, actor: string, ifMatch?: string): Promise<PolicyView & { created: boolean }> {
    const policy = this.#parse(id, body);
    const existing = await this.#deps.policies.get(id);
    if (ifMatch && ifMatch !== '*' && existing?.etag !== ifMatch) {
      throw new PreconditionFailedError(existing ? `policy '${id}' has changed since ETag ${ifMatch}` : `policy '${id}' does not exist`);
    }
    if (ifMatch === '*' && !existing) throw new PreconditionFailedError(`policy '${id}' does not exist`);
    const stored = await this.#deps.policies.put(policy, existing?.etag);
    const now = this.#deps.clock.now();
    const state = await this.#rescheduleIfNeeded(policy, existing?.policy, now);
    await this.#deps.audit.append({
      id: this.#deps.newId(),
      at: now,
      action: existing ? 'policy.replaced' : 'policy.created',
      policyId: id,
      vaultUrl: policy.vaultUrl,
      secretName: policy.secretName,
      actor,
    });
    this.#deps.logger.info(existing ? 'policy.replaced' : 'policy.created', { policyId: id, actor, vaultUrl: policy.vaultUrl, secretName: policy.secretName });
    return { stored, state, created: !existing };
  }

  async get(id: string): Promise<PolicyView> {
    const stored = await this.#deps.policies.get(id);
    if (!stored) throw new NotFoundError(`policy '${id}' does not exist`);
    const state = await this.#deps.states.get(id);
    return { stored, state: state?.state ?? { policyId: id, consecutiveFailures: 0 } };
  }

  list(options?: PageOptions): Promise<Page<StoredPolicy>> {
    return this.#deps.policies.list(options);
  }

  async delete(id: string, actor: string): Promise<void> {
    const stored = await this.#deps.policies.get(id);
    if (!stored) throw new NotFoundError(`policy '${id}' does not exist`);
    const state = await this.#deps.states.get(id);
    const active = state?.state.active;
    if (active && active.leaseExpiresAt > this.#deps.clock.now()) throw new RotationInProgressError(id, active.rotationId);
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
      actor,
    });
    this.#deps.logger.info('policy.deleted', { policyId: id, actor });
  }

  #parse(id: string, body: unknown): RotationPolicy {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ValidationError('the request body must be a JSON object', [{ path: '', message: 'expected an object' }]);
    }
    const withId = 'id' in body ? body : { ...body, id };
    if ((withId as { id: unknown }).id !== id) {
      throw new ValidationError('the id in the body does not match the id in the URL', [
        { path: 'id', message: `expected '${id}' (the URL's id), got ${JSON.stringify((withId as { id: unknown }).id)}` },
      ]);
    }
    const policy = parsePolicy(withId);
    const governed = this.#deps.governedVaultUrls;
    if (governed.length > 0 && !governed.includes(parseVaultUrl(policy.vaultUrl).origin)) {
      throw new ValidationError('this deployment does not govern that vault', [
        { path: 'vaultUrl', message: `'${policy.vaultUrl}' is not one of the governed vaults (${governed.join(', ')}); add it to the deployment first` },
      ]);
    }
    return policy;
  }

  /** A new or materially changed policy is due for evaluation now: the next scan checks Key Vault and decides. */
  async #rescheduleIfNeeded(policy: RotationPolicy, previous: RotationPolicy | undefined, now: Date): Promise<PolicyState> {
    const existing = await this.#deps.states.get(policy.id);
    const state = existing?.state ?? { policyId: policy.id, consecutiveFailures: 0 };
    const changed = !previous || scheduleRelevant(previous) !== scheduleRelevant(policy);
    if (!changed || !policy.enabled) return state;
    await this.#deps.schedule.add({ policyId: policy.id, dueAt: now });
    const saved = await this.#deps.states.save({ ...state, nextDueAt: now }, existing?.etag);
    if (state.nextDueAt && state.nextDueAt.getTime() !== now.getTime()) {
      await this.#deps.schedule.remove({ policyId: policy.id, dueAt: state.nextDueAt });
    }
    return saved.state;
  }
}
