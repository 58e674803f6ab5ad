/**
 * `kvrot plan -f Secretfile.yml -e <env> [--prune]`: what applying the file to an environment
 * would change, policy by policy: create, replace (with the fields that differ, never their
 * values), delete (with --prune: the environment's policies the file no longer makes), unchanged.
 * Reads only.
 */
import type { Command } from 'commander';
import { connect, withApiOptions, type ApiCommandOptions } from '../api/connect.js';
import { planHuman, preparePlan, publicStep, summarize, withSecretfileOptions, type SecretfileCommandOptions } from '../apply-plan.js';
import type { CliCommand } from '../command.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { styleFor, writeJson } from '../output.js';
import { displayFile } from '../secretfile-input.js';
import { KVROT_JSON_VERSION } from './validate-report.js';
import type { PlanReport } from './api-reports.js';

export interface PlanOptions extends ApiCommandOptions, SecretfileCommandOptions {
  environment: string;
  prune?: boolean;
}

export const planCommand: CliCommand = {
  name: 'plan',
  register(program: Command, context) {
    withApiOptions(withSecretfileOptions(program.command('plan').description("show what apply would change in an environment's API: policies to create, replace (the fields that change) and, with --prune, delete")))
      .option('--prune', "delete the environment's policies the file no longer makes")
      .action((options: PlanOptions) => context.run(() => plan(options, context.io)));
  },
};

export async function plan(options: PlanOptions, io: CliIo): Promise<ExitCode> {
  const { client, environment } = connect(options, options.environment, io, ['listPolicies']);
  const prepared = await preparePlan(options, environment, client, io);
  const report: PlanReport = {
    kvrotJson: KVROT_JSON_VERSION,
    command: 'plan',
    ok: true,
    environment: environment.name,
    api: environment.baseUrl.origin,
    file: displayFile(options.file, io),
    profile: environment.secretfileProfile ?? null,
    prune: options.prune === true,
    changes: prepared.plan.steps.map(publicStep),
    untracked: prepared.plan.untracked,
    skipped: prepared.skipped,
    warnings: prepared.warnings,
    summary: summarize(prepared.plan.steps),
  };
  if (options.json) writeJson(io.stdout, report);
  else io.stdout.write(planHuman(`Plan for ${environment.name} (${environment.baseUrl.origin}) from ${report.file}${report.profile ? `, profile ${report.profile}` : ''}`, report, report.prune, styleFor(io.stdout, io.env)));
  return EXIT.ok;
}
