/**
 * kvrot's client of the HTTP API: each call names an operation of API_OPERATIONS (the table the
 * OpenAPI document is generated from), so paths and methods are never written twice, and each
 * answer is parsed with the schema the document gives for its status. Answers the document does
 * not describe, refusals and failures become CliErrors with the documented exit codes: 3 for 401
 * and 403, 1 for the API refusing the request as invalid, 5 for anything else gone wrong.
 */
import type { z } from 'zod';
import { describeError } from '../../core/errors.js';
import { API_OPERATIONS, apiPath, type ApiOperation, type ApiOperationName } from '../../functions/http/api-operations.js';
import { ROUTE_ROLES } from '../../functions/http/route-roles.js';
import { CliAuthError, CliRemoteError, CliUsageError, CliValidationError } from '../errors.js';
import { shown } from '../output.js';
import type { AccessToken } from './access-token.js';

type Answers<N extends ApiOperationName> = (typeof API_OPERATIONS)[N]['answers'];
type AnswerStatus<N extends ApiOperationName> = keyof Answers<N> & number;
type BodyOf<N extends ApiOperationName, S extends AnswerStatus<N>> = Answers<N>[S] extends { schema: infer Schema extends z.ZodType } ? z.output<Schema> : undefined;

export type ApiAnswer<N extends ApiOperationName, S extends AnswerStatus<N>> = { [K in S]: { status: K; body: BodyOf<N, K>; headers: Headers } }[S];

export interface ApiRequest {
  params?: Record<string, string>;
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiClientOptions {
  /** The app's base URL (no /api). */
  baseUrl: URL;
  token: AccessToken;
  fetch: typeof globalThis.fetch;
  timeoutInMs: number;
}

/** The API's own error: code, message and the fields it names, for a person to read. */
export function describeApiError(json: unknown): string {
  const error = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (!error || typeof error.code !== 'string') return '(no error body)';
  const details = Array.isArray(error.details)
    ? (error.details as { path?: unknown; message?: unknown }[])
        .slice(0, 5)
        .filter((d) => typeof d.message === 'string')
        .map((d) => `${typeof d.path === 'string' && d.path ? `${d.path}: ` : ''}${d.message as string}`)
    : [];
  return shown(`${error.code}: ${typeof error.message === 'string' ? error.message : ''}${details.length > 0 ? ` [${details.join('; ')}]` : ''}`);
}

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get baseUrl(): URL {
    return this.options.baseUrl;
  }

  /**
   * Calls the operation and answers one of `expected` (statuses the document describes for it),
   * its body parsed by the document's schema. Any other status throws.
   */
  async call<N extends ApiOperationName, S extends AnswerStatus<N>>(name: N, expected: readonly S[], request: ApiRequest = {}): Promise<ApiAnswer<N, S>> {
    const operation: ApiOperation = API_OPERATIONS[name];
    let path: string;
    try {
      path = apiPath(operation, request.params);
    } catch (error) {
      // encodeURIComponent refuses a lone surrogate: text no URL can carry.
      if (error instanceof URIError) throw new CliUsageError(`${Object.values(request.params ?? {}).map((value) => shown(JSON.stringify(value))).join(', ')} cannot be sent in a URL: it is not valid Unicode text`);
      throw error;
    }
    const url = new URL(path, this.options.baseUrl);
    for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const what = `${operation.method} ${url.pathname}`;
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    // The anonymous routes get no token: it would only travel further than it must.
    if (ROUTE_ROLES[name] !== 'anonymous') headers['authorization'] = `Bearer ${await this.options.token()}`;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(url, {
        method: operation.method,
        headers,
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        // A redirect would carry the token to wherever it points.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutInMs),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined)?.code : undefined;
      throw new CliRemoteError(`${what}: ${timedOut ? `no answer within ${this.options.timeoutInMs} ms` : `could not reach the API (${shown(typeof cause === 'string' ? cause : describeError(error))})`}`);
    }
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new CliRemoteError(`${what}: HTTP ${response.status}, and the answer is not JSON (${shown(response.headers.get('content-type') ?? 'no content type')}): is ${shown(this.options.baseUrl.origin)} this app's API?`);
    }
    const status = response.status;
    if (!(expected as readonly number[]).includes(status)) throw failure(what, status, json);
    const schema = (operation.answers as Record<number, { schema?: z.ZodType } | undefined>)[status]?.schema;
    if (!schema) return { status, body: undefined, headers: response.headers } as ApiAnswer<N, S>;
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CliRemoteError(`${what}: HTTP ${status}, but the answer is not what /api/openapi.json describes (${shown(issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid')}): is kvrot older than the API?`);
    }
    return { status, body: parsed.data, headers: response.headers } as ApiAnswer<N, S>;
  }

  /**
   * The deployment's own /api/openapi.json, or undefined when it publishes none (a version from
   * before the document): what a command checks before calling a route that not every deployment has.
   */
  async document(): Promise<{ paths: Record<string, Record<string, unknown> | undefined> } | undefined> {
    try {
      const answer = await this.call('openApiDocument', [200]);
      const paths = answer.body['paths'];
      return { paths: paths && typeof paths === 'object' ? (paths as Record<string, Record<string, unknown>>) : {} };
    } catch (error) {
      if (error instanceof ApiRefusal && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Whether this deployment serves the operation, by its own document (assumed so without one). */
  async serves(name: ApiOperationName): Promise<boolean> {
    const operation: ApiOperation = API_OPERATIONS[name];
    const document = await this.document();
    return document === undefined || document.paths[`/api/${operation.route}`]?.[operation.method.toLowerCase()] !== undefined;
  }

  /** Every item of a paged list, following continuation tokens, up to `limit` items. */
  async *pages<N extends 'listPolicies' | 'listRotations' | 'listChangeRequests' | 'queryAudit' | 'listVaultAudit'>(
    name: N,
    request: ApiRequest,
    limit = Number.POSITIVE_INFINITY,
  ): AsyncIterable<BodyOf<N, 200 & AnswerStatus<N>>> {
    let continuationToken: string | undefined;
    let seen = 0;
    do {
      const answer = await this.call(name, [200] as (200 & AnswerStatus<N>)[], { ...request, query: { ...request.query, continuationToken } });
      const body = answer.body as { items: unknown[]; continuationToken?: string };
      seen += body.items.length;
      yield answer.body as BodyOf<N, 200 & AnswerStatus<N>>;
      continuationToken = body.continuationToken;
    } while (continuationToken && seen < limit);
  }
}

/** The API refused the request as invalid (4xx other than 401 and 403): exit 1. */
export class ApiRefusal extends CliValidationError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function failure(what: string, status: number, json: unknown): Error {
  const detail = describeApiError(json);
  if (status === 401) return new CliAuthError(`${what}: 401 ${detail}: the API did not accept the token (expired, another audience or tenant?)`);
  if (status === 403) return new CliAuthError(`${what}: 403 ${detail}`);
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return new ApiRefusal(`${what}: ${status} ${detail}`, status);
  return new CliRemoteError(`${what}: ${status} ${detail}`);
}
