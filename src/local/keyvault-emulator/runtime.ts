/**
 * Everything the emulator holds while it runs (vaults, clock, throttle, faults, counts,
 * event subscriptions) and the actions that cut across them: reset, clock advance
 * with expiry evaluation, and the event for a new version.
 */
import type { EmulatorClock } from './clock.js';
import type { OperationCounts } from './counts.js';
import type { EventDispatcher } from './event-delivery.js';
import { dueExpiryEvents, secretEvent, SECRET_NEW_VERSION_CREATED } from './events.js';
import type { FaultInjector } from './faults.js';
import type { EmulatedVault } from './options.js';
import type { StoredSecret, StoredVersion, VaultStore } from './store.js';
import type { Throttle } from './throttling.js';

export interface HostedVault {
  vault: EmulatedVault;
  store: VaultStore;
}

export interface EmulatorInfo {
  vaults: Array<{ name: string; url: string }>;
  host: string;
  caCertPath: string;
  adminUrl: string;
}

export interface EmulatorRuntimeParts {
  info: EmulatorInfo;
  clock: EmulatorClock;
  vaults: HostedVault[];
  throttle: Throttle;
  faults: FaultInjector;
  counts: OperationCounts;
  events: EventDispatcher;
}

export interface ResetOptions {
  /** Also drop event subscriptions (kept by default). */
  subscriptions?: boolean;
}

export class EmulatorRuntime {
  readonly info: EmulatorInfo;
  readonly clock: EmulatorClock;
  readonly throttle: Throttle;
  readonly faults: FaultInjector;
  readonly counts: OperationCounts;
  readonly events: EventDispatcher;
  readonly #vaults: Map<string, HostedVault>;

  constructor(parts: EmulatorRuntimeParts) {
    this.info = parts.info;
    this.clock = parts.clock;
    this.throttle = parts.throttle;
    this.faults = parts.faults;
    this.counts = parts.counts;
    this.events = parts.events;
    this.#vaults = new Map(parts.vaults.map((hosted) => [hosted.vault.name.toLowerCase(), hosted]));
  }

  /** The vault a `Host` header names (`<name>.vault.azure.net[:port]`), if it is emulated here. */
  vaultForHost(hostname: string): HostedVault | undefined {
    const match = /^([a-z0-9-]+)\.vault\.azure\.net$/i.exec(hostname);
    return match?.[1] ? this.#vaults.get(match[1].toLowerCase()) : undefined;
  }

  vaults(): HostedVault[] {
    return [...this.#vaults.values()];
  }

  newVersionCreated(hosted: HostedVault, secret: StoredSecret, version: StoredVersion): void {
    this.events.publish(hosted.vault.name, [secretEvent(SECRET_NEW_VERSION_CREATED, hosted.vault, secret, version, this.clock.now())]);
  }

  /** Sends every near-expiry and expired event now due, by the emulator clock. */
  evaluateExpiry(): void {
    const at = this.clock.now();
    for (const hosted of this.#vaults.values()) {
      const due = dueExpiryEvents(hosted.store, hosted.vault, at);
      if (due.length > 0) this.events.publish(hosted.vault.name, due);
    }
  }

  advanceClock(ms: number): void {
    this.clock.advance(ms);
    this.evaluateExpiry();
  }

  reset(options: ResetOptions = {}): void {
    for (const hosted of this.#vaults.values()) hosted.store.clear();
    this.clock.reset();
    this.throttle.reset();
    this.faults.clear();
    this.counts.reset();
    this.events.reset(options.subscriptions === true);
  }
}
