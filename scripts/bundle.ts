/**
 * Bundles the function modules into what is deployed: dist/bundle/index.mjs, package.json
 * `main`, which the Functions host (and `npm start`'s local host) loads. It imports every
 * src/functions/*.ts in name order, as the host imported dist/src/functions/*.js, and carries
 * every package they use, so the deployment ships no node_modules (docs/deploy.md).
 *
 * Code splitting keeps what the function modules import dynamically (the composition root,
 * with every Azure SDK, driver and ARM client) in chunks the entry does not load: a cold start
 * reads the registrations and @azure/functions, and the first invocation reads the rest.
 *
 * npm run build runs it; `node dist/scripts/bundle.js [--outdir DIR]` on its own.
 */
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Metafile } from 'esbuild';

export const BUNDLE_ENTRY = 'dist/bundle/index.mjs';

/**
 * Left to Node at run time, and not shipped: the Functions worker provides @azure/functions-core
 * (it answers the library's require of it); pg's optional native binding is never used (pg.native
 * is read nowhere); mysql2 tries cardinal in a try block, only to colour SQL in debug output.
 */
export const BUNDLE_EXTERNALS: readonly string[] = ['@azure/functions-core', 'pg-native', 'cardinal'];

/**
 * ESM output, but the bundled CommonJS packages still call require: for Node's built-ins, and
 * @azure/functions for @azure/functions-core, which the worker (or the local host) answers by
 * intercepting Module.prototype.require. A real require keeps that path.
 */
const REQUIRE_BANNER = "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);";

export interface BuildBundleOptions {
  /** The repository root (package.json, src/). Default: two folders above this file, as in src/ and dist/. */
  root?: string;
  /** Default <root>/dist/bundle. Emptied first. */
  outdir?: string;
}

export interface BuiltBundle {
  entry: string;
  /** The function modules the entry imports, relative to root, in import order. */
  modules: string[];
  metafile: Metafile;
}

/** The nearest folder above this file with a package.json: the same from scripts/ and dist/scripts/. */
export function repositoryRoot(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** src/functions/*.ts, in the order the host imported their compiled files (sorted by name). */
export async function functionModuleSources(root: string): Promise<string[]> {
  const names = (await readdir(join(root, 'src', 'functions'), { withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')).map((e) => e.name);
  return names.sort().map((name) => `src/functions/${name}`);
}

export async function buildBundle(options: BuildBundleOptions = {}): Promise<BuiltBundle> {
  const root = options.root ?? repositoryRoot();
  const outdir = options.outdir ?? join(root, 'dist', 'bundle');
  const modules = await functionModuleSources(root);
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    stdin: { contents: modules.map((m) => `import './${m}';`).join('\n'), resolveDir: root, sourcefile: 'functions-entry.ts', loader: 'ts' },
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    // Azure runs Node 22 (infra/); Node 20 is the oldest the app builds and runs on.
    target: 'node20',
    outdir,
    entryNames: 'index',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    // Less to read and parse on a cold start; names kept, so errors and stack frames still say which class.
    minify: true,
    keepNames: true,
    // A separate map, named by the bundle, so NODE_OPTIONS=--enable-source-maps turns stack frames back into src/ lines.
    sourcemap: 'linked',
    sourcesContent: false,
    banner: { js: REQUIRE_BANNER },
    external: [...BUNDLE_EXTERNALS],
    metafile: true,
    logLevel: 'warning',
  });
  return { entry: join(outdir, 'index.mjs'), modules, metafile: result.metafile };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
  const built = await buildBundle(values.outdir ? { outdir: resolve(values.outdir) } : {});
  const outputs = Object.entries(built.metafile.outputs).filter(([file]) => file.endsWith('.mjs'));
  const entryBytes = outputs.find(([file]) => resolve(file) === built.entry || file.endsWith('/index.mjs'))?.[1].bytes ?? 0;
  const totalBytes = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
  console.log(`bundle: ${built.modules.length} function modules -> ${relative(process.cwd(), built.entry)} (${(entryBytes / 1024).toFixed(0)} KB; ${outputs.length - 1} lazy chunks, ${(totalBytes / 1024).toFixed(0)} KB in all)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
