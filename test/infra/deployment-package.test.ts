/**
 * What `azd deploy` ships: azure.yaml builds here (not on the platform), and .funcignore keeps
 * host.json, package.json, the bundle package.json `main` names and the dashboard's files,
 * and leaves out the sources, the compiled modules the bundle replaces and node_modules.
 * .funcignore is read here with the part of gitignore syntax it uses (names, paths, `*`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlSubset, yamlAt } from './support/mini-yaml.js';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

function globPattern(glob: string): string {
  return glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
}

/** A path is left out when a pattern matches it or a folder above it, as in gitignore. */
function funcignore(text: string): (path: string) => boolean {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  const negated = lines.find((line) => line.startsWith('!'));
  if (negated) throw new Error(`.funcignore: '${negated}' re-includes a path; this reader does not support that`);
  const patterns = lines.map((line) => {
    const body = line.replace(/\/$/, '');
    // A slash before the end anchors the pattern at the root; otherwise it matches a name at any depth.
    return body.includes('/') ? new RegExp(`^${globPattern(body.replace(/^\//, ''))}$`) : new RegExp(`(^|/)${globPattern(body)}$`);
  });
  return (path) => {
    const segments = path.split('/');
    return segments.some((_, i) => {
      const prefix = segments.slice(0, i + 1).join('/');
      return patterns.some((pattern) => pattern.test(prefix));
    });
  };
}

describe('the deployment package', () => {
  const leftOut = funcignore(read('.funcignore'));
  const manifest = JSON.parse(read('package.json')) as { main: string; scripts: Record<string, string> };

  it('is built here: azure.yaml turns the platform build off and npm run build makes the bundle main names', () => {
    // Arrange
    const yaml = parseYamlSubset(read('azure.yaml'));

    // Assert
    expect(yamlAt(yaml, 'services.api.remoteBuild')).toBe(false);
    expect(manifest.main).toBe('dist/bundle/index.mjs');
    expect(manifest.scripts['build']).toMatch(/node dist\/scripts\/bundle\.js/);
  });

  it.each([
    'host.json',
    'package.json',
    'dist/bundle/index.mjs',
    'dist/bundle/index.mjs.map',
    'dist/bundle/chunks/composition-ABCD1234.mjs',
    'dist/ui/index.html',
    'dist/ui/assets/index-B1c2D3e4.js',
  ])('ships %s', (path) => {
    expect(leftOut(path)).toBe(false);
  });

  it.each([
    'node_modules/@azure/functions/package.json',
    'node_modules/.bin/tsc',
    'src/functions/health.ts',
    'dist/src/functions/health.js',
    'dist/src/composition.js',
    'dist/src/local/start.js',
    'dist/test/functions/health.test.js',
    'dist/bench/run.js',
    'dist/scripts/bundle.js',
    'test/scripts/bundle.test.ts',
    'local.settings.json',
    'local.settings.sample.json',
    'infra/main.bicep',
    'ui/src/main.ts',
    'README.md',
    '.git/config',
    'dist/ui.build-1234/index.html',
    'coverage/index.html',
    '.stryker-tmp/sandbox/package.json',
    '__azurite_db_table__.json',
    '__blobstorage__/a',
    'npm-debug.log',
  ])('leaves out %s', (path) => {
    expect(leftOut(path)).toBe(true);
  });

  it('ships nothing at the top of the repository but the host and package files and dist/', () => {
    // Act: what git holds (a run in progress leaves files the cases above cover).
    const topLevel = new Set(execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean).map((path) => path.split('/')[0]!));
    const shipped = [...topLevel, 'dist'].filter((name) => !leftOut(name));

    // Assert
    expect(shipped.filter((name) => !['host.json', 'package.json', 'package-lock.json', 'dist'].includes(name))).toEqual([]);
    expect(shipped).toEqual(expect.arrayContaining(['host.json', 'package.json']));
  });
});
