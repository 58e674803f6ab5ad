/**
 * The audit archive as the app runs it on the local stack: every record a request writes is
 * also a blob in the archive container, and the daily catch-up timer copies back a record
 * the archive lacks (here removed by hand, which only Azurite allows: in Azure the
 * container's immutability policy refuses the delete).
 */
import { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aPolicyJson } from '../support/policy-mother.js';
import { startTestApp, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
let container: ContainerClient;

async function archived(): Promise<Map<string, { id: string; action: string; actor: string; actorId?: string }>> {
  const records = new Map<string, { id: string; action: string; actor: string; actorId?: string }>();
  for await (const blob of container.listBlobsFlat()) {
    const record = JSON.parse((await container.getBlockBlobClient(blob.name).downloadToBuffer()).toString('utf8')) as { id: string; action: string; actor: string };
    records.set(blob.name, record);
  }
  return records;
}

beforeAll(async () => {
  t = await startTestApp();
  container = new ContainerClient(process.env['AzureWebJobsStorage']!, process.env['AUDIT_ARCHIVE_CONTAINER'] ?? 'audit-archive');
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe('the audit archive', () => {
  it('holds a copy of every record a request wrote, with who made it', async () => {
    // Act
    const created = await t.call('PUT', '/policies/archived', aPolicyJson({ id: 'archived', secretName: 'archived', vaultUrl: t.vault().url }));
    const rotated = await t.call('POST', '/policies/archived/rotate', { reason: 'archive check' });

    // Assert
    expect([created.status, rotated.status]).toEqual([201, 200]);
    const history = (await t.call('GET', '/policies/archived/rotations')).json.items as { id: string }[];
    const copies = [...(await archived()).values()];
    for (const record of history) expect(copies.map((c) => c.id)).toContain(record.id);
    expect(copies.find((c) => c.action === 'policy.created')).toMatchObject({ actor: 'test-admin', actorId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('gets back a record the archive lacks from the daily catch-up', async () => {
    // Arrange
    const [name, record] = [...(await archived()).entries()].find(([, r]) => r.action === 'rotation.succeeded')!;
    await container.deleteBlob(name);
    expect((await archived()).has(name)).toBe(false);

    // Act
    await t.app.functionsHost.invoke('archiveAudit');

    // Assert
    expect((await archived()).get(name)).toEqual(record);
  });
});
