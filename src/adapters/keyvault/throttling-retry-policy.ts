/**
 * Key Vault answers throttling with 429 and, in practice, no Retry-After; the SDK's
 * own retry only honours 429s that carry one, so a throttled call would fail at once.
 * This policy backs off as Key Vault's throttling guidance says (1, 2, 4, 8, 16 s,
 * with jitter) and then gives the 429 to the caller, whose retry budget takes over.
 *
 * A call with a budget (a dry run: someone is waiting for the answer) spends at
 * most that long in total: it never sleeps past the budget, and the request is
 * aborted when the budget runs out, whatever the SDK's own retries are doing.
 */
import type { PipelinePolicy, PipelineRequest, PipelineResponse, SendRequest } from '@azure/core-rest-pipeline';

export interface ThrottlingRetryOptions {
  maxRetries?: number;
  baseDelayInMs?: number;
  maxDelayInMs?: number;
  /** Total time one call may take, retries included; unbounded when absent. */
  budgetInMs?: number;
}

/** The caller's signal, and also aborted once `ms` have passed. */
function withDeadline(signal: PipelineRequest['abortSignal'], ms: number): AbortSignal {
  const deadline = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal as AbortSignal, deadline]) : deadline;
}

function sleep(ms: number, signal: PipelineRequest['abortSignal']): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted while backing off from Key Vault throttling'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted while backing off from Key Vault throttling'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function keyVaultThrottlingRetryPolicy(options: ThrottlingRetryOptions = {}): PipelinePolicy {
  const maxRetries = options.maxRetries ?? 5;
  const baseDelayInMs = options.baseDelayInMs ?? 1000;
  const maxDelayInMs = options.maxDelayInMs ?? 16_000;
  return {
    name: 'keyVaultThrottlingRetryPolicy',
    async sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse> {
      const budget = options.budgetInMs;
      const deadline = budget === undefined ? Infinity : Date.now() + budget;
      if (budget !== undefined) request.abortSignal = withDeadline(request.abortSignal, budget);
      for (let retry = 0; ; retry++) {
        const response = await next(request);
        // A 429 that names its own wait is the SDK's throttling policy's to handle.
        if (response.status !== 429 || response.headers.get('retry-after') || retry >= maxRetries) return response;
        const delay = Math.min(maxDelayInMs, baseDelayInMs * 2 ** retry);
        const wait = delay / 2 + Math.random() * (delay / 2);
        // Better the 429 now than a sleep that ends after the caller stopped waiting.
        if (Date.now() + wait >= deadline) return response;
        await sleep(wait, request.abortSignal);
      }
    },
  };
}
