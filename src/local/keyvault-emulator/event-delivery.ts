/**
 * Event Grid's side of Key Vault events: subscriptions that must pass the validation
 * handshake, one POST per event with aeg-* headers, retries on a bounded schedule,
 * no retry for 400/413, dead-lettering when attempts run out, and a log of every
 * delivery so a test can assert exactly-once per version.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorClock } from './clock.js';
import { SECRET_EVENT_TYPES, type EventGridEvent, type KeyVaultEventData } from './events.js';
import type { EventSubscriptionOptions } from './options.js';
import { postToWebhook, type WebhookAnswer } from './webhook.js';

export const SUBSCRIPTION_VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';

export interface EventSubscription {
  name: string;
  endpoint: string;
  vaults?: string[];
  eventTypes?: string[];
  createdAt: string;
}

export type DeliveryState = 'pending' | 'delivered' | 'dead-lettered';

export interface DeliveryAttempt {
  at: string;
  /** The aeg-delivery-count header sent: 0 on the first attempt. */
  deliveryCount: number;
  status?: number;
  error?: string;
}

export interface Delivery {
  eventId: string;
  subscription: string;
  eventType: string;
  vault: string;
  secretName: string;
  version: string;
  state: DeliveryState;
  deadLetterReason?: string;
  attempts: DeliveryAttempt[];
  event: EventGridEvent<KeyVaultEventData>;
}

export class SubscriptionValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubscriptionValidationError';
  }
}

export interface EventDispatcherOptions {
  clock: EmulatorClock;
  retryDelaysInMs: readonly number[];
  timeoutInMs: number;
  /** Where a subscriber may GET to validate instead of echoing the code. */
  validationUrl(subscription: string, code: string): string;
  /** `topic` of validation events for subscriptions that span several vaults. */
  topicFor(vaults: string[] | undefined): string;
}

const SUBSCRIPTION_NAME = /^[A-Za-z0-9-]{3,64}$/;
const MAX_RETRIES = 29;
/** Event Grid does not retry these: the subscriber said the event itself is unacceptable. */
const NOT_RETRIED = new Set([400, 413]);

function succeeded(answer: WebhookAnswer): boolean {
  return answer.status !== undefined && answer.status >= 200 && answer.status < 300;
}

function describeAnswer(answer: WebhookAnswer): string {
  return answer.error ?? `HTTP ${answer.status}`;
}

export class EventDispatcher {
  readonly #subscriptions = new Map<string, EventSubscription>();
  /** Handshakes in progress: subscription name (lower case) → code and whether its validationUrl was visited. */
  readonly #handshakes = new Map<string, { code: string; confirmed: boolean }>();
  #deliveries: Delivery[] = [];
  #pending = 0;
  #idleWaiters: Array<() => void> = [];
  #timers = new Set<NodeJS.Timeout>();
  #abort = new AbortController();
  #generation = 0;
  #nextSubscription = 1;

  constructor(private readonly options: EventDispatcherOptions) {
    if (options.retryDelaysInMs.length > MAX_RETRIES) throw new RangeError(`eventRetryDelaysInMs allows at most ${MAX_RETRIES} retries (Event Grid makes at most 30 attempts)`);
    for (const delay of options.retryDelaysInMs) {
      if (!Number.isFinite(delay) || delay < 0) throw new RangeError('eventRetryDelaysInMs must be finite numbers >= 0');
    }
  }

