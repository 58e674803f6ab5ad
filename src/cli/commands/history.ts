/** `kvrot history <policy> -e <env> [--limit n]`: the policy's audit trail, newest first (rotations, failures, replaces with the fields that changed, events). */
import type { Command } from 'commander';
import type { z } from 'zod';
import type { auditRecordSchema } from '../../functions/http/api-schemas.js';
import { connect, withApiOptions, type ApiCommandOptions } from '../api/connect.js';
import type { CliCommand } from '../command.js';
import { CliUsageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { shown, styleFor, table, writeJson, type Style } from '../output.js';
import type { historyReportSchema } from './api-reports.js';
import { KVROT_JSON_VERSION } from './validate-report.js';

type AuditRecord = z.output<typeof auditRecordSchema>;

export interface HistoryOptions extends ApiCommandOptions {
  environment: string;
  limit?: string;
}

export const historyCommand: CliCommand = {
  name: 'history',
  register(program: Command, context) {
    withApiOptions(program.command('history').description("a policy's audit trail, newest first").argument('<policy>', 'the policy id'))
      .option('--limit <n>', 'at most this many records', '50')
      .action((policy: string, options: HistoryOptions) => context.run(() => history(policy, options, context.io)));
  },
};

export function limitOf(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1) throw new CliUsageError(`--limit must be a whole number from 1 to 999999, not ${shown(JSON.stringify(text))}`);
  return Number(text);
}

/** Records from the pages, up to the limit; `more` when the API had more. */
export async function collect(pages: AsyncIterable<{ items: AuditRecord[]; continuationToken?: string | undefined }>, limit: number): Promise<{ records: AuditRecord[]; more: boolean }> {
  const records: AuditRecord[] = [];
  let more = false;
  for await (const page of pages) {
    records.push(...page.items);
    more = page.continuationToken !== undefined || records.length > limit;
    if (records.length >= limit) break;
  }
  return { records: records.slice(0, limit), more };
}

export async function history(policyId: string, options: HistoryOptions, io: CliIo): Promise<ExitCode> {
  const limit = limitOf(options.limit, 50);
  const { client, environment } = connect(options, options.environment, io, ['listRotations']);
  const { records, more } = await collect(client.pages('listRotations', { params: { id: policyId }, query: { pageSize: String(Math.min(limit, 1000)) } }, limit), limit);
  const report: z.output<typeof historyReportSchema> = { kvrotJson: KVROT_JSON_VERSION, command: 'history', ok: true, environment: environment.name, api: environment.baseUrl.origin, policyId, records, more };
  if (options.json) writeJson(io.stdout, report);
  else io.stdout.write(`${recordsHuman(records, styleFor(io.stdout, io.env))}${more ? `(more: --limit ${limit * 2})\n` : ''}`);
  return EXIT.ok;
}

export function recordsHuman(records: readonly AuditRecord[], style: Style): string {
  if (records.length === 0) return 'no records\n';
  return table(
    ['AT', 'ACTION', 'POLICY', 'ACTOR', 'ROTATION', 'VERSION', 'DETAIL'],
    records.map((r) => [
      r.at,
      r.action.endsWith('failed') ? style.red(r.action) : r.action,
      shown(r.policyId ?? '-'),
      shown(r.actor),
      shown(r.rotationId ?? '-'),
      shown(r.newVersion ?? '-'),
      shown(r.error ?? (r.changedFields ? `changed ${r.changedFields.join(', ')}` : (r.reason ?? ''))).slice(0, 160),
    ]),
    style,
  );
}
