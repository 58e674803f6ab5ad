/**
 * Reading a Secretfile from disk the way every kvrot command does: the file and var files named
 * on the command line (missing or unreadable is a usage error), the profile's var files relative
 * to the Secretfile, the app's consumer kinds when the file names one, and our policy rules
 * beside SecretZero's policies. `validate` prints what this finds; the API commands refuse a file
 * that `validate` would fail.
 */
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_GOVERNANCE_SETTINGS } from '../core/approvals/governance-settings.js';
import type { ConsumerCatalog } from '../core/consumers/consumer-port.js';
import { defaultComplianceSettings, isProtected, parametersFor } from '../core/reports/compliance/parameters.js';
import { POLICY_RULES } from '../core/reports/compliance/policy-rules.js';
import { policySubjects } from '../core/reports/compliance/subjects.js';
import { sortFindings } from '../core/reports/finding.js';
import { evaluateRules } from '../core/reports/rule.js';
import { formatLocated, MAX_SOURCE_BYTES, readSecretfile, type SecretfileFinding, type SecretfilePolicy, type SecretfileResult, type SourceFile } from '../core/secretfile/index.js';
import { CliUsageError, CliValidationError } from './errors.js';
import type { CliIo } from './io.js';
import { shown } from './output.js';

export interface SecretfileInputOptions {
  file: string;
  /** The profile (-e); undefined: environments.default. */
  environment?: string | undefined;
  varFile?: string[] | undefined;
  strict?: boolean | undefined;
}

export interface SecretfileInput {
  result: SecretfileResult;
  /** SecretZero's findings and our policy rules', most severe first. */
  findings: SecretfileFinding[];
  /** No errors and no high-severity finding: what `validate` passes. */
  ok: boolean;
}

export async function readSecretfileInput(options: SecretfileInputOptions, io: CliIo): Promise<SecretfileInput> {
  const inputs = [readInput(options.file, io), ...(options.varFile ?? []).map((path) => readInput(path, io))];
  const tooLarge = inputs.find((input) => 'refused' in input);
  const result = tooLarge && 'refused' in tooLarge ? refusedUnread(inputs[0]!.name, tooLarge) : await readAll(inputs as SourceFile[], options, io);
  // sortFindings keeps each object as it is, located fields included.
  const findings = sortFindings([...result.findings, ...governanceFindings(result.policies, io.now?.() ?? new Date())]) as SecretfileFinding[];
  const ok = result.problems.length === 0 && !findings.some((finding) => finding.severity === 'high');
  return { result, findings, ok };
}

/**
 * A Secretfile `validate` passes, read for the commands that act on its policies (and state its
 * skipped targets and warnings); anything else ends the command with exit 1, naming the first
 * problems and the command that shows all.
 */
export async function passingSecretfile(options: SecretfileInputOptions, io: CliIo): Promise<SecretfileResult> {
  const { result, findings, ok } = await readSecretfileInput(options, io);
  if (ok) return result;
  const located = [
    ...result.problems.slice(0, 3).map((problem) => `error ${formatLocated(problem)}`),
    ...findings
      .filter((finding) => finding.severity === 'high')
      .slice(0, 3)
      .map((finding) => `high ${finding.rule} ${finding.file}:${finding.line}:${finding.column}: ${finding.message}`),
  ];
  const validate = `kvrot validate -f ${options.file}${options.environment ? ` -e ${options.environment}` : ''}`;
  throw new CliValidationError(`${shown(result.file)} does not pass validation, so nothing was sent to the API:\n  ${shown(located.join('\n  '))}\n(${shown(validate)} shows every problem)`);
}

async function readAll([file, ...varFiles]: SourceFile[], options: SecretfileInputOptions, io: CliIo): Promise<SecretfileResult> {
  const base = dirname(resolve(io.cwd, options.file));
  const read = (consumerKinds?: ConsumerCatalog): SecretfileResult =>
    readSecretfile({
      file: file!,
      varFiles,
      strict: options.strict === true,
      ...(options.environment !== undefined ? { environment: options.environment } : {}),
      ...(consumerKinds ? { consumerKinds } : {}),
      loadVarFile: (path) => {
        const absolute = isAbsolute(path) ? path : resolve(base, path);
        const loaded = io.readTextFile(absolute, MAX_SOURCE_BYTES);
        return 'text' in loaded ? { name: displayPath(absolute, io), text: loaded.text } : { problem: loaded.problem };
      },
    });
  let result = read();
  // The consumer kinds come with their drivers (pg, mysql2, ioredis): loaded only for a file that names one.
  if (result.consumerKindsNamed.length > 0) {
    const { consumerKinds } = await import('../composition.js');
    result = read(consumerKinds);
  }
  return result;
}

