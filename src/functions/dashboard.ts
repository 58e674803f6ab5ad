import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { appConfig } from '../app-services.js';
import { dashboardBuildDirectory, dashboardConfig, loadStaticFiles, securityHeaders, type StaticFile } from './http/dashboard-files.js';
import { ROUTE_ROLES } from './http/route-roles.js';

/**
 * GET /api/ui/ and /api/ui/{*path}: the dashboard, a static single-page app, and its sign-in
 * settings (config.json). Anonymous, like health and the OpenAPI document: these files carry no
 * data, and every API call the page makes carries the signed-in person's token (docs/auth.md).
 * A path is a key of the build output's table or a 404; nothing else of the request is read
 * but If-None-Match.
 */
if (ROUTE_ROLES.dashboard !== 'anonymous') throw new Error('dashboard serves fixed files and must be anonymous in ROUTE_ROLES');

let files: Map<string, StaticFile> | undefined;

function dashboardFiles(): Map<string, StaticFile> {
  // Loaded once the build exists; until then every request looks again, so a build made after start is served.
  if (!files || files.size === 0) files = loadStaticFiles(dashboardBuildDirectory());
  return files;
}

function notFound(headers: Record<string, string>, message: string): HttpResponseInit {
  return { status: 404, headers: { ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' }, body: JSON.stringify({ error: { code: 'NotFound', message, details: [] } }) };
}

export async function dashboard(request: HttpRequest): Promise<HttpResponseInit> {
  const settings = appConfig().dashboard;
  const headers = securityHeaders(new URL(settings.authority).origin);
  const path = request.params['path'] ?? '';
  if (path === 'config.json') {
    return { status: 200, headers: { ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' }, body: JSON.stringify(dashboardConfig(settings)) };
  }
  const table = dashboardFiles();
  if (table.size === 0) return notFound(headers, 'the dashboard is not built: run npm run build');
  const file = table.get(path === '' ? 'index.html' : path);
  if (!file) return notFound(headers, 'no such file in the dashboard');
  const fileHeaders = { ...headers, 'content-type': file.contentType, 'cache-control': file.cacheControl, etag: file.etag };
  if (request.headers.get('if-none-match') === file.etag) return { status: 304, headers: fileHeaders };
  return { status: 200, headers: fileHeaders, body: file.body };
}

app.http('dashboard', { methods: ['GET'], authLevel: 'anonymous', route: 'ui/{*path}', handler: dashboard });
