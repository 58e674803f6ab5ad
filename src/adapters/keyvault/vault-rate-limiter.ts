/**
 * At most N Key Vault operations per vault in any 10 seconds, from this process: the reports'
 * share of Key Vault's 4,000 per vault, so a scan of a large vault never starves rotations
 * and applications. A sliding window of the last N start times per vault; callers wait their turn.
 */
export const RATE_WINDOW_MS = 10_000;

export interface VaultRateLimiterOptions {
  operationsPer10Seconds: number;
  /** Tests pass a fake clock and sleep. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class VaultRateLimiter {
  readonly #limit: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #starts = new Map<string, number[]>();
  /** Acquisitions per vault run one after another, so the window is never overfilled by a race. */
  readonly #queues = new Map<string, Promise<void>>();

  constructor(options: VaultRateLimiterOptions) {
    if (!Number.isInteger(options.operationsPer10Seconds) || options.operationsPer10Seconds < 1) throw new RangeError('operationsPer10Seconds must be a positive integer');
    this.#limit = options.operationsPer10Seconds;
    this.#now = options.now ?? (() => performance.now());
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Resolves when one more operation on the vault fits in the window, and counts it. */
  acquire(vaultUrl: string): Promise<void> {
    const vault = vaultUrl.toLowerCase();
    const turn = (this.#queues.get(vault) ?? Promise.resolve()).then(() => this.#take(vault));
    this.#queues.set(vault, turn.catch(() => undefined));
    return turn;
  }

  async #take(vault: string): Promise<void> {
    const starts = this.#starts.get(vault) ?? [];
    this.#starts.set(vault, starts);
    for (;;) {
      const now = this.#now();
      while (starts.length > 0 && starts[0]! <= now - RATE_WINDOW_MS) starts.shift();
      if (starts.length < this.#limit) {
        starts.push(now);
        return;
      }
      await this.#sleep(starts[0]! + RATE_WINDOW_MS - now);
    }
  }
}
