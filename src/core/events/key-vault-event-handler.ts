/**
 * What a Key Vault event means for the policies: near-expiry and expired events
 * rotate the governed secret (when the event's version is still current), a new
 * version this app did not write is recorded as an out-of-band change, and events
 * for ungoverned secrets are recorded as unmanaged. Duplicates change nothing.
 */
import type { Clock } from '../clock.js';
import { ConcurrencyConflictError } from '../errors.js';
import type { Logger } from '../logger.js';
import { MANAGED_BY_VALUE, MANAGED_TAGS } from '../policy/policy.js';
import type { AuditLog, AuditRecord, PolicyRepository, SecretStore } from '../ports.js';
import type { RotationEngine } from '../rotation/rotation-engine.js';
import type { RotationOutcome } from '../rotation/rotation-outcome.js';
import { GuardedRotationEvents, noRotationEvents, type RotationEvents } from '../rotation-events.js';
import { parseKeyVaultEvent, type KeyVaultSecretEvent } from './key-vault-event.js';

export type EventHandlingOutcome =
  | { status: 'ignored'; eventId: string; reason: string }
  | { status: 'unmanaged'; eventId: string; reason: string }
  | { status: 'own-write'; eventId: string; reason: string }
  | { status: 'out-of-band-change'; eventId: string; reason: string }
  | { status: 'implausible'; eventId: string; reason: string }
  | { status: 'rotation'; eventId: string; outcome: RotationOutcome };

export interface KeyVaultEventHandlerDependencies {
  policies: PolicyRepository;
  audit: AuditLog;
  secrets: SecretStore;
  engine: RotationEngine;
  clock: Clock;
  logger: Logger;
  /** Where an out-of-band change is announced beside the audit; none by default. */
  rotationEvents?: RotationEvents;
}

export class KeyVaultEventHandler {
  readonly #deps: KeyVaultEventHandlerDependencies;
  readonly #events: GuardedRotationEvents;

  constructor(deps: KeyVaultEventHandlerDependencies) {
    this.#deps = deps;
    this.#events = new GuardedRotationEvents(deps.rotationEvents ?? noRotationEvents, deps.logger);
  }

  async handle(raw: unknown): Promise<EventHandlingOutcome> {
    const parsed = parseKeyVaultEvent(raw);
    if (parsed.kind === 'ignored') {
      this.#deps.logger.warn('event.ignored', { eventId: parsed.id, eventType: parsed.type, reason: parsed.reason });
      return { status: 'ignored', eventId: parsed.id, reason: parsed.reason };
    }
    const event = parsed.event;
    const governing = await this.#deps.policies.findBySecret(event.vaultName, event.secretName);
    if (!governing) {
      const reason = `no policy governs secret '${event.secretName}' in vault '${event.vaultName}'`;
      await this.#record(event, 'secret.unmanaged-event', reason);
      this.#deps.logger.info('event.unmanaged', eventFields(event));
      return { status: 'unmanaged', eventId: event.id, reason };
    }
    const policy = governing.policy;

    if (event.type === 'Microsoft.KeyVault.SecretNewVersionCreated') {
      const version = await this.#deps.secrets.getVersion({ vaultUrl: policy.vaultUrl, secretName: policy.secretName }, event.version);
      if (!version) {
        // Raising an out-of-band alarm on an event Key Vault cannot back up would let anyone who can post events cry wolf.
        const reason = `implausible event: version '${event.version}' of '${event.secretName}' does not exist in Key Vault`;
        await this.#record(event, 'secret.implausible-event', reason, policy.id);
        this.#deps.logger.warn('event.implausible', { ...eventFields(event), policyId: policy.id });
        return { status: 'implausible', eventId: event.id, reason };
      }
      const ours = version?.tags[MANAGED_TAGS.managedBy] === MANAGED_BY_VALUE && version.tags[MANAGED_TAGS.policyId] === policy.id;
      if (ours) return { status: 'own-write', eventId: event.id, reason: `version '${event.version}' was written by rotation '${version.tags[MANAGED_TAGS.rotationId]}'` };
      const reason = `version '${event.version}' of '${event.secretName}' was written outside this app; policy '${policy.id}' governs it`;
      await this.#record(event, 'secret.out-of-band-change', reason, policy.id);
      this.#deps.logger.warn('secret.out-of-band-change', { ...eventFields(event), policyId: policy.id });
      // Keyed by the Key Vault event's id, so a redelivered event is announced under the same id.
      await this.#events.publish({
        type: 'OutOfBandChangeDetected',
        id: `${event.id}.OutOfBandChangeDetected`,
        at: this.#deps.clock.now(),
        policyId: policy.id,
        vaultUrl: policy.vaultUrl,
        secretName: policy.secretName,
        newVersion: event.version,
        reason,
      });
      return { status: 'out-of-band-change', eventId: event.id, reason };
    }

    // Only SecretNearExpiry and SecretExpired get here (parseKeyVaultEvent ignores other types).
    const outcome = await this.#deps.engine.rotate(policy.id, {
      kind: 'event',
      actor: `eventgrid:${event.id}`,
      reason: `${event.type.replace('Microsoft.KeyVault.', '')} for version '${event.version}'`,
      eventVersion: event.version,
      eventClaim: event.type === 'Microsoft.KeyVault.SecretExpired' ? 'expired' : 'near-expiry',
      idempotencyKey: `event:${event.id}`,
    });
    return { status: 'rotation', eventId: event.id, outcome };
  }

  /** Keyed by the event id, so a duplicate delivery appends nothing. */
  async #record(event: KeyVaultSecretEvent, action: AuditRecord['action'], reason: string, policyId?: string): Promise<void> {
    try {
      await this.#deps.audit.append({
        id: `event.${event.id}`,
        at: this.#deps.clock.now(),
        action,
        ...(policyId ? { policyId } : {}),
        vaultUrl: `https://${event.vaultName}.vault.azure.net`,
        secretName: event.secretName,
        actor: `eventgrid:${event.id}`,
        reason,
        newVersion: event.version,
      });
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
    }
  }
}

function eventFields(event: KeyVaultSecretEvent) {
  return { eventId: event.id, eventType: event.type, vaultName: event.vaultName, secretName: event.secretName, version: event.version };
}
