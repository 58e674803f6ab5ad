/**
 * The rotation policy: which secret to rotate, how to generate its new value,
 * and how often. Exchanged as JSON over the HTTP API and stored in Table
 * Storage; parsePolicy is the only way in, and it refuses anything that would
 * hurt in production with a message that says why.
 */
import { z } from 'zod';
import { parseDuration, DAY_MS, formatDuration } from '../durations.js';
import { ValidationError } from '../errors.js';
import { generatorSpecSchema, type GeneratorSpec } from '../generators/generator-spec.js';
import { flattenIssues, issueMessages, refuseProtoKey, toErrorDetails } from '../generators/zod-support.js';
import { parseVaultUrl, secretNameProblem } from '../names.js';
import { unsafeCharacterProblem } from '../untrusted-text.js';
import { NEAR_EXPIRY_WINDOW_MS } from './schedule.js';
import { NO_CONSUMER_KINDS, STRATEGY_KINDS, isFollowerKind, isLoginKind, type AnyConsumerSpec, type ConsumerCatalog, type ConsumerSpec } from '../consumers/consumer-port.js';

/** Tags this app writes on every version it creates. */
export const MANAGED_TAGS = { managedBy: 'managed-by', policyId: 'rotation-policy-id', rotationId: 'rotation-id' } as const;
export const MANAGED_BY_VALUE = 'kv-rotation';

export const KEY_VAULT_MAX_TAGS = 15;
export const MAX_POLICY_TAGS = KEY_VAULT_MAX_TAGS - Object.keys(MANAGED_TAGS).length;
const TAG_TEXT_LIMIT = 256;
const RESERVED_TAG_NAMES = new Set(Object.values(MANAGED_TAGS).map((name) => name.toLowerCase()));

/** Each rotation adds a version that can never be deleted, and backup fails above 500 versions. */
export const MIN_ROTATION_INTERVAL_MS = DAY_MS;

/** Policy ids are Table Storage keys and URL segments, and travel in due-rotation messages. */
export const POLICY_ID = /^[a-z][a-z0-9-]{0,62}$/;

const idSchema = z
  .string()
  .regex(POLICY_ID, 'must be 1-63 lower-case letters, digits and hyphens, starting with a letter: the id is a Table Storage key and a URL segment');

/** A vault URL, normalised to its origin; replica followers name theirs with it too. */
export const vaultUrlSchema = z.string().transform((url, ctx) => {
  try {
    return parseVaultUrl(url).origin;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    ctx.issues.push({ code: 'custom', message: error.message, input: url });
    return z.NEVER;
  }
});

export const secretNameSchema = z.string().superRefine((name, ctx) => {
  const problem = secretNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const durationSchema = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text).text;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    ctx.issues.push({ code: 'custom', message: error.message, input: text });
    return z.NEVER;
  }
});

const rotationSchema = z
  .strictObject({
    /** Rotate when the current version is this old. */
    every: durationSchema,
    /** Each new version expires this long after it is written. */
    validFor: durationSchema,
  })
  .superRefine((rotation, ctx) => {
    const every = millisecondsOrUndefined(rotation.every);
    const validFor = millisecondsOrUndefined(rotation.validFor);
    if (every !== undefined && every < MIN_ROTATION_INTERVAL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['every'],
        message: `every (${rotation.every}) must be at least 1 day: each rotation adds a Key Vault version that can never be deleted, and a secret with more than 500 versions can no longer be backed up`,
      });
    }
    if (validFor !== undefined && validFor <= NEAR_EXPIRY_WINDOW_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['validFor'],
        message: `validFor (${rotation.validFor}) must be longer than 30 days: Key Vault raises SecretNearExpiry 30 days before a version expires, so each new version would be near expiry as soon as it is written and trigger the next rotation at once, a rotation loop`,
      });
    }
    if (every !== undefined && validFor !== undefined && validFor <= every) {
      ctx.addIssue({
        code: 'custom',
        path: ['validFor'],
        message: `validFor (${rotation.validFor}) must be longer than every (${rotation.every}): otherwise the current version expires before its replacement is due; ${formatDuration(every + NEAR_EXPIRY_WINDOW_MS)} or more leaves the near-expiry window clear`,
      });
    }
  });

