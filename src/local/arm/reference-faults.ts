/**
 * Faults a test arms for the next N resolutions of sites' and slots' Key Vault references: instead of
 * asking Key Vault, the reference takes the given status (AccessToKeyVaultDenied, say), as
 * when the site's identity loses its role. A read, a seed and a refresh each resolve.
 */
import { ArmedFaults } from '../shared/armed-faults.js';
import { REFERENCE_STATUSES, type ReferenceStatus } from './key-vault-references.js';

export interface ReferenceFaultSpec {
  /** The site's or slot's resource id; any app when absent. */
  siteId?: string;
  /** The app setting's or connection string's name; any when absent. */
  setting?: string;
  status: Exclude<ReferenceStatus, 'Resolved'>;
  details?: string;
  /** How many resolutions the fault applies to. Default 1. */
  count?: number;
}

export interface ReferenceFault extends ReferenceFaultSpec {
  id: string;
  remaining: number;
}

type ReferenceRequest = { siteId: string; setting: string };

export class ReferenceFaults extends ArmedFaults<ReferenceFault, ReferenceRequest> {
  add(input: unknown): ReferenceFault {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new RangeError('a reference fault is a JSON object');
    const spec = input as Record<string, unknown>;
    const known = ['siteId', 'setting', 'status', 'details', 'count'];
    const unknown = Object.keys(spec).filter((name) => !known.includes(name));
    if (unknown.length > 0) throw new RangeError(`unknown fields: ${unknown.slice(0, 5).join(', ')}`);
    const count = spec['count'] ?? 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1_000_000) throw new RangeError('count must be a positive integer');
    const status = spec['status'];
    if (typeof status !== 'string' || status === 'Resolved' || !(REFERENCE_STATUSES as readonly string[]).includes(status)) {
      throw new RangeError(`status must be one of ${REFERENCE_STATUSES.filter((s) => s !== 'Resolved').join(', ')}`);
    }
    for (const name of ['siteId', 'setting', 'details'] as const) {
      const value = spec[name];
      if (value !== undefined && (typeof value !== 'string' || value.length > 1024)) throw new RangeError(`${name} must be a string of at most 1024 characters`);
    }
    return this.arm(
      {
        status,
        ...(spec['siteId'] !== undefined ? { siteId: spec['siteId'] } : {}),
        ...(spec['setting'] !== undefined ? { setting: spec['setting'] } : {}),
        ...(spec['details'] !== undefined ? { details: spec['details'] } : {}),
      },
      count,
      undefined,
    );
  }

  protected matches(fault: ReferenceFault, _pattern: RegExp | undefined, request: ReferenceRequest): boolean {
    if (fault.siteId !== undefined && fault.siteId.toLowerCase() !== request.siteId.toLowerCase()) return false;
    if (fault.setting !== undefined && fault.setting !== request.setting) return false;
    return true;
  }
}
