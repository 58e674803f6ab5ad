import { describe, expect, it } from 'vitest';
import { HEAD, read } from './secretfile-mother.js';

const kv = '{provider: azure, kind: key_vault, config: {vault_url: "https://kv-app.vault.azure.net"}}';

function findings(text: string) {
  const result = read(text);
  expect(result.problems).toEqual([]);
  return result.findings.map(({ rule, severity, object, line, column, path, parameters }) => ({ rule, severity, object, at: `${line}:${column}`, path, policy: parameters?.['policy'] }));
}

describe("SecretZero's own policies, as its PolicyEngine evaluates them", () => {
  it('require_rotation_period: a secret without one is a warning by default', () => {
    // Act
    const found = findings(`${HEAD}policies:
  periodic: {kind: rotation, require_rotation_period: true}
secrets:
  - {name: a, kind: random_password, targets: [${kv}]}
  - {name: b, kind: random_password, rotation_period: 30d, targets: [${kv.replace('}}', ', secret_name: b}}')}]}
`);

    // Assert
    expect(found).toEqual([{ rule: 'secretzero.rotation.period-required', severity: 'medium', object: 'a', at: '5:5', path: 'secrets[0]', policy: 'periodic' }]);
  });

  it('max_age: a longer period is a finding, compared in days as SecretZero counts them (m = 30, y = 365)', () => {
    // Act
    const found = findings(`${HEAD}policies:
  quarterly: {kind: rotation, max_age: 3m, severity: error}
secrets:
  - {name: a, kind: random_password, rotation_period: 13w, targets: [${kv}]}
  - {name: b, kind: random_password, rotation_period: 90d, targets: [${kv.replace('}}', ', secret_name: b}}')}]}
`);

    // Assert
    expect(found).toEqual([{ rule: 'secretzero.rotation.max-age', severity: 'high', object: 'a', at: '5:55', path: 'secrets[0].rotation_period', policy: 'quarterly' }]);
  });

  it("access: each of the secret's own targets whose kind is denied, or not allowed", () => {
    // Act
    const found = findings(`${HEAD}policies:
  no_files: {kind: access, denied_targets: [file]}
  clouds: {kind: access, allowed_targets: [key_vault, ssm_parameter]}
secrets:
  - name: a
    kind: random_password
    rotation_period: 30d
    targets:
      - ${kv}
      - {provider: local, kind: file}
      - {provider: gh, kind: github_secret}
`);

    // Assert
    expect(found).toEqual([
      { rule: 'secretzero.access.denied-target', severity: 'high', object: 'a', at: '11:33', path: 'secrets[0].targets[1].kind', policy: 'no_files' },
      { rule: 'secretzero.access.allowed-targets', severity: 'high', object: 'a', at: '11:33', path: 'secrets[0].targets[1].kind', policy: 'clouds' },
      { rule: 'secretzero.access.allowed-targets', severity: 'high', object: 'a', at: '12:30', path: 'secrets[0].targets[2].kind', policy: 'clouds' },
    ]);
  });

  it('metadata.compliance soc2 adds a 90-day maximum and requires a period; iso27001 requires a period', () => {
    // Act
    const found = findings(`${HEAD}metadata: {compliance: [SOC2, iso27001]}
secrets:
  - {name: a, kind: random_password, rotation_period: 120d, targets: [${kv}]}
  - {name: b, kind: random_password, targets: [${kv.replace('}}', ', secret_name: b}}')}]}
`);

    // Assert
    expect(found).toEqual([
      { rule: 'secretzero.rotation.max-age', severity: 'medium', object: 'a', at: '4:55', path: 'secrets[0].rotation_period', policy: 'soc2_rotation' },
      { rule: 'secretzero.rotation.period-required', severity: 'medium', object: 'b', at: '5:5', path: 'secrets[1]', policy: 'soc2_rotation' },
      { rule: 'secretzero.rotation.period-required', severity: 'medium', object: 'b', at: '5:5', path: 'secrets[1]', policy: 'iso27001_rotation' },
    ]);
  });

  it('skips disabled policies, compliance policies (SecretZero checks nothing for them) and kinds it does not know', () => {
    // Act
    const found = findings(`${HEAD}policies:
  off: {kind: rotation, require_rotation_period: true, enabled: false}
  standard: {kind: compliance, standard: soc2}
  who: {kind: provider_identity, providers: [azure]}
  notes: just text
secrets:
  - {name: a, kind: random_password, targets: [${kv}]}
`);

    // Assert
    expect(found).toEqual([]);
  });

  it('does not compare a period it cannot read', () => {
    expect(findings(`${HEAD}policies: {q: {kind: rotation, max_age: forever}}\nsecrets:\n  - {name: a, kind: random_password, rotation_period: 30d, targets: [${kv}]}\n`)).toEqual([]);
  });
});
