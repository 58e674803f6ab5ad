/**
 * `kvrot smoke -e <env> [-f Secretfile.yml] [--policy <id>]...`: the smoke test between deploy
 * and promote (src/cli/smoke/smoke-checks.ts): the health endpoint, and a dry-run rotation of
 * each policy named (default: each the Secretfile makes), which reads Key Vault and Table Storage
 * and writes nothing. With -f, also that the environment holds exactly what the file says
 * (nothing to create or replace, no change request pending for its policies). The result is
 * recorded by the API (POST /api/environments/{env}/smoke-tests) with the file's hash: promote
 * requires a passed one for the same file, and reads it from the API, so the two may run in
 * different jobs. Without -f it needs Rotation.Operate alone, so a pipeline's identity can run it
 * right after a deploy holding no other role.
 */
import type { Command } from 'commander';
import { connect, timeoutOf, withApiOptions, type ApiCommandOptions } from '../api/connect.js';
import { preparePlan, summarize } from '../apply-plan.js';
import type { CliCommand } from '../command.js';
import { CliAuthError, CliError, CliUsageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { shown, styleFor, writeJson } from '../output.js';
import { displayFile, secretfileHash } from '../secretfile-input.js';
import { checkDryRun, checkHealth, SmokeFailure, type SmokeTarget } from '../smoke/smoke-checks.js';
import type { z } from 'zod';
import type { smokeReportSchema } from './api-reports.js';
import { KVROT_JSON_VERSION } from './validate-report.js';

export interface SmokeOptions extends ApiCommandOptions {
  environment: string;
  file?: string;
  varFile?: string[];
  strict?: boolean;
  policy?: string[];
}

type Check = { check: string; passed: boolean; detail: string };

export const smokeCommand: CliCommand = {
  name: 'smoke',
  register(program: Command, context) {
    const command = program.command('smoke').description("smoke-test an environment: health, a dry-run rotation of each policy, and with -f that it holds what the file says; recorded for promote");
    withApiOptions(command)
      .option('-f, --file <path>', 'the Secretfile the environment was applied from; without it promote cannot rely on this smoke test')
      .option('--var-file <path>', "a var file merged after the profile's (repeatable)", (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
      .option('--strict', 'refuse targets kvrot does not serve instead of skipping them')
      .option('--policy <id>', 'a policy to dry-run (repeatable); default every policy the Secretfile makes', (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
      .action((options: SmokeOptions) => context.run(() => smoke(options, context.io)));
  },
};

export async function smoke(options: SmokeOptions, io: CliIo): Promise<ExitCode> {
  const file = options.file;
  if (!file && !options.policy?.length) throw new CliUsageError('name the policies to dry-run with --policy, or the Secretfile whose policies they are with -f');
  const { client, environment, token } = connect(options, options.environment, io, file ? ['listPolicies', 'listChangeRequests', 'rotatePolicy', 'recordSmokeTest'] : ['rotatePolicy', 'recordSmokeTest']);
  const checks: Check[] = [];
  const fileOptions = file ? { file, varFile: options.varFile, strict: options.strict } : undefined;
  const hash = fileOptions ? secretfileHash(fileOptions, io).hash : null;
  let policyIds = options.policy ?? [];
  let authFailure: CliAuthError | undefined;
  // Health needs no token, so it is sent none; each dry run gets the command's.
  const target: SmokeTarget = { baseUrl: environment.baseUrl, accessToken: '', timeoutInMs: timeoutOf(options), fetch: io.fetch ?? globalThis.fetch };

  const run = async (check: string, body: () => Promise<string>): Promise<void> => {
    try {
      checks.push({ check, passed: true, detail: await body() });
    } catch (error) {
      if (error instanceof SmokeFailure) {
        if (error.status === 401 || error.status === 403) authFailure ??= new CliAuthError(error.message);
        checks.push({ check, passed: false, detail: error.message });
      } else if (error instanceof CliError && !(error instanceof CliUsageError)) {
        if (error instanceof CliAuthError) authFailure ??= error;
        checks.push({ check, passed: false, detail: error.message });
      } else {
        throw error;
      }
    }
  };

  await run('health', () => checkHealth(target));
  if (fileOptions) {
    await run('the environment holds what the file says', async () => {
      const { plan, policies } = await preparePlan(fileOptions, environment, client, io);
      const { create, replace } = summarize(plan.steps);
      const ids = new Set(policies.map(({ policy }) => policy.id));
      if (policyIds.length === 0) policyIds = [...ids];
      const pending: string[] = [];
      for await (const page of client.pages('listChangeRequests', { query: { status: 'pending', pageSize: '1000' } })) {
        for (const request of page.items) if (ids.has(request.policyId)) pending.push(`${request.id} (${request.action} ${request.policyId})`);
      }
      if (create + replace > 0) throw new SmokeFailure(`${environment.name} does not hold what the file says: ${create} to create, ${replace} to replace (kvrot plan -e ${environment.name} shows them)`);
      if (pending.length > 0) throw new SmokeFailure(`change requests for the file's policies still wait for approval: ${pending.join(', ')}`);
      return `${policies.length} ${policies.length === 1 ? 'policy' : 'policies'} as the file says, no change request pending`;
    });
  }
  for (const id of policyIds) await run(`dry run of ${id}`, async () => checkDryRun({ ...target, accessToken: await token() }, id));

  const passed = checks.every((check) => check.passed);
  // Recorded whatever the outcome: a failed smoke test replaces a passed one, so promote refuses it.
  let recordedAt: string | null = null;
  let recordFailure: CliError | undefined;
  try {
    const body = { passed, fileHash: hash, policies: policyIds, checks: checks.map((check) => ({ name: check.check, passed: check.passed })) };
    const answer = await client.call('recordSmokeTest', [201], { params: { environment: environment.name }, body });
    recordedAt = answer.body.at;
  } catch (error) {
    if (!(error instanceof CliError) || error instanceof CliUsageError) throw error;
    recordFailure = error;
  }
  const ok = passed && recordFailure === undefined;
  const fileShown = file ? displayFile(file, io) : null;
  const report: z.output<typeof smokeReportSchema> = {
    kvrotJson: KVROT_JSON_VERSION,
    command: 'smoke',
    ok,
    environment: environment.name,
    api: environment.baseUrl.origin,
    file: fileShown,
    fileHash: hash,
    checks,
    recordedAt,
    recordError: recordFailure?.message ?? null,
  };
  if (options.json) {
    writeJson(io.stdout, report);
  } else {
    const style = styleFor(io.stdout, io.env);
    io.stdout.write(`${style.bold(`Smoke test of ${shown(environment.name)} (${environment.baseUrl.origin})`)}\n`);
    for (const check of checks) io.stdout.write(`  ${check.passed ? style.green('ok') : style.red('FAILED')}  ${shown(check.check)}: ${shown(check.detail)}\n`);
    const recorded = recordFailure ? style.red(`NOT recorded: ${shown(recordFailure.message)}`) : `recorded by ${environment.baseUrl.origin}${hash ? ' for promote' : ''}`;
    io.stdout.write(`${passed ? style.green('passed') : style.red('failed')}; ${recorded}\n`);
  }
  if (!passed) return authFailure ? EXIT.auth : EXIT.remote;
  return recordFailure ? recordFailure.exitCode : EXIT.ok;
}
