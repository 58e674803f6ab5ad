/**
 * A local stand-in for the Azure Functions host, for machines without Core
 * Tools: it provides `@azure/functions-core`, imports the app's function
 * modules so their own app.http/app.timer/app.eventGrid registrations land
 * here, and triggers them like `func start` does: HTTP under /api/<route>,
 * Event Grid deliveries at /runtime/webhooks/eventgrid, timers on their
 * schedules, queue triggers by polling their Storage queues (queues.ts), and
 * any non-HTTP function through POST /admin/functions/<name>.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger, LogProperties } from '../../core/logger.js';
import { jsonNestingDepth } from '../../core/json-depth.js';
import { boundText } from '../../core/untrusted-text.js';
import { resolveAppSettings } from './app-settings.js';
import { createConsoleLogger } from './console-logger.js';
import { addSystemLogSink, currentProgrammingModel, loadFunctionModules, type FunctionRegistration, type HookRegistration } from './core-module.js';
import type { ProgrammingModel, RpcBindingInfo, RpcHttpCookie, RpcHttpData, RpcLogCategory, RpcLogLevel, RpcTypedData } from './core-types.js';
import { InvocationFailedError, runInvocation, type InvocationInput, type InvocationOutcome } from './invoker.js';
import { parseNcrontab, type NcrontabSchedule } from './ncrontab.js';
import { comparePrecedence, compileRoute, type CompiledRoute } from './routes.js';
import { TimerScheduler, timerInfo, type TimerJob } from './timers.js';
import { QueueListener, queueClientsFor, queuePollingFromHostJson, type QueuePollingOptions } from './queues.js';

export interface StartFunctionsHostOptions {
  /** Absolute paths or file URLs of the function modules, e.g. from findFunctionModules(). */
  modules: readonly string[];
  /** Default 7071, as `func start`; 0 picks a free port. */
  port?: number;
  host?: string;
  /** App settings for `%NAME%` binding expressions; process.env fills the gaps. The app itself reads process.env. */
  env?: Record<string, string | undefined>;
  /** Default true. When false, timers run only through invoke() or /admin/functions. */
  runTimers?: boolean;
  /** Default true: queue triggers poll their queues (through their `connection` setting, a connection string). */
  pollQueues?: boolean;
  /** Over host.json's extensions.queues in appDirectory, which is read as the real host reads it. */
  queuePolling?: Partial<QueuePollingOptions>;
  logger?: Logger;
  /** Passed to appStart hooks as functionAppDirectory. Default process.cwd(). */
  appDirectory?: string;
}

export interface FunctionInfo {
  name: string;
  /** The trigger binding type: httpTrigger, timerTrigger, eventGridTrigger, queueTrigger... */
  trigger: string;
  route?: string;
  /** Undefined means any method. */
  methods?: string[];
  /** HTTP functions: the registered authLevel ('anonymous', 'function', 'admin'), which Azure enforces and this host does not. */
  authLevel?: string;
  /** The schedule after `%SETTING%` resolution. */
  schedule?: string;
  /** Queue triggers: the queue after `%SETTING%` resolution. */
  queueName?: string;
  /** Where to trigger it over HTTP: the API URL, the Event Grid webhook, or the admin endpoint. */
  url: string;
}

export interface RunningFunctionsHost {
  /** http://127.0.0.1:PORT (HTTP functions are under /api). */
  url: string;
  functions: FunctionInfo[];
  /** Runs a non-HTTP function now and resolves with what its handler returned; rejects if it threw. */
  invoke(name: string, input?: unknown): Promise<unknown>;
  /**
   * Wakes the queue pollers and resolves once every polled queue is empty (no message, visible
   * or not) and no message is being processed; rejects after timeoutInMs. The real host has no
   * such call: tests and `npm start` use it to wait for the work a scan fanned out.
   */
  queuesIdle(timeoutInMs?: number): Promise<void>;
  /** Closes the server, cancels timers and waits for running invocations. */
  stop(): Promise<void>;
}

