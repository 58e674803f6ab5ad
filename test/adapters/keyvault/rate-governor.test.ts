/**
 * The rate governor on virtual time: what it lets through per vault never exceeds Key Vault's
 * limits in any 10-second window, a 429 slows it down and quiet time brings it back, and
 * instances that share a vault (and see only its 429s) settle below the limit together.
 * Correctness only: every figure here is counted on the virtual clock, none is timed.
 */
import { describe, expect, it } from 'vitest';
import { KEY_VAULT_WINDOW_MS, KeyVaultRateGovernor, RateGovernorAbortedError, type KeyVaultOperationKind } from '../../../src/adapters/keyvault/rate-governor.js';
import { keyVaultOperationKind } from '../../../src/adapters/keyvault/rate-governor-policy.js';

const LIMITS = { createsPer10Seconds: 300, othersPer10Seconds: 4000 };

/** Virtual time: sleepers wake in order of their deadlines, and only when everything runnable has run. */
class VirtualTime {
  now = 0;
  readonly #timers: Array<{ at: number; wake: () => void; order: number }> = [];
  #order = 0;

  readonly clock = (): number => this.now;

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Error('aborted'));
      const timer = { at: this.now + ms, wake: resolve, order: this.#order++ };
      this.#timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.#timers.splice(this.#timers.indexOf(timer), 1);
        reject(new Error('aborted'));
      });
    });

  /** Runs until `until` (virtual ms) or until nothing is left to wake. */
  async runUntil(until: number): Promise<void> {
    for (;;) {
      await settle();
      this.#timers.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = this.#timers[0];
      if (!next || next.at > until) {
        this.now = Math.max(this.now, until);
        return;
      }
      this.#timers.shift();
      this.now = Math.max(this.now, next.at);
      next.wake();
    }
  }
}

/** Lets every promise chain run until it waits on a sleep again. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function governorOn(time: VirtualTime): KeyVaultRateGovernor {
  return new KeyVaultRateGovernor({ limits: LIMITS, now: time.clock, sleep: time.sleep });
}

/** The most calls that fell in any 10-second window. */
function busiestWindow(times: readonly number[]): number {
  let most = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= KEY_VAULT_WINDOW_MS) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** A vault as Key Vault limits it: a sliding 10-second window per kind; a refused call is not counted. */
class SimulatedVault {
  readonly admitted: Record<KeyVaultOperationKind, number[]> = { create: [], other: [] };
  refused = 0;

  constructor(private readonly time: VirtualTime) {}

  call(kind: KeyVaultOperationKind): 200 | 429 {
    const limit = kind === 'create' ? LIMITS.createsPer10Seconds : LIMITS.othersPer10Seconds;
    const window = this.admitted[kind].filter((at) => at > this.time.now - KEY_VAULT_WINDOW_MS);
    if (window.length >= limit) {
      this.refused++;
      return 429;
    }
    this.admitted[kind].push(this.time.now);
    return 200;
  }
}

