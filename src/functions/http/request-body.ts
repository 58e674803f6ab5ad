/** Reads and validates JSON request bodies; every refusal names the field. */
import type { HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import { ValidationError, type ErrorDetail } from '../../core/errors.js';
import { jsonNestingDepth } from '../../core/json-depth.js';
import { quote } from '../../core/untrusted-text.js';
import { HttpError } from './http-errors.js';

/** One detail per problem; an unknown field is named by its own path. */
export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key].map(String).join('.'), message: 'unknown field' }))
      : [{ path: issue.path.map(String).join('.'), message: issue.message }],
  );
}

/**
 * The largest body any route accepts. A policy with a JSON template of a dozen
 * keys is a few KiB and a rotate request less than one; 256 KiB leaves room for
 * every honest body while a 20 MB one (the Functions host itself allows 100 MB)
 * is refused before it is parsed, validated or echoed.
 */
export const MAX_REQUEST_BODY_BYTES = 256 * 1024;

/** A policy nests four or five levels; a 5,000-level body would overflow the stack of whatever recursive code reads it first. */
const MAX_JSON_NESTING = 64;

function tooLarge(size: string): HttpError {
  return new HttpError(413, 'PayloadTooLarge', `the request body is too large (${size})`, [
    { path: '', message: `a request body has at most ${MAX_REQUEST_BODY_BYTES} bytes` },
  ]);
}

/** The body as text, read no further than the limit. */
async function boundedText(request: HttpRequest): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > MAX_REQUEST_BODY_BYTES) throw tooLarge(`${declared} bytes declared`);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_REQUEST_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(`more than ${MAX_REQUEST_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** The body as parsed JSON. Refuses a non-JSON content type (415), a body over the limit (413) and malformed JSON (400). */
export async function readJson(request: HttpRequest): Promise<unknown> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new HttpError(415, 'UnsupportedMediaType', 'the request body must be JSON (content-type: application/json)', [
      { path: '', message: `content-type was ${contentType ? quote(contentType) : "'absent'"}` },
    ]);
  }
  const text = await boundedText(request);
  if (!text.trim()) throw new ValidationError('the request body is empty', [{ path: '', message: 'expected a JSON object' }]);
  if (jsonNestingDepth(text) > MAX_JSON_NESTING) {
    throw new ValidationError('the request body nests too deeply', [{ path: '', message: `nested deeper than ${MAX_JSON_NESTING} levels` }]);
  }
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

/** As readBody, for operations whose body is optional: no body at all reads as `{}`. */
export async function readOptionalBody<T extends z.ZodType>(request: HttpRequest, schema: T): Promise<z.output<T>> {
  const declared = request.headers.get('content-length');
  if (!request.body || (declared === '0' && !request.headers.get('content-type'))) {
    const parsed = schema.safeParse({});
    if (!parsed.success) throw new ValidationError('the request body is invalid', zodDetails(parsed.error));
    return parsed.data;
  }
  return readBody(request, schema);
}
