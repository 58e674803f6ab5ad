/**
 * Secretfiles for the tests in one line: a valid Key Vault secret with the parts a test
 * changes, and read() with the file named Secretfile.yml, so messages read `Secretfile.yml:L:C`.
 */
import { fileURLToPath } from 'node:url';
import { formatLocated, readSecretfile, type ReadSecretfileOptions, type SecretfileResult } from '../../../src/core/secretfile/index.js';

export const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));

/** Owner and environment for every policy, so a test's file needs only its secrets. */
export const HEAD = 'x-kvrot: {environment: production, owner: team-a}\n';

export function read(text: string, options: Partial<ReadSecretfileOptions> = {}): SecretfileResult {
  return readSecretfile({ file: { name: 'Secretfile.yml', text }, ...options });
}

export function errors(result: SecretfileResult): string[] {
  return result.problems.map(formatLocated);
}

export function warnings(result: SecretfileResult): string[] {
  return result.warnings.map(formatLocated);
}

/** One secret, written at line 3 of the file (after HEAD and `secrets:`), with a Key Vault target. */
export function oneSecret(fields: string, target = 'vault_url: https://kv-app.vault.azure.net'): string {
  return `${HEAD}secrets:
  - name: app-key
${fields
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => `    ${line}`)
  .join('\n')}
    targets:
      - provider: azure
        kind: key_vault
        config:
          ${target}
`;
}
