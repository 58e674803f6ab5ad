/**
 * Who may publish: the aeg-sas-key header holding one of the topic's keys, an aeg-sas-token
 * signed with one (r=<resource>&e=<expiry>&s=<HMAC-SHA256>, as the SDK's
 * generateSharedAccessSignature makes it), or a bearer token (any, as the ARM stand-in takes).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { topicErrors, type TopicError } from './topic-errors.js';

export type PublishAuthorization = 'key' | 'sas' | 'bearer';

const BEARER = /^Bearer +\S+$/i;
/** The SDK's expiry format: M/D/YYYY h:mm:ss AM, in UTC. */
const SAS_EXPIRY = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) (AM|PM)$/;

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

function sasExpiry(text: string): number {
  const match = SAS_EXPIRY.exec(text);
  if (!match) return NaN;
  const [, month, day, year, hour, minute, second, half] = match;
  const hours = (Number(hour) % 12) + (half === 'PM' ? 12 : 0);
  return Date.UTC(Number(year), Number(month) - 1, Number(day), hours, Number(minute), Number(second));
}

function checkSas(token: string, keys: readonly string[], endpoint: string, nowMs: number): TopicError | undefined {
  const parts = new URLSearchParams(token);
  const resource = parts.get('r');
  const expiry = parts.get('e');
  const signature = parts.get('s');
  if (!resource || !expiry || !signature) return topicErrors.invalidSas('it lacks r, e or s');
  const expiresAt = sasExpiry(expiry);
  if (!Number.isFinite(expiresAt)) return topicErrors.invalidSas('e is not an expiry time');
  if (expiresAt <= nowMs) return topicErrors.invalidSas('it has expired');
  if (!resource.toLowerCase().startsWith(endpoint.toLowerCase())) return topicErrors.invalidSas('r is not this topic');
  const signed = `r=${encodeURIComponent(resource)}&e=${encodeURIComponent(expiry)}`;
  const valid = keys.some((key) => sameText(createHmac('sha256', Buffer.from(key, 'base64')).update(signed).digest('base64'), signature));
  return valid ? undefined : topicErrors.invalidSas('the signature does not match a key of this topic');
}

/** How the request is authorized, or the 401 to answer. */
export function authorizePublish(headers: IncomingHttpHeaders, keys: readonly string[], endpoint: string, hostName: string, nowMs: number): PublishAuthorization | TopicError {
  const key = header(headers, 'aeg-sas-key');
  if (key !== undefined) return keys.some((candidate) => sameText(candidate, key)) ? 'key' : topicErrors.wrongKey(hostName);
  const sas = header(headers, 'aeg-sas-token');
  if (sas !== undefined) return checkSas(sas, keys, endpoint, nowMs) ?? 'sas';
  const authorization = header(headers, 'authorization')?.trim();
  if (authorization === undefined || authorization === '') return topicErrors.missingAuthorization();
  return BEARER.test(authorization) ? 'bearer' : topicErrors.invalidBearer();
}
