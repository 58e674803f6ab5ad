/** Calls to the API with the signed-in person's token; errors keep the API's code and message. */
import type { Auth } from './auth.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
  etag: string | null;
}

export class Api {
  constructor(private readonly auth: Auth) {}

  async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer<T>> {
    const token = await this.auth.token();
    const response = await fetch(`/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(response.status, error?.code ?? `HTTP${response.status}`, error?.message ?? `the API answered ${response.status}`, json);
    }
    return { status: response.status, body: json as T, etag: response.headers.get('etag') };
  }

  async get<T>(path: string): Promise<T> {
    return (await this.call<T>('GET', path)).body;
  }

  /** Every page of a paged route, up to `maxPages`. */
  async all<T>(path: string, maxPages = 20): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const separator = path.includes('?') ? '&' : '?';
      const answer = await this.get<{ items: T[]; continuationToken?: string }>(`${path}${token ? `${separator}continuationToken=${encodeURIComponent(token)}` : ''}`);
      items.push(...answer.items);
      token = answer.continuationToken;
      if (!token) break;
    }
    return items;
  }
}
