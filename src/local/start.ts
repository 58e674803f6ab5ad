/**
 * `npm start`: the whole app on this machine, no Azure and no Core Tools.
 * Starts Azurite, the Key Vault emulator and the ARM, Graph and Event Grid topic
 * stand-ins, sets the app settings, runs the
 * app's own function modules in the local functions host, subscribes the
 * emulator's events to the Event Grid trigger, and loads the example policies
 * on first start. Prints one JSON line for scripts, then a guide for people.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format, parseArgs } from 'node:util';
import { boundText, quote } from '../core/untrusted-text.js';
import { useLocalClock } from '../composition.js';
import type { Logger } from '../core/logger.js';
import { startAzurite, type RunningAzurite } from './azurite.js';
import { createConsoleLogger, findFunctionModules, startFunctionsHost, type RunningFunctionsHost } from './functions-host/index.js';
import { createCertificateAuthority, EmulatorAdminClient, startKeyVaultEmulator, type LocalCertificateAuthority } from './keyvault-emulator/index.js';
import { LOCAL_APP_PRINCIPAL_ID, localArmSeed, localArmSettings, startArmStandIn } from './arm/index.js';
import { localAuthSettings, startIdentityProvider, type RunningIdentityProvider } from './identity-provider/index.js';
import { localGraphSeed, localGraphSettings, startGraphStandIn } from './graph/index.js';
import { localEventGridTopicSettings, startEventGridTopic } from './event-grid-topic/index.js';

const AZURITE_DEFAULT_PORTS = { blob: 10000, queue: 10001, table: 10002 };
const DEFAULT_API_PORT = 7071;
const DEFAULT_EMULATOR_PORT = 8443;
const DEFAULT_ARM_PORT = 8444;
const DEFAULT_GRAPH_PORT = 8445;
const DEFAULT_EVENT_GRID_TOPIC_PORT = 8446;
const DEFAULT_IDENTITY_PROVIDER_PORT = 7072;
/** The identity provider's HTTPS side, where the dashboard signs in (MSAL.js wants an https authority). */
const DEFAULT_SIGN_IN_PORT = 7073;
const DEFAULT_SCAN_SCHEDULE = '0 */5 * * * *';
/** Azure-only settings: identity-based storage would send the local app to a real storage account, and metrics need the managed identity. */
const AZURE_ONLY_SETTINGS = ['AzureWebJobsStorage__tableServiceUri', 'AzureWebJobsStorage__queueServiceUri', 'AzureWebJobsStorage__blobServiceUri', 'AZURE_CLIENT_ID', 'APPLICATIONINSIGHTS_CONNECTION_STRING'];

export interface StartLocalAppOptions {
  /** Default 7071; 0 picks a free port. */
  apiPort?: number;
  /** Default 8443; 0 picks a free port. */
  emulatorPort?: number;
  /** Default 7072 when free, else a free port (the ready line names it); 0 picks a free port. */
  identityProviderPort?: number;
  /** How long a new Entra client secret takes to work at the token authority. Default 5000 (Entra takes 4-18 s); tests set 0. */
  graphPropagationDelayMs?: number;
  /** 'default': 10000-10002 when all three are free, else free ports. 'free': free ports. */
  azuritePorts?: 'default' | 'free';
  host?: string;
  /** The app's root (package.json). Default: found above this file. */
  appDirectory?: string;
  /** Function modules to run. Default: package.json `main` (dist/bundle/index.mjs, the deployed bundle). */
  modules?: string[];
  /** Policies to load when the app has none. Default examples/policies.local.json; false loads nothing. */
  examplesPath?: string | false;
  runTimers?: boolean;
  logger?: Logger;
}

