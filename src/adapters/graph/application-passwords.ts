/**
 * An Entra application's client secrets through Microsoft Graph v1.0: read the application,
 * addPassword, removePassword. Two requests need no Graph SDK (its Node client sends through
 * the global fetch, which takes no https.Agent), so they go through core-client's ServiceClient
 * with the app's credential, the SDK's retry policy and, locally, the stand-in's agent.
 *
 * A secret's text travels only as SecretValue; errors name the application, never a secret, and
 * never quote a response body that could carry one.
 */
import type { Agent } from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { ServiceClient } from '@azure/core-client';
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { z } from 'zod';
import { ENTRA_AUTHORITY_HOST, GRAPH_ENDPOINT, type GraphSettings } from '../../config.js';
import { PermanentDependencyError, TransientDependencyError } from '../../core/errors.js';
import { SecretValue } from '../../core/secret-value.js';
import { boundText } from '../../core/untrusted-text.js';
import { localEmulatorCredential } from '../azure-clients.js';
import { standInAgent } from '../stand-in-agent.js';

export const GRAPH_SCOPE = `${GRAPH_ENDPOINT}/.default`;

/** A client secret as Graph lists it: never its text. */
export interface PasswordCredentialInfo {
  keyId: string;
  displayName?: string;
  /** The first three characters of the text, as Graph shows them. */
  hint?: string;
  startDateTime?: Date;
  endDateTime?: Date;
}

export interface ApplicationInfo {
  id: string;
  appId: string;
  displayName?: string;
  passwordCredentials: PasswordCredentialInfo[];
}

/** What addPassword answered: the text is returned once, here. */
export interface AddedPassword extends PasswordCredentialInfo {
  secretText: SecretValue;
}

export interface AddPasswordOptions {
  displayName: string;
  endDateTime: Date;
  abortSignal?: AbortSignal;
}

export interface ApplicationPasswordsOptions {
  abortSignal?: AbortSignal;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const dateText = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'is not a date');
const passwordCredentialSchema = z.object({
  keyId: z.string().regex(GUID),
  displayName: z.string().nullish(),
  hint: z.string().nullish(),
  startDateTime: dateText.nullish(),
  endDateTime: dateText.nullish(),
});
const applicationSchema = z.object({
  id: z.string().regex(GUID),
  appId: z.string().regex(GUID),
  displayName: z.string().nullish(),
  passwordCredentials: z.array(passwordCredentialSchema).default([]),
});
const addedSchema = passwordCredentialSchema.extend({ secretText: z.string().min(1) });

function infoOf(credential: z.output<typeof passwordCredentialSchema>): PasswordCredentialInfo {
  return {
    keyId: credential.keyId.toLowerCase(),
    ...(credential.displayName ? { displayName: credential.displayName } : {}),
    ...(credential.hint ? { hint: credential.hint } : {}),
    ...(credential.startDateTime ? { startDateTime: new Date(credential.startDateTime) } : {}),
    ...(credential.endDateTime ? { endDateTime: new Date(credential.endDateTime) } : {}),
  };
}

