/**
 * Builds the dashboard into dist/ui, which the `dashboard` function serves under /api/ui/.
 * No inline script or style in the output (the page's CSP allows neither), no source maps
 * shipped, asset names carry their content hash (cached for a year).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/api/ui/',
  publicDir: 'public',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Vite inlines small assets as data: URLs; the CSP allows none.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
