/** `kvrot reject <request>... -e <env> [--reason <text>]`: rejects change requests made by someone else. */
import type { Command } from 'commander';
import { connect, withApiOptions, type ApiCommandOptions } from '../api/connect.js';
import type { CliCommand } from '../command.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { writeJson } from '../output.js';
import type { z } from 'zod';
import type { rejectReportSchema } from './api-reports.js';
import { decided, decidedHuman } from './decide.js';
import { KVROT_JSON_VERSION } from './validate-report.js';

export interface RejectOptions extends ApiCommandOptions {
  environment: string;
  reason?: string;
}

export const rejectCommand: CliCommand = {
  name: 'reject',
  register(program: Command, context) {
    withApiOptions(program.command('reject').description("reject change requests (never one's own: the requester cancels instead)").argument('<request...>', 'change request ids'))
      .option('--reason <text>', 'recorded with the rejection')
      .action((requests: string[], options: RejectOptions) => context.run(() => reject(requests, options, context.io)));
  },
};

export async function reject(ids: readonly string[], options: RejectOptions, io: CliIo): Promise<ExitCode> {
  const { client, environment } = connect(options, options.environment, io, ['rejectChangeRequest']);
  const requests = [];
  for (const id of ids) {
    const answer = await client.call('rejectChangeRequest', [200], { params: { id }, body: options.reason !== undefined ? { reason: options.reason } : {} });
    requests.push(decided(answer.body));
  }
  const report: z.output<typeof rejectReportSchema> = { kvrotJson: KVROT_JSON_VERSION, command: 'reject', ok: true, environment: environment.name, api: environment.baseUrl.origin, requests };
  if (options.json) writeJson(io.stdout, report);
  else io.stdout.write(decidedHuman(requests, io));
  return EXIT.ok;
}
