/**
 * kvrot.config.json: which API each environment is, and how to get a token for it. Read from
 * --config, else KVROT_CONFIG, else ./kvrot.config.json. An environment's name is also the
 * Secretfile profile (-e) its policies are read with, unless `profile` says otherwise.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { carriesTokensSafely } from './smoke/smoke-checks.js';
import { CliUsageError } from './errors.js';
import type { CliIo } from './io.js';
import { shown } from './output.js';

export const DEFAULT_CONFIG_FILE = 'kvrot.config.json';
const MAX_CONFIG_BYTES = 64 * 1024;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const httpUrl = (what: string) =>
  z
    .string()
    .url(`must be a URL (${what})`)
    // zod runs these refinements even when .url() failed; that text is already refused.
    .refine((text) => !URL.canParse(text) || carriesTokensSafely(new URL(text)), 'must be https:// (plain http only to 127.0.0.1, localhost or [::1]): tokens travel to it')
    .refine((text) => {
      if (!URL.canParse(text)) return true;
      const url = new URL(text);
      return !url.username && !url.password && !url.search && !url.hash;
    }, 'must hold no credentials, query or fragment');

export const environmentConfigSchema = z.strictObject({
  /** The API: the app's URL, or npm start's `api` (…/api). */
  api: httpUrl('the app, e.g. https://<app>.azurewebsites.net, or http://127.0.0.1:7071/api'),
  /** The API's app ID URI: DefaultAzureCredential asks for <audience>/.default. Required unless identityProvider is set. */
  audience: z.string().min(1).max(512).optional(),
  /** The local identity provider (npm start's `identityProvider`): tokens for `--as <user>` come from its POST /token. Loopback only. */
  identityProvider: httpUrl('the local identity provider, e.g. http://127.0.0.1:7072')
    .refine((text) => !URL.canParse(text) || LOOPBACK.has(new URL(text).hostname), 'is the local identity provider: a loopback address only')
    .optional(),
  /** The Secretfile profile (-e) for this environment; default its name; null reads the file without one. */
  profile: z.string().min(1).max(64).nullable().optional(),
});

export const kvrotConfigSchema = z.strictObject({
  environments: z.record(z.string().regex(ENVIRONMENT_NAME, '1-64 letters, digits, _ . -'), environmentConfigSchema).refine((map) => Object.keys(map).length > 0, 'name at least one environment'),
});

export type EnvironmentConfig = z.output<typeof environmentConfigSchema>;
export type KvrotConfig = z.output<typeof kvrotConfigSchema>;

export interface ResolvedEnvironment extends EnvironmentConfig {
  name: string;
  /** The app's base URL, without /api. */
  baseUrl: URL;
  /** The Secretfile profile, or undefined to read the file without one. */
  secretfileProfile: string | undefined;
}

export function configPath(io: CliIo, given: string | undefined): string {
  return resolve(io.cwd, given ?? io.env['KVROT_CONFIG'] ?? DEFAULT_CONFIG_FILE);
}

export function loadConfig(io: CliIo, given: string | undefined): KvrotConfig {
  const path = configPath(io, given);
  const read = io.readTextFile(path, MAX_CONFIG_BYTES);
  if (!('text' in read)) {
    const hint = read.reason === 'missing' ? `: write one naming your environments' APIs (docs/cli.md, "kvrot.config.json"), or point --config or KVROT_CONFIG at it` : '';
    throw new CliUsageError(`cannot read the configuration ${shown(path)}: ${read.problem}${hint}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(read.text);
  } catch {
    throw new CliUsageError(`the configuration ${shown(path)} is not valid JSON`);
  }
  const parsed = kvrotConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.map(String).join('.') || '(file)'}: ${issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message}`);
    throw new CliUsageError(`the configuration ${shown(path)} is invalid: ${shown(problems.join('; '))}`);
  }
  return parsed.data;
}

export function resolveEnvironment(config: KvrotConfig, name: string, configFile: string): ResolvedEnvironment {
  const environment = Object.hasOwn(config.environments, name) ? config.environments[name] : undefined;
  if (!environment) {
    throw new CliUsageError(`no environment ${shown(JSON.stringify(name))} in ${shown(configFile)}; it names ${Object.keys(config.environments).map((n) => shown(n)).join(', ')}`);
  }
  if (!environment.audience && !environment.identityProvider) {
    throw new CliUsageError(`environment ${shown(name)} in ${shown(configFile)} needs an audience (the API's app ID URI, for DefaultAzureCredential) or an identityProvider (the local one)`);
  }
  const url = new URL(environment.api);
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '' && path !== '/api') throw new CliUsageError(`environment ${shown(name)}: api must be the app's URL or its /api, not ${shown(environment.api)}`);
  return { ...environment, name, baseUrl: new URL(url.origin), secretfileProfile: environment.profile === null ? undefined : (environment.profile ?? name) };
}
