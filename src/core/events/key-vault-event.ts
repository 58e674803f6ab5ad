/**
 * Reads a Key Vault Event Grid event as it really arrives: PascalCase `data`
 * (the @azure/eventgrid types claim camelCase), keys with stray whitespace,
 * NBF/EXP as numbers or strings. Anything it cannot read is reported, not thrown,
 * so one malformed event is recorded instead of retried for 24 hours.
 */
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
  return Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined;
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

export function parseKeyVaultEvent(raw: unknown): ParsedEvent {
  if (!isBag(raw)) return { kind: 'ignored', id: 'unknown', type: 'unknown', reason: 'event is not an object' };
  const id = text(raw, 'id') ?? 'unknown';
  const type = text(raw, 'eventType') ?? text(raw, 'type') ?? 'unknown';
  if (!(KEY_VAULT_SECRET_EVENT_TYPES as readonly string[]).includes(type)) {
    return { kind: 'ignored', id, type, reason: `event type '${type}' is not a Key Vault secret event this app handles` };
  }
  const data = read(raw, 'data');
  if (!isBag(data)) return { kind: 'ignored', id, type, reason: 'event has no data object' };
  const fromId = partsFromId(text(data, 'Id'));
  const vaultName = text(data, 'VaultName') ?? fromId.vaultName ?? vaultNameFromTopic(text(raw, 'topic') ?? text(raw, 'source'));
  const secretName = text(data, 'ObjectName') ?? fromId.secretName ?? text(raw, 'subject');
  const version = text(data, 'Version') ?? fromId.version;
  const missing = [!vaultName && 'data.VaultName', !secretName && 'data.ObjectName', !version && 'data.Version'].filter(Boolean);
  if (missing.length > 0) return { kind: 'ignored', id, type, reason: `event lacks ${missing.join(', ')}` };
  const expiresOn = unixSeconds(data, 'EXP');
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
