/**
 * RotationEvents on an Event Grid custom topic, as CloudEvents 1.0: `type` KeyVaultRotation.<event>,
 * `source` the deployment (ROTATION_EVENTS_SOURCE), `subject` /policies/<id>, `id` the event's own
 * (stable per rotation, type and attempt, so subscribers drop redeliveries), `data` the names and
 * versions the event carries. Never a value: RotationEvent has no field that could hold one.
 */
import type { SendCloudEventInput } from '@azure/eventgrid';
import type { RotationEvent, RotationEvents } from '../../core/rotation-events.js';
import { PUBLISH_TIMEOUT_MS, type CloudEventPublisher } from './event-grid-clients.js';

export const CLOUD_EVENT_TYPE_PREFIX = 'KeyVaultRotation.';

/** The `data` of a rotation event: the event without its envelope fields (type, id and time). */
export type RotationEventData = Omit<RotationEvent, 'type' | 'id' | 'at'>;

export function rotationCloudEvent(event: RotationEvent, source: string): SendCloudEventInput<RotationEventData> {
  const { type, id, at, ...data } = event;
  return {
    type: `${CLOUD_EVENT_TYPE_PREFIX}${type}`,
    source,
    id,
    time: at,
    subject: `/policies/${encodeURIComponent(event.policyId)}`,
    datacontenttype: 'application/json',
    data,
  };
}

export class EventGridRotationEvents implements RotationEvents {
  readonly #client: CloudEventPublisher;
  readonly #source: string;

  constructor(client: CloudEventPublisher, source: string) {
    this.#client = client;
    this.#source = source;
  }

  async publish(event: RotationEvent): Promise<void> {
    await this.#client.send([rotationCloudEvent(event, this.#source)], { abortSignal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS) });
  }
}
