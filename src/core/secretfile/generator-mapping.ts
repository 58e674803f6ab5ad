/**
 * SecretZero's generators as ours: random_password (its `number` is our `digits`,
 * `exclude_characters` our `excludeCharacters`), random_string (its charsets; `alpha` is our
 * custom A-Za-z), static (the value stays out of the policy), and a template's fields.
 * Options SecretZero ignores are ignored here too, with a warning, so a typo is seen.
 */
import type { Origins } from './origins.js';
import type { Path } from './paths.js';

export interface MappingReport {
  problem(path: Path, message: string): void;
  /** `at: 'key'` points at the key itself (an option that is not one), not at its value. */
  warning(path: Path, message: string, at?: 'key'): void;
}

/** SecretZero's default length for both random generators. */
export const SECRETZERO_DEFAULT_LENGTH = 32;

const PASSWORD_OPTIONS: Record<string, string> = { length: 'length', upper: 'upper', lower: 'lower', number: 'digits', special: 'special', exclude_characters: 'excludeCharacters' };
const STRING_OPTIONS = ['length', 'charset'];
const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** What SecretZero's random_string knows; anything else silently becomes alphanumeric there. */
const SECRETZERO_CHARSETS = ['alphanumeric', 'alpha', 'numeric', 'hex'];

export const GENERATED_KINDS = ['random_password', 'random_string'] as const;

export interface GeneratorSource {
  kind: string;
  config: Record<string, unknown>;
  /** The secret (or template field generator) the kind and config sit in. */
  kindPath: Path;
  configPath: Path;
}

/** A policy generator for random_password or random_string, registering where each option came from under `prefix`. */
export function mapRandomGenerator(source: GeneratorSource, prefix: string, origins: Origins, report: MappingReport): Record<string, unknown> {
  const { kind, config, configPath } = source;
  const spec: Record<string, unknown> = { kind };
  origins.set(`${prefix}.kind`, source.kindPath);
  const known = kind === 'random_password' ? Object.keys(PASSWORD_OPTIONS) : STRING_OPTIONS;
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) {
      report.warning([...configPath, key], `is not a ${kind} option SecretZero reads (${known.join(', ')}): ignored, as SecretZero ignores it`, 'key');
    }
  }
  const length = Object.hasOwn(config, 'length') ? config['length'] : SECRETZERO_DEFAULT_LENGTH;
  if (typeof length !== 'number') report.problem([...configPath, 'length'], `must be a whole number, not ${typeName(length)}: SecretZero would fail when it generates`);
  spec['length'] = length;
  origins.set(`${prefix}.length`, Object.hasOwn(config, 'length') ? [...configPath, 'length'] : source.kindPath);

  if (kind === 'random_password') {
    for (const [theirs, ours] of Object.entries(PASSWORD_OPTIONS)) {
      if (theirs === 'length' || !Object.hasOwn(config, theirs)) continue;
      const value = config[theirs];
      origins.set(`${prefix}.${ours}`, [...configPath, theirs]);
      if (theirs === 'exclude_characters') {
        if (typeof value !== 'string') report.problem([...configPath, theirs], `must be text, not ${typeName(value)}`);
        else if (value !== '') spec[ours] = value;
      } else if (typeof value !== 'boolean') {
        report.problem([...configPath, theirs], `must be true or false, not ${typeName(value)}: SecretZero reads any non-empty text, 'false' included, as true`);
      } else {
        spec[ours] = value;
      }
    }
    return spec;
  }

  if (Object.hasOwn(config, 'charset')) {
    const charset = config['charset'];
    origins.set(`${prefix}.charset`, [...configPath, 'charset']);
    origins.set(`${prefix}.characters`, [...configPath, 'charset']);
    if (charset === 'alpha') {
      spec['charset'] = 'custom';
      spec['characters'] = ALPHA;
    } else if (typeof charset === 'string' && SECRETZERO_CHARSETS.includes(charset)) {
      spec['charset'] = charset;
    } else {
      spec['charset'] = 'alphanumeric';
      report.warning(
        [...configPath, 'charset'],
        `${typeof charset === 'string' ? `'${charset.slice(0, 32)}'` : typeName(charset)} is not a charset SecretZero knows (${SECRETZERO_CHARSETS.join(', ')}): SecretZero generates alphanumeric instead, without a word, and so does this policy, so both tools make the same kind of value`,
      );
    }
  }
  return spec;
}

export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return 'text';
  return `a ${typeof value}`;
}

/**
 * A template field's fixed value as the text our template writes. SecretZero keeps a YAML
 * number or boolean as one inside its JSON; ours holds text, so 5432 becomes "5432".
 */
export function staticFieldText(config: Record<string, unknown>): string | undefined {
  const value = Object.hasOwn(config, 'default') ? config['default'] : config['value'];
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
