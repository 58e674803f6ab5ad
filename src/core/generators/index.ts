/** The generators' public face: the rotation engine needs nothing else from this folder. */
import { ValidationError } from '../errors.js';
import { SecretValue } from '../secret-value.js';
import { generateNested, generateTemplate } from './generate.js';
import { generatorSpecSchema, type GeneratorSpec } from './generator-spec.js';
import { cryptoRandomSource, type RandomSource } from './random-source.js';
import { issueMessages, toErrorDetails } from './zod-support.js';

export { generatorSpecSchema, LENGTH_LIMITS, TEMPLATE_FIELD_LIMIT, TEMPLATE_FIELD_NAME, TEMPLATE_FIELD_NAME_RULE } from './generator-spec.js';
export type {
  GeneratorKind,
  GeneratorSpec,
  GeneratorSpecInput,
  NestedGeneratorSpec,
  RandomPasswordSpec,
  RandomStringSpec,
  StaticFieldSpec,
  StaticSpec,
  TemplateFieldSpec,
  TemplateSpec,
  UuidSpec,
} from './generator-spec.js';
export { KEY_VAULT_MAX_VALUE_BYTES, maxGeneratedBytes } from './size.js';
export { cryptoRandomSource, randomSourceFromBytes, type ByteSource, type RandomSource } from './random-source.js';

/**
 * A new value for the spec. Throws ValidationError for `static` (its value is
 * set outside this app) and for a spec that did not come through the schema
 * in a valid state: a hand-built spec must not yield a weaker secret than it says.
 */
export function generateSecretValue(spec: GeneratorSpec, random: RandomSource = cryptoRandomSource): SecretValue {
  const checked = generatorSpecSchema.safeParse(spec, { error: issueMessages });
  if (!checked.success) {
    const details = toErrorDetails(checked.error);
    throw new ValidationError(`invalid generator: ${details[0]?.message ?? 'unknown problem'}`, details);
  }
  const valid = checked.data;
  switch (valid.kind) {
    case 'static':
      throw new ValidationError('a static generator produces no value: its secret is set outside this app, which only checks its expiry');
    case 'issued':
      throw new ValidationError('an issued credential is made by the consumer that issues it (storage-account-key, entra-app-secret), never generated');
    case 'template':
      return SecretValue.of(generateTemplate(valid, random));
    default:
      return SecretValue.of(generateNested(valid, random));
  }
}

/** The content type to write when the policy gives none: templates are JSON; other values have no declared type. */
export function defaultContentType(spec: GeneratorSpec): string | undefined {
  return spec.kind === 'template' ? 'application/json' : undefined;
}
