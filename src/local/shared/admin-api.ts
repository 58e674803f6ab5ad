/**
 * Pieces of a stand-in's own admin API (JSON in and out, errors {"error":{"code","message"}}):
 * reading the body, refusing it plainly, and the faults resource every stand-in serves alike.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, RequestTooLargeError, sendEmpty, sendJson } from '../keyvault-emulator/http-io.js';

export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Array<{ path: string; message: string }>,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export async function readAdminBody(req: IncomingMessage): Promise<string> {
  try {
    return await readBody(req);
  } catch (error) {
    if (error instanceof RequestTooLargeError) throw new AdminError(413, 'PayloadTooLarge', error.message);
    throw error;
  }
}

/** The body as JSON; an empty body is {}. */
export function adminJson(raw: string): unknown {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new AdminError(400, 'InvalidJson', 'the request body is not valid JSON');
  }
}

/** The body as a JSON object; an empty body is {}. */
export function adminObject(raw: string): Record<string, unknown> {
  const parsed = adminJson(raw);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AdminError(400, 'InvalidJson', 'the request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

export function sendAdminError(res: ServerResponse, error: AdminError): void {
  sendJson(res, error.status, { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } });
}

/** A set of armed faults as the admin API serves it: listed, armed from a checked spec (RangeError when wrong), cleared. */
export interface ServedFaults {
  list(): unknown[];
  add(spec: Record<string, unknown>): unknown;
  clear(): void;
}

/**
 * GET lists, POST arms (400 InvalidFault naming what is wrong, or naming the operations when
 * `operations` is given and the spec names another), DELETE clears. False for another method.
 */
export function serveFaults(faults: ServedFaults, method: string, body: string, res: ServerResponse, operations?: readonly string[]): boolean {
  if (method === 'GET') sendJson(res, 200, { faults: faults.list() });
  else if (method === 'POST') {
    const spec = adminObject(body);
    if (operations && spec['operation'] !== undefined && !operations.includes(spec['operation'] as string)) throw new AdminError(400, 'InvalidFault', `operation must be one of ${operations.join(', ')}`);
    try {
      sendJson(res, 201, faults.add(spec));
    } catch (error) {
      throw new AdminError(400, 'InvalidFault', error instanceof Error ? error.message : 'invalid fault');
    }
  } else if (method === 'DELETE') {
    faults.clear();
    sendEmpty(res, 204);
  } else return false;
  return true;
}
