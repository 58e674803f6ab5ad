/** What the running stand-in holds: its state, faults and counts, and what the admin API reports about it. */
import { ArmFaults } from './faults.js';
import type { KeyVaultTrust } from './key-vault-references.js';
import { SiteReferences } from './site-references.js';
import { appsOf } from './sites.js';
import { ARM_OPERATIONS, type ArmOperation } from './routes.js';
import { ArmState, type SeedResult } from './state.js';

export interface ArmCounts {
  operations: Record<ArmOperation, number>;
  /** 401s answered to requests without a usable bearer token. */
  unauthenticated: number;
  /** Injected faults applied (status, latency or dropped connection). */
  faults: number;
  /** Requests to a path or method the stand-in does not serve. */
  unknown: number;
  /** SharedKey-signed requests to a storage account's blob endpoint: signed with a current key, or refused. */
  storageDataPlane: { accepted: number; refused: number };
}

function zero(): ArmCounts {
  return { operations: Object.fromEntries(ARM_OPERATIONS.map((operation) => [operation, 0])) as Record<ArmOperation, number>, unauthenticated: 0, faults: 0, unknown: 0, storageDataPlane: { accepted: 0, refused: 0 } };
}

export interface ArmInfo {
  baseUrl: string;
  host: string;
  caCertPath: string;
  adminUrl: string;
}

export class ArmRuntime {
  readonly state = new ArmState();
  readonly faults = new ArmFaults();
  readonly references: SiteReferences;
  counts: ArmCounts = zero();

  constructor(
    readonly info: ArmInfo,
    readonly pageSize: number,
    /** The port the stand-in listens on, written into the data-plane endpoints it hands out. */
    readonly port: number,
    keyVault?: KeyVaultTrust,
  ) {
    this.references = new SiteReferences(keyVault, this.state.now);
  }

  /** Applies a seed, then resolves the Key Vault references of the sites and slots it added or changed, as App Service does when settings change. */
  async seed(input: unknown): Promise<SeedResult> {
    const result = this.state.apply(input);
    await Promise.all([...this.state.sites.values()].flatMap(appsOf).map((app) => this.references.resolveNew(app)));
    return result;
  }

  reset(): void {
    this.state.reset();
    this.faults.clear();
    this.references.clear();
    this.counts = zero();
  }
}
