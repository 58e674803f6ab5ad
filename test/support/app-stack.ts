/**
 * The app as the local host runs it, on stand-ins this test file owns: its own Azurite
 * behind a Table fault proxy, its own Key Vault emulator (so its operation counts are
 * this file's alone), and the functions host serving src/functions' own registrations.
 * startLocalApp owns its Azurite and gives no way to put a proxy in front of it, hence
 * this builder; it reuses startLocalApp's parts and app-e2e-support's module list.
 *
 * Requests reach the app two ways: over HTTP through the host (what a caller sees),
 * and in process (`invoke`), calling the very handlers the modules registered with the
 * same request objects the library builds: about ten times cheaper, for the bulk of
 * generated cases.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import type { SecretClient } from '@azure/keyvault-secrets';
import { createAzureClientFactory } from '../../src/adapters/azure-clients.js';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { loadFunctionModules, type FunctionRegistration } from '../../src/local/functions-host/core-module.js';
import { compileRoute, comparePrecedence, type CompiledRoute } from '../../src/local/functions-host/routes.js';
import { startFunctionsHost, type RunningFunctionsHost } from '../../src/local/functions-host/index.js';
import type { QueuePollingOptions } from '../../src/local/functions-host/queues.js';
import { createCertificateAuthority, EmulatorAdminClient, startKeyVaultEmulator } from '../../src/local/keyvault-emulator/index.js';
import { ArmAdminClient, LOCAL_APP_PRINCIPAL_ID, localArmSeed, localArmSettings, startArmStandIn, type RunningArmStandIn } from '../../src/local/arm/index.js';
import type { KeyVaultEmulatorOptions, RunningKeyVaultEmulator } from '../../src/local/keyvault-emulator/options.js';
import { GraphAdminClient, localGraphSeed, localGraphSettings, startGraphStandIn, type RunningGraphStandIn } from '../../src/local/graph/index.js';
import { appModules } from '../functions/app-e2e-support.js';
import { captureLogs, type CapturedLogs } from '../local/functions-host/capture-logger.js';
import { startTableFaultProxy, type RunningTableFaultProxy } from './table-fault-proxy.js';
import { localAuthSettings, startIdentityProvider, type RunningIdentityProvider } from '../../src/local/identity-provider/index.js';
import type { AppRole } from '../../src/core/auth/caller.js';
import { allRolesToken, tokenFor, withDefaultToken } from './test-tokens.js';

export interface AppAnswer {
  status: number;
  /** The body as sent (JSON text for jsonBody). */
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience over arbitrary JSON
  headers: Headers;
  /** In process only: the longest line the handler logged through its InvocationContext. */
  longestLog?: number;
}

export interface AppRequest {
  method: string;
  /** Path under /api, with its query string, e.g. /policies/p1?pageSize=3 */
  path: string;
  /** Without an authorization header, the request carries a token with every app role; `authorization: ''` sends none. */
  headers?: Record<string, string>;
  body?: string;
}

export interface EventAnswer {
  /** The handler returned (the host answers 200) or threw (the host answers 500 and Event Grid retries). */
  threw: boolean;
  error?: unknown;
  /** What the handler logged through its InvocationContext. */
  logs: string[];
}

