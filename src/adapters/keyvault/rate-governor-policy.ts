/**
 * Puts every attempt of a SecretClient call through the instance's KeyVaultRateGovernor:
 * each attempt (retries included, so the policy sits per retry) waits for its vault's turn,
 * and a 429 tells the governor to slow down. The retry of a 429 is the throttling retry
 * policy's; its next attempt waits here again, at the lowered rate.
 */
import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';
import type { KeyVaultOperationKind, KeyVaultRateGovernor } from './rate-governor.js';

/** What Key Vault counts against its create limit: setSecret, and restoring a backup. */
export function keyVaultOperationKind(method: string, path: string): KeyVaultOperationKind {
  const verb = method.toUpperCase();
  if (verb === 'PUT' && /^\/secrets\/[^/]+\/?$/i.test(path)) return 'create';
  if (verb === 'POST' && /^\/secrets\/restore\/?$/i.test(path)) return 'create';
  return 'other';
}

export function keyVaultRateGovernorPolicy(governor: KeyVaultRateGovernor): PipelinePolicy {
  return {
    name: 'keyVaultRateGovernorPolicy',
    async sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
      const url = new URL(request.url);
      const vault = url.host.toLowerCase();
      const kind = keyVaultOperationKind(request.method, url.pathname);
      await governor.acquire(vault, kind, request.abortSignal as AbortSignal | undefined);
      const response = await next(request);
      if (response.status === 429) governor.throttled(vault, kind);
      return response;
    },
  };
}
