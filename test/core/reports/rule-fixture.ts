/** Subjects and contexts for the rules' unit tests: a compliant one in one line, changed where a test cares. */
import { DAY_MS } from '../../../src/core/durations.js';
import type { ListedSecret } from '../../../src/core/ports.js';
import { DEFAULT_COMPLIANCE_PARAMETERS, DEFAULT_PROTECTED_COMPLIANCE_PARAMETERS, type ComplianceParameters } from '../../../src/core/reports/compliance/parameters.js';
import type { RuleContext } from '../../../src/core/reports/rule.js';
import { parsePolicy, type RotationPolicy, type RotationPolicyInput } from '../../../src/core/policy/policy.js';
import { aPolicyJson } from '../../support/policy-mother.js';

/** A parsed policy from input-shaped overrides (generators as the API takes them). */
export function policyFrom(overrides: Partial<RotationPolicyInput> = {}): RotationPolicy {
  return parsePolicy({ ...aPolicyJson(), ...overrides });
}

export const NOW = new Date('2026-12-01T12:00:00Z');
export const VAULT = 'https://kv-rules.vault.azure.net';

export const daysFromNow = (days: number) => new Date(NOW.getTime() + days * DAY_MS);

export function aListedSecret(overrides: Partial<ListedSecret> = {}): ListedSecret {
  return {
    vaultUrl: VAULT,
    secretName: 'app-secret',
    enabled: true,
    createdOn: daysFromNow(-10),
    expiresOn: daysFromNow(80),
    contentType: 'text/plain',
    tags: {},
    ...overrides,
  };
}

export function context(overrides: Omit<Partial<RuleContext>, 'parameters'> & { parameters?: Partial<ComplianceParameters> } = {}): RuleContext {
  const protectedEnvironment = overrides.protectedEnvironment ?? false;
  return {
    now: NOW,
    environment: protectedEnvironment ? 'production' : 'development',
    protectedEnvironment,
    ...overrides,
    parameters: { ...DEFAULT_COMPLIANCE_PARAMETERS, ...(protectedEnvironment ? DEFAULT_PROTECTED_COMPLIANCE_PARAMETERS : {}), ...overrides.parameters },
  };
}
