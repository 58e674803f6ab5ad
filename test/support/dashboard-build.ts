/**
 * Builds the dashboard (ui/ into dist/ui) when its build is missing or older than its sources, so
 * `npm test` on a fresh clone serves the same files `npm run build` makes. The build goes to a
 * folder of its own and is then moved into place, so a test reading dist/ui never sees half of one.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sources = [join(root, 'ui'), join(root, 'package-lock.json')];
const output = join(root, 'dist', 'ui');

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export function dashboardBuildIsCurrent(): boolean {
  const index = join(output, 'index.html');
  return existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newest));
}

export async function ensureDashboardBuilt(): Promise<void> {
  if (dashboardBuildIsCurrent()) return;
  const { build } = await import('vite');
  const staging = join(root, 'dist', `ui.building-${process.pid}`);
  await build({ configFile: join(root, 'ui', 'vite.config.ts'), logLevel: 'error', build: { outDir: staging, emptyOutDir: true } });
  const previous = join(root, 'dist', `ui.previous-${process.pid}`);
  if (existsSync(output)) renameSync(output, previous);
  renameSync(staging, output);
  rmSync(previous, { recursive: true, force: true });
}
