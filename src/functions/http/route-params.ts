import type { HttpRequest } from '@azure/functions';
import { ValidationError } from '../../core/errors.js';
import { rotationPolicySchema } from '../../core/policy/policy.js';

/** The {id} route parameter, refused with the same rule the policy schema applies. */
export function policyIdOf(request: HttpRequest): string {
  const id = request.params.id ?? '';
  const parsed = rotationPolicySchema.shape.id.safeParse(id);
  if (!parsed.success) {
    throw new ValidationError('the policy id in the URL is invalid', [{ path: 'id', message: parsed.error.issues[0]?.message ?? 'invalid id' }]);
  }
  return parsed.data;
}

/** Paging query parameters: pageSize 1-1000, continuationToken opaque. */
export function pageOptionsOf(request: HttpRequest): { pageSize?: number; continuationToken?: string } {
  const rawSize = request.query.get('pageSize');
  const continuationToken = request.query.get('continuationToken') ?? undefined;
  let pageSize: number | undefined;
  if (rawSize !== null) {
    pageSize = Number(rawSize);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw new ValidationError('pageSize is invalid', [{ path: 'pageSize', message: 'a whole number from 1 to 1000' }]);
    }
  }
  return { ...(pageSize ? { pageSize } : {}), ...(continuationToken ? { continuationToken } : {}) };
}

/** HTTP's conditional headers; an ETag is passed on as the caller wrote it (quotes and all), as the response's ETag header gave it. */
export function preconditionsOf(request: HttpRequest): { ifMatch?: string; ifNoneMatch?: string } {
  const ifMatch = request.headers.get('if-match') ?? undefined;
  const ifNoneMatch = request.headers.get('if-none-match') ?? undefined;
  return { ...(ifMatch !== undefined ? { ifMatch } : {}), ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}) };
}
