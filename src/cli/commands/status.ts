/**
 * `kvrot status [policy] -e <env>`: with a policy, the policy (template fixed values
 * [redacted]), its state and its pending change requests; without one, every policy of the API,
 * the pending change requests, and where the change requests of the last apply or promote made
 * from here (.kvrot/state.json) stand.
 */
import type { Command } from 'commander';
import type { z } from 'zod';
import { policyForDisplay } from '../../core/secretfile/index.js';
import type { changeRequestSchema } from '../../functions/http/api-schemas.js';
import { connect, withApiOptions, type ApiCommandOptions } from '../api/connect.js';
import type { CliCommand } from '../command.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { shown, styleFor, table, writeJson, type Style } from '../output.js';
import { environmentState } from '../state.js';
import type { statusReportSchema } from './api-reports.js';
import { redacted } from './decide.js';
import { KVROT_JSON_VERSION } from './validate-report.js';

type ChangeRequest = z.output<typeof changeRequestSchema>;
type StatusReport = z.output<typeof statusReportSchema>;

export interface StatusOptions extends ApiCommandOptions {
  environment: string;
}

export const statusCommand: CliCommand = {
  name: 'status',
  register(program: Command, context) {
    withApiOptions(program.command('status').description("a policy's state and pending change requests; without one, every policy and the change requests of the last apply").argument('[policy]', 'a policy id'))
      .action((policy: string | undefined, options: StatusOptions) => context.run(() => status(policy, options, context.io)));
  },
};

export async function status(policyId: string | undefined, options: StatusOptions, io: CliIo): Promise<ExitCode> {
  const { client, environment } = connect(options, options.environment, io, ['getPolicy', 'listPolicies', 'listChangeRequests', 'getChangeRequest']);
  const report: StatusReport = { kvrotJson: KVROT_JSON_VERSION, command: 'status', ok: true, environment: environment.name, api: environment.baseUrl.origin, policy: null, policies: [], changeRequests: [] };
  const pending: ChangeRequest[] = [];
  for await (const page of client.pages('listChangeRequests', { query: { status: 'pending', pageSize: '1000' } })) pending.push(...page.items);
  if (policyId !== undefined) {
    const view = (await client.call('getPolicy', [200], { params: { id: policyId } })).body;
    report.policy = { policy: policyForDisplay(view.policy) as unknown as Record<string, unknown>, etag: view.etag, updatedAt: view.updatedAt, state: view.state };
    report.changeRequests = pending.filter((request) => request.policyId === policyId);
  } else {
    for await (const page of client.pages('listPolicies', { query: { pageSize: '1000' } })) {
      for (const { policy, updatedAt } of page.items) report.policies.push({ id: policy.id, environment: policy.environment, vaultUrl: policy.vaultUrl, secretName: policy.secretName, enabled: policy.enabled, updatedAt });
    }
    const applied = environmentState(io, environment.name).lastApply;
    const fromApply: ChangeRequest[] = [];
    for (const id of applied && applied.api === environment.baseUrl.origin ? applied.changeRequests : []) {
      if (!pending.some((request) => request.id === id)) fromApply.push((await client.call('getChangeRequest', [200], { params: { id } })).body);
    }
    report.changeRequests = [...pending, ...fromApply];
  }
  report.changeRequests = report.changeRequests.map(redacted);
  if (options.json) writeJson(io.stdout, report);
  else io.stdout.write(human(report, styleFor(io.stdout, io.env)));
  return EXIT.ok;
}

function human(report: StatusReport, style: Style): string {
  const out: string[] = [];
  if (report.policy) {
    const { policy, state } = report.policy;
    out.push(`${style.bold(shown(String(policy['id'])))} (${shown(String(policy['environment']))}) ${shown(String(policy['vaultUrl']))} ${shown(String(policy['secretName']))}\n`);
    const rows: [string, string][] = [
      ['current version', state.currentVersion ?? 'none'],
      ['expires', state.currentVersionExpiresOn ?? '-'],
      ['last rotation', state.lastRotatedAt ? `${state.lastRotatedAt} ${state.lastResult ?? ''} (${state.lastRotationId ?? '-'})` : 'never'],
      ['next due', state.nextDueAt ?? '-'],
      ['failures in a row', String(state.consecutiveFailures)],
      ['in progress', state.rotationInProgress ? `${state.rotationInProgress.status} at ${state.rotationInProgress.step} (${state.rotationInProgress.rotationId})` : 'no'],
    ];
    if (state.lastError) rows.push(['last error', state.lastError]);
    out.push(table(['', ''], rows.map(([name, value]) => [name, shown(value)]), style));
  } else {
    out.push(`${style.bold(`Policies (${report.policies.length})`)} at ${shown(report.api)}\n`);
    if (report.policies.length > 0) {
      out.push(table(['ID', 'ENVIRONMENT', 'VAULT', 'SECRET', 'ENABLED', 'UPDATED'], report.policies.map((p) => [shown(p.id), shown(p.environment), shown(p.vaultUrl), shown(p.secretName), p.enabled ? 'yes' : 'no', p.updatedAt]), style));
    }
  }
  out.push(`\n${style.bold(`Change requests (${report.changeRequests.length})`)}\n`);
  if (report.changeRequests.length > 0) {
    out.push(
      table(
        ['ID', 'STATUS', 'ACTION', 'POLICY', 'REQUESTER', 'APPROVALS', 'EXPIRES'],
        report.changeRequests.map((r) => [shown(r.id), r.status === 'executed' ? style.green(r.status) : r.status, shown(r.action), shown(r.policyId), shown(r.requester.displayName), String(r.approvals.length), r.expiresAt]),
        style,
      ),
    );
  }
  return out.join('');
}
