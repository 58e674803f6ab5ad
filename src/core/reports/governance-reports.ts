/**
 * The governance reports as one service: each call reads the policies once (GovernedScope),
 * then runs its report over the governed vaults. Reports read; they never write.
 */
import type { Clock } from '../clock.js';
import type { RotationPolicy } from '../policy/policy.js';
import type { PolicyRepository } from '../ports.js';
import type { Severity } from './finding.js';
import type { ComplianceSettings } from './compliance/parameters.js';
import { PolicyCheck, type PolicyCheckResult } from './compliance/policy-check.js';
import { POLICY_CHECK_RULES } from './compliance/policy-rules.js';
import { CostReport, type CostReportAnswer, type CostUsage } from './cost/cost-report.js';
import type { CostSettings } from './cost/cost-settings.js';
import type { FindingsPage, FindingsPageRequest, FindingsReport, RuleDescription } from './findings-report.js';
import { GovernedScope } from './governed-scope.js';
import { InventoryReport, type InventoryDependencies, type InventoryPage } from './inventory.js';

export interface ReportPageRequest {
  pageSize: number;
  continuationToken?: string;
  /** The summary costs a pass over every governed vault: by default only the first page has it. */
  summary: boolean;
}

export interface GovernanceReportsDependencies extends InventoryDependencies {
  policies: PolicyRepository;
  clock: Clock;
  governedVaultUrls: readonly string[];
  compliance: ComplianceSettings;
  costs: CostSettings;
  scanSchedule: string;
  /** DRAIN_CHECK_INTERVAL_SECONDS in ms, which the cost report's drain checks assume. */
  drainCheckIntervalInMs?: number;
  /** The compliance report, composed of its sections (policies, secrets, and any appended: vault settings). */
  complianceReport: FindingsReport;
  driftReport: FindingsReport;
  /** Parses a policy body exactly as PUT /api/policies/{id} does. */
  parsePolicy(id: string, body: unknown): RotationPolicy;
}

export class GovernanceReports {
  readonly #inventory: InventoryReport;
  readonly #cost: CostReport;
  readonly #check: PolicyCheck;

  constructor(private readonly deps: GovernanceReportsDependencies) {
    this.#inventory = new InventoryReport(deps);
    this.#cost = new CostReport({ prices: deps.costs, scanSchedule: deps.scanSchedule, ...(deps.drainCheckIntervalInMs !== undefined ? { drainCheckIntervalInMs: deps.drainCheckIntervalInMs } : {}) });
    this.#check = new PolicyCheck({ parse: deps.parsePolicy, settings: deps.compliance, rules: POLICY_CHECK_RULES, now: () => deps.clock.now() });
  }

  #scope(): Promise<GovernedScope> {
    return GovernedScope.load(this.deps.policies, this.deps.governedVaultUrls, this.deps.compliance);
  }

  async inventory(request: ReportPageRequest): Promise<InventoryPage> {
    return this.#inventory.page(await this.#scope(), this.deps.clock.now(), request);
  }

  async compliance(request: FindingsPageRequest): Promise<FindingsPage & { rules?: RuleDescription[] }> {
    const page = await this.deps.complianceReport.page(await this.#scope(), this.deps.clock.now(), request);
    return request.continuationToken === undefined ? { ...page, rules: this.deps.complianceReport.rules } : page;
  }

  async drift(request: FindingsPageRequest): Promise<FindingsPage & { rules?: RuleDescription[] }> {
    const page = await this.deps.driftReport.page(await this.#scope(), this.deps.clock.now(), request);
    return request.continuationToken === undefined ? { ...page, rules: this.deps.driftReport.rules } : page;
  }

  async cost(usage: CostUsage = {}): Promise<CostReportAnswer> {
    return this.#cost.compute(await this.#scope(), usage);
  }

  /** Reads nothing: the policy rules over the bodies, with this deployment's parameters. */
  checkPolicies(body: unknown, failOn: Severity): PolicyCheckResult {
    return this.#check.check(body, failOn);
  }
}
