import { describe, expect, it } from 'vitest';
import { MAX_ALIAS_COUNT, MAX_SOURCE_BYTES } from '../../../src/core/secretfile/index.js';
import { parseSource } from '../../../src/core/secretfile/source.js';
import { errors, HEAD, oneSecret, read } from './secretfile-mother.js';

describe('YAML as SecretZero reads it, within limits', () => {
  it('refuses a duplicate key at the second one, saying why', () => {
    // Arrange
    const text = `${HEAD}secrets: []\nvariables: {a: 1}\nsecrets: []\n`;

    // Act
    const result = read(text);

    // Assert
    expect(errors(result)).toEqual([
      'Secretfile.yml:4:1: this key is written twice in the same map: PyYAML keeps the last silently, so one of the two is refused rather than dropped',
    ]);
    expect(result.policies).toEqual([]);
  });

  it('refuses a billion laughs quickly, without expanding it', () => {
    // Arrange: nine aliases of nine aliases, eight levels: 43 million strings if expanded.
    const levels = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let level = 1; level < 8; level += 1) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    const text = `variables:\n${levels.map((line) => `  ${line}`).join('\n')}\nsecrets: []\n`;
    const started = Date.now();

    // Act
    const result = read(text);

    // Assert
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(errors(result)).toEqual([
      `Secretfile.yml:3:10: aliases here expand to more than ${MAX_ALIAS_COUNT} times the document's own size (a "billion laughs"): the file is refused rather than expanded`,
    ]);
  });

  it('accepts anchors, aliases and merge keys used as people use them', () => {
    // Arrange
    const text = `${HEAD}defaults: &target
  provider: azure
  kind: key_vault
secrets:
  - name: app-key
    kind: random_password
    rotation_period: 30d
    targets:
      - <<: *target
        config: {vault_url: 'https://kv-app.vault.azure.net'}
`;

    // Act
    const result = read(text);

    // Assert
    expect(errors(result)).toEqual([]);
    expect(result.policies.map((entry) => entry.policy.vaultUrl)).toEqual(['https://kv-app.vault.azure.net']);
  });

  it('locates a value that came through a merge key where it was written', () => {
    // Arrange
    const text = `${HEAD}defaults: &config
  length: 4
secrets:
  - name: app-key
    kind: random_password
    rotation_period: 30d
    config:
      <<: *config
    targets: [{provider: azure, kind: key_vault, config: {vault_url: 'https://kv-app.vault.azure.net'}}]
`;

    // Act
    const result = read(text);

    // Assert
    expect(errors(result)).toEqual([
      "Secretfile.yml:3:11: secrets[0].config.length: must be at least 8: shorter secrets are too easy to guess [policy 'app-key', generator.length]",
    ]);
  });

  it('never quotes the text around a syntax error, which may be a secret, and counts what follows from it', () => {
    // Act
    const result = read(`${HEAD}secrets:\n  - name: a\n    config: {default: hunter2}}\n    kind: static\n`);

    // Assert
    expect(errors(result)).toEqual([
      'Secretfile.yml:4:31: not valid YAML: something unexpected stands here (a value starting with { or [ is a YAML map or list: quote a value that holds {{ }}) (and 3 more YAML problems after it, most following from this one)',
    ]);
  });

  it.each([
    ['an unclosed flow sequence', `${HEAD}secrets: [\n`, /^Secretfile\.yml:\d+:\d+: not valid YAML: /],
    ['a tab as indentation', `${HEAD}secrets:\n\t- name: x\n`, /^Secretfile\.yml:3:1: not valid YAML: a tab is used as indentation; YAML allows only spaces/],
    ['two documents', `${HEAD}secrets: []\n---\nsecrets: []\n`, /^Secretfile\.yml:3:1: a Secretfile is one YAML document; this file has several/],
    ['an unknown tag', `${HEAD}secrets: !shell [x]\n`, /^Secretfile\.yml:2:10: a tag here is not one PyYAML's safe_load knows, and it refuses such a file$/],
    ['an alias to no anchor', `${HEAD}secrets: *nothing\n`, /^Secretfile\.yml:2:10: an alias \(\*name\) refers to no anchor \(&name\) written before it$/],
    ['a list as a key', `${HEAD}? [a, b]\n: c\nsecrets: []\n`, /^Secretfile\.yml:2:3: a key must be text, a number or a boolean, not a list or a map/],
  ])('refuses %s with its position', (_name, text, expected) => {
    // Act
    const result = read(text);

    // Assert
    expect(errors(result)[0]).toMatch(expected);
  });

  it('refuses a file over 1 MiB before parsing it', () => {
    // Arrange
    const text = `${HEAD}# ${'x'.repeat(MAX_SOURCE_BYTES)}\n`;

    // Act
    const result = read(text);

    // Assert
    expect(errors(result)).toEqual([`Secretfile.yml:1:1: the file has ${MAX_SOURCE_BYTES + HEAD.length + 3} bytes, more than the ${MAX_SOURCE_BYTES} (1 MiB) a Secretfile may have: it is refused unread`]);
  });

  it('refuses a merge key on a scalar cleanly', () => {
    expect(errors(read(`${HEAD}a: &a 1\nb:\n  <<: *a\nsecrets: []\n`))).toEqual(['Secretfile.yml:4:7: a merge key (<<) must refer to a map, or a list of maps']);
  });

  // Where the parser's stack runs out depends on the stack it is given: only the outcome is fixed.
  it.each([
    ['block nesting', Array.from({ length: 1400 }, (_, depth) => `${' '.repeat(depth)}k:`).join('\n')],
    ['flow nesting', `a: ${'['.repeat(200_000)}${']'.repeat(200_000)}`],
  ])('refuses %s deep enough to exhaust the parser, cleanly', (_name, text) => {
    const found = errors(read(text));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^Secretfile\.yml:\d+:\d+: (not valid YAML: the file nests too deeply to read|the file nests more than 64 levels deep)/);
  });

  it('refuses nesting deeper than any Secretfile needs', () => {
    // Act
    const result = read(`variables: ${'['.repeat(100)}${']'.repeat(100)}\n`);

    // Assert
    expect(errors(result)).toEqual(['Secretfile.yml:1:1: the file nests more than 64 levels deep; no Secretfile needs that, and it is refused before anything walks it']);
  });

  it.each([
    ['empty', '', 'the file is empty: a Secretfile is a map with secrets'],
    ['a comment only', '# nothing\n', 'the file is empty: a Secretfile is a map with secrets'],
    ['text', 'just words\n', 'the file holds text; a Secretfile is a map with secrets'],
    ['a list', '- a\n', 'the file holds a list; a Secretfile is a map with secrets'],
  ])('refuses a file that is %s', (_name, text, message) => {
    expect(errors(read(text))).toEqual([`Secretfile.yml:1:1: ${message}`]);
  });

  it('reads booleans as PyYAML does: yes and off are booleans, y and n are text', () => {
    // Act
    const parsed = parseSource({ name: 'f.yml', text: 'a: yes\nb: off\nc: y\nn: 1\nd: True\n' });

    // Assert
    expect(parsed.ok && parsed.source.data).toEqual({ a: true, b: false, c: 'y', n: 1, d: true });
  });

  it('keeps __proto__ as an ordinary key, never as a prototype', () => {
    // Act
    const parsed = parseSource({ name: 'f.yml', text: '__proto__: {polluted: true}\n' });

    // Assert
    expect(parsed.ok).toBe(true);
    const data = parsed.ok ? (parsed.source.data as Record<string, unknown>) : {};
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('locates a key, its value, and the nearest parent of a path that goes past the file', () => {
    // Arrange
    const parsed = parseSource({ name: 'f.yml', text: oneSecret('kind: random_password\nconfig:\n  length: 4') });
    if (!parsed.ok) throw new Error('expected a parse');

    // Act
    const locate = parsed.source.locate;

    // Assert
    expect(locate(['secrets', 0, 'config', 'length'])).toEqual({ file: 'f.yml', line: 6, column: 15 });
    expect(locate(['secrets', 0, 'config', 'length'], 'key')).toEqual({ file: 'f.yml', line: 6, column: 7 });
    expect(locate(['secrets', 0, 'config', 'upper'])).toEqual({ file: 'f.yml', line: 6, column: 7 });
    expect(locate(['secrets', 9])).toEqual({ file: 'f.yml', line: 3, column: 3 });
  });
});
