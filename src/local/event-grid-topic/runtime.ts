/** What the running topic holds: its keys, the events it received, faults and counts. */
import { HttpFaults } from '../shared/http-faults.js';
import type { PublishAuthorization } from './authorization.js';
import type { CloudEvent } from './cloud-events.js';
import { MAX_RECORDED_EVENTS } from './options.js';

export const TOPIC_OPERATIONS = ['events.publish'] as const;
export type TopicOperation = (typeof TOPIC_OPERATIONS)[number];

export interface TopicCounts {
  operations: Record<TopicOperation, number>;
  /** Events accepted (a batch of three counts three). */
  events: number;
  /** Publishes refused 400 or 413. */
  rejected: number;
  unauthenticated: number;
  faults: number;
  unknown: number;
}

export interface ReceivedEvent {
  receivedAt: string;
  /** How its publish was authorized. */
  authorization: PublishAuthorization;
  /** The CloudEvent as received. */
  event: CloudEvent;
}

export interface TopicInfo {
  endpoint: string;
  hostName: string;
  host: string;
  caCertPath: string;
  adminUrl: string;
}

function zero(): TopicCounts {
  return { operations: { 'events.publish': 0 }, events: 0, rejected: 0, unauthenticated: 0, faults: 0, unknown: 0 };
}

export class TopicRuntime {
  readonly faults = new HttpFaults<TopicOperation>();
  counts: TopicCounts = zero();
  #events: ReceivedEvent[] = [];

  constructor(
    readonly info: TopicInfo,
    readonly keys: { key1: string; key2: string },
  ) {}

  record(events: readonly ReceivedEvent[]): void {
    this.#events.push(...events);
    if (this.#events.length > MAX_RECORDED_EVENTS) this.#events.splice(0, this.#events.length - MAX_RECORDED_EVENTS);
    this.counts.events += events.length;
  }

  events(): ReceivedEvent[] {
    return [...this.#events];
  }

  clearEvents(): void {
    this.#events = [];
  }

  reset(): void {
    this.clearEvents();
    this.faults.clear();
    this.counts = zero();
  }
}
