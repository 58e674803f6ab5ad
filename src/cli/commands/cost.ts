/**
 * `kvrot cost -f Secretfile.yml [-e <profile>]`: what the file's policies would cost a month,
 * before anything is deployed: offline, with the cost report's own model
 * (src/core/reports/cost) at its documented list prices and the default scan schedule. A
 * deployment's GET /api/reports/cost (`kvrot report cost`) uses its own prices and policies.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { z } from 'zod';
import { DEFAULT_GOVERNANCE_SETTINGS } from '../../core/approvals/governance-settings.js';
import { defaultComplianceSettings } from '../../core/reports/compliance/parameters.js';
import { CostReport, MAX_APPLICATION_READS_PER_SECRET_PER_MONTH } from '../../core/reports/cost/cost-report.js';
import { DEFAULT_COST_SETTINGS } from '../../core/reports/cost/cost-settings.js';
import { GovernedScope } from '../../core/reports/governed-scope.js';
import { withSecretfileOptions, type SecretfileCommandOptions } from '../apply-plan.js';
import { withEnvironmentOption } from '../api/connect.js';
import type { CliCommand } from '../command.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { shown, styleFor, writeJson } from '../output.js';
import { displayFile, passingSecretfile } from '../secretfile-input.js';
import type { costCommandReportSchema } from './api-reports.js';
import { costHuman } from './report.js';
import { KVROT_JSON_VERSION } from './validate-report.js';

/** The app's default ROTATION_SCAN_SCHEDULE (src/config.ts), which the estimate's scan lines assume. */
export const DEFAULT_SCAN_SCHEDULE = '0 */5 * * * *';

export interface CostOptions extends SecretfileCommandOptions {
  environment?: string;
  readsPerSecretPerMonth?: number;
  json?: boolean;
}

export const costCommand: CliCommand = {
  name: 'cost',
  register(program: Command, context) {
    withEnvironmentOption(
      withSecretfileOptions(program.command('cost').alias('cost-estimate').description("estimate offline what the file's policies cost a month: Key Vault, Functions, Table and Queue Storage and Event Grid, line by line")),
      'the environment profile to read the file with; default environments.default',
      { required: false },
    )
      .option('--reads-per-secret-per-month <n>', "how often applications read each secret a month, priced as Key Vault gets; default 0 (not counted)", readsPerSecretPerMonth)
      .option('--json', 'print one JSON document (its shape is in docs/cli.md) instead of tables')
      .action((options: CostOptions) => context.run(() => cost(options, context.io)));
  },
};

function readsPerSecretPerMonth(text: string): number {
  const reads = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(reads <= MAX_APPLICATION_READS_PER_SECRET_PER_MONTH)) throw new InvalidArgumentError(`a whole number from 0 to ${MAX_APPLICATION_READS_PER_SECRET_PER_MONTH}`);
  return reads;
}

export async function cost(options: CostOptions, io: CliIo): Promise<ExitCode> {
  const { policies } = await passingSecretfile({ file: options.file, environment: options.environment, varFile: options.varFile, strict: options.strict }, io);
  const now = io.now?.() ?? new Date();
  const stored = policies.map(({ policy }) => ({ policy, createdAt: now, updatedAt: now, etag: '' }));
  const scope = new GovernedScope(stored, [], defaultComplianceSettings(DEFAULT_GOVERNANCE_SETTINGS.protectedEnvironments));
  const answer = new CostReport({ prices: { ...DEFAULT_COST_SETTINGS }, scanSchedule: DEFAULT_SCAN_SCHEDULE }).compute(scope, options.readsPerSecretPerMonth === undefined ? {} : { applicationReadsPerSecretPerMonth: options.readsPerSecretPerMonth });
  const estimate = { ...answer, prices: { ...answer.prices } as Record<string, number> };
  const report: z.output<typeof costCommandReportSchema> = {
    kvrotJson: KVROT_JSON_VERSION,
    command: 'cost',
    ok: true,
    file: displayFile(options.file, io),
    profile: options.environment ?? null,
    policies: policies.length,
    estimate,
  };
  if (options.json) writeJson(io.stdout, report);
  else {
    const style = styleFor(io.stdout, io.env);
    io.stdout.write(`${style.bold(`Cost estimate for ${shown(report.file)}`)}: ${policies.length} ${policies.length === 1 ? 'policy' : 'policies'}, list prices (USD), before anything is deployed\n`);
    io.stdout.write(costHuman(estimate, style));
    for (const assumption of estimate.assumptions) io.stdout.write(style.dim(`  ${shown(assumption)}\n`));
  }
  return EXIT.ok;
}
