/**
 * The deployed bundle (scripts/bundle.ts; package.json `main`), built from the sources into a
 * folder of its own: it registers exactly what the source modules register, its entry loads no
 * Azure data-plane SDK, driver or ARM client until an invocation asks for them, it needs nothing
 * from node_modules at run time, and the local app runs on it as `npm start` does.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { builtinModules } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_ENTRY, BUNDLE_EXTERNALS, buildBundle, type BuiltBundle } from '../../scripts/bundle.js';
import { consumerKinds } from '../../src/composition.js';
import { buildOpenApiDocument } from '../../src/functions/http/openapi-document.js';
import { loadFunctionModules } from '../../src/local/functions-host/core-module.js';
import { startLocalApp, type RunningLocalApp } from '../../src/local/start.js';
import { appModules } from '../functions/app-e2e-support.js';
import { captureLogs } from '../local/functions-host/capture-logger.js';
import { allRolesToken, bearer } from '../support/test-tokens.js';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
/** What a cold start must not load: these come with the first invocation. */
const LAZY_PACKAGES = ['@azure/identity', '@azure/keyvault-secrets', '@azure/data-tables', '@azure/storage-queue', '@azure/storage-blob', '@azure/arm-keyvault', '@azure/arm-authorization', 'pg', 'mysql2', 'ioredis'];

async function builtInto(prefix: string): Promise<{ bundle: BuiltBundle; outdir: string }> {
  const outdir = await mkdtemp(join(tmpdir(), prefix));
  return { bundle: await buildBundle({ root: REPO_ROOT, outdir }), outdir };
}

/** The packages of node_modules whose files went into an output, by its inputs. */
function packagesIn(inputs: Record<string, unknown>): Set<string> {
  return new Set(Object.keys(inputs).map((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1]).filter((name): name is string => name !== undefined));
}

describe('the deployed bundle', () => {
  let built: { bundle: BuiltBundle; outdir: string };
  const saved = { ...process.env };

  beforeAll(async () => {
    built = await builtInto('bundle-');
    // Two function modules read their settings when they load, as in Azure.
    const sample = JSON.parse(await readFile(join(REPO_ROOT, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
    for (const [name, value] of Object.entries(sample.Values)) if (value !== '') process.env[name] = value;
  }, 120_000);

  afterAll(async () => {
    process.env = saved;
    await rm(built.outdir, { recursive: true, force: true });
  });

  it('is what package.json main names', async () => {
    // Arrange
    const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { main: string };

    // Assert
    expect(manifest.main).toBe(BUNDLE_ENTRY);
    expect(built.bundle.modules).toEqual(appModules.map((file) => `src/functions/${file.slice(file.lastIndexOf('/') + 1)}`));
  });

  it('registers exactly the functions the source modules register, with the same bindings', async () => {
    // Act
    const fromSources = (await loadFunctionModules(appModules.map((file) => pathToFileURL(file).href))).flatMap((r) => r.functions);
    const fromBundle = (await loadFunctionModules([pathToFileURL(built.bundle.entry).href])).flatMap((r) => r.functions);

    // Assert
    const described = (registrations: typeof fromSources) => registrations.map((r) => ({ name: r.metadata.name, bindings: r.metadata.bindings, retryOptions: r.metadata.retryOptions })).sort((a, b) => a.name.localeCompare(b.name));
    expect(fromBundle.map((r) => r.metadata.name).sort()).toEqual(fromSources.map((r) => r.metadata.name).sort());
    expect(described(fromBundle)).toEqual(described(fromSources));
    expect(fromBundle.length).toBeGreaterThan(20);
  });

  it('loads no data-plane SDK, database driver or ARM client before an invocation asks for one', () => {
    // Arrange: the entry and every chunk it imports statically, transitively.
    const outputs = built.bundle.metafile.outputs;
    const entryKey = Object.keys(outputs).find((key) => key.endsWith('/index.mjs'))!;
    const eager = new Set<string>();
    const visit = (key: string): void => {
      if (eager.has(key)) return;
      eager.add(key);
      for (const imported of outputs[key]!.imports) if (imported.kind === 'import-statement' && outputs[imported.path]) visit(imported.path);
    };

    // Act
    visit(entryKey);
    const loaded = new Set([...eager].flatMap((key) => [...packagesIn(outputs[key]!.inputs)]));

    // Assert
    expect(loaded).toContain('@azure/functions');
    expect(LAZY_PACKAGES.filter((name) => loaded.has(name))).toEqual([]);
    const lazy = new Set(Object.values(outputs).flatMap((output) => [...packagesIn(output.inputs)]));
    expect(LAZY_PACKAGES.filter((name) => !lazy.has(name))).toEqual([]);
  });

  it("leaves the database drivers out of the composition root's chunk: each loads with its consumer's first connection", () => {
    // Arrange
    const outputs = built.bundle.metafile.outputs;
    const composition = Object.keys(outputs).filter((key) => /\/chunks\/composition-[^/]*\.mjs$/.test(key));

    // Act
    const drivers = composition.flatMap((key) => [...packagesIn(outputs[key]!.inputs)]).filter((name) => ['pg', 'mysql2', 'ioredis'].includes(name));

    // Assert
    expect(composition).toHaveLength(1);
    expect(drivers).toEqual([]);
  });

  it('imports nothing from node_modules at run time but what the platform provides', () => {
    // Act
    const runtimeImports = new Set(Object.values(built.bundle.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path)));

    // Assert
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    expect([...runtimeImports].filter((name) => !builtins.has(name) && !BUNDLE_EXTERNALS.includes(name))).toEqual([]);
  });
});

describe('the local app on the bundle', () => {
  let built: { bundle: BuiltBundle; outdir: string };
  let app: RunningLocalApp;

  beforeAll(async () => {
    built = await builtInto('bundle-app-');
    app = await startLocalApp({ apiPort: 0, emulatorPort: 0, identityProviderPort: 0, azuritePorts: 'free', modules: [built.bundle.entry], runTimers: false, logger: captureLogs().logger });
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
    await rm(built.outdir, { recursive: true, force: true });
  });

  it('loads the example policies and rotates them through its lazily loaded services', () => {
    // Assert
    expect(app.loadedExamples).toEqual(['orders-api-key', 'webhook-signing-key', 'session-token-keys']);
    expect([...app.createdExampleSecrets].sort()).toEqual([...app.loadedExamples].sort());
  });

  it('answers health, the OpenAPI document and an authenticated route', async () => {
    // Arrange
    const token = await allRolesToken(app.identityProvider);

    // Act
    const health = await fetch(`${app.summary.api}/health`);
    const openApi = await fetch(`${app.summary.api}/openapi.json`);
    const policies = await fetch(`${app.summary.api}/policies`, { headers: { authorization: bearer(token) } });

    // Assert
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect(openApi.status).toBe(200);
    expect(await openApi.json()).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument({ consumerKinds }))));
    expect(policies.status).toBe(200);
    expect(((await policies.json()) as { items: { policy: { id: string } }[] }).items.map((p) => p.policy.id).sort()).toEqual([...app.loadedExamples].sort());
  });
});
