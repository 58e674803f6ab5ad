/**
 * SecretZero's own `policies` and `metadata.compliance`, evaluated as its PolicyEngine does,
 * offline (its lockfile "overdue" check has no counterpart here), and answered as findings:
 * - rotation: `require_rotation_period` (the secret has none) or `max_age` (its period is
 *   longer; periods it cannot read are not compared), severity warning unless set;
 * - access: each of the secret's own targets whose kind is in `denied_targets`, or not in a
 *   non-empty `allowed_targets`, severity error unless set;
 * - compliance: SecretZero checks nothing for it, and neither does this;
 * - `metadata.compliance: [soc2]` adds soc2_rotation (max_age 90d, period required) and
 *   `iso27001` adds iso27001_rotation (period required), both warnings, replacing a policy
 *   of the same name.
 * Policies with another kind (provider_identity) or disabled are not evaluated.
 */
import { z } from 'zod';
import type { Finding, Severity } from '../reports/finding.js';
import { boundText, quote } from '../untrusted-text.js';
import type { Path } from './paths.js';
import type { SecretZeroSecret } from './secretzero-schema.js';

const SEVERITY = z.enum(['error', 'warning', 'info'], { error: 'must be error, warning or info' });
const SEVERITY_OF: Record<z.output<typeof SEVERITY>, Severity> = { error: 'high', warning: 'medium', info: 'low' };
const laxBool = z.union([z.boolean(), z.literal(0), z.literal(1)]).transform(Boolean);

const rotationPolicySchema = z.looseObject({
  enabled: laxBool.default(true),
  max_age: z.string().nullish(),
  require_rotation_period: laxBool.default(false),
  severity: SEVERITY.default('warning'),
});

const accessPolicySchema = z.looseObject({
  enabled: laxBool.default(true),
  allowed_targets: z.array(z.string()).default([]),
  denied_targets: z.array(z.string()).default([]),
  severity: SEVERITY.default('error'),
});

type RotationRule = z.output<typeof rotationPolicySchema> & { kind: 'rotation' };
type AccessRule = z.output<typeof accessPolicySchema> & { kind: 'access' };
export type SecretZeroRule = (RotationRule | AccessRule) & { name: string; path: Path };

export interface RuleParse {
  rules: SecretZeroRule[];
  issues: { path: Path; issues: readonly z.core.$ZodIssue[] }[];
}

/** The rules a file declares, in SecretZero's order: its own policies, then those metadata.compliance adds. */
export function secretZeroRules(policies: Record<string, unknown> | null | undefined, compliance: readonly string[] | null | undefined): RuleParse {
  const byName = new Map<string, SecretZeroRule>();
  const issues: RuleParse['issues'] = [];
  for (const [name, config] of Object.entries(policies ?? {})) {
    if (config === null || typeof config !== 'object' || Array.isArray(config)) continue;
    const kind = (config as { kind?: unknown }).kind;
    const path: Path = ['policies', name];
    if (kind === 'rotation') {
      const parsed = rotationPolicySchema.safeParse(config);
      if (parsed.success) byName.set(name, { ...parsed.data, kind, name, path });
      else issues.push({ path, issues: parsed.error.issues });
    } else if (kind === 'access') {
      const parsed = accessPolicySchema.safeParse(config);
      if (parsed.success) byName.set(name, { ...parsed.data, kind, name, path });
      else issues.push({ path, issues: parsed.error.issues });
    }
  }
  for (const standard of compliance ?? []) {
    const path: Path = ['metadata', 'compliance'];
    if (standard.toLowerCase() === 'soc2') {
      byName.set('soc2_rotation', { kind: 'rotation', name: 'soc2_rotation', path, enabled: true, max_age: '90d', require_rotation_period: true, severity: 'warning' });
    } else if (standard.toLowerCase() === 'iso27001') {
      byName.set('iso27001_rotation', { kind: 'rotation', name: 'iso27001_rotation', path, enabled: true, max_age: null, require_rotation_period: true, severity: 'warning' });
    }
  }
  return { rules: [...byName.values()], issues };
}

/** SecretZero's parse_rotation_period, in days; undefined for what it cannot read. */
export function secretZeroPeriodDays(period: string | null | undefined): number | undefined {
  const match = period ? /^(\d+)([dwmy])$/.exec(period.toLowerCase()) : null;
  if (!match) return undefined;
  return Number(match[1]) * { d: 1, w: 7, m: 30, y: 365 }[match[2] as 'd' | 'w' | 'm' | 'y'];
}

export interface RuleFinding {
  finding: Finding;
  /** Where in the file the finding points: the secret's rotation_period, or the target's kind. */
  path: Path;
}

export function evaluateRules(rules: readonly SecretZeroRule[], secret: SecretZeroSecret, secretPath: Path, targets: readonly { kind: string; path: Path }[]): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const base = { object: boundText(secret.name, 256), kind: 'secret' as const };
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const parameters = { policy: rule.name, ruleKind: rule.kind };
    if (rule.kind === 'rotation') {
      if (rule.require_rotation_period && !secret.rotation_period) {
        findings.push({
          path: secretPath,
          finding: {
            ...base,
            rule: 'secretzero.rotation.period-required',
            severity: SEVERITY_OF[rule.severity],
            message: `secret ${quote(secret.name)} has no rotation_period, which SecretZero policy ${quote(rule.name)} requires`,
            fix: `add rotation_period to the secret (e.g. rotation_period: ${boundText(rule.max_age ?? '90d', 32)})`,
            parameters,
          },
        });
        continue;
      }
      const maxDays = secretZeroPeriodDays(rule.max_age);
      const periodDays = secretZeroPeriodDays(secret.rotation_period);
      if (maxDays !== undefined && periodDays !== undefined && periodDays > maxDays) {
        findings.push({
          path: [...secretPath, 'rotation_period'],
          finding: {
            ...base,
            rule: 'secretzero.rotation.max-age',
            severity: SEVERITY_OF[rule.severity],
            message: `rotation_period ${secret.rotation_period} of secret ${quote(secret.name)} exceeds the ${rule.max_age} that SecretZero policy ${quote(rule.name)} allows`,
            fix: `reduce rotation_period to ${rule.max_age} or less`,
            parameters: { ...parameters, maxAge: rule.max_age ?? '' },
          },
        });
      }
      continue;
    }
    for (const target of targets) {
      if (rule.denied_targets.includes(target.kind)) {
        findings.push({
          path: [...target.path, 'kind'],
          finding: {
            ...base,
            rule: 'secretzero.access.denied-target',
            severity: SEVERITY_OF[rule.severity],
            message: `target kind ${quote(target.kind)} of secret ${quote(secret.name)} is denied by SecretZero policy ${quote(rule.name)}`,
            fix: `remove the target or update policy ${quote(rule.name)} to allow ${quote(target.kind)}`,
            parameters,
          },
        });
      }
      if (rule.allowed_targets.length > 0 && !rule.allowed_targets.includes(target.kind)) {
        findings.push({
          path: [...target.path, 'kind'],
          finding: {
            ...base,
            rule: 'secretzero.access.allowed-targets',
            severity: SEVERITY_OF[rule.severity],
            message: `target kind ${quote(target.kind)} of secret ${quote(secret.name)} is not among those SecretZero policy ${quote(rule.name)} allows`,
            fix: `use one of: ${boundText(rule.allowed_targets.join(', '), 256)}`,
            parameters,
          },
        });
      }
    }
  }
  return findings;
}
