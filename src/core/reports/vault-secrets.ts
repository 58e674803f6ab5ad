/**
 * Reading the governed vaults' secrets in a stable order (vault by vault, each as Key Vault
 * lists it) either a bounded page at a time, resuming from a cursor, or as a stream of Key
 * Vault pages. Only the current Key Vault page is ever held.
 */
import { z } from 'zod';
import type { ListedSecret, SecretListing } from '../ports.js';

/** Where a page of secrets starts: a vault, the Key Vault page link within it, and how many of that page's secrets were already read. */
export interface SecretCursor {
  vault: string;
  page?: string;
  skip: number;
}

export const secretCursorSchema: z.ZodType<SecretCursor> = z.strictObject({
  vault: z.string().min(1).max(300),
  page: z.string().min(1).max(4096).optional(),
  skip: z.number().int().min(0).max(1000),
});

export interface SecretsPage {
  secrets: ListedSecret[];
  next?: SecretCursor;
}

/** Up to `limit` secrets from `from` (or the first vault's first secret). */
export async function readSecrets(listing: SecretListing, vaults: readonly string[], from: SecretCursor | undefined, limit: number): Promise<SecretsPage> {
  const secrets: ListedSecret[] = [];
  const startVault = from?.vault.toLowerCase();
  let index = startVault === undefined ? 0 : vaults.findIndex((vault) => vault >= startVault);
  if (index === -1) return { secrets };
  for (; index < vaults.length; index++) {
    const vault = vaults[index]!;
    // A cursor whose vault is no longer governed starts the next vault from its beginning.
    const resume = from !== undefined && vault === startVault;
    let pageLink = resume ? from.page : undefined;
    let skip = resume ? from.skip : 0;
    for await (const page of listing.listSecrets(vault, pageLink ? { continuationToken: pageLink } : {})) {
      let position = skip;
      while (position < page.items.length && secrets.length < limit) secrets.push(page.items[position++]!);
      if (position < page.items.length) return { secrets, next: { vault, ...(pageLink ? { page: pageLink } : {}), skip: position } };
      skip = 0;
      pageLink = page.continuationToken;
      if (secrets.length === limit) {
        if (pageLink) return { secrets, next: { vault, page: pageLink, skip: 0 } };
        const following = vaults[index + 1];
        return following ? { secrets, next: { vault: following, skip: 0 } } : { secrets };
      }
    }
  }
  return { secrets };
}

/** The reports' share of a vault's 4,000 operations per 10 seconds (REPORTS_KEY_VAULT_OPERATIONS_PER_10_SECONDS): rotations and applications keep the rest. */
export const DEFAULT_REPORT_KEY_VAULT_OPERATIONS_PER_10_SECONDS = 1000;

/** How many vaults a streaming pass reads at once; each has its own rate limit. */
export const VAULTS_READ_AT_ONCE = 4;

/**
 * Every governed vault's secrets, one Key Vault page at a time, several vaults at once.
 * `visit` runs for one page at a time per vault; at most VAULTS_READ_AT_ONCE pages are held.
 */
export async function forEachSecretPage(listing: SecretListing, vaults: readonly string[], visit: (secrets: ListedSecret[]) => Promise<void> | void): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < vaults.length) {
      const vault = vaults[next++]!;
      for await (const page of listing.listSecrets(vault)) await visit(page.items);
    }
  };
  await Promise.all(Array.from({ length: Math.min(VAULTS_READ_AT_ONCE, vaults.length) }, worker));
}
