/**
 * What approve and reject share: one POST per change request, and the table of where each
 * request stands afterwards (the approval that completes the count runs the operation).
 */
import type { z } from 'zod';
import { REDACTED } from '../../core/secretfile/index.js';
import type { changeRequestSchema } from '../../functions/http/api-schemas.js';
import type { CliIo } from '../io.js';
import { shown, styleFor, table } from '../output.js';
import type { approveReportSchema } from './api-reports.js';

type ChangeRequest = z.output<typeof changeRequestSchema>;
export type DecidedRequest = z.output<typeof approveReportSchema>['requests'][number];

/**
 * A change request as kvrot prints it: a policy body's template fixed values come from a
 * Secretfile, where a static value is a secret, so they are shown as [redacted] as validate shows them.
 */
export function redacted(request: ChangeRequest): ChangeRequest {
  const generator = request.body['generator'] as { kind?: unknown; fields?: unknown } | undefined;
  if (generator?.kind !== 'template' || typeof generator.fields !== 'object' || generator.fields === null) return request;
  const fields = Object.fromEntries(Object.entries(generator.fields).map(([name, field]) => [name, field && typeof field === 'object' && 'static' in field ? { static: REDACTED } : field]));
  return { ...request, body: { ...request.body, generator: { ...generator, fields } } };
}

export function decided(request: ChangeRequest): DecidedRequest {
  return {
    id: request.id,
    status: request.status,
    action: request.action,
    policyId: request.policyId,
    approvals: request.approvals.length,
    result: request.execution?.result?.summary ?? null,
    error: request.execution?.error ?? null,
  };
}

export function decidedHuman(requests: readonly DecidedRequest[], io: CliIo): string {
  const style = styleFor(io.stdout, io.env);
  const rows = requests.map((r) => [shown(r.id), r.status === 'executed' ? style.green(r.status) : r.status === 'failed' ? style.red(r.status) : r.status, String(r.approvals), shown(r.action), shown(r.policyId), shown(r.result ?? r.error ?? '-')]);
  return table(['CHANGE REQUEST', 'STATUS', 'APPROVALS', 'ACTION', 'POLICY', 'RESULT'], rows, style);
}