function jsonOf(response: PipelineResponse): unknown {
  try {
    return response.bodyAsText ? (JSON.parse(response.bodyAsText) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/** An application as GET /applications/{id} answers it; throws naming the field, never quoting the body. */
export function parseApplication(body: unknown, applicationObjectId: string): ApplicationInfo {
  const parsed = applicationSchema.safeParse(body);
  if (!parsed.success) throw new TransientDependencyError(`Graph answered application ${applicationObjectId} in an unexpected shape (${fieldsOf(parsed.error)})`);
  return {
    id: parsed.data.id.toLowerCase(),
    appId: parsed.data.appId.toLowerCase(),
    ...(parsed.data.displayName ? { displayName: parsed.data.displayName } : {}),
    passwordCredentials: parsed.data.passwordCredentials.map(infoOf),
  };
}

/**
 * addPassword's answer. The body holds the secret's text, so a refusal names the fields that were
 * wrong and nothing of their values. A secret whose answer cannot be read is known to nobody.
 */
export function parseAddedPassword(body: unknown, applicationObjectId: string): AddedPassword {
  const parsed = addedSchema.safeParse(body);
  if (!parsed.success) throw new TransientDependencyError(`Graph answered addPassword on application ${applicationObjectId} in an unexpected shape (${fieldsOf(parsed.error)})`);
  return { ...infoOf(parsed.data), secretText: SecretValue.of(parsed.data.secretText) };
}

function fieldsOf(error: z.ZodError): string {
  const paths = [...new Set(error.issues.map((issue) => issue.path.filter((part) => typeof part === 'string' || typeof part === 'number').join('.') || '(body)'))];
  return `fields ${boundText(paths.slice(0, 5).join(', '), 200)} missing or not as Graph documents them`;
}

/** Graph's error body {"error":{"code","message"}}, bounded: Graph's own wording, which never holds a secret. */
function graphErrorOf(response: PipelineResponse): string {
  const body = jsonOf(response) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const code = typeof body?.error?.code === 'string' ? body.error.code : undefined;
  const message = typeof body?.error?.message === 'string' ? body.error.message : undefined;
  return `${response.status}${code ? ` ${boundText(code, 64)}` : ''}${message ? `: ${boundText(message, 300)}` : ''}`;
}

function failure(response: PipelineResponse, what: string): Error {
  const detail = `${what} failed: ${graphErrorOf(response)}`;
  if (response.status === 403 || response.status === 401) {
    return new PermanentDependencyError(`${detail}. The app's identity needs the Graph application permission Application.ReadWrite.OwnedBy and to be an owner of the application (docs/consumers.md)`);
  }
  if (response.status === 404) return new PermanentDependencyError(`${detail}. Check applicationObjectId (the application's object id, not its client id) and that the app's identity owns it`);
  if (response.status === 400) return new PermanentDependencyError(detail);
  return new TransientDependencyError(detail);
}

export interface GraphClientOptions {
  settings: GraphSettings;
  /** The app's credential in Azure; locally (settings.standIn) a local token is sent to the stand-in instead. */
  credential: TokenCredential;
  /** Tests shorten the SDK's retry delays; the policy itself stays the SDK's. */
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
}

/** The stand-in's agent: its CA trusted, graph.microsoft.com and login.microsoftonline.com sent to its address. */
export function graphStandInAgent(standIn: NonNullable<GraphSettings['standIn']>): Agent {
  const hosts = new Set([new URL(GRAPH_ENDPOINT).hostname, new URL(ENTRA_AUTHORITY_HOST).hostname]);
  return standInAgent(standIn, (hostname) => hosts.has(hostname));
}

export class ApplicationPasswords {
  readonly #client: ServiceClient;
  readonly #endpoint: string;

  constructor(options: GraphClientOptions, agent?: Agent) {
    const standIn = options.settings.standIn;
    this.#endpoint = options.settings.endpoint;
    // The stand-in takes any bearer token, like the emulator; config.ts keeps it on a loopback address.
    const credential = standIn ? localEmulatorCredential : options.credential;
    const standInAgentToUse = agent ?? (standIn ? graphStandInAgent(standIn) : undefined);
    this.#client = new ServiceClient({
      endpoint: this.#endpoint,
      credential,
      credentialScopes: [GRAPH_SCOPE],
      ...(standInAgentToUse ? { agent: standInAgentToUse } : {}),
      ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}),
    });
  }

  /** The application with its client secrets (never their text). */
  async get(applicationObjectId: string, options: ApplicationPasswordsOptions = {}): Promise<ApplicationInfo> {
    const response = await this.#send('GET', applicationObjectId, '', undefined, options.abortSignal, `reading application ${applicationObjectId}`);
    if (response.status !== 200) throw failure(response, `reading application ${applicationObjectId}`);
    return parseApplication(jsonOf(response), applicationObjectId);
  }

  /** A new client secret; its text is in the answer and nowhere else. */
  async add(applicationObjectId: string, options: AddPasswordOptions): Promise<AddedPassword> {
    const what = `addPassword on application ${applicationObjectId}`;
    const body = { passwordCredential: { displayName: options.displayName, endDateTime: options.endDateTime.toISOString() } };
    const response = await this.#send('POST', applicationObjectId, '/addPassword', body, options.abortSignal, what);
    if (response.status !== 200) throw failure(response, what);
    return parseAddedPassword(jsonOf(response), applicationObjectId);
  }

  /**
   * Removes the client secret `keyId`; it stops working at once. Resolves 'absent' when the
   * application no longer has it (looked up first: what Graph answers for an unknown keyId is
   * not documented, and the stand-in's 400 is its own wording).
   */
  async remove(applicationObjectId: string, keyId: string, options: ApplicationPasswordsOptions = {}): Promise<'removed' | 'absent'> {
    const has = async () => (await this.get(applicationObjectId, options)).passwordCredentials.some((c) => c.keyId === keyId.toLowerCase());
    if (!(await has())) return 'absent';
    const what = `removePassword ${keyId} on application ${applicationObjectId}`;
    const response = await this.#send('POST', applicationObjectId, '/removePassword', { keyId }, options.abortSignal, what);
    if (response.status === 204 || response.status === 200) return 'removed';
    // Removed in between (a retried request that had taken effect, another caller): what was asked is done.
    if (response.status === 400 && !(await has())) return 'absent';
    throw failure(response, what);
  }

  async #send(method: 'GET' | 'POST', applicationObjectId: string, action: string, body: unknown, abortSignal: AbortSignal | undefined, what: string): Promise<PipelineResponse> {
    const request = createPipelineRequest({
      url: `${this.#endpoint}/v1.0/applications/${encodeURIComponent(applicationObjectId)}${action}`,
      method,
      headers: createHttpHeaders(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(abortSignal ? { abortSignal } : {}),
    });
    try {
      return await this.#client.sendRequest(request);
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error;
      const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? ` (${boundText(error.code, 64)})` : '';
      throw new TransientDependencyError(`${what} failed: Microsoft Graph could not be reached${code}`);
    }
  }
}
