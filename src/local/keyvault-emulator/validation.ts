/**
 * Key Vault's input rules for secrets, applied to request bodies before the store
 * sees them. Limits come from the service-limits and about-secrets pages.
 */
import { serviceErrors } from './service-errors.js';

/** "25 KB": read as 25 × 1024 bytes of UTF-8, the figure Azure CLI enforces too. */
export const MAX_VALUE_BYTES = 25 * 1024;
export const MAX_CONTENT_TYPE_LENGTH = 255;
export const MAX_TAGS = 15;
export const MAX_TAG_NAME_LENGTH = 256;
export const MAX_TAG_VALUE_LENGTH = 256;
/** Backing up a secret fails above this many versions. */
export const MAX_BACKUP_VERSIONS = 500;

const SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;

export function assertSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) throw serviceErrors.invalidName(name);
}

export interface AttributesInput {
  enabled?: boolean;
  nbf?: number;
  exp?: number;
}

export interface SetSecretInput {
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes: AttributesInput;
}

export interface UpdateSecretInput {
  contentType?: string;
  tags?: Record<string, string>;
  attributes: AttributesInput;
}

type Bag = Record<string, unknown>;

function isBag(value: unknown): value is Bag {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseJsonBody(raw: string): Bag {
  let parsed: unknown;
  try {
    parsed = raw.trim() === '' ? undefined : JSON.parse(raw);
  } catch {
    throw serviceErrors.badParameter('The request body is not valid JSON.');
  }
  if (!isBag(parsed)) throw serviceErrors.badParameter('The request body must be a JSON object.');
  return parsed;
}

function optionalString(bag: Bag, key: string): string | undefined {
  const value = bag[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serviceErrors.badParameter(`Property '${key}' must be a string.`);
  return value;
}

function contentType(bag: Bag): string | undefined {
  const value = optionalString(bag, 'contentType');
  if (value !== undefined && value.length > MAX_CONTENT_TYPE_LENGTH) {
    throw serviceErrors.badParameter(`Property 'contentType' is too long: at most ${MAX_CONTENT_TYPE_LENGTH} characters are allowed.`);
  }
  return value;
}

function tags(bag: Bag): Record<string, string> | undefined {
  const value = bag['tags'];
  if (value === undefined || value === null) return undefined;
  if (!isBag(value)) throw serviceErrors.badParameter("Property 'tags' must be an object of string values.");
  const entries = Object.entries(value);
  if (entries.length > MAX_TAGS) throw serviceErrors.badParameter(`Too many tags: ${entries.length}. A secret can have at most ${MAX_TAGS} tags.`);
  const result: Record<string, string> = {};
  for (const [name, tagValue] of entries) {
    if (typeof tagValue !== 'string') throw serviceErrors.badParameter(`Tag '${name}' must have a string value.`);
    if (name.length > MAX_TAG_NAME_LENGTH) throw serviceErrors.badParameter(`A tag name is too long: at most ${MAX_TAG_NAME_LENGTH} characters are allowed.`);
    if (tagValue.length > MAX_TAG_VALUE_LENGTH) throw serviceErrors.badParameter(`The value of tag '${name}' is too long: at most ${MAX_TAG_VALUE_LENGTH} characters are allowed.`);
    result[name] = tagValue;
  }
  return result;
}

function unixTime(bag: Bag, key: string): number | undefined {
  const value = bag[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw serviceErrors.badParameter(`Attribute '${key}' must be a number of seconds since 1970-01-01 UTC.`);
  return value;
}

function attributes(bag: Bag): AttributesInput {
  const value = bag['attributes'];
  if (value === undefined || value === null) return {};
  if (!isBag(value)) throw serviceErrors.badParameter("Property 'attributes' must be an object.");
  const enabled = value['enabled'];
  if (enabled !== undefined && enabled !== null && typeof enabled !== 'boolean') throw serviceErrors.badParameter("Attribute 'enabled' must be a boolean.");
  const nbf = unixTime(value, 'nbf');
  const exp = unixTime(value, 'exp');
  return {
    ...(typeof enabled === 'boolean' ? { enabled } : {}),
    ...(nbf !== undefined ? { nbf } : {}),
    ...(exp !== undefined ? { exp } : {}),
  };
}

export function parseSetSecret(body: Bag): SetSecretInput {
  const value = body['value'];
  if (typeof value !== 'string') throw serviceErrors.badParameter("Property 'value' is required and must be a string.");
  const size = Buffer.byteLength(value, 'utf8');
  if (size > MAX_VALUE_BYTES) throw serviceErrors.badParameter(`The secret value is too large: ${size} bytes; at most ${MAX_VALUE_BYTES} bytes are allowed.`);
  const type = contentType(body);
  const tagSet = tags(body);
  return { value, attributes: attributes(body), ...(type !== undefined ? { contentType: type } : {}), ...(tagSet ? { tags: tagSet } : {}) };
}

export function parseUpdateSecret(body: Bag): UpdateSecretInput {
  const type = contentType(body);
  const tagSet = tags(body);
  return { attributes: attributes(body), ...(type !== undefined ? { contentType: type } : {}), ...(tagSet ? { tags: tagSet } : {}) };
}
