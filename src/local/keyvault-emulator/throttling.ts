/**
 * Key Vault's per-vault limits: so many creates and so many other transactions in any
 * 10 seconds of the emulator clock (a sliding window, so advancing the clock frees it).
 * Requests refused with 429 do not count, as in Key Vault.
 */
import type { EmulatorClock } from './clock.js';
import { DEFAULT_CREATES_PER_10_SECONDS, DEFAULT_OTHERS_PER_10_SECONDS, type ThrottlingOptions } from './options.js';

export const THROTTLE_WINDOW_MS = 10_000;

export type TransactionKind = 'create' | 'other';

export class Throttle {
  readonly #enabled: boolean;
  readonly #limits: Record<TransactionKind, number>;
  readonly #windows = new Map<string, number[]>();

  constructor(
    options: ThrottlingOptions,
    private readonly clock: EmulatorClock,
  ) {
    this.#enabled = options.enabled ?? true;
    this.#limits = {
      create: options.createsPer10Seconds ?? DEFAULT_CREATES_PER_10_SECONDS,
      other: options.othersPer10Seconds ?? DEFAULT_OTHERS_PER_10_SECONDS,
    };
    for (const [kind, limit] of Object.entries(this.#limits)) {
      if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`throttling limit for ${kind} must be a positive integer`);
    }
  }

  /** Records the transaction and returns true, or returns false when the window is full. */
  tryAcquire(vault: string, kind: TransactionKind): boolean {
    if (!this.#enabled) return true;
    const key = `${vault}\u0000${kind}`;
    const now = this.clock.nowMs();
    const window = (this.#windows.get(key) ?? []).filter((at) => at > now - THROTTLE_WINDOW_MS);
    this.#windows.set(key, window);
    if (window.length >= this.#limits[kind]) return false;
    window.push(now);
    return true;
  }

  reset(): void {
    this.#windows.clear();
  }
}
