/** A typed client for the Event Grid topic stand-in's admin API, for tests and the local host. */
import { StandInAdminClient } from '../shared/admin-client.js';
import type { ReceivedEvent, TopicCounts, TopicInfo, TopicOperation } from './runtime.js';

export class EventGridTopicAdminClient extends StandInAdminClient<TopicOperation, TopicCounts> {
  info(): Promise<TopicInfo & { keys: { key1: string; key2: string } }> {
    return this.call('GET', '');
  }

  /** Every event received since the last clear or reset, oldest first. */
  async events(): Promise<ReceivedEvent[]> {
    return (await this.call<{ events: ReceivedEvent[] }>('GET', 'events')).events;
  }

  async clearEvents(): Promise<void> {
    await this.call('DELETE', 'events');
  }
}