export interface AppStack {
  host: RunningFunctionsHost;
  emulator: RunningKeyVaultEmulator;
  admin: EmulatorAdminClient;
  tables: RunningTableFaultProxy;
  logs: CapturedLogs;
  identity: RunningIdentityProvider;
  /** The ARM stand-in the app reaches, its sites' Key Vault references resolving against the emulator, as npm start runs it. */
  arm: RunningArmStandIn;
  armAdmin: ArmAdminClient;
  /** The Graph stand-in and its token authority, seeded and pointed at as npm start does (GRAPH_*, ENTRA_AUTHORITY_HOST). */
  graph: RunningGraphStandIn;
  graphAdmin: GraphAdminClient;
  /** A token for a named person with these roles, as the local identity provider's POST /token answers. */
  tokenFor(sub: string, roles: readonly AppRole[]): Promise<string>;
  vaultUrl(index?: number): string;
  secrets(vaultUrl: string): SecretClient;
  /** In process: the registered handler, with the HttpRequest the library would build. */
  invoke(request: AppRequest): Promise<AppAnswer>;
  /** Over HTTP through the local host. */
  call(request: AppRequest): Promise<AppAnswer>;
  /** In process: the registered Event Grid handler with one event, a value fresh from JSON.parse as the host hands it over. */
  invokeEvent(event: unknown): Promise<EventAnswer>;
  /** Over HTTP to the host's Event Grid webhook, as Event Grid delivers. */
  deliver(body: string, headers?: Record<string, string>): Promise<AppAnswer>;
  /** Runs the timer-triggered scan now and waits for it and for the rotations it sent to the queue. */
  scan(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartAppStackOptions {
  emulator?: KeyVaultEmulatorOptions;
  /** App settings (process.env) on top of the ones that point the app at these stand-ins. */
  settings?: Record<string, string>;
  /** Over host.json's queue settings, e.g. to retry a failed message at once instead of after 30 s. */
  queuePolling?: Partial<QueuePollingOptions>;
  proxySeed?: number;
  /** How long a new Entra client secret takes to work at the token authority; default 0 (settable later through graphAdmin). */
  graphPropagationDelayMs?: number;
}

interface HttpFunction {
  registration: FunctionRegistration;
  route: CompiledRoute;
  methods?: string[];
}

async function loadRegistrations(): Promise<FunctionRegistration[]> {
  return (await loadFunctionModules(appModules.map((file) => pathToFileURL(file).href))).flatMap((r) => r.functions);
}

function httpFunctionsOf(registrations: FunctionRegistration[]): HttpFunction[] {
  return registrations
    .flatMap((registration) => {
      const trigger = Object.values(registration.metadata.bindings).find((b) => String(b.type).toLowerCase() === 'httptrigger');
      if (!trigger) return [];
      const methods = Array.isArray(trigger['methods']) ? (trigger['methods'] as string[]).map((m) => m.toUpperCase()) : undefined;
      const route = compileRoute(typeof trigger['route'] === 'string' ? trigger['route'] : registration.metadata.name);
      return [{ registration, route, ...(methods ? { methods } : {}) }];
    })
    .sort((a, b) => comparePrecedence(a.route, b.route));
}

async function answerOf(init: HttpResponseInit): Promise<AppAnswer> {
  let text = '';
  const headers = new Headers(init.headers as Record<string, string> | undefined);
  if (init.jsonBody !== undefined) text = JSON.stringify(init.jsonBody);
  else if (typeof init.body === 'string') text = init.body;
  else if (init.body !== undefined && init.body !== null) text = await new Response(init.body as ConstructorParameters<typeof Response>[0]).text();
  return { status: init.status ?? 200, text, json: parseJson(text), headers };
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export async function startAppStack(options: StartAppStackOptions = {}): Promise<AppStack> {
  const azurite: RunningAzurite = await startAzurite();
  // One CA for the emulator and the ARM stand-in, seeded as npm start seeds it, so the reports read ARM too.
  const certificateAuthority = await createCertificateAuthority();
  const emulator = await startKeyVaultEmulator({ certificateAuthority, ...options.emulator });
  const arm = await startArmStandIn({
    certificateAuthority,
    seed: localArmSeed(emulator.vaults, LOCAL_APP_PRINCIPAL_ID),
    keyVault: { caCertPem: emulator.caCertPem, address: emulator.host, port: emulator.port },
  });
  const graph = await startGraphStandIn({ certificateAuthority, seed: localGraphSeed(LOCAL_APP_PRINCIPAL_ID), propagationDelayMs: options.graphPropagationDelayMs ?? 0 });
  const tables = await startTableFaultProxy(azurite.connectionString, options.proxySeed !== undefined ? { seed: options.proxySeed } : {});
  const identity = await startIdentityProvider();
  const defaultToken = await allRolesToken(identity);
  const settings: Record<string, string> = {
    ...localAuthSettings(identity),
    AzureWebJobsStorage: tables.connectionString,
    KEYVAULT_EMULATOR_CA_CERT_PATH: emulator.caCertPath,
    KEYVAULT_EMULATOR_ADDRESS: emulator.host,
    ...localArmSettings(arm, emulator.vaults, {}),
    ...localGraphSettings(graph),
    GOVERNED_VAULT_URLS: emulator.vaults.map((v) => new URL(v.url).origin).join(','),
    ROTATION_SCAN_SCHEDULE: '0 0 0 1 1 *',
    ...options.settings,
  };
  const previous = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  // The app reads its settings from process.env once, on first use; this file's process is its own.
  Object.assign(process.env, settings);
  const logs = captureLogs();
  const host = await startFunctionsHost({ modules: appModules, port: 0, runTimers: false, logger: logs.logger, ...(options.queuePolling ? { queuePolling: options.queuePolling } : {}) });
  const registrations = await loadRegistrations();
  const httpFunctions = httpFunctionsOf(registrations);
  const eventFunction = registrations.find((r) => Object.values(r.metadata.bindings).some((b) => String(b.type).toLowerCase() === 'eventgridtrigger'));
  if (!eventFunction) throw new Error('the app registers no Event Grid function');
  const admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
  const clients = createAzureClientFactory({ storage: { kind: 'local-connection-string', connectionString: azurite.connectionString }, keyVaultEmulator: { caCertPath: emulator.caCertPath, address: emulator.host } });

  async function invoke(request: AppRequest): Promise<AppAnswer> {
    const url = new URL(`/api${request.path.startsWith('/') ? '' : '/'}${request.path}`, host.url);
    const routePath = url.pathname.slice('/api/'.length);
    const method = request.method.toUpperCase();
    const matches = httpFunctions.flatMap((fn) => {
      const params = fn.route.match(routePath);
      return params ? [{ fn, params }] : [];
    });
    if (matches.length === 0) return { status: 404, text: '', json: undefined, headers: new Headers() };
    const chosen = matches.find(({ fn }) => !fn.methods || fn.methods.includes(method));
    if (!chosen) return { status: 405, text: '', json: undefined, headers: new Headers() };
    const httpRequest = new HttpRequest({
      method,
      url: url.href,
      headers: withDefaultToken(request.headers, defaultToken),
      params: chosen.params,
      ...(request.body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body: { string: request.body } } : {}),
    });
    let longestLog = 0;
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: chosen.fn.registration.metadata.name,
      logHandler: (_level, ...args) => void (longestLog = Math.max(longestLog, args.map(String).join(' ').length)),
    });
    const result = (await chosen.fn.registration.callback(httpRequest, context)) as HttpResponseInit | undefined;
    return { ...(await answerOf(result ?? { status: 204 })), longestLog };
  }

