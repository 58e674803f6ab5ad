/**
 * What every API command shares: its options (-e/--environment, --config, --as, --roles, --timeout-ms,
 * --json), and turning them into a client of that environment's API with a token carrying the
 * roles the command's calls need.
 */
import type { Command } from 'commander';
import type { AppRole } from '../../core/auth/caller.js';
import type { ApiOperationName } from '../../functions/http/api-operations.js';
import { ROUTE_ROLES, type RouteAccess } from '../../functions/http/route-roles.js';
import { configPath, loadConfig, resolveEnvironment, type ResolvedEnvironment } from '../config.js';
import { CliUsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { accessTokenFor, type AccessToken } from './access-token.js';
import { ApiClient } from './api-client.js';

export const DEFAULT_REQUEST_TIMEOUT_IN_MS = 30_000;

export interface ApiCommandOptions {
  environment?: string;
  config?: string;
  as?: string;
  roles?: string;
  timeoutMs?: string;
  json?: boolean;
}

export interface Connection {
  client: ApiClient;
  environment: ResolvedEnvironment;
  /** The client's token, for the smoke checks, which make their own calls. */
  token: AccessToken;
}

/**
 * -e, --environment as SecretZero spells its global option, and --env as the runbook spells it
 * (issue 14's `kvrot smoke --env staging`): either names the environment, both must agree.
 */
export function withEnvironmentOption(command: Command, description: string, { required }: { required: boolean }): Command {
  return command
    .option('-e, --environment <name>', required ? `${description} (required)` : description)
    .option('--env <name>', 'the same as -e, --environment')
    .hook('preAction', (invoked) => {
      const { environment: named, env } = invoked.opts<{ environment?: string; env?: string }>();
      if (named !== undefined && env !== undefined && named !== env) invoked.error(`kvrot: -e/--environment '${named}' and --env '${env}' name different environments: give one`, { exitCode: 2, code: 'kvrot.conflictingEnvironment' });
      const chosen = named ?? env;
      if (chosen === undefined && required) invoked.error("error: required option '-e, --environment <name>' not specified", { exitCode: 2, code: 'commander.missingMandatoryOptionValue' });
      if (chosen !== undefined) invoked.setOptionValue('environment', chosen);
    });
}

/** The options of a command that talks to the API; `environment: false` for one that names its environments otherwise (promote). */
export function withApiOptions(command: Command, { environment = true }: { environment?: boolean } = {}): Command {
  if (environment) withEnvironmentOption(command, 'the environment: its API in kvrot.config.json, and the Secretfile profile of that name', { required: true });
  return command
    .option('--config <path>', 'the configuration; default KVROT_CONFIG, else ./kvrot.config.json')
    .option('--as <user>', "the local identity provider's user to act as (default KVROT_AS); only for environments with an identityProvider")
    .option('--roles <roles>', 'with --as: exactly these app roles, comma-separated, instead of the ones the command needs')
    .option('--timeout-ms <ms>', `how long each API call may take; default ${DEFAULT_REQUEST_TIMEOUT_IN_MS}`)
    .option('--json', 'print one JSON document (its shape is in docs/cli.md) instead of tables');
}

/** The roles a token needs for these calls: the first role ROUTE_ROLES gives each protected one. */
export function rolesFor(operations: readonly ApiOperationName[]): AppRole[] {
  const roles = operations.flatMap((name) => {
    const access = ROUTE_ROLES[name] as RouteAccess;
    return access === 'anonymous' ? [] : [access[0]!];
  });
  return [...new Set(roles)];
}

export function timeoutOf(options: ApiCommandOptions): number {
  if (options.timeoutMs === undefined) return DEFAULT_REQUEST_TIMEOUT_IN_MS;
  const value = Number(options.timeoutMs);
  if (!/^\d{1,7}$/.test(options.timeoutMs) || value < 1) throw new CliUsageError('--timeout-ms must be a whole number of milliseconds, 1 to 9999999');
  return value;
}

export function connect(options: ApiCommandOptions, environmentName: string, io: CliIo, operations: readonly ApiOperationName[]): Connection {
  const file = configPath(io, options.config);
  const environment = resolveEnvironment(loadConfig(io, options.config), environmentName, file);
  const fetch = io.fetch ?? globalThis.fetch;
  const timeoutInMs = timeoutOf(options);
  const as = options.as ?? (environment.identityProvider ? io.env['KVROT_AS'] || undefined : undefined);
  const token = accessTokenFor({ environment, as, roles: options.roles, needed: rolesFor(operations), fetch, timeoutInMs });
  return { client: new ApiClient({ baseUrl: environment.baseUrl, token, fetch, timeoutInMs }), environment, token };
}
