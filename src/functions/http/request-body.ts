/** Reads and validates JSON request bodies; every refusal names the field. */
import type { HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import { ValidationError, type ErrorDetail } from '../../core/errors.js';
import { HttpError } from './http-errors.js';

/** One detail per problem; an unknown field is named by its own path. */
export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key].map(String).join('.'), message: 'unknown field' }))
      : [{ path: issue.path.map(String).join('.'), message: issue.message }],
  );
}

/** The body as parsed JSON. Refuses a non-JSON content type (415) and malformed JSON (400). */
export async function readJson(request: HttpRequest): Promise<unknown> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new HttpError(415, 'UnsupportedMediaType', 'the request body must be JSON (content-type: application/json)', [
      { path: '', message: `content-type was '${contentType || 'absent'}'` },
    ]);
  }
  const text = await request.text();
  if (!text.trim()) throw new ValidationError('the request body is empty', [{ path: '', message: 'expected a JSON object' }]);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // JSON.parse's message quotes the body, which may hold a template's static values: say nothing of it.
    throw new HttpError(400, 'InvalidJson', 'the request body is not valid JSON', [{ path: '', message: 'could not be parsed as JSON' }]);
  }
}

export async function readBody<T extends z.ZodType>(request: HttpRequest, schema: T): Promise<z.output<T>> {
  const parsed = schema.safeParse(await readJson(request));
  if (!parsed.success) throw new ValidationError('the request body is invalid', zodDetails(parsed.error));
  return parsed.data;
}
