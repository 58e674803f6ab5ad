/**
 * The schema shared by followers (replica vaults, webhooks, Event Grid topics, App Service
 * references) and issuers (storage account keys, Entra application secrets): `{kind, name}`
 * plus the kind's own fields. Neither holds a login or an admin credential, which is also how
 * a policy tells them from a consumer that does.
 */
import { z } from 'zod';
import { parseDuration } from '../durations.js';
import { ValidationError } from '../errors.js';
import { CONSUMER_NAME } from './network-consumer.js';

export function followerSchema<Kind extends string, Extra extends z.ZodRawShape>(kind: Kind, extra: Extra) {
  for (const reserved of ['login', 'admin']) {
    if (reserved in extra) throw new Error(`kind '${kind}' cannot have a '${reserved}' field: it is how consumers that hold a login are told apart`);
  }
  return z.strictObject({
    kind: z.literal(kind),
    name: z.string().regex(CONSUMER_NAME, 'must be 1-63 lower-case letters, digits and hyphens, starting with a letter'),
    ...extra,
  });
}

/** Issuers' specs follow the same shape rules as followers'. */
export const issuerSchema = followerSchema;

/** A duration from `minMs` to `maxMs`; outside them, refused with `outOfRange` (which says the bounds and why). */
export function boundedDurationSchema(minMs: number, maxMs: number, outOfRange: string) {
  return z.string().superRefine((text, ctx) => {
    let ms: number;
    try {
      ms = parseDuration(text).milliseconds;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof ValidationError ? error.message : 'is not a duration' });
      return;
    }
    if (ms < minMs || ms > maxMs) ctx.addIssue({ code: 'custom', message: outOfRange });
  });
}

/** How long a delivery waits on its consumer, from 1 s to `maxSeconds`: the rotation holds its lease meanwhile. */
export function deliveryTimeoutSchema(maxSeconds: number) {
  return boundedDurationSchema(1000, maxSeconds * 1000, `must be from 1s to ${maxSeconds}s: the rotation waits on it`);
}
