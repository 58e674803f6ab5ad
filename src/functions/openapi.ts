import { app } from '@azure/functions';
import { fixedJsonHandler } from './http/fixed-json-handler.js';

/**
 * GET /api/openapi.json: the API's OpenAPI 3.1 document, built once from the code on the first
 * request. Anonymous, like health: it is the same for every caller and holds no data
 * (docs/auth.md says why), so it goes through fixedJsonHandler, which reads nothing of the request.
 * The consumer kinds it describes come with their database drivers, so both load on that request.
 */
export const openApiDocument = fixedJsonHandler('openApiDocument', async () => {
  const [{ consumerKinds }, { buildOpenApiDocument }] = await Promise.all([import('../composition.js'), import('./http/openapi-document.js')]);
  return buildOpenApiDocument({ consumerKinds });
});

app.http('openApiDocument', { methods: ['GET'], authLevel: 'anonymous', route: 'openapi.json', handler: openApiDocument });
