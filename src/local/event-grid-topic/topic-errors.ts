/**
 * Event Grid's error answers: {"error":{"code","message","details":[{"code","message"}]}} with
 * its status, the message ending in the Report '...' line the service appends. Codes marked
 * "Event Grid's" are the service's own; the wording is the stand-in's unless marked.
 */
import { randomUUID } from 'node:crypto';

export class TopicError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detailCode: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'TopicError';
  }

  toBody(): unknown {
    const message = `${this.message} Report '${randomUUID()}:0:${new Date().toISOString()}' to our forums for assistance or raise a support ticket.`;
    return { error: { code: this.code, message, details: [{ code: this.detailCode, message }] } };
  }
}

export const topicErrors = {
  /** Event Grid's code and wording. */
  missingAuthorization: () => new TopicError(401, 'Unauthorized', 'Unauthorized', 'Request must contain one of the following authorization signature: aeg-sas-token, aeg-sas-key, or an Authorization header with a bearer token.'),
  /** Event Grid's code and wording. */
  wrongKey: (host: string) => new TopicError(401, 'Unauthorized', 'Unauthorized', `The request authorization key is not authorized for ${host.toUpperCase()}. This is resolved by using the correct key.`),
  /** Event Grid's code; the wording is the stand-in's. */
  invalidSas: (why: string) => new TopicError(401, 'Unauthorized', 'Unauthorized', `The aeg-sas-token is not valid: ${why}. Valid format: r=UrlEncodedResource&e=UrlEncodedUtcExpiration&s=UrlEncodedSignature.`),
  /** Event Grid's code. */
  invalidBearer: () => new TopicError(401, 'Unauthorized', 'Unauthorized', "The Authorization header must be 'Bearer <token>'."),
  /** Event Grid's codes. */
  tooLarge: (limit: number) => new TopicError(413, 'RequestEntityTooLarge', 'RequestEntityTooLarge', `The maximum size (${limit}) has been exceeded.`),
  notFound: (path: string) => new TopicError(404, 'NotFound', 'NotFound', `The requested resource '${path.slice(0, 200)}' was not found. Publish to /api/events.`),
  methodNotAllowed: (method: string) => new TopicError(405, 'MethodNotAllowed', 'MethodNotAllowed', `The HTTP method '${method}' is not supported; publish with POST.`, { allow: 'POST' }),
  missingApiVersion: () => new TopicError(400, 'BadRequest', 'MissingApiVersion', 'The api-version query parameter is required.'),
  unsupportedApiVersion: (version: string) => new TopicError(400, 'BadRequest', 'InvalidApiVersion', `The api-version '${version.slice(0, 50)}' is not supported. Supported versions: 2018-01-01.`),
  /** The body does not conform to the CloudEvents 1.0 schema the topic takes. */
  invalidInput: (why: string) => new TopicError(400, 'BadRequest', 'InputJsonInvalid', `This resource is configured to receive events in the CloudEventSchemaV1_0 schema. The JSON received does not conform to the expected schema: ${why}.`),
};

/** Default code for an injected status. */
export function injectedTopicError(status: number, code?: string, message?: string, headers: Record<string, string> = {}): TopicError {
  const codes: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 429: 'TooManyRequests', 500: 'InternalServerError', 503: 'ServiceUnavailable', 504: 'GatewayTimeout' };
  const chosen = code ?? codes[status] ?? 'InjectedFault';
  return new TopicError(status, chosen, chosen, message ?? `Injected fault: ${status}.`, headers);
}
