/**
 * Planning and applying a Secretfile against one environment's API, shared by plan, apply,
 * promote, drift and smoke: read the file as validate does (refusing one it would fail), list
 * the API's policies, diff them, and, to apply, PUT and DELETE each change with the ETag the plan
 * saw. A protected environment answers each with a change request, whose id is kept; --wait
 * follows them until they end.
 */
import type { Command } from 'commander';
import { FINAL_STATUSES, type ChangeRequestStatus } from '../core/approvals/change-request.js';
import { parseDuration } from '../core/durations.js';
import { ValidationError } from '../core/errors.js';
import type { LocatedMessage, SecretfilePolicy, SkippedTarget } from '../core/secretfile/index.js';
import type { ApiClient } from './api/api-client.js';
import type { AppliedChange, PlannedChange } from './commands/api-reports.js';
import { CliError, CliRemoteError, CliUsageError } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { progress, shown, table, type Style } from './output.js';
import { computePlan, publicStep, summarize, type ApiPolicy, type Plan } from './plan.js';
import type { ResolvedEnvironment } from './config.js';
import { passingSecretfile, type SecretfileInputOptions } from './secretfile-input.js';
import { notesHuman, rotationCells, skippedHuman, validForFootnote, warningsHuman } from './secretfile-output.js';

export interface SecretfileCommandOptions {
  file: string;
  varFile?: string[];
  strict?: boolean;
}

