/**
 * Who asked for something, as the audit records it. A request through the API is made by a
 * person or application a validated token named (oid and display name), from a client address,
 * under a correlation id; the scheduler and Event Grid are system actors named by a string.
 */
import type { AuditRecord } from './ports.js';

export interface RequestActor {
  /** The token's oid. */
  oid: string;
  displayName: string;
  clientIp?: string;
  correlationId?: string;
}

export type Actor = string | RequestActor;

export function actorName(actor: Actor): string {
  return typeof actor === 'string' ? actor : actor.displayName;
}

/** The audit record's actor fields. */
export function actorFields(actor: Actor): Pick<AuditRecord, 'actor' | 'actorId' | 'clientIp' | 'correlationId'> {
  if (typeof actor === 'string') return { actor };
  return {
    actor: actor.displayName,
    actorId: actor.oid,
    ...(actor.clientIp ? { clientIp: actor.clientIp } : {}),
    ...(actor.correlationId ? { correlationId: actor.correlationId } : {}),
  };
}