interface HostedFunction {
  name: string;
  registration: FunctionRegistration;
  triggerName: string;
  triggerType: string;
  route?: CompiledRoute;
  methods?: string[];
  /** `$return` or the name of an extra http output binding. */
  httpOutputName?: string;
  schedule?: NcrontabSchedule;
  runOnStartup: boolean;
  queue?: { name: string; connection: string };
}

const MAX_BODY_BYTES = 100 * 1024 * 1024;
/**
 * Each event is handed to the app as JSON.stringify output, which overflows the
 * stack a few thousand levels down; real Event Grid events nest four or five
 * levels, and the real host's JSON reader stops at 64.
 */
const MAX_EVENT_NESTING = 64;
const API_PREFIX = '/api';
const EVENT_GRID_PATH = '/runtime/webhooks/eventgrid';
const VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';

class PayloadTooLargeError extends Error {}

function toModuleUrl(module: string): string {
  if (module.startsWith('file:')) return module;
  if (!isAbsolute(module)) throw new Error(`function module '${module}' must be an absolute path or a file URL`);
  return pathToFileURL(module).href;
}

function isHttp(fn: HostedFunction): boolean {
  return fn.triggerType === 'httptrigger';
}

function describeFunction(registration: FunctionRegistration, settings: Record<string, string | undefined>): HostedFunction {
  const { name, bindings } = registration.metadata;
  const triggerEntry = Object.entries(bindings).find(([, b]) => typeof b.type === 'string' && /trigger$/i.test(b.type));
  if (!triggerEntry) throw new Error(`function ${name} has no trigger binding`);
  const [triggerName, trigger] = triggerEntry;
  const option = (key: string): unknown => {
    const value = trigger[key];
    return typeof value === 'string' ? resolveAppSettings(value, settings, `function ${name}: ${key}`) : value;
  };
  const fn: HostedFunction = { name, registration, triggerName, triggerType: String(trigger.type).toLowerCase(), runOnStartup: false };
  if (isHttp(fn)) {
    fn.route = compileRoute(typeof trigger['route'] === 'string' ? trigger['route'] : name);
    const methods = trigger['methods'];
    if (Array.isArray(methods) && methods.length > 0) fn.methods = methods.map((m) => String(m).toUpperCase());
    const output = Object.entries(bindings).find(([, b]: [string, RpcBindingInfo]) => b.direction === 'out' && String(b.type).toLowerCase() === 'http');
    if (output) fn.httpOutputName = output[0];
  } else if (fn.triggerType === 'timertrigger') {
    fn.schedule = parseNcrontab(String(option('schedule') ?? ''));
    fn.runOnStartup = trigger['runOnStartup'] === true;
  } else {
    for (const key of Object.keys(trigger)) option(key);
    if (fn.triggerType === 'queuetrigger') {
      fn.queue = { name: String(option('queueName') ?? ''), connection: typeof trigger['connection'] === 'string' && trigger['connection'] ? trigger['connection'] : 'AzureWebJobsStorage' };
    }
  }
  return fn;
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) flat[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function typedDataBytes(data: RpcTypedData | null | undefined): Buffer {
  if (!data) return Buffer.alloc(0);
  if (data.bytes) return Buffer.from(data.bytes.buffer, data.bytes.byteOffset, data.bytes.byteLength);
  if (typeof data.string === 'string') return Buffer.from(data.string);
  if (typeof data.json === 'string') return Buffer.from(data.json);
  return Buffer.alloc(0);
}

function toTypedData(input: unknown): RpcTypedData | undefined {
  if (input === undefined || input === null) return undefined;
  if (typeof input === 'string') return { string: input };
  if (Buffer.isBuffer(input)) return { bytes: input };
  return { json: JSON.stringify(input) };
}

function setCookieHeader(cookie: RpcHttpCookie): string {
  let header = `${cookie.name ?? ''}=${cookie.value ?? ''}`;
  if (cookie.domain?.value) header += `; Domain=${cookie.domain.value}`;
  if (cookie.path?.value) header += `; Path=${cookie.path.value}`;
  const seconds = cookie.expires?.value?.seconds;
  if (typeof seconds === 'number') header += `; Expires=${new Date(seconds * 1000).toUTCString()}`;
  if (typeof cookie.maxAge?.value === 'number') header += `; Max-Age=${cookie.maxAge.value}`;
  if (cookie.secure?.value) header += '; Secure';
  if (cookie.httpOnly?.value) header += '; HttpOnly';
  const sameSite = { lax: 'Lax', strict: 'Strict', explicitNone: 'None' }[cookie.sameSite ?? 'none' as string];
  if (sameSite) header += `; SameSite=${sameSite}`;
  return header;
}

function writeHttpResponse(res: ServerResponse, data: RpcHttpData): void {
  const status = Number(data.statusCode ?? 200) || 200;
  const headers: Record<string, string | string[]> = { ...(data.headers ?? {}) };
  const cookies = (data.cookies ?? []).map(setCookieHeader);
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = typedDataBytes(data.body);
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = String(body.length);
  res.writeHead(status, headers);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The host's own error answers quote request paths and names: escaped and bounded, like its log lines. */
function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: boundText(message, 512) }, headers);
}

