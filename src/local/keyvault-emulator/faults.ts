/**
 * Faults a test arms for the next N Key Vault requests that match a method, a path
 * (prefix or regular expression) and optionally a vault: an error status with a proper
 * error body, added latency, or a dropped connection. Only authenticated requests
 * are matched, so a fault hits the SDK's real request and never its bodiless challenge probe.
 */
import { ArmedFaults } from '../shared/armed-faults.js';

export interface FaultSpec {
  /** HTTP method; any when absent. */
  method?: string;
  /** Matches paths that start with this (e.g. '/secrets/db-password'). */
  pathPrefix?: string;
  /** A regular expression tested against the path (no query string). */
  pathPattern?: string;
  vault?: string;
  /** How many matching requests the fault applies to. Default 1. */
  count?: number;
  /** Answer with this status and a Key Vault error body. */
  status?: number;
  errorCode?: string;
  errorMessage?: string;
  /** Extra response headers for a status fault, e.g. Retry-After. */
  headers?: Record<string, string>;
  /** Wait this long first; alone, the request then proceeds normally. */
  latencyInMs?: number;
  /** Destroy the socket without answering. */
  dropConnection?: boolean;
}

export interface Fault extends FaultSpec {
  id: string;
  remaining: number;
}

export interface FaultMatch {
  method: string;
  path: string;
  vault: string;
}

export class FaultInjector extends ArmedFaults<Fault, FaultMatch> {
  add(spec: FaultSpec): Fault {
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
    if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)) throw new RangeError('status must be an HTTP status code');
    if (spec.latencyInMs !== undefined && (!Number.isFinite(spec.latencyInMs) || spec.latencyInMs < 0)) throw new RangeError('latencyInMs must be >= 0');
    if (spec.status === undefined && spec.latencyInMs === undefined && !spec.dropConnection) {
      throw new RangeError('a fault needs status, latencyInMs or dropConnection');
    }
    if (spec.dropConnection && spec.status !== undefined) throw new RangeError('a dropped connection has no status');
    const pattern = spec.pathPattern !== undefined ? new RegExp(spec.pathPattern) : undefined;
    return this.arm(spec, count, pattern);
  }

  protected matches(fault: Fault, pattern: RegExp | undefined, request: FaultMatch): boolean {
    if (fault.method && fault.method.toUpperCase() !== request.method.toUpperCase()) return false;
    if (fault.vault && fault.vault.toLowerCase() !== request.vault.toLowerCase()) return false;
    if (fault.pathPrefix !== undefined && !request.path.toLowerCase().startsWith(fault.pathPrefix.toLowerCase())) return false;
    if (pattern && !pattern.test(request.path)) return false;
    return true;
  }
}
