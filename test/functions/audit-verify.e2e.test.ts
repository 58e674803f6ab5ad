/**
 * GET /api/audit/verify on the local stack (Azurite's Table and Blob services, the app's own
 * registrations, tokens from the local identity provider): someone with table data rights
 * rewrites one audit row and deletes another straight through a TableClient, and the route
 * reports both, while a window the tampering did not touch is reported intact.
 */
import { TableClient } from '@azure/data-tables';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzParameters } from '../support/fuzz-settings.js';
import { aPolicyJson } from '../support/policy-mother.js';
import { bearer } from '../support/test-tokens.js';
import { startTestApp, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
let audit: TableClient;
let start: Date;
let untouchedEnd: Date;
let tamperedStart: Date;
const FORGED = 'forged-actor-7c2e';

interface Finding {
  kind: string;
  recordId: string;
  at: string;
  copy?: string;
  message: string;
}

interface Row {
  partitionKey: string;
  rowKey: string;
  id?: string;
  action?: string;
  policyId?: string;
}

async function rowsOf(recordId: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const row of audit.listEntities<Row>()) if (row.id === recordId) rows.push(row);
  return rows;
}

async function recordOf(policyId: string, action: string): Promise<{ id: string }> {
  const page = (await t.call('GET', `/policies/${policyId}/rotations`)).json as { items: { id: string; action: string }[] };
  return page.items.find((item) => item.action === action)!;
}

async function verify(query: string, headers?: Record<string, string>) {
  return t.call('GET', `/audit/verify?${query}`, undefined, headers);
}

function window(from: Date, to: Date): string {
  return `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
}

async function created(id: string): Promise<void> {
  const response = await t.call('PUT', `/policies/${id}`, aPolicyJson({ id, secretName: id, vaultUrl: t.vault().url }));
  expect(response.status).toBe(201);
}

beforeAll(async () => {
  t = await startTestApp();
  audit = TableClient.fromConnectionString(process.env['AzureWebJobsStorage']!, 'rotationaudit', { allowInsecureConnection: true });
  start = new Date(Date.now() - 1000);
  await created('verify-untouched');
  untouchedEnd = new Date();
  await new Promise((resolve) => setTimeout(resolve, 20));
  tamperedStart = new Date();
  await created('verify-altered');
  await created('verify-deleted');
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe('GET /api/audit/verify', () => {
  it('reports a window whose table rows match the archive intact, before anyone touches the table', async () => {
    // Act
    const response = await verify(window(start, new Date()));

    // Assert
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ intact: true, findings: [], checked: 3 });
    expect(response.json.window.from).toBe(start.toISOString());
  });

  it('reports a row rewritten and a row deleted directly in Table Storage, by record and copy, without printing the forged value', async () => {
    // Arrange: as anyone with table data rights could
    const altered = await recordOf('verify-altered', 'policy.created');
    const deleted = await recordOf('verify-deleted', 'policy.created');
    const dayRow = (await rowsOf(altered.id)).find((row) => row.partitionKey.startsWith('day:'))!;
    await audit.updateEntity({ partitionKey: dayRow.partitionKey, rowKey: dayRow.rowKey, actor: FORGED }, 'Merge');
    const ownRow = (await rowsOf(deleted.id)).find((row) => row.partitionKey === 'verify-deleted')!;
    await audit.deleteEntity(ownRow.partitionKey, ownRow.rowKey);

    // Act
    const response = await verify(window(start, new Date()));

    // Assert
    expect(response.status).toBe(200);
    expect(response.json.intact).toBe(false);
    const findings = response.json.findings as Finding[];
    expect(findings.map((f) => [f.kind, f.recordId, f.copy])).toEqual(
      expect.arrayContaining([
        ['altered', altered.id, 'time'],
        ['deleted', deleted.id, 'policy'],
      ]),
    );
    expect(findings).toHaveLength(2);
    expect(findings.find((f) => f.kind === 'altered')!.message).toMatch(/differs from the archived record in actor \(sha256 [0-9a-f]{16}, archived [0-9a-f]{16}\)/);
    expect(response.text).not.toContain(FORGED);
  });

  it('still reports the untouched window intact after the tampering elsewhere', async () => {
    // Act
    const response = await verify(window(start, untouchedEnd));

    // Assert
    expect(response.json).toMatchObject({ intact: true, findings: [], checked: 1 });
  });

  it('pages through the window, one archived record a page, and finds the same two across the pages', async () => {
    // Act
    const pages: { intact: boolean; findings: Finding[]; continuationToken?: string }[] = [];
    const to = new Date();
    let token: string | undefined;
    do {
      const response = await verify(`${window(start, to)}&pageSize=1${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
      expect(response.status).toBe(200);
      pages.push(response.json);
      token = response.json.continuationToken;
    } while (token && pages.length < 10);

    // Assert
    expect(pages).toHaveLength(3);
    expect(pages.map((p) => p.intact)).toEqual([true, false, false]);
    expect(pages.flatMap((p) => p.findings.map((f) => f.kind)).sort()).toEqual(['altered', 'deleted']);
    expect(new Date(pages[1]!.findings[0]!.at).getTime()).toBeGreaterThanOrEqual(tamperedStart.getTime());
  });

  it('needs Audit.Read', async () => {
    // Act
    const response = await verify(window(start, new Date()), { authorization: bearer(await t.tokenFor('reader', ['Rotation.Read'])) });

    // Assert
    expect(response.status).toBe(403);
    expect(response.json.error.message).toContain('Audit.Read');
  });

  it('answers 200 or a 400 naming a parameter it was given, for generated query strings, and writes nothing', async () => {
    // Arrange
    const trail = async () => (await t.call('GET', `/audit?from=${encodeURIComponent(start.toISOString())}`)).json.items as unknown[];
    const before = await trail();
    const name = fc.constantFrom('from', 'to', 'pageSize', 'continuationToken', 'actor', 'policy', 'FROM', 'x');
    const value = fc.oneof(
      fc.date({ min: new Date('1960-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('', '2026-04-01', 'now', '0', '1001', '-1', 'eyJmcm9tIjoiMjAyNi0wNC0wMVQwMDowMDowMFoifQ'),
      fc.string({ maxLength: 30 }),
    );

    // Act + Assert
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name, value), { maxLength: 3 }), async (parameters) => {
        const response = await verify(new URLSearchParams(parameters).toString());
        if (response.status === 200) return;
        expect(response.status).toBe(400);
        expect(response.json.error.code).toBe('ValidationFailed');
        const paths = (response.json.error.details as { path: string }[]).map((d) => d.path);
        expect(paths.length).toBeGreaterThan(0);
        for (const path of paths) expect([...parameters.map(([n]) => n), 'from']).toContain(path);
      }),
      fuzzParameters('audit-verify-query', 60),
    );
    expect(await trail()).toEqual(before);
  }, 120_000);
});
