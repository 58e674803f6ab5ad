/**
 * The directory the Graph stand-in and its token authority share: applications with their
 * owners and password credentials. A secret's text is returned once, by addPassword, and kept
 * only as its SHA-256; it works for tokens after the propagation delay and stops at removal.
 */
import { createHash, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');

export const graphSeedSchema = z.strictObject({
  applications: z
    .array(
      z.strictObject({
        /** The object id (what /applications/{id} takes). Generated when absent. */
        id: guid.optional(),
        /** The client id (what a token request names). Generated when absent. */
        appId: guid.optional(),
        displayName: z.string().min(1).max(256),
        /** Object ids of the owners (the rotator's service principal, for Application.ReadWrite.OwnedBy). */
        owners: z.array(guid).max(100).optional(),
      }),
    )
    .max(1000),
});
export type GraphSeed = z.input<typeof graphSeedSchema>;

export class InvalidGraphSeedError extends Error {
  constructor(readonly problems: Array<{ path: string; message: string }>) {
    super(`the seed is not valid: ${problems.map((p) => `${p.path || '(body)'}: ${p.message}`).join('; ')}`);
    this.name = 'InvalidGraphSeedError';
  }
}

export interface StoredPassword {
  keyId: string;
  displayName: string | null;
  hint: string;
  secretSha256: Buffer;
  startDateTime: string;
  endDateTime: string;
  /** When addPassword made it: the propagation delay counts from here. */
  createdAtMs: number;
}

export interface StoredApplication {
  id: string;
  appId: string;
  displayName: string;
  owners: string[];
  /** The object id of the application's service principal: a token's oid. */
  servicePrincipalId: string;
  createdDateTime: string;
  passwordCredentials: StoredPassword[];
}

export interface NewPassword {
  displayName: string | null;
  startDateTime: string;
  endDateTime: string;
}

export type SecretCheck = 'valid' | 'invalid' | 'expired';

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-';

/** Entra's shape: 40 characters, three, then `8Q~`, then 34 more. */
function newSecretText(): string {
  const pick = (n: number): string => Array.from({ length: n }, () => SECRET_ALPHABET[randomInt(SECRET_ALPHABET.length)]).join('');
  return `${pick(3)}8Q~${pick(34)}`;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class GraphDirectory {
  readonly #applications = new Map<string, StoredApplication>();

  /** Adds (or replaces, by id) the applications; all or nothing. */
  seed(input: unknown): StoredApplication[] {
    const parsed = graphSeedSchema.safeParse(input);
    if (!parsed.success) throw new InvalidGraphSeedError(parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
    const added = parsed.data.applications.map((app) => ({
      id: (app.id ?? randomUUID()).toLowerCase(),
      appId: (app.appId ?? randomUUID()).toLowerCase(),
      displayName: app.displayName,
      owners: (app.owners ?? []).map((owner) => owner.toLowerCase()),
      servicePrincipalId: randomUUID(),
      createdDateTime: new Date().toISOString(),
      passwordCredentials: [],
    }));
    const appIds = new Set<string>();
    for (const app of added) {
      const holder = this.byAppId(app.appId);
      if (appIds.has(app.appId) || (holder && holder.id !== app.id)) throw new InvalidGraphSeedError([{ path: 'applications', message: `appId ${app.appId} is already another application's` }]);
      appIds.add(app.appId);
    }
    for (const app of added) this.#applications.set(app.id, app);
    return added;
  }

  byId(id: string): StoredApplication | undefined {
    return this.#applications.get(id.toLowerCase());
  }

  byAppId(appId: string): StoredApplication | undefined {
    const wanted = appId.toLowerCase();
    for (const app of this.#applications.values()) if (app.appId === wanted) return app;
    return undefined;
  }

  list(): StoredApplication[] {
    return [...this.#applications.values()];
  }

  addPassword(app: StoredApplication, spec: NewPassword, nowMs: number): { credential: StoredPassword; secretText: string } {
    const secretText = newSecretText();
    const credential: StoredPassword = { keyId: randomUUID(), displayName: spec.displayName, hint: secretText.slice(0, 3), secretSha256: sha256(secretText), startDateTime: spec.startDateTime, endDateTime: spec.endDateTime, createdAtMs: nowMs };
    app.passwordCredentials.push(credential);
    return { credential, secretText };
  }

  /** False when the application has no credential with that keyId. */
  removePassword(app: StoredApplication, keyId: string): boolean {
    const before = app.passwordCredentials.length;
    app.passwordCredentials = app.passwordCredentials.filter((credential) => credential.keyId !== keyId.toLowerCase());
    return app.passwordCredentials.length < before;
  }

  /** Whether `secret` is a live client secret of the application: added at least `propagationDelayMs` ago and not removed. */
  checkSecret(app: StoredApplication, secret: string, nowMs: number, propagationDelayMs: number): SecretCheck {
    const digest = sha256(secret);
    const match = app.passwordCredentials.find((credential) => timingSafeEqual(credential.secretSha256, digest));
    if (!match || nowMs - match.createdAtMs < propagationDelayMs || Date.parse(match.startDateTime) > nowMs) return 'invalid';
    if (Date.parse(match.endDateTime) <= nowMs) return 'expired';
    return 'valid';
  }

  reset(): void {
    this.#applications.clear();
  }
}
