/** The reports' query parameters: each refused with a 400 naming it, unknown or repeated ones included. */
import type { HttpRequest } from '@azure/functions';
import { ValidationError } from '../../core/errors.js';
import { MAX_APPLICATION_READS_PER_SECRET_PER_MONTH, type CostUsage } from '../../core/reports/cost/cost-report.js';
import { SEVERITIES, type Severity } from '../../core/reports/finding.js';
import { DEFAULT_TIMELINE_DAYS, MAX_TIMELINE_DAYS } from '../../core/reports/rotation-timeline.js';
import { quote } from '../../core/untrusted-text.js';

export const DEFAULT_REPORT_PAGE_SIZE = 100;
export const MAX_REPORT_PAGE_SIZE = 1000;

function refuse(path: string, message: string): ValidationError {
  return new ValidationError(`query parameter ${quote(path, 32)} is invalid: ${message}`, [{ path, message }]);
}

/** Refuses parameters outside `known` and any given twice. */
function checkNames(request: HttpRequest, known: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of request.query.keys()) {
    if (!known.includes(name)) throw refuse(name, known.length ? `unknown parameter; this report takes ${known.join(', ')}` : 'unknown parameter; this report takes none');
    if (seen.has(name)) throw refuse(name, 'given more than once');
    seen.add(name);
  }
}

export interface ReportPageParams {
  pageSize: number;
  continuationToken?: string;
  summary: boolean;
}

/** pageSize (1-1000, default 100), continuationToken, and summary (default: on the first page only). */
export function reportPageParams(request: HttpRequest): ReportPageParams {
  checkNames(request, ['pageSize', 'continuationToken', 'summary']);
  const rawSize = request.query.get('pageSize');
  let pageSize = DEFAULT_REPORT_PAGE_SIZE;
  if (rawSize !== null) {
    pageSize = /^\d{1,4}$/.test(rawSize) ? Number(rawSize) : NaN;
    if (!(pageSize >= 1 && pageSize <= MAX_REPORT_PAGE_SIZE)) throw refuse('pageSize', `a whole number from 1 to ${MAX_REPORT_PAGE_SIZE}`);
  }
  const token = request.query.get('continuationToken');
  if (token === '') throw refuse('continuationToken', 'cannot be empty; leave it out for the first page');
  const rawSummary = request.query.get('summary');
  if (rawSummary !== null && rawSummary !== 'true' && rawSummary !== 'false') throw refuse('summary', "'true' or 'false'");
  return { pageSize, ...(token !== null ? { continuationToken: token } : {}), summary: rawSummary === null ? token === null : rawSummary === 'true' };
}

/** readsPerSecretPerMonth (0 to a billion, default 0): how often applications read each secret. */
export function costParams(request: HttpRequest): CostUsage {
  checkNames(request, ['readsPerSecretPerMonth']);
  const raw = request.query.get('readsPerSecretPerMonth');
  if (raw === null) return {};
  const reads = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(reads >= 0 && reads <= MAX_APPLICATION_READS_PER_SECRET_PER_MONTH)) throw refuse('readsPerSecretPerMonth', `a whole number from 0 to ${MAX_APPLICATION_READS_PER_SECRET_PER_MONTH}`);
  return { applicationReadsPerSecretPerMonth: reads };
}

/** failOn: the least severe finding that fails a check (default low: any finding fails). */
export function failOnParam(request: HttpRequest): Severity {
  checkNames(request, ['failOn']);
  const raw = request.query.get('failOn');
  if (raw === null) return 'low';
  if (!(SEVERITIES as readonly string[]).includes(raw)) throw refuse('failOn', `one of ${SEVERITIES.join(', ')}`);
  return raw as Severity;
}

/** days (1-90, default 30): the rotation timeline's window, whole UTC days ending today. */
export function timelineDaysParam(request: HttpRequest): number {
  checkNames(request, ['days']);
  const raw = request.query.get('days');
  if (raw === null) return DEFAULT_TIMELINE_DAYS;
  const days = /^\d{1,2}$/.test(raw) ? Number(raw) : NaN;
  if (!(days >= 1 && days <= MAX_TIMELINE_DAYS)) throw refuse('days', `a whole number from 1 to ${MAX_TIMELINE_DAYS}`);
  return days;
}