  async function send(url: string, init: RequestInit): Promise<AppAnswer> {
    const response = await fetch(url, init);
    const text = await response.text();
    return { status: response.status, text, json: parseJson(text), headers: response.headers };
  }

  return {
    host,
    emulator,
    admin,
    tables,
    logs,
    identity,
    arm,
    armAdmin: new ArmAdminClient(arm.adminUrl, arm.caCertPem),
    graph,
    graphAdmin: new GraphAdminClient(graph.adminUrl, graph.caCertPem),
    tokenFor: (sub, roles) => tokenFor(identity, sub, roles),
    vaultUrl: (index = 0) => emulator.vaults[index]!.url,
    secrets: (vaultUrl) => clients.secretClient(vaultUrl),
    invoke,
    call: (request) =>
      send(`${host.url}/api${request.path}`, {
        method: request.method,
        headers: withDefaultToken({ ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}), ...request.headers }, defaultToken),
        ...(request.body !== undefined ? { body: request.body } : {}),
      }),
    async invokeEvent(event) {
      const logs: string[] = [];
      const context = new InvocationContext({
        invocationId: randomUUID(),
        functionName: eventFunction.metadata.name,
        logHandler: (_level, ...args) => void logs.push(args.map(String).join(' ')),
      });
      try {
        await eventFunction.callback(event, context);
        return { threw: false, logs };
      } catch (error) {
        return { threw: true, error, logs };
      }
    },
    deliver: (body, headers = {}) =>
      send(`${host.url}/runtime/webhooks/eventgrid?functionName=${encodeURIComponent(eventFunction.metadata.name)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification', ...headers },
        body,
      }),
    async scan() {
      const timer = host.functions.find((f) => f.name === 'scanDuePolicies');
      if (!timer) throw new Error('the app registers no timer function');
      await host.invoke(timer.name);
      await host.queuesIdle();
    },
    async stop() {
      await host.stop().catch(() => undefined);
      await tables.stop().catch(() => undefined);
      await Promise.all([emulator.stop(), arm.stop(), graph.stop(), azurite.stop(), identity.stop()]);
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}

/** The app's console logging (JSON lines), measured instead of printed: generated inputs would flood the output. */
export interface ConsoleCapture {
  /** The last lines, each cut to 2,000 characters. */
  lines: string[];
  /** The longest line since the last reset(), in characters. */
  longestLine: number;
  reset(): void;
  restore(): void;
}

export function captureConsole(): ConsoleCapture {
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const original = Object.fromEntries(methods.map((m) => [m, console[m]])) as Record<(typeof methods)[number], (...args: unknown[]) => void>;
  const capture: ConsoleCapture = {
    lines: [],
    longestLine: 0,
    reset() {
      capture.lines.length = 0;
      capture.longestLine = 0;
    },
    restore() {
      for (const method of methods) console[method] = original[method];
    },
  };
  for (const method of methods) {
    console[method] = (...args: unknown[]) => {
      const line = args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ');
      capture.longestLine = Math.max(capture.longestLine, line.length);
      capture.lines.push(line.slice(0, 2000));
      if (capture.lines.length > 200) capture.lines.shift();
    };
  }
  return capture;
}