describe('KeyVaultRateGovernor', () => {
  it.each([
    ['create', LIMITS.createsPer10Seconds],
    ['other', LIMITS.othersPer10Seconds],
  ] as const)('lets at most the %s limit through in any 10-second window, however many callers wait', async (kind, limit) => {
    // Arrange
    const time = new VirtualTime();
    const governor = governorOn(time);
    const passed: number[] = [];

    // Act: three windows' worth of callers at once
    const calls = Array.from({ length: limit * 3 }, () => governor.acquire('kv-a.vault.azure.net', kind).then(() => void passed.push(time.now)));
    await time.runUntil(40_000);
    await Promise.all(calls);

    // Assert
    expect(passed).toHaveLength(limit * 3);
    expect(busiestWindow(passed)).toBeLessThanOrEqual(limit);
    // ...and not far below it: the full rate is 95% of the limit.
    expect(busiestWindow(passed)).toBeGreaterThanOrEqual(limit * 0.9);
  });

  it('paces each vault and each kind on its own', async () => {
    // Arrange
    const time = new VirtualTime();
    const governor = governorOn(time);
    const passed: Record<string, number[]> = {};
    const call = (vault: string, kind: KeyVaultOperationKind): Promise<void> =>
      governor.acquire(vault, kind).then(() => void (passed[`${vault} ${kind}`] ??= []).push(time.now));

    // Act: the creates of kv-a are saturated; kv-b's creates and kv-a's reads are not held behind them
    const saturated = Array.from({ length: 600 }, () => call('kv-a', 'create'));
    const others = [call('kv-b', 'create'), call('kv-a', 'other')];
    await time.runUntil(0);
    await Promise.all(others);
    await time.runUntil(30_000);
    await Promise.all(saturated);

    // Assert
    expect(passed['kv-b create']).toEqual([0]);
    expect(passed['kv-a other']).toEqual([0]);
    expect(busiestWindow(passed['kv-a create']!)).toBeLessThanOrEqual(300);
  });

  it('halves its rate on a 429, once per cooldown, and recovers step by step once they stop', async () => {
    // Arrange
    const time = new VirtualTime();
    const governor = governorOn(time);
    const rate = (): number => governor.snapshot().find((b) => b.kind === 'create')!.ratePerSecond;
    await governor.acquire('kv-a', 'create');
    const ceiling = rate();

    // Act + Assert: two 429s of one burst count once
    governor.throttled('kv-a', 'create');
    governor.throttled('kv-a', 'create');
    expect(rate()).toBeCloseTo(ceiling / 2);
    time.now += 500;
    governor.throttled('kv-a', 'create');
    expect(rate()).toBeCloseTo(ceiling / 2);
    time.now += 500;
    governor.throttled('kv-a', 'create');
    // (429s kept coming, so no quiet interval raised it in between)
    expect(rate()).toBeCloseTo(ceiling / 4);
    expect(governor.snapshot()[0]!.throttledCalls).toBe(4);

    // ...and a storm (a 429 every half second, so never a quiet interval) never takes it below the floor
    for (let i = 0; i < 100; i++) {
      time.now += 500;
      governor.throttled('kv-a', 'create');
    }
    expect(rate()).toBeCloseTo(ceiling * 0.01);

    // Quiet: back up by steps, to the ceiling and no further
    time.now += 5_000;
    expect(rate()).toBeGreaterThan(ceiling * 0.01);
    expect(rate()).toBeLessThan(ceiling);
    time.now += 60_000;
    expect(rate()).toBeCloseTo(ceiling);
  });

  it('spends no saved-up burst right after a 429', async () => {
    // Arrange: a quiet vault has its whole burst saved
    const time = new VirtualTime();
    const governor = governorOn(time);
    await governor.acquire('kv-a', 'create');
    time.now += 60_000;
    const passed: number[] = [];

    // Act
    governor.throttled('kv-a', 'create');
    const calls = Array.from({ length: 3 }, () => governor.acquire('kv-a', 'create').then(() => void passed.push(time.now)));
    await time.runUntil(time.now + 10_000);
    await Promise.all(calls);

    // Assert: none goes at once; they follow at the lowered rate
    expect(passed.every((at) => at > 60_000)).toBe(true);
  });

  it('gives up a wait when its caller aborts, and the callers behind it keep their order', async () => {
    // Arrange: the burst is spent, so the next callers wait
    const time = new VirtualTime();
    const governor = governorOn(time);
    for (let i = 0; i < 15; i++) await governor.acquire('kv-a', 'create');
    const order: string[] = [];
    const budget = new AbortController();

    // Act
    const first = governor.acquire('kv-a', 'create', budget.signal).then(
      () => void order.push('first'),
      (error: unknown) => void order.push(error instanceof RateGovernorAbortedError ? 'first gave up' : 'first failed'),
    );
    const second = governor.acquire('kv-a', 'create').then(() => void order.push('second'));
    const third = governor.acquire('kv-a', 'create').then(() => void order.push('third'));
    await settle();
    budget.abort();
    await time.runUntil(10_000);
    await Promise.all([first, second, third]);

    // Assert
    expect(order).toEqual(['first gave up', 'second', 'third']);
  });

  it('keeps instances that share a vault below its limit together, each with a share, once they have met its 429s', async () => {
    // Arrange: three instances, each with more work than the vault allows, see only the vault's answers
    const time = new VirtualTime();
    const vault = new SimulatedVault(time);
    const instances = Array.from({ length: 3 }, () => ({ governor: governorOn(time), admitted: 0 }));
    const refusedAt: number[] = [];
    let stop = false;
    const worker = async (instance: (typeof instances)[number]): Promise<void> => {
      while (!stop) {
        await instance.governor.acquire('kv-shared', 'create');
        if (vault.call('create') === 429) {
          instance.governor.throttled('kv-shared', 'create');
          refusedAt.push(time.now);
        } else {
          instance.admitted++;
        }
      }
    };

    // Act: two simulated minutes, eight callers per instance
    const workers = instances.flatMap((instance) => Array.from({ length: 8 }, () => worker(instance)));
    await time.runUntil(120_000);
    stop = true;
    await time.runUntil(130_000);
    await Promise.all(workers);

    // Assert: the vault's limit held (it is the vault's own count), the 429s thinned out once the rates
    // had adapted, every instance kept a share, and their rates settled below their ceilings.
    expect(busiestWindow(vault.admitted.create)).toBeLessThanOrEqual(300);
    const firstMinute = refusedAt.filter((at) => at < 60_000).length;
    const secondMinute = refusedAt.filter((at) => at >= 60_000).length;
    expect(firstMinute).toBeGreaterThan(0);
    expect(secondMinute).toBeLessThan(firstMinute);
    const total = instances.reduce((sum, i) => sum + i.admitted, 0);
    for (const instance of instances) expect(instance.admitted / total).toBeGreaterThan(0.15);
    // Together they kept the vault busy: more than half of its capacity over the two minutes.
    expect(vault.admitted.create.length).toBeGreaterThan(0.5 * 300 * 12);
  });
});

describe('keyVaultOperationKind', () => {
  it.each([
    ['PUT', '/secrets/db-password', 'create'],
    ['POST', '/secrets/restore', 'create'],
    ['GET', '/secrets/db-password/', 'other'],
    ['PATCH', '/secrets/db-password/0123456789abcdef0123456789abcdef', 'other'],
    ['GET', '/secrets/db-password/versions', 'other'],
    ['DELETE', '/secrets/db-password', 'other'],
    ['POST', '/secrets/db-password/backup', 'other'],
  ] as const)('%s %s is counted as %s', (method, path, kind) => {
    expect(keyVaultOperationKind(method, path)).toBe(kind);
  });
});
