/**
 * The `webhook` follower: an HTTPS endpoint told of each switched version, signed as the Standard
 * Webhooks spec says (webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256 of
 * "{id}.{timestamp}.{body}">). A 2xx answer is the confirmation; anything else, a redirect, a
 * timeout or a refused address is not, and the engine keeps the old credential until it is.
 *
 * The signing secret is a secret in the policy's vault: each enabled, current version signs, newest
 * first, at most two, so this app can rotate it with an overlap while receivers accept either.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ConsumerRuntime } from '../../composition.js';
import { MAX_WEBHOOK_TIMEOUT_SECONDS } from '../../config.js';
import type { FollowerKind, SwitchedVersion } from '../../core/consumers/consumer-port.js';
import { deliveryTimeoutSchema, followerSchema } from '../../core/consumers/follower-schema.js';
import { isLoopback } from '../../core/consumers/network-consumer.js';
import { parseDuration } from '../../core/durations.js';
import { secretNameProblem } from '../../core/names.js';
import { guardedPost } from '../http/guarded-post.js';
import { sanitizeKeyVaultError } from '../keyvault/key-vault-secret-store.js';

export const WEBHOOK_EVENT_TYPE = 'secret.rotated';
/** Standard Webhooks allows several signatures; two cover a rotation of the signing secret with an overlap. */
export const MAX_SIGNING_VERSIONS = 2;
/** HMAC-SHA256 keys shorter than this are refused; Standard Webhooks recommends 24 to 64 bytes. */
export const MIN_SIGNING_KEY_BYTES = 16;
const WHSEC_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function urlProblem(text: string): { message: string } | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { message: 'must be an absolute URL, https://host[:port]/path' };
  }
  if (url.username || url.password) return { message: 'cannot carry a user name or password: the signature authenticates the sender, and credentials in a URL end up in logs' };
  if (url.hash) return { message: 'cannot have a fragment: it is never sent' };
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return undefined;
  return { message: `must be an https URL (http only to a loopback host, for local receivers), got ${url.protocol.replace(/:$/, '')}` };
}


const webhookSchema = followerSchema('webhook', {
  /** Where the signed POST goes. */
  url: z
    .string()
    .max(2048, 'must be at most 2048 characters')
    .superRefine((text, ctx) => {
      const problem = urlProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
    }),
  /** A secret in the policy's vault whose enabled versions sign: whsec_<base64> or raw text. */
  signingSecretName: z.string().superRefine((name, ctx) => {
    const problem = secretNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** Sends the value in the body too; refused for a URL that is not https, and audited on every send. */
  includeValue: z.boolean().default(false),
  /** How long the receiver has to answer; default WEBHOOK_TIMEOUT_SECONDS. */
  timeout: deliveryTimeoutSchema(MAX_WEBHOOK_TIMEOUT_SECONDS).optional(),
}).superRefine((spec, ctx) => {
  if (!spec.includeValue || urlProblem(spec.url)) return;
  if (new URL(spec.url).protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', path: ['includeValue'], message: 'true is refused for a URL that is not https: the value would travel in clear' });
  }
});

export type WebhookSpec = z.output<typeof webhookSchema>;

/** Not confirmed: the receiver answered something other than 2xx, or could not be reached. */
export class WebhookNotConfirmedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookNotConfirmedError';
  }
}

interface SigningKey {
  version: string;
  key: Buffer;
}

/** A signing secret's value as HMAC key bytes: whsec_<base64> decoded, anything else as UTF-8. Never quotes the value. */
export function signingKeyBytes(value: string, where: string): Buffer {
  const text = value.trim();
  let key: Buffer;
  if (text.startsWith(WHSEC_PREFIX)) {
    const encoded = text.slice(WHSEC_PREFIX.length);
    if (!BASE64.test(encoded)) throw new WebhookNotConfirmedError(`${where} starts with whsec_ but the rest is not base64`);
    key = Buffer.from(encoded, 'base64');
  } else {
    key = Buffer.from(text, 'utf8');
  }
  if (key.length < MIN_SIGNING_KEY_BYTES) throw new WebhookNotConfirmedError(`${where} gives a ${key.length}-byte key: at least ${MIN_SIGNING_KEY_BYTES} bytes are needed (24 to 64 recommended)`);
  return key;
}

/** Standard Webhooks' signature header: one v1,<base64> per key, space-separated. */
export function signatureHeader(id: string, timestamp: number, body: string, keys: readonly Buffer[]): string {
  return keys.map((key) => `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`).join(' ');
}

