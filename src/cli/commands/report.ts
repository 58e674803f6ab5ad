/**
 * `kvrot report inventory|compliance|access|drift|cost -e <env> [--limit n]`: a governance
 * report as the API computes it (GET /api/reports/<kind>), pages joined up to the limit, the
 * summary from the first page. A deployment whose own /api/openapi.json lacks the report is told
 * apart from a failure: "this deployment has no such report", exit 5.
 */
import type { Command } from 'commander';
import type { z } from 'zod';
import type { ApiOperationName } from '../../functions/http/api-operations.js';
import type { accessReportSchema, costReportSchema, findingSchema, inventoryPageSchema } from '../../functions/http/api-schemas.js';
import type { ApiClient } from '../api/api-client.js';
import { connect, withApiOptions, type ApiCommandOptions } from '../api/connect.js';
import type { CliCommand } from '../command.js';
import { CliUsageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { shown, styleFor, table, writeJson, type Style } from '../output.js';
import { REPORT_KINDS, type reportReportSchema } from './api-reports.js';
import { limitOf } from './history.js';
import { KVROT_JSON_VERSION } from './validate-report.js';

type ReportKind = (typeof REPORT_KINDS)[number];
type Finding = z.output<typeof findingSchema>;

export const REPORT_OPERATIONS: Record<ReportKind, ApiOperationName> = {
  inventory: 'inventoryReport',
  compliance: 'complianceReport',
  access: 'accessReport',
  drift: 'driftReport',
  cost: 'costReport',
};

export interface ReportOptions extends ApiCommandOptions {
  environment: string;
  limit?: string;
  vault?: string;
  minSeverity?: string;
}

export const reportCommand: CliCommand = {
  name: 'report',
  register(program: Command, context) {
    withApiOptions(program.command('report').description('a governance report from the API: inventory, compliance, access (Audit.Read), drift or cost').argument('<kind>', REPORT_KINDS.join('|')))
      .option('--limit <n>', 'at most this many items (inventory, compliance, drift)', '1000')
      .option('--vault <name>', 'access: only this vault')
      .option('--min-severity <severity>', 'access: only findings at least this severe (high, medium, low)')
      .action((kind: string, options: ReportOptions) => context.run(() => report(kind, options, context.io)));
  },
};

/** The report's pages joined: items up to the limit, the first page's summary and rules. */
export async function pagedReport(client: ApiClient, name: 'inventoryReport' | 'complianceReport' | 'driftReport', limit: number): Promise<{ data: Record<string, unknown>; more: boolean }> {
  let first: Record<string, unknown> | undefined;
  const items: unknown[] = [];
  let continuationToken: string | undefined;
  do {
    const answer = await client.call(name, [200], { query: { pageSize: String(Math.min(limit, 1000)), ...(continuationToken ? { continuationToken, summary: 'false' } : {}) } });
    const body = answer.body as { items: unknown[]; continuationToken?: string };
    first ??= answer.body as Record<string, unknown>;
    items.push(...body.items);
    continuationToken = body.continuationToken;
  } while (continuationToken && items.length < limit);
  const { continuationToken: _token, ...rest } = first!;
  return { data: { ...rest, items: items.slice(0, limit) }, more: continuationToken !== undefined || items.length > limit };
}

export async function report(kind: string, options: ReportOptions, io: CliIo): Promise<ExitCode> {
  if (!(REPORT_KINDS as readonly string[]).includes(kind)) throw new CliUsageError(`no report ${shown(JSON.stringify(kind))}: the reports are ${REPORT_KINDS.join(', ')}`);
  if ((options.vault !== undefined || options.minSeverity !== undefined) && kind !== 'access') throw new CliUsageError('--vault and --min-severity are for the access report');
  const limit = limitOf(options.limit, 1000);
  const operation = REPORT_OPERATIONS[kind as ReportKind];
  const { client, environment } = connect(options, options.environment, io, [operation]);
  const result: z.output<typeof reportReportSchema> = { kvrotJson: KVROT_JSON_VERSION, command: 'report', ok: true, environment: environment.name, api: environment.baseUrl.origin, report: kind as ReportKind, available: true, data: null, more: false };
  if (!(await client.serves(operation))) {
    result.ok = false;
    result.available = false;
    if (options.json) writeJson(io.stdout, result);
    io.stderr.write(`kvrot: this deployment has no such report: GET /api/reports/${kind} is not in ${environment.baseUrl.origin}/api/openapi.json (an older version of the app?)\n`);
    return EXIT.remote;
  }
  if (operation === 'inventoryReport' || operation === 'complianceReport' || operation === 'driftReport') {
    Object.assign(result, await pagedReport(client, operation, limit));
  } else if (operation === 'costReport') {
    result.data = (await client.call('costReport', [200])).body;
  } else {
    result.data = (await client.call('accessReport', [200], { query: { vault: options.vault, minSeverity: options.minSeverity } })).body;
  }
  if (options.json) writeJson(io.stdout, result);
  else io.stdout.write(human(kind as ReportKind, result.data!, result.more, styleFor(io.stdout, io.env)));
  return EXIT.ok;
}

export function findingsHuman(findings: readonly Finding[], style: Style): string {
  if (findings.length === 0) return '  no findings\n';
  return findings
    .map((f) => `  ${f.severity === 'high' ? style.red(f.severity) : f.severity === 'medium' ? style.yellow(f.severity) : f.severity}  ${shown(f.rule)}  ${shown(f.object)}\n    ${shown(f.message)}\n    ${style.dim(`fix: ${shown(f.fix)}`)}\n`)
    .join('');
}

/** Four decimals, and no '-0.0000' for a credit too small to show. */
const money = (amount: number) => (Math.abs(amount) < 0.00005 ? 0 : amount).toFixed(4);

export function costHuman(cost: z.output<typeof costReportSchema>, style: Style): string {
  const rows = [
    ...cost.vaults.flatMap((vault) => vault.lines.map((line) => [shown(vault.vault), shown(line.item), `${line.quantity} ${line.unit}`, money(line.monthlyCost)])),
    ...cost.shared.lines.map((line) => ['(shared)', shown(line.item), `${line.quantity} ${line.unit}`, money(line.monthlyCost)]),
  ];
  return `${table(['VAULT', 'ITEM', 'QUANTITY', `${cost.currency}/MONTH`], rows, style)}${style.bold(`total ${money(cost.totalMonthlyCost)} ${cost.currency} a month`)} (${shown(cost.month)})\n`;
}

/** Each vault reviewed: its role assignments (how many PIM activated), PIM-eligible and deny assignments, or that they could not be read. */
export function accessVaultsHuman(access: z.output<typeof accessReportSchema>, style: Style): string {
  const unread = (status: string) => (status === 'unavailable' ? 'unreadable' : status === 'not-reviewed' ? '-' : undefined);
  const rows = access.vaults.map((vault) => [
    shown(vault.vault),
    String(vault.assignments.length),
    String(vault.assignments.filter((assignment) => assignment.activeAs === 'activation').length),
    unread(vault.pim) ?? String(vault.eligible.length),
    unread(vault.denyAssignmentsStatus) ?? String(vault.denyAssignments.length),
  ]);
  return table(['VAULT', 'ASSIGNMENTS', 'PIM-ACTIVATED', 'ELIGIBLE', 'DENY'], rows, style);
}

function human(kind: ReportKind, data: Record<string, unknown>, more: boolean, style: Style): string {
  const out = [`${style.bold(`${kind[0]!.toUpperCase()}${kind.slice(1)} report`)} (${shown(String(data['generatedAt'] ?? ''))})\n`];
  if (kind === 'cost') out.push(costHuman(data as z.output<typeof costReportSchema>, style));
  else if (kind === 'inventory') {
    const inventory = data as z.output<typeof inventoryPageSchema>;
    if (inventory.summary) out.push(`  ${Object.entries(inventory.summary).map(([name, count]) => `${name} ${count}`).join(', ')}\n`);
    out.push(table(['VAULT', 'SECRET', 'POLICY', 'ENVIRONMENT', 'EXPIRES', 'DAYS LEFT', 'STATUS'], inventory.items.map((i) => [shown(i.vault), shown(i.name), shown(i.managedBy ?? (i.replicaOf !== null ? `(replica of ${i.replicaOf})` : '(unmanaged)')), shown(i.environment ?? '-'), i.expiresOn ?? 'never', i.daysLeft === null ? '-' : String(i.daysLeft), i.policyStatus ?? '-']), style));
  } else {
    if (kind === 'access') out.push(accessVaultsHuman(data as z.output<typeof accessReportSchema>, style));
    const findings = (kind === 'access' ? (data as z.output<typeof accessReportSchema>).findings : (data['items'] as Finding[])) ?? [];
    const summary = data['summary'] as { bySeverity?: Record<string, number>; findings?: number } | undefined;
    if (summary?.bySeverity) out.push(`  ${summary.findings ?? findings.length} findings: ${summary.bySeverity['high'] ?? 0} high, ${summary.bySeverity['medium'] ?? 0} medium, ${summary.bySeverity['low'] ?? 0} low\n`);
    out.push(findingsHuman(findings, style));
  }
  if (more) out.push('(more: raise --limit)\n');
  return out.join('');
}
