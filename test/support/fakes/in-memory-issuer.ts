/**
 * An issuer for engine unit tests, shaped like a storage account: two keys, key1 and key2, either
 * of which a client may hold; regenerating one makes its old value stop working at once. The real
 * issuers (storage-account-key, entra-app-secret) are proven against their stand-ins.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CredentialRefusedError, type IssuerKind } from '../../../src/core/consumers/consumer-port.js';
import { issuerSchema } from '../../../src/core/consumers/follower-schema.js';
import { SecretValue } from '../../../src/core/secret-value.js';

const fakeIssuerSchema = issuerSchema('fake-issuer', { account: z.string().min(1) });
type KeyName = 'key1' | 'key2';

export class FakeKeyAccount {
  readonly keys = new Map<KeyName, string>([
    ['key1', randomBytes(16).toString('base64')],
    ['key2', randomBytes(16).toString('base64')],
  ]);
  readonly calls: string[] = [];
  /** Refuse sign-ins with a new key this many more times (a key that takes time to work). */
  refuseVerifications = 0;

  accepts(key: string): boolean {
    return [...this.keys.values()].includes(key);
  }

  kind(): IssuerKind<z.output<typeof fakeIssuerSchema>> {
    return {
      kind: 'fake-issuer',
      role: 'issuer',
      schema: fakeIssuerSchema,
      identify: async (_spec, current) => [...this.keys].find(([, value]) => value === current.reveal())?.[0],
      issue: async (_spec, inUse) => {
        const name: KeyName = inUse === 'key2' ? 'key1' : 'key2';
        this.calls.push(`regenerate:${name}`);
        this.keys.set(name, randomBytes(16).toString('base64'));
        return { id: name, value: SecretValue.of(this.keys.get(name)!) };
      },
      verify: async (_spec, credential) => {
        this.calls.push(`verify:${credential.id}`);
        if (this.refuseVerifications > 0) {
          this.refuseVerifications -= 1;
          throw new CredentialRefusedError(`${credential.id} refused`);
        }
        if (!this.accepts(credential.value.reveal())) throw new CredentialRefusedError(`${credential.id} refused`);
      },
      revoke: async (_spec, id, keep) => {
        if (id === keep) throw new Error('asked to revoke the key applications use');
        this.calls.push(`revoke:${id}`);
        this.keys.set(id as KeyName, randomBytes(16).toString('base64'));
        return `${id} regenerated: its old value no longer works`;
      },
    };
  }
}