function errorMessage(error: unknown): string {
  const cause = error instanceof InvocationFailedError ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

function errorStack(error: unknown): string | undefined {
  const cause = error instanceof InvocationFailedError ? error.cause : error;
  return cause instanceof Error ? cause.stack : undefined;
}

class LocalFunctionsHost implements RunningFunctionsHost {
  url = '';
  functions: FunctionInfo[] = [];
  readonly #model: ProgrammingModel;
  readonly #byName: Map<string, HostedFunction>;
  readonly #httpFunctions: HostedFunction[];
  readonly #hooks: readonly HookRegistration[];
  readonly #appHookData: Record<string, unknown> = {};
  readonly #logger: Logger;
  readonly #server: Server;
  readonly #running = new Set<Promise<void>>();
  readonly #timers: TimerScheduler;
  readonly #queueListeners: QueueListener[] = [];
  readonly #removeLogSink: () => void;
  #stopping: Promise<void> | undefined;

  constructor(model: ProgrammingModel, functions: HostedFunction[], hooks: readonly HookRegistration[], logger: Logger) {
    this.#model = model;
    this.#byName = new Map(functions.map((fn) => [fn.name.toLowerCase(), fn]));
    this.#httpFunctions = functions.filter(isHttp).sort((a, b) => comparePrecedence(a.route!, b.route!));
    this.#hooks = hooks;
    this.#logger = logger;
    this.#server = createServer((req, res) => void this.#track(this.#handle(req, res)));
    this.#timers = new TimerScheduler(functions.filter((fn) => fn.schedule).map((fn) => this.#timerJob(fn)));
    this.#removeLogSink = addSystemLogSink((level, category, message) => this.#log(level, category, message, {}));
  }

  /** Sets up a poller per queue function; one whose connection is not a connection string is left to /admin/functions, with a warning. */
  pollQueues(functions: readonly HostedFunction[], settings: Record<string, string | undefined>, polling: QueuePollingOptions): void {
    for (const fn of functions) {
      if (!fn.queue) continue;
      let clients;
      try {
        clients = queueClientsFor(fn.queue.connection, fn.queue.name, settings);
      } catch (error) {
        this.#logger.warn(`queue function '${fn.name}' is not polled (${errorMessage(error)}); run it with POST /admin/functions/${fn.name}`, { functionName: fn.name });
        continue;
      }
      this.#queueListeners.push(
        new QueueListener({
          functionName: fn.name,
          ...clients,
          polling,
          logger: this.#logger,
          invoke: ({ data, triggerMetadata }) => this.#invoke(fn, { inputData: [{ name: fn.triggerName, data }], triggerMetadata }),
        }),
      );
    }
  }

  async queuesIdle(timeoutInMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutInMs;
    // Twice idle in a row: a message handed from one function to a queue in between is not missed.
    for (let idleChecks = 0; idleChecks < 2; ) {
      for (const listener of this.#queueListeners) listener.notify();
      const idle = await Promise.all(this.#queueListeners.map((listener) => listener.isIdle()));
      idleChecks = idle.every(Boolean) ? idleChecks + 1 : 0;
      if (idleChecks < 2) {
        if (Date.now() > deadline) throw new Error(`queues still busy after ${timeoutInMs} ms: ${this.#queueListeners.filter((_, i) => !idle[i]).map((l) => l.queueName).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  async start(port: number, host: string, runTimers: boolean, appDirectory: string): Promise<void> {
    try {
      await this.#runAppHooks('appStart', { functionAppDirectory: appDirectory });
      await this.#listen(port, host);
    } catch (error) {
      this.#removeLogSink();
      throw error;
    }
    const address = this.#server.address() as AddressInfo;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    this.functions = [...this.#byName.values()].map((fn) => this.#info(fn));
    this.#logger.info(`Functions host listening on ${this.url}`);
    for (const info of this.functions) {
      const detail = info.trigger === 'httpTrigger' ? `[${(info.methods ?? ['ANY']).join(',')}] ${info.url}` : `${info.trigger}${info.schedule ? ` (${info.schedule})` : ''} ${info.url}`;
      this.#logger.info(`${info.name}: ${detail}`, { functionName: info.name });
    }
    if (runTimers) this.#timers.start();
    for (const listener of this.#queueListeners) {
      listener.start();
      this.#logger.info(`polling queue '${listener.queueName}'`);
    }
  }

  #listen(port: number, host: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void =>
        reject(error.code === 'EADDRINUSE' ? new Error(`the functions host cannot listen on ${host}:${port}: the port is in use`, { cause: error }) : error);
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
  }

  async invoke(name: string, input?: unknown): Promise<unknown> {
    if (this.#stopping) throw new Error('the functions host is stopping');
    const fn = this.#byName.get(name.toLowerCase());
    if (!fn) throw new Error(`no function named '${name}'`);
    if (isHttp(fn)) throw new Error(`function '${fn.name}' is HTTP-triggered: send a request to ${this.#info(fn).url}`);
    const outcome = await this.#invoke(fn, this.#adminInput(fn, input));
    return outcome.result;
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#timers.stop();
      await Promise.all(this.#queueListeners.map((listener) => listener.stop()));
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      this.#server.closeIdleConnections();
      while (this.#running.size > 0) await Promise.all([...this.#running]);
      await this.#runAppHooks('appTerminate', {}).catch((error: unknown) =>
        this.#logger.error(`appTerminate hook failed: ${errorMessage(error)}`),
      );
      this.#server.closeAllConnections();
      await closed;
      this.#removeLogSink();
      this.#logger.info('Functions host stopped');
    })();
    return this.#stopping;
  }

  #info(fn: HostedFunction): FunctionInfo {
    const trigger = String(fn.registration.metadata.bindings[fn.triggerName]?.type);
    if (isHttp(fn)) {
      const route = fn.route!.template;
      const authLevel = fn.registration.metadata.bindings[fn.triggerName]?.['authLevel'];
      return {
        name: fn.name,
        trigger,
        route,
        ...(fn.methods ? { methods: fn.methods } : {}),
        ...(typeof authLevel === 'string' ? { authLevel } : {}),
        url: `${this.url}${API_PREFIX}/${route.replace(/^\/+/, '')}`,
      };
    }
    if (fn.triggerType === 'eventgridtrigger') {
      return { name: fn.name, trigger, url: `${this.url}${EVENT_GRID_PATH}?functionName=${encodeURIComponent(fn.name)}` };
    }
    return {
      name: fn.name,
      trigger,
      ...(fn.schedule ? { schedule: fn.schedule.expression } : {}),
      ...(fn.queue ? { queueName: fn.queue.name } : {}),
      url: `${this.url}/admin/functions/${encodeURIComponent(fn.name)}`,
    };
  }

  #track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.#running.add(settled);
    void settled.then(() => this.#running.delete(settled));
  }

  #log(level: RpcLogLevel, category: RpcLogCategory, message: string, properties: LogProperties): void {
    const props = category === 'user' ? properties : { ...properties, category };
    // Trace and debug stay quiet, as with host.json's default "Information" level.
    if (level === 'information') this.#logger.info(message, props);
    else if (level === 'warning') this.#logger.warn(message, props);
    else if (level === 'error' || level === 'critical') this.#logger.error(message, props);
  }

  async #runAppHooks(name: 'appStart' | 'appTerminate', extra: Record<string, unknown>): Promise<void> {
    for (const hook of this.#hooks) {
      if (hook.name === name) await hook.callback({ hookData: {}, appHookData: this.#appHookData, ...extra });
    }
  }

  #invoke(fn: HostedFunction, input: InvocationInput): Promise<InvocationOutcome> {
    const started = Date.now();
    const invocationId = randomUUID();
    const properties = { functionName: fn.name, invocationId };
    const work = runInvocation({
      model: this.#model,
      registration: fn.registration,
      hooks: this.#hooks,
      appHookData: this.#appHookData,
      input,
      invocationId,
      log: (_id, level, category, message) => this.#log(level, category, message, properties),
    }).then(
      (outcome) => {
        this.#logger.info(`Executed '${fn.name}' (Succeeded)`, { ...properties, durationInMs: Date.now() - started });
        return outcome;
      },
      (error: unknown) => {
        this.#logger.error(`Executed '${fn.name}' (Failed): ${errorMessage(error)}`, { ...properties, durationInMs: Date.now() - started, stack: errorStack(error) });
        throw error;
      },
    );
    this.#track(work);
    return work;
  }

  #timerJob(fn: HostedFunction): TimerJob {
    return {
      functionName: fn.name,
      schedule: fn.schedule!,
      runOnStartup: fn.runOnStartup,
      run: (info) =>
        this.#invoke(fn, { inputData: [{ name: fn.triggerName, data: { json: JSON.stringify(info) } }] }).then(
          () => undefined,
          () => undefined,
        ),
      onNeverDue: () => this.#logger.warn(`timer '${fn.name}' has no future occurrence of '${fn.schedule!.expression}'`, { functionName: fn.name }),
    };
  }

  /** Trigger data for a non-HTTP function run on demand, shaped like the host's own for that trigger. */
  #adminInput(fn: HostedFunction, input: unknown): InvocationInput {
    const now = new Date();
    let data: RpcTypedData | undefined;
    let triggerMetadata: Record<string, RpcTypedData> | undefined;
    if (fn.triggerType === 'timertrigger') {
      data = { json: JSON.stringify(timerInfo(now, undefined, fn.schedule?.next(now), now)) };
    } else {
      data = toTypedData(input);
      if (fn.triggerType === 'queuetrigger') {
        triggerMetadata = {
          Id: { string: randomUUID() },
          DequeueCount: { json: '1' },
          InsertionTime: { string: now.toISOString() },
        };
      }
    }
    return { inputData: data ? [{ name: fn.triggerName, data }] : [], ...(triggerMetadata ? { triggerMetadata } : {}) };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (this.#stopping) {
        sendError(res, 503, 'the functions host is stopping', { connection: 'close' });
        return;
      }
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? new URL(this.url).host}`);
      const path = url.pathname;
      if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) return await this.#handleApi(req, res, url);
      if (path === EVENT_GRID_PATH) return await this.#handleEventGrid(req, res, url);
      const admin = /^\/admin\/functions\/([^/]+)\/?$/.exec(path);
      if (admin) return await this.#handleAdminInvoke(req, res, decodeURIComponent(admin[1] ?? ''));
      if (req.method === 'GET' && path === '/admin/functions') return sendJson(res, 200, this.functions);
      if (req.method === 'GET' && path === '/admin/host/status') return sendJson(res, 200, { state: 'Running', version: 'local' });
      sendError(res, 404, `nothing is served at ${path}`);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        if (!res.headersSent) sendError(res, 413, `request body over ${MAX_BODY_BYTES} bytes`, { connection: 'close' });
        return;
      }
      this.#logger.error(`request ${req.method ?? ''} ${req.url ?? ''} failed: ${errorMessage(error)}`, { stack: errorStack(error) });
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    }
  }

  async #handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const routePath = url.pathname.slice(API_PREFIX.length + 1);
    const method = (req.method ?? 'GET').toUpperCase();
    const matches = this.#httpFunctions.flatMap((fn) => {
      const params = fn.route!.match(routePath);
      return params ? [{ fn, params }] : [];
    });
    if (matches.length === 0) return sendError(res, 404, `no function serves ${url.pathname}`);
    const chosen = matches.find(({ fn }) => !fn.methods || fn.methods.includes(method));
    if (!chosen) {
      const allowed = [...new Set(matches.flatMap(({ fn }) => fn.methods ?? []))];
      return sendError(res, 405, `${method} is not allowed on ${url.pathname}`, { allow: allowed.join(', ') });
    }
    const body = await readBody(req);
    const headers = flattenHeaders(req.headers);
    // As App Service's front end does: the peer's address is appended to X-Forwarded-For, so its last
    // entry is the one a caller cannot forge (they can only put entries before it).
    const peer = req.socket.remoteAddress;
    if (peer) headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${peer}` : peer;
    const http: RpcHttpData = { method, url: url.href, headers, params: chosen.params };
    // A Request cannot carry a body on GET/HEAD; the library would drop it with a warning.
    if (body.length > 0 && method !== 'GET' && method !== 'HEAD') http.body = { bytes: body };
    let outcome: InvocationOutcome;
    try {
      outcome = await this.#invoke(chosen.fn, { inputData: [{ name: chosen.fn.triggerName, data: { http } }] });
    } catch {
      res.writeHead(500, { 'content-length': 0 }).end();
      return;
    }
    const outputName = chosen.fn.httpOutputName;
    const response =
      outputName === '$return'
        ? outcome.response.returnValue?.http
        : outcome.response.outputData?.find((o) => o.name === outputName)?.data?.http;
    // The Functions host answers 204 when an HTTP function sets no response.
    if (!response) res.writeHead(204).end();
    else writeHttpResponse(res, response);
  }

  #eventGridFunction(url: URL): HostedFunction | undefined {
    const fn = this.#byName.get((url.searchParams.get('functionName') ?? '').toLowerCase());
    return fn?.triggerType === 'eventgridtrigger' ? fn : undefined;
  }

  async #handleEventGrid(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const fn = this.#eventGridFunction(url);
    if (!fn) return sendError(res, 404, `no Event Grid function named '${url.searchParams.get('functionName') ?? ''}'`);
    // CloudEvents abuse protection: Event Grid asks with OPTIONS before delivering.
    if (req.method === 'OPTIONS') {
      const origin = req.headers['webhook-request-origin'];
      res.writeHead(200, { 'webhook-allowed-origin': typeof origin === 'string' ? origin : '*', 'webhook-allowed-rate': '*' }).end();
      return;
    }
    if (req.method !== 'POST') return sendError(res, 405, 'Event Grid delivers with POST', { allow: 'POST, OPTIONS' });
    const refuse = (reason: string): void => {
      // A 400 tells Event Grid not to retry; the reason goes to the log, where whoever sent it can look.
      this.#logger.warn(`Event Grid delivery refused: ${reason}`, { functionName: fn.name });
      sendError(res, 400, reason);
    };
    const text = (await readBody(req)).toString('utf8');
    // Events that nest as real ones do (the array, the event, its data, a value or two) pass; the outer array is the one extra level.
    if (jsonNestingDepth(text) > MAX_EVENT_NESTING + 1) return refuse(`the body is nested deeper than ${MAX_EVENT_NESTING} levels`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return refuse('the body is not JSON');
    }
    const events = (Array.isArray(parsed) ? parsed : [parsed]) as unknown[];
    if (events.some((e) => typeof e !== 'object' || e === null || Array.isArray(e))) return refuse('events must be JSON objects');
    const records = events as Record<string, unknown>[];
    const kind = req.headers['aeg-event-type'];
    if (kind === 'SubscriptionValidation') {
      const validation = records.find((e) => e['eventType'] === VALIDATION_EVENT);
      const code = (validation?.['data'] as Record<string, unknown> | undefined)?.['validationCode'];
      if (typeof code !== 'string') return sendError(res, 400, `expected a ${VALIDATION_EVENT} with data.validationCode`);
      this.#logger.info(`Event Grid subscription validated for '${fn.name}'`, { functionName: fn.name });
      return sendJson(res, 200, { validationResponse: code });
    }
    if (kind === 'SubscriptionDeletion') return sendJson(res, 200, {});
    const contentType = String(req.headers['content-type'] ?? '');
    const isCloudEvents = contentType.includes('cloudevents') || records.every((e) => typeof e['specversion'] === 'string');
    if (kind !== 'Notification' && !(kind === undefined && isCloudEvents)) {
      return sendError(res, 400, `unexpected aeg-event-type '${String(kind)}' (expected SubscriptionValidation or Notification)`);
    }
    let failed = 0;
    for (const event of records) {
      try {
        await this.#invoke(fn, { inputData: [{ name: fn.triggerName, data: { json: JSON.stringify(event) } }] });
      } catch (error) {
        // #invoke logs the handler's own failures; anything before it (handing the event over) is logged here.
        if (!(error instanceof InvocationFailedError)) this.#logger.error(`Event Grid event could not be handed to '${fn.name}': ${errorMessage(error)}`, { functionName: fn.name });
        failed++;
      }
    }
    // 500 makes Event Grid retry the delivery (the whole batch), as it does with the real host.
    if (failed > 0) return sendError(res, 500, `${failed} of ${records.length} event(s) failed`);
    sendJson(res, 200, {});
  }

  async #handleAdminInvoke(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (req.method !== 'POST') return sendError(res, 405, 'use POST', { allow: 'POST' });
    const fn = this.#byName.get(name.toLowerCase());
    if (!fn) return sendError(res, 404, `no function named '${name}'`);
    if (isHttp(fn)) return sendError(res, 400, `'${fn.name}' is HTTP-triggered: call ${this.#info(fn).url}`);
    const text = (await readBody(req)).toString('utf8');
    let input: unknown;
    try {
      input = text.trim() === '' ? undefined : (JSON.parse(text) as { input?: unknown }).input;
    } catch {
      return sendError(res, 400, 'expected a JSON body like {"input": "..."}');
    }
    // As the real host: accept, then run in the background (failures go to the log).
    void this.#invoke(fn, this.#adminInput(fn, input)).catch(() => undefined);
    res.writeHead(202, { 'content-length': 0 }).end();
  }
}

