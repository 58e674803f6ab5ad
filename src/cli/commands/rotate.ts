/**
 * `kvrot rotate <policy> -e <env> --reason <text> [--dry-run]`: rotates now, or with --dry-run
 * says what a rotation would do and writes nothing. A protected environment answers with a
 * change request (its id is printed); a dry run never waits for one.
 */
import type { Command } from 'commander';
import { connect, withApiOptions, type ApiCommandOptions } from '../api/connect.js';
import type { CliCommand } from '../command.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { shown, styleFor, writeJson } from '../output.js';
import type { z } from 'zod';
import type { rotateReportSchema } from './api-reports.js';
import { KVROT_JSON_VERSION } from './validate-report.js';

export interface RotateOptions extends ApiCommandOptions {
  environment: string;
  reason: string;
  dryRun?: boolean;
  idempotencyKey?: string;
}

export const rotateCommand: CliCommand = {
  name: 'rotate',
  register(program: Command, context) {
    withApiOptions(program.command('rotate').description('rotate a policy now (a protected environment asks for approvals), or with --dry-run say what a rotation would do').argument('<policy>', 'the policy id'))
      .requiredOption('--reason <text>', 'why: recorded in the audit trail')
      .option('--dry-run', 'write nothing: show what a rotation would do')
      .option('--idempotency-key <key>', 'a repeat with the same key answers what the first produced')
      .action((policy: string, options: RotateOptions) => context.run(() => rotate(policy, options, context.io)));
  },
};

export async function rotate(policyId: string, options: RotateOptions, io: CliIo): Promise<ExitCode> {
  const { client, environment } = connect(options, options.environment, io, ['rotatePolicy']);
  const answer = await client.call('rotatePolicy', [200, 202], {
    params: { id: policyId },
    body: { reason: options.reason, dryRun: options.dryRun === true },
    ...(options.idempotencyKey ? { headers: { 'idempotency-key': options.idempotencyKey } } : {}),
  });
  const report: z.output<typeof rotateReportSchema> = {
    kvrotJson: KVROT_JSON_VERSION,
    command: 'rotate',
    ok: true,
    environment: environment.name,
    api: environment.baseUrl.origin,
    policyId,
    dryRun: options.dryRun === true,
    outcome: 'planned',
    rotation: null,
    plan: null,
    changeRequestId: null,
  };
  const body = answer.body;
  if ('approvalRequired' in body) {
    report.outcome = 'change-request';
    report.changeRequestId = body.changeRequestId;
  } else if (body.dryRun) {
    report.plan = body;
  } else {
    report.rotation = body;
    report.outcome = body.status === 'succeeded' ? 'rotated' : body.status;
  }
  if (options.json) {
    writeJson(io.stdout, report);
    return EXIT.ok;
  }
  const style = styleFor(io.stdout, io.env);
  const id = shown(policyId);
  if (report.plan) {
    const plan = report.plan;
    io.stdout.write(`${style.bold(`Dry run of ${id}`)}: ${plan.wouldRotate ? 'would rotate' : 'would not rotate'} (${shown(plan.reason)})\n`);
    io.stdout.write(`  ${shown(plan.vaultUrl)} ${shown(plan.secretName)}, current version ${shown(plan.currentVersion ?? 'none')}${plan.newVersionExpiresOn ? `, a new version would expire ${plan.newVersionExpiresOn}` : ''}; ${plan.keyVaultOperations.creates} create(s), ${plan.keyVaultOperations.others} other Key Vault operation(s)\n`);
  } else if (report.changeRequestId) {
    io.stdout.write(`${id} is in a protected environment: change request ${shown(report.changeRequestId)} waits for approval by other people (kvrot approve ${shown(report.changeRequestId)})\n`);
  } else if (report.rotation) {
    const r = report.rotation;
    if (r.status === 'succeeded') io.stdout.write(`${style.green('rotated')} ${id}: rotation ${shown(r.rotationId ?? '-')}, new version ${shown(r.newVersion ?? '-')} (previous ${shown(r.previousVersion ?? 'none')})\n`);
    else io.stdout.write(`${style.yellow(r.status)} ${id}: ${shown(r.reason)}\n`);
  }
  return EXIT.ok;
}
