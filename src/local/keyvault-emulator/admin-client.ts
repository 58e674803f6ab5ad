/**
 * A typed client for the emulator's admin API, for tests and the local host. It
 * trusts only the emulator's CA. Failures throw EmulatorAdminError with the API's
 * error code and message.
 */
import { adminCall } from '../shared/admin-client.js';
import type { VaultCounts } from './counts.js';
import type { Delivery, EventSubscription } from './event-delivery.js';
import type { Fault, FaultSpec } from './faults.js';
import type { EventSubscriptionOptions } from './options.js';
import type { EmulatorInfo, ResetOptions } from './runtime.js';

export interface ClockState {
  now: Date;
  offsetMs: number;
}

export class EmulatorAdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorAdminError';
  }
}

interface RawClock {
  now: string;
  offsetMs: number;
}

export class EmulatorAdminClient {
  readonly #base: URL;

  constructor(
    adminUrl: string,
    private readonly caCertPem: string,
  ) {
    this.#base = new URL(adminUrl.endsWith('/') ? adminUrl : `${adminUrl}/`);
  }

  info(): Promise<EmulatorInfo> {
    return this.#call('GET', '');
  }

  /** Empties every vault and zeroes counts, clock offset, throttle windows, faults and the deliveries log. */
  async reset(options: ResetOptions = {}): Promise<void> {
    await this.#call('POST', 'reset', options);
  }

  async now(): Promise<Date> {
    return (await this.clock()).now;
  }

  async clock(): Promise<ClockState> {
    return toClock(await this.#call<RawClock>('GET', 'clock'));
  }

  /** Moves the emulator clock forward and sends every near-expiry / expired event now due. */
  async advanceClock(ms: number): Promise<ClockState> {
    return toClock(await this.#call<RawClock>('POST', 'clock/advance', { ms }));
  }

  injectFault(spec: FaultSpec): Promise<Fault> {
    return this.#call('POST', 'faults', spec);
  }

  async faults(): Promise<Fault[]> {
    return (await this.#call<{ faults: Fault[] }>('GET', 'faults')).faults;
  }

  async clearFaults(): Promise<void> {
    await this.#call('DELETE', 'faults');
  }

  /** Per vault: operations by SDK method, plus challenges, throttled, faults and unknown requests. */
  async counts(): Promise<Record<string, VaultCounts>> {
    return (await this.#call<{ vaults: Record<string, VaultCounts> }>('GET', 'counts')).vaults;
  }

  async countsFor(vault: string): Promise<VaultCounts> {
    const counts = (await this.counts())[vault.toLowerCase()];
    if (!counts) throw new EmulatorAdminError(404, 'VaultNotFound', `no vault '${vault}' is emulated`);
    return counts;
  }

  /** Resolves once the endpoint passed the validation handshake; throws SubscriptionValidationFailed otherwise. */
  addEventSubscription(spec: EventSubscriptionOptions): Promise<EventSubscription> {
    return this.#call('POST', 'subscriptions', spec);
  }

  async eventSubscriptions(): Promise<EventSubscription[]> {
    return (await this.#call<{ subscriptions: EventSubscription[] }>('GET', 'subscriptions')).subscriptions;
  }

  async removeEventSubscription(name: string): Promise<void> {
    await this.#call('DELETE', `subscriptions/${encodeURIComponent(name)}`);
  }

  async deliveries(): Promise<Delivery[]> {
    return (await this.#call<{ deliveries: Delivery[] }>('GET', 'deliveries')).deliveries;
  }

  /** Waits until no delivery is pending (retries included); throws if that takes longer than timeoutInMs. */
  async waitForDeliveriesIdle(timeoutInMs = 10_000): Promise<void> {
    const { idle } = await this.#call<{ idle: boolean }>('POST', 'deliveries/wait-idle', { timeoutInMs });
    if (!idle) throw new EmulatorAdminError(408, 'DeliveriesNotIdle', `event deliveries were still pending after ${timeoutInMs} ms`);
  }

  #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return adminCall<T>({ base: this.#base, caCertPem: this.caCertPem, named: "the emulator's admin URL", newError: (status, code, message) => new EmulatorAdminError(status, code, message) }, method, path, body);
  }
}

function toClock(raw: RawClock): ClockState {
  return { now: new Date(raw.now), offsetMs: raw.offsetMs };
}
