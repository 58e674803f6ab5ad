/**
 * Reads a Key Vault Event Grid event as it really arrives: PascalCase `data`
 * (the @azure/eventgrid types claim camelCase), keys with stray whitespace,
 * NBF/EXP as numbers or strings. Anything it cannot read is reported, not thrown,
 * so one malformed event is recorded instead of retried for 24 hours.
 *
 * Every field is bounded before it is believed: a forged event must not store a
 * 10,000-character version or log a 20 MB one. A field out of bounds makes the
 * event 'ignored', with a reason that quotes it escaped and cut short.
 */
import { secretNameProblem, vaultNameProblem } from '../names.js';
import { boundText, quote, unsafeCharacterProblem } from '../untrusted-text.js';

export const KEY_VAULT_SECRET_EVENT_TYPES = [
  'Microsoft.KeyVault.SecretNewVersionCreated',
  'Microsoft.KeyVault.SecretNearExpiry',
  'Microsoft.KeyVault.SecretExpired',
] as const;

export type KeyVaultSecretEventType = (typeof KEY_VAULT_SECRET_EVENT_TYPES)[number];

export interface KeyVaultSecretEvent {
  id: string;
  type: KeyVaultSecretEventType;
  vaultName: string;
  secretName: string;
  version: string;
  expiresOn?: Date;
}

export type ParsedEvent =
  | { kind: 'secret'; event: KeyVaultSecretEvent }
  | { kind: 'ignored'; id: string; type: string; reason: string };

type Bag = Record<string, unknown>;

function isBag(value: unknown): value is Bag {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Case- and whitespace-insensitive property read. */
function read(bag: Bag, name: string): unknown {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(bag)) {
    if (key.trim().toLowerCase() === wanted) return value;
  }
  return undefined;
}

function text(bag: Bag, name: string): string | undefined {
  const value = read(bag, name);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed ? trimmed : undefined;
}

function unixSeconds(bag: Bag, name: string): Date | undefined {
  const value = read(bag, name);
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 && seconds <= MAX_UNIX_SECONDS ? new Date(seconds * 1000) : undefined;
}

/** `/subscriptions/…/providers/Microsoft.KeyVault/vaults/<name>` → name. */
function vaultNameFromTopic(topic: string | undefined): string | undefined {
  const match = topic?.match(/\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)\/?$/i);
  return match?.[1];
}

/** `https://<vault>.vault.azure.net/secrets/<name>/<version>` → parts. */
function partsFromId(id: string | undefined): { vaultName?: string; secretName?: string; version?: string } {
  if (!id) return {};
  try {
    const url = new URL(id);
    const [collection, secretName, version] = url.pathname.split('/').filter(Boolean);
    if (collection !== 'secrets') return {};
    return { vaultName: url.hostname.split('.')[0], secretName, version };
  } catch {
    return {};
  }
}

/** Event Grid ids are GUIDs in practice; 128 leaves room for other publishers' ids. */
const MAX_ID_CHARS = 128;
/** A Key Vault event's subject is the object name (at most 127 characters). */
const MAX_SUBJECT_CHARS = 256;
/** An ARM resource id of a vault, or a CloudEvents source. */
const MAX_TOPIC_CHARS = 1024;
/** https://<vault>.vault.azure.net/secrets/<name>/<version> with room to spare. */
const MAX_DATA_ID_CHARS = 2048;
/** Key Vault versions are 32 hexadecimal characters. */
const KEY_VAULT_VERSION = /^[0-9a-f]{32}$/i;
/** 9999-12-31T23:59:59Z: a later EXP is not a time a Date can hold. */
const MAX_UNIX_SECONDS = 253_402_300_799;

/** Why a free-text field is out of bounds, or undefined. */
function textProblem(name: string, value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (value.length > max) return `${name} has ${value.length} characters; at most ${max} are allowed`;
  const unsafe = unsafeCharacterProblem(value);
  return unsafe ? `${name} ${unsafe}` : undefined;
}

export function parseKeyVaultEvent(raw: unknown): ParsedEvent {
  if (!isBag(raw)) return { kind: 'ignored', id: 'unknown', type: 'unknown', reason: 'event is not an object' };
  const rawId = text(raw, 'id');
  const rawType = text(raw, 'eventType') ?? text(raw, 'type') ?? 'unknown';
  // What an 'ignored' result carries is logged and returned: bounded and escaped like everything else.
  const id = rawId === undefined ? 'unknown' : boundText(rawId, MAX_ID_CHARS);
  const type = boundText(rawType, MAX_ID_CHARS);
  const ignored = (reason: string): ParsedEvent => ({ kind: 'ignored', id, type, reason });
  if (!(KEY_VAULT_SECRET_EVENT_TYPES as readonly string[]).includes(rawType)) {
    return ignored(`event type ${quote(rawType)} is not a Key Vault secret event this app handles`);
  }
  const topic = text(raw, 'topic') ?? text(raw, 'source');
  const subject = text(raw, 'subject');
  const outer = textProblem('id', rawId, MAX_ID_CHARS) ?? textProblem('subject', subject, MAX_SUBJECT_CHARS) ?? textProblem('topic', topic, MAX_TOPIC_CHARS);
  if (outer) return ignored(outer);
  const data = read(raw, 'data');
  if (!isBag(data)) return ignored('event has no data object');
  const dataId = text(data, 'Id');
  if (dataId !== undefined && dataId.length > MAX_DATA_ID_CHARS) return ignored(`data.Id has ${dataId.length} characters; at most ${MAX_DATA_ID_CHARS} are allowed`);
  const fromId = partsFromId(dataId);
  const vaultName = text(data, 'VaultName') ?? fromId.vaultName ?? vaultNameFromTopic(topic);
  const secretName = text(data, 'ObjectName') ?? fromId.secretName ?? subject;
  const version = text(data, 'Version') ?? fromId.version;
  const missing = [!vaultName && 'data.VaultName', !secretName && 'data.ObjectName', !version && 'data.Version'].filter(Boolean);
  if (missing.length > 0) return ignored(`event lacks ${missing.join(', ')}`);
  const vaultProblem = vaultNameProblem(vaultName!);
  if (vaultProblem) return ignored(`data.VaultName: ${vaultProblem}`);
  const nameProblem = secretNameProblem(secretName!);
  if (nameProblem) return ignored(`data.ObjectName: ${nameProblem}`);
  if (!KEY_VAULT_VERSION.test(version!)) return ignored(`data.Version ${quote(version!)} is not a Key Vault version (32 hexadecimal characters)`);
  const rawExpiry = read(data, 'EXP');
  const expiresOn = unixSeconds(data, 'EXP');
  if (rawExpiry !== undefined && rawExpiry !== null && rawExpiry !== '' && !expiresOn) return ignored('data.EXP is not a time (Unix seconds up to the year 9999)');
  return {
    kind: 'secret',
    event: {
      id,
      type: type as KeyVaultSecretEventType,
      vaultName: vaultName!.toLowerCase(),
      secretName: secretName!,
      version: version!,
      ...(expiresOn ? { expiresOn } : {}),
    },
  };
}
