/**
 * What every governance report says about one object: which rule, what object, how bad, and
 * how to fix it. Compliance, access review and drift all answer in findings, so the CLI and
 * the dashboard present them one way and CI can gate on severity.
 */
import { z } from 'zod';

export const SEVERITIES = ['high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const FINDING_KINDS = ['secret', 'vault', 'policy', 'role-assignment', 'access-policy'] as const;

export interface Finding {
  /** Stable id of the rule, e.g. 'secret.expiry-required' or 'vault.purge-protection'. */
  rule: string;
  severity: Severity;
  /** What the finding is about: a secret (`<vault>/<secret>`), a vault name, a policy id, a role assignment id. */
  object: string;
  kind: (typeof FINDING_KINDS)[number];
  /** One sentence: what is wrong, with the figures (never a secret value). */
  message: string;
  /** One sentence: what to do about it. */
  fix: string;
  vault?: string;
  secret?: string;
  policyId?: string;
  /** The rule's parameters as applied (e.g. { maximumValidityInDays: 90 }), so a reader sees why. */
  parameters?: Record<string, string | number | boolean>;
}

/** A finding as JSON carries it: the API's Finding, and each finding kvrot prints with its place in the file. */
export const findingJsonFields = {
  rule: z.string(),
  severity: z.enum(SEVERITIES),
  object: z.string(),
  kind: z.enum(FINDING_KINDS),
  message: z.string(),
  fix: z.string(),
  vault: z.string().optional(),
  secret: z.string().optional(),
  policyId: z.string().optional(),
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
} satisfies Record<keyof Finding, z.ZodType>;

const ORDER: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/** Most severe first, then by rule and object, so two runs over the same state answer the same list. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || a.rule.localeCompare(b.rule) || a.object.localeCompare(b.object));
}
