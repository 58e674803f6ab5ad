/**
 * A policy as `validate` and `plan` show it: a template's fixed values come from the
 * Secretfile, where a static value is a secret, so each is shown as `[redacted]`.
 */
import type { RotationPolicy } from '../policy/policy.js';

export const REDACTED = '[redacted]';

export function policyForDisplay(policy: RotationPolicy): RotationPolicy {
  if (policy.generator.kind !== 'template') return policy;
  const fields = Object.fromEntries(Object.entries(policy.generator.fields).map(([name, field]) => [name, 'static' in field ? { static: REDACTED } : field]));
  return { ...policy, generator: { ...policy.generator, fields } };
}
