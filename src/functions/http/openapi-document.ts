/**
 * The API's OpenAPI 3.1 document, generated from API_OPERATIONS and ROUTE_ROLES: every route,
 * the app roles that may call it, its parameters, body and answers as JSON Schema produced by
 * zod from the schemas the functions validate with, and the error shape every route shares.
 */
import { z } from 'zod';
import { APP_ROLES } from '../../core/auth/caller.js';
import type { ConsumerCatalog } from '../../core/consumers/consumer-port.js';
import { API_OPERATIONS, type ApiAnswer, type ApiOperation } from './api-operations.js';
import { apiSchemas, errorBodySchema } from './api-schemas.js';
import { MAX_REQUEST_BODY_BYTES } from './request-body.js';
import { ROUTE_ROLES, type RouteAccess, type RoutedFunction } from './route-roles.js';

/** The document's own version: its shape changes only by adding (routes, fields, answers). */
export const OPENAPI_DOCUMENT_VERSION = '1.0.0';
export const SECURITY_SCHEME = 'entraId';

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Record<string, string[]>[];
  'x-app-roles': string[] | 'anonymous';
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}

export interface OpenApiDocumentOptions {
  /** The deployment's consumer kinds: policies' consumers are described by their schemas. */
  consumerKinds?: ConsumerCatalog;
}

const COMPONENT = (id: string) => `#/components/schemas/${id}`;

/** zod's JSON Schema, as OpenAPI 3.1 components hold it: references to named components, no $schema or $id. */
const conversion = {
  io: 'input',
  unrepresentable: 'any',
  target: 'draft-2020-12',
  uri: COMPONENT,
  override(ctx: { zodSchema: unknown; jsonSchema: JsonSchema }) {
    const ref = apiSchemas.get(ctx.zodSchema as z.ZodType)?.ref;
    if (ref) {
      for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
      ctx.jsonSchema['$ref'] = COMPONENT(ref);
    }
    // zod spells out ISO 8601 as a long regular expression; the format says it.
    if (ctx.jsonSchema['format'] === 'date-time') delete ctx.jsonSchema['pattern'];
    // Descriptions (.describe) live in zod's global registry, which a conversion with our registry does not read.
    const description = z.globalRegistry.get(ctx.zodSchema as z.ZodType)?.description;
    if (description && ctx.jsonSchema['description'] === undefined) ctx.jsonSchema['description'] = description;
  },
} as const;

function clean(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/**
 * A schema as it appears in an operation: a reference when it is a named component, else
 * inline, its named parts referring to the components (zod would copy them into $defs).
 */
function schemaOf(schema: z.ZodType): JsonSchema {
  const id = apiSchemas.get(schema)?.id;
  if (id) return { $ref: COMPONENT(id) };
  const { $defs: _defs, ...inline } = clean(z.toJSONSchema(schema, { ...conversion, metadata: apiSchemas }) as JsonSchema);
  return JSON.parse(JSON.stringify(inline).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
}

function components(options: OpenApiDocumentOptions): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(apiSchemas, conversion) as unknown as { schemas: Record<string, JsonSchema> };
  const cleaned = Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, clean(schema)]));
  const policy = cleaned['RotationPolicy'] as { properties: Record<string, JsonSchema>; required: string[]; description?: string };
  const kinds = options.consumerKinds;
  if (kinds && kinds.kinds.length > 0) {
    policy.properties['consumers'] = {
      ...policy.properties['consumers'],
      items: { oneOf: kinds.kinds.map((name) => clean(z.toJSONSchema(kinds.get(name)!.schema, conversion) as JsonSchema)) },
    };
  }
  return cleaned;
}

const ERROR_ANSWERS: Record<number, string> = {
  400: 'ValidationFailed or InvalidJson: details name each field or parameter.',
  401: 'Unauthenticated: no valid access token (WWW-Authenticate: Bearer).',
  403: 'Forbidden: the token has none of the app roles this operation allows.',
  404: 'NotFound.',
  409: 'A conflict with the current state.',
  412: 'PreconditionFailed.',
  413: 'PayloadTooLarge: the body is over 256 KiB.',
  415: 'UnsupportedMediaType: the body is not application/json.',
  422: 'IdempotencyKeyReused.',
  500: 'InternalError: details only in the log, under the invocation id the message names.',
  502: 'DependencyRefused (or, where described, RotationFailed).',
  503: 'DependencyUnavailable: storage or a vault could not be reached (Retry-After).',
};