export function withSecretfileOptions(command: Command): Command {
  return command
    .option('-f, --file <path>', 'the Secretfile', 'Secretfile.yml')
    .option('--var-file <path>', "a var file merged after the profile's (repeatable; later files win)", (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .option('--strict', 'refuse targets kvrot does not serve instead of skipping them');
}

export function secretfileOptionsFor(options: SecretfileCommandOptions, environment: ResolvedEnvironment): SecretfileInputOptions {
  return { file: options.file, environment: environment.secretfileProfile, varFile: options.varFile, strict: options.strict };
}

/** Every policy the API holds, with its ETag. */
export async function apiPolicies(client: ApiClient): Promise<ApiPolicy[]> {
  const policies: ApiPolicy[] = [];
  for await (const page of client.pages('listPolicies', { query: { pageSize: '1000' } })) for (const item of page.items) policies.push({ policy: item.policy, etag: item.etag });
  return policies;
}

export interface PreparedPlan {
  plan: Plan;
  policies: SecretfilePolicy[];
  /** What the plan states beside its changes: the file's skipped targets and warnings. */
  skipped: SkippedTarget[];
  warnings: LocatedMessage[];
}

export async function preparePlan(options: SecretfileCommandOptions & { prune?: boolean }, environment: ResolvedEnvironment, client: ApiClient, io: CliIo): Promise<PreparedPlan> {
  const { policies, skipped, warnings } = await passingSecretfile(secretfileOptionsFor(options, environment), io);
  const environments = [...new Set([...policies.map(({ policy }) => policy.environment), environment.secretfileProfile ?? environment.name])];
  const plan = computePlan(policies, await apiPolicies(client), { prune: options.prune === true, environments });
  return { plan, policies, skipped, warnings };
}

/** A plan as printed: its changes, and what the Secretfile says beside them. */
export interface PlanShown {
  changes: readonly PlannedChange[];
  untracked: readonly string[];
  skipped: readonly SkippedTarget[];
  warnings: readonly LocatedMessage[];
}

export function planHuman(title: string, plan: PlanShown, prune: boolean, style: Style): string {
  const out = [`${style.bold(shown(title))}\n`];
  if (plan.changes.length > 0) {
    const colour = (action: PlannedChange['action']) => (action === 'create' ? style.green(action) : action === 'replace' ? style.yellow(action) : action === 'delete' ? style.red(action) : style.dim(action));
    out.push(
      table(
        ['ACTION', 'POLICY', 'ENVIRONMENT', 'VAULT', 'SECRET', 'EVERY', 'VALID FOR', 'CHANGED FIELDS'],
        plan.changes.map((step) => [colour(step.action), shown(step.policyId), shown(step.environment), shown(step.vaultUrl), shown(step.secretName), ...rotationCells(step.rotation), shown(step.changedFields.join(', '))]),
        style,
      ),
    );
    out.push(validForFootnote(plan.changes.map((step) => step.rotation), style));
    out.push(notesHuman(plan.changes, style));
  } else {
    out.push('  the file makes no policy for this environment\n');
  }
  out.push(skippedHuman(plan.skipped, style));
  out.push(warningsHuman(plan.warnings, style));
  if (plan.untracked.length > 0) out.push(`\n${style.yellow(`Untracked (${plan.untracked.length})`)}: at the API in this environment, not in the file: ${shown(plan.untracked.join(', '))}${prune ? '' : ' (--prune deletes them)'}\n`);
  const { create, replace, delete: deletions, unchanged } = summarize(plan.changes);
  out.push(`\n${create} to create, ${replace} to replace, ${deletions} to delete, ${unchanged} unchanged\n`);
  return out.join('');
}

export interface ApplyOptions {
  wait?: boolean;
  waitTimeout?: string;
}

/** `--wait` and `--wait-timeout`, as apply and promote both take them (ApplyOptions). */
export function withWaitOptions(command: Command): Command {
  return command
    .option('--wait', 'wait until every change request is executed, fails, is rejected or expires')
    .option('--wait-timeout <duration>', 'how long --wait waits, e.g. 30m, 2h', '30m');
}

export interface ApplyOutcome {
  results: AppliedChange[];
  changeRequests: string[];
  waited: boolean;
  exitCode: ExitCode;
}

const POLL_INTERVAL_IN_MS = 500;

export function waitTimeoutOf(options: ApplyOptions): number {
  try {
    return parseDuration(options.waitTimeout ?? '30m').milliseconds;
  } catch (error) {
    if (error instanceof ValidationError) throw new CliUsageError(`--wait-timeout: ${error.message}`);
    throw error;
  }
}

/** Runs the plan's changes in order and stops at the first failure; the rest are not attempted. */
export async function applyPlan(plan: Plan, client: ApiClient, io: CliIo, options: ApplyOptions): Promise<ApplyOutcome> {
  const timeoutInMs = options.wait ? waitTimeoutOf(options) : 0;
  const results: AppliedChange[] = [];
  let exitCode: ExitCode = EXIT.ok;
  const shownProgress = progress(io.stderr);
  const todo = plan.steps.filter((step) => step.action !== 'unchanged');
  let done = 0;
  for (const step of plan.steps) {
    const result: AppliedChange = { action: step.action, policyId: step.policyId, outcome: 'unchanged', status: null, changeRequestId: null, changeRequestStatus: null, error: null };
    results.push(result);
    if (step.action === 'unchanged') continue;
    if (exitCode !== EXIT.ok) {
      result.outcome = 'not-attempted';
      continue;
    }
    shownProgress.update(`applying ${(done += 1)}/${todo.length}: ${step.action} ${step.policyId}`);
    try {
      const answer =
        step.action === 'delete'
          ? await client.call('deletePolicy', [202, 204], { params: { id: step.policyId }, headers: { 'if-match': step.etag! } })
          : await client.call('putPolicy', [200, 201, 202], { params: { id: step.policyId }, body: step.body, headers: step.action === 'create' ? { 'if-none-match': '*' } : { 'if-match': step.etag! } });
      result.status = answer.status;
      if (answer.status === 202) {
        result.outcome = 'change-request';
        result.changeRequestId = answer.body.changeRequestId;
        result.changeRequestStatus = answer.body.changeRequest.status;
      } else {
        result.outcome = 'applied';
      }
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      result.outcome = 'failed';
      result.error = error.message;
      exitCode = error.exitCode;
    }
  }
  shownProgress.done();
  const changeRequests = results.flatMap((result) => (result.changeRequestId ? [result.changeRequestId] : []));
  if (options.wait && changeRequests.length > 0 && exitCode === EXIT.ok) {
    const statuses = await waitFor(changeRequests, client, io, timeoutInMs);
    for (const result of results) if (result.changeRequestId) result.changeRequestStatus = statuses.get(result.changeRequestId) ?? result.changeRequestStatus;
    if (results.some((result) => result.changeRequestId && result.changeRequestStatus !== 'executed')) exitCode = EXIT.remote;
  }
  return { results, changeRequests, waited: options.wait === true, exitCode };
}

/** Polls each request until it reaches a final status, or the time runs out. */
export async function waitFor(ids: readonly string[], client: ApiClient, io: CliIo, timeoutInMs: number): Promise<Map<string, ChangeRequestStatus>> {
  const now = () => (io.now?.() ?? new Date()).getTime();
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + timeoutInMs;
  const statuses = new Map<string, ChangeRequestStatus>();
  const shownProgress = progress(io.stderr);
  try {
    for (;;) {
      for (const id of ids) {
        if (FINAL_STATUSES.has(statuses.get(id) ?? 'pending')) continue;
        const answer = await client.call('getChangeRequest', [200], { params: { id } });
        statuses.set(id, answer.body.status);
      }
      const open = ids.filter((id) => !FINAL_STATUSES.has(statuses.get(id) ?? 'pending'));
      if (open.length === 0) return statuses;
      if (now() >= deadline) {
        io.stderr.write(`kvrot: stopped waiting after ${Math.round(timeoutInMs / 1000)} s; still open: ${open.map((id) => shown(id)).join(', ')}\n`);
        return statuses;
      }
      shownProgress.update(`waiting for approvals: ${open.length} of ${ids.length} change requests open`);
      await sleep(POLL_INTERVAL_IN_MS);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliRemoteError(`waiting for the change requests failed: ${String(error)}`);
  } finally {
    shownProgress.done();
  }
}

export function resultsHuman(results: readonly AppliedChange[], style: Style): string {
  const attempted = results.filter((result) => result.outcome !== 'unchanged');
  if (attempted.length === 0) return 'nothing to apply: the API already has what the file says\n';
  const rows = attempted.map((result) => [
    shown(result.policyId),
    result.action,
    result.outcome === 'failed' ? style.red(result.outcome) : result.outcome === 'change-request' ? style.yellow(result.outcome) : result.outcome,
    result.status === null ? '-' : String(result.status),
    result.changeRequestId ? shown(result.changeRequestId) : '-',
    result.changeRequestStatus ?? '-',
  ]);
  const out = [table(['POLICY', 'ACTION', 'OUTCOME', 'HTTP', 'CHANGE REQUEST', 'REQUEST STATUS'], rows, style)];
  for (const failed of results.filter((result) => result.error)) out.push(`${style.red('failed')} ${shown(failed.policyId)}: ${shown(failed.error!)}\n`);
  const pending = results.filter((result) => result.changeRequestId && result.changeRequestStatus === 'pending');
  if (pending.length > 0) {
    out.push(`\n${pending.length} change ${pending.length === 1 ? 'request waits' : 'requests wait'} for approval by other people: kvrot approve ${pending.map((result) => shown(result.changeRequestId!)).join(' ')}\n`);
  }
  return out.join('');
}

export { publicStep, summarize };
