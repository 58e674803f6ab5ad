/**
 * The bodies of addPassword and removePassword, read as Graph reads them: JSON objects whose
 * keys are the action's parameters and nothing else; DateTimeOffset and Guid literals checked.
 * Every refusal is a GraphError 400 naming what is wrong.
 */
import { graphErrors } from './graph-errors.js';
import type { NewPassword } from './directory.js';

/** Entra's default lifetime for a new client secret. */
const DEFAULT_LIFETIME_MS = 2 * 365 * 24 * 60 * 60 * 1000;
const MAX_DISPLAY_NAME = 1024;
const DATE_TIME_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function literal(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}

function actionBody(raw: string, action: string, parameters: readonly string[]): Record<string, unknown> {
  if (raw.trim() === '') throw graphErrors.emptyPayload();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw graphErrors.unreadableJson();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw graphErrors.unreadableJson();
  for (const name of Object.keys(parsed)) if (!parameters.includes(name) && !name.startsWith('@odata.')) throw graphErrors.unknownParameter(name, `microsoft.graph.${action}`);
  return parsed as Record<string, unknown>;
}

function dateTime(value: unknown, property: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' && DATE_TIME_OFFSET.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw graphErrors.notConvertible(literal(value), 'Edm.DateTimeOffset');
  const iso = new Date(ms).toISOString();
  if (!/^\d{4}-/.test(iso)) throw graphErrors.invalidProperty(property, 'the year must have four digits');
  return iso;
}

export function parseAddPasswordBody(raw: string, nowMs: number): NewPassword {
  const body = actionBody(raw, 'addPassword', ['passwordCredential']);
  const credential = body['passwordCredential'] ?? {};
  if (typeof credential !== 'object' || credential === null || Array.isArray(credential)) throw graphErrors.notConvertible(literal(credential), 'microsoft.graph.passwordCredential');
  // Graph honours only these three; keyId, secretText and hint are its to choose.
  const { displayName, startDateTime, endDateTime } = credential as Record<string, unknown>;
  if (displayName !== undefined && displayName !== null && typeof displayName !== 'string') throw graphErrors.notConvertible(literal(displayName), 'Edm.String');
  if (typeof displayName === 'string' && displayName.length > MAX_DISPLAY_NAME) throw graphErrors.invalidProperty('displayName', `at most ${MAX_DISPLAY_NAME} characters`);
  const start = dateTime(startDateTime, 'startDateTime') ?? new Date(nowMs).toISOString();
  const end = dateTime(endDateTime, 'endDateTime') ?? new Date(Date.parse(start) + DEFAULT_LIFETIME_MS).toISOString();
  if (Date.parse(end) <= Date.parse(start)) throw graphErrors.invalidProperty('endDateTime', 'it must be later than startDateTime');
  return { displayName: typeof displayName === 'string' ? displayName : null, startDateTime: start, endDateTime: end };
}

export function parseRemovePasswordBody(raw: string): string {
  const body = actionBody(raw, 'removePassword', ['keyId']);
  const keyId = body['keyId'];
  if (keyId === undefined || keyId === null) throw graphErrors.missingParameter('keyId');
  if (typeof keyId !== 'string' || !GUID.test(keyId)) throw graphErrors.notConvertible(literal(keyId), 'Edm.Guid');
  return keyId.toLowerCase();
}