function answer(status: number, given: ApiAnswer | undefined): unknown {
  const description = given?.description ?? ERROR_ANSWERS[status] ?? 'See the description.';
  const schema = given?.schema ?? (status >= 400 ? errorBodySchema : undefined);
  const headers = given?.headers ? Object.fromEntries(Object.entries(given.headers).map(([name, text]) => [name, { description: text, schema: { type: 'string' } }])) : undefined;
  return {
    description,
    ...(headers ? { headers } : {}),
    ...(schema ? { content: { 'application/json': { schema: schemaOf(schema) } } } : {}),
  };
}

/** The answers an operation gives: its own, and the errors its kind of route can meet. */
function answers(operation: ApiOperation, access: RouteAccess): Record<string, unknown> {
  const statuses = new Set<number>(Object.keys(operation.answers).map(Number));
  if (access !== 'anonymous') {
    for (const status of [401, 403, 500, 503]) statuses.add(status);
    if (operation.params || operation.query || operation.body || operation.headers) statuses.add(400);
    if (operation.body) for (const status of [413, 415]) statuses.add(status);
  }
  const given = operation.answers as Record<number, ApiAnswer | undefined>;
  return Object.fromEntries([...statuses].sort((a, b) => a - b).map((status) => [String(status), answer(status, given[status])]));
}

function parameters(operation: ApiOperation): unknown[] {
  const path = Object.entries(operation.params ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema: schemaOf(schema) }));
  const query = Object.entries(operation.query?.shape ?? {}).map(([name, schema]) => {
    const json = schemaOf(schema as z.ZodType);
    const { description, ...rest } = json;
    return { name, in: 'query', required: !(schema as z.ZodType).safeParse(undefined).success, ...(description ? { description } : {}), schema: rest };
  });
  const headers = Object.entries(operation.headers ?? {}).map(([name, { schema, description }]) => ({ name, in: 'header', required: false, description, schema: schemaOf(schema) }));
  return [...path, ...query, ...headers];
}

function security(access: RouteAccess): Record<string, string[]>[] {
  // OpenAPI 3.1: for a scheme other than OAuth2 the array lists role names; several objects are alternatives (any one).
  return access === 'anonymous' ? [] : access.map((role) => ({ [SECURITY_SCHEME]: [role] }));
}

export function buildOpenApiDocument(options: OpenApiDocumentOptions = {}): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const [name, operation] of Object.entries(API_OPERATIONS) as [RoutedFunction, ApiOperation][]) {
    const access = ROUTE_ROLES[name] as RouteAccess;
    const params = parameters(operation);
    const entry: OpenApiOperation = {
      operationId: name,
      summary: operation.summary,
      ...(operation.description ? { description: operation.description } : {}),
      tags: [...operation.tags],
      security: security(access),
      'x-app-roles': access === 'anonymous' ? 'anonymous' : [...access],
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(operation.body ? { requestBody: { required: operation.body.required, content: { 'application/json': { schema: schemaOf(operation.body.schema) } } } } : {}),
      responses: answers(operation, access),
    };
    const path = `/api/${operation.route}`;
    paths[path] = { ...paths[path], [operation.method.toLowerCase()]: entry };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Key Vault rotation and access governance API',
      version: OPENAPI_DOCUMENT_VERSION,
      description: `Every route but /api/health, /api/openapi.json and the dashboard's static files (/api/ui/) needs an Entra ID access token for the API's app registration, with one of the app roles its security names (x-app-roles repeats them). Errors are {"error":{"code","message","details":[{"path","message"}]}}; a refused request writes nothing; no answer ever holds a secret value. Request bodies are at most ${MAX_REQUEST_BODY_BYTES} bytes.`,
    },
    paths,
    components: {
      schemas: components(options),
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `An Entra ID access token for the API's app registration (audience: its app ID URI or client id; scope <app ID URI>/.default), validated by the app. Its roles claim holds app roles: ${APP_ROLES.join(', ')}. Each operation's security lists the roles that may call it, any one of them (docs/auth.md).`,
        },
      },
    },
  };
}
