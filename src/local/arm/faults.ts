/**
 * Faults a test arms for the next N authenticated ARM requests that match an operation,
 * a method or a path: an error status with ARM's error body, added latency, or a dropped
 * connection. Unauthenticated requests are answered 401 before any fault applies.
 */
import { HttpFaults, type HttpFault, type HttpFaultSpec } from '../shared/http-faults.js';
import type { ArmOperation } from './routes.js';

export type ArmFaultSpec = HttpFaultSpec<ArmOperation>;
export type ArmFault = HttpFault<ArmOperation>;

export class ArmFaults extends HttpFaults<ArmOperation> {}
