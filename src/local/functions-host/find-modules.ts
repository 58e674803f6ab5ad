/**
 * Finds the app's function modules the way the Functions Node.js worker does:
 * from package.json `main`, which may be a glob such as
 * `dist/src/functions/*.js` (`*` and `?` within a path segment, `**` for any
 * depth). Results are absolute paths, sorted so start-up order is stable.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const isGlob = (segment: string): boolean => /[*?]/.test(segment);

function segmentPattern(segment: string): RegExp {
  const body = segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

async function expand(base: string, segments: readonly string[]): Promise<string[]> {
  const [segment, ...rest] = segments;
  if (segment === undefined) return [base];
  if (segment === '**') {
    const here = await expand(base, rest);
    const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
    const deeper = await Promise.all(
      entries.filter((e) => e.isDirectory() && e.name !== 'node_modules').map((e) => expand(join(base, e.name), segments)),
    );
    return [...here, ...deeper.flat()];
  }
  if (!isGlob(segment)) {
    const path = join(base, segment);
    if (rest.length === 0) return (await stat(path).then(() => true, () => false)) ? [path] : [];
    return (await isDirectory(path)) ? expand(path, rest) : [];
  }
  const pattern = segmentPattern(segment);
  const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
  const matches = entries.filter((e) => pattern.test(e.name) && (rest.length > 0 ? e.isDirectory() : e.isFile()));
  const expanded = await Promise.all(matches.map((e) => expand(join(base, e.name), rest)));
  return expanded.flat();
}

/** Absolute paths of the files package.json `main` points at in `appDirectory`. */
export async function findFunctionModules(appDirectory: string): Promise<string[]> {
  const root = resolve(appDirectory);
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { main?: unknown };
  if (typeof manifest.main !== 'string' || manifest.main.trim() === '') {
    throw new Error(`${join(root, 'package.json')} has no "main": the Functions host finds the app's function modules through it`);
  }
  const segments = manifest.main.replace(/^\.\//, '').split(/[\\/]+/).filter(Boolean);
  const files = [...new Set(await expand(root, segments))].sort();
  if (files.length === 0) {
    throw new Error(`package.json "main" (${manifest.main}) matches no file under ${root}: build the app first (npm run build)`);
  }
  return files;
}
