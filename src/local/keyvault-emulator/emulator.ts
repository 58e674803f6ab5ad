/**
 * Starts the emulator: certificates, the HTTPS server on one port for every vault
 * and the admin API, the event subscriptions given up front, and the periodic
 * expiry check. stop() undoes all of it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createCertificates } from './certificates.js';
import { EmulatorClock } from './clock.js';
import { OperationCounts } from './counts.js';
import { EventDispatcher } from './event-delivery.js';
import { FaultInjector } from './faults.js';
import {
  ADMIN_PREFIX,
  DEFAULT_EVENT_DELIVERY_TIMEOUT_IN_MS,
  DEFAULT_EVENT_RETRY_DELAYS_IN_MS,
  DEFAULT_EXPIRY_CHECK_INTERVAL_IN_MS,
  DEFAULT_HOST,
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

/** The host a client on this machine dials for the admin API. */
function adminHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return isIP(host) === 6 ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.closeAllConnections();
    server.close(() => resolveClose());
  });
}

export async function startKeyVaultEmulator(options: KeyVaultEmulatorOptions = {}): Promise<RunningKeyVaultEmulator> {
  const names = vaultNames(options);
  const host = options.host ?? DEFAULT_HOST;
  const ownsStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir !== undefined ? resolve(options.stateDir) : await mkdtemp(join(tmpdir(), 'keyvault-emulator-'));
  await mkdir(stateDir, { recursive: true });

  const certificates = await createCertificates(
    names.map((name) => `${name}.vault.azure.net`),
    [host],
  );
  const caCertPath = join(stateDir, 'ca.pem');
  await writeFile(caCertPath, certificates.caCertPem, 'utf8');

  const clock = new EmulatorClock();
  const throttle = new Throttle(options.throttling ?? {}, clock);
  const server = createServer({ key: certificates.serverKeyPem, cert: certificates.serverCertPem });
  let port: number;
  try {
    port = await listen(server, options.port ?? 0, host);
  } catch (error) {
    if (ownsStateDir) await rm(stateDir, { recursive: true, force: true });
    throw error;
  }

  const vaults: EmulatedVault[] = names.map((name) => ({ name, url: `https://${name}.vault.azure.net:${port}`, resourceId: vaultResourceId(name) }));
  const adminUrl = `https://${adminHost(host)}:${port}${ADMIN_PREFIX}`;
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
      await close(server);
      if (ownsStateDir) await rm(stateDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    for (const subscription of options.eventSubscriptions ?? []) await events.subscribe(subscription);
  } catch (error) {
    await stop();
    throw error;
  }

  return { vaults, host, port, caCertPath, caCertPem: certificates.caCertPem, adminUrl, clock: { now: () => clock.now() }, stop };
}
