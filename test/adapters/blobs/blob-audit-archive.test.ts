/**
 * The audit archive on Azurite's Blob service: the contract it shares with its in-memory twin,
 * the service refusing a second create of a record's blob (409), an adapter with no way to
 * overwrite or delete, and archived records that carry no secret value. What Azurite cannot
 * show: the container's time-based immutability policy (Azurite answers 501 to immutability
 * and legal-hold calls, and lets an unconditional write replace a blob), which only Azure enforces.
 */
import { randomBytes } from 'node:crypto';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, inject, it } from 'vitest';
import { BlobAuditArchive, auditArchiveContainer, auditBlobName } from '../../../src/adapters/blobs/blob-audit-archive.js';
import { localEmulatorCredential } from '../../../src/adapters/azure-clients.js';
import { ArchivedAuditLog } from '../../../src/core/audit/archived-audit-log.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { RotationTrigger } from '../../../src/core/ports.js';
import { describeAuditArchiveContract } from '../../support/contract/audit-archive.contract.js';
import { anAuditRecord } from '../../support/contract/fixtures.js';
import { InMemoryAuditArchive, InMemoryAuditLog } from '../../support/in-memory/index.js';
import { aPolicy } from '../../support/policy-mother.js';
import { createStores, processOver, refOf, type Stores } from '../../core/rotation/engine-fixture.js';

async function freshContainer(): Promise<ContainerClient> {
  const container = auditArchiveContainer(
    { kind: 'local-connection-string', connectionString: inject('azuriteConnectionString') },
    localEmulatorCredential,
    `audit-${randomBytes(5).toString('hex')}`,
  );
  await new BlobAuditArchive(container).createIfMissing();
  return container;
}

async function contentsOf(container: ContainerClient): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  for await (const blob of container.listBlobsFlat()) {
    contents.set(blob.name, (await container.getBlockBlobClient(blob.name).downloadToBuffer()).toString('utf8'));
  }
  return contents;
}

describeAuditArchiveContract('in memory', async () => {
  const archive = new InMemoryAuditArchive();
  return { archive, contents: async () => archive.contents() };
});

describeAuditArchiveContract('Blob Storage (Azurite)', async () => {
  const container = await freshContainer();
  return { archive: new BlobAuditArchive(container), contents: () => contentsOf(container) };
});

describe('BlobAuditArchive on Azurite', () => {
  it("has the service refuse a second create of a record's blob with 409, leaving the first", async () => {
    // Arrange
    const container = await freshContainer();
    const record = anAuditRecord({ id: 'once' });
    await new BlobAuditArchive(container).write(record);
    const blob = container.getBlockBlobClient(auditBlobName(record));
    const before = await blob.getProperties();

    // Act: the request the adapter makes, with other content
    const overwrite = blob.upload('{"forged":true}', 15, { conditions: { ifNoneMatch: '*' } });

    // Assert
    await expect(overwrite).rejects.toMatchObject({ name: 'RestError', statusCode: 409, code: 'BlobAlreadyExists' });
    const after = await blob.getProperties();
    expect(after.etag).toBe(before.etag);
    expect(JSON.parse((await blob.downloadToBuffer()).toString('utf8'))).toMatchObject({ id: 'once', action: 'rotation.succeeded' });
  });

  it('offers no way to overwrite or delete: writing and creating the container are all it does', () => {
    // Act
    const methods = Object.getOwnPropertyNames(BlobAuditArchive.prototype).filter((name) => name !== 'constructor');

    // Assert
    expect(methods.sort()).toEqual(['createIfMissing', 'write']);
  });

  it('does not enforce immutability, which is why only Azure can show the retention policy holding', async () => {
    // Arrange
    const container = await freshContainer();
    const blob = container.getBlockBlobClient('2026/04/01/000000.000-probe.json');
    await blob.upload('{}', 2);

    // Act
    const policy = blob.setImmutabilityPolicy({ expiriesOn: new Date(Date.now() + 86_400_000), policyMode: 'Unlocked' });

    // Assert: if Azurite ever implements it, this test should start checking the refusals instead
    await expect(policy).rejects.toMatchObject({ statusCode: 501 });
  });
});

describe('a rotation audited through the archive', () => {
  it('archives every record the log holds, and no archived record carries a secret value', async () => {
    // Arrange
    const container = await freshContainer();
    const log = new InMemoryAuditLog();
    const stores = { ...createStores(), audit: new ArchivedAuditLog(log, new BlobAuditArchive(container), { logger: silentLogger }) } as unknown as Stores;
    const policy = aPolicy({ id: 'archived-rotation', secretName: 'archived-rotation' });
    const app = processOver(stores);
    const trigger: RotationTrigger = { kind: 'http', actor: { oid: '0a1b2c3d-0000-4000-8000-00000000a11c', displayName: 'Alice', clientIp: '203.0.113.7', correlationId: 'inv-9' }, reason: 'archive test' };
    await app.admin.put(policy.id, policy, 'alice');

    // Act
    await app.engine.rotate(policy.id, trigger);
    await app.engine.rotate(policy.id, { ...trigger, reason: 'again' });

    // Assert
    const contents = await contentsOf(container);
    const archived = [...contents.values()].map((text) => JSON.parse(text) as { id: string });
    expect(archived.map((r) => r.id).sort()).toEqual(log.records().map((r) => r.id).sort());
    expect(archived.length).toBeGreaterThanOrEqual(3);
    const values = stores.secrets.versions(refOf(policy)).map((v) => stores.secrets.valueOf(refOf(policy), v.version)!);
    expect(values).toHaveLength(2);
    for (const text of contents.values()) for (const value of values) expect(text).not.toContain(value);
    expect(archived).toContainEqual(expect.objectContaining({ action: 'rotation.succeeded', actorId: '0a1b2c3d-0000-4000-8000-00000000a11c', clientIp: '203.0.113.7', correlationId: 'inv-9' }));
  });
});
