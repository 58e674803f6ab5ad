/**
 * The SecretStore contract: what Key Vault (here, the emulator behind the real adapter)
 * does, so the in-memory twin that every engine test relies on does the same: times to
 * the second, case-insensitive names and versions, the newest version first, and
 * Key Vault's refusals of names, sizes and tags, with nothing written.
 */
import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { PermanentDependencyError } from '../../../src/core/errors.js';
import type { SecretStore, SecretVersionInfo, WriteSecretOptions } from '../../../src/core/ports.js';
import { SecretValue } from '../../../src/core/secret-value.js';

export interface SecretStoreUnderTest {
  store: SecretStore;
  /** Two vaults the store can write to. */
  vaultUrls: [string, string];
  /** The store's own clock (the emulator's may run ahead of this process's). */
  now(): Promise<Date>;
  /** Returns once the store's clock has entered a later second, so creation times differ. */
  nextSecond(): Promise<void>;
}

const DAY = 24 * 60 * 60 * 1000;
const KIB = 1024;

function uniqueSecretName(prefix = 'contract-'): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

function toSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

export function describeSecretStoreContract(name: string, make: () => SecretStoreUnderTest | Promise<SecretStoreUnderTest>): void {
  describe(`SecretStore contract: ${name}`, () => {
    let subject: SecretStoreUnderTest;
    let store: SecretStore;
    let ref: { vaultUrl: string; secretName: string };
    const write = (value: string, options: Partial<WriteSecretOptions> = {}, at = ref) =>
      store.write(at, SecretValue.of(value), { expiresOn: new Date(Date.UTC(2030, 0, 1)), tags: {}, ...options });

    beforeEach(async () => {
      subject = await make();
      store = subject.store;
      ref = { vaultUrl: subject.vaultUrls[0], secretName: uniqueSecretName() };
    });

    it('reads nothing for a secret that does not exist', async () => {
      expect(await store.getLatest(ref)).toBeUndefined();
      expect(await store.getVersion(ref, '0'.repeat(32))).toBeUndefined();
      expect(await store.findVersionByTag(ref, 'rotation-id', 'r-1')).toBeUndefined();
    });

    it('writes a version and reports its properties, times to the second, never its value', async () => {
      // Arrange
      const before = toSecond(await subject.now());
      const expiresOn = new Date(before.getTime() + 90 * DAY + 1234);
      const notBefore = new Date(before.getTime() - DAY + 567);

      // Act
      const written = await write('the-first-value', { expiresOn, notBefore, contentType: 'text/plain', tags: { 'rotation-id': 'r-1', Team: 'payments' } });
      const after = await subject.now();

      // Assert
      expect(written).toEqual<SecretVersionInfo>({
        vaultUrl: ref.vaultUrl,
        secretName: ref.secretName,
        version: expect.stringMatching(/^[0-9a-f]{32}$/),
        enabled: true,
        createdOn: expect.any(Date),
        updatedOn: written.createdOn!,
        notBefore: toSecond(notBefore),
        expiresOn: toSecond(expiresOn),
        contentType: 'text/plain',
        tags: { 'rotation-id': 'r-1', Team: 'payments' },
      });
      expect(written.createdOn!.getTime() % 1000).toBe(0);
      expect(written.createdOn!.getTime()).toBeGreaterThanOrEqual(before.getTime());
      expect(written.createdOn!.getTime()).toBeLessThanOrEqual(after.getTime());
      expect(JSON.stringify(written)).not.toContain('the-first-value');
      expect(await store.getLatest(ref)).toEqual(written);
      expect(await store.getVersion(ref, written.version)).toEqual(written);
    });

    it('reports no content type and no start date when none was given', async () => {
      const written = await write('value');
      expect(written.contentType).toBeUndefined();
      expect(written.notBefore).toBeUndefined();
      expect(written.tags).toEqual({});
      expect(await store.getLatest(ref)).toEqual(written);
    });

    it('reads the last version written as the latest, and any earlier one by its id, in any case', async () => {
      // Arrange
      const first = await write('one');
      const second = await write('two');

      // Act
      const latest = await store.getLatest(ref);
      const earlier = await store.getVersion(ref, first.version);
      const upperCase = await store.getVersion(ref, first.version.toUpperCase());

      // Assert
      expect(second.version).not.toBe(first.version);
      expect(latest?.version).toBe(second.version);
      expect(earlier).toEqual(first);
      expect(upperCase?.version).toBe(first.version);
      expect(await store.getVersion(ref, 'f'.repeat(32))).toBeUndefined();
    });

    it('finds the newest version carrying a tag, and none for a tag no version carries', async () => {
      // Arrange: creation times a second apart, so "newest" means the same everywhere
      const older = await write('a', { tags: { 'rotation-id': 'r-1' } });
      await subject.nextSecond();
      const newer = await write('b', { tags: { 'rotation-id': 'r-1' } });
      await subject.nextSecond();
      const other = await write('c', { tags: { 'rotation-id': 'r-2' } });

      // Act + Assert
      expect((await store.findVersionByTag(ref, 'rotation-id', 'r-1'))?.version).toBe(newer.version);
      expect((await store.findVersionByTag(ref, 'rotation-id', 'r-2'))?.version).toBe(other.version);
      expect(await store.findVersionByTag(ref, 'rotation-id', 'r-3')).toBeUndefined();
      expect(older.createdOn!.getTime()).toBeLessThan(newer.createdOn!.getTime());
    });

    it('treats names case-insensitively and keeps the casing a secret was created with', async () => {
      // Arrange
      const mixed = { vaultUrl: ref.vaultUrl, secretName: `Mixed-${ref.secretName}` };
      const first = await write('one', {}, mixed);

      // Act
      const second = await write('two', {}, { ...mixed, secretName: mixed.secretName.toUpperCase() });
      const read = await store.getLatest({ ...mixed, secretName: mixed.secretName.toLowerCase() });

      // Assert
      expect(read?.version).toBe(second.version);
      expect(read?.secretName).toBe(mixed.secretName);
      expect((await store.getVersion({ ...mixed, secretName: mixed.secretName.toLowerCase() }, first.version))?.secretName).toBe(mixed.secretName);
    });

    it('keeps secrets of the same name in different vaults apart, and secrets of different names apart', async () => {
      const inFirst = await write('first vault');
      const inSecond = await write('second vault', {}, { vaultUrl: subject.vaultUrls[1], secretName: ref.secretName });
      expect((await store.getLatest(ref))?.version).toBe(inFirst.version);
      expect((await store.getLatest({ vaultUrl: subject.vaultUrls[1], secretName: ref.secretName }))?.version).toBe(inSecond.version);
      expect(await store.getVersion(ref, inSecond.version)).toBeUndefined();
      expect(await store.getLatest({ vaultUrl: ref.vaultUrl, secretName: `${ref.secretName}-other` })).toBeUndefined();
    });

    it('accepts a value of exactly 25 KiB and 15 tags at their longest', async () => {
      const tags = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`${String(i).padStart(2, '0')}${'n'.repeat(254)}`, 'v'.repeat(256)]));
      const written = await write('x'.repeat(25 * KIB), { tags, contentType: 't'.repeat(255) });
      expect(Object.keys(written.tags)).toHaveLength(15);
      expect((await store.getLatest(ref))?.version).toBe(written.version);
    });

    it.each([
      { what: 'a name with an underscore', name: 'has_underscore', options: {} },
      { what: 'a name of 128 characters', name: 'n'.repeat(128), options: {} },
      { what: 'a value over 25 KiB', value: 'x'.repeat(25 * KIB + 1), options: {} },
      { what: 'a value of 25 KiB in multi-byte characters', value: 'é'.repeat(12.5 * KIB + 1), options: {} },
      { what: '16 tags', options: { tags: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`tag-${i}`, 'v'])) } },
      { what: 'a tag name of 257 characters', options: { tags: { ['n'.repeat(257)]: 'v' } } },
      { what: 'a tag value of 257 characters', options: { tags: { team: 'v'.repeat(257) } } },
      { what: 'a content type of 256 characters', options: { contentType: 't'.repeat(256) } },
    ])('refuses $what as a permanent error, writing nothing', async ({ name, value, options }) => {
      // Arrange
      const target = name ? { vaultUrl: ref.vaultUrl, secretName: name } : ref;

      // Act
      const error = await write(value ?? 'value', options, target).catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(PermanentDependencyError);
      if (!name) expect(await store.getLatest(ref)).toBeUndefined();
    });

    it('reads a value back, latest or by version, and nothing for a version that does not exist', async () => {
      const first = await write('first-value');
      await subject.nextSecond();
      await write('second-value');
      expect((await store.readValue(ref))?.reveal()).toBe('second-value');
      expect((await store.readValue(ref, first.version))?.reveal()).toBe('first-value');
      expect(await store.readValue(ref, '0'.repeat(32))).toBeUndefined();
      expect(await store.readValue({ ...ref, secretName: uniqueSecretName() })).toBeUndefined();
    });

    it('disables an older version, which can then no longer be read, and refuses to disable the latest', async () => {
      // Arrange
      const older = await write('older-value');
      await subject.nextSecond();
      const latest = await write('latest-value');

      // Act
      const refused = await store.disableVersion(ref, latest.version).catch((e: unknown) => e);
      await store.disableVersion(ref, older.version);

      // Assert
      expect(refused).toBeInstanceOf(PermanentDependencyError);
      expect(String((refused as Error).message)).toContain('latest');
      expect((await store.getLatest(ref))).toMatchObject({ version: latest.version, enabled: true });
      expect((await store.readValue(ref))?.reveal()).toBe('latest-value');
      expect(await store.getVersion(ref, older.version)).toMatchObject({ enabled: false });
      await expect(store.readValue(ref, older.version)).rejects.toBeInstanceOf(PermanentDependencyError);
      await store.disableVersion(ref, older.version);
    });
  });
}
