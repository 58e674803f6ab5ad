/**
 * The API's operations on policies, each either done at once or, for a policy of a protected
 * environment, stored as a change request that waits for approvals. The HTTP layer calls
 * these instead of PolicyAdmin and the engine directly, so no route can forget the gate.
 *
 * Bad input is refused before anything is stored, exactly as for an immediate operation:
 * a change request is only ever made of a body the operation would accept.
 */
import type { PolicyAdmin, PolicyView, WritePreconditions } from '../admin/policy-admin.js';
import type { Caller } from '../auth/caller.js';
import type { RequestActor } from '../audit-fields.js';
import { NotFoundError, PreconditionFailedError } from '../errors.js';
import type { PolicyRepository, RotationTrigger } from '../ports.js';
import type { RotationEngine } from '../rotation/rotation-engine.js';
import type { RotationOutcome } from '../rotation/rotation-outcome.js';
import type { ChangeRequest } from './change-request.js';
import { policyWriteAction, type ChangeRequestService } from './change-request-service.js';
import { NotProtectedError } from './errors.js';

/** Done now, or waiting for approvals in the change request. */
export type Governed<T> = { done: T } | { approvalRequired: ChangeRequest };

export interface GovernedOperationsDependencies {
  admin: PolicyAdmin;
  engine: RotationEngine;
  changes: ChangeRequestService;
  policies: PolicyRepository;
}

/** A person or application the token named, with where the request came from. */
export type Requester = RequestActor & { caller: Caller };

export class GovernedOperations {
  constructor(private readonly deps: GovernedOperationsDependencies) {}

  async putPolicy(id: string, body: unknown, requester: Requester, preconditions: WritePreconditions = {}): Promise<Governed<PolicyView & { created: boolean }>> {
    const after = this.deps.admin.validate(id, body);
    const before = await this.deps.policies.get(id);
    const action = policyWriteAction(before?.policy, after);
    if (!this.deps.changes.requiresApproval(action, before?.policy, after)) {
      return { done: await this.deps.admin.put(id, body, requester, preconditions) };
    }
    if (preconditions.ifNoneMatch === '*' && before) throw new PreconditionFailedError(`policy '${id}' already exists (If-None-Match: *)`);
    return { approvalRequired: await this.deps.changes.request(action, id, body, requester.caller, preconditions.ifMatch) };
  }

  async deletePolicy(id: string, requester: Requester, preconditions: Pick<WritePreconditions, 'ifMatch'> = {}): Promise<Governed<void>> {
    const before = await this.deps.policies.get(id);
    if (!before) throw new NotFoundError(`policy '${id}' does not exist`);
    if (!this.deps.changes.requiresApproval('policy.delete', before.policy)) {
      await this.deps.admin.delete(id, requester, preconditions);
      return { done: undefined };
    }
    return { approvalRequired: await this.deps.changes.request('policy.delete', id, {}, requester.caller, preconditions.ifMatch) };
  }

  /** An on-demand rotation. Scheduled and event-driven rotations never come here: the approval was of the policy. */
  async rotate(id: string, trigger: RotationTrigger & { actor: Requester }): Promise<Governed<RotationOutcome>> {
    const policy = await this.deps.policies.get(id);
    if (!policy) throw new NotFoundError(`policy '${id}' does not exist`);
    if (!this.deps.changes.requiresApproval('rotation.rotate', policy.policy)) return { done: await this.deps.engine.rotate(id, trigger) };
    return { approvalRequired: await this.deps.changes.request('rotation.rotate', id, { reason: trigger.reason }, trigger.actor.caller) };
  }

  /**
   * Rotates a protected policy now, without approvals: the role and a justification are checked
   * first, the rotation runs, and then, whatever its outcome, it is audited, alerted and left
   * for two other people to review.
   */
  async breakGlass(id: string, justification: unknown, requester: Requester): Promise<{ outcome?: RotationOutcome; review: ChangeRequest }> {
    const text = this.deps.changes.checkBreakGlass(requester.caller, justification);
    const policy = await this.deps.policies.get(id);
    if (!policy) throw new NotFoundError(`policy '${id}' does not exist`);
    if (!this.deps.changes.isProtected(policy.policy.environment ?? '')) throw new NotProtectedError(id);
    let outcome: RotationOutcome;
    try {
      outcome = await this.deps.engine.rotate(id, { kind: 'http', actor: requester, reason: `break-glass: ${text}` });
    } catch (error) {
      await this.deps.changes.recordBreakGlass(id, requester.caller, text, { error });
      throw error;
    }
    const review = await this.deps.changes.recordBreakGlass(
      id,
      requester.caller,
      text,
      outcome.status === 'failed'
        ? { error: new Error(outcome.reason) }
        : {
            result: {
              summary: `rotation ${outcome.status}`,
              rotationStatus: outcome.status,
              ...(outcome.rotationId ? { rotationId: outcome.rotationId } : {}),
              ...(outcome.previousVersion ? { previousVersion: outcome.previousVersion } : {}),
              ...(outcome.newVersion ? { newVersion: outcome.newVersion } : {}),
            },
          },
    );
    return { outcome, review };
  }
}
