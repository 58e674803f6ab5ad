/**
 * The keyvault-replica follower: copies each switched version to another vault this deployment
 * governs (another region, or another subscription for DR) with the same value, expiry, content
 * type and tags, ours included, and confirms the copy by reading it back. With `field`, the copy
 * holds one field of the primary's JSON value (a template's), as SecretZero writes a template
 * field's own targets, so the field's secret and the same field in the JSON never differ. It
 * reaches Key Vault through the governed SecretStore, so replica writes share each vault's rate
 * governor with rotations.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { FollowerKind, FollowerSpec, SwitchedVersion } from '../../core/consumers/consumer-port.js';
import { followerSchema } from '../../core/consumers/follower-schema.js';
import { PermanentDependencyError, TransientDependencyError } from '../../core/errors.js';
import { TEMPLATE_FIELD_NAME, TEMPLATE_FIELD_NAME_RULE, type GeneratorSpec } from '../../core/generators/index.js';
import { MANAGED_TAGS, secretNameSchema, vaultUrlSchema } from '../../core/policy/policy.js';
import type { SecretRef, SecretStore, SecretVersionInfo } from '../../core/ports.js';
import { SecretValue } from '../../core/secret-value.js';

export const KEYVAULT_REPLICA_KIND = 'keyvault-replica';

export const keyvaultReplicaSchema = followerSchema(KEYVAULT_REPLICA_KIND, {
  /** The replica vault, normalised as the policy's own vaultUrl is; it must be governed by this deployment. */
  vaultUrl: vaultUrlSchema,
  /** The secret's name in the replica vault; the primary's name when absent. */
  secretName: secretNameSchema.optional(),
  /** One field of the primary's JSON value, copied alone as plain text; the whole value when absent. */
  field: z.string().regex(TEMPLATE_FIELD_NAME, TEMPLATE_FIELD_NAME_RULE).optional(),
});

export type KeyVaultReplicaSpec = z.output<typeof keyvaultReplicaSchema> & FollowerSpec;

/**
 * What the kind reaches Key Vault with, read at each delivery rather than when the kind is built:
 * the catalog that only validates policies has neither.
 */
export interface KeyVaultReplicaRuntime {
  /** Key Vault through the rate governor: the same store rotations write with. */
  readonly secrets: SecretStore;
  readonly config: { readonly governedVaultUrls: readonly string[] };
}

/** The replica's secret: its vault, and its own name or the primary's. */
export function replicaOf(spec: Pick<KeyVaultReplicaSpec, 'vaultUrl' | 'secretName'>, primarySecretName: string): SecretRef {
  return { vaultUrl: spec.vaultUrl, secretName: spec.secretName ?? primarySecretName };
}

export function sameSecret(a: SecretRef, b: SecretRef): boolean {
  return a.vaultUrl.toLowerCase() === b.vaultUrl.toLowerCase() && a.secretName.toLowerCase() === b.secretName.toLowerCase();
}

export function keyvaultReplicaConsumer(runtime: KeyVaultReplicaRuntime): FollowerKind<KeyVaultReplicaSpec> {
  return {
    kind: KEYVAULT_REPLICA_KIND,
    role: 'follower',
    schema: keyvaultReplicaSchema,
    writesTo: (spec, primary) => [replicaOf(spec, primary.secretName)],
    checkPolicy: (spec, policy) => fieldProblems(spec.field, policy.generator),
    async deliver(spec, switched) {
      const primary = switched.version;
      const target = replicaOf(spec, primary.secretName);
      refuseUngoverned(target, runtime.config.governedVaultUrls);
      if (sameSecret(target, primary)) {
        throw new PermanentDependencyError(`replica '${spec.name}' names the policy's own secret '${primary.secretName}' in ${primary.vaultUrl}: a replica must be another vault or another secret`);
      }
      if (!primary.expiresOn) {
        throw new PermanentDependencyError(`version '${primary.version}' of '${primary.secretName}' in ${primary.vaultUrl} has no expiry: a replica copies the expiry, and this app writes none without one`);
      }
      const value = spec.field === undefined ? await switched.readValue() : fieldOf(await switched.readValue(), spec, primary);
      const expected = spec.field === undefined ? primary : { ...primary, contentType: FIELD_CONTENT_TYPE };
      // Look, then act: a resumed rotation finds its copy already there and writes no second version.
      const latest = await runtime.secrets.getLatest(target);
      if (latest && latest.tags[MANAGED_TAGS.rotationId] === switched.rotationId && differences(latest, expected).length === 0) {
        const held = await runtime.secrets.readValue(target, latest.version);
        if (held && sameValue(held, value)) return confirmation(target, latest, switched, spec.field, 'already held');
      }
      const written = await runtime.secrets.write(target, value, {
        expiresOn: primary.expiresOn,
        ...(primary.notBefore ? { notBefore: primary.notBefore } : {}),
        ...(expected.contentType ? { contentType: expected.contentType } : {}),
        tags: { ...primary.tags },
      });
      await readBack(runtime.secrets, target, written.version, expected, value);
      return confirmation(target, written, switched, spec.field, 'written and read back');
    },
  };
}