/** A file over the size limit is the input's own problem, reported like any other, without reading it. */
function refusedUnread(file: string, input: { name: string; refused: string }): SecretfileResult {
  const problem = { file: input.name, line: 1, column: 1, path: '', message: input.refused };
  return { file, varFiles: [], policies: [], skipped: [], findings: [], warnings: [], problems: [problem], consumerKindsNamed: [] };
}

/**
 * Our governance rules over each policy body (the policy-check: rotation margin, maximum
 * validity and active days, password length), with their documented defaults and the default
 * protected environments: offline there is no deployment to read its own settings from. The
 * API's POST /api/policy-check applies the deployment's.
 */
function governanceFindings(policies: readonly SecretfilePolicy[], now: Date): SecretfileFinding[] {
  const settings = defaultComplianceSettings(DEFAULT_GOVERNANCE_SETTINGS.protectedEnvironments);
  return policies.flatMap(({ policy, source }) =>
    evaluateRules(POLICY_RULES, policySubjects, policy, {
      now,
      environment: policy.environment,
      protectedEnvironment: isProtected(settings, policy.environment),
      parameters: parametersFor(settings, policy.environment),
    }).map((finding) => ({ ...finding, file: source.file, line: source.line, column: source.column, path: source.path })),
  );
}

/** A file named on the command line: missing or unreadable is a usage error; too large is refused as the input's problem. */
function readInput(path: string, io: CliIo): SourceFile | { name: string; refused: string } {
  const absolute = resolve(io.cwd, path);
  const loaded = io.readTextFile(absolute, MAX_SOURCE_BYTES);
  const name = displayPath(absolute, io);
  if ('text' in loaded) return { name, text: loaded.text };
  if (loaded.reason === 'too-large') return { name, refused: loaded.problem };
  throw new CliUsageError(`cannot read ${shown(path)}: ${loaded.problem}`);
}

export function displayPath(absolute: string, io: CliIo): string {
  const fromCwd = relative(io.cwd, absolute);
  return fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : absolute;
}

/**
 * What a promotion compares: a SHA-256 over the Secretfile and every var file any of its
 * profiles names (and the --var-file ones), so a change to production's var file after
 * staging's smoke test counts as a change too. The file reads no environment variables, so this is all it means.
 */
export function secretfileHash(options: SecretfileInputOptions, io: CliIo): { hash: string; files: string[] } {
  const main = resolve(io.cwd, options.file);
  const base = dirname(main);
  const read = (absolute: string): string => {
    const loaded = io.readTextFile(absolute, MAX_SOURCE_BYTES);
    return 'text' in loaded ? loaded.text : `<unreadable: ${loaded.reason}>`;
  };
  const text = read(main);
  const named = new Set<string>((options.varFile ?? []).map((path) => resolve(io.cwd, path)));
  try {
    const document = parseYaml(text, { maxAliasCount: 100 }) as { environments?: { profiles?: Record<string, { var_files?: unknown }> } } | null;
    for (const profile of Object.values(document?.environments?.profiles ?? {})) {
      for (const path of Array.isArray(profile?.var_files) ? profile.var_files : []) if (typeof path === 'string') named.add(isAbsolute(path) ? path : resolve(base, path));
    }
  } catch {
    // A file validate refuses never reaches a promotion; its text alone is hashed.
  }
  const files = [main, ...[...named].sort()];
  const hash = createHash('sha256');
  // Named relative to the Secretfile, so the hash does not depend on where kvrot runs.
  for (const file of files) hash.update(`${relative(base, file)}\u0000${file === main ? text : read(file)}\u0000`);
  return { hash: `sha256:${hash.digest('hex')}`, files: files.map((file) => displayPath(file, io)) };
}

/** The Secretfile as the command line named it, relative to where kvrot runs. */
export function displayFile(file: string, io: CliIo): string {
  return displayPath(resolve(io.cwd, file), io);
}
