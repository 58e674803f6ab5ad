import { describe, expect, it } from 'vitest';
import { interpolateString, mergeVariables, type InterpolationNote } from '../../../src/core/secretfile/interpolate.js';
import type { SecretfileResult } from '../../../src/core/secretfile/index.js';
import { errors, HEAD, read, warnings } from './secretfile-mother.js';

function render(text: string, variables: Record<string, unknown> = {}): { text: string; notes: InterpolationNote[] } {
  const notes: InterpolationNote[] = [];
  return { text: interpolateString(text, ['x'], { variables }, notes), notes };
}

describe('${NAME} and ${NAME:-default}', () => {
  it.each([
    ['a variable', '${app}-key', { app: 'payments' }, 'payments-key'],
    ['the default when no variable has the name', '${APP:-fallback}', {}, 'fallback'],
    ['the variable over the default', '${APP:-fallback}', { APP: 'set' }, 'set'],
    ['an empty default', 'a${APP:-}b', {}, 'ab'],
    ['a default holding :-', '${APP:-a:-b}', {}, 'a:-b'],
    ['numbers and booleans as Python prints them', '${n}/${t}/${f}/${z}', { n: 5432, t: true, f: false, z: null }, '5432/True/False/None'],
    ['several references', '${a}.${b}', { a: 'x', b: 'y' }, 'x.y'],
    ['a nested name, looked up whole as SecretZero does', '${a.b:-none}', { a: { b: 'deep' } }, 'none'],
  ])('reads %s', (_name, text, variables, expected) => {
    expect(render(text, variables).text).toBe(expected);
  });

  it('leaves an unresolved reference as written and says so, naming only the reference', () => {
    // Act
    const { text, notes } = render('${MISSING}');

    // Assert
    expect(text).toBe('${MISSING}');
    expect(notes).toEqual([{ path: ['x'], kind: 'unresolved', message: '${MISSING} is not a variable (in variables or a var file; environment variables are not read, as in SecretZero) and has no :-default: it is left as written, as SecretZero leaves it' }]);
  });

  it('refuses a list or map put into a string, without repeating its default', () => {
    // Act
    const { notes } = render('${list:-s3cr3t}', { list: ['a'] });

    // Assert
    expect(notes[0]!.kind).toBe('problem');
    expect(notes[0]!.message).not.toContain('s3cr3t');
  });

  it('does one pass: a variable holding a reference is not expanded again', () => {
    expect(render('${a}', { a: '${b}', b: 'x' }).text).toBe('${b}');
  });

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])('treats %s as an ordinary, absent name', (name) => {
    expect(render(`\${${name}:-d}`).text).toBe('d');
  });
});

describe('{{ }} as Jinja2 renders it in SecretZero', () => {
  const variables = { app: 'payments', vault: { prod: 'kv-prod' }, regions: ['eu', 'us'], empty: '', off: false, none: null, 'odd key': 'o' };

  it.each([
    ['{{var.app}}', 'payments'],
    ['{{ var.app }}-key', 'payments-key'],
    ['{{var.vault.prod}}', 'kv-prod'],
    ["{{var['app']}}", 'payments'],
    ["{{ var['odd key'] }}", 'o'],
    ['{{var.regions.1}}', 'us'],
    ['{{var.regions[0]}}', 'eu'],
    ["{{var.missing or 'fallback'}}", 'fallback'],
    ["{{var.empty or 'fallback'}}", 'fallback'],
    ["{{var.off or 'fallback'}}", 'fallback'],
    ["{{var.none or var.missing or 'last'}}", 'last'],
    ["{{var.app or 'fallback'}}", 'payments'],
    ['{{var.missing}}', ''],
    ['{{var.off}}', 'False'],
    ['{{var.none}}', 'None'],
    ['{{ 42 }}', '42'],
    ['a{{- var.app -}} b', 'apaymentsb'],
    ['{{var.constructor}}', ''],
  ])('renders %s as %j', (text, expected) => {
    const { text: rendered, notes } = render(text, variables);
    expect(notes).toEqual([]);
    expect(rendered).toBe(expected);
  });

  it.each([
    ['an attribute of an undefined value', '{{var.missing.x}}-key'],
    ['an unclosed {{', 'https://{{var.app'],
    ['an empty {{ }}', 'a{{ }}b'],
  ])('keeps the text as written for %s, as SecretZero does when Jinja2 fails, with a warning', (_name, text) => {
    const { text: rendered, notes } = render(text, variables);
    expect(rendered).toBe(text);
    expect(notes.map((note) => note.kind)).toEqual(['kept']);
  });

  it.each([
    ['a filter', '{{ var.app | upper }}'],
    ['arithmetic', '{{ 7*7 }}'],
    ['a call', '{{ var.app.upper() }}'],
    ['a statement', '{% if var.app %}x{% endif %}{{ var.app }}'],
    ['a name other than var', '{{ secret_name }}'],
    ['a list', '{{ var.regions }}'],
  ])('refuses %s: kvrot cannot tell what SecretZero would render', (_name, text) => {
    const { notes } = render(text, variables);
    expect(notes.map((note) => note.kind)).toEqual(['problem']);
  });

  it('runs after ${...}, on the result', () => {
    expect(render('${prefix}{{var.app}}', { prefix: 'x-', app: 'y' }).text).toBe('x-y');
  });
});

