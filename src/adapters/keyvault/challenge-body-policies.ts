/**
 * Keeps a Key Vault write's body through the SDK's challenge. @azure/keyvault-common 2.1's
 * challenge policy sends a client's first request without its body, to provoke Key Vault's 401
 * challenge, and puts the body back only if the challenge is still "started" when that 401
 * returns. A second request sent meanwhile carries its body, gets its own 401, and, when that
 * 401 is handled first, completes the challenge: the first request is then resent with a token
 * and no body, and a write is refused with 400 ("The request body must be a JSON object").
 * That is how `npm run bench -- reports` failed to seed (48 setSecret calls at once on new
 * clients), and how a fresh instance's first concurrent writes could fail in Azure.
 *
 * So each request's body is remembered before the challenge policy sees it (perCall), and put
 * back on any attempt that carries a token but lost its body (perRetry, after the challenge
 * policy). Nothing waits: holding the other requests until the first one completed the challenge
 * would make that one request meet a throttling storm alone.
 */
import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';

export const REMEMBER_BODY_POLICY_NAME = 'keyVaultRememberBody';
export const RESTORE_BODY_POLICY_NAME = 'keyVaultRestoreBody';

/** The pair, for a client's additionalPolicies: one perCall, one perRetry. */
export function challengeBodyPolicies(): { policy: PipelinePolicy; position: 'perCall' | 'perRetry' }[] {
  const bodies = new WeakMap<PipelineRequest, NonNullable<PipelineRequest['body']>>();
  return [
    {
      position: 'perCall',
      policy: {
        name: REMEMBER_BODY_POLICY_NAME,
        sendRequest(request, next) {
          if (request.body !== undefined && request.body !== null) bodies.set(request, request.body);
          return next(request);
        },
      },
    },
    {
      position: 'perRetry',
      policy: {
        name: RESTORE_BODY_POLICY_NAME,
        sendRequest(request, next) {
          const body = bodies.get(request);
          // Without a token this is the challenge probe, body-less on purpose.
          if (body !== undefined && (request.body === undefined || request.body === null) && request.headers.has('authorization')) request.body = body;
          return next(request);
        },
      },
    },
  ];
}
