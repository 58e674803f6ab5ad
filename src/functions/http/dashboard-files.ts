/**
 * The dashboard's build output (dist/ui, made by `npm run build`) as a fixed table of files held
 * in memory: a request names a key of the table or gets a 404. No path from a request ever
 * reaches the file system, so no request can read a file outside the build output.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DashboardSettings } from '../../config.js';

export interface StaticFile {
  body: Buffer;
  contentType: string;
  cacheControl: string;
  etag: string;
}

/** The only kinds of file served; anything else in the build output is left out. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** A file name Vite gives a built asset: its content hash before the extension (index-B1c2D3e4.js). */
const HASHED = /^assets\/[\w.-]+-[A-Za-z0-9_-]{8,}\.(?:js|css|svg|png|woff2)$/;
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const MAX_FILES = 500;

/** The app's root: the nearest folder above this module with a package.json (the same in src/ and dist/src/). */
export function appRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export function dashboardBuildDirectory(): string {
  return join(appRoot(), 'dist', 'ui');
}

/**
 * Every regular file under `root` whose path segments are plain names and whose extension is
 * served, keyed by its path relative to root with '/' separators. Symbolic links are skipped,
 * so the table holds nothing from outside root either.
 */
export function loadStaticFiles(root: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (!SEGMENT.test(name) || files.size >= MAX_FILES) continue;
      const path = join(dir, name);
      const stat = lstatSync(path);
      const key = `${prefix}${name}`;
      if (stat.isDirectory()) walk(path, `${key}/`);
      else if (stat.isFile() && CONTENT_TYPES[extname(name)]) {
        const body = readFileSync(path);
        files.set(key, {
          body,
          contentType: CONTENT_TYPES[extname(name)]!,
          // A hashed asset never changes under its name; everything else is checked each time (its ETag makes that cheap).
          cacheControl: HASHED.test(key) ? 'public, max-age=31536000, immutable' : 'no-cache',
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        });
      }
    }
  };
  if (existsSync(root)) walk(root, '');
  return files;
}

/**
 * The headers every dashboard answer carries. Scripts and styles come from this origin only
 * (none inline: the build emits none), the page talks to the API and the sign-in authority only,
 * and no other site may frame it.
 */
export function securityHeaders(authorityOrigin: string): Record<string, string> {
  const signIn = authorityOrigin ? ` ${authorityOrigin}` : '';
  return {
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self'",
      "font-src 'self'",
      `connect-src 'self'${signIn}`,
      // MSAL.js renews a token in a hidden frame at the authority when its refresh token is spent.
      `frame-src${signIn || " 'none'"}`,
      "form-action 'none'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  };
}

/** The MSAL.js configuration the page reads before it signs anyone in; never a secret (a single-page app has none). */
export function dashboardConfig(settings: DashboardSettings): Record<string, unknown> {
  const authority = new URL(settings.authority);
  // Entra's own hosts are known to MSAL.js (protocol mode AAD); any other authority is plain OpenID Connect.
  const entra = /^login\.(microsoftonline\.(com|us)|chinacloudapi\.cn|partner\.microsoftonline\.cn)$/i.test(authority.hostname);
  return {
    signIn: settings.clientId ? 'configured' : 'not-configured',
    ...(settings.clientId ? { clientId: settings.clientId } : {}),
    authority: settings.authority,
    protocolMode: entra ? 'AAD' : 'OIDC',
    knownAuthorities: entra ? [] : [authority.host],
    scopes: [settings.apiScope],
    redirectPath: '/api/ui/',
  };
}
