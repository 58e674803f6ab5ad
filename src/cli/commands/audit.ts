/**
 * `kvrot audit -e <env> [--since 24h|<instant>] [--until <instant>] [--actor <oid>|me] [--action a]
 * [--policy p] [--vault v [--secret s]] [--result success|failure] [--limit n]`: the audit trail
 * (GET /api/audit, Audit.Read), newest first. `--actor me` is the oid in kvrot's own token.
 */
import type { Command } from 'commander';
import { parseInstant } from '../../core/audit/audit-query.js';
import { parseDuration } from '../../core/durations.js';
import { ValidationError } from '../../core/errors.js';
import { connect, withApiOptions, type ApiCommandOptions } from '../api/connect.js';
import type { CliCommand } from '../command.js';
import { CliUsageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { shown, styleFor, writeJson } from '../output.js';
import type { z } from 'zod';
import type { auditReportSchema } from './api-reports.js';
import { collect, limitOf, recordsHuman } from './history.js';
import { KVROT_JSON_VERSION } from './validate-report.js';

export interface AuditOptions extends ApiCommandOptions {
  environment: string;
  since?: string;
  until?: string;
  actor?: string;
  action?: string;
  policy?: string;
  vault?: string;
  secret?: string;
  result?: string;
  limit?: string;
}

export const auditCommand: CliCommand = {
  name: 'audit',
  register(program: Command, context) {
    withApiOptions(program.command('audit').description('the audit trail, newest first, filtered (Audit.Read)'))
      .option('--since <when>', 'an ISO 8601 instant, or a duration back from now (24h, 7d); default 7 days')
      .option('--until <instant>', 'an ISO 8601 instant; default now')
      .option('--actor <oid>', "who: an oid, a system actor (scheduler), or 'me'")
      .option('--action <action>', 'e.g. rotation.succeeded, policy.replaced, change-request.approved')
      .option('--policy <id>', 'a policy id')
      .option('--vault <name>', 'a vault name')
      .option('--secret <name>', 'a secret name (with --vault)')
      .option('--result <result>', 'success or failure')
      .option('--limit <n>', 'at most this many records', '100')
      .action((options: AuditOptions) => context.run(() => audit(options, context.io)));
  },
};

/** An ISO instant as the API takes it, or a duration counted back from now. */
export function instantOf(text: string, now: Date, flag: string): string {
  if (/^\d{4}-/.test(text)) {
    const parsed = parseInstant(text);
    if (typeof parsed === 'string') throw new CliUsageError(`${flag}: ${parsed}`);
    return parsed.toISOString();
  }
  try {
    return new Date(now.getTime() - parseDuration(text).milliseconds).toISOString();
  } catch (error) {
    if (error instanceof ValidationError) throw new CliUsageError(`${flag} takes an ISO 8601 instant (2026-04-01T00:00:00Z) or a duration back from now (24h, 7d): ${shown(error.message)}`);
    throw error;
  }
}

/** The oid of the token kvrot calls with: its payload read, not verified (the API verifies it). */
export function oidOf(token: string): string {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { oid?: unknown };
    if (typeof payload.oid === 'string') return payload.oid;
  } catch {
    // fall through
  }
  throw new CliUsageError("--actor me: kvrot's token names no oid; give the oid");
}

export async function audit(options: AuditOptions, io: CliIo): Promise<ExitCode> {
  const now = io.now?.() ?? new Date();
  const limit = limitOf(options.limit, 100);
  const from = options.since !== undefined ? instantOf(options.since, now, '--since') : undefined;
  const to = options.until !== undefined ? instantOf(options.until, now, '--until') : undefined;
  const { client, environment, token } = connect(options, options.environment, io, ['queryAudit']);
  const actor = options.actor === 'me' ? oidOf(await token()) : options.actor;
  const query = { from, to, actor, action: options.action, policy: options.policy, vault: options.vault, secret: options.secret, result: options.result, pageSize: String(Math.min(limit, 1000)) };
  let range = { from: '', to: '' };
  async function* pages() {
    for await (const page of client.pages('queryAudit', { query }, limit)) {
      // The first page's range is the one every later page reads: ask for it exactly.
      if (!range.from) {
        range = { from: page.from, to: page.to };
        Object.assign(query, range);
      }
      yield page;
    }
  }
  const { records, more } = await collect(pages(), limit);
  const report: z.output<typeof auditReportSchema> = { kvrotJson: KVROT_JSON_VERSION, command: 'audit', ok: true, environment: environment.name, api: environment.baseUrl.origin, ...range, records, more };
  if (options.json) writeJson(io.stdout, report);
  else io.stdout.write(`${styleFor(io.stdout, io.env).bold(`Audit ${range.from} to ${range.to}`)}\n${recordsHuman(records, styleFor(io.stdout, io.env))}${more ? `(more: --limit ${limit * 2})\n` : ''}`);
  return EXIT.ok;
}
