/**
 * Module hooks that let Node 20 run the CLI straight from its TypeScript source: a relative
 * `./x.js` import from a .ts file resolves to `./x.ts` when that is what exists, and each .ts
 * file is transpiled on its own with TypeScript's transpileModule (no type checking here:
 * `npm run typecheck` does that). Output is cached under node_modules/.cache/kvrot, keyed by
 * the source's hash, so TypeScript itself is loaded only when a file changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE_FORMAT = '1';
const cacheDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.cache', 'kvrot');
let typescript;

async function transpile(source, fileName) {
  typescript ??= (await import('typescript')).default;
  const { outputText } = typescript.transpileModule(source, {
    fileName,
    compilerOptions: {
      module: typescript.ModuleKind.ESNext,
      target: typescript.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
    },
  });
  return outputText;
}

function cached(key) {
  try {
    return readFileSync(join(cacheDir, `${key}.js`), 'utf8');
  } catch {
    return undefined;
  }
}

/** Best effort: a read-only checkout still runs, only slower. Written then renamed, so a concurrent reader never sees half a file. */
function store(key, output) {
  try {
    mkdirSync(cacheDir, { recursive: true });
    const temporary = join(cacheDir, `${key}.${process.pid}.tmp`);
    writeFileSync(temporary, output);
    renameSync(temporary, join(cacheDir, `${key}.js`));
  } catch {
    // not cached
  }
}

export async function resolve(specifier, context, nextResolve) {
  if (context.parentURL?.endsWith('.ts') && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const source = readFileSync(fileName, 'utf8');
  const key = createHash('sha256').update(`${CACHE_FORMAT}\0${fileName}\0${source}`).digest('hex');
  let output = cached(key);
  if (output === undefined) {
    output = await transpile(source, fileName);
    store(key, output);
  }
  return { format: 'module', source: output, shortCircuit: true };
}