export async function startFunctionsHost(options: StartFunctionsHostOptions): Promise<RunningFunctionsHost> {
  const logger = options.logger ?? createConsoleLogger();
  const settings = { ...process.env, ...options.env };
  const moduleUrls = options.modules.map(toModuleUrl);
  const loaded = await loadFunctionModules(moduleUrls);
  loaded.forEach((registrations, i) => {
    if (registrations.functions.length === 0 && registrations.hooks.length === 0) {
      logger.warn(`module ${moduleUrls[i] ?? ''} registered no function`);
    }
  });
  const registrations = loaded.flatMap((r) => r.functions);
  const model = currentProgrammingModel();
  if (!model || registrations.length === 0) {
    throw new Error(
      'the app registered no function. Either its modules call no app.http/app.timer/app.eventGrid, or @azure/functions ' +
        'was used in this process before the host started (it then stays in "test mode" and registers nothing).',
    );
  }
  const capabilities = await model.getCapabilities?.({});
  if (capabilities?.['HttpUri']) throw new Error('app.setup({ enableHttpStream: true }) is not supported by the local functions host');

  const functions = registrations.map((r) => describeFunction(r, settings));
  const names = functions.map((fn) => fn.name.toLowerCase());
  const duplicate = functions.find((fn, i) => names.indexOf(fn.name.toLowerCase()) !== i);
  if (duplicate) throw new Error(`two functions are named '${duplicate.name}'`);

  const host = new LocalFunctionsHost(model, functions, loaded.flatMap((r) => r.hooks), logger);
  const appDirectory = options.appDirectory ?? process.cwd();
  if (options.pollQueues ?? true) host.pollQueues(functions, settings, { ...queuePollingFromHostJson(appDirectory), ...options.queuePolling });
  await host.start(options.port ?? 7071, options.host ?? '127.0.0.1', options.runTimers ?? true, appDirectory);
  return host;
}