  /** Adds the subscription once its endpoint has answered the validation handshake. */
  async subscribe(spec: EventSubscriptionOptions): Promise<EventSubscription> {
    const name = spec.name ?? this.#generatedName();
    if (!SUBSCRIPTION_NAME.test(name)) throw new SubscriptionValidationError(`subscription name '${name}' must be 3-64 letters, digits and hyphens`);
    if (this.#subscriptions.has(name.toLowerCase())) throw new SubscriptionValidationError(`a subscription named '${name}' already exists`);
    const unknownType = spec.eventTypes?.find((type) => !(SECRET_EVENT_TYPES as readonly string[]).includes(type));
    if (unknownType) throw new SubscriptionValidationError(`event type '${unknownType}' is not a Key Vault secret event the emulator sends`);
    const code = randomUUID();
    const validationEvent: EventGridEvent<{ validationCode: string; validationUrl: string }> = {
      id: randomUUID(),
      topic: this.options.topicFor(spec.vaults),
      subject: '',
      eventType: SUBSCRIPTION_VALIDATION_EVENT,
      eventTime: this.options.clock.now().toISOString(),
      data: { validationCode: code, validationUrl: this.options.validationUrl(name, code) },
      dataVersion: '1',
      metadataVersion: '1',
    };
    this.#handshakes.set(name.toLowerCase(), { code, confirmed: false });
    const answer = await postToWebhook(spec.endpoint, [validationEvent], this.#headers('SubscriptionValidation', name, 0), this.options.timeoutInMs, this.#abort.signal);
    const echoed = succeeded(answer) && this.#echoedCode(answer.body) === code;
    const confirmedByGet = this.#handshakes.get(name.toLowerCase())?.confirmed === true;
    this.#handshakes.delete(name.toLowerCase());
    if (!echoed && !confirmedByGet) {
      const why = succeeded(answer) ? `answered ${answer.status} without {"validationResponse": "<code>"}` : `answered ${describeAnswer(answer)}`;
      throw new SubscriptionValidationError(`endpoint ${spec.endpoint} failed subscription validation: it ${why}`);
    }
    const subscription: EventSubscription = {
      name,
      endpoint: spec.endpoint,
      ...(spec.vaults ? { vaults: [...spec.vaults] } : {}),
      ...(spec.eventTypes ? { eventTypes: [...spec.eventTypes] } : {}),
      createdAt: this.options.clock.now().toISOString(),
    };
    this.#subscriptions.set(name.toLowerCase(), subscription);
    return { ...subscription };
  }

  /** The validationUrl GET, answered while the handshake POST is in progress; true when it matched one. */
  confirmValidation(subscription: string, code: string): boolean {
    const handshake = this.#handshakes.get(subscription.toLowerCase());
    if (!handshake || handshake.code !== code) return false;
    handshake.confirmed = true;
    return true;
  }

  unsubscribe(name: string): boolean {
    const removed = this.#subscriptions.delete(name.toLowerCase());
    if (removed) {
      for (const delivery of this.#deliveries) {
        if (delivery.state === 'pending' && delivery.subscription.toLowerCase() === name.toLowerCase()) this.#settle(delivery, 'dead-lettered', 'the subscription was removed');
      }
    }
    return removed;
  }

  subscriptions(): EventSubscription[] {
    return [...this.#subscriptions.values()].map((subscription) => ({ ...subscription }));
  }

  publish(vault: string, events: EventGridEvent<KeyVaultEventData>[]): void {
    for (const event of events) {
      for (const subscription of this.#subscriptions.values()) {
        if (subscription.vaults && !subscription.vaults.some((name) => name.toLowerCase() === vault.toLowerCase())) continue;
        if (subscription.eventTypes && !subscription.eventTypes.includes(event.eventType)) continue;
        const delivery: Delivery = {
          eventId: event.id,
          subscription: subscription.name,
          eventType: event.eventType,
          vault,
          secretName: event.data.ObjectName,
          version: event.data.Version,
          state: 'pending',
          attempts: [],
          event,
        };
        this.#deliveries.push(delivery);
        this.#pending += 1;
        void this.#attempt(delivery, subscription, 0);
      }
    }
  }

  deliveries(): Delivery[] {
    return this.#deliveries.map((delivery) => structuredClone(delivery));
  }

  /** Resolves true once nothing is pending (retries included), false after timeoutInMs. */
  waitForIdle(timeoutInMs: number): Promise<boolean> {
    if (this.#pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#idleWaiters = this.#idleWaiters.filter((waiter) => waiter !== done);
        resolve(false);
      }, timeoutInMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#idleWaiters.push(done);
    });
  }

  /** Drops pending deliveries and the log; subscriptions stay unless asked. */
  reset(clearSubscriptions: boolean): void {
    this.#cancelInFlight();
    this.#deliveries = [];
    if (clearSubscriptions) this.#subscriptions.clear();
  }

  stop(): void {
    this.#cancelInFlight();
    this.#abort.abort();
  }

  #cancelInFlight(): void {
    this.#generation += 1;
    this.#abort.abort();
    this.#abort = new AbortController();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const delivery of this.#deliveries) {
      if (delivery.state === 'pending') {
        delivery.state = 'dead-lettered';
        delivery.deadLetterReason = 'the emulator was reset or stopped';
      }
    }
    this.#pending = 0;
    this.#notifyIdle();
  }

  async #attempt(delivery: Delivery, subscription: EventSubscription, deliveryCount: number): Promise<void> {
    const generation = this.#generation;
    const answer = await postToWebhook(subscription.endpoint, [delivery.event], this.#headers('Notification', subscription.name, deliveryCount), this.options.timeoutInMs, this.#abort.signal);
    if (generation !== this.#generation || delivery.state !== 'pending') return;
    delivery.attempts.push({
      at: this.options.clock.now().toISOString(),
      deliveryCount,
      ...(answer.status !== undefined ? { status: answer.status } : {}),
      ...(answer.error !== undefined ? { error: answer.error } : {}),
    });
    if (succeeded(answer)) {
      this.#settle(delivery, 'delivered');
      return;
    }
    if (answer.status !== undefined && NOT_RETRIED.has(answer.status)) {
      this.#settle(delivery, 'dead-lettered', `the endpoint answered ${answer.status}, which Event Grid does not retry`);
      return;
    }
    const delay = this.options.retryDelaysInMs[deliveryCount];
    if (delay === undefined) {
      this.#settle(delivery, 'dead-lettered', `all ${deliveryCount + 1} attempts failed; the last one: ${describeAnswer(answer)}`);
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#attempt(delivery, subscription, deliveryCount + 1);
    }, delay);
    timer.unref();
    this.#timers.add(timer);
  }

  #settle(delivery: Delivery, state: Exclude<DeliveryState, 'pending'>, reason?: string): void {
    delivery.state = state;
    if (reason) delivery.deadLetterReason = reason;
    this.#pending -= 1;
    if (this.#pending === 0) this.#notifyIdle();
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const waiter of waiters) waiter();
  }

  #headers(kind: 'SubscriptionValidation' | 'Notification', subscription: string, deliveryCount: number): Record<string, string> {
    return {
      'aeg-event-type': kind,
      'aeg-subscription-name': subscription.toUpperCase(),
      'aeg-delivery-count': String(deliveryCount),
      'aeg-data-version': '1',
      'aeg-metadata-version': '1',
    };
  }

  #echoedCode(body: string | undefined): string | undefined {
    try {
      const parsed = JSON.parse(body ?? '') as { validationResponse?: unknown };
      return typeof parsed.validationResponse === 'string' ? parsed.validationResponse : undefined;
    } catch {
      return undefined;
    }
  }

  #generatedName(): string {
    let name: string;
    do name = `emulator-sub-${this.#nextSubscription++}`;
    while (this.#subscriptions.has(name));
    return name;
  }
}
