/**
 * Faults a test arms for the next N authenticated requests to an HTTPS stand-in (ARM, Graph,
 * the Event Grid topic) that match an operation, a method or a path: an error status with the
 * service's error body, added latency, or a dropped connection; and how a handler applies one.
 */
import type { IncomingMessage } from 'node:http';
import { ArmedFaults } from './armed-faults.js';

export interface HttpFaultSpec<Operation extends string = string> {
  /** The stand-in's operation name (e.g. 'applications.addPassword'); any when absent. */
  operation?: Operation;
  method?: string;
  /** A regular expression tested against the path (no query string), case-insensitively. */
  pathPattern?: string;
  /** How many matching requests the fault applies to. Default 1. */
  count?: number;
  status?: number;
  errorCode?: string;
  errorMessage?: string;
  headers?: Record<string, string>;
  latencyInMs?: number;
  dropConnection?: boolean;
}

export interface HttpFault<Operation extends string = string> extends HttpFaultSpec<Operation> {
  id: string;
  remaining: number;
}

export interface HttpFaultRequest<Operation extends string = string> {
  operation: Operation | undefined;
  method: string;
  path: string;
}

export class HttpFaults<Operation extends string = string> extends ArmedFaults<HttpFault<Operation>, HttpFaultRequest<Operation>> {
  add(spec: HttpFaultSpec<Operation>): HttpFault<Operation> {
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
    if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)) throw new RangeError('status must be an HTTP status code');
    if (spec.latencyInMs !== undefined && (typeof spec.latencyInMs !== 'number' || !Number.isFinite(spec.latencyInMs) || spec.latencyInMs < 0 || spec.latencyInMs > 120_000)) throw new RangeError('latencyInMs must be from 0 to 120000');
    if (spec.status === undefined && spec.latencyInMs === undefined && !spec.dropConnection) throw new RangeError('a fault needs status, latencyInMs or dropConnection');
    if (spec.dropConnection && spec.status !== undefined) throw new RangeError('a dropped connection has no status');
    let pattern: RegExp | undefined;
    try {
      pattern = spec.pathPattern !== undefined ? new RegExp(spec.pathPattern, 'i') : undefined;
    } catch {
      throw new RangeError('pathPattern is not a regular expression');
    }
    return this.arm(spec, count, pattern);
  }

  protected matches(fault: HttpFault<Operation>, pattern: RegExp | undefined, request: HttpFaultRequest<Operation>): boolean {
    if (fault.operation && fault.operation !== request.operation) return false;
    if (fault.method && fault.method.toUpperCase() !== request.method.toUpperCase()) return false;
    if (pattern && !pattern.test(request.path)) return false;
    return true;
  }
}

/** Waits `ms`, or less if the client hangs up first. */
export function delayRequest(req: IncomingMessage, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      req.socket.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    req.socket.once('close', done);
  });
}

/**
 * Applies a fault's latency and dropped connection. Returns true when the request is finished
 * with (dropped, or the client went away); else the caller answers the fault's status, if any.
 */
export async function applyFaultDelays(req: IncomingMessage, fault: Pick<HttpFaultSpec, 'latencyInMs' | 'dropConnection'>): Promise<boolean> {
  if (fault.latencyInMs) await delayRequest(req, fault.latencyInMs);
  if (req.socket.destroyed) return true;
  if (fault.dropConnection) {
    req.socket.destroy();
    return true;
  }
  return false;
}
