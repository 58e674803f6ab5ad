/**
 * The dashboard's size budget, in bytes (counts, not timings): the JavaScript every visit downloads,
 * gzipped as a server or CDN would send it, stays under a stated budget with headroom over what it
 * is today (327,707 bytes raw, 86,074 gzipped at level 9, most of it MSAL.js). A dependency that
 * doubles the bundle fails here before it reaches anyone's browser. dist/ui is built by the test
 * run's global setup when it is older than ui/.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const DIST_UI = fileURLToPath(new URL('../../dist/ui', import.meta.url));

/** About 16% over today's 86,074 bytes. */
const GZIPPED_JS_BUDGET_BYTES = 100_000;
/** About 10% over today's 327,707 bytes. */
const RAW_JS_BUDGET_BYTES = 360_000;

/** Bytes of the build's JavaScript, as stored and gzipped (level 9), over every .js file of the folder tree. */
function javaScriptBytes(dir: string): { files: number; raw: number; gzipped: number } {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && entry.name.endsWith('.js'));
  let raw = 0;
  let gzipped = 0;
  for (const file of files) {
    const bytes = readFileSync(join(file.parentPath, file.name));
    raw += bytes.length;
    gzipped += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: files.length, raw, gzipped };
}

describe('the dashboard bundle', () => {
  it(`ships at most ${GZIPPED_JS_BUDGET_BYTES} bytes of gzipped JavaScript and ${RAW_JS_BUDGET_BYTES} raw`, () => {
    // Act
    const size = javaScriptBytes(DIST_UI);

    // Assert
    expect(size.files).toBeGreaterThan(0);
    expect(size.gzipped).toBeLessThanOrEqual(GZIPPED_JS_BUDGET_BYTES);
    expect(size.raw).toBeLessThanOrEqual(RAW_JS_BUDGET_BYTES);
  });

  it('counts what a folder holds: an incompressible script over the budget is over it', () => {
    // Arrange: random bytes do not compress, so gzipped is about raw.
    const dir = mkdtempSync(join(tmpdir(), 'bundle-size-'));
    try {
      writeFileSync(join(dir, 'big.js'), randomBytes(GZIPPED_JS_BUDGET_BYTES + 1));
      writeFileSync(join(dir, 'styles.css'), randomBytes(50_000));

      // Act
      const size = javaScriptBytes(dir);

      // Assert
      expect(size.files).toBe(1);
      expect(size.raw).toBe(GZIPPED_JS_BUDGET_BYTES + 1);
      expect(size.gzipped).toBeGreaterThan(GZIPPED_JS_BUDGET_BYTES);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
