/** The ARM stand-in's public surface: start it in-process, seed and drive it with the admin client. */
export { startArmStandIn } from './standin.js';
export { ArmAdminClient, ArmAdminError } from './admin-client.js';
export { ADMIN_PREFIX, ARM_HOST, ARM_TENANT_ID, BLOB_HOST_SUFFIX, type ArmStandInOptions, type RunningArmStandIn } from './options.js';
export { BUILT_IN_ROLES, type RoleDefinitionRecord, type RolePermission } from './built-in-roles.js';
export { ARM_OPERATIONS, SUPPORTED_API_VERSIONS, type ArmOperation } from './routes.js';
export type { ArmFault, ArmFaultSpec } from './faults.js';
export type { ArmCounts, ArmInfo } from './runtime.js';
export { armSeedSchema, ASSIGNMENT_TYPES, DENY_PRINCIPAL_TYPES, EVERYONE_PRINCIPAL_ID, MEMBER_TYPES, PRINCIPAL_TYPES, SECRET_PERMISSIONS, SITE_IDENTITIES, STORAGE_KINDS, STORAGE_SKUS, type ArmSeed } from './seed.js';
export { REFERENCE_STATUSES, type KeyVaultTrust, type ReferenceStatus } from './key-vault-references.js';
export type { ReferenceFault, ReferenceFaultSpec } from './reference-faults.js';
export { REFERENCE_CACHE_IN_MS } from './site-references.js';
export { siteId, slotId } from './sites.js';
export { STORAGE_KEY_NAMES, storageAccountId } from './storage.js';
export { deterministicGuid, type SeedResult } from './state.js';
export { vaultId } from './scopes.js';
export { LOCAL_APP_PRINCIPAL_ID, LOCAL_EXAMPLE_ELIGIBLE_USER, LOCAL_EXAMPLE_SITE, LOCAL_EXAMPLE_SLOT, LOCAL_EXAMPLE_STORAGE_ACCOUNT, localArmSeed, localArmSettings } from './local-seed.js';
