/**
 * The reports' continuation tokens: JSON in base64url, opaque to callers, checked on the way
 * back in. A token that does not decode to what this deployment wrote is a 400 naming
 * continuationToken, never a 500.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';

/** Tokens carry a Key Vault page link (a few hundred characters); anything far longer was not ours. */
const MAX_TOKEN_LENGTH = 8 * 1024;

export function encodeReportToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeReportToken<T>(token: string, schema: z.ZodType<T>): T {
  const refuse = (why: string) => new ValidationError('continuationToken is invalid', [{ path: 'continuationToken', message: why }]);
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) throw refuse('not a token this report gave');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw refuse('not a token this report gave');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw refuse('not a token this report gave');
  return parsed.data;
}
