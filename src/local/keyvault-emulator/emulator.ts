/**
 * Starts the emulator: certificates, the HTTPS server on one port for every vault
 * and the admin API, the event subscriptions given up front, and the periodic
 * expiry check. stop() undoes all of it.
 */
import { listenHttpsStandIn } from '../shared/https-stand-in.js';
import { EmulatorClock } from './clock.js';
import { OperationCounts } from './counts.js';
import { EventDispatcher } from './event-delivery.js';
import { FaultInjector } from './faults.js';
import {
  ADMIN_PREFIX,
  DEFAULT_EVENT_DELIVERY_TIMEOUT_IN_MS,
  DEFAULT_EVENT_RETRY_DELAYS_IN_MS,
  DEFAULT_EXPIRY_CHECK_INTERVAL_IN_MS,
  DEFAULT_VAULTS,
  EMULATOR_SUBSCRIPTION_ID,
  vaultNameProblem,
  vaultResourceId,
  type EmulatedVault,
  type KeyVaultEmulatorOptions,
  type RunningKeyVaultEmulator,
} from './options.js';
import { EmulatorRuntime } from './runtime.js';
import { createRequestListener } from './server.js';
import { VaultStore } from './store.js';
import { Throttle } from './throttling.js';

function vaultNames(options: KeyVaultEmulatorOptions): string[] {
  const names = (options.vaults ?? [...DEFAULT_VAULTS]).map((name) => name.toLowerCase());
  if (names.length === 0) throw new Error('the emulator needs at least one vault');
  for (const name of names) {
    const problem = vaultNameProblem(name);
    if (problem) throw new Error(problem);
  }
  if (new Set(names).size !== names.length) throw new Error(`vault names must be unique: ${names.join(', ')}`);
  return names;
}

export async function startKeyVaultEmulator(options: KeyVaultEmulatorOptions = {}): Promise<RunningKeyVaultEmulator> {
  const names = vaultNames(options);
  const listener = await listenHttpsStandIn(options, ['*.vault.azure.net', ...names.map((name) => `${name}.vault.azure.net`)], 'keyvault-emulator-');
  const { server, host, port, caCertPath, caCertPem } = listener;
  const clock = new EmulatorClock();
  const throttle = new Throttle(options.throttling ?? {}, clock);

  const vaults: EmulatedVault[] = names.map((name) => ({ name, url: `https://${name}.vault.azure.net:${port}`, resourceId: vaultResourceId(name) }));
  const adminUrl = `${listener.loopbackOrigin}${ADMIN_PREFIX}`;
  const events = new EventDispatcher({
    clock,
    retryDelaysInMs: options.eventRetryDelaysInMs ?? [...DEFAULT_EVENT_RETRY_DELAYS_IN_MS],
    timeoutInMs: options.eventDeliveryTimeoutInMs ?? DEFAULT_EVENT_DELIVERY_TIMEOUT_IN_MS,
    validationUrl: (subscription, code) => `${adminUrl}/eventgrid/validate?${new URLSearchParams({ subscription, code }).toString()}`,
    topicFor: (subscribed) => (subscribed?.length === 1 && subscribed[0] ? vaultResourceId(subscribed[0].toLowerCase()) : `/subscriptions/${EMULATOR_SUBSCRIPTION_ID}`),
  });
  const runtime = new EmulatorRuntime({
    info: { vaults: vaults.map(({ name, url }) => ({ name, url })), host, caCertPath, adminUrl },
    clock,
    vaults: vaults.map((vault) => ({ vault, store: new VaultStore(vault.name, clock) })),
    throttle,
    faults: new FaultInjector(),
    counts: new OperationCounts(names),
    events,
  });
  server.on('request', createRequestListener(runtime));

  const expiryTimer = setInterval(() => runtime.evaluateExpiry(), options.expiryCheckIntervalInMs ?? DEFAULT_EXPIRY_CHECK_INTERVAL_IN_MS);
  expiryTimer.unref();

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      clearInterval(expiryTimer);
      events.stop();
      await listener.stop();
    })();
    return stopped;
  };

  try {
    for (const subscription of options.eventSubscriptions ?? []) await events.subscribe(subscription);
  } catch (error) {
    await stop();
    throw error;
  }

  return { vaults, host, port, caCertPath, caCertPem, adminUrl, clock: { now: () => clock.now() }, stop };
}