/** Transforms above hand on z.NEVER for a value they refused; those are reported already. */
function millisecondsOrUndefined(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return parseDuration(text).milliseconds;
  } catch {
    return undefined;
  }
}

/** Free text is logged, audited and written to Key Vault: a control or bidi character could forge or disguise a line there. */
function refuseUnsafeCharacters(text: string, ctx: z.RefinementCtx, path: PropertyKey[] = []): void {
  const problem = unsafeCharacterProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', path, message: problem });
}

const tagsSchema = refuseProtoKey(
  z.record(z.string(), z.string()).superRefine((tags, ctx) => {
    const names = Object.keys(tags);
    if (names.length > MAX_POLICY_TAGS) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `has ${names.length} tags, at most ${MAX_POLICY_TAGS} are allowed: Key Vault keeps ${KEY_VAULT_MAX_TAGS} tags per secret and this app writes ${KEY_VAULT_MAX_TAGS - MAX_POLICY_TAGS} of its own (${Object.values(MANAGED_TAGS).join(', ')})`,
      });
    }
    for (const [name, value] of Object.entries(tags)) {
      if (name.length === 0) ctx.addIssue({ code: 'custom', path: [name], message: 'a tag name cannot be empty' });
      if (name.length > TAG_TEXT_LIMIT) {
        ctx.addIssue({ code: 'custom', path: [name], message: `a tag name has at most ${TAG_TEXT_LIMIT} characters in Key Vault; this one has ${name.length}` });
      }
      if (RESERVED_TAG_NAMES.has(name.toLowerCase())) {
        ctx.addIssue({ code: 'custom', path: [name], message: `'${name}' is reserved: this app writes it to mark the versions it creates` });
      }
      if (value.length > TAG_TEXT_LIMIT) {
        ctx.addIssue({ code: 'custom', path: [name], message: `a tag value has at most ${TAG_TEXT_LIMIT} characters in Key Vault; this one has ${value.length}` });
      }
      refuseUnsafeCharacters(name, ctx, [name]);
      refuseUnsafeCharacters(value, ctx, [name]);
    }
  }),
);

/** The login pair of alternating-users is `login` and `login` plus this suffix. */
export const DEFAULT_SECOND_LOGIN_SUFFIX = '_b';
const MIN_QUIET_GRACE_MS = 60_000;
export const MAX_CONSUMERS = 16;

const strategySchema = z.strictObject({
  kind: z.enum(STRATEGY_KINDS, { error: `must be one of ${STRATEGY_KINDS.join(', ')}` }),
  /** How long a credential that stopped being current stays valid before it may be revoked, drained or not. */
  gracePeriod: durationSchema,
  /** Past this long waiting for sessions of the old credential to end, the rotation fails loudly; it never forces. */
  maxDrainWait: durationSchema,
  /** alternating-users: the second login is `login` plus this. A login has at most 55 characters, so the pair fits PostgreSQL's 63. */
  secondLoginSuffix: z.string().regex(/^[A-Za-z0-9_]{1,8}$/, 'must be 1-8 letters, digits or underscores').optional(),
});

export type RotationStrategy = z.output<typeof strategySchema>;

/** A policy's environment (staging, production...); the API's environment routes take the same names. */
export const environmentNameSchema = z.string().trim().min(1, 'cannot be empty').max(64, 'must be at most 64 characters').superRefine((text, ctx) => refuseUnsafeCharacters(text, ctx));