describe('variables and var files', () => {
  it('merges nested maps key by key, later files winning', () => {
    // Act
    const merged = mergeVariables({ vault: { prod: 'a', staging: 'b' }, region: 'eu' }, { vault: { prod: 'c' }, extra: 1 });

    // Assert
    expect(merged).toEqual({ vault: { prod: 'c', staging: 'b' }, region: 'eu', extra: 1 });
  });

  it('applies variables, then the profile var files, then --var-file, in that order', () => {
    // Arrange
    const text = `${HEAD}variables:
  name: from-variables
  vault: from-variables
  region: from-variables
environments:
  profiles:
    production:
      var_files: [prod.szvar]
secrets:
  - name: app-key
    kind: random_password
    rotation_period: 30d
    targets:
      - provider: azure
        kind: key_vault
        config:
          vault_url: https://{{var.vault}}.vault.azure.net
          secret_name: \${name}-\${region}
`;
    const files: Record<string, string> = { 'prod.szvar': 'vault: kv-prod\nregion: profile\n' };

    // Act
    const result = read(text, {
      environment: 'production',
      loadVarFile: (path) => (path in files ? { name: path, text: files[path]! } : { problem: 'no such file' }),
      varFiles: [{ name: 'cli.szvar', text: 'region: cli\n' }],
    });

    // Assert
    expect(errors(result)).toEqual([]);
    expect(result.varFiles).toEqual(['prod.szvar', 'cli.szvar']);
    expect(result.policies.map(({ policy }) => [policy.vaultUrl, policy.secretName])).toEqual([['https://kv-prod.vault.azure.net', 'from-variables-cli']]);
  });

  it('interpolates values, never keys, and leaves agent_instructions to SecretZero', () => {
    // Arrange
    const text = `${HEAD}variables: {app: payments}
secrets:
  - name: app-key
    kind: random_password
    rotation_period: 30d
    agent_instructions: {summary: '{{ secret_name }}', steps: []}
    \${app}: not-a-reference
    targets: [{provider: azure, kind: key_vault, config: {vault_url: 'https://kv-{{var.app}}.vault.azure.net'}}]
`;

    // Act
    const result = read(text);

    // Assert
    expect(errors(result)).toEqual([]);
    expect(result.policies[0]!.policy.vaultUrl).toBe('https://kv-payments.vault.azure.net');
  });

  it('warns of an unresolved reference in a value kvrot uses, not in one it ignores', () => {
    // Arrange
    const text = `${HEAD}providers:
  azure: {kind: azure, auth: {kind: service_principal, config: {client_id: '\${AZURE_CLIENT_ID}'}}}
secrets:
  - name: app-key
    kind: static
    config: {default: '\${API_KEY}'}
    targets:
      - provider: azure
        kind: key_vault
        config:
          vault_url: https://kv-app.vault.azure.net
          secret_name: \${SECRET_NAME:-app-key}-\${SUFFIX}
`;

    // Act
    const result = read(text);

    // Assert
    expect(warnings(result)).toEqual([
      'Secretfile.yml:13:24: secrets[0].targets[0].config.secret_name: ${SUFFIX} is not a variable (in variables or a var file; environment variables are not read, as in SecretZero) and has no :-default: it is left as written, as SecretZero leaves it',
    ]);
    expect(errors(result)[0]).toMatch(/^Secretfile\.yml:13:24: secrets\[0\]\.targets\[0\]\.config\.secret_name: Key Vault secret names allow only letters, digits and hyphens; '\$' is not allowed/);
  });

  it('reads ${NAME} from the variables only, never from environment variables, as SecretZero\'s code does', () => {
    // Arrange: the process environment has the name; the file's variables have it only in the second read.
    process.env['KVROT_TEST_VAULT'] = 'kv-from-process';
    const text = (variables: string) => `${HEAD}${variables}secrets:
  - name: app-key
    kind: random_password
    rotation_period: 30d
    targets: [{provider: azure, kind: key_vault, config: {vault_url: 'https://\${KVROT_TEST_VAULT:-kv-default}.vault.azure.net'}}]
`;

    // Act
    let fromEnvironment: SecretfileResult;
    let fromVariables: SecretfileResult;
    try {
      fromEnvironment = read(text(''));
      fromVariables = read(text('variables: {KVROT_TEST_VAULT: kv-from-file}\n'));
    } finally {
      delete process.env['KVROT_TEST_VAULT'];
    }

    // Assert
    expect(fromEnvironment.policies[0]!.policy.vaultUrl).toBe('https://kv-default.vault.azure.net');
    expect(fromVariables.policies[0]!.policy.vaultUrl).toBe('https://kv-from-file.vault.azure.net');
  });
});
