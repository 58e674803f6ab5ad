/**
 * Backoff between failed rotation attempts: 1, 2, 4, 8… minutes, capped at an hour.
 * Spread enough that a Key Vault throttling burst (10-second windows) or a short
 * outage passes, short enough that a secret does not sit near expiry for long.
 */
const BASE_DELAY_IN_MS = 60_000;
const MAX_DELAY_IN_MS = 60 * 60_000;

export function retryDelayInMs(failedAttempts: number): number {
  const exponent = Math.max(0, failedAttempts - 1);
  return Math.min(MAX_DELAY_IN_MS, BASE_DELAY_IN_MS * 2 ** exponent);
}
