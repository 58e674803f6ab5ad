/** docs/reports.md documents every rule, parameter and price setting the code has, with the code's defaults. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMPLIANCE_OVERRIDES_SETTING, COMPLIANCE_PARAMETERS } from '../../../src/core/reports/compliance/parameters.js';
import { POLICY_CHECK_RULES } from '../../../src/core/reports/compliance/policy-rules.js';
import { SECRET_RULES } from '../../../src/core/reports/compliance/secret-rules.js';
import { COST_SETTINGS } from '../../../src/core/reports/cost/cost-settings.js';
import { POLICY_DRIFT_RULES, SECRET_DRIFT_RULES } from '../../../src/core/reports/drift/drift-rules.js';
import { REPLICA_DRIFT_RULES } from '../../../src/core/reports/drift/replica-drift.js';

const docs = readFileSync(new URL('../../../docs/reports.md', import.meta.url), 'utf8');
const rowOf = (text: string) => docs.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${text}\``)) ?? '';

describe('docs/reports.md', () => {
  it.each([...SECRET_RULES, ...POLICY_CHECK_RULES, ...POLICY_DRIFT_RULES, ...SECRET_DRIFT_RULES, ...REPLICA_DRIFT_RULES].map((rule) => [rule.id, rule]))('has a row for %s with its severity and built-in', (_id, rule) => {
    const row = rowOf(rule.id);
    expect(row).toContain(`| ${rule.severity} |`);
    if (rule.azurePolicyDefinitionId) expect(row).toContain(rule.azurePolicyDefinitionId);
  });

  it.each(COMPLIANCE_PARAMETERS.map((p) => [p.setting, p]))('documents %s with its defaults', (_setting, parameter) => {
    const row = rowOf(parameter.setting);
    expect(row).toContain(`| ${parameter.default} |`);
    if (parameter.protectedSetting) expect(row).toContain(`\`${parameter.protectedSetting}\` | ${parameter.protectedDefault} |`);
    expect(docs).toContain(COMPLIANCE_OVERRIDES_SETTING);
  });

  it.each(COST_SETTINGS.map((c) => [c.setting, c]))('documents %s with its default', (_setting, cost) => {
    expect(rowOf(cost.setting).replace(/,/g, '')).toMatch(new RegExp(`\\| ${String(cost.default).replace('.', '\\.')}0* \\|`));
  });
});
