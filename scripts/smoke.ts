/**
 * Smoke test for a deployed app, the gate between deploy and promote: the health endpoint,
 * then a dry-run rotation of one policy (which reads Key Vault and Table Storage and writes
 * nothing). Exits non-zero with one readable line on any failure.
 *
 *   SMOKE_FUNCTION_KEY=<function key> npm run smoke -- --url https://<app>.azurewebsites.net --policy <id>
 */
import { pathToFileURL } from 'node:url';

export interface SmokeIo {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  fetch: typeof globalThis.fetch;
  out(line: string): void;
  err(line: string): void;
}

export const SMOKE_EXIT = { passed: 0, failed: 1, usage: 2 } as const;

export const DEFAULT_TIMEOUT_IN_MS = 15_000;

const USAGE = 'usage: SMOKE_FUNCTION_KEY=<key> npm run smoke -- --url https://<app>.azurewebsites.net --policy <policy id> [--timeout-ms <ms>]';

interface SmokeOptions {
  baseUrl: URL;
  policyId: string;
  timeoutInMs: number;
  functionKey: string;
}

class UsageError extends Error {}

/** A check failed; the message is safe to print (no key, no response values). */
export class SmokeFailure extends Error {
  override name = 'SmokeFailure';
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function parseArgs(argv: readonly string[], env: SmokeIo['env']): SmokeOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const match = /^--(url|policy|timeout-ms)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unknown argument '${arg}'`);
    const value = match[2] ?? argv[(i += 1)];
    if (value === undefined || value === '') throw new UsageError(`--${match[1]} needs a value`);
    values.set(match[1]!, value);
  }
  const rawUrl = values.get('url');
  const policyId = values.get('policy');
  if (!rawUrl) throw new UsageError('--url is required');
  if (!policyId) throw new UsageError('--policy is required');
  let baseUrl: URL;
  try {
    baseUrl = new URL(rawUrl);
  } catch {
    throw new UsageError(`--url '${rawUrl}' is not a URL`);
  }
  // The function key travels in a header: never over plain HTTP to anything but this machine.
  if (baseUrl.protocol !== 'https:' && !(baseUrl.protocol === 'http:' && LOOPBACK_HOSTS.has(baseUrl.hostname))) {
    throw new UsageError('--url must be https:// (plain http is accepted for 127.0.0.1/localhost only)');
  }
  if (baseUrl.username || baseUrl.password || baseUrl.search || baseUrl.hash || (baseUrl.pathname !== '/' && baseUrl.pathname !== '')) {
    throw new UsageError("--url must be the app's base URL, e.g. https://<app>.azurewebsites.net (no path, query or credentials)");
  }
  const timeoutText = values.get('timeout-ms');
  const timeoutInMs = timeoutText === undefined ? DEFAULT_TIMEOUT_IN_MS : Number(timeoutText);
  if (!Number.isInteger(timeoutInMs) || timeoutInMs <= 0) throw new UsageError(`--timeout-ms must be a positive whole number, got '${timeoutText}'`);
  const functionKey = env['SMOKE_FUNCTION_KEY']?.trim();
  if (!functionKey) throw new UsageError('set SMOKE_FUNCTION_KEY to a function key of the app (see docs/deploy.md)');
  return { baseUrl, policyId, timeoutInMs, functionKey };
}

/** Field names under which an API response would be carrying a secret. */
const SECRET_FIELD = /^(value|secretvalue|password|passwd|connectionstring|accountkey|sharedaccesskey|privatekey|clientsecret)$/i;
const SECRET_TEXT = /AccountKey=|SharedAccessKey=|SharedAccessSignature=|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** JSON paths of fields that look like secrets; the values themselves are never returned. */
export function secretLookingFields(json: unknown, path = '$'): string[] {
  if (typeof json === 'string') return SECRET_TEXT.test(json) ? [path] : [];
  if (Array.isArray(json)) return json.flatMap((item, index) => secretLookingFields(item, `${path}[${index}]`));
  if (json && typeof json === 'object') {
    return Object.entries(json).flatMap(([key, value]) => (SECRET_FIELD.test(key) ? [`${path}.${key}`] : secretLookingFields(value, `${path}.${key}`)));
  }
  return [];
}

function describeNetworkError(error: unknown, timeoutInMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no response within ${timeoutInMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error);
  return `network error (${detail})`;
}

function errorDetail(json: unknown): string {
  const error = json && typeof json === 'object' ? (json as { error?: { code?: unknown; message?: unknown } }).error : undefined;
  if (typeof error?.code !== 'string') return '';
  const message = typeof error.message === 'string' ? `: ${error.message.slice(0, 200)}` : '';
  return ` ${error.code}${message}`;
}

const STATUS_HINTS: Record<number, string> = {
  401: ' (is SMOKE_FUNCTION_KEY a function or host key of this app?)',
  403: ' (is SMOKE_FUNCTION_KEY a function or host key of this app?)',
  404: ' (is the URL the function app, and is the code deployed?)',
};

interface JsonResponse {
  status: number;
  json: unknown;
}

async function callApi(options: SmokeOptions, io: SmokeIo, step: string, method: string, path: string, body?: unknown): Promise<JsonResponse> {
  const url = new URL(path, options.baseUrl);
  let response: Response;
  let text: string;
  try {
    response = await io.fetch(url, {
      method,
      headers: {
        'x-functions-key': options.functionKey,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // A redirect would carry the key header to wherever it points.
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutInMs),
    });
    text = await response.text();
  } catch (error) {
    throw new SmokeFailure(`${step}: ${describeNetworkError(error, options.timeoutInMs)}`);
  }
  if (response.status >= 300 && response.status < 400) {
    throw new SmokeFailure(`${step}: HTTP ${response.status} redirect to ${response.headers.get('location') ?? '(no location)'}; not followed, give the final https URL`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const hint = response.status === 200 ? '' : (STATUS_HINTS[response.status] ?? '');
    throw new SmokeFailure(`${step}: HTTP ${response.status}, and the body is not JSON (${response.headers.get('content-type') ?? 'no content type'}, ${text.length} bytes)${hint}`);
  }
  const secretFields = secretLookingFields(json);
  if (secretFields.length > 0) {
    throw new SmokeFailure(`${step}: the response has fields that look like secret values (${secretFields.join(', ')}); the API must never return them: do not promote`);
  }
  return { status: response.status, json };
}

function field(json: unknown, name: string): unknown {
  return json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>)[name] : undefined;
}

async function checkHealth(options: SmokeOptions, io: SmokeIo): Promise<void> {
  const step = 'GET /api/health';
  const { status, json } = await callApi(options, io, step, 'GET', '/api/health');
  if (status !== 200) {
    const checks = field(json, 'checks');
    const detail = checks && typeof checks === 'object' ? ` checks ${JSON.stringify(checks)}` : errorDetail(json);
    throw new SmokeFailure(`${step}: HTTP ${status}${detail}${STATUS_HINTS[status] ?? ''}`);
  }
  if (field(json, 'status') !== 'ok') throw new SmokeFailure(`${step}: HTTP 200 but status is ${JSON.stringify(field(json, 'status'))}, not "ok"`);
  io.out(`smoke: ${step} -> 200 ok`);
}

async function checkDryRun(options: SmokeOptions, io: SmokeIo): Promise<void> {
  const path = `/api/policies/${encodeURIComponent(options.policyId)}/rotate`;
  const step = `POST ${path} (dry run)`;
  const { status, json } = await callApi(options, io, step, 'POST', path, { reason: 'smoke test', dryRun: true });
  if (status !== 200) {
    const hint = status === 404 && errorDetail(json) ? ` (does policy '${options.policyId}' exist?)` : (STATUS_HINTS[status] ?? '');
    throw new SmokeFailure(`${step}: HTTP ${status}${errorDetail(json)}${hint}`);
  }
  if (field(json, 'dryRun') !== true) throw new SmokeFailure(`${step}: the app did not confirm a dry run (dryRun is ${JSON.stringify(field(json, 'dryRun'))}): check the rotation history`);
  if (field(json, 'policyId') !== options.policyId) throw new SmokeFailure(`${step}: the plan is for policy ${JSON.stringify(field(json, 'policyId'))}, not '${options.policyId}'`);
  const wouldRotate = field(json, 'wouldRotate');
  if (typeof wouldRotate !== 'boolean') throw new SmokeFailure(`${step}: the plan has no wouldRotate flag`);
  const reason = field(json, 'reason');
  io.out(`smoke: ${step} -> 200: ${wouldRotate ? 'would rotate' : 'would not rotate'}${typeof reason === 'string' ? ` (${reason.slice(0, 200)})` : ''}`);
}

/** Runs the smoke test; returns the process exit code. Every line printed is scrubbed of the key. */
export async function runSmoke(io: SmokeIo): Promise<number> {
  const key = io.env['SMOKE_FUNCTION_KEY']?.trim() ?? '';
  const scrub = (line: string): string => (key.length >= 4 ? line.split(key).join('[redacted]') : line);
  const safeIo: SmokeIo = { ...io, out: (line) => io.out(scrub(line)), err: (line) => io.err(scrub(line)) };
  let options: SmokeOptions;
  try {
    options = parseArgs(io.argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    safeIo.err(`smoke: ${error.message}`);
    safeIo.err(USAGE);
    return SMOKE_EXIT.usage;
  }
  try {
    safeIo.out(`smoke: ${options.baseUrl.origin}, policy '${options.policyId}'`);
    await checkHealth(options, safeIo);
    await checkDryRun(options, safeIo);
    safeIo.out('smoke: passed');
    return SMOKE_EXIT.passed;
  } catch (error) {
    if (!(error instanceof SmokeFailure)) throw error;
    safeIo.err(`smoke: FAILED: ${error.message}`);
    return SMOKE_EXIT.failed;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  process.exitCode = await runSmoke({
    argv: process.argv.slice(2),
    env: process.env,
    fetch: globalThis.fetch,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
}
