/** Reading SecretZero's Secretfile into rotation policies: the area's public face. */
export { readSecretfile, MAX_NESTING } from './read-secretfile.js';
export type { PolicySource, ReadSecretfileOptions, SecretfileFinding, SecretfilePolicy, SecretfileResult, SkippedTarget } from './read-secretfile.js';
export { MAX_ALIAS_COUNT, MAX_SOURCE_BYTES, type SourceFile } from './source.js';
export { formatLocated, type LocatedMessage, type SecretfileProblem, type SecretfileWarning, type SourceLocation } from './problems.js';
export { NEVER_ROTATED, VALID_FOR_MARGIN_MS } from './rotation.js';
export { KEY_VAULT_TARGET_KINDS, placeVaultTargets } from './targets.js';
export { policyForDisplay, REDACTED } from './display.js';