async function signingKeys(runtime: ConsumerRuntime, vaultUrl: string, secretName: string): Promise<SigningKey[]> {
  const ref = { vaultUrl, secretName };
  const client = runtime.clients.secretClient(vaultUrl);
  const now = Date.now();
  const current: { version: string; createdOn: number }[] = [];
  try {
    for await (const properties of client.listPropertiesOfSecretVersions(secretName)) {
      if (properties.enabled === false || !properties.version) continue;
      if (properties.notBefore && properties.notBefore.getTime() > now) continue;
      if (properties.expiresOn && properties.expiresOn.getTime() <= now) continue;
      current.push({ version: properties.version, createdOn: properties.createdOn?.getTime() ?? 0 });
    }
  } catch (error) {
    throw sanitizeKeyVaultError('listing the signing secret', ref, error);
  }
  if (current.length === 0) throw new WebhookNotConfirmedError(`signing secret '${secretName}' in ${vaultUrl} has no enabled, current version: nothing was sent`);
  const newest = current.sort((a, b) => b.createdOn - a.createdOn).slice(0, MAX_SIGNING_VERSIONS);
  const keys: SigningKey[] = [];
  for (const { version } of newest) {
    let value: string | undefined;
    try {
      value = (await client.getSecret(secretName, { version })).value;
    } catch (error) {
      throw sanitizeKeyVaultError('reading the signing secret', ref, error);
    }
    if (!value) throw new WebhookNotConfirmedError(`signing secret '${secretName}' version '${version}' in ${vaultUrl} is empty`);
    keys.push({ version, key: signingKeyBytes(value, `signing secret '${secretName}' version '${version}'`) });
  }
  return keys;
}

function timeoutInMs(spec: WebhookSpec, runtime: ConsumerRuntime): number {
  return spec.timeout ? parseDuration(spec.timeout).milliseconds : runtime.config.webhooks.timeoutInMs;
}

let receiverCa: { path: string; pem: string } | undefined;
function caCertPem(runtime: ConsumerRuntime): string | undefined {
  const path = runtime.config.webhooks.caCertPath;
  if (!path) return undefined;
  if (receiverCa?.path !== path) receiverCa = { path, pem: readFileSync(path, 'utf8') };
  return receiverCa.pem;
}

/** The body: Standard Webhooks' {type, timestamp, data}. The value only when the policy says includeValue. */
async function bodyOf(spec: WebhookSpec, switched: SwitchedVersion, at: Date): Promise<string> {
  const { version } = switched;
  const data: Record<string, unknown> = {
    policyId: switched.policyId,
    rotationId: switched.rotationId,
    vaultUrl: version.vaultUrl,
    secretName: version.secretName,
    version: version.version,
    expiresOn: version.expiresOn?.toISOString() ?? null,
    ...(version.contentType ? { contentType: version.contentType } : {}),
  };
  if (spec.includeValue) data['value'] = (await switched.readValue()).reveal();
  return JSON.stringify({ type: WEBHOOK_EVENT_TYPE, timestamp: at.toISOString(), data });
}

export function webhookConsumer(runtime: ConsumerRuntime): FollowerKind<WebhookSpec> {
  return {
    kind: 'webhook',
    role: 'follower',
    schema: webhookSchema,
    async deliver(spec, switched) {
      const { version } = switched;
      // Origin only: a path or query may carry the receiver's own token.
      const receiver = new URL(spec.url).origin;
      const valueNote = spec.includeValue ? 'value included' : 'value not included';
      if (spec.signingSecretName === version.secretName) {
        throw new WebhookNotConfirmedError(`signingSecretName '${spec.signingSecretName}' is the secret this policy rotates: receivers could not verify without the value; name another secret`);
      }
      const keys = await signingKeys(runtime, version.vaultUrl, spec.signingSecretName);
      const id = `${switched.rotationId}.${spec.name}`;
      const at = new Date();
      const timestamp = Math.floor(at.getTime() / 1000);
      const body = await bodyOf(spec, switched, at);
      const signature = signatureHeader(id, timestamp, body, keys.map((k) => k.key));
      for (const { key } of keys) key.fill(0);
      const signedWith = `signed with ${keys.length} version(s) of '${spec.signingSecretName}': ${keys.map((k) => k.version).join(', ')}`;
      const log = { policyId: switched.policyId, rotationId: switched.rotationId, consumer: spec.name, vaultUrl: version.vaultUrl, secretName: version.secretName, version: version.version, receiver, includeValue: spec.includeValue };
      const limit = timeoutInMs(spec, runtime);
      let status: number;
      try {
        const ca = caCertPem(runtime);
        ({ status } = await guardedPost(new URL(spec.url), {
          headers: { 'content-type': 'application/json', 'user-agent': 'keyvault-rotation-webhook/1', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature },
          body,
          timeoutInMs: limit,
          allowPrivateAddresses: runtime.config.webhooks.allowPrivateAddresses,
          ...(ca ? { caCertPem: ca } : {}),
        }));
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
        runtime.logger.warn('webhook.not-confirmed', { ...log, reason });
        throw new WebhookNotConfirmedError(`POST to ${receiver} was not confirmed (${reason}; ${valueNote})`, { cause: error });
      }
      runtime.logger[spec.includeValue ? 'warn' : 'info']('webhook.sent', { ...log, status });
      if (status >= 300 && status < 400) {
        throw new WebhookNotConfirmedError(`POST to ${receiver} answered ${status}, a redirect: redirects are not followed, so version '${version.version}' is not confirmed; point url at the final address (${valueNote})`);
      }
      if (status < 200 || status >= 300) {
        throw new WebhookNotConfirmedError(`POST to ${receiver} answered ${status}: version '${version.version}' is not confirmed (${valueNote})`);
      }
      return `POST to ${receiver} answered ${status}: confirmed version '${version.version}', webhook-id ${id}, ${signedWith}; ${valueNote}`;
    },
  };
}
