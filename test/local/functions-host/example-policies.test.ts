import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../src/core/policy/policy.js';

const examples = JSON.parse(readFileSync(new URL('../../../examples/policies.local.json', import.meta.url), 'utf8')) as Record<string, unknown>[];
const LOCAL_VAULTS = ['https://kv-app-local.vault.azure.net:8443', 'https://kv-shared-local.vault.azure.net:8443'];

/** Words that say "this value is also held by a database": rotating it without that database would break its users. */
const DATABASE_WORDS = /\b(db|database|sql|postgres(ql)?|mysql|mariadb|mongo(db)?|redis|cosmos|password|passwd|pwd|user(name)?|login|host|port|server|connection(string)?)\b|\.database\.|:(5432|3306|1433|27017|6379)\b/i;

/** Every name and fixed text of a policy a reader would take as a hint of what it holds, split into words. */
function wordsOf(value: unknown, key = ''): string[] {
  const own = key ? [key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[-_.]/g, ' ')] : [];
  if (typeof value === 'string') return [...own, value.replace(/[-_]/g, ' ')];
  if (Array.isArray(value)) return [...own, ...value.flatMap((v) => wordsOf(v))];
  if (value && typeof value === 'object') return [...own, ...Object.entries(value).flatMap(([k, v]) => wordsOf(v, k))];
  return own;
}

describe('examples/policies.local.json', () => {
  it.each(examples.map((e) => [String(e['id']), e]))('%s is a valid policy for a local vault', (_id, example) => {
    // Act
    const policy = parsePolicy(example);

    // Assert
    expect(LOCAL_VAULTS).toContain(policy.vaultUrl);
    expect(policy.environment).toBe('development');
  });

  it('shows a base64url signing key, an alphanumeric API key and a JSON template, across both local vaults', () => {
    // Act
    const policies = examples.map((e) => parsePolicy(e));

    // Assert
    expect(policies.map((p) => p.generator.kind).sort()).toEqual(['random_string', 'random_string', 'template']);
    expect(new Set(policies.map((p) => p.vaultUrl))).toEqual(new Set(LOCAL_VAULTS));
    expect(new Set(policies.map((p) => p.id)).size).toBe(policies.length);
  });

  it.each(examples.map((e) => [String(e['id']), e]))(
    '%s is a plain generated secret, not a database credential: no downstream system would need the new value',
    (_id, example) => {
      // Act
      const hints = wordsOf(example).filter((text) => DATABASE_WORDS.test(text));

      // Assert
      expect(hints).toEqual([]);
      expect(parsePolicy(example).generator.kind).not.toBe('random_password');
    },
  );
});
