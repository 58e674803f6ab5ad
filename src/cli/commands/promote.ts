/**
 * `kvrot promote --from staging --to production -f Secretfile.yml [--wait]`: applies to the
 * target what was applied and smoke-tested in the source, through the target's approvals. The
 * gate is the source's latest smoke test as its API recorded it (GET /api/environments/{env}/
 * smoke-tests/latest), so it holds wherever promote runs: it must exist, have passed, have been
 * run with this Secretfile at the same content (its hash covers every profile's var files), and
 * come after any apply of the source from here. Then the file is applied to the target with the
 * target's profile.
 */
import type { Command } from 'commander';
import { connect, withApiOptions, type ApiCommandOptions } from '../api/connect.js';
import { waitTimeoutOf, withSecretfileOptions, withWaitOptions, type ApplyOptions, type SecretfileCommandOptions } from '../apply-plan.js';
import type { CliCommand } from '../command.js';
import { ApiRefusal } from '../api/api-client.js';
import { CliUsageError, CliValidationError } from '../errors.js';
import type { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { shown } from '../output.js';
import { secretfileHash } from '../secretfile-input.js';
import { environmentState } from '../state.js';
import { applyTo, print } from './apply.js';

export interface PromoteOptions extends ApiCommandOptions, SecretfileCommandOptions, ApplyOptions {
  from: string;
  to: string;
  prune?: boolean;
}

export const promoteCommand: CliCommand = {
  name: 'promote',
  register(program: Command, context) {
    withWaitOptions(
      withApiOptions(
        withSecretfileOptions(program.command('promote').description("apply to one environment what was applied and smoke-tested in another, through the target's approvals")).requiredOption('--from <env>', 'the environment that was smoke-tested, e.g. staging').requiredOption('--to <env>', 'the environment to promote to, e.g. production'),
        { environment: false },
      ).option('--prune', "delete the target's policies the file no longer makes"),
    ).action((options: PromoteOptions) => context.run(() => promote(options, context.io)));
  },
};

export async function promote(options: PromoteOptions, io: CliIo): Promise<ExitCode> {
  if (options.from === options.to) throw new CliUsageError('--from and --to name the same environment');
  waitTimeoutOf(options);
  const smoke = await gate(options, io);
  const { client, environment } = connect(options, options.to, io, ['listPolicies', 'putPolicy', 'deletePolicy', 'getChangeRequest']);
  const { report, exitCode } = await applyTo(environment, client, options, io, options.from);
  print({ ...report }, io, options.json === true, { command: 'promote', from: options.from, smoke });
  if (!options.json) io.stdout.write(`promoted from ${shown(options.from)}, smoke-tested ${smoke.at} with this file (${smoke.fileHash.slice(0, 19)}…)\n`);
  return exitCode;
}

/** The source's latest smoke test, as its API recorded it, if it allows the promotion; else why not (exit 1). */
async function gate(options: PromoteOptions, io: CliIo): Promise<{ at: string; fileHash: string; api: string }> {
  const from = shown(options.from);
  const { client, environment } = connect(options, options.from, io, ['getLatestSmokeTest']);
  const again = `kvrot smoke -e ${from} -f ${shown(options.file)}`;
  let smoke;
  try {
    smoke = (await client.call('getLatestSmokeTest', [200], { params: { environment: environment.name } })).body;
  } catch (error) {
    if (!(error instanceof ApiRefusal && error.status === 404)) throw error;
    throw new CliValidationError(`refusing to promote: ${from} has no smoke test recorded at ${environment.baseUrl.origin}; run ${again} first`);
  }
  const when = `at ${smoke.at} by ${shown(smoke.by.name)}`;
  if (!smoke.passed) throw new CliValidationError(`refusing to promote: ${from}'s last smoke test, ${when}, failed; fix ${from} and run ${again}`);
  if (smoke.fileHash === null) throw new CliValidationError(`refusing to promote: ${from}'s last smoke test, ${when}, was run without a Secretfile, so it says nothing of this one; run ${again}`);
  const { hash } = secretfileHash({ file: options.file, varFile: options.varFile }, io);
  if (smoke.fileHash !== hash) {
    throw new CliValidationError(`refusing to promote: the Secretfile (or a var file) changed since ${from}'s last smoke test ${when}; apply it to ${from} (kvrot apply -e ${from}), smoke-test it (${again}), then promote`);
  }
  // The API knows nothing of applies; one made from here after the smoke test is still a reason to test again.
  const applied = environmentState(io, options.from).lastApply;
  if (applied && Date.parse(applied.at) > Date.parse(smoke.at)) throw new CliValidationError(`refusing to promote: ${from} was applied again at ${applied.at}, after its last smoke test at ${smoke.at}; run ${again}`);
  return { at: smoke.at, fileHash: smoke.fileHash, api: environment.baseUrl.origin };
}
