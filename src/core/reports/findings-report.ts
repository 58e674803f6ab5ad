/**
 * A report of findings (compliance, drift) over sections, each one kind of subject read a
 * bounded page at a time: the HTTP answer is bounded whatever the vaults hold, and a summary
 * (counts by severity and rule) is a streaming pass that keeps only counts.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { sortFindings, SEVERITIES, type Finding, type Severity } from './finding.js';
import { isProtected, parametersFor } from './compliance/parameters.js';
import type { GovernedScope } from './governed-scope.js';
import { decodeReportToken, encodeReportToken } from './report-token.js';
import { assertUniqueRuleIds, evaluateRules, type ComplianceRule, type RuleContext, type SubjectKind } from './rule.js';

/** Where one kind of subject comes from, a page at a time. */
export interface SubjectSource<Subject, Cursor> {
  readonly cursorSchema: z.ZodType<Cursor>;
  /** Up to `limit` subjects from `cursor` (undefined: the first); `next` only when more may follow. */
  read(scope: GovernedScope, cursor: Cursor | undefined, limit: number): Promise<{ subjects: Subject[]; next?: Cursor }>;
  /** Every subject, in batches, for the summary; batches may come from several vaults at once. */
  forEachBatch(scope: GovernedScope, visit: (subjects: Subject[]) => void): Promise<void>;
  /** The environment whose parameters apply to the subject. */
  environmentOf(subject: Subject, scope: GovernedScope): string | undefined;
}

export interface SectionPage {
  findings: Finding[];
  examined: number;
  next?: unknown;
}

export interface RuleDescription {
  id: string;
  severity: Severity;
  description: string;
  azurePolicyDefinitionId?: string;
}

/** One kind of subject and the rules run over each. */
export interface FindingSection {
  readonly name: string;
  readonly rules: readonly RuleDescription[];
  page(scope: GovernedScope, now: Date, cursor: unknown, limit: number): Promise<SectionPage>;
  summarize(scope: GovernedScope, now: Date, visit: (findings: Finding[], examined: number) => void): Promise<void>;
  parseCursor(cursor: unknown): unknown;
}

export class RuleSection<Subject, Cursor> implements FindingSection {
  constructor(
    readonly name: string,
    private readonly subjectKind: SubjectKind<Subject>,
    readonly rules: readonly ComplianceRule<Subject>[],
    private readonly source: SubjectSource<Subject, Cursor>,
  ) {
    assertUniqueRuleIds(rules);
  }

  parseCursor(cursor: unknown): Cursor | undefined {
    if (cursor === undefined) return undefined;
    const parsed = this.source.cursorSchema.safeParse(cursor);
    if (!parsed.success) throw new ValidationError('continuationToken is invalid', [{ path: 'continuationToken', message: 'not a token this report gave' }]);
    return parsed.data;
  }

  async page(scope: GovernedScope, now: Date, cursor: unknown, limit: number): Promise<SectionPage> {
    const { subjects, next } = await this.source.read(scope, this.parseCursor(cursor), limit);
    return { findings: subjects.flatMap((subject) => this.#evaluate(scope, now, subject)), examined: subjects.length, ...(next !== undefined ? { next } : {}) };
  }

  summarize(scope: GovernedScope, now: Date, visit: (findings: Finding[], examined: number) => void): Promise<void> {
    return this.source.forEachBatch(scope, (subjects) => visit(subjects.flatMap((subject) => this.#evaluate(scope, now, subject)), subjects.length));
  }

  #evaluate(scope: GovernedScope, now: Date, subject: Subject): Finding[] {
    const environment = this.source.environmentOf(subject, scope);
    const context: RuleContext = {
      now,
      ...(environment !== undefined ? { environment } : {}),
      protectedEnvironment: isProtected(scope.settings, environment),
      parameters: parametersFor(scope.settings, environment),
    };
    return evaluateRules(this.rules, this.subjectKind, subject, context);
  }
}

export interface FindingsSummary {
  /** Subjects examined, by section. */
  examined: Record<string, number>;
  findings: number;
  bySeverity: Record<Severity, number>;
  /** Every rule of the report, with its count (0 included). */
  byRule: Record<string, number>;
}

export interface FindingsPage {
  /** Sorted with sortFindings within the page. */
  items: Finding[];
  /** Subjects this page examined; a page may examine some and find nothing. */
  examined: number;
  continuationToken?: string;
  summary?: FindingsSummary;
}

export interface FindingsPageRequest {
  pageSize: number;
  continuationToken?: string;
  summary: boolean;
}

const tokenSchema = z.strictObject({ section: z.string().min(1).max(64), cursor: z.unknown().optional() });

export class FindingsReport {
  constructor(readonly sections: readonly FindingSection[]) {
    assertUniqueRuleIds(sections.flatMap((section) => section.rules));
    const names = new Set(sections.map((section) => section.name));
    if (names.size !== sections.length) throw new Error('two sections of a report share a name');
  }

  get rules(): RuleDescription[] {
    return this.sections.flatMap((section) =>
      section.rules.map((rule) => ({
        id: rule.id,
        severity: rule.severity,
        description: rule.description,
        ...(rule.azurePolicyDefinitionId ? { azurePolicyDefinitionId: rule.azurePolicyDefinitionId } : {}),
      })),
    );
  }

  async page(scope: GovernedScope, now: Date, request: FindingsPageRequest): Promise<FindingsPage> {
    let index = 0;
    let cursor: unknown;
    if (request.continuationToken !== undefined) {
      const token = decodeReportToken(request.continuationToken, tokenSchema);
      index = this.sections.findIndex((section) => section.name === token.section);
      if (index === -1) throw new ValidationError('continuationToken is invalid', [{ path: 'continuationToken', message: 'not a token this report gave' }]);
      cursor = this.sections[index]!.parseCursor(token.cursor);
    }
    const findings: Finding[] = [];
    let examined = 0;
    while (index < this.sections.length && examined < request.pageSize) {
      const section = this.sections[index]!;
      const page = await section.page(scope, now, cursor, request.pageSize - examined);
      findings.push(...page.findings);
      examined += page.examined;
      if (page.next !== undefined) {
        cursor = page.next;
        if (examined >= request.pageSize) break;
      } else {
        index += 1;
        cursor = undefined;
      }
    }
    const continuationToken = index < this.sections.length ? encodeReportToken({ section: this.sections[index]!.name, ...(cursor !== undefined ? { cursor } : {}) }) : undefined;
    return {
      items: sortFindings(findings),
      examined,
      ...(continuationToken ? { continuationToken } : {}),
      ...(request.summary ? { summary: await this.summary(scope, now) } : {}),
    };
  }

  /** A pass over every subject of every section, keeping counts only. */
  async summary(scope: GovernedScope, now: Date): Promise<FindingsSummary> {
    const summary: FindingsSummary = {
      examined: Object.fromEntries(this.sections.map((section) => [section.name, 0])),
      findings: 0,
      bySeverity: Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>,
      byRule: Object.fromEntries(this.rules.map((rule) => [rule.id, 0])),
    };
    for (const section of this.sections) {
      await section.summarize(scope, now, (findings, examined) => {
        summary.examined[section.name] = (summary.examined[section.name] ?? 0) + examined;
        summary.findings += findings.length;
        for (const finding of findings) {
          summary.bySeverity[finding.severity] += 1;
          summary.byRule[finding.rule] = (summary.byRule[finding.rule] ?? 0) + 1;
        }
      });
    }
    return summary;
  }
}
