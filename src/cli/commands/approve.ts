/**
 * `kvrot approve <request>... -e <env> [--comment <text>]`: approves change requests made by
 * someone else; the approval that completes a request's count runs its operation. On a
 * break-glass request it is the review afterwards (a comment is then required by the API).
 */
import type { Command } from 'commander';
import { connect, withApiOptions, type ApiCommandOptions } from '../api/connect.js';
import type { CliCommand } from '../command.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { writeJson } from '../output.js';
import type { z } from 'zod';
import type { approveReportSchema } from './api-reports.js';
import { decided, decidedHuman } from './decide.js';
import { KVROT_JSON_VERSION } from './validate-report.js';

export interface ApproveOptions extends ApiCommandOptions {
  environment: string;
  comment?: string;
}

export const approveCommand: CliCommand = {
  name: 'approve',
  register(program: Command, context) {
    withApiOptions(program.command('approve').description("approve change requests (never one's own); the approval that completes one runs it").argument('<request...>', 'change request ids'))
      .option('--comment <text>', 'recorded with the approval')
      .action((requests: string[], options: ApproveOptions) => context.run(() => approve(requests, options, context.io)));
  },
};

export async function approve(ids: readonly string[], options: ApproveOptions, io: CliIo): Promise<ExitCode> {
  const { client, environment } = connect(options, options.environment, io, ['approveChangeRequest']);
  const requests = [];
  for (const id of ids) {
    const answer = await client.call('approveChangeRequest', [200], { params: { id }, body: options.comment !== undefined ? { comment: options.comment } : {} });
    requests.push(decided(answer.body));
  }
  const report: z.output<typeof approveReportSchema> = { kvrotJson: KVROT_JSON_VERSION, command: 'approve', ok: true, environment: environment.name, api: environment.baseUrl.origin, requests };
  if (options.json) writeJson(io.stdout, report);
  else io.stdout.write(decidedHuman(requests, io));
  return EXIT.ok;
}
