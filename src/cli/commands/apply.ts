/**
 * `kvrot apply -f Secretfile.yml -e <env> [--prune] [--wait]`: executes the plan. Each change is
 * a PUT or DELETE bound to the ETag the plan saw. In a protected environment each becomes a
 * change request, whose id is printed and kept in .kvrot/state.json; --wait follows them until
 * they are executed, fail, are rejected or expire (exit 5 unless every one was executed).
 */
import type { Command } from 'commander';
import { connect, withApiOptions } from '../api/connect.js';
import { applyPlan, planHuman, preparePlan, publicStep, resultsHuman, summarize, waitTimeoutOf, withSecretfileOptions, withWaitOptions, type ApplyOptions } from '../apply-plan.js';
import type { CliCommand } from '../command.js';
import type { ResolvedEnvironment } from '../config.js';
import type { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { styleFor, writeJson } from '../output.js';
import { displayFile, secretfileHash } from '../secretfile-input.js';
import { updateState } from '../state.js';
import type { ApiClient } from '../api/api-client.js';
import type { ApplyReport } from './api-reports.js';
import type { PlanOptions } from './plan.js';
import { KVROT_JSON_VERSION } from './validate-report.js';

/** plan's options (the environment, --prune) and --wait. */
export interface ApplyCommandOptions extends PlanOptions, ApplyOptions {}

export const applyCommand: CliCommand = {
  name: 'apply',
  register(program: Command, context) {
    withWaitOptions(
      withApiOptions(withSecretfileOptions(program.command('apply').description("execute the plan: create, replace (and with --prune delete) the environment's policies; a protected environment answers with change requests"))).option(
        '--prune',
        "delete the environment's policies the file no longer makes",
      ),
    ).action((options: ApplyCommandOptions) => context.run(() => apply(options, context.io)));
  },
};

export async function apply(options: ApplyCommandOptions, io: CliIo): Promise<ExitCode> {
  waitTimeoutOf(options);
  const { client, environment } = connect(options, options.environment, io, ['listPolicies', 'putPolicy', 'deletePolicy', 'getChangeRequest']);
  const { report, exitCode } = await applyTo(environment, client, options, io);
  print(report, io, options.json === true);
  return exitCode;
}

/** Plans, applies, records the apply in .kvrot/state.json; promote runs the same. */
export async function applyTo(environment: ResolvedEnvironment, client: ApiClient, options: ApplyCommandOptions | (Omit<ApplyCommandOptions, 'environment'> & { environment?: string }), io: CliIo, promotedFrom?: string): Promise<{ report: ApplyReport; exitCode: ExitCode }> {
  const { hash } = secretfileHash({ file: options.file, varFile: options.varFile }, io);
  const prepared = await preparePlan(options, environment, client, io);
  const outcome = await applyPlan(prepared.plan, client, io, options);
  const file = displayFile(options.file, io);
  const at = (io.now?.() ?? new Date()).toISOString();
  // Only an apply that changed something (or asked to) moves the environment on from its last smoke test.
  if (outcome.results.some((result) => result.outcome !== 'unchanged')) {
    updateState(io, environment.name, (entry) => ({ ...entry, lastApply: { at, api: environment.baseUrl.origin, file, fileHash: hash, changeRequests: outcome.changeRequests, ...(promotedFrom ? { promotedFrom } : {}) } }));
  }
  const report: ApplyReport = {
    kvrotJson: KVROT_JSON_VERSION,
    command: 'apply',
    ok: outcome.exitCode === 0,
    environment: environment.name,
    api: environment.baseUrl.origin,
    file,
    profile: environment.secretfileProfile ?? null,
    prune: options.prune === true,
    changes: prepared.plan.steps.map(publicStep),
    untracked: prepared.plan.untracked,
    skipped: prepared.skipped,
    warnings: prepared.warnings,
    summary: summarize(prepared.plan.steps),
    results: outcome.results,
    waited: outcome.waited,
    fileHash: hash,
  };
  return { report, exitCode: outcome.exitCode };
}

export function print(report: ApplyReport, io: CliIo, json: boolean, extra: Record<string, unknown> = {}): void {
  if (json) return writeJson(io.stdout, { ...report, ...extra });
  const style = styleFor(io.stdout, io.env);
  io.stdout.write(planHuman(`Apply to ${report.environment} (${report.api}) from ${report.file}${report.profile ? `, profile ${report.profile}` : ''}`, report, report.prune, style));
  io.stdout.write(`\n${resultsHuman(report.results, style)}`);
}