export interface LocalAppSummary {
  api: string;
  vaults: { name: string; url: string }[];
  host: string;
  caCertPath: string;
  emulatorAdminUrl: string;
  /** The ARM stand-in's base URL (https://management.azure.com:<port>), served with the same CA as the emulator (caCertPath). */
  arm: string;
  /** The Graph stand-in's base URL (https://graph.microsoft.com:<port>): applications' addPassword and removePassword. Same CA. */
  graph: string;
  /** The token authority for client secrets (https://login.microsoftonline.com:<port>): ClientSecretCredential's authorityHost. Same CA. */
  tokenAuthority: string;
  /** The Event Grid topic stand-in's endpoint (https://<topic>.<region>.eventgrid.azure.net:<port>/api/events). Same CA. */
  eventGridTopic: string;
  /** The local identity provider: POST <it>/token with {"sub","roles"} answers an access token the API accepts. */
  identityProvider: string;
  /** The dashboard, which signs in at the identity provider's HTTPS side (its certificate from the CA at caCertPath). */
  dashboard: string;
}

export interface RunningLocalApp {
  summary: LocalAppSummary;
  functionsHost: RunningFunctionsHost;
  identityProvider: RunningIdentityProvider;
  /** Ids of the example policies loaded on this start (empty when the app already had policies). */
  loadedExamples: string[];
  /** Those whose secrets a first scan created at start, instead of the first timer minutes later. */
  createdExampleSecrets: string[];
  /** Stops the functions host (waiting for running invocations), the emulator and Azurite, and restores process.env. */
  stop(): Promise<void>;
}

function findAppDirectory(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

async function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function azuritePorts(choice: 'default' | 'free', host: string, logger: Logger): Promise<typeof AZURITE_DEFAULT_PORTS | undefined> {
  if (choice === 'free') return undefined;
  const free = await Promise.all(Object.values(AZURITE_DEFAULT_PORTS).map((port) => isPortFree(port, host)));
  if (free.every(Boolean)) return AZURITE_DEFAULT_PORTS;
  logger.warn('Azurite ports 10000-10002 are taken; using free ports (UseDevelopmentStorage=true will not reach this Azurite)');
  return undefined;
}

/** A start-up failure whose message says what to do; `npm start` prints it without a stack. */
export class LocalStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LocalStartError';
  }
}

function isAddressInUse(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EADDRINUSE') return true;
  }
  return false;
}

/** Rethrows a taken port as the port, what wanted it, and the flag that picks another. */
function explainTakenPort(what: string, port: number, flag: string): (error: unknown) => never {
  return (error) => {
    if (!isAddressInUse(error)) throw error;
    const another = port === 0 ? '<port>' : String(port + 1);
    throw new LocalStartError(
      `port ${port} is in use, so ${what} cannot listen on it (another npm start or npm run emulator?). Stop what holds it, or choose another port: npm start -- ${flag} ${another} (0 picks a free one)`,
      { cause: error },
    );
  };
}

/** Sets variables and remembers what was there, so an in-process caller gets its environment back. */
class EnvironmentChanges {
  readonly #previous = new Map<string, string | undefined>();

