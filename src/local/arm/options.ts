/** What starting the ARM stand-in takes and gives back, and the fixed names it serves under. */
import type { RunningHttpsStandIn } from '../shared/https-stand-in.js';
import type { LocalCertificateAuthority } from '../keyvault-emulator/certificates.js';
import { EMULATOR_TENANT_ID } from '../keyvault-emulator/options.js';
import type { KeyVaultTrust } from './key-vault-references.js';
import type { ArmSeed } from './seed.js';

export interface ArmStandInOptions {
  /** Listen address. Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Where ca.pem is written. Defaults to a fresh temporary directory, removed on stop(). */
  stateDir?: string;
  /** Issue the server certificate from this CA (shared with the Key Vault emulator) instead of a fresh one. */
  certificateAuthority?: LocalCertificateAuthority;
  /** Items per page of every list; small pages let tests see paging. Default 100. */
  pageSize?: number;
  /** Applied at start, as POST /_arm/seed would. */
  seed?: ArmSeed;
  /**
   * The Key Vault emulator sites' Key Vault references resolve against: its CA, address and
   * port (the port of a reference that names none). Without it every reference is VaultNotFound.
   */
  keyVault?: KeyVaultTrust;
}

export interface RunningArmStandIn extends RunningHttpsStandIn {
  /** https://management.azure.com:<port>: what a client's `endpoint` option is set to. */
  baseUrl: string;
}

export const ARM_HOST = 'management.azure.com';
/** Storage accounts' blob endpoints, served by the same server for SharedKey checks (storage-data-plane.ts). */
export const BLOB_HOST_SUFFIX = '.blob.core.windows.net';
export const ADMIN_PREFIX = '/_arm';
export const DEFAULT_PAGE_SIZE = 100;
export const DEFAULT_LOCATION = 'westeurope';
/** The same obviously fake tenant the Key Vault emulator's challenge names. */
export const ARM_TENANT_ID = EMULATOR_TENANT_ID;
