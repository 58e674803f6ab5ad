/**
 * `kvrot drift -f Secretfile.yml -e <env>`: the file against the API against the vaults. The
 * file against the API is the plan (policies to create or replace, and the environment's
 * policies the file no longer makes); the API against the vaults is the deployment's drift
 * report, narrowed to the file's policies, where the deployment has one (its /api/openapi.json
 * says). Exit 4 on any drift, as SecretZero's drift command does.
 */
import type { Command } from 'commander';
import type { z } from 'zod';
import type { findingSchema } from '../../functions/http/api-schemas.js';
import { connect, withApiOptions, type ApiCommandOptions } from '../api/connect.js';
import { preparePlan, publicStep, withSecretfileOptions, type SecretfileCommandOptions } from '../apply-plan.js';
import type { CliCommand } from '../command.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { shown, styleFor, table, writeJson } from '../output.js';
import { displayFile } from '../secretfile-input.js';
import type { driftReportSchema } from './api-reports.js';
import { findingsHuman, pagedReport } from './report.js';
import { KVROT_JSON_VERSION } from './validate-report.js';

type Finding = z.output<typeof findingSchema>;

export interface DriftOptions extends ApiCommandOptions, SecretfileCommandOptions {
  environment: string;
}

/** The drift report is read whole for the file's policies: a bound on what one command pages through. */
const MAX_DRIFT_FINDINGS = 100_000;

export const driftCommand: CliCommand = {
  name: 'drift',
  register(program: Command, context) {
    withApiOptions(withSecretfileOptions(program.command('drift').alias('drift-detect').description('compare the file, the API and the vaults; exit 4 on drift')))
      .action((options: DriftOptions) => context.run(() => drift(options, context.io)));
  },
};

const vaultName = (vaultUrl: string) => new URL(vaultUrl).hostname.split('.')[0]!.toLowerCase();

export async function drift(options: DriftOptions, io: CliIo): Promise<ExitCode> {
  const { client, environment } = connect(options, options.environment, io, ['listPolicies', 'driftReport']);
  const { plan, policies } = await preparePlan({ ...options, prune: true }, environment, client, io);
  const fileVsApi = plan.steps.filter((step) => step.action !== 'unchanged').map(publicStep);
  let apiVsVaults: Finding[] | null = null;
  if (await client.serves('driftReport')) {
    const ids = new Set(policies.map(({ policy }) => policy.id));
    const secrets = new Set(policies.map(({ policy }) => `${vaultName(policy.vaultUrl)}/${policy.secretName.toLowerCase()}`));
    const { data } = await pagedReport(client, 'driftReport', MAX_DRIFT_FINDINGS);
    apiVsVaults = (data['items'] as Finding[]).filter((finding) => (finding.policyId !== undefined && ids.has(finding.policyId)) || (finding.vault !== undefined && finding.secret !== undefined && secrets.has(`${finding.vault.toLowerCase()}/${finding.secret.toLowerCase()}`)));
  }
  const drifted = fileVsApi.length > 0 || (apiVsVaults?.length ?? 0) > 0;
  const report: z.output<typeof driftReportSchema> = { kvrotJson: KVROT_JSON_VERSION, command: 'drift', ok: !drifted, environment: environment.name, api: environment.baseUrl.origin, file: displayFile(options.file, io), drift: drifted, fileVsApi, apiVsVaults };
  if (options.json) {
    writeJson(io.stdout, report);
  } else {
    const style = styleFor(io.stdout, io.env);
    io.stdout.write(`${style.bold(`Drift in ${shown(environment.name)} (${environment.baseUrl.origin}) against ${shown(report.file)}`)}\n`);
    io.stdout.write(`\nThe file against the API: ${fileVsApi.length === 0 ? 'in step' : `${fileVsApi.length} ${fileVsApi.length === 1 ? 'difference' : 'differences'}`}\n`);
    if (fileVsApi.length > 0) io.stdout.write(table(['ACTION', 'POLICY', 'CHANGED FIELDS'], fileVsApi.map((step) => [step.action === 'delete' ? 'not in the file' : step.action === 'create' ? 'not at the API' : 'differs', shown(step.policyId), shown(step.changedFields.join(', '))]), style));
    io.stdout.write(`\nThe API against the vaults: ${apiVsVaults === null ? 'this deployment has no drift report (not compared)' : apiVsVaults.length === 0 ? 'in step' : `${apiVsVaults.length} ${apiVsVaults.length === 1 ? 'finding' : 'findings'}`}\n`);
    if (apiVsVaults && apiVsVaults.length > 0) io.stdout.write(findingsHuman(apiVsVaults, style));
    io.stdout.write(`\n${drifted ? style.red('drift') : style.green('no drift')}\n`);
  }
  return drifted ? EXIT.drift : EXIT.ok;
}