  set(name: string, value: string | undefined): void {
    if (!this.#previous.has(name)) this.#previous.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }

  restore(): void {
    for (const [name, value] of this.#previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    this.#previous.clear();
  }
}

interface ExamplePolicy {
  id: string;
  vaultUrl: string;
  [field: string]: unknown;
}

/** Example policies name the vaults by host; the port is the running emulator's. */
function relocate(vaultUrl: string, vaults: readonly { name: string; url: string }[]): string {
  const hostname = new URL(vaultUrl).hostname.toLowerCase();
  const vault = vaults.find((v) => new URL(v.url).hostname.toLowerCase() === hostname);
  return vault ? new URL(vault.url).origin : vaultUrl;
}

async function loadExamplePolicies(api: string, path: string, vaults: LocalAppSummary['vaults'], authorization: string, logger: Logger): Promise<string[]> {
  const listed = await fetch(`${api}/policies`, { headers: { authorization } });
  if (!listed.ok) {
    logger.warn(`GET ${api}/policies answered ${listed.status}; example policies not loaded`);
    return [];
  }
  const body = (await listed.json()) as unknown;
  const items = Array.isArray(body) ? body : (body as { items?: unknown[] } | null)?.items;
  if (!Array.isArray(items) || items.length > 0) return [];

  const examples = JSON.parse(await readFile(path, 'utf8')) as ExamplePolicy[];
  const loaded: string[] = [];
  for (const example of examples) {
    const policy = { ...example, vaultUrl: relocate(example.vaultUrl, vaults) };
    const response = await fetch(`${api}/policies/${encodeURIComponent(policy.id)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(policy),
    });
    if (response.ok) loaded.push(policy.id);
    else logger.warn(`example policy '${policy.id}' was refused: ${response.status} ${await response.text()}`);
  }
  if (loaded.length > 0) logger.info(`loaded example policies from ${path}: ${loaded.join(', ')}`);
  return loaded;
}

/**
 * A new policy is due at once (its secret does not exist yet), so one scan now creates the
 * example secrets instead of the first timer, minutes later. Reports those that exist after it.
 */
async function createExampleSecrets(functionsHost: RunningFunctionsHost, api: string, policyIds: readonly string[], authorization: string, logger: Logger): Promise<string[]> {
  if (policyIds.length === 0) return [];
  if (!functionsHost.functions.some((f) => f.name === 'scanDuePolicies')) {
    logger.warn('the app has no function named scanDuePolicies; the example secrets are not created at start');
    return [];
  }
  try {
    await functionsHost.invoke('scanDuePolicies');
    // The scan sends them to the rotation queue; the host's queue poller rotates them.
    await functionsHost.queuesIdle();
  } catch (error) {
    logger.warn(`the first scan failed (${error instanceof Error ? error.message : String(error)}); the timer creates the example secrets later`);
    return [];
  }
  const created: string[] = [];
  for (const id of policyIds) {
    const response = await fetch(`${api}/policies/${encodeURIComponent(id)}`, { headers: { authorization } });
    const view = response.ok ? ((await response.json()) as { state?: { currentVersion?: string } }) : undefined;
    if (view?.state?.currentVersion) created.push(id);
  }
  const missing = policyIds.filter((id) => !created.includes(id));
  if (created.length > 0) logger.info(`created the example secrets at start: ${created.join(', ')}`);
  if (missing.length > 0) logger.warn(`the first scan did not create the secrets of ${missing.join(', ')}; the timer retries them`);
  return created;
}

/** Starts a stand-in on its usual port when free (its URLs stay put across runs), else on any free port. */
async function onPreferredPort<T>(port: number, start: (port: number) => Promise<T>): Promise<T> {
  return start(port).catch((error: unknown) => (isAddressInUse(error) ? start(0) : Promise.reject(error)));
}

/**
 * On 7072 when free, which local.settings.sample.json names for `func start`; else any free port.
 * Tried rather than checked first: another process can take the port between a check and the listen.
 */
async function startIdentityProviderOn(port: number | undefined, certificateAuthority: LocalCertificateAuthority): Promise<RunningIdentityProvider> {
  if (port !== undefined) return startIdentityProvider({ port, signIn: { certificateAuthority, port } });
  for (const ports of [[DEFAULT_IDENTITY_PROVIDER_PORT, DEFAULT_SIGN_IN_PORT], [0, 0]] as const) {
    try {
      return await startIdentityProvider({ port: ports[0], signIn: { certificateAuthority, port: ports[1] } });
    } catch (error) {
      if (!isAddressInUse(error) || ports[0] === 0) throw error;
    }
  }
  throw new Error('unreachable');
}

export async function startLocalApp(options: StartLocalAppOptions = {}): Promise<RunningLocalApp> {
  const logger = options.logger ?? createConsoleLogger();
  const host = options.host ?? '127.0.0.1';
  const appDirectory = options.appDirectory ?? findAppDirectory(dirname(fileURLToPath(import.meta.url)));
  const env = new EnvironmentChanges();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => logger.error(`stopping failed: ${error instanceof Error ? error.message : String(error)}`));
    }
    env.restore();
  };

  try {
    const ports = await azuritePorts(options.azuritePorts ?? 'default', host, logger);
    const azurite: RunningAzurite = await startAzurite({ host, ...(ports ? { ports } : {}) });
    stops.push(() => azurite.stop());

    const emulatorPort = options.emulatorPort ?? DEFAULT_EMULATOR_PORT;
    // One CA for every stand-in, so caCertPath trusts them all.
    const certificateAuthority = await createCertificateAuthority();
    const emulator = await startKeyVaultEmulator({ port: emulatorPort, certificateAuthority }).catch(explainTakenPort('the Key Vault emulator', emulatorPort, '--emulator-port'));
    stops.push(() => emulator.stop());
    // On 8444 when free (base URLs stay put across runs), else any free port; seeded with the emulator's vaults as infra/ leaves them.
    const appPrincipal = process.env['APP_PRINCIPAL_ID'] || LOCAL_APP_PRINCIPAL_ID;
    // Sites' Key Vault references resolve against the emulator, as App Service's against Key Vault.
    const armOptions = { certificateAuthority, seed: localArmSeed(emulator.vaults, appPrincipal), keyVault: { caCertPem: emulator.caCertPem, address: emulator.host, port: emulator.port } };
    const arm = await onPreferredPort(DEFAULT_ARM_PORT, (port) => startArmStandIn({ ...armOptions, port }));
    stops.push(() => arm.stop());
    // Graph (with its token authority) and the rotation events topic likewise, on 8445 and 8446.
    const graphOptions = { certificateAuthority, seed: localGraphSeed(appPrincipal), ...(options.graphPropagationDelayMs !== undefined ? { propagationDelayMs: options.graphPropagationDelayMs } : {}) };
    const graph = await onPreferredPort(DEFAULT_GRAPH_PORT, (port) => startGraphStandIn({ ...graphOptions, port }));
    stops.push(() => graph.stop());
    const eventGridTopic = await onPreferredPort(DEFAULT_EVENT_GRID_TOPIC_PORT, (port) => startEventGridTopic({ certificateAuthority, port }));
    stops.push(() => eventGridTopic.stop());
    // One clock for the app and the emulator: advancing the emulator's moves the app's expiry and schedule with it.
    useLocalClock(emulator.clock);
    stops.push(async () => useLocalClock(undefined));

    // On 7072 when free, which local.settings.sample.json names for `func start`; else any free port (the JSON line says which).
    const identityProvider = await startIdentityProviderOn(options.identityProviderPort, certificateAuthority);
    stops.push(() => identityProvider.stop());

    // The app reads its settings from process.env, as it does in Azure; set them before its modules load.
    for (const name of AZURE_ONLY_SETTINGS) {
      if (process.env[name]) logger.warn(`ignoring ${name} from the environment: the local app uses Azurite`);
      env.set(name, undefined);
    }
    env.set('AzureWebJobsStorage', azurite.connectionString);
    env.set('KEYVAULT_EMULATOR_CA_CERT_PATH', emulator.caCertPath);
    env.set('KEYVAULT_EMULATOR_ADDRESS', /^[\d.]+$|:/.test(emulator.host) ? emulator.host : '127.0.0.1');
    env.set('ROTATION_SCAN_SCHEDULE', process.env['ROTATION_SCAN_SCHEDULE'] || DEFAULT_SCAN_SCHEDULE);
    for (const [name, value] of Object.entries(localArmSettings(arm, emulator.vaults, process.env))) env.set(name, value);
    for (const [name, value] of Object.entries({ ...localGraphSettings(graph), ...localEventGridTopicSettings(eventGridTopic) })) env.set(name, value);
    env.set('GOVERNED_VAULT_URLS', process.env['GOVERNED_VAULT_URLS'] || emulator.vaults.map((v) => new URL(v.url).origin).join(','));
    // Webhook receivers run on this machine, on loopback, which a deployment refuses unless allowed.
    env.set('WEBHOOK_ALLOW_PRIVATE_ADDRESSES', process.env['WEBHOOK_ALLOW_PRIVATE_ADDRESSES'] || 'true');
    // The API accepts tokens of the local identity provider only, exactly as it accepts Entra's in Azure.
    for (const [name, value] of Object.entries(localAuthSettings(identityProvider))) env.set(name, value);
    env.set('DASHBOARD_CLIENT_ID', identityProvider.signIn?.clientId);
    env.set('DASHBOARD_AUTHORITY', identityProvider.signIn?.authority);

    const apiPort = options.apiPort ?? DEFAULT_API_PORT;
    const functionsHost = await startFunctionsHost({
      modules: options.modules ?? (await findFunctionModules(appDirectory)),
      port: apiPort,
      host,
      runTimers: options.runTimers ?? true,
      appDirectory,
      logger,
    }).catch(explainTakenPort('the functions host (the API)', apiPort, '--api-port'));
    stops.push(() => functionsHost.stop());

    const onKeyVaultEvent = functionsHost.functions.find((f) => f.name === 'onKeyVaultEvent' && f.trigger === 'eventGridTrigger');
    if (onKeyVaultEvent) {
      await new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem).addEventSubscription({ endpoint: onKeyVaultEvent.url });
      logger.info(`Key Vault emulator events go to ${onKeyVaultEvent.url}`);
    } else {
      logger.warn('the app has no Event Grid function named onKeyVaultEvent; Key Vault events are not delivered');
    }

    const summary: LocalAppSummary = {
      api: `${functionsHost.url}/api`,
      vaults: emulator.vaults.map((v) => ({ name: v.name, url: v.url })),
      host,
      caCertPath: emulator.caCertPath,
      emulatorAdminUrl: emulator.adminUrl,
      arm: arm.baseUrl,
      graph: graph.baseUrl,
      tokenAuthority: graph.tokenAuthority,
      eventGridTopic: eventGridTopic.endpoint,
      identityProvider: identityProvider.baseUrl,
      dashboard: `${functionsHost.url}/api/ui/`,
    };
    // The examples are loaded through the API like any caller's policies, with a token of a setup identity.
    const setup = `Bearer ${await identityProvider.mintToken({ sub: 'local-setup', roles: ['Policy.Write', 'Rotation.Read'] })}`;
    const examplesPath = options.examplesPath ?? join(appDirectory, 'examples', 'policies.local.json');
    const loadedExamples = examplesPath === false ? [] : await loadExamplePolicies(summary.api, examplesPath, summary.vaults, setup, logger);
    const createdExampleSecrets = await createExampleSecrets(functionsHost, summary.api, loadedExamples, setup, logger);
    return { summary, functionsHost, identityProvider, loadedExamples, createdExampleSecrets, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** What a person reads after the JSON line. */
export function localAppGuide(summary: LocalAppSummary, policyIds: readonly string[], createdSecrets: readonly string[] = []): string {
  const id = policyIds[0] ?? 'orders-api-key';
  const vault = new URL(summary.vaults[0]?.url ?? 'https://kv-app-local.vault.azure.net:8443');
  const resolve = `${vault.hostname}:${vault.port || '443'}:${summary.host}`;
  return [
    '',
    `The rotation app is running: API ${summary.api}`,
    `Dashboard: ${summary.dashboard} (sign in as a local test user; the sign-in page is served over HTTPS with a certificate from ${summary.caCertPath}: trust that CA in your browser, or open the sign-in page once and accept its certificate)`,
    `Key Vault emulator vaults: ${summary.vaults.map((v) => `${v.name} ${v.url}`).join(', ')}`,
    ...(createdSecrets.length > 0 ? [`Example secrets created at start by a first scan: ${createdSecrets.join(', ')}`] : []),
    '',
    `Every route but /api/health needs an access token. Get one from the local identity provider (${summary.identityProvider})`,
    'for a user with the app roles you want (Rotation.Read, Rotation.Operate, Policy.Write, Rotation.Approve, Audit.Read, Rotation.BreakGlass):',
    `  TOKEN=$(curl -s -X POST ${summary.identityProvider}/token -H 'content-type: application/json' -d '{"sub":"alice","roles":["Rotation.Read","Rotation.Operate"]}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    'Rotate a secret now:',
    `  curl -s -X POST ${summary.api}/policies/${id}/rotate -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"reason":"trying it out"}'`,
    'See what happened:',
    `  curl -s ${summary.api}/policies/${id}/rotations -H "authorization: Bearer $TOKEN"`,
    `  curl -s ${summary.api}/policies -H "authorization: Bearer $TOKEN"`,
    '',
    `Read a secret with the real SDK: a SecretClient for ${vault.origin} with an https.Agent whose`,
    `ca is ${summary.caCertPath} and whose lookup sends *.vault.azure.net to ${summary.host}`,
    '(emulatorAgent in src/adapters/azure-clients.ts does exactly that), or with curl:',
    `  curl -s --cacert ${summary.caCertPath} --resolve ${resolve} -H 'authorization: Bearer local' '${vault.origin}/secrets/<secret-name>/?api-version=2025-07-01'`,
    '',
    `Stand-ins for the Azure consumers, served with the same CA: ARM ${summary.arm}, Microsoft Graph ${summary.graph}, its token authority for client secrets ${summary.tokenAuthority},`,
    `the rotation events topic ${summary.eventGridTopic}; their admin APIs are /_arm, /_graph and /_eventgrid on https://127.0.0.1 at the same ports.`,
    `Emulator admin API: ${summary.emulatorAdminUrl}`,
    'Logs go to stderr. Ctrl-C stops everything.',
    '',
  ].join('\n');
}

const USAGE = `Usage: npm start -- [options]
  --api-port N        the functions host's port, the API's (default ${DEFAULT_API_PORT}; 0 picks a free port)
  --emulator-port N   the Key Vault emulator's port, which vault URLs carry (default ${DEFAULT_EMULATOR_PORT}; 0 picks a free port)
  --help              this text`;

export class StartUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'StartUsageError';
  }
}

export function parseStartArguments(argv: readonly string[]): Pick<StartLocalAppOptions, 'apiPort' | 'emulatorPort'> & { help: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { 'api-port': { type: 'string' }, 'emulator-port': { type: 'string' }, help: { type: 'boolean' } },
    }));
  } catch (error) {
    // parseArgs quotes the offending argument whole: escaped and bounded, like every other echo of input.
    throw new StartUsageError(boundText(error instanceof Error ? error.message : String(error), 512));
  }
  const port = (flag: 'api-port' | 'emulator-port'): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const parsed = Number(raw);
    if (!/^\d+$/.test(raw) || parsed > 65535) throw new StartUsageError(`--${flag} must be a whole number from 0 to 65535, not ${quote(raw)}`);
    return parsed;
  };
  const apiPort = port('api-port');
  const emulatorPort = port('emulator-port');
  return { help: values.help === true, ...(apiPort !== undefined ? { apiPort } : {}), ...(emulatorPort !== undefined ? { emulatorPort } : {}) };
}

/** What `npm start` prints when it cannot start: a failure it explains, alone; anything else with its stack. */
export function startFailureMessage(error: unknown): string {
  if (error instanceof LocalStartError || error instanceof StartUsageError) return `npm start failed: ${error.message}`;
  return `npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { help, ...ports } = parseStartArguments(argv);
  if (help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  // stdout carries the JSON line and the guide; the app's console logging goes to stderr with the host's.
  const toStderr = (...args: unknown[]): void => void process.stderr.write(`${format(...args)}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;

  const logger = createConsoleLogger();
  const app = await startLocalApp({ logger, ...ports });
  process.stdout.write(`${JSON.stringify(app.summary)}\n`);
  process.stdout.write(localAppGuide(app.summary, app.loadedExamples, app.createdExampleSecrets));

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stopping = true;
    logger.info(`${signal}: stopping`);
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`stop failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${startFailureMessage(error)}\n`);
    process.exit(error instanceof StartUsageError ? 2 : 1);
  });
}
