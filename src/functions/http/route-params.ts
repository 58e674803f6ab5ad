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
