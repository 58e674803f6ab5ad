/**
 * The base of a stand-in's typed admin client, for tests and the local host: JSON over HTTPS
 * trusting only the stand-in's CA; failures throw StandInAdminError (or the subclass's own error,
 * through newError) with the API's code, message and details.
 */
import { request } from 'node:https';
import type { HttpFault, HttpFaultSpec } from './http-faults.js';

export class StandInAdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For a refused seed: the fields it named. */
    readonly details: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
    this.name = 'StandInAdminError';
  }
}

export class StandInAdminClient<Operation extends string, Counts> {
  readonly #base: URL;

  constructor(
    adminUrl: string,
    private readonly caCertPem: string,
  ) {
    this.#base = new URL(adminUrl.endsWith('/') ? adminUrl : `${adminUrl}/`);
  }

  /** Empties everything: state, faults and counts. */
  async reset(): Promise<void> {
    await this.call('POST', 'reset');
  }

  injectFault(spec: HttpFaultSpec<Operation>): Promise<HttpFault<Operation>> {
    return this.call('POST', 'faults', spec);
  }

  async faults(): Promise<HttpFault<Operation>[]> {
    return (await this.call<{ faults: HttpFault<Operation>[] }>('GET', 'faults')).faults;
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', 'faults');
  }

  counts(): Promise<Counts> {
    return this.call('GET', 'counts');
  }

  protected newError(status: number, code: string, message: string, details: Array<{ path: string; message: string }> = []): Error {
    return new StandInAdminError(status, code, message, details);
  }

  protected call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return adminCall<T>({ base: this.#base, caCertPem: this.caCertPem, named: "a stand-in's admin URL", newError: (status, code, message, details) => this.newError(status, code, message, details) }, method, path, body);
  }
}

export interface AdminTarget {
  base: URL;
  caCertPem: string;
  /** What the base URL should be, for the error when it answers something that is not JSON. */
  named: string;
  newError(status: number, code: string, message: string, details: Array<{ path: string; message: string }>): Error;
}

/** One JSON request to an admin API, trusting only its CA: the parsed 2xx body, or the API's error. */
export function adminCall<T>(target: AdminTarget, method: string, path: string, body?: unknown): Promise<T> {
  const url = new URL(path, target.base);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
  return new Promise<T>((resolve, reject) => {
    const req = request(url, { method, ca: target.caCertPem, agent: false, headers: payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {} });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        let parsed: unknown;
        try {
          parsed = text ? (JSON.parse(text) as unknown) : undefined;
        } catch {
          reject(target.newError(status, 'NotJson', `${method} ${url.pathname} answered ${status} with a body that is not JSON: is ${target.base.href} ${target.named}?`, []));
          return;
        }
        if (status >= 200 && status < 300) return resolve(parsed as T);
        const error = (parsed as { error?: { code?: string; message?: string; details?: Array<{ path: string; message: string }> } } | undefined)?.error;
        reject(target.newError(status, error?.code ?? 'Unknown', error?.message ?? `${method} ${url.pathname} answered ${status}`, error?.details ?? []));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}