function policySchema(catalog: ConsumerCatalog) {
  const consumersSchema = z
    .array(z.unknown())
    .max(MAX_CONSUMERS, `at most ${MAX_CONSUMERS} consumers per policy`)
    .transform((items, ctx): AnyConsumerSpec[] => items.map((item, index) => parseConsumer(catalog, item, index, ctx)));
  return z
    .strictObject({
      id: idSchema,
      /** Normalised to the vault's origin: lower-case, no trailing slash, no :443. */
      vaultUrl: vaultUrlSchema,
      secretName: secretNameSchema,
      generator: generatorSpecSchema,
      rotation: rotationSchema,
      // Checked once trimmed: whitespace around them is dropped, never stored or logged.
      environment: environmentNameSchema,
      owner: z.string().trim().min(1, 'cannot be empty').max(128, 'must be at most 128 characters').superRefine((text, ctx) => refuseUnsafeCharacters(text, ctx)),
      /** When absent, defaultContentType(generator) applies (application/json for templates and consumers). */
      contentType: z
        .string()
        .min(1, 'cannot be empty; leave it out instead')
        .max(255, 'must be at most 255 characters: Key Vault refuses longer content types')
        .superRefine((text, ctx) => refuseUnsafeCharacters(text, ctx))
        .optional(),
      tags: tagsSchema.default({}),
      enabled: z.boolean().default(true),
      /** How downstream consumers move to a new credential with no lockout window; required with consumers. */
      strategy: strategySchema.optional(),
      /**
       * The systems that must accept each new credential before the vault switches applications to it
       * (kinds with a login), and those told of each new version after the switch, which must confirm
       * it before the old credential is revoked (followers).
       */
      consumers: consumersSchema.optional(),
    })
    .superRefine((policy, ctx) => checkConsumers(catalog, policy, ctx));
}

export const rotationPolicySchema = policySchema(NO_CONSUMER_KINDS);

export type RotationPolicy = z.output<typeof rotationPolicySchema>;
export type RotationPolicyInput = z.input<typeof rotationPolicySchema>;

function parseConsumer(catalog: ConsumerCatalog, item: unknown, index: number, ctx: z.RefinementCtx): AnyConsumerSpec {
  const kindName = item !== null && typeof item === 'object' && typeof (item as { kind?: unknown }).kind === 'string' ? (item as { kind: string }).kind : undefined;
  if (kindName === undefined) {
    ctx.issues.push({ code: 'custom', path: [index, 'kind'], message: `is required: one of ${catalog.kinds.join(', ') || '(none: this deployment has no consumer kinds)'}`, input: item });
    return z.NEVER;
  }
  const kind = catalog.get(kindName);
  if (!kind) {
    ctx.issues.push({
      code: 'custom',
      path: [index, 'kind'],
      message: `unknown consumer kind '${boundForMessage(kindName)}': this deployment knows ${catalog.kinds.join(', ') || 'none'}`,
      input: kindName,
    });
    return z.NEVER;
  }
  const parsed = kind.schema.safeParse(item, { error: issueMessages });
  if (parsed.success) return parsed.data;
  for (const issue of flattenIssues(parsed.error.issues)) ctx.issues.push({ code: 'custom', path: [index, ...issue.path], message: issue.message, input: item });
  return z.NEVER;
}

