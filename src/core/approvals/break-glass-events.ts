/**
 * Break-glass rotations announced as rotation events (KeyVaultRotation.BreakGlassUsed on the
 * deployment's Event Grid topic), so the people who route failures to Teams, e-mail or a pager
 * hear of a rotation that skipped approvals the moment it ran. A refused publish throws: the
 * change request service logs it as rotation.break-glass.alert-failed beside the audit record.
 */
import type { SecretRef } from '../ports.js';
import { MAX_EVENT_TEXT_CHARS, type RotationEvents } from '../rotation-events.js';
import { boundText } from '../untrusted-text.js';
import type { ChangeRequest } from './change-request.js';
import type { BreakGlassAlerts } from './ports.js';

/** A policy deleted before its break-glass record was written leaves no secret to name. */
const NO_SECRET = 'unknown: the policy no longer exists';

export class BreakGlassEvents implements BreakGlassAlerts {
  readonly #events: RotationEvents;

  constructor(events: RotationEvents) {
    this.#events = events;
  }

  async breakGlassUsed(request: ChangeRequest, secret: SecretRef | undefined): Promise<void> {
    const result = request.execution?.result;
    const justification = typeof request.body.justification === 'string' ? request.body.justification : '';
    await this.#events.publish({
      type: 'BreakGlassUsed',
      // One break-glass request, one event: a redelivery carries the same id.
      id: `${request.id}.BreakGlassUsed`,
      at: request.requestedAt,
      policyId: request.policyId,
      vaultUrl: secret?.vaultUrl ?? NO_SECRET,
      secretName: secret?.secretName ?? NO_SECRET,
      actor: request.requester.displayName || request.requester.oid,
      reason: boundText(`break-glass rotation, change request '${request.id}' now awaits review by two other people: ${justification}`, MAX_EVENT_TEXT_CHARS),
      ...(result?.rotationId ? { rotationId: result.rotationId } : {}),
      ...(result?.previousVersion ? { previousVersion: result.previousVersion } : {}),
      ...(result?.newVersion ? { newVersion: result.newVersion } : {}),
      ...(request.execution?.error ? { error: request.execution.error } : {}),
    });
  }
}
