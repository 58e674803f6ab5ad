/**
 * The checks of `kvrot smoke` against a deployed API: GET /api/health, and a dry-run rotation of
 * a policy (which reads Key Vault and Table Storage and writes nothing). Each check returns a
 * line to print or throws a SmokeFailure whose message is safe to print: no token, no response
 * values, and any answer with a field that looks like a secret is itself a failure.
 */

export interface SmokeTarget {
  /** The app's base URL (no path). */
  baseUrl: URL;
  accessToken: string;
  timeoutInMs: number;
  fetch: typeof globalThis.fetch;
}

/** A check failed; the message is safe to print (no token, no response values). */
export class SmokeFailure extends Error {
  override name = 'SmokeFailure';

  /** The API's HTTP status, when it answered one. */
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The access token travels in a header: never over plain HTTP to anything but this machine. */
export function carriesTokensSafely(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
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

function statusHint(status: number): string {
  if (status === 401) return " (is the access token a current token for this app's API, its audience the app ID URI?)";
  if (status === 403) return ' (does the identity behind the access token hold the Rotation.Operate app role?)';
  if (status === 404) return " (is the environment's api the function app, and is the code deployed?)";
  return '';
}

/**
 * The body with the token replaced: an API that echoes the Authorization header, in an error
 * message or a plan's reason, must not get it printed or recorded. Before any slicing, so that
 * no part of it survives either.
 */
function withoutToken(target: SmokeTarget, text: string): string {
  return target.accessToken.length >= 4 ? text.split(target.accessToken).join('[redacted]') : text;
}

interface JsonResponse {
  status: number;
  json: unknown;
}

async function callApi(target: SmokeTarget, step: string, method: string, path: string, body?: unknown): Promise<JsonResponse> {
  const url = new URL(path, target.baseUrl);
  let response: Response;
  let text: string;
  try {
    response = await target.fetch(url, {
      method,
      headers: {
        ...(target.accessToken ? { authorization: `Bearer ${target.accessToken}` } : {}),
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // A redirect would carry the token to wherever it points.
      redirect: 'manual',
      signal: AbortSignal.timeout(target.timeoutInMs),
    });
    text = withoutToken(target, await response.text());
  } catch (error) {
    throw new SmokeFailure(`${step}: ${describeNetworkError(error, target.timeoutInMs)}`);
  }
  if (response.status >= 300 && response.status < 400) {
    throw new SmokeFailure(`${step}: HTTP ${response.status} redirect to ${response.headers.get('location') ?? '(no location)'}; not followed, give the final https URL`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const hint = response.status === 200 ? '' : statusHint(response.status);
    throw new SmokeFailure(`${step}: HTTP ${response.status}, and the body is not JSON (${response.headers.get('content-type') ?? 'no content type'}, ${text.length} bytes)${hint}`, response.status);
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

/** GET /api/health answers 200 {"status":"ok"}. */
export async function checkHealth(target: SmokeTarget): Promise<string> {
  const step = 'GET /api/health';
  const { status, json } = await callApi(target, step, 'GET', '/api/health');
  if (status !== 200) {
    const checks = field(json, 'checks');
    const detail = checks && typeof checks === 'object' ? ` checks ${JSON.stringify(checks)}` : errorDetail(json);
    throw new SmokeFailure(`${step}: HTTP ${status}${detail}${statusHint(status)}`, status);
  }
  if (field(json, 'status') !== 'ok') throw new SmokeFailure(`${step}: HTTP 200 but status is ${JSON.stringify(field(json, 'status'))}, not "ok"`);
  return `${step} -> 200 ok`;
}

/** POST /api/policies/{id}/rotate with dryRun answers 200 with that policy's plan; nothing is written. */
export async function checkDryRun(target: SmokeTarget, policyId: string): Promise<string> {
  let encoded: string;
  try {
    encoded = encodeURIComponent(policyId);
  } catch {
    // A lone surrogate: text no URL can carry, and so no policy's id.
    throw new SmokeFailure(`policy ${JSON.stringify(policyId)} cannot be sent in a URL: it is not valid Unicode text`);
  }
  const path = `/api/policies/${encoded}/rotate`;
  const step = `POST ${path} (dry run)`;
  const { status, json } = await callApi(target, step, 'POST', path, { reason: 'smoke test', dryRun: true });
  if (status !== 200) {
    const hint = status === 404 && errorDetail(json) ? ` (does policy '${policyId}' exist?)` : statusHint(status);
    throw new SmokeFailure(`${step}: HTTP ${status}${errorDetail(json)}${hint}`, status);
  }
  if (field(json, 'dryRun') !== true) throw new SmokeFailure(`${step}: the app did not confirm a dry run (dryRun is ${JSON.stringify(field(json, 'dryRun'))}): check the rotation history`);
  if (field(json, 'policyId') !== policyId) throw new SmokeFailure(`${step}: the plan is for policy ${JSON.stringify(field(json, 'policyId'))}, not '${policyId}'`);
  const wouldRotate = field(json, 'wouldRotate');
  if (typeof wouldRotate !== 'boolean') throw new SmokeFailure(`${step}: the plan has no wouldRotate flag`);
  const reason = field(json, 'reason');
  return `${step} -> 200: ${wouldRotate ? 'would rotate' : 'would not rotate'}${typeof reason === 'string' ? ` (${reason.slice(0, 200)})` : ''}`;
}
