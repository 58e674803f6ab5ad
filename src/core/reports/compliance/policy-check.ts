/**
 * POST /api/policy-check: the policy rules over policy bodies before they are stored, so CI
 * can gate a change on them. Bodies are parsed exactly as PUT /api/policies/{id} parses them;
 * nothing is read or written.
 */
import { ValidationError, type ErrorDetail } from '../../errors.js';
import type { RotationPolicy } from '../../policy/policy.js';
import { sortFindings, type Finding, type Severity } from '../finding.js';
import { evaluateRules, type ComplianceRule } from '../rule.js';
import { isProtected, parametersFor, type ComplianceSettings } from './parameters.js';
import { policySubjects } from './subjects.js';

/** A CI run checks a repository's policies at once; more than this is several calls. */
export const MAX_CHECKED_POLICIES = 100;

export interface PolicyCheckResult {
  /** True when no finding is at or above failOn. */
  pass: boolean;
  failOn: Severity;
  policies: { id: string; environment: string; pass: boolean; findings: number }[];
  findings: Finding[];
}

const RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

export class PolicyCheck {
  constructor(
    private readonly deps: {
      /** Parses a body as PUT /api/policies/{id} would (governed vault included), throwing ValidationError naming the field. */
      parse(id: string, body: unknown): RotationPolicy;
      settings: ComplianceSettings;
      rules: readonly ComplianceRule<RotationPolicy>[];
      now(): Date;
    },
  ) {}

  /** `body`: one policy, or {"policies": [...]}. */
  check(body: unknown, failOn: Severity): PolicyCheckResult {
    const policies = this.#parseAll(body);
    const now = this.deps.now();
    const findings: Finding[] = [];
    const perPolicy: PolicyCheckResult['policies'] = [];
    for (const policy of policies) {
      const environment = policy.environment;
      const own = evaluateRules(this.deps.rules, policySubjects, policy, {
        now,
        environment,
        protectedEnvironment: isProtected(this.deps.settings, environment),
        parameters: parametersFor(this.deps.settings, environment),
      });
      findings.push(...own);
      perPolicy.push({ id: policy.id, environment, pass: !own.some((f) => RANK[f.severity] <= RANK[failOn]), findings: own.length });
    }
    return { pass: perPolicy.every((p) => p.pass), failOn, policies: perPolicy, findings: sortFindings(findings) };
  }

  #parseAll(body: unknown): RotationPolicy[] {
    if (isObject(body) && 'policies' in body) {
      const list = body['policies'];
      const extra = Object.keys(body).filter((key) => key !== 'policies');
      if (extra.length > 0) throw new ValidationError('the request body is invalid', extra.slice(0, 10).map((key) => ({ path: key, message: 'unknown field: send one policy, or {"policies": [...]} alone' })));
      if (!Array.isArray(list) || list.length === 0 || list.length > MAX_CHECKED_POLICIES) {
        throw new ValidationError('the request body is invalid', [{ path: 'policies', message: `an array of 1 to ${MAX_CHECKED_POLICIES} policies` }]);
      }
      const parsed: RotationPolicy[] = [];
      const details: ErrorDetail[] = [];
      list.forEach((item, index) => {
        try {
          parsed.push(this.#parseOne(item));
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          for (const detail of error.details) details.push({ path: detail.path ? `policies.${index}.${detail.path}` : `policies.${index}`, message: detail.message });
        }
      });
      if (details.length > 0) throw new ValidationError(`the request body is invalid: ${details[0]!.path}: ${details[0]!.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`, details);
      const ids = new Set<string>();
      parsed.forEach((policy, index) => {
        if (ids.has(policy.id)) details.push({ path: `policies.${index}.id`, message: `'${policy.id}' appears twice` });
        ids.add(policy.id);
      });
      if (details.length > 0) throw new ValidationError('the request body is invalid', details);
      return parsed;
    }
    return [this.#parseOne(body)];
  }

  #parseOne(body: unknown): RotationPolicy {
    if (!isObject(body)) throw new ValidationError('the request body must be a JSON object', [{ path: '', message: 'expected a policy object, or {"policies": [...]}' }]);
    const id = typeof body['id'] === 'string' ? body['id'] : undefined;
    if (id === undefined) throw new ValidationError('the policy has no id', [{ path: 'id', message: 'is required: the id the policy would be stored under' }]);
    return this.deps.parse(id, body);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