/** A field replica needs a value that has the field: a template's with it, or a static one (written outside this app, so checked at delivery). */
function fieldProblems(field: string | undefined, generator: GeneratorSpec): { path: string[]; message: string }[] {
  if (field === undefined || generator.kind === 'static') return [];
  if (generator.kind !== 'template') {
    return [{ path: ['field'], message: `copies one field of a JSON value, and a ${generator.kind} generator makes a plain one: use a template generator, or leave field out to copy the whole value` }];
  }
  if (Object.hasOwn(generator.fields, field)) return [];
  return [{ path: ['field'], message: "is not one of the template's fields: the replica would have nothing to copy" }];
}

/**
 * The field's text in the primary's JSON value. A value that has no such text is the policy's
 * mistake, not a passing fault: permanent. No message quotes the value, nor JSON.parse's error,
 * which does.
 */
function fieldOf(whole: SecretValue, spec: Pick<KeyVaultReplicaSpec, 'name' | 'field'>, primary: SecretVersionInfo): SecretValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(whole.reveal());
  } catch {
    parsed = undefined;
  }
  const where = `version '${primary.version}' of '${primary.secretName}' in ${primary.vaultUrl}`;
  const copies = `replica '${spec.name}' copies its field '${spec.field}'`;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new PermanentDependencyError(`${where} is not a JSON object: ${copies}`);
  if (!Object.hasOwn(parsed, spec.field!)) throw new PermanentDependencyError(`${where} has no field '${spec.field}': ${copies}`);
  const text = (parsed as Record<string, unknown>)[spec.field!];
  if (typeof text !== 'string') throw new PermanentDependencyError(`${where} holds a ${text === null ? 'null' : typeof text} in field '${spec.field}', not text: ${copies}`);
  return SecretValue.of(text);
}

/**
 * A field's copy is plain text, not the primary's JSON. It says so rather than carrying none: a
 * secret without a content type is a finding (secret.content-type, Azure Policy's 75262d3e) that
 * no setting of the policy could clear, since the policy's own content type describes the JSON.
 */
const FIELD_CONTENT_TYPE = 'text/plain';

function refuseUngoverned(target: SecretRef, governed: readonly string[]): void {
  if (governed.length === 0 || governed.includes(target.vaultUrl.toLowerCase())) return;
  throw new PermanentDependencyError(
    `replica vault ${target.vaultUrl} is not governed by this deployment: add it to GOVERNED_VAULT_URLS (infra parameter governedVaults) and give the app's identity Key Vault Secrets Officer on it`,
  );
}

/** Reads the copy back: its value and properties must be the expected ones, or the delivery is not confirmed. */
async function readBack(secrets: SecretStore, target: SecretRef, version: string, expected: SecretVersionInfo, value: SecretValue): Promise<void> {
  const properties = await secrets.getVersion(target, version);
  const held = await secrets.readValue(target, version);
  const problems = properties ? differences(properties, expected) : ['the version is missing'];
  if (!held || !sameValue(held, value)) problems.push('the value differs');
  if (problems.length > 0) {
    throw new TransientDependencyError(`replica '${target.secretName}' in ${target.vaultUrl}: version '${version}' read back unlike the primary's: ${problems.join(', ')}`);
  }
}

/** What differs between a replica's version and what it should hold, by property name only: never a value. */
function differences(replica: SecretVersionInfo, expected: SecretVersionInfo): string[] {
  const problems: string[] = [];
  if (replica.expiresOn?.getTime() !== expected.expiresOn?.getTime()) problems.push('expiry');
  if (replica.notBefore?.getTime() !== expected.notBefore?.getTime()) problems.push('not-before');
  if ((replica.contentType ?? '') !== (expected.contentType ?? '')) problems.push('content type');
  if (!sameTags(replica.tags, expected.tags)) problems.push('tags');
  if (!replica.enabled) problems.push('enabled');
  return problems;
}

function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((name) => Object.hasOwn(b, name) && b[name] === a[name]);
}

/** Compares digests in constant time, so neither value is ever in a string this module builds. */
function sameValue(a: SecretValue, b: SecretValue): boolean {
  const digest = (value: SecretValue) => createHash('sha256').update(value.reveal(), 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

function confirmation(target: SecretRef, version: SecretVersionInfo, switched: SwitchedVersion, field: string | undefined, how: string): string {
  const same = field === undefined ? 'same value, expiry, content type and tags' : `the primary's field '${field}' as ${FIELD_CONTENT_TYPE}, same expiry and tags`;
  return `replica ${target.vaultUrl} holds version '${version.version}' of '${target.secretName}' with rotation ${switched.rotationId} (${how}): ${same}`;
}
