/**
 * The emulator's own HTTP API under /_emulator on the loopback host (never on a vault
 * host, so it cannot shadow a Key Vault path): reset, clock, faults, counts, event
 * subscriptions and the deliveries log. JSON in and out; it never returns a secret value.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SubscriptionValidationError } from './event-delivery.js';
import { readBody, sendEmpty, sendJson } from './http-io.js';
import { ADMIN_PREFIX, type EventSubscriptionOptions } from './options.js';
import type { EmulatorRuntime } from './runtime.js';
import type { FaultSpec } from './faults.js';

const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
const MAX_IDLE_TIMEOUT_MS = 120_000;

class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function parseObject(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new AdminError(400, 'InvalidJson', 'the request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AdminError(400, 'InvalidJson', 'the request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function clockState(runtime: EmulatorRuntime): { now: string; nowMs: number; offsetMs: number } {
  const nowMs = runtime.clock.nowMs();
  return { now: new Date(nowMs).toISOString(), nowMs, offsetMs: runtime.clock.offsetMs };
}

function optionalStringArray(value: unknown, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new AdminError(400, 'InvalidRequest', `${field} must be an array of strings`);
  return value as string[];
}

function subscriptionSpec(body: Record<string, unknown>): EventSubscriptionOptions {
  const endpoint = body['endpoint'];
  if (typeof endpoint !== 'string' || endpoint === '') throw new AdminError(400, 'InvalidRequest', 'endpoint (the webhook URL) is required');
  const name = body['name'];
  if (name !== undefined && typeof name !== 'string') throw new AdminError(400, 'InvalidRequest', 'name must be a string');
  const vaults = optionalStringArray(body['vaults'], 'vaults');
  const eventTypes = optionalStringArray(body['eventTypes'], 'eventTypes');
  return { endpoint, ...(name !== undefined ? { name } : {}), ...(vaults ? { vaults } : {}), ...(eventTypes ? { eventTypes } : {}) };
}

async function route(runtime: EmulatorRuntime, method: string, path: string, url: URL, body: string, res: ServerResponse): Promise<void> {
  const segments = path.split('/').filter(Boolean);
  const [resource, id, action] = segments;

  if (resource === undefined && method === 'GET') return sendJson(res, 200, runtime.info);

  if (resource === 'reset' && id === undefined && method === 'POST') {
    const options = parseObject(body);
    runtime.reset({ subscriptions: options['subscriptions'] === true });
    return sendJson(res, 200, { reset: true, subscriptionsKept: options['subscriptions'] !== true });
  }

  if (resource === 'clock') {
    if (id === undefined && method === 'GET') return sendJson(res, 200, clockState(runtime));
    if (id === 'advance' && method === 'POST') {
      const ms = parseObject(body)['ms'];
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new AdminError(400, 'InvalidRequest', 'ms must be a number >= 0: the clock only moves forward');
      runtime.advanceClock(ms);
      return sendJson(res, 200, clockState(runtime));
    }
  }

  if (resource === 'faults' && id === undefined) {
    if (method === 'GET') return sendJson(res, 200, { faults: runtime.faults.list() });
    if (method === 'POST') {
      try {
        return sendJson(res, 201, runtime.faults.add(parseObject(body) as FaultSpec));
      } catch (error) {
        if (error instanceof AdminError) throw error;
        throw new AdminError(400, 'InvalidFault', error instanceof Error ? error.message : 'invalid fault');
      }
    }
    if (method === 'DELETE') {
      runtime.faults.clear();
      return sendEmpty(res, 204);
    }
  }

  if (resource === 'counts' && id === undefined && method === 'GET') return sendJson(res, 200, { vaults: runtime.counts.snapshot() });

  if (resource === 'subscriptions') {
    if (id === undefined && method === 'GET') return sendJson(res, 200, { subscriptions: runtime.events.subscriptions() });
    if (id === undefined && method === 'POST') {
      try {
        return sendJson(res, 201, await runtime.events.subscribe(subscriptionSpec(parseObject(body))));
      } catch (error) {
        if (error instanceof SubscriptionValidationError) throw new AdminError(400, 'SubscriptionValidationFailed', error.message);
        throw error;
      }
    }
    if (id !== undefined && action === undefined && method === 'DELETE') {
      if (!runtime.events.unsubscribe(decodeURIComponent(id))) throw new AdminError(404, 'SubscriptionNotFound', `no subscription named '${decodeURIComponent(id)}'`);
      return sendEmpty(res, 204);
    }
  }

  if (resource === 'deliveries') {
    if (id === undefined && method === 'GET') return sendJson(res, 200, { deliveries: runtime.events.deliveries() });
    if (id === 'wait-idle' && method === 'POST') {
      const requested = parseObject(body)['timeoutInMs'];
      const timeout = typeof requested === 'number' && Number.isFinite(requested) && requested >= 0 ? Math.min(requested, MAX_IDLE_TIMEOUT_MS) : DEFAULT_IDLE_TIMEOUT_MS;
      return sendJson(res, 200, { idle: await runtime.events.waitForIdle(timeout) });
    }
  }

  if (resource === 'eventgrid' && id === 'validate' && method === 'GET') {
    const subscription = url.searchParams.get('subscription') ?? '';
    const code = url.searchParams.get('code') ?? '';
    if (!runtime.events.confirmValidation(subscription, code)) throw new AdminError(404, 'ValidationNotFound', 'no subscription handshake in progress matches this validation URL');
    return sendJson(res, 200, { validated: true });
  }

  throw new AdminError(404, 'NotFound', `no admin endpoint ${method} ${ADMIN_PREFIX}/${segments.join('/')}`);
}

export async function handleAdminRequest(runtime: EmulatorRuntime, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  try {
    const body = await readBody(req);
    await route(runtime, method, url.pathname.slice(ADMIN_PREFIX.length), url, body, res);
  } catch (error) {
    if (error instanceof AdminError) return sendJson(res, error.status, { error: { code: error.code, message: error.message } });
    throw error;
  }
}
