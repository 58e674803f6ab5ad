/**
 * kvrot runs from source (bin/kvrot.js and its TypeScript loader), so every package it imports at
 * run time must be a dependency, not a devDependency: an `npm ci --omit=dev` install (a CI image
 * that only runs kvrot) would otherwise fail on the first import. esbuild walks the real import
 * graph from the launcher and the CLI's entry and reports each bare package it left external.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

/** '@scope/name/sub' → '@scope/name'; 'name/sub' → 'name'. */
const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

async function packagesImportedFrom(entries: string[]): Promise<string[]> {
  const result = await build({ entryPoints: entries, absWorkingDir: root, bundle: true, write: false, outdir: 'unused', platform: 'node', format: 'esm', packages: 'external', metafile: true, logLevel: 'silent' });
  const imported = Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external && !i.path.startsWith('node:')).map((i) => packageOf(i.path)));
  return [...new Set(imported)].sort();
}

describe('kvrot at run time', () => {
  it('imports only packages listed in dependencies, TypeScript (its loader) included', async () => {
    // Act
    const packages = await packagesImportedFrom(['bin/kvrot.js', 'bin/typescript-loader.js', 'src/cli/main.ts', 'src/cli/io.ts']);

    // Assert
    expect(packages).toContain('commander');
    expect(packages).toContain('typescript');
    expect(packages.filter((name) => !(name in manifest.dependencies))).toEqual([]);
  });

  it('would catch a devDependency the CLI imported', async () => {
    // A file of the tests imports vitest: the same walk names it as missing from dependencies.
    const packages = await packagesImportedFrom(['test/cli/runtime-dependencies.test.ts']);
    expect(packages.filter((name) => !(name in manifest.dependencies))).toEqual(expect.arrayContaining(['vitest']));
  });
});
