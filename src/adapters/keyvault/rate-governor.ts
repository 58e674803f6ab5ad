/**
 * Paces this instance's Key Vault calls per vault below the service's limits, so that a
 * large fan-out runs near Key Vault's ceiling instead of into 429s and 1-16 s back-offs.
 *
 * Each vault has two token buckets, as Key Vault has two limits: creates (300 per 10 s) and
 * every other operation (4,000 per 10 s). A bucket refills at a share of its limit and holds
 * what is left of the 10-second window, so that the burst plus ten seconds at the full rate
 * never exceeds the limit in any 10-second window: one instance alone never meets a 429.
 *
 * Several instances sharing a vault cannot see each other, only Key Vault's 429s. So the rate
 * adapts as TCP's does (AIMD): halved on a 429 (once per cooldown: the calls in flight together
 * report one congestion), raised by a fixed step for every quiet interval, up to the ceiling.
 * Instances that share a vault converge on shares of it. A call never fails here: it waits for
 * its turn, in order, unless its caller's abort signal (a dry run's budget) ends the wait.
 */
import type { KeyVaultLimits } from '../../config.js';

export type KeyVaultOperationKind = 'create' | 'other';

export const KEY_VAULT_WINDOW_MS = 10_000;

export interface RateGovernorOptions {
  limits: KeyVaultLimits;
  /** The share of each limit the full rate is set to. Default 0.95: the rest is the burst. */
  targetShare?: number;
  /** A 429 halves the rate at most once per this long. Default 1,000 ms. */
  decreaseCooldownInMs?: number;
  /** Each quiet interval (no 429) raises the rate by one step. Default 1,000 ms. */
  increaseIntervalInMs?: number;
  /** The step, as a share of the full rate. Default 0.05: from the floor back to the ceiling in about 20 intervals. */
  increaseShare?: number;
  /** The lowest rate, as a share of the full rate. Default 0.01: low enough that 40 instances (the default maximumInstanceCount) at their floor stay within one vault's limit. */
  floorShare?: number;
  /** Tests pass a fake clock and sleep. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface BucketSnapshot {
  vault: string;
  kind: KeyVaultOperationKind;
  ratePerSecond: number;
  ceilingPerSecond: number;
  /** 429s this instance has seen on the vault for this kind of operation. */
  throttledCalls: number;
}

interface Bucket {
  vault: string;
  kind: KeyVaultOperationKind;
  ceiling: number;
  floor: number;
  capacity: number;
  rate: number;
  tokens: number;
  refilledAt: number;
  /** Since when the rate has had no decrease and no increase: the additive step counts from here. */
  steadySince: number;
  decreasedAt: number;
  throttledCalls: number;
  /** Acquisitions run one after another, in order. */
  turn: Promise<void>;
}

export class RateGovernorAbortedError extends Error {
  constructor(vault: string, kind: KeyVaultOperationKind) {
    super(`gave up waiting for a turn to call Key Vault (${kind}) on ${vault}: the caller's budget ran out`);
    this.name = 'RateGovernorAbortedError';
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class KeyVaultRateGovernor {
  readonly #limits: KeyVaultLimits;
  readonly #targetShare: number;
  readonly #decreaseCooldownInMs: number;
  readonly #increaseIntervalInMs: number;
  readonly #increaseShare: number;
  readonly #floorShare: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateGovernorOptions) {
    for (const [name, limit] of Object.entries(options.limits)) {
      if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`${name} must be a positive integer`);
    }
    this.#limits = options.limits;
    this.#targetShare = options.targetShare ?? 0.95;
    if (!(this.#targetShare > 0 && this.#targetShare <= 1)) throw new RangeError('targetShare must be in (0, 1]');
    this.#decreaseCooldownInMs = options.decreaseCooldownInMs ?? 1_000;
    this.#increaseIntervalInMs = options.increaseIntervalInMs ?? 1_000;
    this.#increaseShare = options.increaseShare ?? 0.05;
    this.#floorShare = options.floorShare ?? 0.01;
    this.#now = options.now ?? (() => performance.now());
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /** Resolves when this call may go to Key Vault; rejects only if `signal` aborts first. */
  acquire(vault: string, kind: KeyVaultOperationKind, signal?: AbortSignal): Promise<void> {
    const bucket = this.#bucket(vault, kind);
    const turn = bucket.turn.then(() => this.#take(bucket, signal));
    bucket.turn = turn.catch(() => undefined);
    return turn;
  }

  /** Key Vault answered 429 to a call of this kind: slow down (multiplicative decrease). */
  throttled(vault: string, kind: KeyVaultOperationKind): void {
    const bucket = this.#bucket(vault, kind);
    this.#refill(bucket);
    bucket.throttledCalls++;
    const now = this.#now();
    // Whatever accumulated was measured against a vault that is now full: no burst into it.
    bucket.tokens = Math.min(bucket.tokens, 0);
    if (now - bucket.decreasedAt >= this.#decreaseCooldownInMs) {
      bucket.rate = Math.max(bucket.floor, bucket.rate / 2);
      bucket.decreasedAt = now;
    }
    bucket.steadySince = now;
  }

  snapshot(): BucketSnapshot[] {
    return [...this.#buckets.values()].map((bucket) => {
      this.#refill(bucket);
      return { vault: bucket.vault, kind: bucket.kind, ratePerSecond: bucket.rate, ceilingPerSecond: bucket.ceiling, throttledCalls: bucket.throttledCalls };
    });
  }

  async #take(bucket: Bucket, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new RateGovernorAbortedError(bucket.vault, bucket.kind);
      this.#refill(bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return;
      }
      const waitInMs = Math.ceil(((1 - bucket.tokens) / bucket.rate) * 1000);
      try {
        await this.#sleep(waitInMs, signal);
      } catch {
        throw new RateGovernorAbortedError(bucket.vault, bucket.kind);
      }
    }
  }

  #refill(bucket: Bucket): void {
    const now = this.#now();
    bucket.tokens = Math.min(bucket.capacity, bucket.tokens + ((now - bucket.refilledAt) / 1000) * bucket.rate);
    bucket.refilledAt = now;
    // Additive increase: one step per quiet interval since the last change.
    const steps = Math.floor((now - bucket.steadySince) / this.#increaseIntervalInMs);
    if (steps > 0) {
      bucket.rate = Math.min(bucket.ceiling, bucket.rate + steps * this.#increaseShare * bucket.ceiling);
      bucket.steadySince += steps * this.#increaseIntervalInMs;
    }
  }

  #bucket(vault: string, kind: KeyVaultOperationKind): Bucket {
    const name = vault.toLowerCase();
    const key = `${name} ${kind}`;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      const limit = kind === 'create' ? this.#limits.createsPer10Seconds : this.#limits.othersPer10Seconds;
      const ceiling = (this.#targetShare * limit * 1000) / KEY_VAULT_WINDOW_MS;
      // The burst is what the full rate leaves of the window: burst + 10 s at the ceiling <= limit.
      const capacity = Math.max(1, Math.floor(limit - (ceiling * KEY_VAULT_WINDOW_MS) / 1000));
      const now = this.#now();
      bucket = {
        vault: name,
        kind,
        ceiling,
        floor: ceiling * this.#floorShare,
        capacity,
        rate: ceiling,
        tokens: capacity,
        refilledAt: now,
        steadySince: now,
        decreasedAt: -Infinity,
        throttledCalls: 0,
        turn: Promise.resolve(),
      };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }
}