function boundForMessage(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

/** Rules across the strategy, the consumers and the rest of the policy. */
function checkConsumers(
  catalog: ConsumerCatalog,
  policy: { secretName: string; strategy?: RotationStrategy | undefined; consumers?: AnyConsumerSpec[] | undefined; rotation: { every: string }; generator: GeneratorSpec; contentType?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  const { strategy } = policy;
  const all = policy.consumers;
  if (all && all.length === 0) ctx.addIssue({ code: 'custom', path: ['consumers'], message: 'cannot be empty; leave it out for a policy with no downstream consumers' });
  const names = new Set<string>();
  all?.forEach((consumer, index) => {
    // A consumer refused above is z.NEVER here; its own issues are already reported.
    if (!consumer || typeof consumer !== 'object') return;
    if (names.has(consumer.name)) ctx.addIssue({ code: 'custom', path: ['consumers', index, 'name'], message: `'${consumer.name}' is used by another consumer of this policy: names must be unique` });
    names.add(consumer.name);
    const kind = catalog.get(consumer.kind);
    for (const problem of kind && isFollowerKind(kind) ? (kind.checkPolicy?.(consumer, policy) ?? []) : []) {
      ctx.addIssue({ code: 'custom', path: ['consumers', index, ...problem.path], message: problem.message });
    }
  });
  const present = (all ?? []).map((consumer, index) => ({ consumer, index })).filter(({ consumer }) => consumer && typeof consumer === 'object');
  const issuers = present.filter(({ consumer }) => catalog.isIssuer(consumer));
  // Followers are told of the version after the switch: any policy may have them, with or without a strategy.
  const consumers = present.filter(({ consumer }) => !catalog.isFollower(consumer) && !catalog.isIssuer(consumer)) as { consumer: ConsumerSpec; index: number }[];
  if (issuers.length > 0 || strategy?.kind === ISSUED_CREDENTIAL || policy.generator.kind === ISSUED_GENERATOR) {
    checkIssuer(policy, issuers, consumers, ctx);
    if (strategy) checkStrategyTiming(policy, strategy, ctx);
    return;
  }
  if (consumers.length === 0) {
    if (strategy) ctx.addIssue({ code: 'custom', path: ['strategy'], message: 'a strategy needs consumers that hold a login (a database or cache): without them a rotation only writes the new version and tells its followers' });
    return;
  }
  if (!strategy) {
    ctx.addIssue({ code: 'custom', path: ['strategy'], message: `is required with consumers that hold a login: ${STRATEGY_KINDS.join(' or ')}, with gracePeriod and maxDrainWait` });
  }
  const firstLogin = consumers[0]!.consumer.login;
  consumers.forEach(({ consumer, index }, position) => {
    if (position > 0 && firstLogin !== undefined && consumer.login !== firstLogin) {
      ctx.addIssue({ code: 'custom', path: ['consumers', index, 'login'], message: `must be '${firstLogin}', the login of consumers[${consumers[0]!.index}]: the secret holds one username, which every consumer must accept` });
    }
    if ('secretName' in consumer.admin && consumer.admin.secretName.toLowerCase() === policy.secretName.toLowerCase()) {
      ctx.addIssue({ code: 'custom', path: ['consumers', index, 'admin', 'secretName'], message: 'cannot be the secret this policy rotates: the admin credential must stay valid while the application credential changes' });
    }
    const kind = catalog.get(consumer.kind);
    if (strategy && kind && isLoginKind(kind) && !kind.strategies.includes(strategy.kind)) {
      ctx.addIssue({
        code: 'custom',
        path: ['consumers', index, 'kind'],
        message: `${consumer.kind} cannot do ${strategy.kind} without a lockout window; it supports ${kind.strategies.join(', ')}`,
      });
    }
  });
  if (strategy) {
    checkStrategyTiming(policy, strategy, ctx);
    if (policy.generator.kind !== 'random_password' && policy.generator.kind !== 'random_string') {
      ctx.addIssue({ code: 'custom', path: ['generator', 'kind'], message: 'must be random_password or random_string with consumers: the generator makes the password, and the secret\'s value is the JSON credential' });
    }
    if (policy.contentType !== undefined && policy.contentType !== CREDENTIAL_CONTENT_TYPE) {
      ctx.addIssue({ code: 'custom', path: ['contentType'], message: `must be ${CREDENTIAL_CONTENT_TYPE} (or left out) with consumers: the value is JSON {"username","password","host","port","database"}` });
    }
  }
}

/** A grace period and a drain wait must fit between two rotations. */
function checkStrategyTiming(policy: { rotation: { every: string } }, strategy: RotationStrategy, ctx: z.RefinementCtx): void {
  const grace = millisecondsOrUndefined(strategy.gracePeriod);
  const every = millisecondsOrUndefined(policy.rotation.every);
  const maxDrain = millisecondsOrUndefined(strategy.maxDrainWait);
  if (grace !== undefined && every !== undefined && grace > every) {
    ctx.addIssue({
      code: 'custom',
      path: ['strategy', 'gracePeriod'],
      message: `gracePeriod (${strategy.gracePeriod}) must not be longer than rotation.every (${policy.rotation.every}): the previous credential would still be in its grace period when the next rotation needs to change it`,
    });
  }
  if (grace !== undefined && maxDrain !== undefined && every !== undefined && grace + maxDrain > every) {
    ctx.addIssue({
      code: 'custom',
      path: ['strategy', 'maxDrainWait'],
      message: `gracePeriod plus maxDrainWait (${formatDuration(grace + maxDrain)}) must fit within rotation.every (${policy.rotation.every}): a rotation still waiting for a drain when the next is due would hold it up`,
    });
  }
}

const ISSUED_CREDENTIAL = 'issued-credential';
const ISSUED_GENERATOR = 'issued';

/**
 * A credential the consumer issues (a storage key, an Entra client secret): one issuer, no consumer that
 * holds a login beside it, the issued-credential strategy for its grace period, and the issued generator.
 */
function checkIssuer(
  policy: { strategy?: RotationStrategy | undefined; generator: { kind: string } },
  issuers: { consumer: AnyConsumerSpec; index: number }[],
  consumers: { consumer: ConsumerSpec; index: number }[],
  ctx: z.RefinementCtx,
): void {
  const why = 'the issued-credential strategy, the issued generator and one issuer (storage-account-key, entra-app-secret) go together: the issuer makes the credential';
  if (issuers.length === 0) {
    const path = policy.strategy?.kind === ISSUED_CREDENTIAL ? ['strategy', 'kind'] : ['generator', 'kind'];
    ctx.addIssue({ code: 'custom', path, message: `needs a consumer that issues the credential: ${why}` });
    return;
  }
  for (const extra of issuers.slice(1)) ctx.addIssue({ code: 'custom', path: ['consumers', extra.index, 'kind'], message: `a policy has one issuer; consumers[${issuers[0]!.index}] already issues the credential` });
  for (const { index } of consumers) ctx.addIssue({ code: 'custom', path: ['consumers', index, 'kind'], message: `cannot be beside an issuer: the secret holds the credential consumers[${issuers[0]!.index}] issues, not a login` });
  if (policy.strategy?.kind !== ISSUED_CREDENTIAL) ctx.addIssue({ code: 'custom', path: ['strategy'], message: `must be {"kind": "issued-credential", "gracePeriod", "maxDrainWait"} with an issuer: ${why}` });
  if (policy.generator.kind !== ISSUED_GENERATOR) ctx.addIssue({ code: 'custom', path: ['generator', 'kind'], message: `must be issued with an issuer: ${why}` });
}

/** With consumers, the secret's value is the JSON credential applications connect with. */
export const CREDENTIAL_CONTENT_TYPE = 'application/json';

/** What a valid policy should still hear about: returned with the answer to a PUT, never refused. */
export function policyWarnings(policy: RotationPolicy): string[] {
  const warnings: string[] = [];
  const grace = policy.strategy ? parseDuration(policy.strategy.gracePeriod).milliseconds : undefined;
  if (grace !== undefined && grace < MIN_QUIET_GRACE_MS) {
    warnings.push(`strategy.gracePeriod (${policy.strategy!.gracePeriod}) is under a minute: an application that read the previous credential moments before the switch may still be connecting with it when it is revoked; use this only for tests`);
  }
  return warnings;
}

/** Parses and normalises a policy; throws ValidationError with one detail per problem. */
export function parsePolicy(input: unknown, catalog: ConsumerCatalog = NO_CONSUMER_KINDS): RotationPolicy {
  const schema = catalog === NO_CONSUMER_KINDS ? rotationPolicySchema : schemaFor(catalog);
  const result = schema.safeParse(input, { error: issueMessages });
  if (result.success) return result.data;
  const details = toErrorDetails(result.error);
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  throw new ValidationError(`invalid rotation policy: ${first.path || '(policy)'}: ${first.message}${more}`, details);
}

const schemas = new WeakMap<ConsumerCatalog, ReturnType<typeof policySchema>>();

function schemaFor(catalog: ConsumerCatalog): ReturnType<typeof policySchema> {
  let schema = schemas.get(catalog);
  if (!schema) {
    schema = policySchema(catalog);
    schemas.set(catalog, schema);
  }
  return schema;
}

/** The consumers that hold a login (databases, caches), in the policy's order; followers are left out. */
export function loginConsumersOf(policy: Pick<RotationPolicy, 'consumers'>): ConsumerSpec[] {
  // Followers and issuers may not have an admin field (followerSchema refuses it): that tells them apart without the catalog.
  return (policy.consumers ?? []).filter((consumer): consumer is ConsumerSpec => 'admin' in consumer);
}

/** The second login of alternating-users. */
export function secondLoginOf(policy: RotationPolicy, consumer: ConsumerSpec): string {
  return `${consumer.login}${policy.strategy?.secondLoginSuffix ?? DEFAULT_SECOND_LOGIN_SUFFIX}`;
}
