/** The Key Vault emulator's public surface: start it in-process and drive it with the admin client. */
export { startKeyVaultEmulator } from './emulator.js';
export { createCertificateAuthority, type LocalCertificateAuthority } from './certificates.js';
export { EmulatorAdminClient, EmulatorAdminError, type ClockState } from './admin-client.js';
export {
  DEFAULT_VAULTS,
  EMULATOR_RESOURCE_GROUP,
  EMULATOR_SUBSCRIPTION_ID,
  EMULATOR_TENANT_ID,
  type EmulatedVault,
  type EventSubscriptionOptions,
  type KeyVaultEmulatorOptions,
  type RunningKeyVaultEmulator,
  type ThrottlingOptions,
} from './options.js';
export type { VaultCounts } from './counts.js';
export type { Delivery, DeliveryAttempt, DeliveryState, EventSubscription } from './event-delivery.js';
export type { EventGridEvent, KeyVaultEventData, SecretEventType } from './events.js';
export { SECRET_EVENT_TYPES, SECRET_EXPIRED, SECRET_NEAR_EXPIRY, SECRET_NEW_VERSION_CREATED } from './events.js';
export type { Fault, FaultSpec } from './faults.js';
export type { EmulatorInfo, ResetOptions } from './runtime.js';
export { SECRET_OPERATIONS, type SecretOperation } from './routes.js';
