/**
 * The `event-grid-topic` follower: an Event Grid custom topic told of each switched version as one
 * CloudEvent 1.0, `KeyVaultRotation.VersionSwitched`, published with the managed identity
 * (EventGrid Data Sender on that topic). The topic's 200 is the confirmation; anything else is
 * not, and the engine keeps the old credential until it is. The event never carries the value.
 */
import { isRestError } from '@azure/core-rest-pipeline';
import { z } from 'zod';
import type { ConsumerRuntime } from '../../composition.js';
import { DEFAULT_ROTATION_EVENTS_SOURCE, eventGridTopicEndpointProblem } from '../../config.js';
import type { FollowerKind, SwitchedVersion } from '../../core/consumers/consumer-port.js';
import { followerSchema } from '../../core/consumers/follower-schema.js';
import { PermanentDependencyError, TransientDependencyError, describeError } from '../../core/errors.js';
import { boundText } from '../../core/untrusted-text.js';
import { createEventGridClients, PUBLISH_TIMEOUT_MS, type EventGridClients } from '../eventgrid/event-grid-clients.js';
import { CLOUD_EVENT_TYPE_PREFIX } from '../eventgrid/event-grid-rotation-events.js';

export const EVENT_GRID_TOPIC_KIND = 'event-grid-topic';
export const VERSION_SWITCHED_TYPE = `${CLOUD_EVENT_TYPE_PREFIX}VersionSwitched`;

export const eventGridTopicSchema = followerSchema(EVENT_GRID_TOPIC_KIND, {
  /** The topic's endpoint, https://<topic>.<region>-1.eventgrid.azure.net/api/events. */
  endpoint: z
    .string()
    .max(2048, 'must be at most 2048 characters')
    .superRefine((text, ctx) => {
      const problem = eventGridTopicEndpointProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});
export type EventGridTopicSpec = z.infer<typeof eventGridTopicSchema>;

/** The `data` of a VersionSwitched event: where the version is and which rotation wrote it; never its value. */
export interface VersionSwitchedData {
  policyId: string;
  rotationId: string;
  vaultUrl: string;
  secretName: string;
  version: string;
  secretId: string;
  expiresOn?: string;
  contentType?: string;
}

export function versionSwitchedData(switched: SwitchedVersion): VersionSwitchedData {
  const { version } = switched;
  return {
    policyId: switched.policyId,
    rotationId: switched.rotationId,
    vaultUrl: version.vaultUrl,
    secretName: version.secretName,
    version: version.version,
    secretId: `${version.vaultUrl}/secrets/${version.secretName}/${version.version}`,
    ...(version.expiresOn ? { expiresOn: version.expiresOn.toISOString() } : {}),
    ...(version.contentType ? { contentType: version.contentType } : {}),
  };
}

/** Read at the first delivery, not when the kind is built: the validation-only catalog reaches nothing. */
export function eventGridTopicConsumer(runtime: Pick<ConsumerRuntime, 'config' | 'clients'>): FollowerKind<EventGridTopicSpec> {
  let clients: EventGridClients | undefined;
  return {
    kind: EVENT_GRID_TOPIC_KIND,
    role: 'follower',
    schema: eventGridTopicSchema,
    async deliver(spec, switched) {
      clients ??= createEventGridClients({ credential: runtime.clients.credential, ...(runtime.config.eventGridStandIn ? { standIn: runtime.config.eventGridStandIn } : {}) });
      const data = versionSwitchedData(switched);
      // The same id for every delivery of this rotation to this follower: a resumed rotation's resend is a duplicate subscribers drop.
      const id = `${switched.rotationId}.VersionSwitched.${spec.name}`;
      try {
        await clients.publisher(spec.endpoint).send(
          [{ type: VERSION_SWITCHED_TYPE, source: runtime.config.rotationEvents?.source ?? DEFAULT_ROTATION_EVENTS_SOURCE, id, subject: `/policies/${encodeURIComponent(switched.policyId)}`, datacontenttype: 'application/json', data }],
          { abortSignal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS) },
        );
      } catch (error) {
        throw refusal(spec, error);
      }
      return `event ${VERSION_SWITCHED_TYPE} for version '${data.version}' accepted by topic ${new URL(spec.endpoint).host} (event id ${id})`;
    },
  };
}

/** A 4xx other than 408 and 429 is the topic refusing (a missing role, a bad event): retrying the same publish will not help. */
function refusal(spec: EventGridTopicSpec, error: unknown): Error {
  const status = isRestError(error) ? error.statusCode : undefined;
  const what = `topic '${spec.name}' (${new URL(spec.endpoint).host}) did not accept the event: ${status ? `HTTP ${status}: ` : ''}${boundText(describeError(error), 300)}`;
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new PermanentDependencyError(`${what}${status === 401 || status === 403 ? ": the app's identity needs EventGrid Data Sender on that topic" : ''}`, { cause: error });
  }
  return new TransientDependencyError(what, { cause: error });
}
