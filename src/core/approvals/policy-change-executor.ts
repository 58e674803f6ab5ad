/**
 * Runs an approved change request with the same services an immediate operation uses:
 * PolicyAdmin for policy writes, the rotation engine for rotations. Idempotent under the
 * request id, as ChangeExecutor requires: a policy write is conditional on the ETag the
 * request bound and, when that has moved, succeeds only if the policy already is what was
 * asked; a rotation carries `change-request:<id>` as its idempotency key, so running it
 * again replays the first outcome.
 */
import type { PolicyAdmin } from '../admin/policy-admin.js';
import { changedPaths } from '../admin/changed-paths.js';
import type { RequestActor } from '../audit-fields.js';
import { NotFoundError, PreconditionFailedError } from '../errors.js';
import type { RotationEngine } from '../rotation/rotation-engine.js';
import type { ChangeRequest, ExecutionResult } from './change-request.js';
import type { ChangeExecutor } from './ports.js';

export class RotationFailedError extends Error {
  constructor(readonly rotationId: string | undefined, reason: string) {
    super(`rotation ${rotationId ?? ''} failed: ${reason}`);
    this.name = 'RotationFailedError';
  }
}

export class PolicyChangeExecutor implements ChangeExecutor {
  constructor(private readonly deps: { admin: PolicyAdmin; engine: RotationEngine }) {}

  async execute(request: ChangeRequest): Promise<ExecutionResult> {
    // The operation is the requester's; the audit of the change request names who approved it.
    const actor: RequestActor = { ...request.requester, correlationId: `change-request:${request.id}` };
    switch (request.action) {
      case 'policy.create':
      case 'policy.replace':
      case 'policy.enable':
      case 'policy.disable':
        return this.#write(request, actor);
      case 'policy.delete':
        return this.#delete(request, actor);
      case 'rotation.rotate':
        return this.#rotate(request, actor);
      case 'rotation.break-glass':
        throw new Error('a break-glass rotation has run already and is only reviewed');
    }
  }

  async #write(request: ChangeRequest, actor: RequestActor): Promise<ExecutionResult> {
    const preconditions = request.action === 'policy.create' ? { ifNoneMatch: '*' } : { ifMatch: request.policyEtag ?? '*' };
    try {
      const view = await this.deps.admin.put(request.policyId, request.body, actor, preconditions);
      return { summary: `policy ${view.created ? 'created' : 'replaced'}`, policyEtag: view.stored.etag };
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
      // A repeat after a crash finds its own write: the policy already is what was approved.
      const current = await this.deps.admin.get(request.policyId).catch(() => undefined);
      const wanted = this.deps.admin.validate(request.policyId, request.body);
      if (current && changedPaths(current.stored.policy, wanted).length === 0) return { summary: 'policy already as approved', policyEtag: current.stored.etag };
      throw error;
    }
  }

  async #delete(request: ChangeRequest, actor: RequestActor): Promise<ExecutionResult> {
    try {
      await this.deps.admin.delete(request.policyId, actor, { ifMatch: request.policyEtag ?? '*' });
      return { summary: 'policy deleted' };
    } catch (error) {
      if (error instanceof NotFoundError) return { summary: 'policy already deleted' };
      throw error;
    }
  }

  async #rotate(request: ChangeRequest, actor: RequestActor): Promise<ExecutionResult> {
    const reason = typeof request.body['reason'] === 'string' ? request.body['reason'] : `change request ${request.id}`;
    const outcome = await this.deps.engine.rotate(request.policyId, {
      kind: 'http',
      actor,
      reason: `${reason} (change request ${request.id})`,
      idempotencyKey: `change-request:${request.id}`,
      idempotencyFingerprint: request.hash,
    });
    if (outcome.status === 'failed') throw new RotationFailedError(outcome.rotationId, outcome.reason);
    return {
      summary: `rotation ${outcome.rotationId ?? ''} ${outcome.status}`.replace('  ', ' '),
      rotationStatus: outcome.status,
      ...(outcome.rotationId ? { rotationId: outcome.rotationId } : {}),
      ...(outcome.previousVersion ? { previousVersion: outcome.previousVersion } : {}),
      ...(outcome.newVersion ? { newVersion: outcome.newVersion } : {}),
    };
  }
}
