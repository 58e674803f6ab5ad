import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findFunctionModules } from '../../../src/local/functions-host/index.js';

describe('findFunctionModules', () => {
  let root: string;

  async function file(path: string): Promise<void> {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), '');
  }

  async function manifest(main?: string): Promise<void> {
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'app', ...(main !== undefined ? { main } : {}) }));
  }

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'find-modules-'));
    await file('dist/src/functions/b.js');
    await file('dist/src/functions/a.js');
    await file('dist/src/functions/a.js.map');
    await file('dist/src/functions/http/helper.js');
    await file('dist/src/other/c.js');
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    ['dist/src/functions/*.js', ['dist/src/functions/a.js', 'dist/src/functions/b.js']],
    ['./dist/src/functions/?.js', ['dist/src/functions/a.js', 'dist/src/functions/b.js']],
    ['dist/src/functions/**/*.js', ['dist/src/functions/a.js', 'dist/src/functions/b.js', 'dist/src/functions/http/helper.js']],
    ['dist/src/*/c.js', ['dist/src/other/c.js']],
    ['dist/src/functions/a.js', ['dist/src/functions/a.js']],
  ])('reads main %s as the Functions worker does', async (main, expected) => {
    // Arrange
    await manifest(main);

    // Act
    const modules = await findFunctionModules(root);

    // Assert
    expect(modules).toEqual(expected.map((p) => join(root, p)));
  });

  it('says to build first when main matches nothing', async () => {
    // Arrange
    await manifest('build/functions/*.js');

    // Act
    const find = findFunctionModules(root);

    // Assert
    await expect(find).rejects.toThrow(/matches no file .*npm run build/);
  });

  it('refuses a package.json without main', async () => {
    // Arrange
    await manifest();

    // Act
    const find = findFunctionModules(root);

    // Assert
    await expect(find).rejects.toThrow(/has no "main"/);
  });
});
