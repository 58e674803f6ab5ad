/**
 * Which of a secret's targets kvrot serves (Azure Key Vault: `key_vault`, or its alias
 * `azure_keyvault`) and which it leaves to SecretZero, and how several vault targets of one
 * secret become policies.
 */
import { isPlainMap, setOwn } from './interpolate.js';
import type { Path } from './paths.js';
import type { SecretZeroTarget, TargetProfile } from './secretzero-schema.js';

export const KEY_VAULT_TARGET_KINDS: readonly string[] = ['key_vault', 'azure_keyvault'];

export interface VaultTarget {
  /** The target entry. */
  path: Path;
  provider: string;
  vaultUrl: unknown;
  vaultUrlPath: Path;
  /** Absent: the secret's (or template field's) own name is used, as SecretZero does. */
  secretName?: unknown;
  secretNamePath?: Path;
}

export interface SkippedTarget {
  path: Path;
  provider: string;
  kind: string;
}

export function isKeyVaultTarget(target: SecretZeroTarget): boolean {
  return KEY_VAULT_TARGET_KINDS.includes(target.kind);
}

/**
 * A target's config with the environment's target profile merged in, as SecretZero's
 * apply_target_profile does (the provider alias's overrides, then the target kind's), and
 * where each key of the result was written.
 */
export function profiledConfig(target: SecretZeroTarget, targetPath: Path, profile: { name: string; value: TargetProfile } | undefined): { config: Record<string, unknown>; originOf: (key: string) => Path } {
  let config = target.config;
  const origins = new Map<string, Path>();
  const overrides: [Record<string, unknown> | undefined, Path][] = profile
    ? [
        [ownEntry(profile.value.provider_overrides, target.provider), ['target_profiles', profile.name, 'provider_overrides', target.provider]],
        [ownEntry(profile.value.target_overrides, target.kind), ['target_profiles', profile.name, 'target_overrides', target.kind]],
      ]
    : [];
  for (const [override, overridePath] of overrides) {
    if (!override) continue;
    config = deepMerge(config, override);
    for (const key of Object.keys(override)) origins.set(key, [...overridePath, key]);
  }
  return { config, originOf: (key) => origins.get(key) ?? [...targetPath, 'config', key] };
}

function ownEntry<T>(map: Record<string, T> | null | undefined, key: string): T | undefined {
  return map && Object.hasOwn(map, key) ? map[key] : undefined;
}

function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(base)) setOwn(result, key, base[key]);
  for (const key of Object.keys(override)) {
    const current = Object.hasOwn(result, key) ? result[key] : undefined;
    const next = override[key];
    setOwn(result, key, isPlainMap(current) && isPlainMap(next) ? deepMerge(current, next) : next);
  }
  return result;
}

export function vaultTargetOf(target: SecretZeroTarget, targetPath: Path, profile: { name: string; value: TargetProfile } | undefined): VaultTarget {
  const { config, originOf } = profiledConfig(target, targetPath, profile);
  return {
    path: targetPath,
    provider: target.provider,
    vaultUrl: config['vault_url'],
    vaultUrlPath: originOf('vault_url'),
    ...(Object.hasOwn(config, 'secret_name') ? { secretName: config['secret_name'], secretNamePath: originOf('secret_name') } : {}),
  };
}

/** The consumer kind that copies each new version to another vault. */
export const REPLICA_KIND = 'keyvault-replica';

/** One or more vaults that receive the same value, and the policy that rotates it. */
export interface VaultPlacement<T> {
  primary: T;
  /** Vaults that hold copies of the primary's value, as keyvault-replica consumers of its policy. */
  replicas: T[];
}

/**
 * How a secret's Key Vault targets become policies. Where the deployment has keyvault-replica
 * consumers, the first vault is rotated and the others get copies of each version, so every
 * vault holds the same value, as SecretZero writes one value to every target. Without that kind
 * (reading a file with no catalog), each vault gets a policy of its own, rotated on its own.
 */
export function placeVaultTargets<T>(targets: readonly T[], replicasAvailable: boolean): VaultPlacement<T>[] {
  if (replicasAvailable && targets.length > 1) return [{ primary: targets[0]!, replicas: targets.slice(1) }];
  return targets.map((primary) => ({ primary, replicas: [] }));
}

/**
 * Whether a template field's own Key Vault targets follow the template's policy. SecretZero
 * generates each field once: the template's targets get the whole JSON and a field's targets that
 * field's value. Where the template has whole-value vault targets and the deployment has
 * keyvault-replica consumers, each field target is a replica of that one field of the template's
 * policy, so both hold the same value. Otherwise a field target is a policy of its own: without
 * the kind, rotated apart from the template; without whole-value targets, there is no JSON in a
 * vault for it to agree with.
 */
export function fieldTargetsFollowTemplate(wholeVaultTargets: number, replicasAvailable: boolean): boolean {
  return replicasAvailable && wholeVaultTargets > 0;
}
