/**
 * Event to new version on the local stack: secrets whose versions Key Vault (the emulator) says
 * are near expiry, `ratePerSecond` at a time, delivered by the emulator's Event Grid to the host's
 * webhook, where onKeyVaultEvent rotates each. The latency of one event is from the
 * SecretNearExpiry's eventTime to the eventTime of the SecretNewVersionCreated of the version the
 * app wrote, both stamped by the emulator's clock to the millisecond.
 */
import { randomBytes } from 'node:crypto';
import { parsePolicy } from '../../src/core/policy/policy.js';
import type { FanOutStack } from './stack.js';

export interface EventLatencyFigures {
  events: number;
  ratePerSecond: number;
  rotated: number;
  /** Near-expiry events that produced no new version. */
  missing: number;
  p50InMs: number;
  p99InMs: number;
  maxInMs: number;
}

const DAY_MS = 86_400_000;
const NEAR_EXPIRY_MS = 30 * DAY_MS;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  }));
}

export async function benchEventLatency(stack: FanOutStack, events: number, ratePerSecond: number): Promise<EventLatencyFigures> {
  await stack.admin.reset({ subscriptions: true });
  const run = randomBytes(3).toString('hex');
  const vaults = stack.emulator.vaults;
  // Versions by hand whose near-expiry falls a day from now, `ratePerSecond` per second.
  const firstReleaseSec = Math.ceil((stack.emulator.clock.now().getTime() + DAY_MS) / 1000);
  const secrets = Array.from({ length: events }, (_, i) => ({ vault: vaults[i % vaults.length]!, name: `e${run}-${i}`, releaseSec: firstReleaseSec + Math.floor(i / ratePerSecond) }));
  const seeded = new Map<string, string>();
  await inParallel(secrets, 16, async (secret) => {
    const written = await stack.clients.secretClient(secret.vault.url).setSecret(secret.name, 'set-by-hand', { expiresOn: new Date(secret.releaseSec * 1000 + NEAR_EXPIRY_MS) });
    seeded.set(`${secret.vault.name}/${secret.name}`, written.properties.version!);
  });
  await inParallel(secrets, 32, async (secret) => {
    const policy = parsePolicy({ id: secret.name, vaultUrl: secret.vault.url, secretName: secret.name, generator: { kind: 'random_password', length: 24 }, rotation: { every: '90d', validFor: '120d' }, environment: 'bench', owner: 'bench' });
    await stack.tables.policies.put(policy);
    await stack.tables.states.save({ policyId: policy.id, consecutiveFailures: 0, nextDueAt: new Date(Date.now() + 60 * DAY_MS) }, undefined);
  });
  const webhook = stack.host.functions.find((f) => f.name === 'onKeyVaultEvent')!.url;
  await stack.admin.addEventSubscription({ endpoint: webhook });

  // Act: move the emulator's clock to two seconds before the first release; its expiry check does the rest
  await stack.admin.advanceClock(firstReleaseSec * 1000 - 2_000 - stack.emulator.clock.now().getTime());
  const lastReleaseInMs = (secrets.at(-1)!.releaseSec - firstReleaseSec + 2) * 1000;
  const deadline = Date.now() + lastReleaseInMs + 120_000;
  for (;;) {
    const creates = vaults.reduce(async (sum, v) => (await sum) + ((await stack.admin.countsFor(v.name)).operations.setSecret ?? 0), Promise.resolve(0));
    if ((await creates) >= 2 * events || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stack.admin.waitForDeliveriesIdle(60_000);

  // Measure from the emulator's own event stamps
  const nearExpiry = new Map<string, number>();
  const newVersion = new Map<string, number>();
  for (const delivery of await stack.admin.deliveries()) {
    const key = `${delivery.vault}/${delivery.secretName}`;
    if (!seeded.has(key)) continue;
    const at = Date.parse(delivery.event.eventTime);
    if (delivery.eventType === 'Microsoft.KeyVault.SecretNearExpiry') nearExpiry.set(key, Math.min(at, nearExpiry.get(key) ?? Infinity));
    else if (delivery.eventType === 'Microsoft.KeyVault.SecretNewVersionCreated' && delivery.version !== seeded.get(key)) newVersion.set(key, at);
  }
  const latencies = [...nearExpiry].flatMap(([key, at]) => (newVersion.has(key) ? [newVersion.get(key)! - at] : [])).sort((a, b) => a - b);
  return {
    events: nearExpiry.size,
    ratePerSecond,
    rotated: latencies.length,
    missing: nearExpiry.size - latencies.length,
    p50InMs: percentile(latencies, 50),
    p99InMs: percentile(latencies, 99),
    maxInMs: latencies.at(-1) ?? Number.NaN,
  };
}
