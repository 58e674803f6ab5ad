/**
 * A typed client for the ARM stand-in's admin API, for tests and the local host. It trusts
 * only the stand-in's CA. Failures throw ArmAdminError with the API's code, message and,
 * for a refused seed, the fields it named.
 */
import { StandInAdminClient, StandInAdminError } from '../shared/admin-client.js';
import type { ReferenceFault, ReferenceFaultSpec } from './reference-faults.js';
import type { ArmOperation } from './routes.js';
import type { ArmCounts, ArmInfo } from './runtime.js';
import type { ArmSeed } from './seed.js';
import type { SeedResult } from './state.js';

export class ArmAdminError extends StandInAdminError {
  constructor(status: number, code: string, message: string, details: Array<{ path: string; message: string }> = []) {
    super(status, code, message, details);
    this.name = 'ArmAdminError';
  }
}

export class ArmAdminClient extends StandInAdminClient<ArmOperation, ArmCounts> {
  info(): Promise<ArmInfo> {
    return this.call('GET', '');
  }

  /** Adds (or replaces, by id) what the seed names; all or nothing. */
  async seed(seed: ArmSeed): Promise<SeedResult> {
    return (await this.call<{ seeded: SeedResult }>('POST', 'seed', seed)).seeded;
  }

  state(): Promise<Record<string, unknown[]>> {
    return this.call('GET', 'state');
  }

  /** Arms a reference fault: the next `count` resolutions of matching references take its status instead of asking Key Vault. */
  injectReferenceFault(spec: ReferenceFaultSpec): Promise<ReferenceFault> {
    return this.call('POST', 'referenceFaults', spec);
  }

  async clearReferenceFaults(): Promise<void> {
    await this.call('DELETE', 'referenceFaults');
  }

  /** Whether `key` is one of the storage account's current keys (and which), without the admin API ever answering a key. */
  checkStorageKey(accountName: string, key: string): Promise<{ valid: boolean; keyName?: 'key1' | 'key2' }> {
    return this.call('POST', `storageAccounts/${encodeURIComponent(accountName)}/checkKey`, { key });
  }

  protected override newError(status: number, code: string, message: string, details: Array<{ path: string; message: string }> = []): Error {
    return new ArmAdminError(status, code, message, details);
  }
}
