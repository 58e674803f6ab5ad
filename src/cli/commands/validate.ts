/**
 * `kvrot validate -f Secretfile.yml [-e env] [--var-file f] [--strict] [--json]`: offline.
 * Reads the Secretfile as SecretZero does, turns it into policies through parsePolicy with the
 * app's consumer kinds, evaluates SecretZero's own policies and our policy rules, and
 * lists every policy, skipped target, finding, warning and error. Exit 1 on an error or a
 * high-severity finding.
 */
import type { Command } from 'commander';
import { formatLocated, policyForDisplay, type SecretfileFinding, type SecretfileResult } from '../../core/secretfile/index.js';
import { withEnvironmentOption } from '../api/connect.js';
import type { CliCommand } from '../command.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { shown, styleFor, table, writeJson, type Style } from '../output.js';
import { readSecretfileInput } from '../secretfile-input.js';
import { notesHuman, rotationCells, skippedHuman, validForFootnote, warningsHuman } from '../secretfile-output.js';
import { KVROT_JSON_VERSION, type ValidateReport } from './validate-report.js';

export interface ValidateOptions {
  file: string;
  environment?: string;
  varFile?: string[];
  strict?: boolean;
  json?: boolean;
}

export const validateCommand: CliCommand = {
  name: 'validate',
  register(program: Command, context) {
    withEnvironmentOption(program.command('validate'), 'the environment profile to use (environments.profiles.<name>); default environments.default', { required: false })
      // The runbook's name for this step.
      .alias('policy-check')
      .description("check a Secretfile offline: SecretZero's format, our policy rules and the governance rules; list the policies it makes and the targets it skips")
      .option('-f, --file <path>', 'the Secretfile', 'Secretfile.yml')
      .option('--var-file <path>', "a var file merged after the profile's (repeatable; later files win)", (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
      .option('--strict', 'refuse targets kvrot does not serve (AWS, Vault, Kubernetes, GitHub, files) instead of skipping them')
      .option('--json', 'print one JSON document (its shape is in docs/cli.md) instead of tables')
      .action((options: ValidateOptions) => context.run(() => validate(options, context.io)));
  },
};

export async function validate(options: ValidateOptions, io: CliIo): Promise<ExitCode> {
  const { result, findings } = await readSecretfileInput(options, io);
  const report = toReport(result, findings);
  if (options.json) writeJson(io.stdout, report);
  else io.stdout.write(human(report, styleFor(io.stdout, io.env)));
  return report.ok ? EXIT.ok : EXIT.validation;
}

export function toReport(result: SecretfileResult, findings: readonly SecretfileFinding[]): ValidateReport {
  const ok = result.problems.length === 0 && !findings.some((finding) => finding.severity === 'high');
  return {
    kvrotJson: KVROT_JSON_VERSION,
    command: 'validate',
    ok,
    file: result.file,
    environment: result.environment ?? null,
    varFiles: result.varFiles,
    policies: result.policies.map((entry) => ({ ...entry, policy: policyForDisplay(entry.policy) })),
    skipped: result.skipped,
    findings: [...findings],
    warnings: result.warnings,
    errors: result.problems,
    summary: { policies: result.policies.length, skipped: result.skipped.length, findings: findings.length, warnings: result.warnings.length, errors: result.problems.length },
  };
}

function human(report: ValidateReport, style: Style): string {
  const out: string[] = [];
  const context = [report.environment ? `environment ${report.environment}` : undefined, report.varFiles.length > 0 ? `var files ${report.varFiles.join(', ')}` : undefined].filter(Boolean);
  out.push(`${style.bold(shown(report.file))}${context.length > 0 ? ` (${shown(context.join('; '))})` : ''}\n`);

  if (report.policies.length > 0) {
    out.push(`\n${style.bold(`Policies (${report.policies.length})`)}\n`);
    const rotations = report.policies.map(({ policy, validForDefault, neverRotated }) => ({ ...policy.rotation, validForDefault, neverRotated }));
    const rows = report.policies.map(({ policy }, index) => [shown(policy.id), shown(policy.vaultUrl), shown(policy.secretName), policy.generator.kind, ...rotationCells(rotations[index]!)]);
    out.push(table(['ID', 'VAULT', 'SECRET', 'GENERATOR', 'EVERY', 'VALID FOR'], rows, style));
    out.push(validForFootnote(rotations, style));
    out.push(notesHuman(report.policies.map(({ policy, notes }) => ({ policyId: policy.id, notes })), style));
  }
  out.push(skippedHuman(report.skipped, style));
  if (report.findings.length > 0) {
    out.push(`\n${style.bold(`Findings (${report.findings.length})`)}\n`);
    for (const finding of report.findings) {
      const severity = finding.severity === 'high' ? style.red(finding.severity) : finding.severity === 'medium' ? style.yellow(finding.severity) : finding.severity;
      out.push(`  ${severity}  ${finding.rule}  ${shown(finding.object)}  ${shown(finding.file)}:${finding.line}:${finding.column}\n    ${shown(finding.message)}\n    ${style.dim(`fix: ${shown(finding.fix)}`)}\n`);
    }
  }
  out.push(warningsHuman(report.warnings, style));
  if (report.errors.length > 0) {
    out.push(`\n${style.bold(`Errors (${report.errors.length})`)}\n`);
    for (const error of report.errors) out.push(`  ${style.red('error')} ${shown(formatLocated(error))}\n`);
  }
  const { summary } = report;
  const counts = `${summary.policies} ${plural(summary.policies, 'policy', 'policies')}, ${summary.skipped} skipped ${plural(summary.skipped, 'target', 'targets')}, ${summary.findings} ${plural(summary.findings, 'finding', 'findings')}, ${summary.warnings} ${plural(summary.warnings, 'warning', 'warnings')}`;
  out.push(`\n${report.ok ? style.green('valid') : style.red(summary.errors > 0 ? `invalid: ${summary.errors} ${plural(summary.errors, 'error', 'errors')}` : 'invalid: high-severity findings')}: ${counts}\n`);
  return out.join('');
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}
