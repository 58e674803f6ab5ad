import { describe, expect, it } from 'vitest';
import { RATE_WINDOW_MS, VaultRateLimiter } from '../../../src/adapters/keyvault/vault-rate-limiter.js';

/** A clock that only moves when the limiter sleeps. */
function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
    advance: (ms: number) => (now += ms),
  };
}

describe('VaultRateLimiter', () => {
  it('lets N operations per vault through in any 10 seconds and makes the next wait for the oldest to age out', async () => {
    // Arrange
    const time = fakeTime();
    const limiter = new VaultRateLimiter({ operationsPer10Seconds: 3, now: time.now, sleep: time.sleep });
    const starts: number[] = [];

    // Act
    for (let i = 0; i < 7; i++) {
      await limiter.acquire('https://kv-a.vault.azure.net');
      starts.push(time.now());
      time.advance(100);
    }

    // Assert: no window of 10 s ever holds more than 3 starts.
    for (const start of starts) expect(starts.filter((s) => s >= start && s < start + RATE_WINDOW_MS).length).toBeLessThanOrEqual(3);
    expect(starts).toEqual([0, 100, 200, 10_000, 10_100, 10_200, 20_000]);
  });

  it('keeps each vault to its own budget, whatever the case of its URL', async () => {
    // Arrange
    const time = fakeTime();
    const limiter = new VaultRateLimiter({ operationsPer10Seconds: 2, now: time.now, sleep: time.sleep });

    // Act
    await limiter.acquire('https://kv-a.vault.azure.net');
    await limiter.acquire('https://KV-A.vault.azure.net');
    await limiter.acquire('https://kv-b.vault.azure.net');
    await limiter.acquire('https://kv-b.vault.azure.net');

    // Assert
    expect(time.sleeps).toEqual([]);
    await limiter.acquire('https://kv-a.vault.azure.net');
    expect(time.sleeps).toEqual([RATE_WINDOW_MS]);
  });

  it('serves concurrent callers one after another, never overfilling the window', async () => {
    // Arrange
    const time = fakeTime();
    const limiter = new VaultRateLimiter({ operationsPer10Seconds: 2, now: time.now, sleep: time.sleep });
    const starts: number[] = [];

    // Act
    await Promise.all(Array.from({ length: 5 }, () => limiter.acquire('https://kv-a.vault.azure.net').then(() => starts.push(time.now()))));

    // Assert
    expect(starts).toEqual([0, 0, 10_000, 10_000, 20_000]);
  });

  it('refuses a limit that is not a positive whole number', () => {
    expect(() => new VaultRateLimiter({ operationsPer10Seconds: 0 })).toThrow(RangeError);
  });
});
