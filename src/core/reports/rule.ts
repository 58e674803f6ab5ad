/**
 * A governance rule: an object with an id, a severity, a description and a check over one
 * subject (a secret's current version, a policy, a vault's properties...). Reports hold
 * lists of rules per kind of subject; adding a rule is adding an object to a list.
 * The report turns each violation into a Finding, filling in what the subject is.
 */
import type { Finding, Severity } from './finding.js';
import type { ComplianceParameters } from './compliance/parameters.js';

/** What the report knows when it checks one subject. */
export interface RuleContext {
  now: Date;
  /** The subject's environment, when one is known (see docs/reports.md, "Environments"). */
  environment?: string;
  /** Whether that environment is in GOVERNANCE_PROTECTED_ENVIRONMENTS. */
  protectedEnvironment: boolean;
  /** The parameters for that environment: defaults, then protected-environment defaults, then the environment's own overrides. */
  parameters: ComplianceParameters;
}

/** What a rule says when its subject breaks it; the report adds the rule, severity and object. */
export interface Violation {
  /** One sentence with the figures; never a secret value. */
  message: string;
  /** One sentence: what to do (for drift, what a re-apply would change). */
  fix: string;
  /** The parameters as applied, so a reader sees why. */
  parameters?: Finding['parameters'];
}

export interface ComplianceRule<Subject> {
  /** Stable, e.g. 'secret.expiry-required', 'policy.password-length', 'vault.purge-protection'. */
  readonly id: string;
  readonly severity: Severity;
  /** One sentence for docs and for GET /api/reports/compliance's rule list. */
  readonly description: string;
  /** The Azure Policy built-in definition it mirrors, when it mirrors one. */
  readonly azurePolicyDefinitionId?: string;
  /** A violation, or undefined when the subject complies (or the rule does not apply to it). */
  check(subject: Subject, context: RuleContext): Violation | undefined;
}

/** How a report names one kind of subject in its findings. */
export interface SubjectKind<Subject> {
  kind: Finding['kind'];
  describe(subject: Subject): Pick<Finding, 'object' | 'vault' | 'secret' | 'policyId'>;
}

/** Runs every rule over one subject; one finding per broken rule. */
export function evaluateRules<Subject>(rules: readonly ComplianceRule<Subject>[], subjectKind: SubjectKind<Subject>, subject: Subject, context: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    const violation = rule.check(subject, context);
    if (!violation) continue;
    findings.push({
      rule: rule.id,
      severity: rule.severity,
      kind: subjectKind.kind,
      ...subjectKind.describe(subject),
      message: violation.message,
      fix: violation.fix,
      ...(violation.parameters ? { parameters: violation.parameters } : {}),
    });
  }
  return findings;
}

/** The rule ids of a list, checked unique when a report is built: two rules with one id would merge in every count. */
export function assertUniqueRuleIds(rules: readonly { id: string }[]): void {
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule.id)) throw new Error(`two rules share the id '${rule.id}'`);
    seen.add(rule.id);
  }
}
